#include "ui/compare/answer_pane.h"

#include "ui/util/elided_label.h"

#include <QClipboard>
#include <QGridLayout>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

QLabel* plainLabel(const QString& name) {
    auto* l = new QLabel;
    l->setObjectName(name);
    l->setTextFormat(Qt::PlainText);   // model text and notes hold quotes and brackets: never markup
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return l;
}

QPlainTextEdit* textView(const QString& name) {
    auto* t = new QPlainTextEdit;
    t->setObjectName(name);
    t->setReadOnly(true);
    return t;
}

QString q(const std::string& s) { return QString::fromStdString(s); }

}  // namespace

AnswerPane::AnswerPane(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("answerPane"));
    heading_ = plainLabel(QStringLiteral("answerHeading"));
    prompt_ = textView(QStringLiteral("answerPrompt"));
    prompt_->setMaximumHeight(prompt_->fontMetrics().lineSpacing() * 3 + 12);
    prompt_->setMinimumHeight(prompt_->fontMetrics().lineSpacing() * 2 + 12);   // small screens: the pane scrolls

    auto* grid = new QGridLayout;
    for (int s = 0; s < 2; ++s) {
        const QString slot = s == 0 ? QStringLiteral("A") : QStringLiteral("B");
        // One line, elided in the middle: a long model name wrapped to no word and widened the page.
        title_[s] = new ElidedLabel;
        title_[s]->setObjectName(QStringLiteral("answerTitle") + slot);
        title_[s]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        QFont bold = title_[s]->font();
        bold.setBold(true);
        title_[s]->setFont(bold);
        verdict_[s] = plainLabel(QStringLiteral("answerVerdict") + slot);
        notes_[s] = plainLabel(QStringLiteral("answerNotes") + slot);
        notes_[s]->setStyleSheet(QStringLiteral("color: #b3261e;"));
        answer_[s] = textView(QStringLiteral("answerText") + slot);
        answer_[s]->setMinimumHeight(answer_[s]->fontMetrics().lineSpacing() * 3 + 12);
        grid->addWidget(title_[s], 0, s);
        grid->addWidget(verdict_[s], 1, s);
        grid->addWidget(notes_[s], 2, s);
        grid->addWidget(answer_[s], 3, s);
    }
    grid->setRowStretch(3, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    copy_ = new QPushButton(tr("Copy test"));
    copy_->setObjectName(QStringLiteral("answerCopy"));
    copy_->setToolTip(tr("Copy the prompt, both answers, verdicts and notes as plain text"));
    connect(copy_, &QPushButton::clicked, this, [this] { QGuiApplication::clipboard()->setText(QString::fromStdString(copyText_)); });
    auto* top = new QHBoxLayout;
    top->addWidget(heading_, 1);
    top->addWidget(copy_);
    layout->addLayout(top);
    layout->addWidget(prompt_);
    layout->addLayout(grid, 1);
    clear();
}

void AnswerPane::clear() {
    testId_.clear();
    copyText_.clear();
    copy_->setEnabled(false);
    heading_->setText(tr("Select a test in the table to read its prompt and both answers."));
    prompt_->clear();
    for (int s = 0; s < 2; ++s) {
        title_[s]->setFullText(s == 0 ? tr("A") : tr("B"));
        verdict_[s]->clear();
        notes_[s]->clear();
        notes_[s]->hide();
        answer_[s]->clear();
    }
}

void AnswerPane::showTest(const TestAnswers& t, const QString& nameA, const QString& nameB) {
    testId_ = q(t.id);
    copyText_ = answersText(t, nameA.toStdString(), nameB.toStdString());
    copy_->setEnabled(true);
    QString heading = tr("Test %1 (%2)").arg(q(t.id), q(t.category));
    if (!t.reference.empty()) heading += tr(" · reference: %1").arg(q(t.reference));
    heading_->setText(heading);
    prompt_->setPlainText(q(t.prompt));
    showSlot(0, nameA, t.a);
    showSlot(1, nameB, t.b);
}

void AnswerPane::showSlot(int s, const QString& name, const SlotAnswer& a) {
    title_[s]->setFullText(QStringLiteral("%1: %2").arg(s == 0 ? QStringLiteral("A") : QStringLiteral("B"), name));
    if (!a.present) {
        verdict_[s]->setText(tr("No result yet (not run, running or stopped before this test)."));
        notes_[s]->clear();
        notes_[s]->hide();
        answer_[s]->clear();
        return;
    }
    QString verdict = q(a.verdict);
    if (!a.symptoms.empty()) {
        QStringList symptoms;
        for (const auto& sym : a.symptoms) symptoms << q(sym);
        verdict += tr(" · fails: %1").arg(symptoms.join(QStringLiteral(", ")));
    }
    verdict_[s]->setText(verdict);
    notes_[s]->setText(q(a.notes));
    notes_[s]->setVisible(!a.notes.empty());
    answer_[s]->setPlainText(q(a.text));
}

QString AnswerPane::shownText() const {
    QStringList parts{heading_->text(), prompt_->toPlainText()};
    for (int s = 0; s < 2; ++s) parts << title_[s]->fullText() << verdict_[s]->text() << notes_[s]->text() << answer_[s]->toPlainText();
    return parts.join(QLatin1Char('\n'));
}

}  // namespace awq::ui
