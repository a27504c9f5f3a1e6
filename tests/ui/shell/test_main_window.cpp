// The workbench shell: places, shortcuts, log dock, GPU status, settings, drag and drop.
#include "core/deploy/deploy_settings.h"
#include "core/library/catalog.h"
#include "core/util/logging.h"
#include "tests/support/test_paths.h"
#include "tests/ui/input_names.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/deploy/deploy_page.h"
#include "ui/deploy/target_dialog.h"
#include "ui/util/catalog_table_model.h"
#include "ui/models/memory_plan_view.h"
#include "ui/models/model_detail_pane.h"
#include "ui/models/models_page.h"
#include "ui/pages/placeholder_page.h"
#include "ui/reports/reports_page.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/gpu_status_widget.h"
#include "ui/shell/log_panel.h"
#include "ui/shell/main_window.h"
#include "ui/shell/quick_guide.h"
#include "ui/shell/settings_dialog.h"
#include "ui/shell/status_bar.h"
#include "ui/shell/warm_pool_setting.h"
#include "ui/util/path_text.h"
#ifdef AWQBENCH_UI_WITH_ENGINE
#include "ui/compare/compare_page.h"
#include "ui/util/model_picker.h"
#include "ui/quantize/quantize_page.h"
#endif

#include <QApplication>
#include <QComboBox>
#include <QDockWidget>
#include <QDropEvent>
#include <QLineEdit>
#include <QLabel>
#include <QMenu>
#include <QScreen>
#include <QSettings>
#include <QScrollArea>
#include <QScrollBar>
#include <QStatusBar>
#include <QTableView>
#include <QTableWidget>
#include <QTabWidget>
#include <QHeaderView>
#include <QMimeData>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QUrl>
#include <QScreen>
#include <QtTest>

#include <fstream>
#include <functional>
#include <thread>

namespace fs = std::filesystem;
using namespace awq;
using namespace awq::ui;

namespace {

GpuProbeResult fakeGpu() {
    GpuProbeResult r;
    r.available = true;
    r.driverVersion = "999.1";
    GpuInfo g;
    g.index = 0;
    g.name = "Test GPU 24GB";
    g.totalBytes = 24ull << 30;
    g.usedBytes = 2ull << 30;
    g.freeBytes = g.totalBytes - g.usedBytes;
    g.processes.push_back({4242, 2ull << 30});
    r.gpus.push_back(g);
    return r;
}

GpuProbeResult noGpu() {
    GpuProbeResult r;
    r.reason = "no NVIDIA driver (test)";
    return r;
}

QMimeData* urlsMime(const QStringList& paths) {
    auto* mime = new QMimeData;
    QList<QUrl> urls;
    for (const QString& p : paths) urls << QUrl::fromLocalFile(p);
    mime->setUrls(urls);
    return mime;
}

}  // namespace

class MainWindowTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    int settingsCounter_ = 0;
    fs::path root() const { return toPath(tmp_.path()); }

    // A window on its own fresh settings file; no GPU polling unless asked.
    MainWindowOptions options(std::optional<QStringList> library = std::nullopt) {
        MainWindowOptions o;
        o.settingsFile = tmp_.filePath(QStringLiteral("settings-%1.ini").arg(++settingsCounter_));
        o.deploySettingsFile = tmp_.filePath(QStringLiteral("deploy-%1.json").arg(settingsCounter_));
        o.libraryOverride = std::move(library);
        o.scanOnStart = false;
        o.monitorGpus = false;
        return o;
    }

    static QStringList demoLibrary() {
        return {toQString(test::modelDir("tinystories-qwen3-7m")), toQString(test::modelDir("tinystories-qwen3-7m-awq"))};
    }

    // Shows the window, scans its library, selects the demo model and visits every place (each
    // page builds what it shows on the way).
    static void showEveryPlace(MainWindow& w) {
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        w.rescan();
        QVERIFY(scanned.wait(60000));
        w.modelsPage()->selectModel(QStringLiteral("tinystories-qwen3-7m"));
        for (int i = 0; i < w.placeCount(); ++i) {
            w.showPlace(static_cast<Place>(i));
            QCoreApplication::processEvents();
        }
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        awq::logging::init({}, false, spdlog::level::debug);
    }

    void opensWithTheFivePlaces() {
        MainWindow w(options());
        QCOMPARE(w.placeCount(), 5);
        QCOMPARE((QStringList{w.placeName(0), w.placeName(1), w.placeName(2), w.placeName(3), w.placeName(4)}),
                 (QStringList{"Models", "Quantize", "Compare", "Deploy", "Reports"}));
        QCOMPARE(w.currentPlace(), Place::Models);
        QCOMPARE(w.page(Place::Models), static_cast<QWidget*>(w.modelsPage()));

#ifdef AWQBENCH_UI_WITH_ENGINE
        QCOMPARE(w.page(Place::Quantize), static_cast<QWidget*>(w.quantizePage()));
        QCOMPARE(w.page(Place::Compare), static_cast<QWidget*>(w.comparePage()));
#else
        // Without libtorch the engine's places say so, and what a full build brings.
        for (Place p : {Place::Quantize, Place::Compare}) {
            auto* page = qobject_cast<PlaceholderPage*>(w.page(p));
            QVERIFY(page);
            QVERIFY2(page->headline().contains("built without libtorch"), qPrintable(page->headline()));
        }
#endif
        QCOMPARE(w.page(Place::Deploy), static_cast<QWidget*>(w.deployPage()));
        QVERIFY(qobject_cast<ReportsPage*>(w.page(Place::Reports)));
        QVERIFY(!w.windowIcon().isNull());
    }

    void keyboardShortcuts() {
        MainWindow w(options(QStringList{toQString(test::modelDir("tinystories-656k"))}));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        w.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&w));

        QTest::keyClick(&w, Qt::Key_3, Qt::ControlModifier);
        QCOMPARE(w.currentPlace(), Place::Compare);
        QTest::keyClick(&w, Qt::Key_5, Qt::ControlModifier);
        QCOMPARE(w.currentPlace(), Place::Reports);
        QTest::keyClick(&w, Qt::Key_2, Qt::ControlModifier);
        QCOMPARE(w.currentPlace(), Place::Quantize);

        // Ctrl+F goes back to Models and puts the cursor into the filter.
        QTest::keyClick(&w, Qt::Key_F, Qt::ControlModifier);
        QCOMPARE(w.currentPlace(), Place::Models);
        QTRY_VERIFY(w.modelsPage()->filterEdit()->hasFocus());

        // Ctrl+L toggles the log.
        QVERIFY(w.logDock()->isVisible());
        QTest::keyClick(&w, Qt::Key_L, Qt::ControlModifier);
        QVERIFY(!w.logDock()->isVisible());
        QTest::keyClick(&w, Qt::Key_L, Qt::ControlModifier);
        QVERIFY(w.logDock()->isVisible());

        // F5 rescans.
        QSignalSpy finished(w.modelsPage(), &ModelsPage::scanFinished);
        QTest::keyClick(&w, Qt::Key_F5);
        QVERIFY(finished.wait(60000));
        QCOMPARE(w.modelsPage()->catalog()->rowCount(), 1);

        // Ctrl+Q closes the window.
        QTest::keyClick(&w, Qt::Key_Q, Qt::ControlModifier);
        QTRY_VERIFY(!w.isVisible());
    }

    void scansOnStartAndSelectsAModel() {
        MainWindowOptions o = options(QStringList{toQString(test::sharedDir() / "models")});
        o.scanOnStart = true;
        MainWindow w(o);
        QTRY_VERIFY_WITH_TIMEOUT(w.modelsPage()->hasScanned(), 60000);
        QCOMPARE(w.modelsPage()->catalog()->rowCount(), 7);
        QVERIFY(w.modelsPage()->detail()->entry());
    }

    void logPanelReceivesSpdlogLines() {
        MainWindow w(options());
        LogPanel* log = w.logPanel();
        spdlog::info("ui test line {}", 42);
        // From another thread too, as core jobs log.
        std::thread([] { spdlog::warn("ui test warning from a worker"); }).join();
        QTRY_VERIFY(log->text().contains("ui test line 42"));
        QTRY_VERIFY(log->text().contains("ui test warning from a worker"));
        QVERIFY(log->text().contains("warning"));

        // A second panel (and its removal) must not disturb the first.
        { LogPanel other; }
        spdlog::info("after the second panel");
        QTRY_VERIFY(log->text().contains("after the second panel"));
    }

    void gpuStatusShowsMemory() {
        MainWindowOptions o = options();
        o.monitorGpus = true;
        o.gpuPollIntervalMs = 50;
        o.gpuProbe = fakeGpu;
        MainWindow w(o);
        QTRY_VERIFY(w.gpuStatus()->text().contains("Test GPU 24GB"));
        QVERIFY2(w.gpuStatus()->text().contains("2.0 / 24.0 GiB"), qPrintable(w.gpuStatus()->text()));
        QVERIFY(w.gpuStatus()->toolTip().contains("pid 4242"));
        // The memory plan offers (and picks) the detected card.
        QComboBox* gpu = w.modelsPage()->detail()->memoryPlan()->gpuChoice();
        QVERIFY(gpu->currentText().contains("Test GPU 24GB"));

        MainWindowOptions none = options();
        none.monitorGpus = true;
        none.gpuProbe = noGpu;
        MainWindow w2(none);
        QTRY_COMPARE(w2.gpuStatus()->text(), QStringLiteral("No GPU"));
        QCOMPARE(w2.gpuStatus()->toolTip(), QStringLiteral("no NVIDIA driver (test)"));
        QVERIFY(w2.modelsPage()->detail()->memoryPlan()->gpuChoice()->currentText().startsWith("16 GB"));
    }

    // User trial: "Battery done. Saved: /tmp/.../runs/2026...json" was cut mid-word and ran into
    // the library label. A long message is elided in the middle (both ends of the path stay),
    // whole in the tooltip, with a gap before the permanent widgets; re-elided on resize.
    void longStatusMessagesAreElidedInTheMiddle() {
        MainWindow w(options(demoLibrary()));
        w.resize(1152, 720);
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        auto* bar = qobject_cast<StatusBar*>(w.statusBar());
        QVERIFY(bar);
        auto* library = bar->findChild<QLabel*>(QStringLiteral("libraryStatus"));
        QVERIFY(library && library->isVisible());
        const QString full = QStringLiteral("Battery done. Saved: %1/runs/2026-12-05T07-30-12Z-tinystories-qwen3-7m-vs-tinystories-qwen3-7m-awq-battery.json")
                                 .arg(QString(QLatin1Char('x')).repeated(400));
        Q_EMIT w.modelsPage()->statusMessage(full);
        for (const QSize size : {QSize(1152, 720), QSize(1280, 800), QSize(1920, 1080)}) {
            w.resize(size);
            QCoreApplication::processEvents();
            const QString shown = bar->currentMessage();
            const QString where = QStringLiteral("%1x%2: %3").arg(size.width()).arg(size.height()).arg(shown);
            QVERIFY2(shown != full && shown.contains(QChar(0x2026)), qPrintable(where));
            QVERIFY2(shown.startsWith(QLatin1String("Battery done. Saved: ")) && shown.endsWith(QLatin1String("-battery.json")), qPrintable(where));
            // It ends at least StatusBar::kGap before the library label (painted from x = 6).
            QVERIFY2(6 + bar->fontMetrics().horizontalAdvance(shown) + StatusBar::kGap <= library->x(), qPrintable(where));
            QCOMPARE(bar->toolTip(), full);
        }
        // Fresh-user trial (Compare page): the permanent widgets grew after the message was elided
        // (the library label's or the GPU status's text changed, the bar kept its width) and the
        // message ran into them ("...-vs-tinystories-qwe1 library folder"). Their move re-elides it.
        w.resize(1152, 720);
        Q_EMIT w.modelsPage()->statusMessage(full);
        QCoreApplication::processEvents();
        const int before = library->x();
        library->setText(library->text() + QStringLiteral(" · and a much longer permanent label than before"));
        QTRY_VERIFY(library->x() < before);
        {
            const QString shown = bar->currentMessage();
            QVERIFY2(shown.endsWith(QLatin1String("-battery.json")), qPrintable(shown));
            QVERIFY2(6 + bar->fontMetrics().horizontalAdvance(shown) + StatusBar::kGap <= library->x(),
                     qPrintable(QStringLiteral("%1 (label at x=%2)").arg(shown).arg(library->x())));
            QCOMPARE(bar->toolTip(), full);
        }
        // A short message is shown whole, without a tooltip; a cleared one leaves none behind.
        Q_EMIT w.modelsPage()->statusMessage(QStringLiteral("Rescanned"));
        QCOMPARE(bar->currentMessage(), QStringLiteral("Rescanned"));
        QVERIFY(bar->toolTip().isEmpty());
        Q_EMIT w.modelsPage()->statusMessage(full);
        QVERIFY(!bar->toolTip().isEmpty());
        bar->clearMessage();
        QVERIFY(bar->toolTip().isEmpty());
    }

    void dropAddsAFolderAsLibraryRoot() {
        const fs::path lib = root() / "dropped";
        test::copyFixtureModel("tinystories-656k", lib / "dropped-model");
        test::writeSmallGguf(root() / "loose" / "loose.gguf", "loose-gguf");
        std::ofstream(root() / "notes.txt") << "not a model";

        MainWindow w(options());
        const QStringList before = w.libraryFolders();

        // Drag enter: folders and .gguf files are welcome, other files are not.
        std::unique_ptr<QMimeData> text(urlsMime({toQString(root() / "notes.txt")}));
        QDragEnterEvent refused(QPoint(5, 5), Qt::CopyAction, text.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &refused);
        QVERIFY(!refused.isAccepted());
        std::unique_ptr<QMimeData> folder(urlsMime({toQString(lib)}));
        QDragEnterEvent welcome(QPoint(5, 5), Qt::CopyAction, folder.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &welcome);
        QVERIFY(welcome.isAccepted());

        // Drop: the folder becomes a root, is saved, and the library is rescanned.
        QSignalSpy finished(w.modelsPage(), &ModelsPage::scanFinished);
        QDropEvent drop(QPointF(5, 5), Qt::CopyAction, folder.get(), Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&w, &drop);
        QVERIFY(drop.isAccepted());
        QCOMPARE(w.libraryFolders(), before + QStringList{toQString(lib)});
        QVERIFY(w.settings().libraryFolders().contains(toQString(lib)));
        QVERIFY(finished.wait(60000));
        QVERIFY(w.modelsPage()->catalog()->rowOfName(QStringLiteral("dropped-model")) >= 0);

        // A .gguf file dropped on its own is listed too.
        std::unique_ptr<QMimeData> gguf(urlsMime({toQString(root() / "loose" / "loose.gguf")}));
        QVERIFY(w.handleDrop(gguf.get()));
        QTRY_VERIFY_WITH_TIMEOUT(w.modelsPage()->catalog()->rowOfName(QStringLiteral("loose-gguf")) >= 0, 60000);
        QTRY_VERIFY(!w.modelsPage()->isScanning());

        // Dropping the same folder again adds nothing.
        QVERIFY(!w.handleDrop(folder.get()));
        QCOMPARE(w.libraryFolders().count(toQString(lib)), 1);
    }

    void settingsPersistAndApply() {
        const QString file = tmp_.filePath(QStringLiteral("persist.ini"));
        const QString deployFile = tmp_.filePath(QStringLiteral("persist-deploy.json"));
        // Folders are kept clean (no "..", no trailing slash), as the user reads them in Settings.
        const QString mistral = QDir::cleanPath(toQString(test::modelDir("mistral-random")));
        const QString qwen2 = QDir::cleanPath(toQString(test::modelDir("qwen2-random")));
        const fs::path pool = root() / "warm-pool";
        test::copyFixtureModel("qwen2-random-awq", pool / "pooled");
        {
            MainWindowOptions o = options();
            o.settingsFile = file;
            o.deploySettingsFile = deployFile;
            MainWindow w(o);
            // First start: the bundled demo library.
            const fs::path demo = findDemoLibrary(toPath(QCoreApplication::applicationDirPath()));
            QVERIFY(!demo.empty());
            QCOMPARE(w.libraryFolders(), QStringList{toQString(demo)});

            QSignalSpy finished(w.modelsPage(), &ModelsPage::scanFinished);
            w.applySettings({toQString(test::modelDir("mistral-random")), toQString(test::modelDir("mistral-random")) + "/"},
                            toQString(pool));
            QCOMPARE(w.libraryFolders(), QStringList{mistral});   // duplicates dropped
            QVERIFY(finished.wait(60000));
            QCOMPARE(w.modelsPage()->catalog()->rowCount(), 2);
            const int row = w.modelsPage()->catalog()->rowOfName(QStringLiteral("pooled"));
            QCOMPARE(w.modelsPage()->catalog()->index(row, CatalogTableModel::Origin).data().toString(), QStringLiteral("Warm pool"));
            w.close();
        }
        {
            MainWindowOptions o = options();
            o.settingsFile = file;
            o.deploySettingsFile = deployFile;
            MainWindow w(o);
            QCOMPARE(w.libraryFolders(), QStringList{mistral});
            QCOMPARE(w.warmPool(), toQString(pool));
            QVERIFY(!w.libraryOverridden());
        }
        {
            // --library overrides for one run without touching the saved folders.
            MainWindowOptions o = options(QStringList{qwen2});
            o.settingsFile = file;
            o.deploySettingsFile = deployFile;
            MainWindow w(o);
            QVERIFY(w.libraryOverridden());
            QCOMPARE(w.libraryFolders(), QStringList{qwen2});
            QCOMPARE(w.settings().libraryFolders(), QStringList{mistral});
            QCOMPARE(w.warmPool(), toQString(pool));
        }
        {
            // --warm-pool likewise.
            MainWindowOptions o = options();
            o.settingsFile = file;
            o.deploySettingsFile = deployFile;
            o.warmPoolOverride = tmp_.filePath(QStringLiteral("other-pool"));
            MainWindow w(o);
            QCOMPARE(w.warmPool(), tmp_.filePath(QStringLiteral("other-pool")));
            w.showPlace(Place::Deploy);   // still the command line's, not deploy.json's
            QCOMPARE(w.warmPool(), tmp_.filePath(QStringLiteral("other-pool")));
            QCOMPARE(readWarmPool(deployFile), toQString(pool));   // --warm-pool is not saved
            QCOMPARE(w.libraryFolders(), QStringList{mistral});
        }
    }

    // The first start (nothing saved) opens within the screen: 1280x800 was taken whatever its size.
    void firstStartFitsTheScreen() {
        MainWindow w(options(demoLibrary()));
        const QSize room = QGuiApplication::primaryScreen()->availableGeometry().size();
        qInfo("screen %dx%d, window %dx%d", room.width(), room.height(), w.width(), w.height());
        QVERIFY2(w.width() <= room.width() && w.height() <= room.height(),
                 qPrintable(QStringLiteral("%1x%2 on a %3x%4 screen").arg(w.width()).arg(w.height()).arg(room.width()).arg(room.height())));
        QVERIFY(w.width() >= std::min(1280, room.width() * 8 / 10));
    }

    // Issue 14 item 6: after every page was shown (pages grow their minimum as they fill), the
    // window still fits a 1280x720 screen, and 800x500: a 1600x1000 screen at QT_SCALE_FACTOR=2
    // (the layout is the same in logical pixels). There the status bar and the log stay inside
    // the window and pages scroll instead.
    void fitsSmallScreens() {
        MainWindow w(options(demoLibrary()));
        w.resize(1280, 720);
        showEveryPlace(w);
        if (QTest::currentTestFailed()) return;
#ifdef AWQBENCH_UI_WITH_ENGINE
        for (int t = 0; t < w.comparePage()->tabs()->count(); ++t) {
            w.comparePage()->tabs()->setCurrentIndex(t);
            QCoreApplication::processEvents();

        }
#endif
        const QSize min = w.minimumSizeHint().expandedTo(w.minimumSize());
        qInfo("window minimum %dx%d", min.width(), min.height());
        QVERIFY2(min.width() <= 800 && min.height() <= 500, qPrintable(QStringLiteral("minimum %1x%2").arg(min.width()).arg(min.height())));
        // At 1280x720 each page fits its width: no sideways scrolling at scale 1.
        for (int i = 0; i < w.placeCount(); ++i) {
            QWidget* page = w.page(static_cast<Place>(i));
            qInfo("%s page minimum %dx%d", qPrintable(w.placeName(i)), page->minimumSizeHint().width(), page->minimumSizeHint().height());
            QVERIFY2(page->minimumSizeHint().width() <= 1280 - 160,
                     qPrintable(QStringLiteral("%1 needs %2 px").arg(w.placeName(i)).arg(page->minimumSizeHint().width())));
        }
#ifdef AWQBENCH_UI_WITH_ENGINE
        // The Compare page is the tallest: with its models and settings folded away it fits a
        // 1280x720 window with the log open, no scrolling.
        w.showPlace(Place::Compare);
        w.comparePage()->setSetupExpanded(false);
        QCoreApplication::processEvents();
        auto* scroll = w.findChild<QScrollArea*>(QStringLiteral("compareScroll"));
        QVERIFY(scroll && scroll->isAncestorOf(w.comparePage()));
        QTRY_COMPARE(scroll->verticalScrollBar()->maximum(), 0);   // nothing to scroll
        QVERIFY2(w.comparePage()->height() <= scroll->viewport()->height(),
                 qPrintable(QStringLiteral("%1 > %2").arg(w.comparePage()->height()).arg(scroll->viewport()->height())));
        QVERIFY(w.comparePage()->findChild<QLabel*>(QStringLiteral("compareSetupSummary"))->text().startsWith(QLatin1String("A = ")));
        // Unfolded, the page is taller than that: it scrolls.
        w.comparePage()->setSetupExpanded(true);
        QTRY_VERIFY(scroll->verticalScrollBar()->maximum() > 0);
#endif
        w.resize(800, 500);
        QCoreApplication::processEvents();
        QCOMPARE(w.size(), QSize(800, 500));
        QVERIFY(w.statusBar()->isVisible());
        QVERIFY(w.rect().contains(w.statusBar()->geometry()));
        QVERIFY(w.logDock()->isVisible());
        QVERIFY(w.rect().contains(w.logDock()->geometry()));
        QVERIFY(w.logDock()->height() >= 40);
    }

    // Fresh-user trial: a warm-pool copy of a library model (same name). --select NAME and the
    // Quantize page's default source took the copy; the Compare page's first pair was the copy and
    // an unrelated model. The library's model is meant, and the first pair is it and its sibling.
    void libraryCopyBeforeTheWarmPoolCopy() {
        const fs::path pool = root() / "pool-same-name";
        test::copyFixtureModel("tinystories-qwen3-7m", pool / "tinystories-qwen3-7m");
        // The pool's copy is the only other model the Quantize page could default to.
        MainWindowOptions o = options(QStringList{toQString(test::modelDir("tinystories-qwen3-7m-awq")), toQString(test::modelDir("tinystories-qwen3-7m"))});
        o.warmPoolOverride = toQString(pool);
        MainWindow w(o);
        w.resize(1280, 800);
        w.show();
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        w.rescan();
        QVERIFY(scanned.wait(60000));
        const QString library = QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m")));
        QVERIFY(w.modelsPage()->selectModel(QStringLiteral("tinystories-qwen3-7m")));
        QCOMPARE(QDir::cleanPath(toQString(w.modelsPage()->selectedEntry()->path)), library);
        QCOMPARE(w.modelsPage()->selectedEntry()->origin, ModelOrigin::Library);
#ifdef AWQBENCH_UI_WITH_ENGINE
        QCOMPARE(w.quantizePage()->sourcePicker()->currentPath(), library);
        QCOMPARE(w.comparePage()->pickerA()->currentPath(), library);
        QCOMPARE(w.comparePage()->pickerB()->currentPath(), QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m-awq"))));
#endif
    }

    // Issue 14 item 10: the warm pool is set from the Deploy page and Settings' OK keeps the page.
    void warmPoolIsSetOutsideSettings() {
        const fs::path pool = root() / "pool-from-deploy";
        test::copyFixtureModel("tinystories-656k", pool / "pooled-story");
        MainWindow w(options(QStringList{toQString(test::modelDir("qwen2-random"))}));
        w.showPlace(Place::Deploy);
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        Q_EMIT w.deployPage()->warmPoolChosen(toQString(pool));   // what "Change…" emits after its folder dialog
        QCOMPARE(w.warmPool(), toQString(pool));
        // Saved where awqbench-cli keeps it: "pool" in deploy.json.
        QCOMPARE(toQString(deploy::loadSettings(toPath(w.deploySettingsFile())).pool), toQString(pool));
        QCOMPARE(w.deployPage()->warmPool(), toQString(pool));
        QCOMPARE(w.currentPlace(), Place::Deploy);
        QVERIFY(scanned.wait(60000));
        QVERIFY(w.modelsPage()->catalog()->rowOfName(QStringLiteral("pooled-story")) >= 0);

        w.applySettings({toQString(test::modelDir("qwen2-random"))}, toQString(pool));   // the Settings dialog's OK
        QCOMPARE(w.currentPlace(), Place::Deploy);
        QVERIFY(scanned.wait(60000));
    }

    // The GUI and awqbench-cli share one pool folder: "pool" in deploy.json. A pool set by
    // `pool config --pool DIR` shows on the Deploy page; one chosen in the GUI reaches deploy.json;
    // one an older GUI kept in its own settings moves there once (unless deploy.json names one).
    void warmPoolLivesInDeployJson() {
        const fs::path cliPool = root() / "cli-pool";
        fs::create_directories(cliPool);
        {
            MainWindowOptions o = options();
            deploy::DeploySettings s;
            s.pool = cliPool;   // what `awqbench-cli pool config --pool DIR` saves
            deploy::saveSettings(toPath(o.deploySettingsFile), s);
            MainWindow w(o);
            QCOMPARE(w.warmPool(), toQString(cliPool));
            QCOMPARE(w.deployPage()->poolLabel()->text(), QStringLiteral("Warm pool: ") + toQString(cliPool));
            const fs::path chosen = root() / "gui-pool";
            fs::create_directories(chosen);
            Q_EMIT w.deployPage()->warmPoolChosen(toQString(chosen));   // Change…
            QCOMPARE(toQString(deploy::loadSettings(toPath(o.deploySettingsFile)).pool), toQString(chosen));
            // `pool config --pool` while the window is open: the Deploy page shows it when visited.
            w.showPlace(Place::Models);
            writeWarmPool(o.deploySettingsFile, toQString(cliPool));
            w.showPlace(Place::Deploy);
            QCOMPARE(w.warmPool(), toQString(cliPool));
            QCOMPARE(w.deployPage()->poolLabel()->text(), QStringLiteral("Warm pool: ") + toQString(cliPool));
        }
        {
            // Migration: the old QSettings value moves into deploy.json, targets and budget kept.
            MainWindowOptions o = options();
            QSettings(o.settingsFile, QSettings::IniFormat).setValue(QStringLiteral("library/warmPool"), toQString(cliPool));
            deploy::DeploySettings s;
            s.poolBudgetBytes = 100ull << 20;
            deploy::DeployTarget t;
            t.name = "prime";
            t.composeFile = root() / "stack" / "docker-compose.yml";
            deploy::upsertTarget(s, t);
            deploy::saveSettings(toPath(o.deploySettingsFile), s);
            MainWindow w(o);
            QCOMPARE(w.warmPool(), toQString(cliPool));
            const auto after = deploy::loadSettings(toPath(o.deploySettingsFile));
            QCOMPARE(toQString(after.pool), toQString(cliPool));
            QCOMPARE(after.poolBudgetBytes, 100ull << 20);
            QVERIFY(after.find("prime"));
            QVERIFY(w.settings().legacyWarmPool().isEmpty());   // moved once
        }
        {
            // deploy.json's own pool wins over an old GUI value (which is then forgotten).
            MainWindowOptions o = options();
            QSettings(o.settingsFile, QSettings::IniFormat).setValue(QStringLiteral("library/warmPool"), tmp_.filePath(QStringLiteral("old-pool")));
            writeWarmPool(o.deploySettingsFile, toQString(cliPool));
            MainWindow w(o);
            QCOMPARE(w.warmPool(), toQString(cliPool));
            QCOMPARE(readWarmPool(o.deploySettingsFile), toQString(cliPool));
            QVERIFY(w.settings().legacyWarmPool().isEmpty());
        }
    }

    // Issue 14 item 10: the pool's "Add model…" offers the library's models (not the pool's own),
    // model rows have actions, and Help has the guide with the CLI equivalents.
    void modelActionsAndPoolAddMenu() {
        const fs::path pool = root() / "pool-for-menu";
        fs::create_directories(pool);
        const QString fp16 = QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m")));
        const QString awq = QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        const QString small = QDir::cleanPath(toQString(test::modelDir("tinystories-656k")));
        MainWindowOptions o = options(QStringList{fp16, awq, small});
        o.warmPoolOverride = toQString(pool);
        MainWindow w(o);
        w.deployPage()->setSettingsFile(tmp_.filePath(QStringLiteral("deploy-menu.json")));
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        w.rescan();
        QVERIFY(scanned.wait(60000));

        auto entryOf = [&](const QString& path) { return w.modelsPage()->catalog()->entry(w.modelsPage()->catalog()->rowOfPath(path)); };
        auto actionNamed = [](QMenu* menu, const QString& text) -> QAction* {
            for (QAction* a : menu->actions())
                if (a->text() == text) return a;
            return nullptr;
        };
        std::unique_ptr<QMenu> fp16Menu(w.modelsPage()->contextMenuFor(entryOf(fp16)));
        std::unique_ptr<QMenu> awqMenu(w.modelsPage()->contextMenuFor(entryOf(awq)));
        QVERIFY(actionNamed(fp16Menu.get(), QStringLiteral("Quantize…"))->isEnabled());
        QVERIFY(!actionNamed(awqMenu.get(), QStringLiteral("Quantize…"))->isEnabled());   // already AWQ
        QVERIFY(actionNamed(fp16Menu.get(), QStringLiteral("Add to warm pool"))->isEnabled());
        QVERIFY(actionNamed(fp16Menu.get(), QStringLiteral("Open folder")));
        auto* compareWith = fp16Menu->findChild<QMenu*>(QStringLiteral("compareWithMenu"));
        QVERIFY(compareWith);
        // The AWQ copy (same vocabulary) directly; tinystories-656k (another vocabulary) under "Other models".
        int direct = 0;
        for (QAction* a : compareWith->actions()) direct += a->data().toString().isEmpty() ? 0 : 1;
        QCOMPARE(direct, 1);
        auto* otherModels = compareWith->findChild<QMenu*>(QStringLiteral("compareWithOtherMenu"));
        QVERIFY(otherModels);
        QCOMPARE(otherModels->actions().size(), 1);
        QCOMPARE(otherModels->actions().constFirst()->data().toString(), small);

#ifdef AWQBENCH_UI_WITH_ENGINE
        // Compare with, from the AWQ row: the original becomes A (the reference), the AWQ model B.
        auto* awqCompare = awqMenu->findChild<QMenu*>(QStringLiteral("compareWithMenu"));
        QAction* withFp16 = nullptr;
        for (QAction* a : awqCompare->actions())
            if (a->data().toString() == fp16) withFp16 = a;
        QVERIFY(withFp16);
        withFp16->trigger();
        QCOMPARE(w.currentPlace(), Place::Compare);
        QCOMPARE(w.comparePage()->pickerA()->currentPath(), fp16);
        QCOMPARE(w.comparePage()->pickerB()->currentPath(), awq);

        actionNamed(fp16Menu.get(), QStringLiteral("Quantize…"))->trigger();
        QCOMPARE(w.currentPlace(), Place::Quantize);
        QCOMPARE(w.quantizePage()->sourcePicker()->currentPath(), fp16);
#endif

        // The pool's Add menu lists the library's models by name; choosing one copies it.
        w.deployPage()->fillAddMenu();
        QStringList offered;
        QAction* addSmall = nullptr;
        for (QAction* a : w.deployPage()->addMenu()->actions()) {
            if (a->data().toString().isEmpty()) continue;
            offered << a->text();
            if (a->data().toString() == small) addSmall = a;
        }
        offered.sort();
        QCOMPARE(offered, (QStringList{"tinystories-656k", "tinystories-qwen3-7m", "tinystories-qwen3-7m-awq"}));
        QVERIFY(actionNamed(w.deployPage()->addMenu(), QStringLiteral("Other folder…")));
        QSignalSpy copied(w.deployPage(), &DeployPage::jobFinished);
        addSmall->trigger();
        QVERIFY(copied.wait(60000));
        QVERIFY2(copied.first().at(0).toBool(), qPrintable(copied.first().at(2).toString()));
        QVERIFY(fs::exists(pool / "tinystories-656k" / "config.json"));

        // Help: the guide names the CLI command of each action.
        const QString guide = quickGuideHtml();
        for (const char* command : {"awqbench-cli models list", "awqbench-cli quantize --model", "awqbench-cli compare --a",
                                    "awqbench-cli pool add", "awqbench-cli pool config --pool", "awqbench-cli promote --model",
                                    "awqbench-cli report RUN.json", "awqbench-cli serve --model", "--a-model NAME --b DIR", "--timeline",
                                    "awqbench-cli profile --model"})
            QVERIFY2(guide.contains(QLatin1String(command)), command);
        QVERIFY(w.findChild<QAction*>(QStringLiteral("quickGuideAction")));
    }

    // Every input field of every place (and of the dialogs) is named by a label, a placeholder or a
    // prefix: a field named only by its tooltip is invisible to screen readers and to a new user.
    void everyInputFieldIsNamed() {
        MainWindow w(options(demoLibrary()));
        showEveryPlace(w);
        if (QTest::currentTestFailed()) return;
        const QStringList inWindow = test::unnamedInputs(w);
        QVERIFY2(inWindow.isEmpty(), qPrintable(inWindow.join(QStringLiteral(", "))));
        SettingsDialog settings;
        QVERIFY2(test::unnamedInputs(settings).isEmpty(), qPrintable(test::unnamedInputs(settings).join(QStringLiteral(", "))));
        TargetDialog target;
        QVERIFY2(test::unnamedInputs(target).isEmpty(), qPrintable(test::unnamedInputs(target).join(QStringLiteral(", "))));
    }

    // User trial fault 1: `--library A --library B` (and --warm-pool) hold for one run and are not
    // saved; Settings shows the saved settings, and OK without changes keeps both the saved
    // settings and this run's override (it used to save A, B as the library).
    void settingsOkKeepsCommandLineFoldersUnsaved() {
        const QString a = QDir::cleanPath(toQString(test::modelDir("qwen2-random")));
        const QString b = QDir::cleanPath(toQString(test::modelDir("mistral-random")));
        const QString pool = tmp_.filePath(QStringLiteral("session-pool"));
        QDir().mkpath(pool);
        MainWindowOptions o = options(QStringList{a, b});
        o.warmPoolOverride = pool;
        MainWindow w(o);
        const QStringList saved = w.settings().libraryFolders();   // the first start's demo library
        QVERIFY(!saved.isEmpty());
        QVERIFY(!saved.contains(a));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));

        // Opens Settings, lets `edit` look at / change the dialog, then presses OK.
        auto okSettings = [&](const std::function<void(SettingsDialog&)>& edit) {
            bool seen = false;
            QTimer::singleShot(0, &w, [&] {
                auto* d = qobject_cast<SettingsDialog*>(QApplication::activeModalWidget());
                if (!d) return;
                seen = true;
                edit(*d);
                d->accept();
            });
            w.openSettings();
            QVERIFY(seen);
        };
        okSettings([&](SettingsDialog& d) {
            QCOMPARE(d.libraryFolders(), saved);
            QCOMPARE(d.warmPool(), QString());   // none saved
            auto* note = d.findChild<QLabel*>(QStringLiteral("sessionNote"));
            QVERIFY(note && note->isVisibleTo(&d));
            QVERIFY(note->text().contains(a) && note->text().contains(b) && note->text().contains(pool));
        });
        if (QTest::currentTestFailed()) return;
        QCOMPARE(w.settings().libraryFolders(), saved);
        QCOMPARE(QSettings(o.settingsFile, QSettings::IniFormat).value(QStringLiteral("library/folders")).toStringList(), saved);
        QCOMPARE(toQString(deploy::loadSettings(toPath(o.deploySettingsFile)).pool), QString());
        QCOMPARE(w.libraryFolders(), (QStringList{a, b}));   // the override holds for the run
        QVERIFY(w.libraryOverridden());
        QCOMPARE(w.warmPool(), pool);
        QVERIFY(w.warmPoolOverridden());

        // A changed saved library is saved and replaces the command line's for the rest of the run;
        // the unchanged pool keeps its override.
        okSettings([&](SettingsDialog& d) { d.setLibraryFolders({b}); });
        if (QTest::currentTestFailed()) return;
        QCOMPARE(w.settings().libraryFolders(), QStringList{b});
        QCOMPARE(w.libraryFolders(), QStringList{b});
        QVERIFY(!w.libraryOverridden());
        QCOMPARE(w.warmPool(), pool);
        QCOMPARE(toQString(deploy::loadSettings(toPath(o.deploySettingsFile)).pool), QString());

        // The note now names only what still holds.
        okSettings([&](SettingsDialog& d) {
            const QString note = d.findChild<QLabel*>(QStringLiteral("sessionNote"))->text();
            QVERIFY(note.contains(pool));
            QVERIFY(!note.contains(QStringLiteral("--library")));
        });
    }

    // User trial: at 1152x720 (and so at 1280x720) the Models, Quantize, Deploy and Reports pages
    // fit without scrolling; the catalog shows three whole models and its Status column; the Deploy
    // tables share the height (targets showed 1.5 rows at 1920x1080 beside an empty pool table).
    void pagesFit1152x720() {
        MainWindow w(options(demoLibrary()));
        w.resize(1152, 720);
        showEveryPlace(w);
        if (QTest::currentTestFailed()) return;
        auto scrollOf = [](QWidget* page) {
            for (QWidget* p = page; p; p = p->parentWidget())
                if (auto* s = qobject_cast<QScrollArea*>(p)) return s;
            return static_cast<QScrollArea*>(nullptr);
        };
        for (Place place : {Place::Models, Place::Quantize, Place::Deploy, Place::Reports}) {
            if (!w.page(place)) continue;   // Quantize: builds without the engine
            w.showPlace(place);
            QScrollArea* scroll = scrollOf(w.page(place));
            QVERIFY(scroll);
            QTRY_VERIFY2(scroll->verticalScrollBar()->maximum() == 0,
                         qPrintable(QStringLiteral("%1 scrolls by %2 px").arg(w.placeName(int(place))).arg(scroll->verticalScrollBar()->maximum())));
            QCOMPARE(scroll->horizontalScrollBar()->maximum(), 0);
        }

        w.showPlace(Place::Models);
        auto* table = w.modelsPage()->findChild<QTableView*>(QStringLiteral("modelTable"));
        QVERIFY(table);
        // The table gets the room (it showed ~3.5 rows, and the splitter could not enlarge it).
        QTRY_VERIFY2(table->viewport()->height() >= 7 * table->verticalHeader()->defaultSectionSize(),
                     qPrintable(QStringLiteral("%1 px").arg(table->viewport()->height())));
        QCOMPARE(table->horizontalScrollBar()->maximum(), 0);   // Status is not cut at the right edge
        const int statusRight = table->horizontalHeader()->sectionViewportPosition(CatalogTableModel::Status) +
                                table->horizontalHeader()->sectionSize(CatalogTableModel::Status);
        QVERIFY2(statusRight <= table->viewport()->width(), qPrintable(QStringLiteral("%1 > %2").arg(statusRight).arg(table->viewport()->width())));

        for (const QSize size : {QSize(1152, 720), QSize(1920, 1080)}) {
            w.resize(size);
            w.showPlace(Place::Deploy);
            QCoreApplication::processEvents();
            auto* pool = w.deployPage()->findChild<QTableWidget*>(QStringLiteral("poolTable"));
            auto* targets = w.deployPage()->findChild<QTableWidget*>(QStringLiteral("targetTable"));
            auto* history = w.deployPage()->findChild<QTableWidget*>(QStringLiteral("historyTable"));
            QVERIFY(pool && targets && history);
            const int row = targets->verticalHeader()->defaultSectionSize();
            for (QTableWidget* t : {pool, targets, history})
                QTRY_VERIFY2(t->viewport()->height() >= 2 * row, qPrintable(t->objectName()));
            // The pool table gets the room first (it showed about two rows at 1152x720).
            QTRY_VERIFY2(pool->viewport()->height() >= 4 * row, qPrintable(QStringLiteral("pool %1 px").arg(pool->viewport()->height())));
            if (size.height() >= 1080) {
                // The extra height is shared, not all given to the pool.
                QVERIFY2(targets->height() >= pool->height() / 2 && history->height() >= pool->height() / 3,
                         qPrintable(QStringLiteral("pool %1, targets %2, history %3").arg(pool->height()).arg(targets->height()).arg(history->height())));
                QVERIFY(targets->viewport()->height() >= 4 * row);
            }
        }
    }

    void settingsDialogEditsFolders() {
        SettingsDialog d;
        d.setLibraryFolders({"/models/a", "/models/b"});
        d.addFolder("/models/c");
        d.addFolder("/models/a");   // already there
        d.addFolder("/models/b/");  // same folder, written differently
        QCOMPARE(d.libraryFolders(), (QStringList{"/models/a", "/models/b", "/models/c"}));
        d.setWarmPool("/srv/warm-pool");
        QCOMPARE(d.warmPool(), QStringLiteral("/srv/warm-pool"));
    }
};

QTEST_MAIN(MainWindowTest)
#include "test_main_window.moc"
