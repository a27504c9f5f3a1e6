#include "ui/deploy/deploy_page.h"

#include "ui/deploy/promote_dialog.h"
#include "ui/deploy/target_dialog.h"
#include "ui/util/byte_size_edit.h"
#include "ui/util/catalog_table_model.h"
#include "ui/util/catalog_text.h"
#include "ui/util/icons.h"
#include "ui/util/job_runner.h"
#include "ui/util/path_text.h"
#include "ui/util/system_monitor.h"
#include "ui/util/view_style.h"
#include "ui/util/field_label.h"

#include "core/pool/warm_pool.h"
#include "core/system/gpu_probe.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <QApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace awq::ui {
namespace fs = std::filesystem;

namespace {

enum PoolColumn { PoolName, PoolQuant, PoolSize, PoolDeployed, PoolManifest, PoolStatus, PoolColumns };
enum TargetColumn { TargetName, TargetKind, TargetFiles, TargetGpus, TargetGpuMemory, TargetCurrent, TargetColumns };

QTableWidget* makeTable(const QStringList& headers, const QString& objectName) {
    auto* t = new QTableWidget(0, int(headers.size()));
    t->setObjectName(objectName);
    t->setHorizontalHeaderLabels(headers);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->verticalHeader()->setVisible(false);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setAlternatingRowColors(true);
    return t;
}

QTableWidgetItem* cell(const QString& text, bool right = false) {
    auto* item = new QTableWidgetItem(text);
    if (right) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return item;
}

QString selectedName(const QTableWidget* table) {
    const auto rows = table->selectionModel()->selectedRows();
    if (rows.isEmpty()) return {};
    const auto* item = table->item(rows.first().row(), 0);
    return item ? item->text() : QString();
}

bool selectByName(QTableWidget* table, const QString& name) {
    for (int r = 0; r < table->rowCount(); ++r)
        if (table->item(r, 0) && table->item(r, 0)->text() == name) {
            table->selectRow(r);
            return true;
        }
    return false;
}

QString qs(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

DeployPage::DeployPage(SystemMonitor* monitor, QWidget* parent)
    : QWidget(parent), settingsFile_(toQString(deploy::defaultSettingsFile())), monitor_(monitor) {
    runner_ = new JobRunner(QStringLiteral("warm-pool"), QThread::InheritPriority, this);
    confirm_ = [this](const QString& question) {
        return QMessageBox::question(this, tr("Warm pool"), question, QMessageBox::Yes | QMessageBox::No, QMessageBox::No) ==
               QMessageBox::Yes;
    };
    // The page follows its files on disk: `awqbench-cli promote` / `undo` (or a hand edit) change
    // deploy.json, history.json and the targets' files while the page is open.
    watcher_ = new QFileSystemWatcher(this);
    followTimer_ = new QTimer(this);
    followTimer_->setSingleShot(true);
    followTimer_->setInterval(kFollowDelayMs);
    connect(followTimer_, &QTimer::timeout, this, [this] {
        if (isBusy()) {   // a pool job refreshes when it ends
            followTimer_->start();
            return;
        }
        // A budget being typed is not overwritten by a change made elsewhere.
        followingDisk_ = true;
        refresh();
        followingDisk_ = false;
    });
    connect(watcher_, &QFileSystemWatcher::fileChanged, followTimer_, qOverload<>(&QTimer::start));
    connect(watcher_, &QFileSystemWatcher::directoryChanged, followTimer_, qOverload<>(&QTimer::start));
    buildUi();
    setWarmPool({});
}

DeployPage::~DeployPage() = default;

void DeployPage::buildUi() {
    auto* layout = new QVBoxLayout(this);

    auto* title = new QLabel(tr("Deploy"));
    title->setObjectName(QStringLiteral("deployTitle"));
    QFont f = title->font();
    f.setPointSizeF(f.pointSizeF() * 1.4);
    f.setBold(true);
    title->setFont(f);
    poolLabel_ = new QLabel;
    poolLabel_->setObjectName(QStringLiteral("warmPoolLabel"));
    poolLabel_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* head = new QHBoxLayout;
    head->addWidget(title);
    head->addSpacing(16);
    auto* poolIcon = new QLabel;
    poolIcon->setPixmap(icon(QStringLiteral("warm-pool")).pixmap(20, 20));
    head->addWidget(poolIcon);
    head->addWidget(poolLabel_, 1);
    changePool_ = new QPushButton(tr("Change…"));
    changePool_->setObjectName(QStringLiteral("poolChange"));
    changePool_->setToolTip(tr("Choose the warm-pool folder (the folder your serving stack loads models from); saved like Settings does"));
    connect(changePool_, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(this, tr("Choose the warm-pool folder"), pool_);
        if (!folder.isEmpty()) Q_EMIT warmPoolChosen(QDir::cleanPath(folder));
    });
    head->addWidget(changePool_);
    layout->addLayout(head);

    error_ = new QLabel;
    error_->setObjectName(QStringLiteral("deployError"));
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("QLabel { color: #cf222e; }"));
    error_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    error_->hide();
    layout->addWidget(error_);

