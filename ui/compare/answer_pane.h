#pragma once
// The Battery tab's answer pane: one test side by side — the prompt (and reference), then for A and
// for B the verdicts, the judge's failure notes and the full answer. Everything is shown as plain
// text (model output can hold quotes and angle brackets; nothing is interpreted as markup).
#include "core/compare/battery_answers.h"

#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace awq::ui {

class ElidedLabel;

class AnswerPane : public QWidget {
    Q_OBJECT
public:
    explicit AnswerPane(QWidget* parent = nullptr);

    void showTest(const TestAnswers& answers, const QString& nameA, const QString& nameB);
    void clear();                               // back to the "select a test" hint

    // What the pane shows, as plain text: heading, prompt, then per slot title, verdict, notes, answer.
    QString shownText() const;
    QString testId() const { return testId_; }  // "" when no test is shown
    QPlainTextEdit* promptView() const { return prompt_; }
    QPlainTextEdit* answerView(int slot) const { return answer_[slot]; }
    QLabel* verdictLabel(int slot) const { return verdict_[slot]; }
    QLabel* notesLabel(int slot) const { return notes_[slot]; }
    QPushButton* copyButton() const { return copy_; }   // copies answersText() of the shown test

private:
    void showSlot(int slot, const QString& name, const SlotAnswer& answer);

    QString testId_;
    std::string copyText_;   // answersText() of the shown test
    QPushButton* copy_ = nullptr;
    QLabel* heading_ = nullptr;
    QPlainTextEdit* prompt_ = nullptr;
    ElidedLabel* title_[2] = {};
    QLabel* verdict_[2] = {};
    QLabel* notes_[2] = {};
    QPlainTextEdit* answer_[2] = {};
};

}  // namespace awq::ui
