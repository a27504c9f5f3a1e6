#pragma once
// The Compare page's Quality tab: perplexity of A and B on a chosen text, and KL divergence /
// top-1 agreement of B against A (llama-perplexity style).
#include "core/compare/compare_runner.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;

namespace awq::ui {

class QualityView : public QWidget {
    Q_OBJECT
public:
    enum Row { PerplexityRow, TokensRow, KldRow, Top1Row, RowCount };

    explicit QualityView(QWidget* parent = nullptr);

    QualityOptions options() const;
    void setTextFile(const QString& path);
    void setModelNames(const QString& a, const QString& b);
    void setRunning(bool running, bool canRun);
    void begin();
    void onProgress(const QString& slot, int window, int windows);
    void showResult(const QualityRun& quality, bool cancelled);

    QLineEdit* textEdit() const { return text_; }
    QSpinBox* contextSpin() const { return ctx_; }
    QSpinBox* strideSpin() const { return stride_; }
    QSpinBox* windowsSpin() const { return windows_; }
    QPushButton* runButton() const { return run_; }
    QTableWidget* resultTable() const { return results_; }
    QLabel* notesLabel() const { return notes_; }
    // Shown above the results when the text gave fewer than kFewWindows windows and fewer than
    // asked for (or "all windows"): "4 of 64 windows: the text is short, ...". Hidden otherwise.
    QLabel* shortfallLabel() const { return shortfall_; }
    static constexpr int kFewWindows = 16;

Q_SIGNALS:
    void runRequested();
    void stopRequested();

private:
    QLineEdit* text_ = nullptr;
    QPushButton* browse_ = nullptr;
    QSpinBox* ctx_ = nullptr;
    QSpinBox* stride_ = nullptr;
    QSpinBox* windows_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* stop_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QTableWidget* results_ = nullptr;
    QLabel* notes_ = nullptr;
    QLabel* shortfall_ = nullptr;
    int requestedWindows_ = -1;   // the windows asked for when the run began (0: all; -1: no run began here)
};

}  // namespace awq::ui