    // The tables below the banner scroll rather than squeeze: a banner of three lines or more took
    // the height the splitter's minimum needs, and the pool table was drawn over its buttons.
    auto* splitter = splitter_ = new QSplitter(Qt::Vertical);
    splitter->setObjectName(QStringLiteral("deploySplitter"));
    connect(splitter, &QSplitter::splitterMoved, this, [this] { splitterDragged_ = true; });
    auto* scroll = new QScrollArea;
    scroll->setObjectName(QStringLiteral("deployScroll"));
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setWidget(splitter);
    layout->addWidget(scroll, 1);

    // ---- warm pool ----
    auto* poolBox = new QGroupBox(tr("Warm pool"));
    auto* poolLayout = new QVBoxLayout(poolBox);
    auto* diskRow = new QHBoxLayout;
    diskBar_ = new QProgressBar;
    diskBar_->setObjectName(QStringLiteral("poolDiskBar"));
    diskBar_->setRange(0, 1000);
    diskBar_->setTextVisible(false);
    diskBar_->setMaximumHeight(14);
    diskText_ = new QLabel;
    diskText_->setObjectName(QStringLiteral("poolDiskText"));
    // The pool's own count, from the rows below. Before it, the only count on this page was the
    // library scan's status message ("5 models found, 1 broken"), which counts model folders of the
    // library and the pool as the catalog reads them (an empty folder is no model, a link is
    // followed to a good model) while the table showed 3 broken pool entries.
    poolCount_ = new QLabel;
    poolCount_->setObjectName(QStringLiteral("poolCount"));
    poolCount_->setTextFormat(Qt::RichText);
    budget_ = new ByteSizeEdit(tr("no budget"), QStringLiteral("poolBudget"),
                               tr("Disk budget of the warm pool: adding a model that would exceed it is refused (0: no budget)"));
    // Saved only when the user changed it: a focus in and out leaves deploy.json alone.
    connect(budget_, &ByteSizeEdit::sizeEdited, this, &DeployPage::setBudgetBytes);
    diskRow->addWidget(poolCount_);
    diskRow->addWidget(diskBar_, 1);
    diskRow->addWidget(diskText_);
    diskRow->addWidget(fieldLabel(tr("Budget"), budget_->spinBox()));
    diskRow->addWidget(budget_);
    poolLayout->addLayout(diskRow);

    poolTable_ = makeTable({tr("Model"), tr("Quantization"), tr("Size"), tr("Deployed"), tr("Verified copy"), tr("Status")},
                           QStringLiteral("poolTable"));
    applySoftSelection(poolTable_);
    poolLayout->addWidget(poolTable_, 1);
    connect(poolTable_, &QTableWidget::itemSelectionChanged, this, &DeployPage::updateButtons);

    auto* poolButtons = new QHBoxLayout;
    addButton_ = new QPushButton(icon(QStringLiteral("folder-add")), tr("Add model…"));
    addButton_->setObjectName(QStringLiteral("poolAdd"));
    removeButton_ = new QPushButton(tr("Remove"));
    removeButton_->setObjectName(QStringLiteral("poolRemove"));
    verifyButton_ = new QPushButton(icon(QStringLiteral("ok")), tr("Verify"));
    verifyButton_->setObjectName(QStringLiteral("poolVerify"));
    cancelButton_ = new QPushButton(icon(QStringLiteral("cancel")), tr("Cancel"));
    cancelButton_->setObjectName(QStringLiteral("poolCancel"));
    jobProgress_ = new QProgressBar;
    jobProgress_->setObjectName(QStringLiteral("poolJobProgress"));
    jobProgress_->setRange(0, 1000);
    jobLabel_ = new QLabel;
    jobLabel_->setObjectName(QStringLiteral("poolJobLabel"));
    for (auto* b : {addButton_, removeButton_, verifyButton_, cancelButton_}) poolButtons->addWidget(b);
    poolButtons->addWidget(jobProgress_, 1);
    poolButtons->addWidget(jobLabel_);
    poolLayout->addLayout(poolButtons);
    // "Add model…" offers the library's models first; any other folder is one more entry.
    addMenu_ = new QMenu(addButton_);
    addMenu_->setObjectName(QStringLiteral("poolAddMenu"));
    addButton_->setMenu(addMenu_);
    connect(addMenu_, &QMenu::aboutToShow, this, &DeployPage::fillAddMenu);
    connect(removeButton_, &QPushButton::clicked, this, [this] { removeModel(selectedModel()); });
    connect(verifyButton_, &QPushButton::clicked, this, [this] { verifyModel(selectedModel()); });
    connect(cancelButton_, &QPushButton::clicked, this, &DeployPage::cancelJob);
    splitter->addWidget(poolBox);

