#include "ui/models/models_page.h"

#include "ui/models/catalog_filter_proxy.h"
#include "ui/util/catalog_text.h"
#include "ui/models/model_detail_pane.h"
#include "ui/util/icons.h"
#include "ui/util/job_runner.h"
#include "ui/util/path_text.h"
#include "ui/util/view_style.h"

#include <QClipboard>
#include <QDir>
#include <QDesktopServices>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QScrollBar>
#include <QItemSelectionModel>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMessageBox>
#include <QProgressBar>
#include <QSplitter>
#include <QTableView>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>

namespace awq::ui {

ModelsPage::ModelsPage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("modelsPage"));
    scanner_ = new JobRunner(QStringLiteral("library-scan"), QThread::LowPriority, this);
    model_ = new CatalogTableModel(this);
    proxy_ = new CatalogFilterProxy(this);
    proxy_->setSourceModel(model_);

    // Tool row: filter, count, progress, rescan / cancel.
    filter_ = new QLineEdit;
    filter_->setObjectName(QStringLiteral("modelFilter"));
    filter_->setPlaceholderText(tr("Filter by name, architecture or quantization (Ctrl+F)"));
    filter_->setClearButtonEnabled(true);
    filter_->setAcceptDrops(false);   // a dropped model folder goes to the window (adds it), not into the text
    filter_->addAction(icon(QStringLiteral("search")), QLineEdit::LeadingPosition);
    count_ = new QLabel;
    count_->setObjectName(QStringLiteral("modelCount"));
    progress_ = new QProgressBar;
    progress_->setObjectName(QStringLiteral("scanProgress"));
    progress_->setMaximumWidth(220);
    progress_->setTextVisible(true);
    progress_->hide();
    rescan_ = new QToolButton;
    rescan_->setIcon(icon(QStringLiteral("rescan")));
    rescan_->setText(tr("Rescan"));
    rescan_->setToolTip(tr("Scan the library folders and the warm pool again (F5)"));
    rescan_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    cancel_ = new QToolButton;
    cancel_->setIcon(icon(QStringLiteral("cancel")));
    cancel_->setText(tr("Cancel"));
    cancel_->setToolTip(tr("Stop the scan and keep what it found so far"));
    cancel_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    cancel_->hide();

    auto* tools = new QHBoxLayout;
    tools->addWidget(filter_, 1);
    tools->addWidget(count_);
    tools->addWidget(progress_);
    tools->addWidget(cancel_);
    tools->addWidget(rescan_);

    // Table
    table_ = new QTableView;
    table_->setObjectName(QStringLiteral("modelTable"));
    table_->setModel(proxy_);
    table_->setSortingEnabled(true);
    table_->sortByColumn(CatalogTableModel::Name, Qt::AscendingOrder);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setAlternatingRowColors(true);
    table_->setWordWrap(false);
    table_->setTextElideMode(Qt::ElideRight);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 8);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(table_, &QWidget::customContextMenuRequested, this, [this](const QPoint& at) {
        const QModelIndex index = table_->indexAt(at);
        if (!index.isValid()) return;
        const CatalogEntryPtr e = model_->entryAt(proxy_->mapToSource(index));
        if (!e) return;
        QMenu* menu = contextMenuFor(e, this);
        menu->setAttribute(Qt::WA_DeleteOnClose);
        menu->popup(table_->viewport()->mapToGlobal(at));
    });
    table_->horizontalHeader()->setHighlightSections(false);
    applySoftSelection(table_);
    // Starting widths; fitColumns() sizes the short columns to what they hold once models are listed.
    table_->setColumnWidth(CatalogTableModel::Name, 230);
    table_->setColumnWidth(CatalogTableModel::Origin, 100);
    table_->setColumnWidth(CatalogTableModel::Format, 100);
    table_->setColumnWidth(CatalogTableModel::Architecture, 90);
    table_->setColumnWidth(CatalogTableModel::Parameters, 80);
    table_->setColumnWidth(CatalogTableModel::Quantization, 130);
    table_->setColumnWidth(CatalogTableModel::SizeOnDisk, 84);
    table_->setColumnWidth(CatalogTableModel::Layers, 55);
    table_->setColumnWidth(CatalogTableModel::Context, 75);
    table_->setColumnWidth(CatalogTableModel::Status, 90);
    // The name takes what the other columns leave (elided, full in its tooltip), so that Status
    // is not cut at the right edge of a 1152-wide window; the fixed widths used to add up to more.
    table_->horizontalHeader()->setStretchLastSection(false);
    table_->horizontalHeader()->setSectionResizeMode(CatalogTableModel::Name, QHeaderView::Stretch);
    // At least three whole models in view, whatever the detail pane asks for (two and a half at
    // 1152x720 before); more would push the memory plan's legend below the fold there. A taller
    // window gives the catalog half of the extra height. No room for a horizontal
    // scroll bar: the stretching name column leaves none above ~800 px of table width.
    table_->setMinimumHeight(table_->horizontalHeader()->sizeHint().height() + 3 * table_->verticalHeader()->defaultSectionSize() +
                             2 * table_->frameWidth());

    emptyHint_ = new QLabel;
    emptyHint_->setObjectName(QStringLiteral("emptyHint"));
    emptyHint_->setAlignment(Qt::AlignCenter);
    emptyHint_->setWordWrap(true);
    emptyHint_->setEnabled(false);
    emptyHint_->hide();

    auto* top = new QWidget;
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addLayout(tools);
    topLayout->addWidget(table_, 1);
    topLayout->addWidget(emptyHint_);

    detail_ = new ModelDetailPane;

    auto* split = new QSplitter(Qt::Vertical);
    split->setObjectName(QStringLiteral("modelsSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(top);
    split->addWidget(detail_);
    // The table gets the room: at 1152x720 the detail pane's minimum (the memory plan's forms and
    // chart) left it ~3.5 rows and the splitter could not enlarge it. The detail scrolls instead.
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);
    split->setSizes({400, 300});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(split);

    connect(filter_, &QLineEdit::textChanged, this, [this](const QString& text) {
        proxy_->setFilterWords(text);
        updateCount();
    });
    connect(rescan_, &QToolButton::clicked, this, &ModelsPage::rescan);
    connect(cancel_, &QToolButton::clicked, this, &ModelsPage::cancelScan);
    connect(table_->selectionModel(), &QItemSelectionModel::selectionChanged, this, &ModelsPage::onSelectionChanged);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &ModelsPage::updateCount);
    connect(proxy_, &QAbstractItemModel::rowsRemoved, this, &ModelsPage::updateCount);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &ModelsPage::updateCount);
    table_->viewport()->installEventFilter(this);
    connect(proxy_, &QAbstractItemModel::rowsInserted, this, &ModelsPage::fitColumns);
    connect(proxy_, &QAbstractItemModel::modelReset, this, &ModelsPage::fitColumns);

    updateCount();
}

