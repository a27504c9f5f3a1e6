// Tokenizers against Hugging Face: every tokenizer[] and chat entry of every golden.json under
// ../shared/models, the perplexity protocol's token count, round trips, streaming, errors.
#include "core/tokenizer/streaming_decoder.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

using awq::Tokenizer;
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

json golden(const fs::path& folder) { return json::parse(readFile(folder / "golden.json")); }

// Every model fixture with a golden.json (some share a tokenizer.json; each is tested).
std::vector<fs::path> modelFolders() {
    std::vector<fs::path> out;
    for (const auto& e : fs::directory_iterator(awq::test::sharedDir() / "models"))
        if (e.is_directory() && fs::exists(e.path() / "golden.json") && fs::exists(e.path() / "tokenizer.json")) out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

bool validUtf8(const std::string& s) {
    // strict check independent of the code under test
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        for (std::size_t k = 1; k < n; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
        i += n;
    }
    return true;
}

// A tiny BPE tokenizer.json: characters a-e, space, merges as given, pre-tokenizer/decoder as given.
std::string tinyTokenizer(const json& merges, const json& preTokenizer, const json& decoder = nullptr, const json& normalizer = nullptr) {
    json vocab = {{"a", 0}, {"b", 1}, {"c", 2}, {"d", 3}, {"e", 4}, {" ", 5}, {"ab", 6}, {"abc", 7}, {"de", 8},
                  {"\xE2\x96\x81", 9}, {"\xE2\x96\x81" "a", 10}, {"1", 11}, {"2", 12}, {"12", 13}};
    json j = {{"version", "1.0"},
              {"added_tokens", json::array({{{"id", 14}, {"content", "<eos>"}, {"special", true}, {"normalized", false}},
                                            {{"id", 15}, {"content", "[M]"}, {"special", false}, {"normalized", false},
                                             {"lstrip", true}, {"rstrip", true}}})},
              {"normalizer", normalizer},
              {"pre_tokenizer", preTokenizer},
              {"post_processor", nullptr},
              {"decoder", decoder},
              {"model", {{"type", "BPE"}, {"vocab", vocab}, {"merges", merges}, {"unk_token", nullptr}}}};
    return j.dump();
}

// (tokenizer.json text, a phrase the error must contain)
const std::pair<const char*, const char*> kBadTokenizerJson[] = {
    {"{\"model\": ", "not valid JSON"},
    {"[1, 2]", "not a tokenizer"},
    {"{\"version\": \"1.0\"}", "no \"model\""},
    {R"({"model": {"type": "Unigram", "vocab": [["a", 0.0]]}})", "Unigram"},
    {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a c"]}})", "not in the vocab"},
    {R"({"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}})", "\"ab\""},
    {R"({"model": {"type": "BPE", "vocab": {"a": 0}, "merges": ["a b c"]}})", "merge 1"},
    {R"({"model": {"type": "BPE", "vocab": {"a": "x"}}})", "vocab entry"},
    {R"({"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Split", "pattern": {"Regex": "(unclosed"}, "behavior": "Isolated"}})", "invalid regular expression"},
    {R"({"model": {"type": "BPE", "vocab": {}}, "pre_tokenizer": {"type": "Magic"}})", "\"Magic\""},
    {R"({"model": {"type": "BPE", "vocab": {}}, "normalizer": {"type": "Precompiled"}})", "Precompiled"},
    {R"({"model": {"type": "BPE", "vocab": {}}, "added_tokens": [{"content": "x"}]})", "added token"},
};

}  // namespace

class TestTokenizer : public QObject {
    Q_OBJECT

private slots:
    void goldenTokenizer_data() {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<int>("index");
        int rows = 0;
        for (const auto& f : modelFolders()) {
            const auto g = golden(f);
            if (!g.contains("tokenizer")) continue;
            for (std::size_t i = 0; i < g["tokenizer"].size(); ++i, ++rows)
                QTest::newRow((f.filename().string() + "#" + std::to_string(i)).c_str()) << QString::fromStdString(f.string()) << int(i);
        }
        QVERIFY2(rows >= 7 * 9, "expected the tokenizer[] entries of all 7 model fixtures");
    }