    // ---- targets ----
    auto* targetBox = new QGroupBox(tr("Deployment targets"));
    auto* targetLayout = new QVBoxLayout(targetBox);
    targetTable_ = makeTable({tr("Target"), tr("Kind"), tr("Files"), tr("GPUs"), tr("Memory per GPU"), tr("Current model")},
                             QStringLiteral("targetTable"));
    applySoftSelection(targetTable_);
    targetLayout->addWidget(targetTable_, 1);
    connect(targetTable_, &QTableWidget::itemSelectionChanged, this, &DeployPage::updateButtons);
    auto* targetButtons = new QHBoxLayout;
    addTargetButton_ = new QPushButton(tr("Add target…"));
    addTargetButton_->setObjectName(QStringLiteral("targetAdd"));
    editTargetButton_ = new QPushButton(tr("Edit…"));
    editTargetButton_->setObjectName(QStringLiteral("targetEdit"));
    removeTargetButton_ = new QPushButton(tr("Forget target"));
    promoteButton_ = new QPushButton(icon(QStringLiteral("deploy")), tr("Promote selected model…"));
    promoteButton_->setObjectName(QStringLiteral("promote"));
    promoteButton_->setToolTip(tr("Point the selected target at the selected warm-pool model: preview, backup, atomic write"));
    undoButton_ = new QPushButton(tr("Undo last promotion"));
    undoButton_->setObjectName(QStringLiteral("undoPromotion"));
    for (auto* b : {addTargetButton_, editTargetButton_, removeTargetButton_}) targetButtons->addWidget(b);
    // The note sits between the buttons, not on a line of its own: at 1152x720 that line was the
    // pool table's height.
    auto* note = new QLabel(tr("Many GPUs or nodes are vLLM's job: the tensor-parallel size and the config written here are the route there."));
    note->setWordWrap(true);
    note->setEnabled(false);
    targetButtons->addWidget(note, 1);
    targetButtons->addWidget(promoteButton_);
    targetButtons->addWidget(undoButton_);
    targetLayout->addLayout(targetButtons);
    connect(addTargetButton_, &QPushButton::clicked, this, &DeployPage::addTargetInteractive);
    connect(editTargetButton_, &QPushButton::clicked, this, &DeployPage::editTargetInteractive);
    connect(removeTargetButton_, &QPushButton::clicked, this, &DeployPage::removeTargetInteractive);
    connect(promoteButton_, &QPushButton::clicked, this, [this] { promote(selectedModel(), selectedTarget()); });
    connect(undoButton_, &QPushButton::clicked, this, [this] { undo(selectedTarget()); });
    splitter->addWidget(targetBox);

    // ---- history ----
    auto* historyBox = new QGroupBox(tr("Promotion history"));
    auto* historyLayout = new QVBoxLayout(historyBox);
    historyTable_ = makeTable({tr("Time (UTC)"), tr("Action"), tr("Target"), tr("Model"), tr("State")}, QStringLiteral("historyTable"));
    historyTable_->setSelectionMode(QAbstractItemView::NoSelection);
    historyLayout->addWidget(historyTable_);
    splitter->addWidget(historyBox);
    // Each table keeps two rows in view; shareHeight() splits the rest.
    auto rowsHigh = [](QTableWidget* t, int rows) {
        t->setMinimumHeight(t->horizontalHeader()->sizeHint().height() + rows * t->verticalHeader()->defaultSectionSize() +
                            2 * t->frameWidth());
    };
    rowsHigh(poolTable_, 2);   // two each: three pushed the page below the fold at 1152x720
    rowsHigh(targetTable_, 2);
    rowsHigh(historyTable_, 2);
    historyLayout->setStretch(0, 1);
    // Tighter box margins above and below: the height goes to the tables (at 1152x720 every pixel counts).
    for (QVBoxLayout* box : {poolLayout, targetLayout, historyLayout}) {
        const QMargins m = box->contentsMargins();
        box->setContentsMargins(m.left(), std::min(m.top(), 6), m.right(), std::min(m.bottom(), 6));
    }
    splitter->setChildrenCollapsible(false);
}

void DeployPage::shareHeight() {
    // Until the user drags the splitter: each box its minimum (two table rows), then the pool up to
    // kPoolRows, then the rest 40/35/25. QSplitter scales a first split in proportion, which could
    // not do both: the pool showed two rows at 1152x720, and a split giving it five there left the
    // targets far below half the pool at 1920x1080 (by stretch factors alone they showed 1.5 rows).
    constexpr int kPoolRows = 5;
    if (splitterDragged_ || splitter_->height() <= 0) return;
    QList<int> sizes;
    int left = splitter_->height() - (splitter_->count() - 1) * splitter_->handleWidth();
    for (int i = 0; i < splitter_->count(); ++i) {
        sizes << splitter_->widget(i)->minimumSizeHint().height();
        left -= sizes.back();
    }
    if (left > 0) {
        const int poolMore = std::min(left, (kPoolRows - 2) * poolTable_->verticalHeader()->defaultSectionSize());
        sizes[0] += poolMore;
        left -= poolMore;
        sizes[0] += left * 4 / 10;
        sizes[1] += left * 35 / 100;
        sizes[2] += left - left * 4 / 10 - left * 35 / 100;
    }
    splitter_->setSizes(sizes);
}

