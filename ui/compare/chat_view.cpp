#include "ui/compare/chat_view.h"

#include "ui/models/catalog_text.h"

#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextCursor>
#include <QVBoxLayout>

namespace awq::ui {

ChatView::ChatView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("chatView"));
    auto* panes = new QGridLayout;
    for (int s = 0; s < 2; ++s) {
        titles_[s] = new QLabel;
        titles_[s]->setObjectName(QStringLiteral("chatTitle%1").arg(s == 0 ? QLatin1Char('A') : QLatin1Char('B')));
        panes_[s] = new QPlainTextEdit;
        panes_[s]->setObjectName(QStringLiteral("chatPane%1").arg(s == 0 ? QLatin1Char('A') : QLatin1Char('B')));
        panes_[s]->setReadOnly(true);
        panes_[s]->setPlaceholderText(tr("Replies stream here."));
        metrics_[s] = new QLabel;
        metrics_[s]->setObjectName(QStringLiteral("chatMetrics%1").arg(s == 0 ? QLatin1Char('A') : QLatin1Char('B')));
        metrics_[s]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        panes->addWidget(titles_[s], 0, s);
        panes->addWidget(panes_[s], 1, s);
        panes->addWidget(metrics_[s], 2, s);
    }
    system_ = new QLineEdit;
    system_->setObjectName(QStringLiteral("chatSystemPrompt"));
    system_->setPlaceholderText(tr("Optional, e.g. \"You are a concise assistant.\""));
    system_->setToolTip(tr("Sent as the chat template's system message to both models, at the start of the conversation. "
                           "Models without a chat template ignore it."));
    system_->setClearButtonEnabled(true);
    auto* systemRow = new QHBoxLayout;
    systemRow->addWidget(new QLabel(tr("System prompt")));
    systemRow->addWidget(system_, 1);

    prompt_ = new QLineEdit;
    prompt_->setObjectName(QStringLiteral("chatPrompt"));
    prompt_->setPlaceholderText(tr("Message both models (Enter sends)"));
    send_ = new QPushButton(tr("Send"));
    send_->setObjectName(QStringLiteral("chatSend"));
    stop_ = new QPushButton(tr("Stop"));
    new_ = new QPushButton(tr("New conversation"));
    auto* input = new QHBoxLayout;
    input->addWidget(prompt_, 1);
    input->addWidget(send_);
    input->addWidget(stop_);
    input->addWidget(new_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(systemRow);
    layout->addLayout(panes, 1);
    layout->addLayout(input);

    // Not gated on the Send button: before "Load both" the page loads the models (or says why it
    // cannot) instead of the key doing nothing.
    auto send = [this] {
        const QString text = prompt_->text().trimmed();
        if (text.isEmpty() || running_) return;
        Q_EMIT sendRequested(text);
    };
    connect(prompt_, &QLineEdit::returnPressed, this, send);
    connect(send_, &QPushButton::clicked, this, send);
    connect(stop_, &QPushButton::clicked, this, &ChatView::stopRequested);
    connect(new_, &QPushButton::clicked, this, [this] {
        clearConversation();
        Q_EMIT resetRequested();
    });
    setModelNames(tr("A"), tr("B"));
    setRunning(false, false);
}

void ChatView::setModelNames(const QString& a, const QString& b) {
    titles_[0]->setText(tr("<b>A</b>: %1").arg(a.toHtmlEscaped()));
    titles_[1]->setText(tr("<b>B</b>: %1").arg(b.toHtmlEscaped()));
}

void ChatView::setRunning(bool running, bool canChat) {
    running_ = running;
    send_->setEnabled(!running && canChat);
    stop_->setEnabled(running);
    new_->setEnabled(!running && canChat);
}

void ChatView::beginTurn(const QString& message) {
    for (QPlainTextEdit* p : panes_) {
        QTextCursor c(p->document());
        c.movePosition(QTextCursor::End);
        c.insertText((p->document()->isEmpty() ? QString() : QStringLiteral("\n\n")) + tr("You: %1\n\n").arg(message));
    }
    for (QLabel* m : metrics_) m->setText(tr("generating…"));
    prompt_->clear();
}

void ChatView::appendDelta(int slot, const QString& text) {
    QPlainTextEdit* p = panes_[slot];
    QTextCursor c(p->document());
    c.movePosition(QTextCursor::End);
    c.insertText(text);
    p->verticalScrollBar()->setValue(p->verticalScrollBar()->maximum());
}

void ChatView::finishTurn(int slot, const GenerationResult& r) {
    const GenerationMetrics& m = r.metrics;
    metrics_[slot]->setText(tr("TTFT %1 ms · TPOT %2 ms · %3 tok/s on %7 · %4 tokens (%5) · peak memory %6")
                                .arg(m.ttftMs, 0, 'f', 1)
                                .arg(m.tpotMs, 0, 'f', 2)
                                .arg(m.tokensPerSecond, 0, 'f', 1)
                                .arg(m.newTokens)
                                .arg(QString::fromLatin1(finishReasonName(r.finish)), formatMemory(m.peakMemoryBytes), device_));
}

QString ChatView::systemPrompt() const { return system_->text().trimmed(); }

void ChatView::setDeviceLabel(const QString& device) { device_ = device; }

void ChatView::clearConversation() {
    for (QPlainTextEdit* p : panes_) p->clear();
    for (QLabel* m : metrics_) m->clear();
}

}  // namespace awq::ui
