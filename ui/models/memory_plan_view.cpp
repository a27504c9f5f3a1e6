#include "ui/models/memory_plan_view.h"

#include "ui/util/catalog_text.h"
#include "ui/util/qcustomplot_include.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace awq::ui {
namespace {

constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
constexpr int kMaxContext = 1 << 21;   // 2M tokens
constexpr qulonglong kDefaultCardGiB = 16;   // without a detected GPU: the common 16 GB consumer card

QLabel* valueLabel(const char* objectName) {
    auto* l = new QLabel;
    l->setObjectName(QLatin1String(objectName));
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    l->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    return l;
}

}  // namespace

MemoryPlanView::MemoryPlanView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("memoryPlan"));
    stack_ = new QStackedWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(stack_);

    unavailable_ = new QLabel;
    unavailable_->setObjectName(QStringLiteral("planUnavailable"));
    unavailable_->setAlignment(Qt::AlignCenter);
    unavailable_->setWordWrap(true);
    unavailable_->setEnabled(false);
    stack_->addWidget(unavailable_);

    auto* page = new QWidget;
    stack_->addWidget(page);
    auto* layout = new QVBoxLayout(page);
    layout->setContentsMargins(6, 6, 6, 6);

    // Inputs
    gpu_ = new QComboBox;
    gpu_->setObjectName(QStringLiteral("planGpu"));
    gpu_->setToolTip(tr("A detected GPU, or a card size to plan for"));
    context_ = new QSpinBox;
    context_->setObjectName(QStringLiteral("planContext"));
    context_->setRange(1, kMaxContext);
    context_->setSingleStep(1024);
    context_->setSuffix(tr(" tokens"));
    context_->setGroupSeparatorShown(true);
    context_->setToolTip(tr("Tokens per sequence (prompt + answer); defaults to the model's context. vLLM refuses a context "
                            "past the model's (the verdict says so)"));
    kvType_ = new QComboBox;
    kvType_->setObjectName(QStringLiteral("planKvType"));
    kvType_->addItem(tr("FP16 / BF16 (2 bytes)"), 2);
    kvType_->addItem(tr("FP8 (1 byte)"), 1);
    kvType_->setToolTip(tr("KV cache element type (vLLM --kv-cache-dtype)"));
    utilization_ = new QDoubleSpinBox;
    utilization_->setRange(0.10, 1.00);
    utilization_->setSingleStep(0.05);
    utilization_->setDecimals(2);
    utilization_->setValue(0.90);
    utilization_->setToolTip(tr("Fraction of the card the server may use (vLLM --gpu-memory-utilization)"));

    auto* inputs = new QGroupBox(tr("Plan for"));
    auto* inputForm = new QFormLayout(inputs);
    inputForm->addRow(tr("GPU"), gpu_);
    inputForm->addRow(tr("Context"), context_);
    inputForm->addRow(tr("KV cache"), kvType_);
    inputForm->addRow(tr("Utilization"), utilization_);

    // Results
    weights_ = valueLabel("planWeights");
    kvPerToken_ = valueLabel("planKvPerToken");
    kvPerSequence_ = valueLabel("planKvPerSequence");
    budget_ = valueLabel("planBudget");
    kvBudget_ = valueLabel("planKvBudget");
    tokens_ = valueLabel("planTokens");
    sequences_ = valueLabel("planSequences");
    QFont bold = sequences_->font();
    bold.setBold(true);
    sequences_->setFont(bold);

    auto* results = new QGroupBox(tr("Memory"));
    auto* resultForm = new QFormLayout(results);
    resultForm->addRow(tr("Weights"), weights_);
    resultForm->addRow(tr("KV cache per token"), kvPerToken_);
    resultForm->addRow(tr("KV cache per sequence"), kvPerSequence_);
    resultForm->addRow(tr("Budget (card x utilization)"), budget_);
    resultForm->addRow(tr("Left for KV cache"), kvBudget_);
    resultForm->addRow(tr("Tokens of KV cache"), tokens_);
    // The KV cache's capacity at full context, not how many sequences a server runs at once (the
    // verdict says vLLM's --max-num-seqs limit beside it).
    resultForm->addRow(tr("Sequences in KV cache"), sequences_);

    auto* row = new QHBoxLayout;
    row->addWidget(inputs, 1);
    row->addWidget(results, 1);
    layout->addLayout(row);

    verdict_ = new QLabel;
    verdict_->setObjectName(QStringLiteral("planVerdict"));
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layout->addWidget(verdict_);

    chart_ = new QCustomPlot;
    chart_->setObjectName(QStringLiteral("planChart"));
    chart_->setMinimumHeight(130);   // with the legend whole; with the catalog's rows the Models page fits 1152x720
    chart_->setMaximumHeight(180);
    chart_->yAxis->setTicks(false);
    chart_->yAxis->setTickLabels(false);
    chart_->yAxis->setRange(0.5, 1.5);
    chart_->xAxis->setLabel(tr("GiB"));
    chart_->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    chart_->legend->setFont(legendFont);
    chart_->legend->setBorderPen(Qt::NoPen);
    chart_->legend->setIconSize(14, 9);
    chart_->setToolTip(tr("Overhead: CUDA context, activations, allocator slack. KV in use: the sequences the KV "
                                  "cache holds, each at full context. Held back: the part of the card the utilization leaves free."));
    auto* legendRow = new QCPLayoutGrid;
    chart_->plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(4, 0, 4, 2));
    legendRow->addElement(0, 0, chart_->legend);
    chart_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    chart_->plotLayout()->setRowStretchFactor(1, 0.001);
    layout->addWidget(chart_);
    layout->addStretch(1);

    connect(gpu_, &QComboBox::currentIndexChanged, this, &MemoryPlanView::recompute);
    connect(kvType_, &QComboBox::currentIndexChanged, this, &MemoryPlanView::recompute);
    connect(utilization_, &QDoubleSpinBox::valueChanged, this, &MemoryPlanView::recompute);
    connect(context_, &QSpinBox::valueChanged, this, [this] {
        if (!settingContext_) contextTouchedByUser_ = true;
        recompute();
    });

    rebuildGpuChoices({});
    showUnavailable(tr("Select a model to see how it fits on a GPU."));
}

