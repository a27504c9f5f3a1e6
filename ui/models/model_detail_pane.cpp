#include "ui/models/model_detail_pane.h"

#include "ui/util/catalog_text.h"
#include "ui/models/gguf_metadata_model.h"
#include "ui/models/memory_plan_view.h"
#include "ui/models/model_facts_view.h"
#include "ui/models/tensor_table_model.h"
#include "ui/util/path_text.h"
#include "ui/util/view_style.h"

#include <QHeaderView>
#include <QScrollArea>
#include <QScrollBar>
#include <QLabel>
#include <QLineEdit>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace awq::ui {
namespace {

QTableView* makeTable(QAbstractItemModel* model, const char* objectName) {
    auto* view = new QTableView;
    view->setObjectName(QLatin1String(objectName));
    view->setModel(model);
    view->setSortingEnabled(true);
    view->setAlternatingRowColors(true);
    view->setSelectionBehavior(QAbstractItemView::SelectRows);
    view->setWordWrap(false);
    view->verticalHeader()->hide();
    view->verticalHeader()->setDefaultSectionSize(view->fontMetrics().height() + 6);
    view->horizontalHeader()->setStretchLastSection(true);
    view->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    applySoftSelection(view);
    return view;
}

// Names (tensor names, metadata keys) are what people read first: show them whole, within reason.
void fitFirstColumn(QTableView* view) {
    view->resizeColumnToContents(0);
    const int cap = std::max(160, view->viewport()->width() / 2);
    if (view->columnWidth(0) > cap) view->setColumnWidth(0, cap);
}

}  // namespace

ModelDetailPane::ModelDetailPane(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("modelDetail"));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->setSpacing(4);

    title_ = new QLabel;
    title_->setObjectName(QStringLiteral("detailTitle"));
    QFont big = title_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    big.setBold(true);
    title_->setFont(big);
    title_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    subtitle_ = new QLabel;
    subtitle_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    subtitle_->setWordWrap(false);
    problem_ = new QLabel;
    problem_->setObjectName(QStringLiteral("detailProblem"));
    problem_->setWordWrap(true);
    problem_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    problem_->hide();
    layout->addWidget(title_);
    layout->addWidget(subtitle_);
    layout->addWidget(problem_);

    auto* split = new QSplitter(Qt::Horizontal);
    split->setChildrenCollapsible(false);
    layout->addWidget(split, 1);

    facts_ = new ModelFactsView;
    split->addWidget(facts_);

    tabs_ = new QTabWidget;
    tabs_->setObjectName(QStringLiteral("detailTabs"));
    split->addWidget(tabs_);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    split->setSizes({480, 560});

    plan_ = new MemoryPlanView;
    // Scrolls rather than hold the pane (and the Models page's splitter) at its full height.
    planScroll_ = new QScrollArea;
    planScroll_->setObjectName(QStringLiteral("memoryPlanScroll"));
    planScroll_->setWidget(plan_);
    planScroll_->setWidgetResizable(true);
    planScroll_->setFrameShape(QFrame::NoFrame);
    planScroll_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    tabs_->addTab(planScroll_, tr("Memory plan"));

    tensorPage_ = new QWidget;
    auto* tensorLayout = new QVBoxLayout(tensorPage_);
    tensorLayout->setContentsMargins(4, 4, 4, 4);
    tensorFilter_ = new QLineEdit;
    tensorFilter_->setObjectName(QStringLiteral("tensorFilter"));
    tensorFilter_->setPlaceholderText(tr("Filter tensors (e.g. layers.3. or q_proj)"));
    tensorFilter_->setClearButtonEnabled(true);
    tensors_ = new TensorTableModel(this);
    tensorProxy_ = new QSortFilterProxyModel(this);
    tensorProxy_->setSourceModel(tensors_);
    tensorProxy_->setSortRole(TensorTableModel::SortRole);
    tensorProxy_->setFilterCaseSensitivity(Qt::CaseInsensitive);
    tensorProxy_->setFilterKeyColumn(TensorTableModel::Name);
    tensorTable_ = makeTable(tensorProxy_, "tensorTable");
    tensorTable_->sortByColumn(-1, Qt::AscendingOrder);   // file order until the user sorts
    tensorSummary_ = new QLabel;
    tensorLayout->addWidget(tensorFilter_);
    tensorLayout->addWidget(tensorTable_, 1);
    tensorLayout->addWidget(tensorSummary_);
    tabs_->addTab(tensorPage_, tr("Tensors"));
    connect(tensorFilter_, &QLineEdit::textChanged, tensorProxy_, &QSortFilterProxyModel::setFilterFixedString);

    ggufPage_ = new QWidget;
    auto* ggufLayout = new QVBoxLayout(ggufPage_);
    ggufLayout->setContentsMargins(4, 4, 4, 4);
    gguf_ = new GgufMetadataModel(this);
    auto* ggufProxy = new QSortFilterProxyModel(this);
    ggufProxy->setSourceModel(gguf_);
    ggufProxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    ggufProxy->setFilterKeyColumn(GgufMetadataModel::Key);
    auto* ggufFilter = new QLineEdit;
    ggufFilter->setPlaceholderText(tr("Filter keys (e.g. tokenizer or attention)"));
    ggufFilter->setClearButtonEnabled(true);
    connect(ggufFilter, &QLineEdit::textChanged, ggufProxy, &QSortFilterProxyModel::setFilterFixedString);
    ggufTable_ = makeTable(ggufProxy, "ggufMetadataTable");
    ggufTable_->sortByColumn(-1, Qt::AscendingOrder);
    ggufLayout->addWidget(ggufFilter);
    ggufLayout->addWidget(ggufTable_, 1);
    tabs_->addTab(ggufPage_, tr("GGUF metadata"));

    clearEntry();
}

