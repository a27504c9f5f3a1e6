#include "ui/shell/main_window.h"

#include "ui/util/catalog_text.h"
#include "ui/models/models_page.h"
#include "ui/deploy/deploy_page.h"
#include "ui/shell/warm_pool_setting.h"
#include "ui/pages/placeholder_page.h"
#include "ui/reports/reports_page.h"
#ifdef AWQBENCH_UI_WITH_ENGINE
#include "ui/compare/compare_page.h"
#include "ui/quantize/quantize_page.h"
#endif
#include "ui/shell/app_settings.h"
#include "ui/shell/drop_paths.h"
#include "ui/shell/gpu_status_widget.h"
#include "ui/shell/log_panel.h"
#include "ui/shell/quick_guide.h"
#include "ui/shell/status_bar.h"
#include "ui/shell/settings_dialog.h"
#include "ui/util/icons.h"
#include "ui/util/system_monitor.h"
#include "ui/util/view_style.h"

#include "ui/util/path_text.h"

#include "core/deploy/deploy_settings.h"
#include "core/util/error.h"
#include "core/util/logging.h"

#include <QAbstractButton>
#include <QAction>
#include <QGuiApplication>
#include <QScreen>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileInfo>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QScrollArea>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

#ifndef AWQBENCH_VERSION
#define AWQBENCH_VERSION "dev"
#endif