void MemoryPlanView::rebuildGpuChoices(const GpuProbeResult& probe) {
    const qulonglong previous = gpu_->currentData().toULongLong();
    const QSignalBlocker block(gpu_);
    gpu_->clear();
    for (const GpuInfo& g : probe.gpus) {
        gpu_->addItem(tr("GPU %1: %2 (%3)").arg(g.index).arg(QString::fromStdString(g.name), formatGiB(g.totalBytes)),
                      QVariant::fromValue<qulonglong>(g.totalBytes));
        gpu_->setItemData(gpu_->count() - 1, tr("Detected; %1 in use now").arg(formatGiB(g.usedBytes)), Qt::ToolTipRole);
    }
    for (int gib : commonGpuSizesGiB())
        gpu_->addItem(QString::fromStdString(commonGpuLabel(gib)), QVariant::fromValue<qulonglong>(static_cast<qulonglong>(gib) << 30));
    int index = previous ? gpu_->findData(QVariant::fromValue<qulonglong>(previous)) : -1;
    if (index < 0 && probe.gpus.empty()) index = gpu_->findData(QVariant::fromValue<qulonglong>(kDefaultCardGiB << 30));
    gpu_->setCurrentIndex(index >= 0 ? index : 0);
}

void MemoryPlanView::setGpus(const GpuProbeResult& probe) {
    // Rebuild only when the set of cards changes: the status bar polls every few seconds and the
    // user's choice must not jump around.
    auto sameCards = [](const GpuProbeResult& a, const GpuProbeResult& b) {
        if (a.gpus.size() != b.gpus.size()) return false;
        for (std::size_t i = 0; i < a.gpus.size(); ++i)
            if (a.gpus[i].name != b.gpus[i].name || a.gpus[i].totalBytes != b.gpus[i].totalBytes) return false;
        return true;
    };
    const bool changed = !sameCards(probe, probe_);
    const bool hadGpus = !probe_.gpus.empty();
    probe_ = probe;
    if (!changed) return;
    rebuildGpuChoices(probe);
    if (!hadGpus && !probe.gpus.empty()) gpu_->setCurrentIndex(0);   // prefer the card we found
    recompute();
}

