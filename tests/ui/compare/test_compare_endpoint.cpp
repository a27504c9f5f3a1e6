// The Compare page with an endpoint (issue 12) and one run document per comparison (issue 14 item
// 5), in a real window: start the local server from the page on the demo model at a free port,
// query it with the endpoint client, pick it as B against the demo folder as A, run a short battery
// and a sweep (its chart filling while it runs), and read the one run document they share; the
// server stops with the window.
#include "core/run/run_document.h"
#include "core/serve/endpoint_client.h"
#include "core/util/logging.h"
#include "tests/support/test_paths.h"
#include "ui/compare/battery_view.h"
#include "ui/compare/compare_page.h"
#include "ui/compare/compare_session.h"
#include "ui/compare/quality_view.h"
#include "ui/compare/sweep_view.h"
#include "ui/util/model_picker.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/main_window.h"
#include "ui/shell/place.h"
#include "ui/models/models_page.h"
#include "ui/util/path_text.h"
#include "ui/util/qcustomplot_include.h"

#include <QCheckBox>
#include <QClipboard>
#include <QGuiApplication>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace awq;
using namespace awq::ui;

class CompareEndpointTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<MainWindow> window_;
    QString runs_, fp16_, battery_;
    ComparePage& page() { return *window_->comparePage(); }

    QString waitForRun(const char* what) {
        QSignalSpy saved(&page(), &ComparePage::runSaved);
        QSignalSpy finished(&page(), &ComparePage::runFinished);
        if (!finished.wait(60000)) {
            qWarning("%s did not finish: %s", what, qPrintable(page().statusText()));
            return {};
        }
        return saved.isEmpty() ? QString() : saved.first().at(0).toString();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        awq::logging::init({}, false, spdlog::level::info);
        const QString settingsFile = tmp_.filePath(QStringLiteral("settings.ini"));
        runs_ = tmp_.filePath(QStringLiteral("runs"));
        {
            AppSettings s(settingsFile);
            s.setRunsFolder(runs_);
            s.sync();
        }
        fp16_ = toQString(test::modelDir("tinystories-qwen3-7m"));
        MainWindowOptions o;
        o.settingsFile = settingsFile;
        o.libraryOverride = QStringList{fp16_, toQString(test::modelDir("tinystories-qwen3-7m-awq"))};
        o.monitorGpus = false;
        o.scanOnStart = false;
        window_ = std::make_unique<MainWindow>(o);
        window_->resize(1280, 800);
        window_->show();
        QSignalSpy scanned(window_->modelsPage(), &ModelsPage::scanFinished);
        window_->rescan();
        QVERIFY(scanned.wait(60000));
        window_->showPlace(Place::Compare);
        // A short battery: a test with a reference and a chat test.
        battery_ = tmp_.filePath(QStringLiteral("short.jsonl"));
        std::ofstream(toPath(battery_)) << "{\"id\": \"names\", \"category\": \"names\", \"prompt\": \"Tom had a dog named Max. The dog's name was\", \"reference\": \"Max\"}\n"
                                           "{\"id\": \"story\", \"category\": \"story\", \"prompt\": \"Once upon a time\"}\n";
    }

    void cleanupTestCase() { window_.reset(); }

    // Start from the page: 127.0.0.1 by default, a free port, the URL shown and copyable; the
    // endpoint client reaches it; a second start on the same port fails with the reason shown.
    void startsTheServerFromThePage() {
        ComparePage& p = page();
        p.setModels(fp16_, fp16_);
        QCOMPARE(p.serverHostEdit()->text(), QStringLiteral("127.0.0.1"));
        p.serverPortSpin()->setValue(0);   // any free port
        QSignalSpy state(&p, &ComparePage::serverStateChanged);
        QTest::mouseClick(p.serverButton(), Qt::LeftButton);
        QVERIFY2(p.serverRunning(), qPrintable(p.statusText()));
        QCOMPARE(p.serverButton()->text(), QStringLiteral("Stop server"));
        QVERIFY(!p.serverPortSpin()->isEnabled());
        QTRY_VERIFY_WITH_TIMEOUT(p.serverReady(), 30000);
        QTRY_VERIFY(p.serverState()->text().startsWith(QLatin1String("Ready: tinystories-qwen3-7m")));
        const QString url = p.serverUrl();
        QVERIFY2(url.startsWith(QLatin1String("http://127.0.0.1:")) && url.endsWith(QLatin1String("/v1")), qPrintable(url));
        QVERIFY(!url.contains(QLatin1String(":0/")));
        QCOMPARE(p.serverUrlEdit()->text(), url);
        QTest::mouseClick(p.findChild<QPushButton*>(QStringLiteral("compareServerCopy")), Qt::LeftButton);
        QCOMPARE(QGuiApplication::clipboard()->text(), url);

        const serve::Endpoint e{url.toStdString(), "tinystories-qwen3-7m", ""};
        QCOMPARE(serve::endpointModels(e), std::vector<std::string>{"tinystories-qwen3-7m"});
        serve::CompletionCall call;
        call.prompt = "Once upon a time";
        call.maxTokens = 6;
        call.ignoreEos = true;
        const auto answer = serve::streamCompletion(e, call);
        QVERIFY2(answer.timing.ok, answer.timing.error.c_str());
        QCOMPARE(answer.timing.outputTokens, 6);
        QVERIFY(!answer.text.empty());

        // Nothing to serve (no model folder chosen): the page says so.
        ComparePage empty;
        QVERIFY(!empty.startServer());
        QVERIFY2(empty.statusText().contains(QLatin1String("model folder")), qPrintable(empty.statusText()));
    }

    // The server as B against the demo folder as A: the battery runs on both, answers equal (the
    // same model, greedy), the document names the endpoint and says what it cannot measure.
    void comparesTheFolderWithTheServedModel() {
        ComparePage& p = page();
        QVERIFY(p.serverReady());
        QTest::mouseClick(p.findChild<QPushButton*>(QStringLiteral("compareServerUseB")), Qt::LeftButton);
        QVERIFY(p.isEndpoint(1));
        QVERIFY(!p.isEndpoint(0));
        QVERIFY(p.findChild<QCheckBox*>(QStringLiteral("compareEndpointB"))->isChecked());
        QCOMPARE(p.findChild<QLineEdit*>(QStringLiteral("compareEndpointUrlB"))->text(), p.serverUrl());
        QVERIFY(!p.pickerB()->isVisible());
        p.maxNewSpin()->setValue(8);
        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        QTest::mouseClick(p.loadButton(), Qt::LeftButton);
        QVERIFY(loaded.wait(60000));
        QVERIFY2(loaded.first().at(0).toBool(), qPrintable(p.statusText()));
        QVERIFY(p.modelsLoaded());
        QVERIFY2(p.modelStatus(1)->text().startsWith(QLatin1String("Endpoint: serves tinystories-qwen3-7m")), qPrintable(p.modelStatus(1)->text()));
        // What cannot be measured is said on the page, not shown as a zero.
        QVERIFY(p.findChild<QLabel*>(QStringLiteral("compareEndpointNote"))->isVisible());
        QVERIFY2(p.endpointNote().contains(QLatin1String("KLD")) && p.endpointNote().startsWith(QLatin1String("B (") + p.serverUrl()),
                 qPrintable(p.endpointNote()));

        p.tabs()->setCurrentIndex(ComparePage::BatteryTab);
        p.battery()->useFile(battery_);
        QTest::mouseClick(p.battery()->runButton(), Qt::LeftButton);
        const QString file = waitForRun("battery");
        QVERIFY2(!file.isEmpty(), qPrintable(p.statusText()));
        const RunDocument doc = loadRunDocument(toPath(file));
        QCOMPARE(doc.models.at("B").path, p.serverUrl().toStdString());
        QCOMPARE(doc.models.at("B").name, std::string("tinystories-qwen3-7m"));
        QVERIFY(!doc.models.at("A").fingerprint.empty());
        QVERIFY(doc.battery);
        QCOMPARE(doc.battery->tests.size(), std::size_t(2));
        for (const TestRecord& t : doc.battery->tests) QCOMPARE(t.results.at("B").text, t.results.at("A").text);
        QVERIFY(doc.speed.at("B").outputTokensPerS > 0);
        QCOMPARE(doc.notes.size(), std::size_t(1));
        QVERIFY(doc.notes[0].find("logits") != std::string::npos);

        // Quality with an endpoint: A's perplexity only, and the reason KLD is missing.
        p.tabs()->setCurrentIndex(ComparePage::QualityTab);
        p.quality()->setTextFile(toQString(test::dataFile("eval-stories.txt")));
        p.quality()->contextSpin()->setValue(64);
        p.quality()->windowsSpin()->setValue(1);
        QTest::mouseClick(p.quality()->runButton(), Qt::LeftButton);
        QCOMPARE(waitForRun("quality"), file);   // the same comparison, the same document
        const RunDocument withQuality = loadRunDocument(toPath(file));
        QVERIFY(withQuality.battery);
        QVERIFY(withQuality.quality->models.at("A").perplexity > 1);
        QVERIFY(!withQuality.quality->models.count("B"));
        QVERIFY(withQuality.quality->notes.find("endpoint") != std::string::npos);
        QVERIFY(p.findChild<QLabel*>(QStringLiteral("qualityNotes"))->text().contains(QLatin1String("endpoint")));
        QCOMPARE(p.quality()->resultTable()->item(QualityView::PerplexityRow, 1)->text(), QStringLiteral("n/a (endpoint)"));
    }

    // The sweep fills its chart level by level while it runs, then lands in the same document.
    void sweepFillsLiveIntoTheSameRun() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::SweepTab);
        SweepView* s = p.sweep();
        s->concurrencyEdit()->setText(QStringLiteral("1,2"));
        s->maxNewSpin()->setValue(4);
        int pointsSeenWhileRunning = 0;
        QMetaObject::Connection c = connect(p.session(), &CompareSession::sweepProgress, this, [&](const SweepEvent& e) {
            if (e.point && p.session()->isBusy())
                pointsSeenWhileRunning = std::max(pointsSeenWhileRunning, s->throughputChart()->graphCount() ? s->throughputChart()->graph(0)->dataCount() : 0);
        });
        QTest::mouseClick(s->runButton(), Qt::LeftButton);
        const QString file = waitForRun("sweep");
        disconnect(c);
        QVERIFY(pointsSeenWhileRunning >= 1);
        QCOMPARE(file, p.lastRunFile());
        const RunDocument doc = loadRunDocument(toPath(file));
        QCOMPARE(doc.kind, std::string("compare"));
        QVERIFY(doc.battery && doc.quality && doc.sweep);   // one comparison, one run
        QCOMPARE(doc.sweep->models.at("A").points.size(), std::size_t(2));
        QCOMPARE(doc.sweep->models.at("B").points.size(), std::size_t(2));
        QVERIFY(doc.sweep->models.at("B").points[0].serving.has_value());   // the endpoint's load model
        QCOMPARE(QDir(runs_).entryList({QStringLiteral("*.json")}, QDir::Files).size(), 1);
    }

    // Stopping from the page frees the port; the window's close stops a running server too.
    void stopsOnRequestAndWithTheWindow() {
        ComparePage& p = page();
        const QString url = p.serverUrl();
        QTest::mouseClick(p.serverButton(), Qt::LeftButton);
        QVERIFY(!p.serverRunning());
        QCOMPARE(p.serverUrlEdit()->text(), QString());
        QCOMPARE(p.serverState()->text(), QStringLiteral("Stopped"));
        QVERIFY_THROWS_EXCEPTION(std::exception, serve::endpointModels({url.toStdString(), "", ""}));
        QVERIFY(p.startServer());
        const QString again = p.serverUrl();
        window_->close();
        QVERIFY(!p.serverRunning());
        QVERIFY_THROWS_EXCEPTION(std::exception, serve::endpointModels({again.toStdString(), "", ""}));
    }

    // A's original and B's quantized model served together: "Use as B" takes B's own model (it
    // took the server's first, A's original, and compared the original with itself).
    void useAsBTakesBsOwnServedModel() {
        ComparePage& p = page();
        p.clearEndpoint(1);  // B was the server in the tests above
        p.setModels(fp16_, toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        p.serverPortSpin()->setValue(0);
        QVERIFY2(p.startServer(), qPrintable(p.statusText()));
        QTRY_VERIFY_WITH_TIMEOUT(p.serverReady(), 30000);
        QCOMPARE(p.serverModels(), (QStringList{"tinystories-qwen3-7m", "tinystories-qwen3-7m-awq"}));
        QTest::mouseClick(p.findChild<QPushButton*>(QStringLiteral("compareServerUseB")), Qt::LeftButton);
        QCOMPARE(p.findChild<QLineEdit*>(QStringLiteral("compareEndpointModelB"))->text(), QStringLiteral("tinystories-qwen3-7m-awq"));
        p.stopServer();
    }
};

QTEST_MAIN(CompareEndpointTest)
#include "test_compare_endpoint.moc"
