#include "ui/compare/timeline_view.h"


#include "core/compare/decode_timeline.h"
#include "core/report/decode_roofline.h"
#include "core/util/format.h"
#include "ui/compare/ab_results_table.h"
#include "ui/util/qcustomplot_include.h"
#include "ui/util/field_label.h"

#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace awq::ui {
namespace {

// The stack's segments, in KernelCategory order, then the time nothing ran.
const char* const kSegmentNames[5] = {"GEMM/GEMV", "attention", "norms", "other", "nothing running"};
const QColor kSegmentColors[5] = {QColor(0x3b, 0x6f, 0xb6), QColor(0xd0, 0x6b, 0x1f), QColor(0x4c, 0x9a, 0x5b), QColor(0x8c, 0x8c, 0x8c),
                                  QColor(0xe0, 0xe0, 0xe0)};

}  // namespace

TimelineView::TimelineView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("timelineView"));
    steps_ = new QSpinBox;
    steps_->setObjectName(QStringLiteral("timelineSteps"));
    steps_->setRange(1, 4096);
    steps_->setValue(16);
    steps_->setPrefix(tr("steps "));
    steps_->setToolTip(tr("Greedy decode steps recorded per model (the figures are their mean)"));
    prompt_ = new QLineEdit(QStringLiteral("Once upon a time"));
    prompt_->setObjectName(QStringLiteral("timelinePrompt"));
    prompt_->setToolTip(tr("Prompt before the recorded steps"));
    run_ = new QPushButton(tr("Profile A and B"));
    run_->setObjectName(QStringLiteral("timelineRun"));
    run_->setToolTip(tr("Record a decode step of each model (GPU kernels on CUDA, torch operators on the CPU) and measure the "
                        "device's read bandwidth and matmul ceilings in the same run"));
    stop_ = new QPushButton(tr("Stop"));
    stage_ = new QLabel;
    stage_->setObjectName(QStringLiteral("timelineStage"));
    stage_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // stage text must not widen the page
    stage_->setMinimumWidth(stage_->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 16);

    auto* tools = new QHBoxLayout;
    tools->addWidget(fieldLabel(tr("Prompt"), prompt_));
    tools->addWidget(prompt_, 1);
    tools->addWidget(steps_);
    tools->addWidget(stage_, 1);
    tools->addWidget(stop_);
    tools->addWidget(run_);

    // Times a step in ms, as TPOT and `awqbench-cli profile` / `compare` give them (the run keeps us).
    results_ = makeAbResultsTable({tr("Step (ms)"), tr("GEMM/GEMV (ms)"), tr("Attention (ms)"), tr("Norms (ms)"), tr("Other (ms)"),
                                       tr("Nothing running (ms)"), tr("Share outside GEMMs"), tr("Weight bytes a step"),
                                       tr("GEMM/GEMV GB/s (of read ceiling)"), tr("GEMM/GEMV GFLOP/s (of compute peak)")}, QStringLiteral("timelineResults"));
    chart_ = new QCustomPlot;
    chart_->setObjectName(QStringLiteral("timelineChart"));
    chart_->setMinimumHeight(120);
    chart_->xAxis->setLabel(tr("ms a decode step"));
    QSharedPointer<QCPAxisTickerText> rows(new QCPAxisTickerText);
    rows->addTick(1, tr("B"));
    rows->addTick(2, tr("A"));
    chart_->yAxis->setTicker(rows);
    chart_->yAxis->setRange(0.4, 2.6);
    // The legend in a row of its own above the bars, never over them.
    chart_->legend->setVisible(true);
    chart_->legend->setBorderPen(Qt::NoPen);
    chart_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    chart_->legend->setWrap(3);
    verdict_ = new QLabel;
    verdict_->setObjectName(QStringLiteral("timelineVerdict"));
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = verdict_->font();
    bold.setBold(true);
    verdict_->setFont(bold);
    verdict_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);   // whole lines, never clipped
    ceilings_ = new QLabel;
    ceilings_->setObjectName(QStringLiteral("timelineCeilings"));
    ceilings_->setWordWrap(true);
    ceilings_->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Minimum);
    auto* traces = new QHBoxLayout;
    for (int s = 0; s < 2; ++s) {
        saveTrace_[s] = new QPushButton(s == 0 ? tr("Save A's trace…") : tr("Save B's trace…"));
        saveTrace_[s]->setObjectName(s == 0 ? QStringLiteral("timelineSaveTraceA") : QStringLiteral("timelineSaveTraceB"));
        saveTrace_[s]->setToolTip(tr("Copy the Chrome trace (chrome://tracing, ui.perfetto.dev) saved beside the run document"));
        saveTrace_[s]->setEnabled(false);
        connect(saveTrace_[s], &QPushButton::clicked, this, [this, s] { saveTrace(s); });
        traces->addWidget(saveTrace_[s]);
    }
    traces->addStretch(1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addWidget(verdict_);   // the answer first; the figures it comes from below
    auto* figures = new QHBoxLayout;   // side by side: the page must fit 1280 x 720
    auto* tableColumn = new QVBoxLayout;   // the table at the top; its height cap must not cap the chart's
    results_->setMinimumHeight(results_->maximumHeight());   // every row, no scroll bar
    tableColumn->addWidget(results_);
    tableColumn->addStretch(1);
    figures->addLayout(tableColumn, 1);
    figures->addWidget(chart_, 1);
    layout->addLayout(figures, 1);
    layout->addWidget(ceilings_);
    layout->addLayout(traces);

    connect(run_, &QPushButton::clicked, this, &TimelineView::runRequested);
    connect(stop_, &QPushButton::clicked, this, &TimelineView::stopRequested);
    setModelNames(tr("A"), tr("B"));
    setRunning(false, false);
}

