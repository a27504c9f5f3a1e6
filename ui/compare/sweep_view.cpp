#include "ui/compare/sweep_view.h"

#include "core/run/sweep_words.h"
#include "core/util/int_list.h"
#include "ui/compare/ab_results_table.h"
#include "ui/util/qcustomplot_include.h"
#include "ui/util/field_label.h"

#include <QDoubleSpinBox>
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

const QColor kSlotColors[2] = {QColor(0x3b, 0x6f, 0xb6), QColor(0xd0, 0x6b, 0x1f)};

QCustomPlot* makeChart(const QString& objectName, const QString& yLabel) {
    auto* c = new QCustomPlot;
    c->setObjectName(objectName);
    c->setMinimumHeight(200);
    c->xAxis->setLabel(QObject::tr("concurrent sequences"));
    c->yAxis->setLabel(yLabel);
    // Concurrency doubles: a log2 axis spaces 1, 2, 4, 8... evenly.
    c->xAxis->setScaleType(QCPAxis::stLogarithmic);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    ticker->setLogBase(2);
    c->xAxis->setTicker(ticker);
    c->xAxis->setNumberFormat(QStringLiteral("g"));
    c->xAxis->setRange(1, 16);  // before a run: the default levels, not QCustomPlot's 0..5 (fractional ticks on a log axis)
    c->legend->setVisible(true);
    c->legend->setBorderPen(Qt::NoPen);
    c->legend->setBrush(QColor(255, 255, 255, 200));
    // The legend sits below the axes, in a row of its own: inside them (top left) it hid the left
    // part of the SLO line, which runs near the top when every latency is under the SLO.
    c->axisRect()->insetLayout()->take(c->legend);
    c->plotLayout()->addElement(1, 0, c->legend);
    c->legend->setFillOrder(QCPLegend::foColumnsFirst);
    c->legend->setMargins(QMargins(4, 0, 4, 2));
    c->plotLayout()->setRowStretchFactor(1, 0.001);
    return c;
}

}  // namespace

