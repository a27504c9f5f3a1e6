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
    // A run that threw: the bar stops its busy animation and reads "failed" (it kept spinning, and
    // the page looked busy after the error).
    void showFailure();
    // The loaded models' context: a window longer than it fails only after Evaluate ("sequence of
    // 512 tokens exceeds the context of 256"), so the ctx box stops there and says whose context it
    // is (`models`: "qwen2-random (A)"). 0: no limit (no model folder loaded).
    void setContextLimit(int tokens, const QString& models);
    // Core's messages carry fixes in the CLI's words ("use a smaller --ctx", "check the path of
    // --text"): here they name this tab's boxes instead. The CLI's own messages are unchanged.
    static QString inPageTerms(QString message);

    QLineEdit* textEdit() const { return text_; }
    QSpinBox* contextSpin() const { return ctx_; }
    QSpinBox* strideSpin() const { return stride_; }
    QSpinBox* windowsSpin() const { return windows_; }
    QPushButton* runButton() const { return run_; }
    QTableWidget* resultTable() const { return results_; }
    QLabel* notesLabel() const { return notes_; }
    // The caption under the results: the windows the ctx and stride set (non-overlapping when
    // stride = ctx, the documented protocol; overlapping when stride < ctx).
    QLabel* captionLabel() const { return caption_; }
    QLabel* contextLimitLabel() const { return ctxLimit_; }
    QProgressBar* progressBar() const { return progress_; }
    // Shown above the results when the text gave fewer than kFewWindows windows and fewer than
    // asked for (or "all windows"): "4 of 64 windows: the text is short, ...". Hidden otherwise.
    QLabel* shortfallLabel() const { return shortfall_; }
    static constexpr int kFewWindows = 16;

Q_SIGNALS:
    void runRequested();
    void stopRequested();

private:
    // A committed ctx (Enter, focus out, arrows, setValue; not each keystroke: typing 512 over 256
    // passed through 51 and dragged the stride down to it): the stride follows it while the user has
    // not chosen another stride, and is clamped to it otherwise.
    void onContextCommitted(int ctx);
    void updateCaption();

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
    QLabel* caption_ = nullptr;
    QLabel* ctxLimit_ = nullptr;
    // The stride equals the ctx until the user sets another one (setting it back to the ctx makes it
    // follow again); settingStride_ marks the tab's own changes, which are not the user's choice.
    bool strideFollowsCtx_ = true;
    bool settingStride_ = false;
    int requestedWindows_ = -1;   // the windows asked for when the run began (0: all; -1: no run began here)
};

}  // namespace awq::ui