namespace awq::ui {
namespace {

// Holds a page inside its scroll area: the scroll area gives the holder the viewport's size, never
// less than the page's minimum, and the holder gives it to the page. The page is not the scroll
// area's widget itself because its word-wrapped labels give it a height-for-width, which
// QScrollArea honours with the page's preferred height: the page would always scroll. When the
// page's minimum changes (a pane folded or shown), the scroll area fits it again.
class PageHolder final : public QWidget {
public:
    PageHolder(QWidget* page, QScrollArea* scroll) : page_(page), scroll_(scroll) {
        page->setParent(this);
        page->installEventFilter(this);
    }
    QSize minimumSizeHint() const override { return page_->minimumSizeHint(); }
    QSize sizeHint() const override { return page_->minimumSizeHint(); }

protected:
    void resizeEvent(QResizeEvent*) override { page_->setGeometry(rect()); }
    bool eventFilter(QObject* watched, QEvent* event) override {
        if (watched == page_ && event->type() == QEvent::LayoutRequest)
            QMetaObject::invokeMethod(this, [this] {
                updateGeometry();
                scroll_->setWidgetResizable(true);   // refits the holder to the viewport and the new minimum
            }, Qt::QueuedConnection);
        return false;
    }

private:
    QWidget* page_;
    QScrollArea* scroll_;
};

}  // namespace

namespace {
// The first start's size (no saved geometry): 1280x800, within 90% of the screen's free area (a
// 1366x768 laptop took a window taller than its screen); the pages scroll below that.
QSize firstStartSize() {
    const QScreen* screen = QGuiApplication::primaryScreen();
    if (!screen) return {1280, 800};
    const QSize room = screen->availableGeometry().size() * 0.9;
    return QSize(1280, 800).boundedTo(room);
}
}  // namespace

MainWindow::MainWindow(MainWindowOptions options, QWidget* parent)
    : QMainWindow(parent), options_(std::move(options)), settings_(std::make_unique<AppSettings>(options_.settingsFile)) {
    initResources();
    setObjectName(QStringLiteral("mainWindow"));
    setWindowTitle(tr("AWQ Workbench"));
    setWindowIcon(icon(QStringLiteral("awqbench")));
    setAcceptDrops(true);

    appDir_ = options_.applicationDir.isEmpty() ? QCoreApplication::applicationDirPath() : options_.applicationDir;
    settings_->applyFirstRunDefaults(appDir_);
    // The pool folder lives in deploy.json, where awqbench-cli reads and writes it.
    deployFile_ = options_.deploySettingsFile.isEmpty() ? toQString(deploy::defaultSettingsFile()) : options_.deploySettingsFile;
    try {
        if (const QString moved = migrateWarmPool(*settings_, deployFile_); !moved.isEmpty())
            spdlog::info("Warm pool {} moved from the GUI settings into {}", moved.toStdString(), deployFile_.toStdString());
    } catch (const Error& e) {
        spdlog::error("Warm pool not moved into {}: {}", deployFile_.toStdString(), e.what());
    }
    warmPool_ = options_.warmPoolOverride ? QDir::cleanPath(*options_.warmPoolOverride) : savedWarmPool();
    if (options_.warmPoolOverride) poolOverridden_ = true;
    if (options_.libraryOverride) {
        overridden_ = true;
        sessionFolders_ = normalizedFolders(*options_.libraryOverride);
        spdlog::info("Library for this run (--library): {}", sessionFolders_.join(QStringLiteral(", ")).toStdString());
    } else {
        sessionFolders_ = settings_->libraryFolders();
    }
    if (options_.warmPoolOverride) spdlog::info("Warm pool for this run (--warm-pool): {}", warmPool_.toStdString());
    monitor_ = new SystemMonitor(options_.gpuProbe, this);

    buildPlaces();
    buildStatusBar();
    buildActions();

    if (!restoreGeometry(settings_->windowGeometry())) resize(firstStartSize());
    defaultDockSizes_ = !restoreState(settings_->windowState());

    connect(monitor_, &SystemMonitor::sampled, this, [this](const SystemSample& sample) {
        gpuStatus_->showProbe(sample.gpus);
        models_->setGpus(sample.gpus);
    });
    if (options_.monitorGpus) monitor_->start(options_.gpuPollIntervalMs);

    pushRootsToModels();
    if (options_.scanOnStart) QTimer::singleShot(0, this, &MainWindow::rescan);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildPlaces() {
    sidebar_ = new QListWidget;
    sidebar_->setObjectName(QStringLiteral("places"));
    sidebar_->setIconSize(QSize(24, 24));
    sidebar_->setFrameShape(QFrame::NoFrame);
    sidebar_->setFixedWidth(150);
    sidebar_->setSpacing(2);
    applySoftSelection(sidebar_);
    sidebar_->setStyleSheet(QStringLiteral("QListWidget#places { background: palette(window); font-weight: 600; outline: 0; }"
                                           "QListWidget#places::item { padding: 8px 6px; border-radius: 4px; }"
                                           "QListWidget#places::item:selected { background: %1; color: palette(text); }")
                                .arg(sidebar_->palette().color(QPalette::Highlight).name()));

    stack_ = new QStackedWidget;
    models_ = new ModelsPage;

    for (int i = 0; i < kPlaceCount; ++i) {
        const auto place = static_cast<Place>(i);
        auto* item = new QListWidgetItem(icon(placeIconName(place)), placeTitle(place), sidebar_);
        item->setToolTip(tr("%1 (Ctrl+%2)").arg(placeTitle(place)).arg(i + 1));
        QWidget* w = place == Place::Models ? static_cast<QWidget*>(models_) : nullptr;
#ifdef AWQBENCH_UI_WITH_ENGINE
        if (place == Place::Quantize) w = quantize_ = new QuantizePage(monitor_);
        if (place == Place::Compare) w = compare_ = new ComparePage;
#endif
        if (place == Place::Deploy) {
            w = deploy_ = new DeployPage(monitor_);
            deploy_->setSettingsFile(deployFile_);
        }
        if (place == Place::Reports) {
            auto* reports = new ReportsPage(settings_->runsFolder());
            connect(reports, &ReportsPage::statusMessage, this, [this](const QString& text) { showStatus(text, 8000); });
            w = reports;
        }
        if (!w) w = new PlaceholderPage(place == Place::Quantize ? quantizePlaceholder() : comparePlaceholder());
        w->setObjectName(placeIconName(place) + QStringLiteral("Page"));
        pages_.push_back(w);
        // Each page scrolls instead of growing the window: the window fits 1280x720 and, at
        // QT_SCALE_FACTOR=2, a 1600x1000 screen, with the status bar and the log still on screen.
        auto* scroll = new QScrollArea;
        scroll->setObjectName(placeIconName(place) + QStringLiteral("Scroll"));
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        scroll->setWidget(new PageHolder(w, scroll));
        stack_->addWidget(scroll);
    }
    connect(sidebar_, &QListWidget::currentRowChanged, stack_, &QStackedWidget::setCurrentIndex);
    // awqbench-cli may have set another pool in deploy.json since: the Deploy page shows the current one.
    connect(sidebar_, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row == static_cast<int>(Place::Deploy)) reloadWarmPool();
    });
#ifdef AWQBENCH_UI_WITH_ENGINE
    // The pages pick their models from the Models page's catalog; a new model rescans it.
    quantize_->setCatalog(models_->catalog());
    // A new model written outside the library (the default models folder, a browsed folder) brings
    // its folder into the library, so that it is listed.
    connect(quantize_, &QuantizePage::modelCreated, this, [this](const QString& output) {
        const QString folder = QDir::cleanPath(QFileInfo(output).absolutePath());
        const bool listed = std::any_of(sessionFolders_.begin(), sessionFolders_.end(), [&](const QString& f) {
            return (folder + QLatin1Char('/')).startsWith(QDir::cleanPath(f) + QLatin1Char('/'));
        });
        if (!listed) rememberLibraryFolders({folder});
        models_->rescan();
    });
    connect(quantize_, &QuantizePage::outputFolderChosen, this, [this](const QString& folder) {
        settings_->setQuantizeOutputFolder(folder);
        settings_->sync();
    });
    compare_->setCatalog(models_->catalog());
    compare_->setRunsFolder(settings_->runsFolder());
    // A/B by path across restarts: the last pair comes back (once the scan lists it), and each A
    // brings back the B it was last compared with.
    if (const auto pair = settings_->lastComparePair(); !pair.a.isEmpty() && !pair.b.isEmpty()) compare_->restoreModels(pair.a, pair.b);
    compare_->setPartnerLookup([this](const QString& a) { return settings_->comparePartnerOf(a); });
    connect(compare_, &ComparePage::pairChosen, this, [this](const QString& a, const QString& b) {
        settings_->setComparePair(a, b);
        settings_->sync();
    });
    // A run the Compare page saves shows up in the Reports page's list.
    connect(compare_, &ComparePage::runSaved, qobject_cast<ReportsPage*>(page(Place::Reports)), &ReportsPage::refreshRuns);
    connect(quantize_, &QuantizePage::compareRequested, this, [this](const QString& source, const QString& quantized) {
        compare_->setModels(source, quantized);
        showPlace(Place::Compare);
    });
#endif
    // The Models page's row actions, and the pool's "Add model…" offering the library's models.
    deploy_->setLibrary(models_->catalog());
    connect(deploy_, &DeployPage::warmPoolChosen, this, &MainWindow::setWarmPool);
    connect(models_, &ModelsPage::addToPoolRequested, this, [this](const QString& path) {
        showPlace(Place::Deploy);
        deploy_->addModel(path);
    });
#ifdef AWQBENCH_UI_WITH_ENGINE
    connect(models_, &ModelsPage::quantizeRequested, this, [this](const QString& path) {
        quantize_->selectSource(path);
        showPlace(Place::Quantize);
    });
    // The unquantized model of the pair is A, the reference of KLD and agreement.
    connect(models_, &ModelsPage::compareRequested, this, [this](const QString& path, const QString& other) {
        auto quantized = [this](const QString& p) {
            const CatalogEntryPtr e = models_->catalog()->entry(models_->catalog()->rowOfPath(p));
            return e && e->info && e->info->config.quantization.method != QuantMethod::None;
        };
        if (quantized(path) && !quantized(other))
            compare_->setModels(other, path);
        else
            compare_->setModels(path, other);
        showPlace(Place::Compare);
    });
#endif
    sidebar_->setCurrentRow(0);