    void goldenTokenizer() {
        QFETCH(QString, folder);
        QFETCH(int, index);
        const fs::path dir = folder.toStdString();
        const auto tok = Tokenizer::load(dir);
        const auto entry = golden(dir)["tokenizer"][static_cast<std::size_t>(index)];
        const std::string text = entry["text"];
        const auto ids = tok.encode(text, false);
        QCOMPARE(json(ids).dump(), entry["ids"].dump());
        QCOMPARE(json(tok.encode(text, true)).dump(), entry["ids_with_special"].dump());
        QCOMPARE(json(tok.idsToTokens(ids)).dump(), entry["tokens"].dump());
        QCOMPARE(tok.decode(entry["ids"].get<std::vector<int>>()), entry["decoded"].get<std::string>());
    }

    void goldenChat_data() {
        QTest::addColumn<QString>("folder");
        int rows = 0;
        for (const auto& f : modelFolders()) {
            if (!golden(f).contains("chat") || golden(f)["chat"].is_null()) continue;
            QTest::newRow(f.filename().string().c_str()) << QString::fromStdString(f.string());
            ++rows;
        }
        QVERIFY2(rows >= 6, "expected the chat entries of the 6 fixtures that ship a template");
    }

    void goldenChat() {
        QFETCH(QString, folder);
        const fs::path dir = folder.toStdString();
        const auto tok = Tokenizer::load(dir);
        const auto chat = golden(dir)["chat"];
        QVERIFY(!tok.chatTemplate().isFallback());
        std::vector<awq::ChatMessage> messages;
        for (const auto& m : chat["messages"]) messages.push_back({m["role"], m["content"]});
        const std::string text = tok.applyChatTemplate(messages, chat["add_generation_prompt"].get<bool>());
        QCOMPARE(text, chat["text"].get<std::string>());
        QCOMPARE(tok.chatTemplate().renderJson(chat["messages"].dump(), chat["add_generation_prompt"].get<bool>()), text);
        QCOMPARE(json(tok.encode(text, false)).dump(), chat["ids"].dump());
    }

    void transformersLlamaRebuild() {
        // tokenizer_class LlamaTokenizer: transformers 5 rebuilds the pipeline (no unknown token,
        // Metaspace "first"); with the class read from tokenizer.json alone, <unk> and the
        // Prepend normalizer apply instead.
        const fs::path dir = awq::test::modelDir("tinystories-656k");
        const std::string tj = readFile(dir / "tokenizer.json");
        const auto asLlama = Tokenizer::fromJson(tj, readFile(dir / "tokenizer_config.json"));
        const auto asFile = Tokenizer::fromJson(tj, R"({"tokenizer_class": "TokenizersBackend"})");
        QCOMPARE(asLlama.encode("caf\xC3\xA9 ok", false), Tokenizer::load(dir).encode("caf\xC3\xA9 ok", false));
        const auto unk = asFile.encode("caf\xC3\xA9", false);
        QVERIFY(std::find(unk.begin(), unk.end(), 0) != unk.end());
        const auto dropped = asLlama.encode("caf\xC3\xA9", false);
        QVERIFY(std::find(dropped.begin(), dropped.end(), 0) == dropped.end());
        QCOMPARE(asFile.encode("  x", false).size(), asLlama.encode("  x", false).size() + 1);  // "▁▁▁x" vs "▁▁x"
    }

    void fallbackTemplate() {
        const auto tok = Tokenizer::load(awq::test::modelDir("tinystories-656k"));
        QVERIFY(tok.chatTemplate().isFallback());
        const std::string text = tok.applyChatTemplate({{"system", "Stories only."}, {"user", "Tell me a story."}}, true);
        QCOMPARE(text, std::string("Stories only.\n\nUser: Tell me a story.\nAssistant:"));
    }

