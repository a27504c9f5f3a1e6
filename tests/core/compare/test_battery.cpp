// Prompt batteries: the built-in one and user files (JSON, JSONL), with errors naming file and line.
#include "core/compare/battery.h"
#include "tests/support/error_capture.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <set>

using namespace awq;

namespace {
std::filesystem::path writeFile(const QTemporaryDir& dir, const char* name, const std::string& text) {
    const auto p = std::filesystem::path(dir.path().toStdString()) / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}
}  // namespace

class BatteryTest_ : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void builtInBatteryHas16TestsIn6Categories() {
        const auto b = loadBattery("default");
        QCOMPARE(b.name, std::string("default"));
        QCOMPARE(b.source, std::string("builtin"));
        QCOMPARE(int(b.tests.size()), 16);
        QCOMPARE(int(b.categories().size()), 6);
        std::set<std::string> ids;
        int withReference = 0, chat = 0;
        for (const auto& t : b.tests) {
            QVERIFY(!t.prompt.empty());
            ids.insert(t.id);
            withReference += t.reference.has_value();
            chat += t.chat;
        }
        QCOMPARE(int(ids.size()), 16);
        QVERIFY(withReference >= 3);
        QVERIFY(chat >= 1);
        QVERIFY(!defaultBatteryFile().empty());
    }

    void jsonArrayAndObjectForms() {
        QTemporaryDir dir;
        const auto arr = writeFile(dir, "mine.json", R"([{"prompt": "Once upon a time"}, {"id": "q", "category": "facts", "prompt": "The dog was", "reference": "Max", "max_new_tokens": 8}])");
        const auto a = loadBatteryFile(arr);
        QCOMPARE(a.name, std::string("mine.json"));
        QCOMPARE(a.source, arr.string());
        QCOMPARE(int(a.tests.size()), 2);
        QCOMPARE(a.tests[0].id, std::string("test-1"));  // generated
        QCOMPARE(a.tests[0].category, std::string("general"));
        QVERIFY(!a.tests[0].reference);
        QCOMPARE(*a.tests[1].reference, std::string("Max"));
        QCOMPARE(a.tests[1].maxNewTokens, 8);
        const auto obj = loadBatteryFile(writeFile(dir, "named.json", R"({"name": "night", "tests": [{"prompt": "It was dark", "chat": true}]})"));
        QCOMPARE(obj.name, std::string("night"));
        QVERIFY(obj.tests[0].chat);
    }

    void jsonlSkipsBlankLines() {
        QTemporaryDir dir;
        const auto b = loadBatteryFile(writeFile(dir, "b.jsonl", "{\"prompt\": \"One\"}\n\n{\"prompt\": \"Two\", \"reference\": null}\n"));
        QCOMPARE(int(b.tests.size()), 2);
        QCOMPARE(b.tests[1].prompt, std::string("Two"));
        QVERIFY(!b.tests[1].reference);
    }

    void errorsNameFileAndLine() {
        QTemporaryDir dir;
        const auto bad = writeFile(dir, "bad.jsonl", "{\"prompt\": \"ok\"}\n{\"prompt\": \"ok\"\n");
        auto msg = test::errorMessageOf([&] { loadBatteryFile(bad); });
        QVERIFY2(msg.contains("bad.jsonl") && msg.contains("line 2") && msg.contains("not valid JSON"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "noprompt.jsonl", "{\"prompt\": \"a\"}\n\n{\"id\": \"x\"}\n")); });
        QVERIFY2(msg.contains("noprompt.jsonl") && msg.contains("line 3") && msg.contains("prompt"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "dup.json", R"([{"id": "a", "prompt": "x"}, {"id": "a", "prompt": "y"}])")); });
        QVERIFY2(msg.contains("dup.json") && msg.contains("duplicate test id"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "ref.json", R"([{"prompt": "x", "reference": 3}])")); });
        QVERIFY2(msg.contains("test 1") && msg.contains("reference"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "empty.json", "[]")); });
        QVERIFY2(msg.contains("no tests"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBattery((std::filesystem::path(dir.path().toStdString()) / "missing.json").string()); });
        QVERIFY2(msg.contains("missing.json") && msg.contains("cannot read"), qPrintable(msg));

        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "blank.jsonl", "{\"prompt\": \"  \"}\n")); });
        QVERIFY2(msg.contains("line 1") && msg.contains("empty"), qPrintable(msg));
    }

    // A misspelt key was ignored (the test ran without its reference) and an empty reference was
    // accepted (every answer a miss): both refused, naming the file, the line / test and the known keys.
    void unknownKeysAndEmptyReferencesAreRefused() {
        QTemporaryDir dir;
        auto msg = test::errorMessageOf([&] {
            loadBatteryFile(writeFile(dir, "typo.jsonl", "{\"prompt\": \"a\"}\n{\"prompt\": \"2+2=\", \"refrence\": \"4\"}\n"));
        });
        QVERIFY2(msg.contains("typo.jsonl") && msg.contains("line 2") && msg.contains("unknown key \"refrence\"") &&
                     msg.contains("id, category, prompt, reference, max_new_tokens, chat"),
                 qPrintable(msg));
        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "typo.json", R"({"tests": [{"prompt": "x"}, {"prompt": "y", "chatt": true}]})")); });
        QVERIFY2(msg.contains("typo.json") && msg.contains("test 2") && msg.contains("unknown key \"chatt\""), qPrintable(msg));
        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "top.json", R"({"nmae": "x", "tests": [{"prompt": "x"}]})")); });
        QVERIFY2(msg.contains("top.json") && msg.contains("unknown key \"nmae\"") && msg.contains("name, description, tests"), qPrintable(msg));
        msg = test::errorMessageOf([&] { loadBatteryFile(writeFile(dir, "emptyref.json", R"([{"prompt": "x", "reference": "4"}, {"prompt": "y", "reference": ""}])")); });
        QVERIFY2(msg.contains("emptyref.json") && msg.contains("test 2") && msg.contains("reference is empty"), qPrintable(msg));
        // The built-in battery uses only known keys.
        QCOMPARE(int(loadDefaultBattery().tests.size()), 16);
    }
};

QTEST_GUILESS_MAIN(BatteryTest_)
#include "test_battery.moc"
