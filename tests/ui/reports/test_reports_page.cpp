// The Reports page offscreen: the runs folder listing, preview (HTML with chart images, Markdown),
// a broken run's error, and export in every format.
#include "core/report/report_export.h"
#include "tests/support/test_paths.h"
#include "ui/reports/chart_painter.h"
#include "ui/reports/reports_page.h"
#include "ui/util/data_folders.h"

#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollBar>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTextBrowser>
#include <QtTest>

#include <climits>

using namespace awq;
using namespace awq::ui;

namespace {

QString samplePath() { return QString::fromStdString((test::sourceDir() / "tests/core/report_fixtures/sample-run.json").string()); }

QByteArray readAll(const QString& path) {
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

// A runs folder as the Compare page leaves it: a good run and one cut short by a crash.
void fillRunsFolder(const QTemporaryDir& dir) {
    QVERIFY(QFile::copy(samplePath(), dir.filePath("compare-7m-vs-awq.json")));
    QFile broken(dir.filePath("crashed.json"));
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write(readAll(samplePath()).left(300));
}

int rowOf(const QListWidget* list, const QString& baseName) {
    for (int i = 0; i < list->count(); ++i)
        if (QFileInfo(list->item(i)->data(ReportsPage::PathRole).toString()).completeBaseName() == baseName) return i;
    return -1;
}

}  // namespace

class ReportsPageTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void listsTheRunsAndPreviewsOne() {
        QTemporaryDir dir;
        fillRunsFolder(dir);
        // A profiled run's Chrome traces beside it are not runs: not listed.
        QFile trace(dir.filePath("compare-7m-vs-awq.timeline-A.json"));
        QVERIFY(trace.open(QIODevice::WriteOnly));
        trace.write("{\"traceEvents\": []}");
        trace.close();
        ReportsPage page(dir.path());
        page.resize(1100, 700);
        QCOMPARE(page.runList()->count(), 2);
        for (auto f : {report::ReportFormat::Html, report::ReportFormat::Markdown, report::ReportFormat::Json})
            QVERIFY(!page.exportButton(f)->isEnabled());  // nothing open yet

        QSignalSpy opened(&page, &ReportsPage::runOpened);
        const int row = rowOf(page.runList(), "compare-7m-vs-awq");
        QVERIFY(row >= 0);
        page.runList()->setCurrentRow(row);
        QCOMPARE(opened.count(), 1);
        QVERIFY(page.currentRun());
        QCOMPARE(page.currentRun()->models.size(), std::size_t(2));

        const QString text = page.previewBrowser()->toPlainText();
        for (const char* n : {"10.332", "91.2%", "217.1", "$0.85", "P95 TTFT (ms)", "Loop detections"}) QVERIFY2(text.contains(n), n);
        // The four charts are images drawn by the same chart code (QTextBrowser shows no SVG).
        const QString html = page.previewBrowser()->toHtml();
        QVERIFY(!html.contains("<svg"));
        for (int i = 0; i < 4; ++i) {
            const auto image = page.previewBrowser()->document()->resource(QTextDocument::ImageResource, QUrl(QStringLiteral("awqchart:%1").arg(i)))
                                   .value<QImage>();
            QVERIFY2(!image.isNull(), qPrintable(QString::number(i)));
            QVERIFY(image.width() >= 680);
        }
        QVERIFY(page.exportButton(report::ReportFormat::Html)->isEnabled());
        QCOMPARE(page.exportButton(report::ReportFormat::Pdf)->isEnabled(), report::pdfExportAvailable());

        page.previewChoice()->setCurrentIndex(1);
        QCOMPARE(page.preview(), ReportsPage::Preview::Markdown);
        QVERIFY(page.previewBrowser()->toPlainText().contains("| Perplexity | 10.332 | 10.487 | +1.5% |"));
    }

    void brokenRunShowsTheError() {
        QTemporaryDir dir;
        fillRunsFolder(dir);
        ReportsPage page(dir.path());
        QVERIFY(page.openRun(dir.filePath("compare-7m-vs-awq.json")));
        page.runList()->setCurrentRow(rowOf(page.runList(), "crashed"));
        QVERIFY(!page.currentRun());
        const QString msg = page.messageLabel()->text();
        QVERIFY2(msg.contains("crashed.json") && msg.contains("not valid JSON"), qPrintable(msg));
        QVERIFY(page.messageLabel()->property("error").toBool());
        QVERIFY(!page.exportButton(report::ReportFormat::Html)->isEnabled());
        QVERIFY(!page.exportCurrent(report::ReportFormat::Html, dir.filePath("x.html")));
        QVERIFY(!QFile::exists(dir.filePath("x.html")));
    }