void ModelDetailPane::setGpus(const GpuProbeResult& probe) { plan_->setGpus(probe); }

QString ModelDetailPane::title() const { return title_->text(); }

QString ModelDetailPane::problemText() const { return problem_->isVisibleTo(this) ? problem_->text() : QString(); }

void ModelDetailPane::showTab(Tab tab) {
    switch (tab) {
    case MemoryPlanTab: tabs_->setCurrentWidget(planScroll_); break;
    case TensorsTab: tabs_->setCurrentWidget(tensorPage_); break;
    case GgufMetadataTab: tabs_->setCurrentWidget(ggufPage_); break;
    }
}

void ModelDetailPane::clearEntry() {
    entry_.reset();
    title_->setText(tr("No model selected"));
    subtitle_->setText(tr("Pick a model in the table to see its configuration, tensors and memory plan."));
    problem_->hide();
    facts_->clearFacts();
    tensors_->clear();
    gguf_->clear();
    plan_->setEntry(nullptr);
    updateTabs();
}

void ModelDetailPane::showEntry(CatalogEntryPtr entry) {
    if (!entry) return clearEntry();
    entry_ = std::move(entry);
    const CatalogEntry& e = *entry_;

    title_->setText(QString::fromStdString(e.name));
    QStringList sub{formatText(e.format), originText(e.origin)};
    if (const QString arch = architectureText(e); !arch.isEmpty()) sub << arch;
    if (const auto n = parameterCount(e)) sub << tr("%1 parameters").arg(formatCount(n));
    if (const QString q = quantizationText(e); !q.isEmpty()) sub << q;
    sub << toQString(e.path);
    subtitle_->setText(sub.join(QStringLiteral("  ·  ")));
    subtitle_->setToolTip(toQString(e.path));

    if (!e.ok()) {
        problem_->setText(tr("Broken: %1").arg(QString::fromStdString(e.error)));
        problem_->setStyleSheet(QStringLiteral("QLabel { background: #fde7e5; color: #8c1d18; border: 1px solid #e8b4ae; padding: 6px; }"));
        problem_->show();
    } else if (e.info && !e.info->warnings.empty()) {
        QStringList w;
        for (const auto& s : e.info->warnings) w << QString::fromStdString(s);
        problem_->setText(w.join(QLatin1Char('\n')));
        problem_->setStyleSheet(QStringLiteral("QLabel { background: #fff4e0; color: #7a4100; border: 1px solid #f0cf99; padding: 6px; }"));
        problem_->show();
    } else {
        problem_->hide();
    }

    facts_->showEntry(e);
    if (e.info) {
        tensors_->setTensors(e.info->tensors);
    } else if (e.gguf) {
        tensors_->setGgufTensors(e.gguf->tensors);
    } else {
        tensors_->clear();
    }
    tensorSummary_->setText(tr("%1, %2").arg(countNoun(tensors_->rowCount(), tr("tensor"), tr("tensors")),
                                              formatBytes(tensors_->totalBytes())));
    if (e.gguf)
        gguf_->setMetadata(e.gguf->metadata);
    else
        gguf_->clear();
    fitFirstColumn(tensorTable_);
    fitFirstColumn(ggufTable_);
    plan_->setEntry(entry_);
    updateTabs();
}

void ModelDetailPane::updateTabs() {
    const bool isGguf = entry_ && entry_->gguf;
    tabs_->setTabVisible(tabs_->indexOf(ggufPage_), isGguf);
    tabs_->setTabText(tabs_->indexOf(tensorPage_),
                      tensors_->rowCount() ? tr("Tensors (%1)").arg(tensors_->rowCount()) : tr("Tensors"));
    tabs_->setTabText(tabs_->indexOf(ggufPage_),
                      gguf_->rowCount() ? tr("GGUF metadata (%1)").arg(gguf_->rowCount()) : tr("GGUF metadata"));
}

}  // namespace awq::ui
