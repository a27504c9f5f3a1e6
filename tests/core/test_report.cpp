// Reports from a saved run (tests/core/report_fixtures/sample-run.json, docs/run-format.md): every
// format, the key numbers in each, no external references in HTML, clear errors for bad documents.
#include "core/report/decode_roofline.h"
#include "core/report/report_content.h"
#include "core/report/report_export.h"
#include "core/report/chart_canvas.h"
#include "core/run/run_document.h"
#include "core/run/sweep_words.h"
#include "core/util/error.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <map>

using namespace awq;
using namespace awq::report;
namespace fs = std::filesystem;

namespace {

fs::path samplePath() { return test::sourceDir() / "tests/core/report_fixtures/sample-run.json"; }

QByteArray readAll(const fs::path& p) {
    QFile f(QString::fromStdString(p.string()));
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

fs::path writeText(const QTemporaryDir& dir, const char* name, const std::string& text) {
    const fs::path p = fs::path(dir.path().toStdString()) / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
}

// Numbers the sample run carries, as every format must show them.
const QStringList kKeyNumbers = {
    "10.332", "10.487",   // perplexity A, B
    "0.0213", "91.2%",    // KLD and top-1 agreement of B against A
    "217.1", "271.1",     // output tok/s
    "12.2", "9.8",        // P95 TTFT (ms)
    "391.5", "347.0",     // P95 E2EL (ms)
    "0/4", "1/4", "3/4",  // loop detections, substantive answers
    "$0.85", "$0.50",     // cost per 1M tokens
    "5.1 MiB", "14.0 MiB",  // weights (binary units, as the CLI and the GUI show sizes)
    "891135abbb41",       // A's fingerprint (B's source)
};

// `doc` exported to HTML, the file's text.
QString htmlOf(const RunDocument& doc) {
    QTemporaryDir dir;
    const fs::path out = fs::path(dir.path().toStdString()) / "report.html";
    exportReport(doc, ReportFormat::Html, out);
    return QString::fromUtf8(readAll(out));
}

// `doc` exported to PDF and read back by pdftotext with `mode` ("-layout", "-bbox"); empty where
// pdftotext is missing or fails (the caller checks for it first).
QString pdfAsText(const RunDocument& doc, const QString& mode) {
    const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
    QTemporaryDir dir;
    const fs::path out = fs::path(dir.path().toStdString()) / "report.pdf";
    exportReport(doc, ReportFormat::Pdf, out);
    QProcess p;
    p.start(pdftotext, {mode, QString::fromStdString(out.string()), "-"});
    return p.waitForFinished(60000) ? QString::fromUtf8(p.readAllStandardOutput()) : QString();
}

}  // namespace

class ReportTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsTheSavedRun() {
        const auto d = loadRunDocument(samplePath());
        QCOMPARE(d.kind, std::string("compare"));
        QCOMPARE(d.models.size(), std::size_t(2));
        QCOMPARE(d.models.begin()->first, std::string("A"));
        QVERIFY(!d.models.at("A").quantization);
        QVERIFY(d.models.at("B").quantization);
        QCOMPARE(d.models.at("B").quantization->groupSize, 128);
        QCOMPARE(d.models.at("B").sourceFingerprint.value(), d.models.at("A").fingerprint);
        QCOMPARE(d.models.at("B").fit.size(), std::size_t(3));
        QVERIFY(d.battery);
        QCOMPARE(d.battery->tests.size(), std::size_t(4));
        QVERIFY(d.battery->tests[1].results.at("B").loopDetected);
        QCOMPARE(d.battery->tests[2].reference.value(), std::string(" four, five."));
        QCOMPARE(d.battery->totals.at("B").loopDetections, 1);
        QCOMPARE(d.speed.at("A").ttftMs.p95, 12.17);
        QCOMPARE(d.quality->models.at("B").top1VsA.value(), 0.912);
        QCOMPARE(d.sweep->models.at("B").points.size(), std::size_t(6));
        QCOMPARE(d.sweep->models.at("A").maxConcurrencyUnderSlo.value(), 16);
    }

    // The quality run's notes (why there is no KLD; perplexities over two tokenizers) reach the
    // report under the Quality table, as the CLI and the GUI show them.
    void qualityNotesAreInTheReport() {
        auto d = loadRunDocument(samplePath());
        d.quality->notes = "A and B tokenize the text differently (812 and 977 tokens): each perplexity is per token of its own tokenizer";
        const QString html = htmlOf(d);
        QVERIFY(html.contains("Note: A and B tokenize the text differently (812 and 977 tokens): each perplexity is per token of its own tokenizer."));
    }

    void htmlIsSelfContainedWithTheKeyNumbers() {
        const QString html = htmlOf(loadRunDocument(samplePath()));
        QVERIFY(html.startsWith("<!DOCTYPE html>"));
        for (const auto& n : kKeyNumbers) QVERIFY2(html.contains(n), qPrintable("missing " + n));
        for (const char* name : {"P95 TTFT (ms)", "Mean TPOT (ms)", "P99 ITL (ms)", "P50 E2EL (ms)", "Output token throughput (tok/s)",
                                 "Max concurrency under p95 2000 ms", "Loop detections", "Substantive responses", "KLD vs A (mean)"})
            QVERIFY2(html.contains(name), name);
        // Charts are inline SVG: sweep throughput, sweep latency, battery times, memory fit.
        QCOMPARE(html.count("<svg"), 4);
        // The section links are apart in Qt's preview too (it ignores CSS margins): text between them.
        const QRegularExpression separatedLinks(QStringLiteral("<nav><a href=\"#[^\"]+\">[^<]+</a>( · <a href=\"#[^\"]+\">[^<]+</a>)+</nav>"));
        QVERIFY2(html.contains(separatedLinks), qPrintable(html.section("<nav>", 1).section("</nav>", 0, 0)));
        QVERIFY(html.contains("Output throughput vs concurrency"));
        QVERIFY(html.contains("SLO p95 2000 ms"));
        // Memory rows say what was measured: the engine's copy of the weights, and the process's peak
        // with both models of the comparison loaded (the sample run is on a GPU).
        QVERIFY(html.contains("Weights held by the engine (compute dtype below)"));
        QVERIFY(html.contains("Weights on a GPU"));  // the Memory table's: as stored, what serving takes
        // The sample run is greedy: its sampling settings say they did nothing.
        QVERIFY(html.contains("unused (greedy)"));
        QVERIFY(html.contains("Peak GPU memory allocated by the process (A and B loaded)"));
        // Speed and cost name the device they were measured on; the price is per hour of that device.
        QVERIFY(html.contains("Over the battery&#39;s generations on NVIDIA H100 80GB HBM3 (cuda:0)"));
        QVERIFY(html.contains("Measured on NVIDIA H100 80GB HBM3 (cuda:0); throughput and cost hold for that device only."));
        QVERIFY(html.contains("Cost per 1M output tokens at $2.50/h of NVIDIA H100 80GB HBM3 (cuda:0)"));
        // Nothing is fetched from anywhere.
        for (const char* ref : {"http:", "https:", "<link", "<script", "src=", "url(", "@import", "<img", "<iframe"})
            QVERIFY2(!html.contains(ref, Qt::CaseInsensitive), ref);
        QVERIFY(!html.contains(QRegularExpression("href=\"[^#]")));
        // Document text is escaped: the prompt's <park> & quotes stay text.
        QVERIFY(html.contains("the &lt;park&gt; &amp; play?"));
        QVERIFY(!html.contains("<park>"));
        // The source fingerprint link points at the fingerprints table.
        QVERIFY(html.contains("id=\"fingerprints\""));
        QVERIFY(html.contains("was quantized from A: tinystories-qwen3-7m"));
        QVERIFY(html.contains("href=\"#fingerprints\""));
    }