bool MemoryPlanView::selectGpuSizeGiB(int gib) {
    const int index = gpu_->findData(QVariant::fromValue<qulonglong>(static_cast<qulonglong>(gib) << 30));
    if (index < 0) return false;
    gpu_->setCurrentIndex(index);
    return true;
}

void MemoryPlanView::setContextLength(int tokens) {
    contextTouchedByUser_ = true;
    context_->setValue(tokens);
}

void MemoryPlanView::setEntry(CatalogEntryPtr entry) {
    entry_ = std::move(entry);
    if (entry_ && entry_->info && !contextTouchedByUser_) {
        const int maxPositions = entry_->info->config.maxPositions;
        settingContext_ = true;
        context_->setValue(maxPositions > 0 ? std::min(maxPositions, kMaxContext) : 4096);
        settingContext_ = false;
    }
    recompute();
}

QString MemoryPlanView::verdict() const { return plan_ ? verdict_->text() : QString(); }

QString MemoryPlanView::unavailableReason() const { return plan_ ? QString() : unavailable_->text(); }

void MemoryPlanView::showUnavailable(const QString& reason) {
    plan_.reset();
    unavailable_->setText(reason);
    stack_->setCurrentWidget(unavailable_);
    Q_EMIT planChanged();
}

void MemoryPlanView::recompute() {
    if (!entry_) return showUnavailable(tr("Select a model to see how it fits on a GPU."));
    if (!entry_->ok()) return showUnavailable(tr("No memory plan: the model is broken.\n%1").arg(QString::fromStdString(entry_->error)));
    if (!entry_->info)
        return showUnavailable(tr("No memory plan for GGUF files yet: the workbench plans Hugging Face models "
                                  "(config.json + safetensors), which is what vLLM serves."));

    MemoryPlanInput input;
    input.gpuMemoryBytes = gpu_->currentData().toULongLong();
    input.contextLength = context_->value();
    input.kvBytesPerElement = kvType_->currentData().toInt();
    input.utilization = utilization_->value();
    try {
        const MemoryPlan plan = planMemory(*entry_->info, input);
        plan_ = plan;
        showPlan(plan, input.gpuMemoryBytes);
        updateChart(plan, input.gpuMemoryBytes, input.overheadBytes);
        stack_->setCurrentIndex(1);
        Q_EMIT planChanged();
    } catch (const std::exception& e) {
        showUnavailable(tr("No memory plan: %1").arg(QString::fromUtf8(e.what())));
    }
}

