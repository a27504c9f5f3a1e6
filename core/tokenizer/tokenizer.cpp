#include "core/tokenizer/tokenizer.h"

#include "core/tokenizer/detail/bpe_model.h"
#include "core/tokenizer/detail/pipeline.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/model/hf_config.h"
#include "core/model/model_files.h"
#include "core/util/json_read.h"
#include "core/util/json_quote.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <unordered_map>

namespace awq {

namespace fs = std::filesystem;
using detail_json = nlohmann::json;
namespace td = tokenizer::detail;

namespace {

constexpr const char* kFixTokenizerJson =
    "re-download tokenizer.json from the model's repository, or save it again with tokenizers/transformers";

detail_json parseJson(std::string_view text, const fs::path& origin, const char* fix) {
    return awq::parseJson(text, {origin, fix});
}

// An optional JSON file of a model folder, read through the folder's one door (no links out).
std::optional<detail_json> readOptionalJson(const fs::path& folder, const char* name) {
    const auto text = readModelFile(folder, name);
    if (!text) return std::nullopt;
    return parseJson(*text, folder / name, "fix or delete the file; it is optional");
}

// A special token in tokenizer_config.json / special_tokens_map.json: "text" or {"content": "text", ...}.
std::optional<std::string> tokenString(const detail_json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_object() && j.contains("content") && j["content"].is_string()) return j["content"].get<std::string>();
    return std::nullopt;
}

bool jsonBool(const detail_json& j, const char* key, bool fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

// Leftmost-longest matcher over added-token strings (an Aho-Corasick LeftmostLongest equivalent
// for the few dozen to few hundred added tokens models have).
class TokenMatcher {
public:
    void add(std::string pattern, std::size_t tokenIndex) {
        if (pattern.empty()) return;
        byFirstByte_[static_cast<unsigned char>(pattern[0])].push_back({std::move(pattern), tokenIndex});
        empty_ = false;
    }
    void finish() {
        for (auto& list : byFirstByte_)
            std::stable_sort(list.begin(), list.end(), [](const Entry& a, const Entry& b) { return a.pattern.size() > b.pattern.size(); });
    }
    bool empty() const noexcept { return empty_; }

    struct Match {
        std::size_t begin, end, tokenIndex;
    };
    // The next match at or after `from`, if any.
    std::optional<Match> next(std::string_view text, std::size_t from) const {
        for (std::size_t i = from; i < text.size(); ++i) {
            const auto& list = byFirstByte_[static_cast<unsigned char>(text[i])];
            for (const auto& e : list) {
                if (text.compare(i, e.pattern.size(), e.pattern) == 0) return Match{i, i + e.pattern.size(), e.tokenIndex};
            }
        }
        return std::nullopt;
    }

private:
    struct Entry {
        std::string pattern;
        std::size_t tokenIndex;
    };
    std::array<std::vector<Entry>, 256> byFirstByte_;
    bool empty_ = true;
};

bool isWordChar(std::string_view text, std::size_t begin, std::size_t end) {
    static const td::Regex word(R"(^\w$)");
    std::vector<std::pair<std::size_t, std::size_t>> m;
    word.findAll(text.substr(begin, end - begin), m);
    return !m.empty();
}

bool endsWithWord(std::string_view s) {
    if (s.empty()) return false;
    std::size_t start = s.size() - 1;
    while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
    return isWordChar(s, start, s.size());
}

bool startsWithWord(std::string_view s) {
    if (s.empty()) return false;
    return isWordChar(s, 0, std::min(s.size(), td::utf8SeqLen(static_cast<unsigned char>(s[0]))));
}

// transformers' clean_up_tokenization (clean_up_tokenization_spaces = true).
std::string cleanUpTokenization(std::string s) {
    static const std::pair<std::string_view, std::string_view> rules[] = {
        {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
        {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (auto [from, to] : rules) {
        std::string out;
        std::size_t prev = 0;
        for (std::size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos)) {
            out.append(s, prev, pos - prev);
            out.append(to);
            pos += from.size();
            prev = pos;
        }
        out.append(s, prev, std::string::npos);
        s = std::move(out);
    }
    return s;
}

}  // namespace

struct Tokenizer::Impl {
    fs::path origin;
    std::unique_ptr<td::BpeModel> model;
    std::unique_ptr<td::Normalizer> normalizer;
    std::unique_ptr<td::PreTokenizer> preTokenizer;
    std::unique_ptr<td::PostProcessor> postProcessor;
    std::unique_ptr<td::Decoder> decoder;
    std::string kind;  // for describe()

    std::vector<AddedToken> added;
    std::unordered_map<int, std::size_t> addedById;
    td::TokenMap addedByContent;
    TokenMatcher rawMatcher;         // added tokens with normalized = false, on raw text
    TokenMatcher normalizedMatcher;  // added tokens with normalized = true, on normalized text
    int maxId = -1;
    bool cleanUpSpaces = false;

    std::string bosToken, eosToken, padToken, unkToken;
    std::optional<int> bosId, eosId, padId;
    std::vector<int> eosIds;
    ChatTemplate chat;
    ChatVariables templateTokens;  // special tokens every chat template render sees

    void attachTemplateTokens() {
        for (const auto& [name, json] : templateTokens) chat.setVariableJson(name, json);
    }

    std::optional<int> lookup(std::string_view token) const {
        if (auto it = addedByContent.find(token); it != addedByContent.end()) return it->second;
        return model->tokenToId(token);
    }
    const std::string* tokenOf(int id) const {
        if (auto it = addedById.find(id); it != addedById.end()) return &added[it->second].content;
        return model->idToToken(id);
    }

    void addToken(AddedToken t) {
        if (t.content.empty()) return;
        if (auto it = addedById.find(t.id); it != addedById.end()) {
            added[it->second] = t;
        } else {
            addedById.emplace(t.id, added.size());
            added.push_back(t);
        }
        addedByContent[t.content] = t.id;
        maxId = std::max(maxId, t.id);
    }

    void buildMatchers() {
        for (std::size_t i = 0; i < added.size(); ++i) {
            const auto& t = added[i];
            if (t.normalized) {
                normalizedMatcher.add(normalizer ? normalizer->apply(t.content) : t.content, i);
            } else {
                rawMatcher.add(t.content, i);
            }
        }
        rawMatcher.finish();
        normalizedMatcher.finish();
    }

    // AddedVocabulary::find_matches + split: cut `piece` at added tokens found by `matcher`.
    void splitOnAddedTokens(td::Piece&& piece, const TokenMatcher& matcher, std::vector<td::Piece>& out) const {
        const std::string_view text = piece.text;
        if (matcher.empty() || text.empty()) {
            if (!text.empty()) out.push_back(std::move(piece));
            return;
        }
        std::size_t emitted = 0;  // start of text not yet emitted
        auto emitText = [&](std::size_t begin, std::size_t end) {
            if (begin >= end) return;
            td::Piece p;
            p.text = std::string(text.substr(begin, end - begin));
            p.atStart = piece.atStart && begin == 0;
            out.push_back(std::move(p));
        };
        std::size_t from = 0;
        while (auto m = matcher.next(text, from)) {
            from = m->end;
            const AddedToken& token = added[m->tokenIndex];
            std::size_t begin = m->begin, end = m->end;
            if (begin < emitted) continue;  // overlapped by a previous token's rstrip
            if (token.singleWord) {
                const bool spaceBefore = begin == 0 || !endsWithWord(text.substr(0, begin));
                const bool spaceAfter = end == text.size() || !startsWithWord(text.substr(end));
                if (!spaceBefore || !spaceAfter) continue;
            }
            if (token.lstrip) {
                std::size_t b = begin;
                while (b > emitted) {
                    std::size_t start = b - 1;
                    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
                    std::size_t i = start;
                    if (!td::isUnicodeWhitespace(td::nextCodePoint(text, i))) break;
                    b = start;
                }
                begin = b;
            }
            if (token.rstrip) {
                while (end < text.size()) {
                    std::size_t i = end;
                    if (!td::isUnicodeWhitespace(td::nextCodePoint(text, i))) break;
                    end = i;
                }
                from = end;
            }
            emitText(emitted, begin);
            td::Piece tok;
            tok.text = std::string(text.substr(begin, end - begin));
            tok.tokenId = token.id;
            out.push_back(std::move(tok));
            emitted = end;
        }
        emitText(emitted, text.size());
    }
};

// ---------------------------------------------------------------------------------------------

namespace {

struct SpecialNames {
    std::optional<std::string> bos, eos, pad, unk, sep, cls, mask;
    std::vector<std::string> additional;  // every listed extra token, from both files (added to the vocabulary)
    // What transformers' special_tokens_map holds beyond the named tokens: the first file's
    // additional_special_tokens list, and model-specific named tokens ("extra_special_tokens":
    // {"image_token": "<image>"}) which become attributes of the tokenizer.
    std::vector<std::string> additionalForTemplate;
    std::vector<std::pair<std::string, std::string>> namedExtra;
};

SpecialNames specialNames(const detail_json* config, const detail_json* specialMap) {
    SpecialNames names;
    auto pick = [&](const char* key) -> std::optional<std::string> {
        for (const detail_json* j : {config, specialMap}) {
            if (!j || !j->is_object()) continue;
            if (auto it = j->find(key); it != j->end()) return tokenString(*it);
        }
        return std::nullopt;
    };
    names.bos = pick("bos_token");
    names.eos = pick("eos_token");
    names.pad = pick("pad_token");
    names.unk = pick("unk_token");
    names.sep = pick("sep_token");
    names.cls = pick("cls_token");
    names.mask = pick("mask_token");
    bool templateListTaken = false;
    for (const detail_json* j : {config, specialMap}) {
        if (!j || !j->is_object()) continue;
        for (const char* key : {"additional_special_tokens", "extra_special_tokens"}) {
            auto it = j->find(key);
            if (it == j->end()) continue;
            if (it->is_array()) {
                std::vector<std::string> listed;
                for (const auto& t : *it)
                    if (auto s = tokenString(t)) listed.push_back(*s);
                names.additional.insert(names.additional.end(), listed.begin(), listed.end());
                if (!templateListTaken) names.additionalForTemplate = std::move(listed);
                templateListTaken = true;
            } else if (it->is_object() && names.namedExtra.empty()) {
                for (auto entry = it->begin(); entry != it->end(); ++entry)
                    if (auto s = tokenString(entry.value())) names.namedExtra.emplace_back(entry.key(), *s);
            }
        }
    }
    return names;
}

// The special tokens a chat template sees, as transformers passes them (its special_tokens_map):
// each named token that is set, additional_special_tokens when listed, and model-specific names.
ChatVariables templateSpecialTokens(const SpecialNames& names) {
    ChatVariables vars;
    const std::pair<const char*, const std::optional<std::string>*> named[] = {
        {"bos_token", &names.bos}, {"eos_token", &names.eos}, {"unk_token", &names.unk}, {"sep_token", &names.sep},
        {"pad_token", &names.pad}, {"cls_token", &names.cls}, {"mask_token", &names.mask}};
    for (const auto& [name, value] : named)
        if (*value && !(*value)->empty()) vars[name] = jsonQuoted(**value);
    if (!names.additionalForTemplate.empty()) {
        std::string list = "[";
        for (std::size_t i = 0; i < names.additionalForTemplate.size(); ++i) list += (i ? ", " : "") + jsonQuoted(names.additionalForTemplate[i]);
        vars["additional_special_tokens"] = list + "]";
    }
    for (const auto& [name, value] : names.namedExtra)
        if (!value.empty()) vars[name] = jsonQuoted(value);
    return vars;
}

AddedToken parseAddedToken(const detail_json& j, const fs::path& origin, std::optional<int> idOverride = std::nullopt) {
    AddedToken t;
    if (!j.is_object() || !j.contains("content") || !j["content"].is_string())
        throw Error("has an added token without \"content\"", origin, kFixTokenizerJson);
    t.content = j["content"].get<std::string>();
    if (idOverride) {
        t.id = *idOverride;
    } else {
        if (!j.contains("id") || !j["id"].is_number_integer() || j["id"].get<long long>() < 0)
            throw Error("has an added token without a valid \"id\" (\"" + t.content + "\")", origin, kFixTokenizerJson);
        t.id = j["id"].get<int>();
    }
    t.special = jsonBool(j, "special", false);
    t.lstrip = jsonBool(j, "lstrip", false);
    t.rstrip = jsonBool(j, "rstrip", false);
    t.singleWord = jsonBool(j, "single_word", false);
    t.normalized = jsonBool(j, "normalized", !t.special);
    return t;
}

std::shared_ptr<Tokenizer::Impl> buildImpl(const detail_json& root, const detail_json* config, const detail_json* specialMap,
                                            const fs::path& origin) {
    auto impl = std::make_shared<Tokenizer::Impl>();
    impl->origin = origin;
    if (!root.is_object()) throw Error("is not a tokenizer description (expected a JSON object)", origin, kFixTokenizerJson);
    auto modelIt = root.find("model");
    if (modelIt == root.end() || !modelIt->is_object())
        throw Error("has no \"model\" section", origin, kFixTokenizerJson);
    detail_json model = *modelIt;
    std::string type = model.contains("type") && model["type"].is_string() ? model["type"].get<std::string>() : "";
    if (type.empty() && model.contains("merges")) type = "BPE";  // very old files omit the type
    if (type != "BPE")
        throw Error("uses a \"" + (type.empty() ? std::string("unknown") : type) + "\" tokenizer model; only BPE is supported",
                    origin, "use a model whose tokenizer is BPE (Llama, Qwen, Mistral, GPT-2 families)");

    std::string tokenizerClass;
    if (config && config->is_object())
        if (auto it = config->find("tokenizer_class"); it != config->end() && it->is_string()) tokenizerClass = it->get<std::string>();
    if (tokenizerClass.size() > 4 && tokenizerClass.ends_with("Fast")) tokenizerClass.resize(tokenizerClass.size() - 4);
    // transformers 5 rebuilds LlamaTokenizer from vocab + merges with its own SentencePiece-style
    // pipeline (Metaspace "first", byte fallback, no unknown token: characters without a token are
    // dropped) and ignores the rest of tokenizer.json. We do the same so ids match AutoTokenizer,
    // except for byte-level tokenizers mislabelled LlamaTokenizer, where that rebuild is a known
    // transformers bug that garbles text; those keep their tokenizer.json pipeline.
    auto mentionsByteLevel = [&](const char* key) {
        auto it = root.find(key);
        return it != root.end() && it->dump().find("\"ByteLevel\"") != std::string::npos;
    };
    const bool llamaRebuild =
        tokenizerClass == "LlamaTokenizer" && !mentionsByteLevel("pre_tokenizer") && !mentionsByteLevel("decoder");
    bool addPrefixSpace = true;
    if (llamaRebuild) {
        addPrefixSpace = config ? jsonBool(*config, "add_prefix_space", true) : true;
        model["unk_token"] = nullptr;
        model["fuse_unk"] = true;
        model["byte_fallback"] = true;
        model["continuing_subword_prefix"] = nullptr;
        model["end_of_word_suffix"] = nullptr;
        model["ignore_merges"] = false;
        model["dropout"] = nullptr;
    }

    try {
        impl->model = std::make_unique<td::BpeModel>(model);
        if (llamaRebuild) {
            const bool legacy = config ? jsonBool(*config, "legacy", false) : false;
            const auto scheme = !addPrefixSpace ? td::PrependScheme::Never : legacy ? td::PrependScheme::Always : td::PrependScheme::First;
            impl->preTokenizer = td::makeMetaspacePreTokenizer("\xE2\x96\x81", scheme, false);
            std::vector<std::unique_ptr<td::Decoder>> chain;
            chain.push_back(td::makeReplaceDecoder("\xE2\x96\x81", " "));
            chain.push_back(td::makeByteFallbackDecoder());
            chain.push_back(td::makeFuseDecoder());
            if (addPrefixSpace) chain.push_back(td::makeStripDecoder(" ", 1, 0));
            impl->decoder = td::makeDecoderSequence(std::move(chain));
        } else {
            impl->normalizer = td::makeNormalizer(root.value("normalizer", detail_json()));
            impl->preTokenizer = td::makePreTokenizer(root.value("pre_tokenizer", detail_json()));
            impl->decoder = td::makeDecoder(root.value("decoder", detail_json()));
        }
        impl->postProcessor = td::makePostProcessor(root.value("post_processor", detail_json()));
    } catch (const td::ConfigError& e) {
        throw Error(e.what(), origin, kFixTokenizerJson);
    } catch (const detail_json::exception& e) {
        throw Error(std::string("has an unexpected structure (") + e.what() + ")", origin, kFixTokenizerJson);
    }
    impl->maxId = impl->model->maxId();

    const bool byteLevel = !llamaRebuild && mentionsByteLevel("pre_tokenizer");
    impl->kind = std::string("BPE") + (byteLevel ? ", byte-level" : impl->model->byteFallback() ? ", byte fallback" : "") +
                 (llamaRebuild ? ", LlamaTokenizer" : "");

    if (auto it = root.find("added_tokens"); it != root.end()) {
        if (!it->is_array()) throw Error("\"added_tokens\" is not a list", origin, kFixTokenizerJson);
        for (const auto& t : *it) impl->addToken(parseAddedToken(t, origin));
    }
    // transformers adds tokens listed only in tokenizer_config.json's added_tokens_decoder, and
    // the named special tokens, when tokenizer.json lacks them.
    if (config && config->is_object()) {
        if (auto it = config->find("added_tokens_decoder"); it != config->end() && it->is_object()) {
            for (auto entry = it->begin(); entry != it->end(); ++entry) {
                int id = -1;
                try {
                    id = std::stoi(entry.key());
                } catch (const std::exception&) {
                    continue;
                }
                if (!impl->addedById.count(id)) impl->addToken(parseAddedToken(entry.value(), origin, id));
            }
        }
    }
    const SpecialNames names = specialNames(config, specialMap);
    std::vector<std::string> named;
    for (const auto& n : {names.bos, names.eos, names.unk, names.pad})
        if (n) named.push_back(*n);
    named.insert(named.end(), names.additional.begin(), names.additional.end());
    for (const auto& name : named) {
        if (name.empty()) continue;
        if (impl->addedByContent.count(name)) continue;
        AddedToken t;
        t.content = name;
        t.special = true;
        t.normalized = false;
        t.id = impl->model->tokenToId(name).value_or(impl->maxId + 1);
        impl->addToken(t);
    }
    std::sort(impl->added.begin(), impl->added.end(), [](const AddedToken& a, const AddedToken& b) { return a.id < b.id; });
    impl->addedById.clear();
    for (std::size_t i = 0; i < impl->added.size(); ++i) impl->addedById[impl->added[i].id] = i;
    impl->buildMatchers();

    impl->bosToken = names.bos.value_or("");
    impl->eosToken = names.eos.value_or("");
    impl->padToken = names.pad.value_or("");
    impl->unkToken = names.unk.value_or("");
    impl->templateTokens = templateSpecialTokens(names);
    if (!impl->bosToken.empty()) impl->bosId = impl->lookup(impl->bosToken);
    if (!impl->eosToken.empty()) impl->eosId = impl->lookup(impl->eosToken);
    if (!impl->padToken.empty()) impl->padId = impl->lookup(impl->padToken);

    if (config && config->is_object()) {
        impl->cleanUpSpaces = jsonBool(*config, "clean_up_tokenization_spaces", false);
        // transformers: an explicit add_bos_token / add_eos_token rebuilds the post-processor.
        if (config->contains("add_bos_token") || config->contains("add_eos_token")) {
            const bool addBos = jsonBool(*config, "add_bos_token", false) && impl->bosId;
            const bool addEos = jsonBool(*config, "add_eos_token", false) && impl->eosId;
            impl->postProcessor = td::makeBosEosProcessor(addBos ? impl->bosId : std::nullopt, addEos ? impl->eosId : std::nullopt);
        }
    }
    if (impl->eosId) impl->eosIds.push_back(*impl->eosId);
    return impl;
}

}  // namespace

Tokenizer Tokenizer::fromJson(std::string_view tokenizerJson, std::string_view tokenizerConfigJson, const fs::path& origin) {
    const detail_json root = parseJson(tokenizerJson, origin, kFixTokenizerJson);
    std::optional<detail_json> config;
    if (!tokenizerConfigJson.empty()) config = parseJson(tokenizerConfigJson, "tokenizer_config.json", "fix the file");
    auto impl = buildImpl(root, config ? &*config : nullptr, nullptr, origin);
    impl->attachTemplateTokens();
    return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::load(const fs::path& folder) {
    const fs::path file = folder / "tokenizer.json";
    const auto text = readModelFile(folder, "tokenizer.json");
    if (!text)
        throw Error("is missing", file,
                    "the model folder needs the tokenizer.json that Hugging Face tokenizers writes; download it with the model");
    const detail_json root = parseJson(*text, file, kFixTokenizerJson);
    const auto config = readOptionalJson(folder, "tokenizer_config.json");
    const auto specialMap = readOptionalJson(folder, "special_tokens_map.json");
    auto impl = buildImpl(root, config ? &*config : nullptr, specialMap ? &*specialMap : nullptr, file);

    // Stop ids: generation_config.json, else config.json, else the tokenizer's eos_token.
    if (auto stops = stopTokenIds(folder); !stops.ids.empty()) impl->eosIds = std::move(stops.ids);

    if (auto chat = ChatTemplate::fromModelFolder(folder)) impl->chat = std::move(*chat);
    impl->attachTemplateTokens();
    return Tokenizer(std::move(impl));
}

std::vector<int> Tokenizer::encode(std::string_view input, bool addSpecialTokens) const {
    const Impl& im = *impl_;
    std::string sanitized;
    if (!td::isValidUtf8(input)) {
        sanitized = td::utf8Lossy(input);
        input = sanitized;
    }
    std::vector<td::Piece> pieces;
    {
        td::Piece whole;
        whole.text = std::string(input);
        whole.atStart = true;
        im.splitOnAddedTokens(std::move(whole), im.rawMatcher, pieces);
    }
    if (im.normalizer || !im.normalizedMatcher.empty()) {
        std::vector<td::Piece> normalized;
        normalized.reserve(pieces.size());
        for (auto& p : pieces) {
            if (p.tokenId >= 0) {
                normalized.push_back(std::move(p));
                continue;
            }
            if (im.normalizer) p.text = im.normalizer->apply(std::move(p.text));
            im.splitOnAddedTokens(std::move(p), im.normalizedMatcher, normalized);
        }
        pieces = std::move(normalized);
    }
    if (im.preTokenizer) im.preTokenizer->apply(pieces);

    std::vector<int> ids;
    ids.reserve(input.size() / 3 + 4);
    try {
        for (const auto& p : pieces) {
            if (p.tokenId >= 0) ids.push_back(p.tokenId);
            else im.model->tokenize(p.text, ids);
        }
    } catch (const td::ConfigError& e) {
        throw Error(e.what(), im.origin, kFixTokenizerJson);
    }
    if (im.postProcessor) im.postProcessor->apply(ids, addSpecialTokens);
    return ids;
}

std::string Tokenizer::decode(std::span<const int> ids, bool skipSpecialTokens) const {
    const Impl& im = *impl_;
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int id : ids) {
        if (skipSpecialTokens && isSpecial(id)) continue;
        if (const std::string* t = im.tokenOf(id)) tokens.push_back(*t);
    }
    std::string text;
    if (im.decoder) {
        im.decoder->decodeChain(tokens);
        for (const auto& t : tokens) text += t;
    } else {
        for (std::size_t i = 0; i < tokens.size(); ++i) text += (i ? " " : "") + tokens[i];
    }
    if (im.cleanUpSpaces) text = cleanUpTokenization(std::move(text));
    return text;
}

std::optional<std::string> Tokenizer::idToToken(int id) const {
    if (const std::string* t = impl_->tokenOf(id)) return *t;
    return std::nullopt;
}

std::vector<std::string> Tokenizer::idsToTokens(std::span<const int> ids) const {
    std::vector<std::string> out;
    out.reserve(ids.size());
    for (int id : ids) out.push_back(idToToken(id).value_or(""));
    return out;
}

std::optional<int> Tokenizer::tokenToId(std::string_view token) const { return impl_->lookup(token); }
int Tokenizer::vocabSize() const noexcept { return impl_->maxId + 1; }

bool Tokenizer::isSpecial(int id) const noexcept {
    auto it = impl_->addedById.find(id);
    return it != impl_->addedById.end() && impl_->added[it->second].special;
}

const std::vector<AddedToken>& Tokenizer::addedTokens() const noexcept { return impl_->added; }
std::optional<int> Tokenizer::bosId() const noexcept { return impl_->bosId; }
std::optional<int> Tokenizer::eosId() const noexcept { return impl_->eosId; }
std::optional<int> Tokenizer::padId() const noexcept { return impl_->padId; }
const std::string& Tokenizer::bosToken() const noexcept { return impl_->bosToken; }
const std::string& Tokenizer::eosToken() const noexcept { return impl_->eosToken; }
const std::vector<int>& Tokenizer::eosIds() const noexcept { return impl_->eosIds; }
bool Tokenizer::isEos(int id) const noexcept {
    return std::find(impl_->eosIds.begin(), impl_->eosIds.end(), id) != impl_->eosIds.end();
}
const ChatTemplate& Tokenizer::chatTemplate() const noexcept { return impl_->chat; }

std::string Tokenizer::applyChatTemplate(const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                                         const ChatVariables& extraVariables) const {
    return impl_->chat.render(messages, addGenerationPrompt, extraVariables);
}

std::string Tokenizer::describe() const {
    return impl_->kind + ", " + std::to_string(vocabSize()) + " tokens (" + std::to_string(impl_->added.size()) + " added)";
}

std::string tokenizerUnicodeSupport() { return "Unicode normalization: " + td::unicodeServicesDescription(); }

}  // namespace awq