    void markdownHasTheTables() {
        const std::string md = renderMarkdown(loadRunDocument(samplePath()));
        const QString text = QString::fromStdString(md);
        for (const auto& n : kKeyNumbers) QVERIFY2(text.contains(n), qPrintable("missing " + n));
        QVERIFY(text.contains("| Metric | A: tinystories-qwen3-7m | B: tinystories-qwen3-7m-awq | B vs A |"));
        QVERIFY(text.contains("| --- | ---: | ---: | ---: |"));
        QVERIFY(text.contains("| Loop detections | 0/4 | 1/4 |  |"));
        QVERIFY(text.contains("| Perplexity | 10.332 | 10.487 | +1.5% |"));
        QVERIFY(text.contains("| Output token throughput (tok/s) | 217.1 | 271.1 | +24.9% |"));
        QVERIFY(text.contains("| 2 | story-dialogue-2 | dialogue | 0.28 s |"));
        QVERIFY(text.contains("B: loop: \"the park\" repeated 8 times"));
        // Every table row has as many cells as its header.
        for (const auto& line : text.split('\n'))
            if (line.startsWith("| Metric |")) QCOMPARE(line.count(" |"), 4);
        // Document text stays text: "<park>" escaped as CommonMark reads it (no tag), no entities.
        QVERIFY(text.contains("the \\<park> \\& play?"));
        QVERIFY(!text.contains(QRegularExpression(R"([^\\]<park>)")));
    }

    void jsonRoundTrips() {
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "run-copy.json";
        const auto d = loadRunDocument(samplePath());
        exportReport(d, ReportFormat::Json, out);
        const auto again = loadRunDocument(out);
        QCOMPARE(runDocumentToJson(again), runDocumentToJson(d));
        // Same document as the original, unknown keys included.
        QCOMPARE(QJsonDocument::fromJson(readAll(out)), QJsonDocument::fromJson(readAll(samplePath())));
        QVERIFY(readAll(out).contains("operator_note"));
    }

    void pdfTextHasTheKeyNumbers() {
        if (!pdfExportAvailable()) QSKIP("built without cairo: PDF export is disabled");
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is needed to read the PDF back");
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "report.pdf";
        exportReport(loadRunDocument(samplePath()), ReportFormat::Pdf, out);
        QVERIFY(readAll(out).startsWith("%PDF-"));
        QProcess p;
        p.start(pdftotext, {QString::fromStdString(out.string()), "-"});
        QVERIFY(p.waitForFinished(60000));
        QCOMPARE(p.exitCode(), 0);
        const QString text = QString::fromUtf8(p.readAllStandardOutput());
        for (const auto& n : kKeyNumbers) QVERIFY2(text.contains(n), qPrintable("missing " + n + " in:\n" + text.left(3000)));
        for (const char* s : {"P95 TTFT (ms)", "Time per battery test", "P95 request latency vs concurrency", "Perplexity"})
            QVERIFY2(text.contains(s), s);
    }

    // A section heading never ends a page: it moves to the next page with the start of its table,
    // chart or text. The input is a CPU comparison the GUI saved in the fresh-user trial, under the
    // path it had there (the path is printed in the report, so it moves the page breaks): its
    // "Memory" heading ended page 1 alone, the table on page 2.
    // A compare stopped with Ctrl+C: its report said nothing of it ("Battery: default (3 tests)"
    // read as a finished battery of three).
    void aStoppedRunSaysSo() {
        RunDocument doc = loadRunDocument(test::sourceDir() / "tests/core/report_fixtures/cpu-compare-run.json");
        QVERIFY(!doc.cancelled);
        auto paragraphs = [](const ReportContent& c) {
            QString all;
            for (const ReportBlock& b : c.blocks)
                if (b.type == ReportBlock::Type::Paragraph) all += QString::fromStdString(b.text) + "\n";
            return all;
        };
        const ReportContent finished = buildReportContent(doc);
        QVERIFY(!QString::fromStdString(finished.title).contains(QLatin1String("stopped")));
        QVERIFY(!paragraphs(finished).contains(QLatin1String("cancelled")));
        doc.cancelled = true;
        const ReportContent stopped = buildReportContent(doc);
        QVERIFY2(QString::fromStdString(stopped.title).endsWith(QLatin1String(" (stopped early)")), stopped.title.c_str());
        QVERIFY2(paragraphs(stopped).contains(QLatin1String("Stopped before it finished (cancelled)")), qPrintable(paragraphs(stopped)));
    }

    void pdfHeadingsStayWithWhatFollows() {
        if (!pdfExportAvailable()) QSKIP("built without cairo: PDF export is disabled");
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is needed to read the PDF back");
        RunDocument doc = loadRunDocument(test::sourceDir() / "tests/core/report_fixtures/cpu-compare-run.json");
        doc.file = "/tmp/gui/data/awqbench/awqbench/runs/20261203T071557Z-compare-tinystories-qwen3-7m-vs-tinystories-qwen3-7m.json";
        QStringList headings;
        for (const ReportBlock& b : buildReportContent(doc).blocks)
            if (b.type == ReportBlock::Type::Heading) headings << QString::fromStdString(b.text);
        const QStringList pages = pdfAsText(doc, "-layout").split(QLatin1Char('\f'), Qt::SkipEmptyParts);
        QVERIFY2(pages.size() >= 2, "one page: no break to check");
        int checked = 0;
        for (int i = 0; i < pages.size(); ++i) {
            QStringList lines;
            for (const QString& l : pages[i].split(QLatin1Char('\n')))
                if (!l.trimmed().isEmpty()) lines << l.trimmed();
            if (lines.size() < 2) continue;
            const QString last = lines[lines.size() - 2];  // the line above the footer ("TITLE  -  page N")
            QVERIFY2(!headings.contains(last), qPrintable(QStringLiteral("page %1 ends with the heading \"%2\"").arg(i + 1).arg(last)));
            ++checked;
        }
        QVERIFY(checked >= 2);
    }