ModelsPage::~ModelsPage() = default;

bool ModelsPage::eventFilter(QObject* watched, QEvent* event) {
    if (watched == table_->viewport() && event->type() == QEvent::Resize) fitColumns();
    return QWidget::eventFilter(watched, event);
}

void ModelsPage::fitColumns() {
    // The short columns get what their text and header need (a bold "Warm pool" with its icon was
    // elided to "Warm p…" at any window size while the stretching Name column was very wide); Name
    // takes the rest. When that leaves Name less than its longest name (a 1152-wide window), Status
    // gives way first, down to a floor that still shows the start of a reason (it is elided anyway,
    // the whole reason in its tooltip), then the headers (each has a tooltip), never the texts.
    const int em = table_->fontMetrics().horizontalAdvance(QLatin1Char('M'));
    const int statusCap = em * 18, statusFloor = em * 11;
    QHeaderView* header = table_->horizontalHeader();
    const QAbstractItemView* view = table_;   // sizeHintForColumn is public there (QTableView's override is protected)
    std::array<int, CatalogTableModel::ColumnCount> want{}, need{};
    int sumWant = 0, sumHeaderExtra = 0;
    for (int c = 0; c < CatalogTableModel::ColumnCount; ++c) {
        if (c == CatalogTableModel::Name) continue;
        need[c] = std::max(view->sizeHintForColumn(c), 3 * em);
        want[c] = std::max(need[c], header->sectionSizeHint(c));
        if (c == CatalogTableModel::Status) {
            want[c] = std::min(want[c], statusCap);
            need[c] = std::min(want[c], std::max(statusFloor, header->sectionSizeHint(c)));
        } else {
            sumHeaderExtra += want[c] - need[c];
        }
        sumWant += want[c];
    }
    const int available = table_->viewport()->width();
    int deficit = available > 0 ? sumWant + view->sizeHintForColumn(CatalogTableModel::Name) - available : 0;
    const int statusTake = std::clamp(deficit, 0, want[CatalogTableModel::Status] - need[CatalogTableModel::Status]);
    deficit -= statusTake;
    const int take = deficit > 0 && sumHeaderExtra > 0 ? std::min(deficit, sumHeaderExtra) : 0;
    for (int c = 0; c < CatalogTableModel::ColumnCount; ++c) {
        if (c == CatalogTableModel::Name) continue;
        if (c == CatalogTableModel::Status) {
            table_->setColumnWidth(c, want[c] - statusTake);
            continue;
        }
        const int extra = want[c] - need[c];
        table_->setColumnWidth(c, want[c] - (take && extra ? int(std::lround(double(extra) * take / sumHeaderExtra)) : 0));
    }
}

