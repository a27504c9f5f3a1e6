#pragma once
// The workbench window: the places (Models, Quantize, Compare, Deploy, Reports) in a sidebar, the
// log dock, GPU memory in the status bar, settings, shortcuts, and drag and drop of model folders.
#include "core/system/system_sampler.h"
#include "ui/shell/place.h"

#include <QMainWindow>
#include <QList>
#include <QStringList>

#include <functional>
#include <memory>
#include <optional>

class QDockWidget;
class QLabel;
class QListWidget;
class QMimeData;
class QStackedWidget;

namespace awq::ui {

class AppSettings;
class GpuStatusWidget;
class StatusBar;
class LogPanel;
class DeployPage;
class SystemMonitor;
class ModelsPage;
class QuantizePage;
class ComparePage;

struct MainWindowOptions {
    QString settingsFile;                          // empty: the user's settings; tests use a temp INI
    std::optional<QStringList> libraryOverride;    // --library: the roots for this run, not saved
    std::optional<QString> warmPoolOverride;       // --warm-pool: the warm pool for this run, not saved
    QString deploySettingsFile;                    // deploy.json (the pool folder, targets); empty: deploy::defaultSettingsFile()
    QString applicationDir;                        // where to look for the demo library on first start
    bool scanOnStart = true;
    bool monitorGpus = true;
    int gpuPollIntervalMs = 2000;
    GpuProbeFn gpuProbe;                           // empty: awq::probeGpus
};

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(MainWindowOptions options = {}, QWidget* parent = nullptr);
    ~MainWindow() override;

    int placeCount() const;
    QString placeName(int index) const;
    void showPlace(Place place);
    Place currentPlace() const;

    ModelsPage* modelsPage() const { return models_; }
    DeployPage* deployPage() const { return deploy_; }
    QuantizePage* quantizePage() const { return quantize_; }   // null in builds without the engine
    ComparePage* comparePage() const { return compare_; }      // null in builds without the engine
    LogPanel* logPanel() const { return log_; }
    QDockWidget* logDock() const { return logDock_; }
    GpuStatusWidget* gpuStatus() const { return gpuStatus_; }
    QWidget* page(Place place) const;
    AppSettings& settings() const { return *settings_; }

    // The library of this session (the saved one, or --library plus anything added since).
    QStringList libraryFolders() const { return sessionFolders_; }
    QString warmPool() const { return warmPool_; }
    bool libraryOverridden() const { return overridden_; }
    bool warmPoolOverridden() const { return poolOverridden_; }

    // Adds folders / .gguf files to the library (saved, and to this session) and rescans.
    // Returns the paths that were new.
    QStringList addLibraryPaths(const QStringList& paths);
    // The drop handler: accepts local folders and .gguf files. Returns whether anything was added.
    bool handleDrop(const QMimeData* mime);
    // What the Settings dialog applies: saves the folders and the pool as the saved settings and
    // rescans. A --library / --warm-pool override holds for the run unless its saved value changed
    // (then the session switches to the newly saved one).
    void applySettings(const QStringList& folders, const QString& warmPool);
    // Saves another warm-pool folder (the Deploy page's "Change…") and rescans, staying on the page.
    void setWarmPool(const QString& folder);
    QString deploySettingsFile() const { return deployFile_; }

    void rescan();
    void openSettings();
    void addFolderInteractive();

    // Quitting (Ctrl+Q, closing the window) while a quantization or a comparison runs asks first;
    // on "Quit" the job is cancelled and the window closes once its cancel has landed (a
    // quantization's journal saved: it can be resumed). The question is a QMessageBox (Quit /
    // Cancel) unless a test sets another answerer.
    void setQuitConfirmer(std::function<bool(const QString& question)> confirmer) { confirmQuit_ = std::move(confirmer); }
    QString runningWorkQuestion() const;   // the question quitting would ask now; empty while nothing runs

protected:
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dropEvent(QDropEvent* event) override;
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void buildPlaces();
    void buildActions();
    void buildStatusBar();
    void showStatus(const QString& text, int timeoutMs);   // elided to the room left of the permanent widgets
    void pushRootsToModels();
    void reloadWarmPool();                      // deploy.json's pool, unless --warm-pool holds
    QString savedWarmPool() const;              // deploy.json's pool folder (empty when unreadable: logged)
    void saveWarmPool(const QString& folder);   // into deploy.json (a failure is logged and shown)
    void updateQuantizeOutputFolder();   // the saved folder, or the user's library folder
    // Saves and adds folders to this session's library without rescanning; returns the new ones.
    QStringList rememberLibraryFolders(const QStringList& paths);
    void updateLibraryLabel();
    QString sessionOverrideNote() const;   // for the Settings dialog: what the command line set for this run
    void showAbout();
    bool jobsRunning() const;   // a quantization, or a comparison's load / chat / run

    std::function<bool(const QString&)> confirmQuit_;
    bool quitting_ = false;   // "Quit" was confirmed: the window closes once the cancelled jobs end

    MainWindowOptions options_;
    QString appDir_;   // where the bundled demo library is looked for
    std::unique_ptr<AppSettings> settings_;
    QStringList sessionFolders_;
    QString warmPool_;
    QString deployFile_;
    bool poolOverridden_ = false;   // --warm-pool, until the user picks a pool
    bool overridden_ = false;       // --library, until the user changes the saved library
    bool defaultDockSizes_ = false;

    QListWidget* sidebar_ = nullptr;
    QStackedWidget* stack_ = nullptr;
    QList<QWidget*> pages_;   // by Place; each sits in a scroll area of the stack
    ModelsPage* models_ = nullptr;
    DeployPage* deploy_ = nullptr;
    QuantizePage* quantize_ = nullptr;
    ComparePage* compare_ = nullptr;
    LogPanel* log_ = nullptr;
    QDockWidget* logDock_ = nullptr;
    GpuStatusWidget* gpuStatus_ = nullptr;
    StatusBar* statusBar_ = nullptr;
    QLabel* libraryLabel_ = nullptr;
    SystemMonitor* monitor_ = nullptr;   // the GPU / memory sampler the status bar and the pages share
};

}  // namespace awq::ui