    // Each heading in its level's font: a heading measured the table after it (to keep them on one
    // page) and was drawn in the table's small or monospace font ("Models", "Fingerprints").
    void pdfHeadingsOfALevelLookAlike() {
        if (!pdfExportAvailable()) QSKIP("built without cairo: PDF export is disabled");
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is needed to read the PDF back");
        const RunDocument doc = loadRunDocument(test::sourceDir() / "tests/core/report_fixtures/cpu-compare-run.json");
        // Words at the left margin and their heights (the font's size, in points).
        const QString bbox = pdfAsText(doc, "-bbox");
        static const QRegularExpression word(R"re(<word xMin="([0-9.]+)" yMin="([0-9.]+)" xMax="[0-9.]+" yMax="([0-9.]+)">([^<]*)</word>)re");
        std::map<QString, double> tallestAtMargin;
        double margin = 1e9;
        for (auto it = word.globalMatch(bbox); it.hasNext();) margin = std::min(margin, it.next().captured(1).toDouble());
        for (auto it = word.globalMatch(bbox); it.hasNext();) {
            const auto m = it.next();
            if (m.captured(1).toDouble() > margin + 0.5) continue;
            double& h = tallestAtMargin[m.captured(4)];
            h = std::max(h, m.captured(3).toDouble() - m.captured(2).toDouble());
        }
        std::map<int, std::pair<double, QString>> firstOfLevel;
        int checked = 0;
        for (const ReportBlock& b : buildReportContent(doc).blocks) {
            if (b.type != ReportBlock::Type::Heading || b.level < 2) continue;
            const QString first = QString::fromStdString(b.text).section(QLatin1Char(' '), 0, 0);
            QVERIFY2(tallestAtMargin.count(first), qPrintable("heading not found at the margin: " + first));
            const double h = tallestAtMargin[first];
            const auto [it, added] = firstOfLevel.emplace(b.level, std::pair{h, first});
            QVERIFY2(std::abs(h - it->second.first) < 0.5, qPrintable(QStringLiteral("level %1: \"%2\" is %3 pt high, \"%4\" %5 pt")
                                                                        .arg(b.level).arg(first).arg(h).arg(it->second.second).arg(it->second.first)));
            ++checked;
        }
        QVERIFY(checked >= 6);
    }

    void pdfWithoutCairoSaysSo() {
        if (pdfExportAvailable()) QSKIP("built with cairo");
        const QString msg = test::errorMessageOf([] { renderPdf(loadRunDocument(samplePath())); });
        QVERIFY2(msg.contains("cairo"), qPrintable(msg));
    }

    void truncatedJsonNamesTheFile() {
        QTemporaryDir dir;
        const std::string full = readAll(samplePath()).toStdString();
        const fs::path cut = writeText(dir, "cut.json", full.substr(0, full.size() / 2));
        const QString msg = test::errorMessageOf([&] { loadRunDocument(cut); });
        QVERIFY2(msg.contains(QString::fromStdString(cut.string())), qPrintable(msg));
        QVERIFY2(msg.contains("not valid JSON"), qPrintable(msg));
        const fs::path garbage = writeText(dir, "garbage.json", "{ this is not json");
        QVERIFY(test::errorMessageOf([&] { loadRunDocument(garbage); }).contains("garbage.json"));
    }