void DeployPage::setWarmPool(const QString& folder) {
    pool_ = folder;
    poolLabel_->setText(pool_.isEmpty() ? tr("Warm pool: none set — choose one with Change… or in Settings (Ctrl+,)")
                                        : tr("Warm pool: %1").arg(pool_));
    refresh();
}

void DeployPage::setSettingsFile(const QString& file) {
    settingsFile_ = file;
    refresh();
}

// Coming back to the page: a banner about an earlier action is past (the refresh says again what
// still holds, an unreadable deploy.json say).
void DeployPage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    clearError();
    refresh();
    shareHeight();
}

void DeployPage::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);   // the layout has resized the splitter already
    shareHeight();
}

void DeployPage::showError(const QString& text) {
    error_->setText(text);
    error_->show();
    errorHistorySize_ = history_.size();
    Q_EMIT statusMessage(text);
}

void DeployPage::clearError() {
    error_->clear();
    error_->hide();
}

deploy::DeploySettings DeployPage::loadSettingsOrReport() {
    try {
        return deploy::loadSettings(toPath(settingsFile_));
    } catch (const Error& e) {
        showError(qs(e.what()));
        return {};
    }
}

void DeployPage::refresh() {
    const auto settings = loadSettingsOrReport();
    budgetBytes_ = settings.poolBudgetBytes;
    const QWidget* focus = QApplication::focusWidget();
    if (!followingDisk_ || !(focus && (focus == budget_ || budget_->isAncestorOf(focus)))) budget_->setBytes(budgetBytes_);
    refreshPool(settings);
    refreshTargets(settings);
    refreshHistory();
    watchFiles(settings);
    updateButtons();
}

void DeployPage::watchFiles(const deploy::DeploySettings& settings) {
    // Re-added at every refresh: the files are replaced by rename (atomic writes), and a watch on
    // the old inode ends with it. Folders catch files that are created (the first promotion's
    // history.json, a deploy.json written for the first time).
    const fs::path file = toPath(settingsFile_), stateDir = deploy::stateDirFor(file), history = stateDir / "history.json";
    QStringList paths{toQString(file), toQString(history)};
    // A folder only while a file in it is still to come (the settings folder holds other files too).
    if (!QFileInfo::exists(toQString(file)) || !QFileInfo::exists(toQString(stateDir))) paths << toQString(file.parent_path());
    if (!QFileInfo::exists(toQString(history))) paths << toQString(stateDir);
    for (const auto& t : settings.targets)
        for (const fs::path& f : {t.composeFile, t.envFile, t.vllmConfig})
            if (!f.empty()) paths << toQString(f);
    QStringList existing;
    for (const QString& p : paths)
        if (!p.isEmpty() && QFileInfo::exists(p) && !existing.contains(p)) existing << p;
    const QStringList old = watcher_->files() + watcher_->directories();
    if (!old.isEmpty()) watcher_->removePaths(old);
    if (!existing.isEmpty()) watcher_->addPaths(existing);
}

QStringList DeployPage::watchedPaths() const { return watcher_->files() + watcher_->directories(); }

