#include "ui/compare/chat_view.h"

#include "ui/util/catalog_text.h"
#include "ui/util/elided_label.h"
#include "ui/util/field_label.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextBrowser>
#include <QTextCursor>
#include <QTextDocument>
#include <QVBoxLayout>

namespace awq::ui {
namespace {
constexpr Vote kVotes[4] = {Vote::ABetter, Vote::BBetter, Vote::Tie, Vote::BothBad};
QString q(const std::string& s) { return QString::fromStdString(s); }
}  // namespace

ChatView::ChatView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("chatView"));
    auto* panes = new QGridLayout;
    for (int s = 0; s < 2; ++s) {
        const QChar letter = s == 0 ? QLatin1Char('A') : QLatin1Char('B');
        // A long model name is elided in its middle (whole in the tooltip): as a rich-text label
        // it set the page's minimum width and pushed the tabs behind a horizontal scroll bar.
        titles_[s] = new ElidedLabel;
        titles_[s]->setObjectName(QStringLiteral("chatTitle%1").arg(letter));
        QFont bold = titles_[s]->font();
        bold.setBold(true);
        titles_[s]->setFont(bold);
        panes_[s] = new QTextBrowser;
        panes_[s]->setObjectName(QStringLiteral("chatPane%1").arg(letter));
        panes_[s]->setOpenExternalLinks(true);
        panes_[s]->setPlaceholderText(tr("Replies stream here."));
        paneNotes_[s] = new QLabel;
        paneNotes_[s]->setObjectName(QStringLiteral("chatPaneNote%1").arg(letter));
        paneNotes_[s]->setWordWrap(true);
        paneNotes_[s]->setStyleSheet(QStringLiteral("QLabel { color: #7a5a00; }"));
        paneNotes_[s]->hide();
        metrics_[s] = new QLabel;
        metrics_[s]->setObjectName(QStringLiteral("chatMetrics%1").arg(letter));
        metrics_[s]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        metrics_[s]->setWordWrap(true);
        panes->addWidget(titles_[s], 0, s);
        panes->addWidget(paneNotes_[s], 1, s);
        panes->addWidget(panes_[s], 2, s);
        panes->addWidget(metrics_[s], 3, s);
    }
    panes->setRowStretch(2, 1);

    system_ = new QLineEdit;
    system_->setObjectName(QStringLiteral("chatSystemPrompt"));
    system_->setPlaceholderText(tr("Optional, e.g. \"You are a concise assistant.\""));
    system_->setToolTip(tr("Sent as the chat template's system message to both models, at the start of the conversation. "
                           "Models without a chat template ignore it. Changing it after the first message offers a new "
                           "conversation with it (the current one stays saved with its own)."));
    system_->setClearButtonEnabled(true);
    markdown_ = new QCheckBox(tr("Markdown"));
    markdown_->setObjectName(QStringLiteral("chatMarkdown"));
    markdown_->setChecked(true);
    markdown_->setToolTip(tr("Show replies as formatted Markdown (headings, lists, code); off: the raw text"));
    saved_ = new QComboBox;
    saved_->setObjectName(QStringLiteral("chatSaved"));
    saved_->setMinimumContentsLength(18);
    saved_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    saved_->setToolTip(tr("Every conversation is saved as a file of its own; pick one to read it again or continue it"));
    auto* systemRow = new QHBoxLayout;
    systemRow->addWidget(fieldLabel(tr("System prompt"), system_));
    systemRow->addWidget(system_, 1);
    systemRow->addWidget(markdown_);
    systemRow->addWidget(fieldLabel(tr("Saved"), saved_));
    systemRow->addWidget(saved_);

    prompt_ = new QLineEdit;
    prompt_->setObjectName(QStringLiteral("chatPrompt"));
    prompt_->setPlaceholderText(tr("Message both models (Enter sends)"));
    send_ = new QPushButton(tr("Send"));
    send_->setObjectName(QStringLiteral("chatSend"));
    stop_ = new QPushButton(tr("Stop"));
    regenerate_ = new QPushButton(tr("Regenerate"));
    regenerate_->setObjectName(QStringLiteral("chatRegenerate"));
    regenerate_->setToolTip(tr("Ask both models again for the last message (the last replies and their vote are replaced)"));
    new_ = new QPushButton(tr("New conversation"));
    new_->setObjectName(QStringLiteral("chatNew"));
    auto* input = new QHBoxLayout;
    input->addWidget(prompt_, 1);
    input->addWidget(send_);
    input->addWidget(stop_);
    input->addWidget(regenerate_);
    input->addWidget(new_);

    // The arena vote on the last exchange, saved with the conversation.
    const QString voteTexts[4] = {tr("A is better"), tr("B is better"), tr("Tie"), tr("Both are bad")};
    auto* voteRow = new QHBoxLayout;
    voteRow->addWidget(new QLabel(tr("Which reply is better?")));
    for (int i = 0; i < 4; ++i) {
        votes_[i] = new QPushButton(voteTexts[i]);
        votes_[i]->setObjectName(QStringLiteral("chatVote_%1").arg(QLatin1String(voteName(kVotes[i]))));
        votes_[i]->setCheckable(true);
        voteRow->addWidget(votes_[i]);
        connect(votes_[i], &QPushButton::clicked, this, [this, i] { setVote(kVotes[i]); });
    }
    voteSummary_ = new QLabel;
    voteSummary_->setObjectName(QStringLiteral("chatVoteSummary"));
    voteRow->addWidget(voteSummary_, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(systemRow);
    layout->addLayout(panes, 1);
    layout->addLayout(voteRow);
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
    connect(regenerate_, &QPushButton::clicked, this, &ChatView::regenerateRequested);
    connect(new_, &QPushButton::clicked, this, [this] {
        clearConversation();
        Q_EMIT resetRequested();
    });
    connect(markdown_, &QCheckBox::toggled, this, [this] {
        for (int s = 0; s < 2; ++s) render(s);
    });
    connect(saved_, &QComboBox::activated, this, [this](int index) {
        const QString file = saved_->itemData(index).toString();
        if (!file.isEmpty()) Q_EMIT openRequested(file);
    });
    setModelNames(tr("A"), tr("B"));
    setSavedConversations({}, {});
    setRunning(false, false);
}