void MemoryPlanView::showPlan(const MemoryPlan& p, std::uint64_t cardBytes) {
    weights_->setText(formatMemory(p.weightBytes));
    kvPerToken_->setText(formatBytes(p.kvBytesPerToken));
    kvPerSequence_->setText(formatMemory(p.kvBytesPerSequence));
    budget_->setText(formatGiB(p.budgetBytes));
    kvBudget_->setText(p.kvBudgetBytes >= 0 ? formatMemory(static_cast<std::uint64_t>(p.kvBudgetBytes))
                                            : QStringLiteral("−") + formatMemory(static_cast<std::uint64_t>(-p.kvBudgetBytes)));
    tokens_->setText(formatInteger(std::max<std::int64_t>(p.tokensThatFit, 0)));
    sequences_->setText(formatInteger(std::max<std::int64_t>(p.sequencesThatFit, 0)));

    QString text;
    QString color;
    if (p.pastModelContext()) {
        // vLLM will not start with it, however many such sequences the cache would hold: this said
        // "Fits" in green for 50,000 tokens of a 1,024-token model (`models show` notes it too).
        color = QStringLiteral("#b3261e");
        text = tr("Context %1 is past the model's %2 tokens (as vLLM derives them from config.json): vLLM refuses a longer "
                  "max-model-len and would not start. Lower the context to %2 tokens or fewer.")
                   .arg(formatInteger(p.contextLength), formatInteger(p.modelContextLength));
        if (!p.weightsFit)
            text += tr(" The weights do not fit either: they need %1, but %2 of this %3 card is usable at %4% utilization.")
                        .arg(formatMemory(p.weightBytes), formatGiB(p.budgetBytes), formatGiB(cardBytes))
                        .arg(qRound(utilization_->value() * 100));
    } else if (!p.weightsFit) {
        color = QStringLiteral("#b3261e");
        text = tr("Does not fit: the weights need %1, but %2 of this %3 card is usable at %4% utilization "
                  "(less runtime overhead).")
                   .arg(formatMemory(p.weightBytes), formatGiB(p.budgetBytes), formatGiB(cardBytes))
                   .arg(qRound(utilization_->value() * 100));
    } else if (p.sequencesThatFit <= 0) {
        color = QStringLiteral("#a84b00");
        text = tr("The weights fit, but the KV cache holds only %1 tokens, less than one %2-token sequence. "
                  "Lower the context to %1 tokens or plan for a bigger card.")
                   .arg(formatInteger(std::max<std::int64_t>(p.tokensThatFit, 0)), formatInteger(p.contextLength));
    } else {
        color = QStringLiteral("#1e7b34");
        // The CLI's `models show` prints the same words (kvCapacityText): it read "Fits: 3,426
        // concurrent sequences", which a user took for what a server runs at once.
        text = tr("Fits: %1.").arg(QString::fromStdString(kvCapacityText(p)));
    }
    // A detected card already busy with other processes: servers check free memory at start.
    for (const GpuInfo& g : probe_.gpus) {
        if (g.totalBytes == cardBytes && g.usedBytes > 0 && g.totalBytes - g.usedBytes < p.budgetBytes) {
            text += tr(" Right now other processes hold %1 of this card, so a server asking for %2 would not start.")
                        .arg(formatGiB(g.usedBytes), formatGiB(p.budgetBytes));
            break;
        }
    }
    verdict_->setText(text);
    verdict_->setStyleSheet(QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(color));
}

void MemoryPlanView::updateChart(const MemoryPlan& p, std::uint64_t cardBytes, std::uint64_t overhead) {
    chart_->clearPlottables();
    const double card = static_cast<double>(cardBytes) / kGiB;
    const double weights = static_cast<double>(p.weightBytes) / kGiB;
    const double runtime = static_cast<double>(overhead) / kGiB;
    const double kvUsed = static_cast<double>(std::max<std::int64_t>(p.sequencesThatFit, 0)) *
                          static_cast<double>(p.kvBytesPerSequence) / kGiB;
    const double budget = static_cast<double>(p.budgetBytes) / kGiB;
    const double spare = std::max(0.0, budget - weights - runtime - kvUsed);
    const double heldBack = std::max(0.0, card - std::max(budget, weights + runtime));

    struct Segment {
        QString name;
        double gib;
        QColor color;
    };
    const Segment segments[] = {
        {tr("Weights"), weights, QColor(0x3b, 0x6f, 0xb6)},
        {tr("Overhead"), runtime, QColor(0x8c, 0x8c, 0x8c)},
        {tr("KV in use"), kvUsed, QColor(0x3f, 0x9b, 0x5a)},
        {tr("KV spare"), spare, QColor(0xb9, 0xdd, 0xc2)},
        {tr("Held back"), heldBack, QColor(0xe4, 0xe4, 0xe4)},
    };
    QCPBars* below = nullptr;
    for (const Segment& s : segments) {
        auto* bars = new QCPBars(chart_->yAxis, chart_->xAxis);
        bars->setName(s.name);
        bars->setWidth(0.6);
        bars->setBrush(s.color);
        bars->setPen(QPen(s.color.darker(130)));
        bars->setData(QVector<double>{1.0}, QVector<double>{s.gib});
        if (below) bars->moveAbove(below);
        below = bars;
    }
    chart_->clearItems();
    auto* cardLine = new QCPItemStraightLine(chart_);
    cardLine->point1->setCoords(card, 0);
    cardLine->point2->setCoords(card, 1);
    cardLine->setPen(QPen(QColor(0xb3, 0x26, 0x1e), 1.5, Qt::DashLine));
    const double end = std::max(card, weights + runtime) * 1.02;
    chart_->xAxis->setRange(0, end > 0 ? end : 1);
    chart_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace awq::ui