void DeployPage::refreshPool(const deploy::DeploySettings& settings) {
    const QString keep = selectedModel();
    poolTable_->setRowCount(0);
    diskBar_->setValue(0);
    poolCount_->clear();
    poolCount_->setToolTip(QString());
    if (pool_.isEmpty()) {
        diskText_->setText(tr("no warm pool"));
        return;
    }
    std::vector<pool::PoolEntry> entries;
    pool::PoolUsage usage;
    try {
        entries = pool::listPool(toPath(pool_), deploy::deployedModels(settings));
        usage = pool::poolUsage(toPath(pool_), budgetBytes_);
    } catch (const Error& e) {
        diskText_->setText(tr("unreadable"));
        showError(qs(e.what()));
        return;
    }
    poolTable_->setRowCount(int(entries.size()));
    int broken = 0;
    for (int r = 0; r < int(entries.size()); ++r) {
        const auto& e = entries[std::size_t(r)];
        QStringList deployedBy;
        for (const auto& t : e.deployedBy) deployedBy << qs(t);
        auto* name = cell(qs(e.name));
        name->setIcon(icon(e.deployed() ? QStringLiteral("deploy") : QStringLiteral("model")));
        name->setToolTip(toQString(e.folder));
        poolTable_->setItem(r, PoolName, name);
        // As the Models page says it ("RTN 4-bit g128 (AWQ layout)"); unquantized or unreadable: the pool's "none" / "?".
        const QString quant = quantizationText(e.quantizationConfig, e.quantizationRecord ? &*e.quantizationRecord : nullptr);
        poolTable_->setItem(r, PoolQuant, cell(quant.isEmpty() ? qs(e.quantization) : quant));
        poolTable_->setItem(r, PoolSize, cell(qs(format::bytes(e.bytes)), true));
        poolTable_->setItem(r, PoolDeployed, cell(deployedBy.isEmpty() ? QStringLiteral("–") : deployedBy.join(QStringLiteral(", "))));
        poolTable_->setItem(r, PoolManifest, cell(e.hasManifest ? tr("SHA-256 manifest") : tr("no manifest")));
        // What was checked (sizes and times against the manifest, then the last full verify), as
        // `pool list` says it: not "ok".
        auto* status = cell(qs(pool::statusText(e)));
        QStringList problems;
        for (const auto& p : e.integrityProblems) problems << qs(p);
        if (e.lastVerify && !e.lastVerify->ok)
            for (const auto& p : e.lastVerify->problems) problems << tr("last verify: %1").arg(qs(p));
        status->setToolTip(problems.isEmpty() ? tr("Verify re-hashes every file against the manifest") : problems.join(QLatin1Char('\n')));
        // A copy that must not be promoted stands out (the status text alone was easy to miss in a
        // long table): red when broken, changed or failing its last verify; amber when files were
        // touched since the manifest and not re-hashed yet.
        const bool bad = !e.error.empty() || e.integrity == pool::PoolEntry::Integrity::Changed || (e.lastVerify && !e.lastVerify->ok);
        if (bad || e.integrity == pool::PoolEntry::Integrity::Modified) {
            const QColor colour = bad ? QColor(0xb3, 0x26, 0x1e) : QColor(0xa8, 0x4b, 0x00);
            for (auto* item : {name, status}) item->setForeground(colour);
            if (bad) name->setIcon(icon(QStringLiteral("broken")));
        }
        broken += bad ? 1 : 0;
        poolTable_->setItem(r, PoolStatus, status);
    }
    poolTable_->resizeColumnsToContents();
    selectByName(poolTable_, keep);
    QString count = tr("%n in the pool", nullptr, int(entries.size()));
    if (broken) count += tr(" · <span style=\"color:#b3261e\">%1 broken</span>").arg(broken);
    poolCount_->setText(count);
    poolCount_->setToolTip(broken ? tr("Red rows with the broken icon: not a usable copy (not a readable model, a link rather than a copy, "
                                       "files changed since the manifest, or a failed verify); the Status column says why")
                                  : QString());

    // Disk use against the budget (or against what the disk could hold, when there is none).
    const std::uint64_t scale = usage.budgetBytes ? usage.budgetBytes : usage.usedBytes + usage.availableBytes;
    diskBar_->setValue(scale ? int(std::min<std::uint64_t>(1000, usage.usedBytes * 1000 / scale)) : 0);
    const bool over = usage.budgetBytes && usage.usedBytes > usage.budgetBytes;
    diskBar_->setStyleSheet(over ? QStringLiteral("QProgressBar::chunk { background: #cf222e; }") : QString());
    // Binary units, as the budget is given (50G = 50 GiB).
    QString text = usage.budgetBytes ? tr("%1 of %2 budget").arg(qs(format::bytes(usage.usedBytes)), qs(format::bytes(usage.budgetBytes)))
                                     : tr("%1 used").arg(qs(format::bytes(usage.usedBytes)));
    text += tr(" · %1 free on disk").arg(qs(format::bytes(usage.availableBytes)));
    if (over) text += tr(" · over budget");
    diskText_->setText(text);
}

void DeployPage::refreshTargets(const deploy::DeploySettings& settings) {
    const QString keep = selectedTarget();
    const auto deployed = deploy::deployedModels(settings);
    targetTable_->setRowCount(int(settings.targets.size()));
    for (int r = 0; r < int(settings.targets.size()); ++r) {
        const auto& t = settings.targets[std::size_t(r)];
        QString files = t.kind == deploy::TargetKind::Compose
                            ? (t.envFile.empty() ? toQString(t.composeFile) + tr(" (defaults)") : toQString(t.envFile))
                            : toQString(t.vllmConfig);
        QString current = QStringLiteral("–");
        for (const auto& d : deployed)
            if (d.target == t.name) current = toQString(d.model.filename());
        targetTable_->setItem(r, TargetName, cell(qs(t.name)));
        targetTable_->setItem(r, TargetKind, cell(t.kind == deploy::TargetKind::Compose ? tr("docker compose") : tr("vLLM config")));
        targetTable_->setItem(r, TargetFiles, cell(files));
        // Count and memory in columns of their own, as `target list` shows them: an unset count read
        // "– × 24.00 GiB". Unset, vLLM runs with the tensor-parallel size of the target's own file, and
        // the memory is detected at promote.
        const QString gpus = t.gpuCount > 0                           ? QString::number(t.gpuCount)
                             : t.kind == deploy::TargetKind::Vllm ? tr("not set (the config's tensor-parallel-size)")
                                                                  : tr("not set (the compose command's tensor-parallel size)");
        targetTable_->setItem(r, TargetGpus, cell(gpus));
        targetTable_->setItem(r, TargetGpuMemory,
                              cell(t.gpuMemoryBytes ? qs(format::gib(t.gpuMemoryBytes)) : tr("not set (detected at promote)")));
        targetTable_->setItem(r, TargetCurrent, cell(current));
    }
    targetTable_->resizeColumnsToContents();
    if (!selectByName(targetTable_, keep) && targetTable_->rowCount() > 0) targetTable_->selectRow(0);
}