void ChatView::setModelNames(const QString& a, const QString& b) {
    titles_[0]->setFullText(tr("A: %1").arg(a));
    titles_[1]->setFullText(tr("B: %1").arg(b));
}

void ChatView::setRunning(bool running, bool canChat) {
    running_ = running;
    canChat_ = canChat;
    send_->setEnabled(!running && canChat);
    stop_->setEnabled(running);
    new_->setEnabled(!running);
    regenerate_->setEnabled(!running && canChat && !conversation_.turns.empty() && turnComplete());
    saved_->setEnabled(!running);
    updateVoteButtons();
}

void ChatView::render(int slot) {
    QString md, plain;
    for (const ConversationTurn& t : conversation_.turns) {
        const QString user = q(t.user), reply = q(t.replies[slot].text);
        if (!plain.isEmpty()) {
            plain += QStringLiteral("\n\n");
            md += QStringLiteral("\n\n---\n\n");
        }
        plain += tr("You: %1\n\n").arg(user) + reply;
        md += tr("**You:** %1\n\n").arg(user) + reply;
    }
    QTextBrowser* p = panes_[slot];
    // Model output is untrusted text: Markdown without raw HTML (no <img> fetching local files).
    if (markdown_->isChecked())
        p->document()->setMarkdown(md, QTextDocument::MarkdownFeatures(QTextDocument::MarkdownDialectGitHub | QTextDocument::MarkdownNoHTML));
    else
        p->setPlainText(plain);
    p->verticalScrollBar()->setValue(p->verticalScrollBar()->maximum());
}

void ChatView::beginTurn(const QString& message) {
    ConversationTurn turn;
    turn.user = message.toStdString();
    turn.systemPrompt = systemPrompt().toStdString();
    conversation_.turns.push_back(std::move(turn));
    leftOutNotes_[0].clear();
    leftOutNotes_[1].clear();
    replyDone_[0] = replyDone_[1] = false;
    for (int s = 0; s < 2; ++s) {
        render(s);
        metrics_[s]->setText(tr("generating…"));
    }
    prompt_->clear();
    updateVoteButtons();
}

void ChatView::beginRegenerate() {
    if (conversation_.turns.empty()) return;
    ConversationTurn& last = conversation_.turns.back();
    last.replies = {};
    last.vote = Vote::None;
    replyDone_[0] = replyDone_[1] = false;
    leftOutNotes_[0].clear();
    leftOutNotes_[1].clear();
    for (int s = 0; s < 2; ++s) {
        render(s);
        metrics_[s]->setText(tr("generating…"));
    }
    updateVoteButtons();
}

