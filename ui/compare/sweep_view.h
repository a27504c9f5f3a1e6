#pragma once
// The Compare page's Sweep tab (the seeds' capacity study): for each model, 1, 2, 4, 8...
// concurrent sequences; charts of output tokens/s and p95 latency against concurrency, the knee,
// the highest concurrency under a p95 SLO and the cost per million tokens at a GPU price.
#include "core/compare/sweep.h"

#include <QWidget>

class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace awq::ui {

class SweepView : public QWidget {
    Q_OBJECT
public:
    enum Row { BestRow, KneeRow, SloRow, CostRow, RowCount };

    explicit SweepView(QWidget* parent = nullptr);

    // Throws awq::Error for a bad concurrency list.
    SweepSettings settings() const;
    void setModelNames(const QString& a, const QString& b);
    // The device the sweep runs on: named on the throughput axis, the summary and the price (a
    // price is per hour of this device; without one no cost is computed).
    void setDeviceLabel(const QString& device);
    void setRunning(bool running, bool canRun);
    void begin();
    void onProgress(const SweepEvent& event);
    void showResult(const SweepRun& sweep, bool cancelled);

    QLineEdit* concurrencyEdit() const { return concurrency_; }
    QSpinBox* maxNewSpin() const { return maxNew_; }
    QDoubleSpinBox* sloSpin() const { return slo_; }
    QDoubleSpinBox* priceSpin() const { return price_; }
    QPushButton* runButton() const { return run_; }
    QCustomPlot* throughputChart() const { return throughput_; }
    QCustomPlot* latencyChart() const { return latency_; }
    QTableWidget* summaryTable() const { return summary_; }

Q_SIGNALS:
    void runRequested();
    void stopRequested();

private:
    void plot(const SweepRun& sweep);
    SweepRun live_;   // the points measured so far: the charts fill while the sweep runs

    QLineEdit* concurrency_ = nullptr;
    QSpinBox* maxNew_ = nullptr;
    QDoubleSpinBox* slo_ = nullptr;
    QDoubleSpinBox* price_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* stop_ = nullptr;
    QLabel* status_ = nullptr;
    QCustomPlot* throughput_ = nullptr;
    QCustomPlot* latency_ = nullptr;
    QTableWidget* summary_ = nullptr;
    QString names_[2];
    QString device_;
};

}  // namespace awq::ui