int TimelineView::steps() const { return steps_->value(); }
QString TimelineView::prompt() const { return prompt_->text().isEmpty() ? QStringLiteral("Once upon a time") : prompt_->text(); }

void TimelineView::setModelNames(const QString& a, const QString& b) {
    setAbModelNames(results_, a, b);
}

void TimelineView::setRunning(bool running, bool canRun) {
    run_->setEnabled(!running && canRun);
    stop_->setEnabled(running);
}

void TimelineView::begin() {
    for (int r = 0; r < RowCount; ++r)
        for (int c = 0; c < 2; ++c) results_->item(r, c)->setText(QString());
    verdict_->clear();
    ceilings_->clear();
    for (int s = 0; s < 2; ++s) {
        traceFiles_[s].clear();
        saveTrace_[s]->setEnabled(false);
    }
    chart_->clearPlottables();
    showLegendRow(false);
    chart_->replot();
    stage_->setText(tr("starting…"));
}

void TimelineView::onStage(const QString& stage) {
    stage_->setText(stage == QLatin1String("ceilings") ? tr("measuring the device's ceilings…") : tr("profiling %1…").arg(stage));
}

// The legend's row above the bars only while it lists them: an empty QCPLegend's maximum width
// (its margins) caps the plot layout's column, which squeezed the empty chart into a sliver.
void TimelineView::showLegendRow(bool shown) {
    QCPLayoutGrid* layout = chart_->plotLayout();
    if (shown == (layout->rowCount() > 1)) return;
    if (shown) {
        layout->insertRow(0);
        layout->addElement(0, 0, chart_->legend);
        layout->setRowStretchFactor(0, 0.001);
    } else {
        layout->take(chart_->legend);
        layout->simplify();
    }
}

void TimelineView::showResult(const TimelineRun& run, bool b4bit, const QString& runFile) {
    stage_->setText(tr("%1 steps a model").arg(run.steps));
    const auto number = [](double v, int decimals) { return QString::number(v, 'f', decimals); };
    QString ceilings;
    for (const auto& [slot, m] : run.models) {
        const int c = slot == "B" ? 1 : 0;
        const RooflinePoint p = rooflinePoint(rooflineInputOf(m));
        const auto ms = [&](double us) { return number(us / 1000.0, 3); };
        const QString values[RowCount] = {ms(m.stepUs), ms(m.categoryUs[0]), ms(m.categoryUs[1]),
                                          ms(m.categoryUs[2]), ms(m.categoryUs[3]), ms(m.idleUs),
                                          number(p.nonGemmShare * 100, 1) + QStringLiteral(" %"),
                                          QString::fromStdString(format::bytes(m.weightBytesPerStep)),
                                          QStringLiteral("%1 (%2 %)").arg(number(p.achievedGBs, 1), number(p.bandwidthShare * 100, 1)),
                                          QStringLiteral("%1 (%2 %)").arg(number(p.achievedGFlops, 1), number(p.computeShare * 100, 2))};
        for (int r = 0; r < RowCount; ++r) results_->item(r, c)->setText(values[r]);
        const auto& k = m.ceilings;
        const QString line = tr("Ceilings on %1 (%2, measured in this run): read %3 GB/s, matmul %4 GFLOP/s.")
                                 .arg(QString::fromStdString(k.device), QString::fromStdString(k.dtype), number(k.readGBs, 1),
                                      number(k.computeGFlops, 1));
        if (!ceilings.contains(line)) ceilings += (ceilings.isEmpty() ? QString() : QStringLiteral(" ")) + line;   // once when A and B share them
        if (!m.traceFile.empty() && !runFile.isEmpty() && c < 2) {
            traceFiles_[c] = QFileInfo(runFile).dir().filePath(QString::fromStdString(m.traceFile));
            saveTrace_[c]->setEnabled(QFileInfo::exists(traceFiles_[c]));
            saveTrace_[c]->setToolTip(traceFiles_[c]);
        }
    }
    chart_->clearPlottables();
    QCPBars* below = nullptr;
    for (int segment = 0; segment < 5; ++segment) {
        auto* bars = new QCPBars(chart_->yAxis, chart_->xAxis);   // horizontal: the key axis is the vertical one
        bars->setName(tr(kSegmentNames[segment]));
        bars->setPen(Qt::NoPen);
        bars->setBrush(kSegmentColors[segment]);
        bars->setWidth(0.6);
        for (const auto& [slot, m] : run.models)
            bars->addData(slot == "B" ? 1 : 2, (segment < 4 ? m.categoryUs[segment] : m.idleUs) / 1000.0);
        if (below) bars->moveAbove(below);
        below = bars;
    }
    double longest = 0;
    for (const auto& [slot, m] : run.models) longest = std::max(longest, std::max(m.stepUs, m.busyUs + m.idleUs) / 1000.0);
    chart_->xAxis->setRange(0, longest * 1.05);
    showLegendRow(true);
    chart_->replot();
    const std::string verdict = timelineVerdict(run, b4bit);
    verdict_->setText(QString::fromStdString(verdict.empty() ? run.verdict : verdict));
    ceilings_->setText(ceilings);
}

void TimelineView::saveTrace(int slot) {
    if (traceFiles_[slot].isEmpty()) return;
    const QString target = QFileDialog::getSaveFileName(this, tr("Save the Chrome trace"), QFileInfo(traceFiles_[slot]).fileName(),
                                                        tr("Chrome trace (*.json)"));
    if (target.isEmpty()) return;
    QFile::remove(target);
    QFile::copy(traceFiles_[slot], target);
}

}  // namespace awq::ui