void ModelsPage::setRoots(const LibraryRoots& roots) { roots_ = roots; }

bool ModelsPage::isScanning() const { return scanner_->isRunning(); }

void ModelsPage::rescan() {
    progress_->setRange(0, 0);   // busy until the first candidates are counted
    progress_->setFormat(tr("Scanning…"));
    progress_->show();
    cancel_->show();
    rescan_->setEnabled(false);
    QStringList where;
    for (const auto& f : roots_.folders) where << toQString(f);
    if (!roots_.warmPool.empty()) where << tr("warm pool %1").arg(toQString(roots_.warmPool));
    spdlog::info("Scanning the model library: {}", where.join(QStringLiteral(", ")).toStdString());
    Q_EMIT statusMessage(tr("Scanning the model library…"));
    Q_EMIT scanStarted();
    using Scan = std::shared_ptr<JobResult<std::vector<CatalogEntry>>>;
    // Written by the scan's thread before it returns, read once it is done.
    auto notSearched = std::make_shared<std::atomic<std::size_t>>(0);
    scanner_->replace<Scan>(
        [this, roots = roots_, notSearched](std::stop_token stop, const JobRunner::Post& toGui) {
            ProgressThrottle throttle(kScanProgressIntervalMs);
            return std::make_shared<JobResult<std::vector<CatalogEntry>>>(scanLibrary(roots, stop, [&](const ScanProgress& p) {
                notSearched->store(p.foldersNotSearched);
                if (!throttle.due(p.found > 0 && p.described == p.found)) return;
                const int found = int(p.found), described = int(p.described);
                toGui([this, found, described, current = toQString(p.current)] { onScanProgress(found, described, current); });
            }));
        },
        [this, notSearched](JobDone<Scan> done) {
            // scanLibrary reports broken models per entry; an exception is a bug or an unreadable root.
            if (!done.ok()) spdlog::error("Library scan failed: {}", done.error.toStdString());
            const Scan scan = done.value.value_or(nullptr);
            onScanFinished(scan ? std::move(scan->value) : std::vector<CatalogEntry>{}, scan ? scan->cancelled : done.stopRequested,
                           notSearched->load());
        });
}

void ModelsPage::cancelScan() {
    if (!scanner_->isRunning()) return;
    scanner_->cancel();
    progress_->setFormat(tr("Cancelling…"));
}

void ModelsPage::onScanProgress(int found, int described, const QString& current) {
    progress_->setRange(0, std::max(found, 1));
    progress_->setValue(described);
    progress_->setFormat(tr("%1 of %2 models").arg(described).arg(found));
    progress_->setToolTip(current);
    Q_EMIT scanProgress(found, described, current);
}