    void specialTokensAndStopIds() {
        const auto qwen = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(qwen.eosIds(), (std::vector<int>{0, 2}));  // generation_config.json lists two
        QVERIFY(qwen.isEos(2) && !qwen.isEos(1));
        QCOMPARE(qwen.eosToken(), std::string("<|endoftext|>"));
        QVERIFY(!qwen.bosId());
        QCOMPARE(qwen.padId().value_or(-1), 0);
        QVERIFY(qwen.isSpecial(1));
        QCOMPARE(qwen.tokenToId("<|im_start|>").value_or(-1), 1);
        QCOMPARE(qwen.tokenToId("\xC4\xA0world").value_or(-1), 1997);
        QCOMPARE(qwen.vocabSize(), 4096);
        const std::vector<int> ids = qwen.encode("<|im_start|>user\nhi<|im_end|>", false);
        QCOMPARE(qwen.decode(ids, true), std::string("user\nhi"));

        const auto story = Tokenizer::load(awq::test::modelDir("tinystories-656k"));
        QCOMPARE(story.bosId().value_or(-1), 1);
        QCOMPARE(story.eosIds(), (std::vector<int>{2}));
        QCOMPARE(story.vocabSize(), 2048);
        QCOMPARE(story.encode("", true), (std::vector<int>{1}));

        const auto qwen2 = Tokenizer::load(awq::test::modelDir("qwen2-random"));
        QCOMPARE(qwen2.eosIds(), (std::vector<int>{0}));
    }

    // The perplexity protocol in models/README.md counts 187,861 tokens for this file.
    void evalTextTokenCountAndRoundTrip() {
        const std::string text = readFile(awq::test::dataFile("eval-stories.txt"));
        QVERIFY(!text.empty());
        const auto qwen = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        const auto ids = qwen.encode(text, false);
        QCOMPARE(ids.size(), std::size_t(187861));
        QCOMPARE(qwen.decode(ids), text);

        // LlamaTokenizer-style: the whole text is one word; long words are merged in independent
        // segments, which must not change the ids (counts pinned from the unsegmented merge).
        const auto story = Tokenizer::load(awq::test::modelDir("tinystories-656k"));
        const auto storyIds = story.encode(text, false);
        QCOMPARE(storyIds.size(), std::size_t(156461));
        QCOMPARE(story.decode(storyIds), text);
        const std::string paragraph = text.substr(0, text.find("\n\n"));
        const auto whole = story.encode(paragraph, false);
        QVERIFY(paragraph.size() > 200 && whole.size() > 64);
        QCOMPARE(story.decode(whole), paragraph);
    }

    void wikiRoundTrip() {
        const std::string text = readFile(awq::test::dataFile("wiki.test.raw"));
        const auto qwen = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        const auto ids = qwen.encode(text, false);
        QCOMPARE(ids.size(), std::size_t(526031));
        QCOMPARE(qwen.decode(ids), text);
        // characters outside tinystories-656k's vocab (no byte tokens, no unk) are dropped, as in
        // transformers, so only the count is checked there
        QCOMPARE(Tokenizer::load(awq::test::modelDir("tinystories-656k")).encode(text, false).size(), std::size_t(536026));
    }

    void nfcNormalization() {
        // tinystories-qwen3-7m normalizes with NFC: decomposed and composed text tokenize alike
        const auto qwen = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(qwen.encode("cafe\xCC\x81 Cafe\xCC\x81", false), qwen.encode("caf\xC3\xA9 Caf\xC3\xA9", false));
        QCOMPARE(qwen.encode("A\xCC\x8A", false), qwen.encode("\xC3\x85", false));  // A + ring -> Å
    }

    void invalidUtf8IsReadLossily() {
        const auto qwen = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(qwen.encode("a\xFF" "b", false), qwen.encode("a\xEF\xBF\xBD" "b", false));
    }

    void streamingDeltasNeverSplitUtf8_data() {
        QTest::addColumn<QString>("model");
        QTest::newRow("byte-level") << "tinystories-qwen3-7m";
        QTest::newRow("sentencepiece-style") << "tinystories-656k";
    }

