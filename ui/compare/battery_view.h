#pragma once
// The Compare page's Battery tab: choose the built-in battery or a JSON/JSONL file, run it on both
// models, and read the per-test table (time, tokens, loop detected, substantive, exact match for A
// and B) and the totals side by side, as in the seeds' comparison table. Below the table: the
// answer pane (the selected test's prompt and both answers, plain text) and the failure-mode catalog.
#include "core/compare/compare_runner.h"

#include <QWidget>

class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QSplitter;
class QTableWidget;
class QTabWidget;

namespace awq::ui {

class AnswerPane;
class FailureCatalogView;

class BatteryView : public QWidget {
    Q_OBJECT
public:
    enum TestColumn { IdCol, CategoryCol, FirstSlotCol };
    enum SlotColumn { TimeCol, TokensCol, LoopCol, SubstantiveCol, ExactCol, SlotColumnCount };
    // The totals table: one row per model (A, B), these columns; two rows keep it short, so
    // that the test table keeps its rows at 720 px (as six rows per figure it took 170 px).
    enum TotalsColumn { TotalsTestsCol, TotalsTimeCol, TotalsAverageCol, TotalsLoopsCol, TotalsSubstantiveCol, TotalsExactCol, TotalsColumnCount };
    static constexpr int kMinTestRows = 6;   // test rows the table always shows (it showed 2.5 of 16 at 1152x720)

    explicit BatteryView(QWidget* parent = nullptr);

    // The battery chosen (built-in or the file); throws awq::Error for a bad file.
    Battery chosenBattery() const;
    void useFile(const QString& path);     // selects "file" with this path
    void setModelNames(const QString& a, const QString& b);
    void setDeviceLabel(const QString& device);   // the totals' times were measured there
    QString totalsTitleText() const;
    void setRunning(bool running, bool canRun);

    void begin(const Battery& battery);
    void onEvent(const BatteryEvent& event);
    void showOutcome(const BatteryOutcome& outcome);

    QComboBox* sourceChoice() const { return source_; }
    QLineEdit* fileEdit() const { return file_; }
    QPushButton* runButton() const { return run_; }
    QPushButton* stopButton() const { return stop_; }
    QTableWidget* testTable() const { return tests_; }
    QTableWidget* totalsTable() const { return totals_; }
    QProgressBar* progressBar() const { return progress_; }
    AnswerPane* answerPane() const { return answers_; }
    FailureCatalogView* failureCatalog() const { return catalog_; }
    QTabWidget* detailTabs() const { return details_; }
    QSplitter* splitter() const { return split_; }   // the test table above the answers
    enum DetailTab { AnswersTab, FailureModesTab };

Q_SIGNALS:
    void runRequested();
    void stopRequested();

private:
    void setResult(int row, int slot, const TestResult& r);
    void setTotals(int slot, const BatteryTotals& t);
    void showSelectedAnswers();

    BatteryRun shown_;   // what the table shows: the battery's tests and the results so far
    AnswerPane* answers_ = nullptr;
    FailureCatalogView* catalog_ = nullptr;
    QTabWidget* details_ = nullptr;
    QSplitter* split_ = nullptr;

    QComboBox* source_ = nullptr;
    QLineEdit* file_ = nullptr;
    QPushButton* browse_ = nullptr;
    QPushButton* run_ = nullptr;
    QPushButton* stop_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QTableWidget* tests_ = nullptr;
    QTableWidget* totals_ = nullptr;
    QString names_[2];
    QLabel* totalsTitle_ = nullptr;
    QLabel* partialNote_ = nullptr;   // a cancelled battery: which tests the totals compare
    int finished_ = 0;
};

}  // namespace awq::ui