void ModelsPage::onScanFinished(std::vector<CatalogEntry> entries, bool cancelled, std::size_t foldersNotSearched) {
    const QString selectedPath = [&] {
        const CatalogEntryPtr e = selectedEntry();
        return e ? toQString(e->path) : QString();
    }();

    model_->setEntries(std::move(entries));
    ++scans_;
    progress_->hide();
    cancel_->hide();
    rescan_->setEnabled(true);

    const int total = model_->rowCount();
    const int broken = model_->brokenCount();
    updateCount();
    updateEmptyHint();

    // Keep the user's selection across rescans; otherwise show the first model.
    const int row = selectedPath.isEmpty() ? -1 : model_->rowOfPath(selectedPath);
    QModelIndex index = row >= 0 ? proxy_->mapFromSource(model_->index(row, 0)) : proxy_->index(0, 0);
    if (index.isValid())
        table_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    else
        detail_->clearEntry();

    const QString models = countNoun(total, tr("model"), tr("models"));
    // "Library scan:": the count is of model folders as the catalog reads them, library and warm
    // pool together; shown on the Deploy page it read as the pool table's count, which judges pool
    // copies (a link, an empty folder) and differs.
    QString message = cancelled ? tr("Scan cancelled: %1 so far").arg(models) : tr("Library scan: %1 found").arg(models);
    if (broken) message += tr(", %1 broken").arg(broken);
    // A model deeper than the scan goes was left out without a word (trial 35); the log names the folder.
    if (foldersNotSearched)
        message += tr("; %1 too deep to search (%2 levels below a library folder; see the log)")
                       .arg(countNoun(int(foldersNotSearched), tr("folder"), tr("folders")))
                       .arg(kLibraryScanDepth);
    spdlog::info("{}", message.toStdString());
    Q_EMIT statusMessage(message);
    Q_EMIT scanFinished(total, broken, cancelled);
}

void ModelsPage::onSelectionChanged() {
    const CatalogEntryPtr e = selectedEntry();
    if (e)
        detail_->showEntry(e);
    else
        detail_->clearEntry();
}

CatalogEntryPtr ModelsPage::selectedEntry() const {
    const QModelIndexList rows = table_->selectionModel()->selectedRows();
    if (rows.isEmpty()) return nullptr;
    return model_->entryAt(proxy_->mapToSource(rows.first()));
}

namespace {
// Whether two models can be compared token by token: the same vocabulary size and special tokens
// (a proxy for the tokenizer that needs no tokenizer.json read on a right-click).
bool sameVocabularyAs(const ModelInfo& a, const ModelInfo& b) {
    return a.config.vocabSize == b.config.vocabSize && a.config.bosTokenId == b.config.bosTokenId && a.stopTokenIds.ids == b.stopTokenIds.ids;
}
}  // namespace