    auto* central = new QWidget;
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(sidebar_);
    auto* line = new QFrame;
    line->setFrameShape(QFrame::VLine);
    line->setFrameShadow(QFrame::Sunken);
    layout->addWidget(line);
    layout->addWidget(stack_, 1);
    setCentralWidget(central);

    log_ = new LogPanel;
    logDock_ = new QDockWidget(tr("Log"), this);
    logDock_->setObjectName(QStringLiteral("logDock"));
    logDock_->setWidget(log_);
    logDock_->setAllowedAreas(Qt::BottomDockWidgetArea | Qt::RightDockWidgetArea);
    addDockWidget(Qt::BottomDockWidgetArea, logDock_);
}

void MainWindow::showStatus(const QString& text, int timeoutMs) { statusBar_->showFullMessage(text, timeoutMs); }

void MainWindow::buildStatusBar() {
    statusBar_ = new StatusBar;
    setStatusBar(statusBar_);
    libraryLabel_ = new QLabel;
    libraryLabel_->setObjectName(QStringLiteral("libraryStatus"));
    gpuStatus_ = new GpuStatusWidget;
    statusBar_->addPermanentWidget(libraryLabel_);
    statusBar_->addPermanentWidget(gpuStatus_);
    connect(models_, &ModelsPage::statusMessage, this, [this](const QString& text) { showStatus(text, 8000); });
    connect(deploy_, &DeployPage::statusMessage, this, [this](const QString& text) { showStatus(text, 8000); });
#ifdef AWQBENCH_UI_WITH_ENGINE
    connect(quantize_, &QuantizePage::statusMessage, this, [this](const QString& text) { showStatus(text, 8000); });
    connect(compare_, &ComparePage::statusMessage, this, [this](const QString& text) { showStatus(text, 8000); });
#endif
    connect(log_, &LogPanel::warningLogged, this, [this](const QString& text) { showStatus(text, 8000); });
}

