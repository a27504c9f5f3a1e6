// Saved side-by-side conversations (file format, atomic save, votes) and the chat session's
// regenerate / restore on the real demo model.
#include "core/compare/chat_session.h"
#include "core/compare/conversation.h"
#include "core/engine/engine.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {
Conversation sample() {
    Conversation c;
    c.created = "2026-12-01T13:05:00Z";
    c.device = "CPU (2 threads)";
    c.systemPrompt = "Be brief.";
    c.models = {{{"tinystories-qwen3-7m", "/m/a"}, {"tinystories-qwen3-7m-awq", "/m/b"}}};
    ConversationTurn t;
    t.user = "Tell me a story about a cat ✨";
    t.replies[0] = {"Once upon a time **a cat**.", "stop_token", 12.5, 3.25, 80.0, 9, 30'000'000};
    t.replies[1] = {"A cat sat.", "length", 10.0, 2.5, 90.0, 4, 12'000'000};
    t.vote = Vote::BBetter;
    c.turns.push_back(t);
    t.vote = Vote::BothBad;
    c.turns.push_back(t);
    t.vote = Vote::None;
    c.turns.push_back(t);
    return c;
}
}  // namespace

class ConversationTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private Q_SLOTS:
    void roundTripsEveryField() {
        const Conversation c = sample();
        const Conversation back = conversationFromJson(conversationToJson(c));
        QCOMPARE(back.created, c.created);
        QCOMPARE(back.device, c.device);
        QCOMPARE(back.systemPrompt, c.systemPrompt);
        QCOMPARE(back.models[1].path, std::string("/m/b"));
        QCOMPARE(back.turns.size(), std::size_t(3));
        QCOMPARE(back.turns[0].user, c.turns[0].user);
        QCOMPARE(back.turns[0].replies[0].text, c.turns[0].replies[0].text);
        QCOMPARE(back.turns[0].replies[1].finish, std::string("length"));
        QCOMPARE(back.turns[0].replies[0].tpotMs.value_or(-1), 3.25);
        QCOMPARE(back.turns[0].replies[0].engineMemoryBytes, std::uint64_t(30'000'000));
        QCOMPARE(back.turns[0].vote, Vote::BBetter);
        QCOMPARE(back.turns[1].vote, Vote::BothBad);
        QCOMPARE(back.turns[2].vote, Vote::None);
        const VoteTally t = back.tally();
        QCOMPARE(t.bBetter, 1);
        QCOMPARE(t.bothBad, 1);
        QCOMPARE(t.total(), 2);
        QVERIFY(QString::fromStdString(conversationToJson(c)).contains("\"vote\": null"));
    }

    // The fresh-user trial: one top-level "system_prompt" made turn 1 (and its vote) look sent under
    // a prompt set later. Each turn keeps its own; older files still read (theirs applies to all).
    void eachTurnKeepsItsSystemPrompt() {
        Conversation c = sample();
        c.turns[0].systemPrompt = "Be brief.";
        c.turns[1].systemPrompt = "Be verbose.";
        c.turns[2].systemPrompt.clear();
        const Conversation back = conversationFromJson(conversationToJson(c));
        QCOMPARE(back.turns[0].systemPrompt, std::string("Be brief."));
        QCOMPARE(back.turns[1].systemPrompt, std::string("Be verbose."));
        QCOMPARE(back.turns[2].systemPrompt, std::string());

        nlohmann::ordered_json old = nlohmann::ordered_json::parse(conversationToJson(c));
        for (auto& turn : old["turns"]) turn.erase("system_prompt");
        const Conversation before = conversationFromJson(old.dump());
        for (const ConversationTurn& t : before.turns) QCOMPARE(t.systemPrompt, std::string("Be brief."));
    }

    void savesAtomicallyAndListsNewestFirst() {
        const fs::path folder = fs::path(tmp_.path().toStdString()) / "conversations";
        Conversation c = sample();
        const fs::path first = folder / conversationFileName(c);
        QCOMPARE(QString::fromStdString(first.filename().string()),
                 QStringLiteral("20261201T130500Z-tinystories-qwen3-7m-vs-tinystories-qwen3-7m-awq.json"));
        saveConversation(c, first);   // creates the folder
        c.created = "2026-12-01T14:00:00Z";
        c.turns.pop_back();
        const fs::path second = folder / conversationFileName(c);
        saveConversation(c, second);
        saveConversation(c, second);   // overwriting leaves no temp file behind
        const auto files = listConversations(folder);
        QCOMPARE(files.size(), std::size_t(2));
        QCOMPARE(files[0], second);
        QCOMPARE(loadConversation(second).turns.size(), std::size_t(2));
        QVERIFY(listConversations(folder / "absent").empty());
    }

    void badFilesNameTheProblem() {
        const fs::path file = fs::path(tmp_.path().toStdString()) / "bad.json";
        std::ofstream(file) << R"({"format": "awqbench-run", "version": 1})";
        QVERIFY(test::errorMessageOf([&] { loadConversation(file); }).contains("not a saved conversation"));
        std::string text = conversationToJson(sample());
        text.replace(text.find("b_better"), 8, "b_betterr");
        std::ofstream(file, std::ios::trunc) << text;
        const QString message = test::errorMessageOf([&] { loadConversation(file); });
        QVERIFY2(message.contains("unknown vote") && message.contains("bad.json"), qPrintable(message));
    }

    void titleIsTheFirstMessageShortened() {
        Conversation c = sample();
        QCOMPARE(c.title(), c.turns[0].user);
        c.turns[0].user = std::string(70, 'x');
        QCOMPARE(c.title(), std::string(60, 'x') + "…");
        c.turns[0].user = std::string(59, 'x') + "✨ and more";   // the cut falls inside the 3-byte ✨
        QCOMPARE(c.title(), std::string(59, 'x') + "…");
        QCOMPARE(Conversation{}.title(), std::string());
    }

    // Regenerate drops the last exchange and gives back its message; sending it again with greedy
    // decoding gives the same reply. A restored conversation prompts exactly like the live one.
    void regenerateAndRestoreOnTheDemoModel() {
        const auto engine = Engine::load(test::modelDir("tinystories-qwen3-7m"), {});
        ChatSession chat(*engine);
        GenerationRequest request;
        request.maxNewTokens = 16;
        const ChatTurn first = chat.send("Once upon a time", request);
        const ChatTurn second = chat.send("The dog", request);
        QCOMPARE(chat.messages().size(), std::size_t(4));
        const std::vector<int> nextPrompt = chat.promptFor("Then");

        QCOMPARE(chat.dropLastExchange(), std::string("The dog"));
        QCOMPARE(chat.messages().size(), std::size_t(2));
        QCOMPARE(chat.send("The dog", request).reply, second.reply);

        ChatSession restored(*engine);
        restored.restore({{"Once upon a time", first.reply}, {"The dog", second.reply}});
        QCOMPARE(restored.promptFor("Then"), nextPrompt);
        restored.reset();
        QCOMPARE(restored.dropLastExchange(), std::string());
    }
};

QTEST_APPLESS_MAIN(ConversationTest)
#include "test_conversation.moc"