void DeployPage::refreshHistory() {
    std::vector<deploy::HistoryEntry>& history = history_;
    history.clear();
    try {
        history = deploy::loadHistory(deploy::stateDirFor(toPath(settingsFile_)));
    } catch (const Error& e) {
        showError(qs(e.what()));
    }
    // A promotion or undo recorded since the banner (here or by awqbench-cli): the failure it
    // described ("the file changed since the preview") is past.
    if (!error_->isHidden() && history.size() != errorHistorySize_) clearError();
    historyTable_->setRowCount(int(history.size()));
    int r = 0;
    for (auto it = history.rbegin(); it != history.rend(); ++it, ++r) {  // newest first
        const auto& e = *it;
        historyTable_->setItem(r, 0, cell(qs(e.time)));
        historyTable_->setItem(r, 1, cell(e.action == "undo" ? tr("undo") : tr("promote")));
        historyTable_->setItem(r, 2, cell(qs(e.target)));
        auto* model = cell(toQString(fs::path(e.model).filename()));
        model->setToolTip(qs(e.command));
        historyTable_->setItem(r, 3, model);
        historyTable_->setItem(r, 4, cell(e.action == "undo" ? tr("restored %1").arg(qs(e.undoes)) : (e.undone ? tr("undone") : tr("active"))));
    }
    historyTable_->resizeColumnsToContents();
}

void DeployPage::updateButtons() {
    const bool busy = runner_->isRunning();
    const bool model = !selectedModel().isEmpty();
    const bool target = !selectedTarget().isEmpty();
    addButton_->setEnabled(!busy && !pool_.isEmpty());
    removeButton_->setEnabled(!busy && model);
    verifyButton_->setEnabled(!busy && model);
    cancelButton_->setEnabled(busy);
    jobProgress_->setVisible(busy);
    editTargetButton_->setEnabled(target);
    removeTargetButton_->setEnabled(target);
    promoteButton_->setEnabled(!busy && model && target);
    // Core's own answer to "is there anything to undo" (what undoLastPromotion() would restore).
    const QString targetName = selectedTarget();
    const auto undoable = target ? deploy::undoablePromotion(history_, targetName.toStdString()) : std::nullopt;
    undoButton_->setEnabled(!busy && undoable.has_value());
    if (!target)
        undoButton_->setToolTip(tr("Select a target to undo its last promotion"));
    else if (!undoable)
        undoButton_->setToolTip(tr("Nothing to undo for target %1: it has no promotion that is not undone yet (see the history below)")
                                    .arg(targetName));
    else {
        const auto& p = history_[*undoable];
        undoButton_->setToolTip(tr("Restore the files of target %1 from before promotion %2 (%3)")
                                    .arg(targetName, qs(p.id), toQString(fs::path(p.model).filename())));
    }
}

QString DeployPage::selectedModel() const { return selectedName(poolTable_); }
QString DeployPage::selectedTarget() const { return selectedName(targetTable_); }
bool DeployPage::selectModel(const QString& name) { return selectByName(poolTable_, name); }
bool DeployPage::selectTarget(const QString& name) { return selectByName(targetTable_, name); }
bool DeployPage::isBusy() const { return runner_->isRunning(); }
void DeployPage::cancelJob() { runner_->cancel(); }

bool DeployPage::addModel(const QString& folder) {
    if (pool_.isEmpty()) {
        showError(tr("No warm pool is set: choose one in Settings first."));
        return false;
    }
    clearError();
    pool::AddOptions options;
    options.budgetBytes = budgetBytes_;
    const fs::path poolPath = toPath(pool_), model = toPath(folder);
    return runPoolJob(tr("Adding %1").arg(toQString(model.filename())),
                      [poolPath, model, options](std::stop_token stop, const pool::CopyProgressFn& progress) -> JobResult<QString> {
                          const auto r = pool::addToPool(poolPath, model, options, stop, progress);
                          if (r.cancelled) return {tr("Copy cancelled: the pool is unchanged"), true};
                          return {tr("Added %1 (%2, every file SHA-256 verified)").arg(qs(r.entry.name), qs(format::bytes(r.entry.bytes)))};
                      });
}

bool DeployPage::removeModel(const QString& name) {
    if (name.isEmpty() || pool_.isEmpty()) return false;
    clearError();
    const auto settings = loadSettingsOrReport();
    const auto deployed = deploy::deployedModels(settings);
    for (const auto& d : deployed)
        if (pool::isInsidePool(toPath(pool_), d.model) && toQString(d.model.filename()) == name) {
            showError(tr("%1 is deployed (target %2): promote another model to that target before removing it.").arg(name, qs(d.target)));
            return false;
        }
    if (!confirm_(tr("Delete %1 from the warm pool? The files are removed from disk.").arg(name))) return false;
    const fs::path poolPath = toPath(pool_);
    const std::string n = name.toStdString();
    return runPoolJob(tr("Removing %1").arg(name), [poolPath, n, deployed](std::stop_token, const pool::CopyProgressFn&) -> JobResult<QString> {
        pool::removeFromPool(poolPath, n, deployed);
        return {tr("Removed %1 from the warm pool").arg(qs(n))};
    });
}