void MainWindow::buildActions() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QAction* addFolder = file->addAction(icon(QStringLiteral("folder-add")), tr("&Add library folder…"), this, &MainWindow::addFolderInteractive);
    addFolder->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_O));
    QAction* rescanAction = file->addAction(icon(QStringLiteral("rescan")), tr("&Rescan library"), this, &MainWindow::rescan);
    rescanAction->setShortcut(QKeySequence(Qt::Key_F5));
    file->addSeparator();
    QAction* prefs = file->addAction(icon(QStringLiteral("settings")), tr("&Settings…"), this, &MainWindow::openSettings);
    prefs->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Comma));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit->setMenuRole(QAction::QuitRole);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < kPlaceCount; ++i) {
        const auto place = static_cast<Place>(i);
        QAction* a = view->addAction(icon(placeIconName(place)), placeTitle(place), this, [this, place] { showPlace(place); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
        a->setObjectName(QStringLiteral("showPlace%1").arg(i + 1));
    }
    view->addSeparator();
    QAction* find = view->addAction(icon(QStringLiteral("search")), tr("&Filter models"), this, [this] {
        showPlace(Place::Models);
        models_->focusFilter();
    });
    find->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F));
    QAction* toggleLog = logDock_->toggleViewAction();
    toggleLog->setText(tr("&Log"));
    toggleLog->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    view->addAction(toggleLog);

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    QAction* guide = help->addAction(tr("&Quick guide and CLI equivalents"), this, [this] { showQuickGuide(this); });
    guide->setObjectName(QStringLiteral("quickGuideAction"));
    guide->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About AWQ Workbench"), this, &MainWindow::showAbout);

    // Shortcuts work wherever focus is, menus or not.
    for (QAction* a : {addFolder, rescanAction, prefs, quit, find, toggleLog}) a->setShortcutContext(Qt::ApplicationShortcut);
    for (QAction* a : view->actions()) a->setShortcutContext(Qt::ApplicationShortcut);
}

int MainWindow::placeCount() const { return sidebar_->count(); }

QString MainWindow::placeName(int index) const {
    const QListWidgetItem* item = sidebar_->item(index);
    return item ? item->text() : QString();
}

void MainWindow::showPlace(Place place) { sidebar_->setCurrentRow(static_cast<int>(place)); }

Place MainWindow::currentPlace() const { return static_cast<Place>(stack_->currentIndex()); }

QWidget* MainWindow::page(Place place) const { return pages_.value(static_cast<int>(place)); }

void MainWindow::pushRootsToModels() {
    models_->setRoots(makeRoots(sessionFolders_, warmPool_));
    deploy_->setWarmPool(warmPool_);
    updateLibraryLabel();
    updateQuantizeOutputFolder();
}

void MainWindow::updateQuantizeOutputFolder() {
    if (quantize_) quantize_->setOutputFolder(settings_->defaultQuantizeOutputFolder(sessionFolders_, appDir_));
}

void MainWindow::updateLibraryLabel() {
    QString text = countNoun(sessionFolders_.size(), tr("library folder"), tr("library folders"));
    if (overridden_ || poolOverridden_) text += tr(" (command line, this run)");
    text += warmPool_.isEmpty() ? tr(" · no warm pool") : tr(" · warm pool");
    libraryLabel_->setText(text);
    QStringList tip = sessionFolders_;
    if (!warmPool_.isEmpty()) tip << tr("Warm pool: %1").arg(warmPool_);
    libraryLabel_->setToolTip(tip.join(QLatin1Char('\n')));
}

