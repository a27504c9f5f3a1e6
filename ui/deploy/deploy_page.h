#pragma once
// The Deploy page: the warm pool (models, disk use against the budget, add / remove / verify with
// progress on a worker thread), the deployment targets, promotion with a diff preview, undo, and
// the promotion history. Targets and the budget live in the deployment settings file
// (core/deploy), and so does the warm-pool folder (the window passes it in: --warm-pool overrides it).
#include "core/deploy/deploy_settings.h"
#include "core/deploy/promotion.h"
#include "core/pool/warm_pool.h"
#include "core/util/job.h"

#include <QPointer>
#include <QString>
#include <QStringList>
#include <QWidget>

#include <functional>
#include <stop_token>

class QFileSystemWatcher;
class QLabel;
class QMenu;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableWidget;
class QTimer;

namespace awq::ui {

class ByteSizeEdit;
class CatalogTableModel;
class JobRunner;
class SystemMonitor;

class DeployPage : public QWidget {
    Q_OBJECT
public:
    // `monitor`: the app's GPU / memory sampler (the detected card of a target without a GPU size);
    // null: the page probes itself when it needs to.
    explicit DeployPage(SystemMonitor* monitor = nullptr, QWidget* parent = nullptr);
    ~DeployPage() override;

    void setWarmPool(const QString& folder);
    QString warmPool() const { return pool_; }
    // The library's models, offered by "Add model…" (the Models page's catalog, not owned).
    void setLibrary(CatalogTableModel* catalog) { library_ = catalog; }
    // The "Add model…" menu as it is about to show: one action per library model that is not in the
    // warm pool (text: name, data: path), then "Other folder…".
    QMenu* addMenu() const { return addMenu_; }
    void fillAddMenu();
    // Default: deploy::defaultSettingsFile(). Tests point it at a temp file.
    void setSettingsFile(const QString& file);
    QString settingsFile() const { return settingsFile_; }

    // Re-reads the pool, the targets and the history. Also runs on its own (debounced by
    // kFollowDelayMs) when deploy.json, history.json or a target's files change on disk: a promotion
    // or an undo from awqbench-cli, or a hand edit, shows here without a click.
    void refresh();
    static constexpr int kFollowDelayMs = 150;
    // The files and folders the page watches now (tests).
    QStringList watchedPaths() const;

    // Warm pool actions (asynchronous; jobFinished reports the outcome). False when refused at once.
    bool addModel(const QString& folder);
    bool removeModel(const QString& name);   // asks the confirmer first
    bool verifyModel(const QString& name);
    void cancelJob();
    bool isBusy() const;
    static constexpr int kProgressIntervalMs = 50;

    // Promotion: preview dialog, then backup + atomic write. Returns whether files were written.
    bool promote(const QString& modelName, const QString& targetName);
    bool undo(const QString& targetName);
    // The plan promote() would preview (no dialog, nothing written).
    deploy::PromotionPlan previewPromotion(const QString& modelName, const QString& targetName) const;

    // Adds a target; refuses (false, error shown) a name that is taken.
    bool addTarget(const deploy::DeployTarget& target);
    // Adds or replaces (Edit…) a target.
    bool saveTarget(const deploy::DeployTarget& target);
    void setBudgetBytes(std::uint64_t bytes);  // saved in the settings file

    QString selectedModel() const;
    QString selectedTarget() const;
    bool selectModel(const QString& name);
    bool selectTarget(const QString& name);

    // Asked before removing a model; default: a message box.
    void setConfirmer(std::function<bool(const QString& question)> confirmer) { confirm_ = std::move(confirmer); }