bool DeployPage::verifyModel(const QString& name) {
    if (name.isEmpty() || pool_.isEmpty()) return false;
    clearError();
    const fs::path poolPath = toPath(pool_);
    const std::string n = name.toStdString();
    return runPoolJob(tr("Verifying %1").arg(name), [poolPath, n](std::stop_token stop, const pool::CopyProgressFn& progress) -> JobResult<QString> {
        const auto r = pool::verifyPoolModel(poolPath, n, stop, progress);
        if (r.cancelled) return {tr("Verify of %1 cancelled after %2 files").arg(qs(n)).arg(r.filesChecked), true};
        if (!r.ok) {
            std::string problems;
            for (const auto& p : r.problems) problems += (problems.empty() ? "" : "; ") + p;
            throw Error(n + " does not match its manifest: " + problems, poolPath / n, "remove it and add it again from the library");
        }
        return {tr("%1 verified: %2 files match their SHA-256").arg(qs(n)).arg(r.filesChecked)};
    });
}

bool DeployPage::runPoolJob(const QString& name, PoolJob job) {
    const bool started = runner_->start<JobResult<QString>>(
        [this, job = std::move(job)](std::stop_token stop, const JobRunner::Post& toGui) {
            ProgressThrottle throttle(kProgressIntervalMs);
            return job(stop, [&](const pool::CopyProgress& p) {
                if (!throttle.due(p.bytesDone == p.bytesTotal)) return;
                const int stage = p.stage == pool::CopyProgress::Stage::Copy ? 0 : 1;
                const auto done = qint64(p.bytesDone), total = qint64(p.bytesTotal);
                toGui([this, stage, done, total, file = qs(p.currentFile)] { onJobProgress(stage, done, total, file); });
            });
        },
        [this](JobDone<JobResult<QString>> done) {
            if (!done.ok()) spdlog::error("Warm pool: {}", done.error.toStdString());
            onJobFinished(done.ok(), done.ok() ? done.value->cancelled : done.stopRequested, done.ok() ? done.value->value : done.error);
        });
    if (started) {
        jobName_ = name;
        jobLabel_->setText(name);
    }
    updateButtons();
    return started;
}

void DeployPage::onJobProgress(int stage, qint64 done, qint64 total, const QString& file) {
    jobProgress_->setValue(total > 0 ? int(done * 1000 / total) : 0);
    jobLabel_->setText(tr("%1: %2 %3 of %4")
                           .arg(jobName_, stage == 0 ? tr("copying") : tr("verifying"), qs(format::bytes(std::uint64_t(done))),
                                qs(format::bytes(std::uint64_t(total)))));
    jobLabel_->setToolTip(file);
    Q_EMIT jobProgressed(stage, done, total, file);
}

void DeployPage::onJobFinished(bool ok, bool cancelled, const QString& message) {
    jobLabel_->setText(message);
    if (!ok) showError(message);
    else Q_EMIT statusMessage(message);
    refresh();
    Q_EMIT jobFinished(ok, cancelled, message);
}

deploy::PromotionPlan DeployPage::previewPromotion(const QString& modelName, const QString& targetName) const {
    const auto settings = deploy::loadSettings(toPath(settingsFile_));
    const auto* target = settings.find(targetName.toStdString());
    if (!target) throw Error("no target named '" + targetName.toStdString() + "'", toPath(settingsFile_), "add one on the Deploy page");
    deploy::PlanOptions options;
    options.pool = toPath(pool_);
    options.stateDir = deploy::stateDirFor(toPath(settingsFile_));
    if (!target->gpuMemoryBytes) {
        // The app's latest sample when it has one (no NVML call on the GUI thread).
        const auto probe = monitor_ && monitor_->hasSample() ? monitor_->latest().gpus : probeGpus();
        if (!probe.gpus.empty()) options.detectedGpuMemoryBytes = probe.gpus.front().totalBytes;
    }
    return deploy::planPromotion(*target, toPath(pool_) / toPath(modelName), options);
}

bool DeployPage::promote(const QString& modelName, const QString& targetName) {
    if (modelName.isEmpty() || targetName.isEmpty()) return false;
    clearError();
    try {
        const auto plan = previewPromotion(modelName, targetName);
        PromoteDialog dialog(plan, this);
        if (dialog.exec() != QDialog::Accepted) return false;
        const auto entry = deploy::applyPromotion(plan, deploy::stateDirFor(toPath(settingsFile_)));
        Q_EMIT statusMessage(tr("Promoted %1 to %2 (%3 written, backups kept)")
                                 .arg(modelName, targetName, countNoun(std::int64_t(entry.files.size()), tr("file"), tr("files"))));
        Q_EMIT promoted(targetName, modelName);
    } catch (const Error& e) {
        showError(qs(e.what()));
        refresh();
        return false;
    }
    refresh();
    return true;
}