void ChatView::appendDelta(int slot, const QString& text) {
    if (conversation_.turns.empty()) return;
    std::string& reply = conversation_.turns.back().replies[slot].text;
    const bool first = reply.empty();
    reply += text.toStdString();
    // While streaming, plain text at the end (cheap); the pane renders as Markdown when the reply is done.
    QTextBrowser* p = panes_[slot];
    QTextCursor c(p->document());
    c.movePosition(QTextCursor::End);
    // Markdown ends the pane with the "You:" paragraph: the reply starts a paragraph of its own
    // (plain text already ends with an empty line).
    if (first && !c.block().text().isEmpty()) c.insertBlock(QTextBlockFormat(), QTextCharFormat());
    c.insertText(text);
    p->verticalScrollBar()->setValue(p->verticalScrollBar()->maximum());
}

void ChatView::finishTurn(int slot, const GenerationResult& r, const EngineMemory& memory) {
    const GenerationMetrics& m = r.metrics;
    if (!conversation_.turns.empty()) {
        ConversationReply& reply = conversation_.turns.back().replies[slot];
        reply.text = r.text;   // the whole reply, with the decoder's flushed tail
        reply.finish = finishReasonName(r.finish);
        reply.ttftMs = m.ttftMs;
        reply.tpotMs = m.tpotMs;
        reply.tokensPerSecond = m.tokensPerSecond;
        reply.newTokens = m.newTokens;
        reply.engineMemoryBytes = memory.total();
    }
    const QString letter = slot == 0 ? tr("A") : tr("B");
    // Both replies stream at once, so each figure is taken while the other model shares the device.
    const QString speed = tr("TTFT %1 ms · TPOT %2 · %3 tok/s on %4 · %5 tokens (%6) · while %7 generated too (the Battery tab times each "
                             "model alone)")
                              .arg(m.ttftMs, 0, 'f', 1)
                              .arg(m.tpotMs ? tr("%1 ms").arg(*m.tpotMs, 0, 'f', 2) : tr("n/a"))
                              .arg(m.tokensPerSecond, 0, 'f', 1)
                              .arg(device_)
                              .arg(m.newTokens)
                              .arg(QString::fromLatin1(finishReasonName(r.finish)))
                              .arg(slot == 0 ? tr("B") : tr("A"));
    const QString own = memory.fromAllocator
                            ? tr("%1's engine: %2 (weights %3 · KV cache %4 · activations %5, allocator peak)")
                            : tr("%1's engine: %2 (weights %3 · KV cache %4 · activations ≈%5, from the shapes)");
    const QString process = memory.fromAllocator ? tr("GPU peak allocated, all engines on the device: %1")
                                                 : tr("process peak RSS, both models and the app: %1");
    metrics_[slot]->setText(leftOutNotes_[slot] + speed + QLatin1Char('\n') +
                            own.arg(letter, formatMemory(memory.total()), formatMemory(memory.weights), formatMemory(memory.kvCache),
                                    formatMemory(memory.activations)) +
                            QStringLiteral(" · ") + process.arg(formatMemory(m.peakMemoryBytes)));
    replyDone_[slot] = true;
    render(slot);
    updateVoteButtons();
    regenerate_->setEnabled(!running_ && canChat_ && turnComplete());
    if (turnComplete()) Q_EMIT turnCompleted();
}

void ChatView::noteLeftOutExchanges(int slot, int leftOutExchanges, int contextTokens) {
    leftOutNotes_[slot] = leftOutExchanges <= 0 ? QString()
                          : leftOutExchanges == 1
                              ? tr("The oldest exchange no longer fits the model's context of %1 tokens and was left out of the prompt.\n")
                                    .arg(contextTokens)
                              : tr("The oldest %1 exchanges no longer fit the model's context of %2 tokens and were left out of the prompt.\n")
                                    .arg(leftOutExchanges)
                                    .arg(contextTokens);
}