    void exportsEveryFormat() {
        QTemporaryDir dir;
        ReportsPage page(dir.path());
        QVERIFY(page.openRun(samplePath()));
        QSignalSpy exported(&page, &ReportsPage::reportExported);
        QVERIFY(page.exportCurrent(report::ReportFormat::Html, dir.filePath("r.html")));
        QVERIFY(readAll(dir.filePath("r.html")).contains("<svg"));
        QVERIFY(page.exportCurrent(report::ReportFormat::Markdown, dir.filePath("r.md")));
        QVERIFY(readAll(dir.filePath("r.md")).startsWith("# Comparison: tinystories-qwen3-7m vs tinystories-qwen3-7m-awq"));
        QVERIFY(page.exportCurrent(report::ReportFormat::Json, dir.filePath("r.json")));
        QVERIFY(readAll(dir.filePath("r.json")).contains("\"awqbench-run\""));
        int expected = 3;
        if (report::pdfExportAvailable()) {
            QVERIFY(page.exportCurrent(report::ReportFormat::Pdf, dir.filePath("r.pdf")));
            QVERIFY(readAll(dir.filePath("r.pdf")).startsWith("%PDF-"));
            ++expected;
        }
        QCOMPARE(exported.count(), expected);
        QVERIFY(page.messageLabel()->text().contains("Report written to"));
        // Exported files land in the runs folder: the list picks up the JSON copy on refresh.
        page.refreshRuns();
        QVERIFY(rowOf(page.runList(), "r") >= 0);
        // An unwritable target is an error naming it, not a crash.
        QVERIFY(!page.exportCurrent(report::ReportFormat::Html, "/nonexistent-dir/r.html"));
        QVERIFY(page.messageLabel()->text().contains("/nonexistent-dir/r.html"));
    }

    // Exporting over the open run's own file (a Save dialog that offers RUN.json) is refused by
    // core, as `report --out RUN.json` is: the run stays as it was.
    void exportOverTheOpenRunIsRefused() {
        QTemporaryDir dir;
        const QString run = dir.filePath("run.json");
        QVERIFY(QFile::copy(samplePath(), run));
        const QByteArray before = readAll(run);
        ReportsPage page(dir.path());
        QVERIFY(page.openRun(run));
        QSignalSpy exported(&page, &ReportsPage::reportExported);
        for (auto f : {report::ReportFormat::Json, report::ReportFormat::Markdown}) {
            QVERIFY(!page.exportCurrent(f, run));
            const QString msg = page.messageLabel()->text();
            QVERIFY2(msg.contains(run + ": this is the run document the report is made from") && msg.contains("write the report to another file"),
                     qPrintable(msg));
            QVERIFY(page.messageLabel()->property("error").toBool());
        }
        QCOMPARE(exported.count(), 0);
        QCOMPARE(readAll(run), before);
    }

    // Newest first by when each run was made, not by file time: a run copied into the folder (or
    // touched) today is listed by its own "created". A file that records no time goes by its file time.
    void runsAreSortedByTheirOwnTime() {
        QTemporaryDir dir;
        const QString older = dir.filePath("older-run.json"), newer = dir.filePath("newer-run.json"), untimed = dir.filePath("untimed.json");
        QVERIFY(QFile::copy(samplePath(), older));  // created 2026-11-25T18:00:00Z
        QVERIFY(QFile::copy(QString::fromStdString((test::sourceDir() / "tests/core/report_fixtures/cpu-compare-run.json").string()),
                            newer));  // created 2026-12-03T07:15:57Z
        QFile hand(untimed);
        QVERIFY(hand.open(QIODevice::WriteOnly));
        hand.write(readAll(samplePath()).replace("\"created\": \"2026-11-25T18:00:00Z\",", ""));
        hand.close();
        QVERIFY(!readAll(untimed).contains("\"created\""));
        // File times the other way round: the older run written last.
        const auto setTime = [](const QString& f, const QDateTime& t) {
            QFile file(f);
            QVERIFY(file.open(QIODevice::ReadWrite));
            QVERIFY(file.setFileTime(t, QFileDevice::FileModificationTime));
        };
        const QDateTime utc(QDate(2026, 12, 1), QTime(12, 0), Qt::UTC);
        setTime(older, utc.addDays(10));
        setTime(newer, utc.addDays(-10));
        setTime(untimed, utc);  // between the two runs' own times
        ReportsPage page(dir.path());
        QCOMPARE(page.runList()->count(), 3);
        QCOMPARE(rowOf(page.runList(), "newer-run"), 0);
        QCOMPARE(rowOf(page.runList(), "untimed"), 1);
        QCOMPARE(rowOf(page.runList(), "older-run"), 2);
        // The time shown is the run's own (local time), and the tooltip says where it comes from.
        const QDateTime made(QDate(2026, 12, 3), QTime(7, 15, 57), Qt::UTC);
        QVERIFY2(page.runList()->item(0)->text().endsWith(QLocale().toString(made.toLocalTime(), QLocale::ShortFormat)),
                 qPrintable(page.runList()->item(0)->text()));
        QVERIFY(page.runList()->item(0)->toolTip().contains(QLatin1String("run made ")));
        QVERIFY(page.runList()->item(1)->toolTip().contains(QLatin1String("no run time recorded: file modified ")));
    }