bool DeployPage::undo(const QString& targetName) {
    if (targetName.isEmpty()) return false;
    clearError();
    try {
        const auto e = deploy::undoLastPromotion(targetName.toStdString(), deploy::loadSettings(toPath(settingsFile_)),
                                                 deploy::stateDirFor(toPath(settingsFile_)));
        Q_EMIT statusMessage(tr("Undid promotion %1 of %2").arg(qs(e.undoes), targetName));
    } catch (const Error& e) {
        showError(qs(e.what()));
        return false;
    }
    refresh();
    return true;
}

bool DeployPage::addTarget(const deploy::DeployTarget& target) { return storeTarget(target, false); }

bool DeployPage::saveTarget(const deploy::DeployTarget& target) { return storeTarget(target, true); }

bool DeployPage::storeTarget(const deploy::DeployTarget& target, bool replace) {
    clearError();
    try {
        auto s = deploy::loadSettings(toPath(settingsFile_));
        // Adding must not replace: the old target's files, GPU settings and its model's protection
        // in the pool would go without a word.
        if (!replace && s.find(target.name))
            throw Error("a target named '" + target.name + "' already exists", toPath(settingsFile_), "pick another name, or use Edit… to change it");
        deploy::upsertTarget(s, target);
        deploy::saveSettings(toPath(settingsFile_), s);
    } catch (const Error& e) {
        showError(qs(e.what()));
        return false;
    }
    refresh();
    selectTarget(qs(target.name));
    // Saved as given (the compose file may be edited next), but told now rather than at the first promote.
    try {
        QStringList notes;
        for (const auto& issue : deploy::checkTargetFiles(target)) notes << qs(issue.message + (issue.fix.empty() ? "" : ": " + issue.fix));
        if (!notes.isEmpty()) showError(tr("Saved target %1. Before promoting to it: %2").arg(qs(target.name), notes.join(QStringLiteral("; "))));
    } catch (const Error& e) {
        showError(qs(e.what()));
    }
    return true;
}

void DeployPage::setBudgetBytes(std::uint64_t bytes) {
    try {
        auto s = deploy::loadSettings(toPath(settingsFile_));
        s.poolBudgetBytes = bytes;
        deploy::saveSettings(toPath(settingsFile_), s);
    } catch (const Error& e) {
        showError(qs(e.what()));
    }
    refresh();
}

void DeployPage::fillAddMenu() {
    addMenu_->clear();
    int offered = 0;
    if (library_) {
        std::vector<CatalogEntryPtr> offers;
        for (int row = 0; row < library_->rowCount(); ++row) {
            const CatalogEntryPtr e = library_->entry(row);
            if (!e || !e->ok() || e->origin == ModelOrigin::WarmPool || e->format != ModelFormat::HuggingFace) continue;
            offers.push_back(e);
        }
        // Two library folders of one name read alike: the parent folder tells them apart, as in the
        // Compare pickers and the Models page ("tinystories-qwen3-7m · …/demo-models").
        std::vector<const CatalogEntry*> raw;
        for (const auto& e : offers) raw.push_back(e.get());
        const QHash<QString, QString> hints = sameNameHints(raw);
        for (const CatalogEntryPtr& e : offers) {
            const QString path = toQString(e->path);
            const QString hint = hints.value(QDir::cleanPath(path));
            QAction* a = addMenu_->addAction(qs(e->name) + (hint.isEmpty() ? QString() : QStringLiteral(" · ") + hint), this,
                                             [this, path] { addModel(path); });
            a->setData(path);
            a->setToolTip(path);
            a->setStatusTip(path);
            ++offered;
        }
    }
    if (offered == 0) addMenu_->addAction(tr("No library models to add"))->setEnabled(false);
    addMenu_->addSeparator();
    addMenu_->addAction(icon(QStringLiteral("folder-add")), tr("Other folder…"), this, &DeployPage::addModelInteractive);
}

void DeployPage::addModelInteractive() {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Copy a model folder into the warm pool"));
    if (!folder.isEmpty()) addModel(folder);
}

// The names of the targets in the settings file.
QStringList DeployPage::targetNames() {
    QStringList names;
    for (const auto& t : loadSettingsOrReport().targets) names << qs(t.name);
    return names;
}

void DeployPage::addTargetInteractive() {
    TargetDialog dialog(this);
    dialog.setTakenNames(targetNames());
    if (dialog.exec() == QDialog::Accepted) addTarget(dialog.target());
}

void DeployPage::editTargetInteractive() {
    const auto settings = loadSettingsOrReport();
    const auto* t = settings.find(selectedTarget().toStdString());
    if (!t) return;
    TargetDialog dialog(this);
    dialog.setTarget(*t);
    dialog.fixName();
    if (dialog.exec() == QDialog::Accepted) saveTarget(dialog.target());
}

void DeployPage::removeTargetInteractive() {
    const QString name = selectedTarget();
    if (name.isEmpty() || !confirm_(tr("Forget target %1? Its files are not touched.").arg(name))) return;
    try {
        auto s = deploy::loadSettings(toPath(settingsFile_));
        deploy::removeTarget(s, name.toStdString());
        deploy::saveSettings(toPath(settingsFile_), s);
    } catch (const Error& e) {
        showError(qs(e.what()));
    }
    refresh();
}

}  // namespace awq::ui