void ChatView::closeTurn() {
    if (!conversation_.turns.empty() && !replyDone_[0] && !replyDone_[1]) {
        // Neither model answered (nor keeps the message): nothing of the exchange is left to show or save.
        const QString message = q(conversation_.turns.back().user);
        conversation_.turns.pop_back();
        if (prompt_->text().trimmed().isEmpty()) prompt_->setText(message);
        for (int s = 0; s < 2; ++s) {
            render(s);
            metrics_[s]->setText(tr("No reply (the error is below); your message is back in the box."));
        }
    } else {
        for (int s = 0; s < 2; ++s)
            if (!replyDone_[s]) metrics_[s]->setText(tr("No reply (the error is below)."));
    }
    replyDone_[0] = replyDone_[1] = true;
    setRunning(running_, canChat_);
}

QString ChatView::systemPrompt() const { return system_->text().trimmed(); }

QString ChatView::conversationSystemPrompt() const {
    return conversation_.turns.empty() ? QString() : q(conversation_.turns.back().systemPrompt);
}

bool ChatView::systemPromptChanged() const { return !conversation_.turns.empty() && systemPrompt() != conversationSystemPrompt(); }

void ChatView::setNoTemplateModel(int slot, const QString& modelName) {
    // The CLI's note (chatFallbackNote) in the words of this chat, which sends a plain continuation.
    paneNotes_[slot]->setText(modelName.isEmpty() ? QString()
                                                   : tr("%1 has no chat template (none in tokenizer_config.json or chat_template.jinja): the "
                                                        "chat goes to it as plain text (the conversation so far, then your message, for it "
                                                        "to continue), and the system prompt is not used.")
                                                         .arg(modelName));
    paneNotes_[slot]->setVisible(!modelName.isEmpty());
}

void ChatView::setDeviceLabel(const QString& device) { device_ = device; }

void ChatView::clearConversation() {
    conversation_.turns.clear();
    conversation_.created.clear();   // a new file on the next save
    replyDone_[0] = replyDone_[1] = true;
    leftOutNotes_[0].clear();
    leftOutNotes_[1].clear();
    for (int s = 0; s < 2; ++s) {
        panes_[s]->clear();
        metrics_[s]->clear();
    }
    saved_->setCurrentIndex(0);
    updateVoteButtons();
    regenerate_->setEnabled(false);
}

void ChatView::showConversation(const Conversation& c) {
    conversation_ = c;
    replyDone_[0] = replyDone_[1] = true;
    // What the conversation continues under: its last exchange's (older files: the top-level one).
    system_->setText(c.turns.empty() ? q(c.systemPrompt) : q(c.turns.back().systemPrompt));
    for (int s = 0; s < 2; ++s) {
        render(s);
        metrics_[s]->setText(c.turns.empty() ? QString()
                                             : tr("Saved %1 on %2").arg(q(c.created), c.device.empty() ? tr("an unnamed device") : q(c.device)));
    }
    setRunning(running_, canChat_);
}

QString ChatView::lastUserMessage() const { return conversation_.turns.empty() ? QString() : q(conversation_.turns.back().user); }

bool ChatView::turnComplete() const { return replyDone_[0] && replyDone_[1]; }

void ChatView::setVote(Vote vote) {
    if (conversation_.turns.empty() || !turnComplete()) return;
    conversation_.turns.back().vote = vote;
    updateVoteButtons();
    Q_EMIT voted();
}

QPushButton* ChatView::voteButton(Vote vote) const {
    for (int i = 0; i < 4; ++i)
        if (kVotes[i] == vote) return votes_[i];
    return nullptr;
}

void ChatView::setSavedConversations(const QStringList& files, const QStringList& titles) {
    saved_->clear();
    saved_->addItem(files.isEmpty() ? tr("none yet") : tr("%n conversation(s)…", nullptr, int(files.size())), QString());
    for (int i = 0; i < files.size(); ++i) saved_->addItem(titles.value(i), files[i]);
}

void ChatView::updateVoteButtons() {
    const bool canVote = !conversation_.turns.empty() && turnComplete() && !running_;
    const Vote current = conversation_.turns.empty() ? Vote::None : conversation_.turns.back().vote;
    for (int i = 0; i < 4; ++i) {
        votes_[i]->setEnabled(canVote);
        votes_[i]->setChecked(current == kVotes[i]);
    }
    const VoteTally t = conversation_.tally();
    voteSummary_->setText(t.total() == 0 ? QString()
                                         : tr("This conversation: A %1 · B %2 · tie %3 · both bad %4")
                                               .arg(t.aBetter)
                                               .arg(t.bBetter)
                                               .arg(t.tie)
                                               .arg(t.bothBad));
}

}  // namespace awq::ui