    // Fresh-user trial: invalid JSON ("{bad") and a document of "version": 99 were listed like any
    // run, with only the file's name and a date; no entry showed its kind, its models or that it
    // was cancelled; a long name was clipped behind a horizontal scroll bar.
    void entriesSayWhatEachRunIsOrWhyItIsUnreadable() {
        QTemporaryDir dir;
        const QString longName = QStringLiteral("20261205T102200Z-compare-%1-vs-%1-awq").arg(QString(QLatin1Char('m')).repeated(84));
        QVERIFY(QFile::copy(samplePath(), dir.filePath(longName + QStringLiteral(".json"))));
        RunDocument sweep = loadRunDocument(samplePath().toStdString());
        sweep.kind = "sweep";
        sweep.cancelled = true;
        saveRunDocument(sweep, dir.filePath(QStringLiteral("stopped-sweep.json")).toStdString());
        {
            QFile bad(dir.filePath(QStringLiteral("bad.json")));
            QVERIFY(bad.open(QIODevice::WriteOnly));
            bad.write("{bad");
            QFile future(dir.filePath(QStringLiteral("future.json")));
            QVERIFY(future.open(QIODevice::WriteOnly));
            future.write(readAll(samplePath()).replace("\"version\": 1,", "\"version\": 99,"));
        }
        ReportsPage page(dir.path());
        page.resize(1002, 560);   // the page's room in a 1152x720 window
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QListWidget* list = page.runList();
        QCOMPARE(list->count(), 4);
        const QColor grey = list->palette().color(QPalette::Disabled, QPalette::Text);
        for (const char* name : {"bad", "future"}) {
            QListWidgetItem* item = list->item(rowOf(list, QString::fromLatin1(name)));
            QVERIFY2(item, name);
            QVERIFY(item->data(ReportsPage::UnreadableRole).toBool());
            QVERIFY2(item->text().startsWith(QStringLiteral("%1.json\nUnreadable: ").arg(QLatin1String(name))), qPrintable(item->text()));
            QCOMPARE(item->foreground().color(), grey);
        }
        const QString badTip = list->item(rowOf(list, "bad"))->toolTip();
        QVERIFY2(badTip.contains(QLatin1String("not valid JSON")), qPrintable(badTip));
        const QString futureTip = list->item(rowOf(list, "future"))->toolTip();
        QVERIFY2(futureTip.contains(QLatin1String("version 99 is not supported")), qPrintable(futureTip));
        // Readable runs: their models, then kind, "cancelled" when stopped, and the time.
        QListWidgetItem* compare = list->item(rowOf(list, longName));
        QVERIFY(!compare->data(ReportsPage::UnreadableRole).toBool());
        const QStringList lines = compare->text().split(QLatin1Char('\n'));
        QCOMPARE(lines.size(), 2);
        QCOMPARE(lines[0], QStringLiteral("tinystories-qwen3-7m vs tinystories-qwen3-7m-awq"));
        QVERIFY2(lines[1].startsWith(QStringLiteral("Compare · ")) && !lines[1].contains(QLatin1String("cancelled")), qPrintable(lines[1]));
        QVERIFY(compare->toolTip().contains(longName));
        const QString stopped = list->item(rowOf(list, "stopped-sweep"))->text();
        QVERIFY2(stopped.section(QLatin1Char('\n'), 1).startsWith(QStringLiteral("Sweep · cancelled · ")), qPrintable(stopped));
        // Nothing scrolls sideways; each item is as wide as the list, its lines elided to it.
        QCoreApplication::processEvents();
        QVERIFY(!list->horizontalScrollBar()->isVisible());
        QCOMPARE(list->horizontalScrollBar()->maximum(), 0);
        for (int i = 0; i < list->count(); ++i) QVERIFY(list->visualItemRect(list->item(i)).right() <= list->viewport()->width());
        QVERIFY(page.minimumSizeHint().width() <= 1002);
    }

