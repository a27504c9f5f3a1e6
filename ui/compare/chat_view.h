#pragma once
// The Compare page's Chat tab: one prompt, two panes that stream A's and B's replies at the same
// time, multi-turn, with TTFT, TPOT, tokens/s and peak memory under each pane, and an optional
// system prompt. Enter sends whenever nothing runs; the page loads the models first if needed.
#include "core/engine/generation.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;

namespace awq::ui {

class ChatView : public QWidget {
    Q_OBJECT
public:
    explicit ChatView(QWidget* parent = nullptr);

    void setModelNames(const QString& a, const QString& b);
    void setDeviceLabel(const QString& device);   // named in every speed figure ("CPU (2 threads)")
    void setRunning(bool running, bool canChat);

    void beginTurn(const QString& message);     // echoes the user's message in both panes
    void appendDelta(int slot, const QString& text);
    void finishTurn(int slot, const GenerationResult& result);
    void clearConversation();

    QLineEdit* promptEdit() const { return prompt_; }
    QLineEdit* systemPromptEdit() const { return system_; }
    QString systemPrompt() const;   // trimmed; empty for none
    QPushButton* sendButton() const { return send_; }
    QPushButton* stopButton() const { return stop_; }
    QPushButton* newButton() const { return new_; }
    QPlainTextEdit* transcript(int slot) const { return panes_[slot]; }
    QLabel* metrics(int slot) const { return metrics_[slot]; }

Q_SIGNALS:
    void sendRequested(const QString& message);
    void stopRequested();
    void resetRequested();

private:
    QLabel* titles_[2] = {};
    QPlainTextEdit* panes_[2] = {};
    QLabel* metrics_[2] = {};
    QString device_;
    QLineEdit* prompt_ = nullptr;
    QLineEdit* system_ = nullptr;
    bool running_ = false;
    QPushButton* send_ = nullptr;
    QPushButton* stop_ = nullptr;
    QPushButton* new_ = nullptr;
};

}  // namespace awq::ui