    void wrongFormatOrVersionIsRefused() {
        QTemporaryDir dir;
        const fs::path other = writeText(dir, "config.json", R"({"architectures": ["LlamaForCausalLM"]})");
        QString msg = test::errorMessageOf([&] { loadRunDocument(other); });
        QVERIFY2(msg.contains("not a saved run") && msg.contains("config.json"), qPrintable(msg));
        const fs::path future = writeText(dir, "future.json", R"({"format": "awqbench-run", "version": 7})");
        msg = test::errorMessageOf([&] { loadRunDocument(future); });
        QVERIFY2(msg.contains("version 7") && msg.contains("future.json"), qPrintable(msg));
        const fs::path badType = writeText(dir, "bad-type.json",
                                           R"({"format": "awqbench-run", "version": 1, "speed": {"A": {"ttft_ms": "fast"}}})");
        msg = test::errorMessageOf([&] { loadRunDocument(badType); });
        QVERIFY2(msg.contains("speed.A.ttft_ms") && msg.contains("bad-type.json"), qPrintable(msg));
        msg = test::errorMessageOf([&] { loadRunDocument(fs::path(dir.path().toStdString()) / "absent.json"); });
        QVERIFY2(msg.contains("absent.json"), qPrintable(msg));
        // Found by the long fuzz run (UBSan: a float cast to an integer out of range): numbers that do
        // not fit their field are refused by key path (tests/fuzz/regressions/run_document has the inputs).
        const fs::path huge = writeText(dir, "huge.json", R"({"format": "awqbench-run", "version": 1,
            "host": {"device": "cuda:0", "gpu_total_bytes": 3.3e134}})");
        msg = test::errorMessageOf([&] { loadRunDocument(huge); });
        QVERIFY2(msg.contains("host.gpu_total_bytes") && msg.contains("out of range") && msg.contains("huge.json"), qPrintable(msg));
    }

    void missingSectionsRender() {
        // Only the header: every format renders and says there is nothing measured.
        const auto bare = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1})", "bare.json");
        QVERIFY(QString::fromStdString(renderHtml(bare)).contains("holds no measurements"));
        QVERIFY(QString::fromStdString(renderMarkdown(bare)).contains("holds no measurements"));
        if (pdfExportAvailable()) QVERIFY(renderPdf(bare).rfind("%PDF-", 0) == 0);

        // A sweep of one model, no battery, no quality, no memory.
        const auto sweep = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "kind": "sweep",
            "models": {"A": {"name": "solo"}}, "settings": {},
            "sweep": {"slo_p95_ms": 500, "A": {"points": [{"concurrency": 2, "output_tokens_per_s": 90.5},
                                                          {"concurrency": 1, "output_tokens_per_s": 50.25,
                                                           "latency_ms": {"p95": 700}}],
                                               "max_concurrency_under_slo": null}}})",
                                            "sweep.json");
        QCOMPARE(sweep.sweep->models.at("A").points.front().concurrency, 1);  // sorted
        const QString html = QString::fromStdString(renderHtml(sweep));
        QVERIFY(html.contains("Concurrency sweep: solo"));
        QCOMPARE(html.count("<svg"), 2);
        QVERIFY(html.contains("misses the p95 SLO of 500 ms even at concurrency 1"));
        QVERIFY(html.contains("Measured on an unrecorded device"));   // no host in this document
        QVERIFY(html.contains("Cost per 1M output tokens (no price given)"));
        QVERIFY(!html.contains("id=\"battery\""));
        if (pdfExportAvailable()) QVERIFY(!renderPdf(sweep).empty());

        // A sweep of two models without an SLO (as `sweep` writes it by default): nothing is said about
        // an SLO that was never set (a trial found "misses the p95 SLO of the SLO"), the title names both.
        const auto noSlo = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "kind": "sweep",
            "models": {"A": {"name": "fp"}, "B": {"name": "fp-awq"}}, "settings": {},
            "sweep": {"slo_p95_ms": null,
                      "A": {"points": [{"concurrency": 1, "output_tokens_per_s": 50, "latency_ms": {"p95": 5.9}}], "max_concurrency_under_slo": null},
                      "B": {"points": [{"concurrency": 1, "output_tokens_per_s": 70, "latency_ms": {"p95": 4.1}}], "max_concurrency_under_slo": null}}})",
                                               "sweep-no-slo.json");
        const QString md = QString::fromStdString(renderMarkdown(noSlo));
        QVERIFY2(md.contains("# Concurrency sweep: fp vs fp-awq"), qPrintable(md));
        QVERIFY2(!md.contains("misses the p95") && !md.contains("Max concurrency under") && !md.contains("the SLO"), qPrintable(md));
        QVERIFY2(md.contains("No latency SLO was given"), qPrintable(md));

        // Battery tests without totals: the totals follow from the tests.
        const auto battery = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1,
            "battery": {"tests": [{"id": "t1", "results": {"A": {"seconds": 1.5, "loop_detected": true}}},
                                  {"id": "t2", "results": {"A": {"seconds": 0.5, "substantive": true}}}]}})");
        QCOMPARE(battery.battery->totals.at("A").loopDetections, 1);
        QVERIFY(QString::fromStdString(renderMarkdown(battery)).contains("| Total time | 2.00 s |"));
    }

    // What a run could not measure (an endpoint's KLD) is said in the report, not left as a blank or a zero.
    void notesSayWhatWasNotMeasured() {
        // A plain literal, not a raw one: moc reads the "//" of a URL inside a raw string as a comment
        // and then finds no test class in this file.
        const auto d = runDocumentFromJson("{\"format\": \"awqbench-run\", \"version\": 1, \"kind\": \"compare\", "
                                        "\"models\": {\"A\": {\"name\": \"local\"}, \"B\": {\"name\": \"served\", \"path\": \"http://127.0.0.1:8000/v1\"}}, "
                                        "\"notes\": [\"B (http://127.0.0.1:8000/v1, served) is an OpenAI endpoint: no KLD for it\"]}",
                                        "notes.json");
        QCOMPARE(d.notes.size(), std::size_t(1));
        QVERIFY(QString::fromStdString(renderMarkdown(d)).contains("Not measured: B (http://127.0.0.1:8000/v1, served) is an OpenAI endpoint"));
        QVERIFY(QString::fromStdString(renderHtml(d)).contains("Not measured: B ("));
        bool refused = false;
        try {
            runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "notes": "one string"})", "bad-notes.json");
        } catch (const awq::Error& e) {
            refused = std::string(e.what()).find("notes") != std::string::npos;
        }
        QVERIFY(refused);
    }

    // The chat's votes (arena) are reported with the models' names.
    void arenaVotesAreReported() {
        const auto d = runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "kind": "compare",
            "models": {"A": {"name": "fp16-model"}, "B": {"name": "awq-model"}},
            "arena": {"totals": {"a_better": 3, "b_better": 1, "tie": 2, "both_bad": 0, "votes": 6},
                      "conversations": [{"file": "c1.json", "a_better": 3, "b_better": 1, "tie": 2, "both_bad": 0}]}})", "arena.json");
        QVERIFY(d.arena);
        QCOMPARE(d.arena->totals().aBetter, 3);
        QCOMPARE(d.arena->conversations.size(), std::size_t(1));
        const auto md = QString::fromStdString(renderMarkdown(d));
        QVERIFY2(md.contains("| fp16-model better | awq-model better | Tie | Both bad |"), qPrintable(md));
        QVERIFY(md.contains("1 saved conversation, 6 votes"));
        bool refused = false;
        try {
            runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "arena": {"conversations": 3}})", "bad-arena.json");
        } catch (const awq::Error& e) {
            refused = std::string(e.what()).find("arena.conversations") != std::string::npos;
        }
        QVERIFY(refused);
    }

    // The decode timeline (docs/run-format.md "timeline"): both models side by side, the roofline
    // figures against the ceilings measured in the run, and the verdict computed from the numbers
    // (shapes of an 8B model on an H200: fp16 reads 16.06 GB a step, AWQ 4.46 GB).
    void decodeTimelineIsReported() {
        const auto d = runDocumentFromJson(R"json({"format": "awqbench-run", "version": 1, "kind": "compare",
            "models": {"A": {"name": "llama-fp16"}, "B": {"name": "llama-awq", "quantization": {"method": "awq", "bits": 4}}},
            "timeline": {"prompt": "Once upon a time", "prompt_tokens": 5, "steps": 16, "batch": 1, "verdict": "stale",
              "A": {"device": "NVIDIA H200 (cuda:0)", "recorded": "kernels", "steps": 16, "step_us": 5300, "busy_us": 5200, "idle_us": 100,
                    "category_us": {"GEMM/GEMV": 4200, "attention": 360, "norms": 310, "other": 330},
                    "top": [{"name": "cutlass_80_tensorop_h16816gemm", "category": "GEMM/GEMV", "calls_per_step": 129, "us_per_step": 4000}],
                    "weight_bytes_per_step": 16060000000, "matmul_flops_per_step": 16060000000,
                    "ceilings": {"device": "NVIDIA H200 (cuda:0)", "dtype": "float16", "read_gb_s": 4570, "compute_gflop_s": 700000},
                    "trace_file": "run.timeline-A.json"},
              "B": {"device": "NVIDIA H200 (cuda:0)", "recorded": "kernels", "steps": 16, "step_us": 2520, "busy_us": 2465, "idle_us": 55,
                    "category_us": {"GEMM/GEMV": 1615, "attention": 360, "norms": 310, "other": 180},
                    "weight_bytes_per_step": 4460000000, "matmul_flops_per_step": 16060000000,
                    "ceilings": {"device": "NVIDIA H200 (cuda:0)", "dtype": "float16", "read_gb_s": 4570, "compute_gflop_s": 700000},
                    "trace_file": "run.timeline-B.json"}}})json", "timeline.json");
        QVERIFY(d.timeline);
        QCOMPARE(d.timeline->models.at("B").categoryUs[0], 1615.0);
        const auto md = QString::fromStdString(renderMarkdown(d));
        const auto html = QString::fromStdString(renderHtml(d));
        // 16.06 GB / 4200 us = 3824 GB/s = 84% of 4570; 4.46 GB / 1615 us = 2762 GB/s = 60%; 2.6x the time for 3.6x the bytes.
        const QString verdict = "Only cut bandwidth: INT4 cut GEMM/GEMV time 2.6x for 3.6x fewer weight bytes; B is bandwidth-bound at "
                                "60% of read bandwidth, 1.4% of compute peak (A: 84%, 0.5%); non-GEMM share rose 21% -> 36%";
        QVERIFY2(md.contains("## Decode timeline"), qPrintable(md));
        // Recomputed from the numbers, not the stored "stale"; HTML escapes the ">", Markdown needs
        // not mid-line (and reads as text: no "-&gt;").
        QString escaped = verdict;
        escaped.replace(QLatin1String("->"), QLatin1String("-&gt;"));
        QVERIFY2(md.contains("Verdict: " + verdict), qPrintable(md));
        QVERIFY(html.contains("Decode timeline"));
        QVERIFY(html.contains("Verdict: " + escaped));
        QVERIFY(html.contains("cutlass_80_tensorop_h16816gemm"));
        // The stacked bars: A's GEMM/GEMV segment is 4200 of a 6000 us axis (5300 us step, steps of 1000),
        // labelled in ms as every step time is.
        QVERIFY(html.contains("<title>A decode step by category</title>"));
        QVERIFY(html.contains(">5.30 ms</text>") && html.contains(">2.52 ms</text>"));
        for (const char* expected : {"| % of read bandwidth | 83.7% | 60.4% |", "| Step (ms) | 5.300 | 2.520 |", "| 4570.0 | 700000.0 |",
                                     "| Share of the step outside GEMMs | 20.8% | 35.9% |", "B: run.timeline-B.json"})
            QVERIFY2(md.contains(QString::fromUtf8(expected)), expected);
        std::string error;
        try {
            runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "timeline": {"A": {"category_us": {"GEMM/GEMV": "slow"}}}})",
                             "bad-timeline.json");
        } catch (const awq::Error& e) {
            error = e.what();
        }
        QVERIFY2(error.find("timeline.A.category_us.GEMM/GEMV") != std::string::npos, error.c_str());
    }

    // The verdict's other answers, from plain numbers: a B past the ridge moved toward the compute
    // ceiling; a B whose GEMMs got slower says so; no GEMM time, no verdict.
    void rooflineVerdictAnswersEachCase() {
        // A: 1 GB and 2 GFLOP in 800 us of a 1000 us step; ceilings 1000 GB/s and 10000 GFLOP/s (ridge: 10 FLOP/byte).
        const RooflineInput a{1000, 800, 1e9, 2e9, 1000, 10000};
        RooflineInput b = a;
        b.weightBytes = 0.1e9;   // 20 FLOP/byte, past the ridge of 10: compute-bound
        b.gemmUs = 400;
        const RooflinePoint pb = rooflinePoint(b);
        QVERIFY(!pb.bandwidthBound);
        QCOMPARE(pb.achievedGFlops, 5000.0);
        QCOMPARE(pb.computeShare, 0.5);
        const QString moved = QString::fromStdString(rooflineVerdict(a, b));
        QVERIFY2(moved.startsWith("Moved toward the compute ceiling: INT4 cut GEMM/GEMV time 2.0x for 10.0x fewer weight bytes; B is "
                                  "compute-bound at 25% of read bandwidth, 50.0% of compute peak"),
                 qPrintable(moved));
        b.weightBytes = 0.5e9;
        b.gemmUs = 900;
        const QString slower = QString::fromStdString(rooflineVerdict(a, b, "B"));
        QVERIFY2(slower.startsWith("Only cut bandwidth: B made GEMM/GEMV time 1.1x longer for 2.0x fewer weight bytes"), qPrintable(slower));
        QVERIFY2(slower.endsWith("non-GEMM share fell 20% -> 10%"), qPrintable(slower));
        // The same bytes (AWQ dequantized on a CPU) at 32% of read bandwidth: no "Neither ... B is
        // bandwidth-bound at 32%" (a contradiction); it says which ceiling neither reaches.
        RooflineInput same = a;
        same.gemmUs = 3125;   // 1 GB in 3125 us: 320 GB/s, 32% of 1000
        same.stepUs = 4000;
        const QString dense = QString::fromStdString(rooflineVerdict(a, same, "B"));
        QVERIFY2(dense.startsWith("No fewer weight bytes: B reads 1.00x A's weight bytes a step") &&
                     dense.contains("B is below both ceilings (on the memory side of the ridge, yet far from that ceiling) at 32% of read bandwidth") &&
                     !dense.contains("Neither") && !dense.contains("bandwidth-bound"),
                 qPrintable(dense));
        b.gemmUs = 0;
        QCOMPARE(rooflineVerdict(a, b), std::string("No GEMM/GEMV time recorded: no verdict."));

        // Weights read faster than the measured memory bandwidth came from the caches (a user trial,
        // the demo model on a CPU: "bandwidth-bound at 149% of read bandwidth"): said as such.
        const RooflineInput small{2834, 1400, 28e6, 28e6, 14, 100};   // 20 GB/s against a 14 GB/s read ceiling
        QVERIFY(rooflinePoint(small).servedFromCache);
        const QString cached = QString::fromStdString(rooflineVerdict(small, small, "B"));
        QVERIFY2(cached.contains("B is reading its weights from the caches (faster than the measured memory read bandwidth) at 143% of read "
                                 "bandwidth") && !cached.contains("bandwidth-bound"),
                 qPrintable(cached));
    }

    void mismatchedSourceFingerprintIsFlagged() {
        std::string text = readAll(samplePath()).toStdString();
        const std::string source = "\"source_fingerprint\": \"891135abbb41";
        const auto at = text.find(source);
        QVERIFY(at != std::string::npos);
        text.replace(at + source.size() - 12, 12, "000000000000");
        const QString html = QString::fromStdString(renderHtml(runDocumentFromJson(text, "other.json")));
        QVERIFY(html.contains("class=\"warning\""));
        QVERIFY(html.contains("not quantized from that model"));
    }

    void formatsFromNamesAndExtensions() {
        QCOMPARE(formatFromPath("r.html").value(), ReportFormat::Html);
        QCOMPARE(formatFromPath("r.HTM").value(), ReportFormat::Html);
        QCOMPARE(formatFromPath("r.md").value(), ReportFormat::Markdown);
        QCOMPARE(formatFromPath("r.pdf").value(), ReportFormat::Pdf);
        QCOMPARE(formatFromPath("run.json").value(), ReportFormat::Json);
        QVERIFY(!formatFromPath("report").has_value());
        QVERIFY(!parseFormatName("docx").has_value());
        QCOMPARE(parseFormatName("markdown").value(), ReportFormat::Markdown);
    }

    void exportIsAtomicAndNamesTheTarget() {
        QTemporaryDir dir;
        const auto d = loadRunDocument(samplePath());
        const fs::path out = fs::path(dir.path().toStdString()) / "r.md";
        writeText(dir, "r.md", "previous report");
        exportReport(d, ReportFormat::Markdown, out);
        QVERIFY(readAll(out).startsWith("# Comparison: tinystories-qwen3-7m vs tinystories-qwen3-7m-awq"));
        QCOMPARE(std::distance(fs::directory_iterator(out.parent_path()), fs::directory_iterator()), 1);  // no temp file left
        const QString msg = test::errorMessageOf([&] { exportReport(d, ReportFormat::Html, "/nonexistent-dir/r.html"); });
        QVERIFY2(msg.contains("/nonexistent-dir/r.html"), qPrintable(msg));
    }

    // A report written over the run document it is made from replaced the run (only the CLI refused
    // it; the GUI's export went through core). Refused in core, also through a link or another
    // spelling of the path, whatever the format; the run stays byte for byte.
    void exportRefusesToReplaceItsRun() {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        const fs::path run = root / "run.json";
        fs::copy_file(samplePath(), run);
        const QByteArray before = readAll(run);
        const auto d = loadRunDocument(run);
        fs::create_symlink(run, root / "link.json");
        for (const fs::path& out : {run, root / "." / "run.json", root / "link.json"})
            for (const auto format : {ReportFormat::Json, ReportFormat::Html}) {
                const QString msg = test::errorMessageOf([&] { exportReport(d, format, out); });
                QVERIFY2(msg.contains(QString::fromStdString(out.string()) + ": this is the run document the report is made from") &&
                             msg.contains("write the report to another file (e.g. " +
                                          QString::fromStdString((root / (format == ReportFormat::Json ? "run.report.json" : "run.html")).string())),
                         qPrintable(msg));
            }
        QCOMPARE(readAll(run), before);
        QVERIFY(fs::is_symlink(root / "link.json"));
        // Another file, or a document not read from a file, is written as before.
        exportReport(d, ReportFormat::Json, root / "copy.json");
        RunDocument unsaved = d;
        unsaved.file.clear();
        exportReport(unsaved, ReportFormat::Markdown, root / "run.md");
        QVERIFY(fs::exists(root / "run.md"));
    }
    // A comparison with an endpoint (tests/core/report_fixtures/endpoint-compare-run.json, written by
    // `compare --a URL --b DIR` against `awqbench-cli serve` of the AWQ demo model): the endpoint's
    // parameters, weights, files, load time and memory are its server's and show as unknown, never
    // 0; its speed is said to be measured at the endpoint on the server's hardware; its quantization
    // is what the server reported. An older document with 0 there reads and reports the same way.
    void endpointSideIsUnknownNotZero() {
        const fs::path fixture = test::sourceDir() / "tests/core/report_fixtures/endpoint-compare-run.json";
        const RunDocument doc = loadRunDocument(fixture);
        QVERIFY(doc.models.at("A").isEndpoint() && !doc.models.at("B").isEndpoint());
        const QString url = QString::fromStdString(doc.models.at("A").path);
        QVERIFY(url.startsWith(QLatin1String("http")));

        // The writer's document: null for the unknowns, the quantization the server reported.
        const QJsonObject a = QJsonDocument::fromJson(QByteArray::fromStdString(runDocumentToJson(doc))).object()
                                  .value(QLatin1String("models")).toObject().value(QLatin1String("A")).toObject();
        for (const char* key : {"parameters", "weight_bytes", "file_bytes", "load_seconds", "memory"})
            QVERIFY2(a.value(QLatin1String(key)).isNull(), key);
        QCOMPARE(a.value(QLatin1String("quantization_source")).toString(), QStringLiteral("server"));

        // The same run as an older writer saved it: 0 for the unknowns and no quantization.
        QFile f(QString::fromStdString(fixture.string()));
        QVERIFY(f.open(QIODevice::ReadOnly));
        QJsonObject root = QJsonDocument::fromJson(f.readAll()).object();
        QJsonObject models = root.value(QLatin1String("models")).toObject();
        QJsonObject oldA = models.value(QLatin1String("A")).toObject();
        for (const char* key : {"parameters", "weight_bytes", "file_bytes", "load_seconds"}) oldA[QLatin1String(key)] = 0;
        oldA[QLatin1String("quantization")] = QJsonValue::Null;
        oldA.remove(QLatin1String("quantization_source"));
        oldA[QLatin1String("memory")] = QJsonObject{{QLatin1String("weights_bytes"), 0}, {QLatin1String("kv_cache_bytes_per_token"), 0},
                                                    {QLatin1String("fit"), QJsonArray()}};
        models[QLatin1String("A")] = oldA;
        root[QLatin1String("models")] = models;
        const RunDocument old = runDocumentFromJson(QJsonDocument(root).toJson().toStdString(), "old-endpoint-run.json");
        // Saved again, the older document records the unknowns as null too.
        const QJsonObject resaved = QJsonDocument::fromJson(QByteArray::fromStdString(runDocumentToJson(old))).object()
                                        .value(QLatin1String("models")).toObject().value(QLatin1String("A")).toObject();
        QVERIFY(resaved.value(QLatin1String("weight_bytes")).isNull() && resaved.value(QLatin1String("memory")).isNull());

        for (const RunDocument* d : {&doc, &old}) {
            const QString md = QString::fromStdString(renderMarkdown(*d));
            const QString html = QString::fromStdString(renderHtml(*d)).replace(QLatin1String("&#39;"), QLatin1String("'"));
            for (const char* row : {"| Parameters | unknown (endpoint) |", "| Weights held by the engine (compute dtype below) | unknown (endpoint) |",
                                    "| Files on disk | unknown (endpoint) |", "| Load time | unknown (endpoint) |",
                                    "| Compute dtype | unknown (endpoint) |", "| A: tinystories-qwen3-7m-awq | unknown (endpoint) | unknown (endpoint) | unknown (endpoint) |"})
                QVERIFY2(md.contains(QLatin1String(row)), row);
            QVERIFY2(!md.contains(QLatin1String("| 0 B |")) && !md.contains(QLatin1String("| 0.00 s |")), qPrintable(md));
            const QString speed = QStringLiteral("generations: A at the endpoint %1 (on the server's hardware, not recorded here), B on the CPU").arg(url);
            QVERIFY2(md.contains(speed), qPrintable(md));
            QVERIFY(html.contains(speed));
            QVERIFY(md.contains(QStringLiteral("is the endpoint %1, measured over HTTP").arg(url)));
            QVERIFY(!md.contains(QLatin1String("(A and B loaded)")));  // the process here loaded B only
            // The folder side keeps its figures.
            QVERIFY(QRegularExpression(QStringLiteral("\\| Files on disk \\| unknown \\(endpoint\\) \\| [1-9][0-9.]* [KM]i?B \\|")).match(md).hasMatch());
        }
        const QString fixtureMd = QString::fromStdString(renderMarkdown(doc));
        QVERIFY2(fixtureMd.contains(QLatin1String("| Quantization | AWQ 4-bit")) && fixtureMd.contains(QLatin1String("(as the server reports) | none |")),
                 qPrintable(fixtureMd));
        QVERIFY(QString::fromStdString(renderMarkdown(old)).contains(QLatin1String("| Quantization | unknown (the endpoint does not report it) | none |")));

        // The Reports page's preview renders the same content: the cells themselves say unknown.
        bool sawUnknownWeights = false;
        for (const ReportBlock& b : buildReportContent(old).blocks)
            for (const auto& row : b.table.rows)
                if (!row.empty() && row[0] == "Weights held by the engine (compute dtype below)")
                    sawUnknownWeights = row.size() > 2 && row[1] == "unknown (endpoint)" && row[2] != "unknown (endpoint)" && row.back().empty();
        QVERIFY(sawUnknownWeights);
    }

    // A sweep of an endpoint (host.device is its URL): the device is the server's, the price too.
    void endpointSweepNamesTheServer() {
        const auto d = runDocumentFromJson("{\"format\": \"awqbench-run\", \"version\": 1, \"kind\": \"sweep\", "
                                           "\"host\": {\"device\": \"http://10.0.0.5:8000/v1\"}, "
                                           "\"models\": {\"A\": {\"name\": \"served\", \"path\": \"http://10.0.0.5:8000/v1\"}}, "
                                           "\"sweep\": {\"gpu_hourly_usd\": 2.0, \"endpoint\": \"http://10.0.0.5:8000/v1\", \"A\": {\"points\": "
                                           "[{\"concurrency\": 1, \"output_tokens_per_s\": 50, \"requests\": 4}], \"cost_per_million_tokens_usd\": 11.1}}}",
                                           "endpoint-sweep.json");
        const QString md = QString::fromStdString(renderMarkdown(d));
        QVERIFY2(md.contains(QLatin1String("Measured at the endpoint http://10.0.0.5:8000/v1 (on the server's hardware, not recorded here)")),
                 qPrintable(md));
        QVERIFY(md.contains(QLatin1String("at $2.00/h of the endpoint http://10.0.0.5:8000/v1")));
        QVERIFY(!md.contains(QLatin1String("Host: http")));
        QVERIFY(!md.contains(QLatin1String("## Memory")));  // nothing known of an endpoint's memory
    }

    // One-token answers measure no TPOT / ITL: the document says null, and every format says n/a
    // (it showed 0.00 ms, a figure nothing measured).
    void unmeasuredTpotIsNotApplicable() {
        RunDocument doc = loadRunDocument(test::sourceDir() / "tests/core/report_fixtures/cpu-compare-run.json");
        for (auto& [slot, sp] : doc.speed) sp.tpotMs.reset(), sp.itlMs.reset();
        const auto back = runDocumentFromJson(runDocumentToJson(doc));
        QVERIFY(!back.speed.at("A").tpotMs && !back.speed.at("B").itlMs);
        const QString md = QString::fromStdString(renderMarkdown(back));
        const QRegularExpression tpotRow(QStringLiteral("\\| P50 TPOT \\(ms\\) \\| n/a \\| n/a \\|"));
        QVERIFY2(md.contains(tpotRow), qPrintable(md.section("## Speed", 1).left(2500)));
        QVERIFY(md.contains(QLatin1String("| P99 ITL (ms) | n/a | n/a |")));
        QVERIFY(md.contains(QLatin1String("n/a: not measured. TPOT needs an answer of two tokens or more")));
        const QString html = htmlOf(back);
        QVERIFY(html.contains(QLatin1String("Mean TPOT (ms)")));
        QVERIFY(!html.contains(QLatin1String("Mean TPOT (ms)</td><td>0.0")));
    }

    // An endpoint sweep (sweep --model URL --slo-ttft-ms 50 --slo-tpot-ms 10 --price 1): the report
    // shows what the CLI printed (done / failed, req/s, TPOT / ITL / E2EL percentiles, goodput) with
    // the SLOs behind goodput, which the document now stores; it does not claim no SLO was given.
    void endpointSweepShowsServingMetricsAndSlos() {
        SweepPoint p;
        p.concurrency = 4;
        p.requests = 32;
        p.outputTokensPerS = 120;
        p.ttftMs = {20, 18, 40, 45};
        p.latencyMs = {300, 290, 380, 400};
        ServingStats v;
        v.completed = 31;
        v.failed = 1;
        v.durationSeconds = 8;
        v.requestThroughput = 3.875;
        v.tpotMs = LatencyStats{9, 8.5, 11, 12.3};
        v.itlMs = LatencyStats{9, 8, 14, 17.5};
        v.goodput = 2.5;
        p.serving = v;
        RunDocument d;
        d.kind = "sweep";
        d.host = HostInfo{"http://10.0.0.5:8000/v1", "", 0};
        d.models["A"].name = "served";
        d.models["A"].path = "http://10.0.0.5:8000/v1";
        d.sweep = SweepRun{64, "Once upon a time", std::nullopt, 1.0, {{"A", SweepModel{{p}, {}, {}, 2.3}}}, "http://10.0.0.5:8000/v1"};
        d.sweep->sloTtftMs = 50;
        d.sweep->sloTpotMs = 10;
        const auto back = runDocumentFromJson(runDocumentToJson(d));
        QCOMPARE(back.sweep->sloTtftMs, std::optional<double>(50));
        QCOMPARE(back.sweep->sloTpotMs, std::optional<double>(10));
        for (const QString& text : {QString::fromStdString(renderMarkdown(back)), htmlOf(back)}) {
            for (const char* want : {"Done / failed", "31 / 1", "Req/s", "3.88", "12.3", "8.5", "17.5", "Goodput (req/s, TTFT &lt;= 50.0 ms and TPOT &lt;= 10.0 ms)",
                                     "Goodput: requests per second that met TTFT &lt;= 50.0 ms and TPOT &lt;= 10.0 ms", "2.50"}) {
                QString w = QString::fromUtf8(want);
                if (!text.startsWith(QLatin1String("<!DOCTYPE"))) w.replace(QLatin1String("&lt;"), QLatin1String("\\<"));   // Markdown escapes it
                QVERIFY2(text.contains(w), qPrintable(w + " missing in:\n" + text.left(6000)));
            }
            QVERIFY(!text.contains(QLatin1String("No latency SLO was given")));
        }
    }

    // A level at the top of the sweep within the SLO is a lower bound on the capacity, not the capacity;
    // a cost difference reads "5.8% less", not "-5.8%".
    void sweepCapacityAndCostInWords() {
        SweepModel m;
        for (int c : {1, 2, 4}) {
            SweepPoint p;
            p.concurrency = c;
            p.latencyMs.p95 = 100;
            p.outputTokensPerS = 10.0 * c;
            m.points.push_back(p);
        }
        m.maxConcurrencyUnderSlo = 4;
        QCOMPARE(capacityUnderSloText(m), std::string("at least 4 (the highest level tested)"));
        m.maxConcurrencyUnderSlo = 2;
        QCOMPARE(capacityUnderSloText(m), std::string("2"));
        m.maxConcurrencyUnderSlo.reset();
        QCOMPARE(capacityUnderSloText(m), std::string("none"));
        QCOMPARE(costComparisonText(10.0, 9.42), std::string("B costs 5.8% less per 1M output tokens than A"));
        QCOMPARE(costComparisonText(10.0, 11.2), std::string("B costs 12.0% more per 1M output tokens than A"));

        RunDocument doc = loadRunDocument(samplePath());
        for (auto& [slot, sm] : doc.sweep->models) {
            sm.maxConcurrencyUnderSlo = sm.points.back().concurrency;
            sm.costPerMillionTokensUsd = slot == "A" ? 10.0 : 9.42;
        }
        const QString md = QString::fromStdString(renderMarkdown(doc));
        QVERIFY2(md.contains(QStringLiteral("at least %1 (the highest level tested)").arg(doc.sweep->models.at("A").points.back().concurrency)),
                 qPrintable(md.section("## Capacity", 1).left(1500)));
        QVERIFY(md.contains(QLatin1String("B costs 5.8% less per 1M output tokens than A.")));
        QVERIFY(!md.contains(QLatin1String("costs -")));
    }

    // The PDF's text (pdftotext), or "" where PDF export or pdftotext is missing.
    static QString pdfTextOf(const RunDocument& doc) {
        const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
        if (!pdfExportAvailable() || pdftotext.isEmpty()) return {};
        QTemporaryDir dir;
        const fs::path out = fs::path(dir.path().toStdString()) / "report.pdf";
        exportReport(doc, ReportFormat::Pdf, out);
        QProcess p;
        p.start(pdftotext, {QString::fromStdString(out.string()), "-"});
        if (!p.waitForFinished(60000)) return {};
        return QString::fromUtf8(p.readAllStandardOutput()).simplified();
    }

    // A CPU sweep's note (the quantized model slower on the CPU, and why) was printed by the CLI but
    // missing from the run document and every report, which ended on "B costs 90.6% more per 1M
    // output tokens than A". The note is in the document and beside the verdict in every format.
    void sweepNotesStandBesideTheCostVerdict() {
        RunDocument doc = loadRunDocument(samplePath());
        for (auto& [slot, sm] : doc.sweep->models) sm.costPerMillionTokensUsd = slot == "A" ? 10.0 : 19.06;
        const std::string note = "The quantized model runs at 0.80x the original's speed because this was measured on the CPU.";
        doc.sweep->notes = {note};
        const RunDocument back = runDocumentFromJson(runDocumentToJson(doc));
        QCOMPARE(back.sweep->notes, std::vector<std::string>{note});
        const QString md = QString::fromStdString(renderMarkdown(back));
        const QString verdict = QStringLiteral("B costs 90.6% more per 1M output tokens than A.");
        QVERIFY2(md.contains(verdict + QStringLiteral("\n\nNote: ") + QString::fromStdString(note)), qPrintable(md.section("## Capacity", 1).left(2000)));
        QVERIFY(htmlOf(back).replace(QLatin1String("&#39;"), QLatin1String("'")).contains(QStringLiteral("Note: ") + QString::fromStdString(note)));
        if (const QString pdf = pdfTextOf(back); !pdf.isEmpty()) QVERIFY2(pdf.contains(QStringLiteral("Note: The quantized model runs at 0.80x")), qPrintable(pdf.right(3000)));
    }

    // "Fit per GPU size (tokens of KV cache left after the weights)" hid the plan's assumptions: 90% of
    // the card and 1 GiB of overhead come off too. Every format states them.
    void fitTableStatesItsAssumptions() {
        const RunDocument doc = loadRunDocument(samplePath());
        const QString caption = QStringLiteral("--gpu-memory-utilization 0.9 and 1 GiB for the CUDA context");
        QVERIFY(QString::fromStdString(renderMarkdown(doc)).contains(caption));
        QVERIFY(htmlOf(doc).contains(caption));
        if (const QString pdf = pdfTextOf(doc); !pdf.isEmpty()) QVERIFY2(pdf.contains(QStringLiteral("--gpu-memory-utilization 0.9")), qPrintable(pdf.left(3000)));
    }

    // The SLO line at the top of the latency axis: its label went over the axis title ("p95 request
    // latency (ms)", drawn just above the plot); it now goes below the line there.
    void sloLabelNeverCoversTheAxisTitle() {
        RunDocument doc = loadRunDocument(samplePath());
        double maxP95 = 0;
        for (const auto& [slot, sm] : doc.sweep->models)
            for (const auto& p : sm.points) maxP95 = std::max(maxP95, p.latencyMs.p95);
        const QRegularExpression label(QStringLiteral("<text x=\"[0-9.]+\" y=\"([0-9.]+)\"[^>]*>SLO p95"));
        const QRegularExpression title(QStringLiteral("<text x=\"[0-9.]+\" y=\"([0-9.]+)\"[^>]*>p95 request latency"));
        for (const double slo : {maxP95 * 0.5, 1e9}) {   // 1e9: the SLO sets the axis' top
            doc.sweep->sloP95Ms = slo;
            const QString svg = QString::fromStdString(chartSvg(doc, ChartKind::SweepLatency, 640));
            const auto l = label.match(svg), t = title.match(svg);
            QVERIFY2(l.hasMatch() && t.hasMatch(), qPrintable(svg.left(3000)));
            // Both 9 px high: their baselines at least a line apart.
            QVERIFY2(std::abs(l.captured(1).toDouble() - t.captured(1).toDouble()) >= 12,
                     qPrintable(QStringLiteral("SLO label at y %1, axis title at y %2").arg(l.captured(1), t.captured(1))));
        }
    }
};

QTEST_GUILESS_MAIN(ReportTest)
#include "test_report.moc"
