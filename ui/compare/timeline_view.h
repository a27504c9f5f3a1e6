#pragma once
// The Compare page's Timeline tab: a decode step of A and of B side by side (microseconds by
// category: GEMM/GEMV, attention, norms, other, nothing running; a table and stacked bars), the roofline figures against the
// device's read-bandwidth and matmul ceilings measured in the same run, the verdict line
// (core/report/decode_roofline.h), and each model's Chrome trace to save elsewhere.
#include "core/run/run_document.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QCustomPlot;

namespace awq::ui {

class TimelineView : public QWidget {
    Q_OBJECT
public:
    enum Row {
        StepRow, GemmRow, AttentionRow, NormsRow, OtherRow, IdleRow, NonGemmRow, WeightBytesRow, BandwidthRow, ComputeRow, RowCount
    };

    explicit TimelineView(QWidget* parent = nullptr);

    int steps() const;
    QString prompt() const;
    void setModelNames(const QString& a, const QString& b);
    void setRunning(bool running, bool canRun);
    void begin();
    void onStage(const QString& stage);   // "ceilings" or the slot being profiled
    // Shows the section; `runFile` is the run document the traces lie beside ("" before saving).
    void showResult(const TimelineRun& run, bool b4bit, const QString& runFile);

    QSpinBox* stepsSpin() const { return steps_; }
    QPushButton* runButton() const { return run_; }
    QTableWidget* resultTable() const { return results_; }
    // One horizontal bar per model, stacked by category (GEMM/GEMV, attention, norms, other,
    // nothing running), in microseconds a step: the bars' lengths are the steps.
    QCustomPlot* stepChart() const { return chart_; }
    QLabel* verdictLabel() const { return verdict_; }
    QLabel* ceilingsLabel() const { return ceilings_; }
    QPushButton* saveTraceButton(int slot) const { return saveTrace_[slot]; }
    QString traceFile(int slot) const { return traceFiles_[slot]; }   // absolute path, "" when none

Q_SIGNALS:
    void runRequested();
    void stopRequested();

private:
    void showLegendRow(bool shown);
    void saveTrace(int slot);

    QSpinBox* steps_ = nullptr;
    QLineEdit* prompt_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* stop_ = nullptr;
    QLabel* stage_ = nullptr;
    QTableWidget* results_ = nullptr;
    QCustomPlot* chart_ = nullptr;
    QLabel* verdict_ = nullptr;
    QLabel* ceilings_ = nullptr;
    QPushButton* saveTrace_[2] = {};
    QString traceFiles_[2];
};

}  // namespace awq::ui
