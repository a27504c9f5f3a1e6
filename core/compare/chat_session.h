#pragma once
// A multi-turn conversation with one model for the Compare page's chat (one session per pane).
// Models with a chat template get the whole conversation rendered through it; others get a plain
// text continuation (the transcript so far, then the new message).
#include "core/engine/engine.h"
#include "core/tokenizer/chat_template.h"

#include <memory>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

namespace awq {

class Tokenizer;

struct ChatTurn {
    std::string reply;                 // the assistant's text as appended to the conversation
    GenerationResult result;           // ids, finish reason and metrics (TTFT, TPOT, tok/s, peak memory)
};

class ChatSession {
public:
    // `engine` must outlive the session. Throws awq::Error when the model has no tokenizer.
    explicit ChatSession(Engine& engine);
    ~ChatSession();

    bool usesChatTemplate() const noexcept;
    void setSystemPrompt(std::string text);           // chat-template models only; "" clears it
    const std::vector<ChatMessage>& messages() const noexcept;  // system (if set), user, assistant, ...
    void reset();                                     // forgets the conversation (keeps the system prompt)
    // Regenerate: drops the last user message and the reply to it, and returns that message (to
    // send again); "" when there is no exchange yet.
    std::string dropLastExchange();
    // Continues a saved conversation: replaces the exchanges with these (user, reply) pairs.
    void restore(const std::vector<std::pair<std::string, std::string>>& exchanges);

    // The prompt ids the next turn would feed for `userMessage` (conversation so far + it).
    std::vector<int> promptFor(const std::string& userMessage) const;
    // Appends the user message, generates the reply (streamed through onToken), appends it.
    // A cancelled turn keeps the partial reply. `request` supplies maxNewTokens / sampling / stops;
    // its promptIds are ignored.
    ChatTurn send(const std::string& userMessage, const GenerationRequest& request, const StreamCallback& onToken = {},
                  std::stop_token stop = {});

private:
    Engine& engine_;
    std::unique_ptr<Tokenizer> tokenizer_;
    bool template_ = false;
    std::string system_;
    std::vector<ChatMessage> messages_;
};

}  // namespace awq