    void streamingDeltasNeverSplitUtf8() {
        QFETCH(QString, model);
        const auto tok = Tokenizer::load(awq::test::modelDir(model.toStdString().c_str()));
        const std::string text =
            "Once upon a time, 東京タワー 🙂👍🏽 naïve café.\n  Two spaces,\ttab. Ünïcödé <|im_end|> end";
        const auto ids = tok.encode(text, true);
        awq::StreamingDecoder stream(tok, false);
        std::string joined;
        int emptyDeltas = 0;
        for (int id : ids) {
            const std::string delta = stream.push(id);
            QVERIFY2(validUtf8(delta), "a delta split a UTF-8 sequence");
            QVERIFY(delta.find("\xEF\xBF\xBD") == std::string::npos);
            emptyDeltas += delta.empty();
            joined += delta;
        }
        joined += stream.flush();
        QCOMPARE(joined, tok.decode(ids, false));
        QCOMPARE(stream.text(), joined);
        if (model == "tinystories-qwen3-7m") QVERIFY2(emptyDeltas > 0, "multi-byte characters span several byte-level tokens");
    }

    void streamingSkipsSpecialTokens() {
        const auto tok = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        const auto ids = tok.encode("<|im_start|>assistant\nHello there.<|im_end|>", false);
        awq::StreamingDecoder stream(tok, true);
        std::string joined;
        for (int id : ids) joined += stream.push(id);
        joined += stream.flush();
        QCOMPARE(joined, std::string("assistant\nHello there."));
    }

    void mergesInBothJsonForms() {
        // Qwen's tokenizer.json stores merges as pairs; the same merges as "a b" strings must agree.
        json j = json::parse(readFile(awq::test::modelDir("tinystories-qwen3-7m") / "tokenizer.json"));
        QVERIFY(j["model"]["merges"][0].is_array());
        json asStrings = json::array();
        for (const auto& m : j["model"]["merges"]) asStrings.push_back(m[0].get<std::string>() + " " + m[1].get<std::string>());
        const auto pairs = Tokenizer::fromJson(j.dump());
        j["model"]["merges"] = asStrings;
        const auto strings = Tokenizer::fromJson(j.dump());
        const std::string text = readFile(awq::test::dataFile("eval-stories.txt")).substr(0, 20000);
        QCOMPARE(strings.encode(text, false), pairs.encode(text, false));

        const auto a = Tokenizer::fromJson(tinyTokenizer(json::array({"a b", "ab c", "d e"}), nullptr));
        const auto b = Tokenizer::fromJson(tinyTokenizer(json::array({{"a", "b"}, {"ab", "c"}, {"d", "e"}}), nullptr));
        QCOMPARE(a.encode("abcde", false), (std::vector<int>{7, 8}));
        QCOMPARE(b.encode("abcde", false), (std::vector<int>{7, 8}));
    }

    void mergeRanksDecide() {
        // "b c" is not a merge; with "a b" ranked first "abc" merges left to right
        const auto t = Tokenizer::fromJson(tinyTokenizer(json::array({"d e", "a b", "ab c"}), nullptr));
        QCOMPARE(t.encode("abcdeab", false), (std::vector<int>{7, 8, 6}));
        QCOMPARE(t.decode(t.encode("abcdeab", false)), std::string("abc de ab"));  // no decoder: joined with spaces
    }

    void addedTokenFlags() {
        // [M] strips the whitespace around it; <eos> is special and skipped on request
        const auto t = Tokenizer::fromJson(tinyTokenizer(json::array({"a b"}), nullptr, {{"type", "Fuse"}}));
        QCOMPARE(t.encode("ab  [M]  ab<eos>", false), (std::vector<int>{6, 15, 6, 14}));
        QCOMPARE(t.decode(t.encode("ab<eos>", false), true), std::string("ab"));
        QVERIFY(t.isSpecial(14) && !t.isSpecial(15));
    }