    // The default runs folder is ~/.local/share/awqbench/runs (XDG_DATA_HOME honoured); it was Qt's
    // per-application folder, .../awqbench/awqbench/runs, which is still used while only it exists.
    void defaultRunsFolderIsTheWorkbenchDataFolder() {
        QTemporaryDir data;
        const QByteArray savedXdg = qgetenv("XDG_DATA_HOME");
        const QString savedOrg = QCoreApplication::organizationName(), savedApp = QCoreApplication::applicationName();
        qputenv("XDG_DATA_HOME", data.path().toUtf8());
        QCoreApplication::setOrganizationName(QStringLiteral("awqbench"));
        QCoreApplication::setApplicationName(QStringLiteral("awqbench"));
        const QString current = data.filePath(QStringLiteral("awqbench/runs")), legacy = data.filePath(QStringLiteral("awqbench/awqbench/runs"));
        QCOMPARE(appDataFolder(QStringLiteral("runs")), current);
        QCOMPARE(ReportsPage().runsFolder(), current);
        QVERIFY(QDir().mkpath(legacy));   // an earlier version's runs
        QCOMPARE(appDataFolder(QStringLiteral("runs")), legacy);
        QVERIFY(QDir().mkpath(current));
        QCOMPARE(appDataFolder(QStringLiteral("runs")), current);
        savedXdg.isNull() ? qunsetenv("XDG_DATA_HOME") : qputenv("XDG_DATA_HOME", savedXdg);
        QCoreApplication::setOrganizationName(savedOrg);
        QCoreApplication::setApplicationName(savedApp);
    }

    void missingFolderSaysSo() {
        ReportsPage page("/nonexistent-dir/runs");
        QCOMPARE(page.runList()->count(), 1);
        QVERIFY(page.runList()->item(0)->text().contains("does not exist"));
        QVERIFY(!page.openRun({}));
    }

    // User trial: the page kept "does not exist yet" after the runs folder was created (until
    // Refresh). It follows the folder: created, then a run written into it.
    void listFollowsTheFolder() {
        QTemporaryDir tmp;
        const QString runs = tmp.filePath("later/runs");   // neither folder exists yet
        ReportsPage page(runs);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(page.runList()->item(0)->text().contains("does not exist"));
        QVERIFY(QDir().mkpath(runs));
        QTRY_VERIFY_WITH_TIMEOUT(page.runList()->item(0)->text().contains("No saved runs"), 5000);
        QVERIFY(QFile::copy(samplePath(), QDir(runs).filePath("compare-7m-vs-awq.json")));
        QTRY_VERIFY_WITH_TIMEOUT(rowOf(page.runList(), "compare-7m-vs-awq") >= 0, 5000);
    }

    void chartImagesAreDrawn() {
        const auto doc = loadRunDocument(samplePath().toStdString());
        const QImage chart = renderReportChart(doc, report::ChartKind::SweepThroughput, 600);
        QCOMPARE(chart.width(), 600);
        // The sample's two series as drawn: A in blue, B in orange, each across the plot from its first
        // concurrency to its last, rising (throughput grows with concurrency in the sample), B above A
        // at the right end (1400 vs 845 tok/s at 32). Legend swatches sit above the plot, so only
        // pixels below its top margin count.
        struct Extent {
            int left = INT_MAX, right = -1, yAtLeft = 0, yAtRight = 0;
        };
        auto extentOf = [&](const QColor& colour) {
            Extent e;
            for (int x = 0; x < chart.width(); ++x)
                for (int y = 60; y < chart.height(); ++y) {
                    if (chart.pixelColor(x, y) != colour) continue;
                    if (x < e.left) e.left = x, e.yAtLeft = y;
                    if (x > e.right) e.right = x, e.yAtRight = y;
                }
            return e;
        };
        const Extent a = extentOf(QColor(0x1f, 0x77, 0xb4)), b = extentOf(QColor(0xff, 0x7f, 0x0e));
        for (const Extent& e : {a, b}) {
            QVERIFY2(e.right - e.left > chart.width() / 2, qPrintable(QStringLiteral("series spans x %1..%2 of %3").arg(e.left).arg(e.right).arg(chart.width())));
            QVERIFY2(e.yAtRight < e.yAtLeft, "the series should rise from left to right");
        }
        QVERIFY2(b.yAtRight < a.yAtRight, "B (1400 tok/s) should end above A (845 tok/s)");
    }
};

QTEST_MAIN(ReportsPageTest)
#include "test_reports_page.moc"