QMenu* ModelsPage::contextMenuFor(const CatalogEntryPtr& e, QWidget* parent) {
    auto* menu = new QMenu(parent);
    menu->setObjectName(QStringLiteral("modelContextMenu"));
    const QString path = toQString(e->path);
    const bool usable = e->ok() && e->format == ModelFormat::HuggingFace && e->info;
    const bool runnable = usable && e->info->unsupported.empty();  // the engine and quantizer run it (vLLM may serve more)
    const bool quantized = usable && e->info->config.quantization.method != QuantMethod::None;

    QAction* quantize = menu->addAction(icon(QStringLiteral("quantize")), tr("Quantize…"), this, [this, path] { Q_EMIT quantizeRequested(path); });
    quantize->setEnabled(runnable && !quantized);
    if (usable && quantized) quantize->setToolTip(tr("Already quantized"));
    else if (usable && !runnable) quantize->setToolTip(QString::fromStdString("config.json " + e->info->unsupported));

    QMenu* compare = menu->addMenu(icon(QStringLiteral("compare")), tr("Compare with"));
    compare->setObjectName(QStringLiteral("compareWithMenu"));
    std::vector<CatalogEntryPtr> others;
    for (int row = 0; row < model_->rowCount(); ++row) {
        const CatalogEntryPtr other = model_->entry(row);
        if (!other || other == e || !other->ok() || other->format != ModelFormat::HuggingFace || !other->info || !other->info->unsupported.empty())
            continue;
        others.push_back(other);
    }
    std::vector<const CatalogEntry*> named{e.get()};
    for (const auto& o : others) named.push_back(o.get());
    const QHash<QString, QString> hints = sameNameHints(named);
    // Models of another vocabulary cannot be compared token by token (KLD, agreement): they go under
    // "Other models" rather than make the menu run past the window.
    QMenu* incompatible = nullptr;
    for (const CatalogEntryPtr& other : others) {
        const QString otherPath = toQString(other->path);
        const QString hint = hints.value(QDir::cleanPath(otherPath));
        const QString text = tr("%1 · %2").arg(QString::fromStdString(other->name), originText(other->origin).toLower()) +
                             (hint.isEmpty() ? QString() : QStringLiteral(" · ") + hint);
        const bool sameVocabulary = !usable || sameVocabularyAs(*e->info, *other->info);
        if (!sameVocabulary && !incompatible) {
            incompatible = new QMenu(tr("Other models (another vocabulary)"), compare);
            incompatible->setObjectName(QStringLiteral("compareWithOtherMenu"));
        }
        QMenu* into = sameVocabulary ? compare : incompatible;
        QAction* a = into->addAction(text, this, [this, path, otherPath] { Q_EMIT compareRequested(path, otherPath); });
        a->setData(otherPath);
        a->setToolTip(otherPath);
    }
    if (incompatible) {
        if (!compare->isEmpty()) compare->addSeparator();
        compare->addMenu(incompatible);
    }
    compare->setToolTipsVisible(true);
    compare->setEnabled(runnable && !compare->isEmpty());

    QAction* pool = menu->addAction(icon(QStringLiteral("warm-pool")), tr("Add to warm pool"), this, [this, path] { Q_EMIT addToPoolRequested(path); });
    pool->setEnabled(usable && e->origin == ModelOrigin::Library);

    menu->addSeparator();
    const QString folder = e->format == ModelFormat::Gguf ? toQString(e->path.parent_path()) : path;
    menu->addAction(icon(QStringLiteral("library")), tr("Open folder"), this, [this, folder] {
        // Without a file manager (a bare desktop, a container) openUrl fails with a line on stderr
        // only: the path goes to the clipboard and the reason to the user instead.
        if (QDesktopServices::openUrl(QUrl::fromLocalFile(folder))) return;
        QGuiApplication::clipboard()->setText(folder);
        spdlog::warn("no file manager to open {}; the path is on the clipboard", folder.toStdString());
        QMessageBox::information(this, tr("Open folder"), tr("No file manager could open the folder. Its path is on the clipboard:\n%1").arg(folder));
    });
    return menu;
}

bool ModelsPage::selectModel(const QString& name) {
    const int row = model_->rowOfName(name);
    if (row < 0) return false;
    const QModelIndex index = proxy_->mapFromSource(model_->index(row, 0));
    if (!index.isValid()) return false;   // filtered out
    table_->selectionModel()->setCurrentIndex(index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    table_->scrollTo(index);
    return true;
}

void ModelsPage::setGpus(const GpuProbeResult& probe) { detail_->setGpus(probe); }

void ModelsPage::focusFilter() {
    filter_->setFocus(Qt::ShortcutFocusReason);
    filter_->selectAll();
}

void ModelsPage::setFilterText(const QString& text) { filter_->setText(text); }

int ModelsPage::visibleRowCount() const { return proxy_->rowCount(); }

void ModelsPage::updateCount() {
    const int total = model_->rowCount();
    const int shown = proxy_->rowCount();
    if (total == 0)
        count_->setText(scans_ ? tr("No models") : QString());
    else if (shown == total)
        count_->setText(countNoun(total, tr("model"), tr("models")));
    else
        count_->setText(tr("%1 of %2").arg(shown).arg(countNoun(total, tr("model"), tr("models"))));
}

void ModelsPage::updateEmptyHint() {
    if (model_->rowCount() > 0) {
        emptyHint_->hide();
        return;
    }
    emptyHint_->setText(roots_.folders.empty() && roots_.warmPool.empty()
                            ? tr("No library folders yet. Drop a model folder or a .gguf file here, or use File ▸ Add library folder (Ctrl+O).")
                            : tr("No models found in the library folders. Drop a model folder or a .gguf file here, or add folders in Settings."));
    emptyHint_->show();
}

}  // namespace awq::ui