    void splitBehaviours() {
        const auto split = [](const char* behavior, bool invert = false) {
            return json{{"type", "Split"}, {"pattern", {{"String", " "}}}, {"behavior", behavior}, {"invert", invert}};
        };
        const json fuse = {{"type", "Fuse"}};
        auto tokens = [&](const json& pre) {
            const auto t = Tokenizer::fromJson(tinyTokenizer(json::array({"a b"}), pre, fuse));
            return t.idsToTokens(t.encode("ab  c", false));
        };
        QCOMPARE(tokens(split("Isolated")), (std::vector<std::string>{"ab", " ", " ", "c"}));
        QCOMPARE(tokens(split("Removed")), (std::vector<std::string>{"ab", "c"}));
        QCOMPARE(tokens(split("MergedWithPrevious")), (std::vector<std::string>{"ab", " ", " ", "c"}));
        QCOMPARE(tokens(split("Contiguous")), (std::vector<std::string>{"ab", " ", " ", "c"}));
        // merged pieces keep "b" and " " in one word: "ab" can't merge across the space boundary
        const json digits = {{"type", "Digits"}, {"individual_digits", true}};
        const auto t = Tokenizer::fromJson(tinyTokenizer(json::array({"1 2"}), digits, fuse));
        QCOMPARE(t.encode("12", false), (std::vector<int>{11, 12}));
        const json digitsGrouped = {{"type", "Digits"}, {"individual_digits", false}};
        const auto g = Tokenizer::fromJson(tinyTokenizer(json::array({"1 2"}), digitsGrouped, fuse));
        QCOMPARE(g.encode("12", false), (std::vector<int>{13}));
    }

    void metaspace() {
        const json pre = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};
        const json dec = {{"type", "Metaspace"}, {"replacement", "\xE2\x96\x81"}, {"prepend_scheme", "always"}, {"split", true}};
        const auto t = Tokenizer::fromJson(tinyTokenizer(json::array({"\xE2\x96\x81 a", "a b"}), pre, dec));
        const auto ids = t.encode("a ab", false);
        QCOMPARE(ids, (std::vector<int>{10, 10, 1}));  // "▁a" "▁a" "b": "▁ a" outranks "a b"
        QCOMPARE(t.decode(ids), std::string("a ab"));
    }

    void badTokenizerJsonGivesClearErrors() {
        auto expectError = [](const std::string& text, const char* needle) {
            try {
                Tokenizer::fromJson(text);
            } catch (const awq::Error& e) {
                const std::string what = e.what();
                QVERIFY2(what.find("tokenizer.json") != std::string::npos, what.c_str());
                QVERIFY2(what.find(needle) != std::string::npos, what.c_str());
                QVERIFY(!e.fix().empty());
                return;
            }
            QFAIL(("no error for: " + text.substr(0, 80)).c_str());
        };
        for (const auto& [text, needle] : kBadTokenizerJson) expectError(text, needle);
        // Issue 17: a post_processor.pair of a million nested arrays overflowed the stack (SIGSEGV).
        const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
        expectError(R"({"version": "1.0", "post_processor": {"type": "TemplateProcessing", "pair": )" + deep + "}}", "levels deep");
        // Brackets inside strings (and escaped quotes) are text, not nesting.
        json withText = json::parse(tinyTokenizer(json::array(), nullptr));
        withText["added_tokens"][0]["content"] = std::string(2000, '[') + "\"{";
        QCOMPARE(Tokenizer::fromJson(withText.dump()).encode("a", false), (std::vector<int>{0}));

        try {
            Tokenizer::load(awq::test::sharedDir() / "data");
            QFAIL("a folder without tokenizer.json loaded");
        } catch (const awq::Error& e) {
            QCOMPARE(e.file().filename().string(), std::string("tokenizer.json"));
            QVERIFY(std::string(e.what()).find("missing") != std::string::npos);
        }
    }

    void concurrentEncoding() {
        const auto tok = Tokenizer::load(awq::test::modelDir("tinystories-qwen3-7m"));
        const std::string text = readFile(awq::test::dataFile("eval-stories.txt")).substr(0, 200000);
        const auto expected = tok.encode(text, false);
        std::vector<std::vector<int>> results(4);
        std::vector<std::thread> threads;
        for (int i = 0; i < 4; ++i) threads.emplace_back([&, i] { results[static_cast<std::size_t>(i)] = tok.encode(text, false); });
        for (auto& t : threads) t.join();
        for (const auto& r : results) QCOMPARE(r, expected);
    }
};

QTEST_APPLESS_MAIN(TestTokenizer)
#include "test_tokenizer.moc"