void MainWindow::rescan() {
    showPlace(Place::Models);
    models_->rescan();
}

QStringList MainWindow::rememberLibraryFolders(const QStringList& paths) {
    QStringList added;
    QStringList saved = settings_->libraryFolders();
    for (const QString& p : normalizedFolders(paths)) {
        const auto before = normalizedFolders(sessionFolders_).size();
        if (normalizedFolders(sessionFolders_ + QStringList{p}).size() == before) continue;   // already there
        sessionFolders_ << p;
        saved << p;
        added << p;
        spdlog::info("Added to the library: {}", p.toStdString());
    }
    if (added.isEmpty()) return added;
    settings_->setLibraryFolders(saved);
    settings_->sync();
    pushRootsToModels();
    return added;
}

QStringList MainWindow::addLibraryPaths(const QStringList& paths) {
    const QStringList added = rememberLibraryFolders(paths);
    if (added.isEmpty()) {
        showStatus(tr("Already in the library"), 5000);
        return added;
    }
    rescan();
    return added;
}

bool MainWindow::handleDrop(const QMimeData* mime) {
    const QStringList paths = libraryPathsFromMime(mime);
    if (paths.isEmpty()) return false;
    return !addLibraryPaths(paths).isEmpty();
}

void MainWindow::applySettings(const QStringList& folders, const QString& warmPool) {
    // Compared before saving: a command-line override survives an OK that left its setting alone
    // (the dialog shows the saved settings, not the session's; --help says the override is not saved).
    const bool libraryChanged = normalizedFolders(folders) != normalizedFolders(settings_->libraryFolders());
    const bool poolChanged = QDir::cleanPath(warmPool.trimmed()) != QDir::cleanPath(savedWarmPool());
    settings_->setLibraryFolders(folders);
    settings_->sync();
    if (poolChanged) saveWarmPool(warmPool);
    if (!overridden_ || libraryChanged) {
        if (overridden_) spdlog::info("Settings applied: the saved library replaces the command line's for the rest of this run");
        overridden_ = false;
        sessionFolders_ = settings_->libraryFolders();
    }
    if (!poolOverridden_ || poolChanged) {
        if (poolOverridden_) spdlog::info("Settings applied: the saved warm pool replaces the command line's for the rest of this run");
        poolOverridden_ = false;
        warmPool_ = savedWarmPool();
    }
    pushRootsToModels();
    models_->rescan();   // the user stays on the page they were on
}

void MainWindow::setWarmPool(const QString& folder) {
    poolOverridden_ = false;
    saveWarmPool(folder);
    warmPool_ = savedWarmPool();
    spdlog::info("Warm pool: {}", warmPool_.toStdString());
    pushRootsToModels();
    models_->rescan();
}

void MainWindow::reloadWarmPool() {
    if (poolOverridden_) return;   // --warm-pool holds for this run
    const QString saved = savedWarmPool();
    if (saved == warmPool_) return;
    spdlog::info("Warm pool (changed in {}): {}", deployFile_.toStdString(), saved.toStdString());
    warmPool_ = saved;
    pushRootsToModels();
    models_->rescan();
}

QString MainWindow::savedWarmPool() const {
    try {
        return readWarmPool(deployFile_);
    } catch (const Error& e) {
        spdlog::error("Warm pool: {}", e.what());
        return {};
    }
}

void MainWindow::saveWarmPool(const QString& folder) {
    try {
        writeWarmPool(deployFile_, folder);
    } catch (const Error& e) {
        spdlog::error("Warm pool not saved: {}", e.what());
        showStatus(tr("Warm pool not saved: %1").arg(QString::fromUtf8(e.what())), 8000);
    }
}

void MainWindow::openSettings() {
    SettingsDialog dialog(this);
    // The saved settings, never the session's command-line folders: OK saves what the dialog shows.
    dialog.setLibraryFolders(settings_->libraryFolders());
    dialog.setWarmPool(savedWarmPool());
    dialog.setSessionNote(sessionOverrideNote());
    if (dialog.exec() == QDialog::Accepted) applySettings(dialog.libraryFolders(), dialog.warmPool());
}

