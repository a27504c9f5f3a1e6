#pragma once
// The Compare page's Chat tab: one prompt, two panes that stream A's and B's replies at the same
// time, multi-turn, with an optional system prompt. Under each pane: TTFT, TPOT, tokens/s on the
// named device, and the memory of that pane's own engine (weights, KV cache, activations) next to
// the process total, labelled as such. Replies render as Markdown (or plain text, a toggle);
// Regenerate asks both models again for the last message; after each exchange an arena-style
// vote (A better / B better / tie / both bad). The view holds the conversation (core's
// Conversation), which the page saves to a file per conversation. Each exchange records the system
// prompt it was sent under; a conversation keeps one (the page offers a new conversation when it
// changes). A pane says when its model has no chat template, and when the oldest exchanges no longer
// fit the model's context and were left out of the prompt.
#include "core/compare/conversation.h"
#include "core/engine/engine.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QTextBrowser;

namespace awq::ui {

class ElidedLabel;

class ChatView : public QWidget {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);

    void setModelNames(const QString& a, const QString& b);
    void setDeviceLabel(const QString& device);   // named in every speed figure ("CPU (2 threads)")
    void setRunning(bool running, bool canChat);

    // A new exchange: the user's message in both panes, sent under systemPrompt().
    void beginTurn(const QString& message);
    void beginRegenerate();                     // the last exchange's replies and vote are cleared
    void appendDelta(int slot, const QString& text);
    // The result's peakMemoryBytes is process-wide (CPU: peak RSS of both engines and the app; GPU:
    // the device's peak allocated); `memory` is this pane's engine alone.
    void finishTurn(int slot, const GenerationResult& result, const EngineMemory& memory);
    // Before finishTurn: `leftOutExchanges` (> 0) oldest exchanges did not fit the slot's model's
    // context of `contextTokens` and were left out of its prompt; the pane says so.
    void noteLeftOutExchanges(int slot, int leftOutExchanges, int contextTokens);
    // Ends an exchange whose reply failed: a pane without a reply says so (none is left
    // "generating…"); the reply that arrived stays. When both failed, the exchange is withdrawn
    // (neither model has it) and its message is put back in the message box.
    void closeTurn();
    void clearConversation();                   // a new, empty conversation (new file when saved)

    // The conversation shown (what the page saves); showConversation replaces it (an opened file).
    const Conversation& conversation() const { return conversation_; }
    Conversation& conversation() { return conversation_; }
    void showConversation(const Conversation& c);
    QString lastUserMessage() const;            // empty without an exchange
    bool turnComplete() const;                  // the last exchange has both replies
    void setVote(Vote vote);                    // for the last exchange (the vote buttons)
    // Saved conversations offered in the "Open" list: the files, newest first, and their titles.
    void setSavedConversations(const QStringList& files, const QStringList& titles);

    QLineEdit* promptEdit() const { return prompt_; }
    QLineEdit* systemPromptEdit() const { return system_; }
    QString systemPrompt() const;   // trimmed; empty for none
    // The system prompt the conversation's exchanges were sent under (the last one's); empty without any.
    QString conversationSystemPrompt() const;
    // The system prompt field no longer says what the conversation was sent under.
    bool systemPromptChanged() const;
    // Per pane: the model has no chat template (the chat goes as plain text); "" for a model with one.
    void setNoTemplateModel(int slot, const QString& modelName);
    QLabel* paneNote(int slot) const { return paneNotes_[slot]; }
    QPushButton* sendButton() const { return send_; }
    QPushButton* stopButton() const { return stop_; }
    QPushButton* newButton() const { return new_; }
    QPushButton* regenerateButton() const { return regenerate_; }
    QPushButton* voteButton(Vote vote) const;
    QLabel* voteSummary() const { return voteSummary_; }
    QCheckBox* markdownToggle() const { return markdown_; }
    QComboBox* savedList() const { return saved_; }
    QTextBrowser* transcript(int slot) const { return panes_[slot]; }
    QLabel* metrics(int slot) const { return metrics_[slot]; }

Q_SIGNALS:
    void sendRequested(const QString& message);
    void regenerateRequested();
    void stopRequested();
    void resetRequested();
    void voted();                                   // the last exchange got a vote (save it)
    void turnCompleted();                           // both replies of an exchange are in (save it)
    void openRequested(const QString& file);        // a saved conversation was picked

private:
    void render(int slot);        // the whole pane from the conversation (Markdown or plain)
    void updateVoteButtons();

    Conversation conversation_;
    bool replyDone_[2] = {true, true};
    ElidedLabel* titles_[2] = {};
    QTextBrowser* panes_[2] = {};
    QLabel* metrics_[2] = {};
    QLabel* paneNotes_[2] = {};     // no chat template (kept for the loaded pair)
    QString leftOutNotes_[2];       // this exchange's "left out of the prompt" note, shown with its figures
    QString device_;
    QLineEdit* prompt_ = nullptr;
    QLineEdit* system_ = nullptr;
    bool running_ = false;
    bool canChat_ = false;
    QPushButton* send_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* new_ = nullptr;
    QPushButton* regenerate_ = nullptr;
    QPushButton* votes_[4] = {};
    QLabel* voteSummary_ = nullptr;
    QCheckBox* markdown_ = nullptr;
    QComboBox* saved_ = nullptr;
};

}  // namespace awq::ui