SweepView::SweepView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("sweepView"));
    concurrency_ = new QLineEdit(QStringLiteral("1,2,4,8,16"));
    concurrency_->setObjectName(QStringLiteral("sweepConcurrency"));
    concurrency_->setToolTip(tr("Concurrent sequences per level, comma-separated (at most 64)"));
    maxNew_ = new QSpinBox;
    maxNew_->setRange(1, 4096);
    maxNew_->setValue(64);
    maxNew_->setPrefix(tr("max new "));
    slo_ = new QDoubleSpinBox;
    slo_->setObjectName(QStringLiteral("sweepSlo"));
    slo_->setRange(1, 1e7);
    slo_->setDecimals(0);
    slo_->setValue(2000);
    slo_->setPrefix(tr("p95 SLO "));
    slo_->setSuffix(tr(" ms"));
    price_ = new QDoubleSpinBox;
    price_->setObjectName(QStringLiteral("sweepPrice"));
    price_->setRange(0, 1000);
    price_->setDecimals(2);
    price_->setValue(0);   // no default price: a cost is only computed with the user's price for this device
    price_->setSpecialValueText(tr("no price (no cost)"));
    price_->setPrefix(tr("$"));
    price_->setSuffix(tr(" / h"));
    price_->setAccessibleName(tr("Price of an hour of this device"));
    run_ = new QPushButton(tr("Run sweep"));
    run_->setObjectName(QStringLiteral("sweepRun"));
    stop_ = new QPushButton(tr("Stop"));
    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("sweepStatus"));
    status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // progress text must not widen the page
    status_->setMinimumWidth(status_->fontMetrics().horizontalAdvance(QLatin1Char('x')) * 16);

    auto* tools = new QHBoxLayout;
    tools->addWidget(fieldLabel(tr("Concurrency"), concurrency_));
    tools->addWidget(concurrency_, 1);
    tools->addWidget(maxNew_);
    tools->addWidget(slo_);
    tools->addWidget(price_);
    tools->addWidget(status_, 1);
    tools->addWidget(stop_);
    tools->addWidget(run_);

    throughput_ = makeChart(QStringLiteral("sweepThroughput"), tr("output tokens/s"));
    latency_ = makeChart(QStringLiteral("sweepLatency"), tr("p95 latency (ms)"));
    auto* charts = new QHBoxLayout;
    charts->addWidget(throughput_);
    charts->addWidget(latency_);

    summary_ = makeAbResultsTable({tr("Best throughput"), tr("Knee"), tr("Max concurrency under SLO"), tr("Cost per 1M tokens")}, QStringLiteral("sweepSummary"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addLayout(charts, 1);
    layout->addWidget(summary_);

    connect(run_, &QPushButton::clicked, this, &SweepView::runRequested);
    connect(stop_, &QPushButton::clicked, this, &SweepView::stopRequested);
    setModelNames(tr("A"), tr("B"));
    setRunning(false, false);
}

void SweepView::setDeviceLabel(const QString& device) {
    device_ = device;
    price_->setToolTip(tr("What an hour of %1 costs you, in USD: the cost per 1M output tokens is computed from it").arg(device));
    // The device is named in the tooltip, not the suffix: "$0.00 / h of <a long CPU name>" made the
    // field, and with it the Compare page, wider than the first-start window.
    price_->setAccessibleName(tr("Price of an hour of %1").arg(device));
    // The device goes on the x axis, which has the room: "output tokens/s on <a long CPU name>"
    // was longer than the chart is tall and lost both ends.
    throughput_->xAxis->setLabel(tr("concurrent sequences on %1").arg(device));
    summary_->setVerticalHeaderLabels({tr("Best throughput on %1").arg(device), tr("Knee"), tr("Max concurrency under SLO"), tr("Cost per 1M tokens")});
    throughput_->replot();
}

SweepSettings SweepView::settings() const {
    SweepSettings s;
    s.concurrency = parseIntList(concurrency_->text().toStdString(), "concurrency");
    std::sort(s.concurrency.begin(), s.concurrency.end());
    s.concurrency.erase(std::unique(s.concurrency.begin(), s.concurrency.end()), s.concurrency.end());
    s.maxNewTokens = maxNew_->value();
    s.sloP95Ms = slo_->value();
    if (price_->value() > 0) s.gpuHourlyUsd = price_->value();
    return s;
}

void SweepView::setModelNames(const QString& a, const QString& b) {
    names_[0] = a;
    names_[1] = b;
    setAbModelNames(summary_, a, b);
}

void SweepView::setRunning(bool running, bool canRun) {
    run_->setEnabled(!running && canRun);
    stop_->setEnabled(running);
}

void SweepView::begin() {
    for (QCustomPlot* c : {throughput_, latency_}) {
        c->clearGraphs();
        c->clearItems();
        c->replot();
    }
    for (int r = 0; r < RowCount; ++r)
        for (int c = 0; c < 2; ++c) summary_->item(r, c)->setText(QString());
    status_->setText(tr("warming up…"));
    live_ = SweepRun{};
    try {
        const SweepSettings s = settings();
        live_.sloP95Ms = s.sloP95Ms;
        live_.maxNewTokens = s.maxNewTokens;
    } catch (const std::exception&) {
        // the page checked the settings before starting; no SLO line then
    }
}

void SweepView::onProgress(const SweepEvent& e) {
    status_->setText(tr("%1: concurrency %2, round %3 of %4").arg(QString::fromStdString(e.slot)).arg(e.concurrency).arg(e.round).arg(e.rounds));
    if (e.point) {   // a level is done: its point goes on the charts now
        live_.models[e.slot].points.push_back(*e.point);
        plot(live_);
    }
}

void SweepView::showResult(const SweepRun& sweep, bool cancelled) {
    status_->setText(cancelled ? tr("stopped") : tr("done"));
    for (const auto& [slot, m] : sweep.models) {
        const int c = slot == "B" ? 1 : 0;
        double best = 0;
        int bestAt = 0;
        for (const SweepPoint& p : m.points)
            if (p.outputTokensPerS > best) best = p.outputTokensPerS, bestAt = p.concurrency;
        summary_->item(BestRow, c)->setText(m.points.empty() ? tr("–") : tr("%1 tok/s at %2").arg(best, 0, 'f', 1).arg(bestAt));
        summary_->item(KneeRow, c)->setText(m.kneeConcurrency ? QString::number(*m.kneeConcurrency)
                                            : kneeTooNoisy(m.points) ? tr("not placed (too noisy)")
                                                                     : tr("still scaling"));
        summary_->item(SloRow, c)->setText(!m.maxConcurrencyUnderSlo ? tr("none meets the SLO")
                                           : capacityIsHighestTested(m) ? tr("at least %1 (the highest level tested)").arg(*m.maxConcurrencyUnderSlo)
                                                                        : QString::number(*m.maxConcurrencyUnderSlo));
        // Short in the cell (a long device name cut it off: "– (give a price per hour of CPU (Intel
        // Xeon Processor, 2…"), whole in the tooltip.
        QTableWidgetItem* cost = summary_->item(CostRow, c);
        if (m.costPerMillionTokensUsd) {
            cost->setText(tr("$%1 at $%2/h").arg(*m.costPerMillionTokensUsd, 0, 'f', 2).arg(sweep.gpuHourlyUsd.value_or(0), 0, 'f', 2));
            cost->setToolTip(tr("$%1 per 1M output tokens at $%2 per hour of %3")
                                 .arg(*m.costPerMillionTokensUsd, 0, 'f', 2)
                                 .arg(sweep.gpuHourlyUsd.value_or(0), 0, 'f', 2)
                                 .arg(device_));
        } else {
            cost->setText(tr("– (no price per hour)"));
            cost->setToolTip(tr("No cost: give a price per hour of %1 above and run the sweep again").arg(device_));
        }
        for (int r = 0; r < RowCount; ++r)
            if (r != CostRow) summary_->item(r, c)->setToolTip(summary_->item(r, c)->text());
    }
    plot(sweep);
}

void SweepView::plot(const SweepRun& sweep) {
    double maxConc = 1, maxTps = 0, maxLat = sweep.sloP95Ms.value_or(0);
    for (QCustomPlot* c : {throughput_, latency_}) {
        c->clearGraphs();
        c->clearItems();
    }
    for (const auto& [slot, m] : sweep.models) {
        const int s = slot == "B" ? 1 : 0;
        QVector<double> x, tps, p95;
        for (const SweepPoint& p : m.points) {
            x << p.concurrency;
            tps << p.outputTokensPerS;
            p95 << p.latencyMs.p95;
            maxConc = std::max(maxConc, double(p.concurrency));
            maxTps = std::max(maxTps, p.outputTokensPerS);
            maxLat = std::max(maxLat, p.latencyMs.p95);
        }
        const QString name = QStringLiteral("%1: %2").arg(QString::fromStdString(slot), names_[s]);
        for (auto [chart, y] : {std::pair{throughput_, tps}, std::pair{latency_, p95}}) {
            QCPGraph* g = chart->addGraph();
            g->setName(name);
            g->setPen(QPen(kSlotColors[s], 2));
            g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
            g->setData(x, y);
        }
        if (m.kneeConcurrency) {   // the knee: after it no higher level adds 15% (kneeConcurrencyOf)
            auto* knee = new QCPItemStraightLine(throughput_);
            knee->point1->setCoords(*m.kneeConcurrency, 0);
            knee->point2->setCoords(*m.kneeConcurrency, 1);
            knee->setPen(QPen(kSlotColors[s], 1, Qt::DotLine));
        }
        if (m.maxConcurrencyUnderSlo) {   // capacity under the SLO
            auto* cap = new QCPItemStraightLine(latency_);
            cap->point1->setCoords(*m.maxConcurrencyUnderSlo, 0);
            cap->point2->setCoords(*m.maxConcurrencyUnderSlo, 1);
            cap->setPen(QPen(kSlotColors[s], 1, Qt::DotLine));
        }
    }
    if (sweep.sloP95Ms) {
        QCPGraph* slo = latency_->addGraph();   // a legend entry for the SLO line
        slo->setName(tr("SLO %1 ms").arg(*sweep.sloP95Ms, 0, 'f', 0));
        slo->setPen(QPen(QColor(0xb3, 0x26, 0x1e), 1.5, Qt::DashLine));
        slo->setData(QVector<double>{0.5, maxConc * 2}, QVector<double>{*sweep.sloP95Ms, *sweep.sloP95Ms});
    }
    throughput_->xAxis->setRange(0.8, maxConc * 1.25);
    latency_->xAxis->setRange(0.8, maxConc * 1.25);
    throughput_->yAxis->setRange(0, std::max(maxTps * 1.15, 1.0));
    latency_->yAxis->setRange(0, std::max(maxLat * 1.15, 1.0));
    throughput_->replot();
    latency_->replot();
}

}  // namespace awq::ui