QString MainWindow::sessionOverrideNote() const {
    QStringList parts;
    if (overridden_) parts << tr("library %1 (--library)").arg(sessionFolders_.join(QStringLiteral(", ")));
    if (poolOverridden_) parts << tr("warm pool %1 (--warm-pool)").arg(warmPool_);
    if (parts.isEmpty()) return {};
    return tr("This run uses the command line's %1, which is not saved. Below are the saved settings; "
              "a setting you change here is saved and replaces the command line's for the rest of this run.")
        .arg(parts.join(tr(" and ")));
}

void MainWindow::addFolderInteractive() {
    const QString start = sessionFolders_.isEmpty() ? QDir::homePath() : sessionFolders_.last();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a library folder"), start);
    if (!dir.isEmpty()) addLibraryPaths({dir});
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (!libraryPathsFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dragMoveEvent(QDragMoveEvent* event) {
    if (!libraryPathsFromMime(event->mimeData()).isEmpty()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    if (handleDrop(event->mimeData()))
        event->acceptProposedAction();
    else
        event->ignore();
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (defaultDockSizes_) {
        // Docks only take sizes once laid out; a saved layout (restoreState) wins over this.
        defaultDockSizes_ = false;
        resizeDocks({logDock_}, {110}, Qt::Vertical);
    }
}

bool MainWindow::jobsRunning() const {
#ifdef AWQBENCH_UI_WITH_ENGINE
    return quantize_->isRunning() || !compare_->runningWork().isEmpty();
#else
    return false;
#endif
}

QString MainWindow::runningWorkQuestion() const {
#ifdef AWQBENCH_UI_WITH_ENGINE
    if (quantize_->isRunning())
        return tr("A quantization is running (%1). Quit anyway? The finished layers are kept and the job can be resumed.")
            .arg(quantize_->runningJobProgress());
    // A chat reply or a load is not worth a question: it is stopped (below) and nothing of it is lost.
    if (const QString work = compare_->runningWork(); !work.isEmpty() && work != QLatin1String("chat") && work != QLatin1String("load"))
        return tr("A comparison is running (%1). Quit anyway? It is stopped; what has finished is kept in its run.").arg(work);
#endif
    return {};
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!quitting_) {
        if (const QString question = runningWorkQuestion(); !question.isEmpty()) {
            if (!confirmQuit_) {
                confirmQuit_ = [this](const QString& q) {
                    QMessageBox ask(QMessageBox::Warning, tr("Quit AWQ Workbench?"), q, QMessageBox::Yes | QMessageBox::Cancel, this);
                    ask.setObjectName(QStringLiteral("quitConfirm"));
                    ask.button(QMessageBox::Yes)->setText(tr("Quit"));
                    ask.setDefaultButton(QMessageBox::Cancel);
                    return ask.exec() == QMessageBox::Yes;
                };
            }
            if (!confirmQuit_(question)) {
                event->ignore();
                return;
            }
            spdlog::info("Quitting: cancelling the running work first");
        }
        quitting_ = true;
    }
    models_->cancelScan();
#ifdef AWQBENCH_UI_WITH_ENGINE
    if (jobsRunning()) {
        // Cancel, and close once the jobs have ended: closing now would end the process before a
        // quantization's cancel lands in its journal and log.
        quantize_->cancel();
        compare_->cancel();
        event->ignore();
        QTimer::singleShot(100, this, [this] { close(); });
        return;
    }
    compare_->stopServer();   // a server started from the Compare page ends with the window
#endif
    settings_->setWindowLayout(saveGeometry(), saveState());
    settings_->sync();
    quitting_ = false;   // closed: a window shown again asks again
    QMainWindow::closeEvent(event);
}

void MainWindow::showAbout() {
    QMessageBox::about(this, tr("About AWQ Workbench"),
                       tr("<h3>AWQ Workbench %1</h3>"
                          "<p>Browse local models, quantize them to 4-bit AWQ, compare them side by side and deploy "
                          "the winner.</p><p>Log file: %2</p>")
                           .arg(QStringLiteral(AWQBENCH_VERSION),
                                QString::fromStdString(awq::logging::defaultLogFile().string()).toHtmlEscaped()));
}

}  // namespace awq::ui
