// The one RUN.json model (core/run, docs/run-format.md) against the documents on disk: every run
// document under tests/ loads and saves back to the same JSON (unknown keys included), and the
// writer's output is a fixed point (saved again, byte for byte the same). Malformed documents are
// refused naming the key path and the file.
#include "core/run/run_created.h"
#include "core/run/run_document.h"
#include "core/util/error.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <fstream>
#include <sstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Every *.json under tests/ that says it is a run document (fixtures and fuzz regressions).
std::vector<fs::path> runDocumentsUnderTests() {
    std::vector<fs::path> out;
    for (const auto& e : fs::recursive_directory_iterator(test::sourceDir() / "tests"))
        if (e.is_regular_file() && e.path().extension() == ".json" && readText(e.path()).find("\"awqbench-run\"") != std::string::npos)
            out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

class RunDocumentFixturesTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void everyFixtureSavesBackUnchanged() {
        QTemporaryDir dir;
        int loaded = 0;
        for (const auto& file : runDocumentsUnderTests()) {
            const auto name = qPrintable(QString::fromStdString(file.string()));
            RunDocument doc;
            try {
                doc = loadRunDocument(file);
            } catch (const Error&) {
                // Only the fuzz regressions are inputs made to be refused.
                QVERIFY2(file.string().find("tests/fuzz/regressions/") != std::string::npos, name);
                continue;
            }
            ++loaded;
            const fs::path copy = fs::path(dir.path().toStdString()) / "RUN.json";
            saveRunDocument(doc, copy);
            const std::string saved = readText(copy);
            QVERIFY2(nlohmann::json::parse(saved) == nlohmann::json::parse(readText(file)), name);  // same keys, same values
            saveRunDocument(loadRunDocument(copy), copy);
            QVERIFY2(readText(copy) == saved, name);  // the writer's own output comes back byte for byte
        }
        QVERIFY(loaded >= 1);  // tests/core/report_fixtures/sample-run.json at least
    }

    void errorsNameTheKeyPathAndTheFile() {
        const auto message = [](const char* text) {
            return test::errorMessageOf([&] { runDocumentFromJson(text, "hand-edited.json"); });
        };
        QString msg = message(R"({"format": "awqbench-run", "version": 1,
            "battery": {"tests": [{"id": "a"}, {"id": "b", "results": {"B": {"seconds": "slow"}}}]}})");
        QVERIFY2(msg.contains("battery.tests[1].results.B.seconds") && msg.contains("should be a number") && msg.contains("hand-edited.json"),
                 qPrintable(msg));
        msg = message(R"({"format": "awqbench-run", "version": 1, "models": {"A": {"memory": {"fit": [{"gpu_gib": 16, "fits": "yes"}]}}}})");
        QVERIFY2(msg.contains("models.A.memory.fit[0].fits") && msg.contains("true or false"), qPrintable(msg));
        msg = message(R"({"format": "awqbench-run", "version": 1, "models": {"A": {"parameters": -5}}})");
        QVERIFY2(msg.contains("models.A.parameters") && msg.contains("negative"), qPrintable(msg));
        msg = message(R"({"format": "awqbench-run", "version": 1, "sweep": {"A": {"points": [{"concurrency": 0}]}}})");
        QVERIFY2(msg.contains("sweep.A.points[0].concurrency") && msg.contains("positive"), qPrintable(msg));
        msg = message(R"({"format": "awqbench-run", "version": 1, "notes": ["fine", 3]})");
        QVERIFY2(msg.contains("notes[1]") && msg.contains("should be a string"), qPrintable(msg));
    }

    // A key that is not a slot ("A".."Z") inside a by-slot section is not a model: it is kept as an
    // unknown key, not turned into a model "comment" (which the writer would write back as an object).
    void nonSlotKeysAreKeptNotRead() {
        const auto d = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "kind": "compare",
            "models": {"A": {"name": "x"}, "comment": "by hand"}})");
        QCOMPARE(d.models.size(), std::size_t(1));
        const auto again = nlohmann::json::parse(runDocumentToJson(d));
        QCOMPARE(again["models"]["comment"].get<std::string>(), std::string("by hand"));
        QCOMPARE(again["models"]["A"]["name"].get<std::string>(), std::string("x"));
    }

    // The time a run was made, read without loading the run (the Reports page sorts by it): the
    // top-level "created" of a run document, not a "created" nested in a section, nothing for a
    // file that is not a run document or records no parseable time.
    void createdIsReadFromTheDocument() {
        const auto when = [](const fs::path& f) -> qint64 {
            const auto t = runDocumentCreated(f);
            return t ? qint64(std::chrono::system_clock::to_time_t(*t)) : -1;
        };
        const fs::path fixtures = test::sourceDir() / "tests/core/report_fixtures";
        QCOMPARE(when(fixtures / "sample-run.json"), qint64(1795629600));       // 2026-11-25T18:00:00Z
        QCOMPARE(when(fixtures / "cpu-compare-run.json"), qint64(1796282157));  // 2026-12-03T07:15:57Z
        QTemporaryDir tmp;
        const auto write = [&](const char* name, const std::string& text) {
            const fs::path p = fs::path(tmp.path().toStdString()) / name;
            std::ofstream(p, std::ios::binary) << text;
            return p;
        };
        QCOMPARE(when(write("nested.json", R"({"notes": {"created": "2026-01-01T00:00:00Z"}, "format": "awqbench-run",
            "created": "2026-02-03T04:05:06Z", "models": {}})")),
                 qint64(1770091506));
        QCOMPARE(when(write("none.json", R"({"format": "awqbench-run", "notes": {"created": "2026-01-01T00:00:00Z"}})")), qint64(-1));
        QCOMPARE(when(write("other.json", R"({"format": "something-else", "created": "2026-01-01T00:00:00Z"})")), qint64(-1));
        QCOMPARE(when(write("badtime.json", R"({"format": "awqbench-run", "created": "yesterday"})")), qint64(-1));
        QCOMPARE(when(write("cut.json", "{\"format\": \"awqbench-run\", \"crea")), qint64(-1));
        QCOMPARE(when(fs::path(tmp.path().toStdString()) / "absent.json"), qint64(-1));
    }
};

QTEST_GUILESS_MAIN(RunDocumentFixturesTest)
#include "test_run_document.moc"
