#include "ui/quantize/memory_chart.h"

#include "ui/util/catalog_text.h"
#include "ui/util/qcustomplot_include.h"

#include <QResizeEvent>
#include <QVBoxLayout>

#include <algorithm>

namespace awq::ui {
namespace {
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
const QColor kCurrent(0x3b, 0x6f, 0xb6);
const QColor kPeak(0xa8, 0x4b, 0x00);
const QColor kTotal(0xb3, 0x26, 0x1e);
}  // namespace

QString memorySeriesName(bool cuda) {
    return cuda ? QObject::tr("GPU memory in use (NVML, whole card)") : QObject::tr("Process memory (RSS: the whole app, not the job alone)");
}

MemoryChart::MemoryChart(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("memoryChart"));
    plot_ = new QCustomPlot;
    plot_->setObjectName(QStringLiteral("memoryPlot"));
    plot_->setMinimumHeight(150);
    plot_->xAxis->setLabel(tr("seconds"));
    plot_->yAxis->setLabel(tr("GiB"));
    plot_->legend->setVisible(true);
    QFont legendFont = font();
    legendFont.setPointSizeF(legendFont.pointSizeF() * 0.85);
    plot_->legend->setFont(legendFont);
    plot_->legend->setBorderPen(Qt::NoPen);
    plot_->legend->setIconSize(14, 9);
    // The legend sits in a row under the plot, where it never hides the curve.
    auto* legendRow = new QCPLayoutGrid;
    plot_->plotLayout()->addElement(1, 0, legendRow);
    legendRow->setMargins(QMargins(4, 0, 4, 2));
    legendRow->addElement(0, 0, plot_->legend);
    plot_->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
    plot_->plotLayout()->setRowStretchFactor(1, 0.001);

    current_ = plot_->addGraph();
    current_->setPen(QPen(kCurrent, 1.8));
    current_->setBrush(QColor(kCurrent.red(), kCurrent.green(), kCurrent.blue(), 40));
    peakGraph_ = plot_->addGraph();
    peakGraph_->setPen(QPen(kPeak, 1.2));
    peakGraph_->setLineStyle(QCPGraph::lsStepLeft);
    totalLegend_ = plot_->addGraph();   // no data: only carries the legend entry of the dashed line
    totalLegend_->setPen(QPen(kTotal, 1.5, Qt::DashLine));
    totalLine_ = new QCPItemStraightLine(plot_);
    totalLine_->setPen(QPen(kTotal, 1.5, Qt::DashLine));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(plot_);
    reset(tr("Memory in use"), false);
}

void MemoryChart::reset(const QString& seriesName, bool cuda) {
    cuda_ = cuda;
    samples_ = 0;
    lastSeconds_ = 0;
    peak_ = 0;
    total_ = 0;
    current_->data()->clear();
    peakGraph_->data()->clear();
    current_->setName(seriesName);
    peakGraph_->setName(tr("Peak"));
    totalLegend_->setName(cuda ? tr("Card total") : tr("Host RAM"));
    totalLegend_->setPen(QPen(kTotal, 1.5, Qt::DashLine));
    totalLine_->setVisible(false);
    rescale();
}

void MemoryChart::addSample(double seconds, std::uint64_t usedBytes, std::uint64_t totalBytes) {
    ++samples_;
    lastSeconds_ = std::max(lastSeconds_, seconds);
    peak_ = std::max(peak_, usedBytes);
    total_ = totalBytes;
    current_->addData(seconds, static_cast<double>(usedBytes) / kGiB);
    peakGraph_->addData(seconds, static_cast<double>(peak_) / kGiB);
    rescale();
}

void MemoryChart::notePeak(std::uint64_t peakBytes) {
    if (peakBytes <= peak_) return;
    peak_ = peakBytes;
    peakGraph_->addData(lastSeconds_, static_cast<double>(peak_) / kGiB);
    rescale();
}

void MemoryChart::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    fitLegend();
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

namespace {
// The legend's entries in order; a wrapped legend's grid has empty cells (null), skipped here.
QList<QCPAbstractLegendItem*> legendItems(const QCPLegend* legend) {
    QList<QCPAbstractLegendItem*> items;
    for (int i = 0; i < legend->itemCount(); ++i)
        if (QCPAbstractLegendItem* item = legend->item(i)) items << item;
    return items;
}
}  // namespace

int MemoryChart::legendColumns() const {
    const int count = int(legendItems(plot_->legend).size());
    const int wrap = plot_->legend->wrap();
    return wrap > 0 ? std::min(wrap, count) : count;
}

void MemoryChart::fitLegend() {
    QCPLegend* legend = plot_->legend;
    const QList<QCPAbstractLegendItem*> items = legendItems(legend);
    const int count = int(items.size());
    if (count == 0) return;
    QList<int> widths;
    for (QCPAbstractLegendItem* item : items) widths << item->minimumOuterSizeHint().width();
    // The legend row's margins (4 + 4) and the legend's own; columns are as wide as their widest entry.
    const int available = plot_->width() - 8 - legend->margins().left() - legend->margins().right();
    int columns = count;
    for (; columns > 1; --columns) {
        int needed = (columns - 1) * legend->columnSpacing();
        for (int c = 0; c < columns; ++c) {
            int widest = 0;
            for (int i = c; i < count; i += columns) widest = std::max(widest, widths[i]);
            needed += widest;
        }
        if (needed <= available) break;
    }
    if (legend->wrap() == columns) return;
    legend->setWrap(columns);
    legend->setFillOrder(QCPLayoutGrid::foColumnsFirst, true);   // rearranges the entries into the new rows
}

void MemoryChart::rescale() {
    // Nothing measured yet: a dash, not "0 B" (which reads as a measurement). "Whole app" and
    // "measured": beside the pre-flight's "the job alone needs about 65 MiB (estimate)" a bare
    // "Process peak 329 MiB" read as the job's own figure.
    const QString peakText = peak_ > 0 ? formatMemory(peak_) : QStringLiteral("–");
    peakGraph_->setName((cuda_ ? tr("Card peak, measured (all processes) %1") : tr("Whole app's peak, measured %1")).arg(peakText));
    // Keep the total in view when the job uses a fair share of it; otherwise zoom on the job
    // (a CPU job's few hundred MB would be a flat line under 64 GB of RAM).
    const double peak = static_cast<double>(peak_) / kGiB;
    const double total = static_cast<double>(total_) / kGiB;
    const bool totalInView = total > 0 && peak > 0.25 * total;
    const double top = totalInView ? total * 1.05 : std::max(peak * 1.3, 0.01);
    if (total_ > 0) {
        // A total above the axis is not drawn, and its legend entry says so (it listed "Host RAM
        // 23.54 GiB" with a dashed line that never appeared on a 0.4 GiB axis).
        const QString what = cuda_ ? tr("Card total") : tr("Host RAM");
        totalLegend_->setName(totalInView ? tr("%1 %2").arg(what, formatGiB(total_)) : tr("%1 (off scale: %2)").arg(what, formatGiB(total_)));
        totalLegend_->setPen(totalInView ? QPen(kTotal, 1.5, Qt::DashLine) : QPen(Qt::NoPen));
        totalLine_->point1->setCoords(0, total);
        totalLine_->point2->setCoords(1, total);
        totalLine_->setVisible(totalInView);
    }
    plot_->yAxis->setRange(0, top);
    plot_->xAxis->setRange(0, std::max(lastSeconds_, 1.0));
    fitLegend();   // the names carry values, so their widths change with the samples
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

}  // namespace awq::ui