    QTableWidget* poolTable() const { return poolTable_; }
    QTableWidget* targetTable() const { return targetTable_; }
    QTableWidget* historyTable() const { return historyTable_; }
    QProgressBar* diskBar() const { return diskBar_; }
    QProgressBar* jobProgress() const { return jobProgress_; }
    QLabel* poolLabel() const { return poolLabel_; }
    // "4 in the pool · 3 broken": counted from the entries the pool table lists, as it marks them.
    QLabel* poolCountLabel() const { return poolCount_; }
    QLabel* errorLabel() const { return error_; }
    QPushButton* addButton() const { return addButton_; }
    QPushButton* changePoolButton() const { return changePool_; }
    QPushButton* removeButton() const { return removeButton_; }
    QPushButton* verifyButton() const { return verifyButton_; }
    QPushButton* cancelButton() const { return cancelButton_; }
    QPushButton* promoteButton() const { return promoteButton_; }
    QPushButton* undoButton() const { return undoButton_; }
    ByteSizeEdit* budgetEdit() const { return budget_; }

Q_SIGNALS:
    // The user picked another warm-pool folder here ("Change…"); the window saves it.
    void warmPoolChosen(const QString& folder);
    void jobFinished(bool ok, bool cancelled, const QString& message);
    // stage: 0 copy, 1 verify; at most every kProgressIntervalMs (the last always).
    void jobProgressed(int stage, qint64 bytesDone, qint64 bytesTotal, const QString& file);
    void promoted(const QString& target, const QString& model);
    void statusMessage(const QString& text);

protected:
    void showEvent(QShowEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void buildUi();
    void shareHeight();
    void showError(const QString& text);
    void clearError();
    deploy::DeploySettings loadSettingsOrReport();
    void refreshPool(const deploy::DeploySettings& settings);
    void refreshTargets(const deploy::DeploySettings& settings);
    void refreshHistory();
    void watchFiles(const deploy::DeploySettings& settings);
    void updateButtons();
    // A warm-pool job (add, remove, verify) on runner_: its message (shown on success) and whether it
    // stopped on request; throws awq::Error on failure. False while another job runs.
    using PoolJob = std::function<JobResult<QString>(std::stop_token, const pool::CopyProgressFn&)>;
    bool runPoolJob(const QString& name, PoolJob job);
    void onJobProgress(int stage, qint64 done, qint64 total, const QString& file);
    void onJobFinished(bool ok, bool cancelled, const QString& message);
    void addModelInteractive();
    void addTargetInteractive();
    void editTargetInteractive();
    void removeTargetInteractive();
    bool storeTarget(const deploy::DeployTarget& target, bool replace);
    QStringList targetNames();

    QString pool_;
    QString settingsFile_;
    std::uint64_t budgetBytes_ = 0;
    std::function<bool(const QString&)> confirm_;
    JobRunner* runner_ = nullptr;
    QString jobName_;                     // "Adding X", "Verifying X", ...
    QPointer<SystemMonitor> monitor_;
    std::vector<deploy::HistoryEntry> history_;   // as refreshHistory() last read it
    QFileSystemWatcher* watcher_ = nullptr;
    QTimer* followTimer_ = nullptr;
    bool followingDisk_ = false;   // refresh() runs for a change on disk, not for an action here

    QSplitter* splitter_ = nullptr;   // pool / targets / history
    bool splitterDragged_ = false;    // by the user: shareHeight() leaves the split alone from then on
    QLabel* poolLabel_ = nullptr;
    QPushButton* changePool_ = nullptr;
    CatalogTableModel* library_ = nullptr;
    QMenu* addMenu_ = nullptr;
    QLabel* error_ = nullptr;
    QProgressBar* diskBar_ = nullptr;
    QLabel* diskText_ = nullptr;
    QLabel* poolCount_ = nullptr;
    ByteSizeEdit* budget_ = nullptr;
    QTableWidget* poolTable_ = nullptr;
    QPushButton* addButton_ = nullptr;
    QPushButton* removeButton_ = nullptr;
    QPushButton* verifyButton_ = nullptr;
    QPushButton* cancelButton_ = nullptr;
    QProgressBar* jobProgress_ = nullptr;
    QLabel* jobLabel_ = nullptr;
    QTableWidget* targetTable_ = nullptr;
    QPushButton* addTargetButton_ = nullptr;
    QPushButton* editTargetButton_ = nullptr;
    QPushButton* removeTargetButton_ = nullptr;
    QPushButton* promoteButton_ = nullptr;
    QPushButton* undoButton_ = nullptr;
    QTableWidget* historyTable_ = nullptr;
    std::size_t errorHistorySize_ = 0;   // history entries when the error banner was shown
};

}  // namespace awq::ui
