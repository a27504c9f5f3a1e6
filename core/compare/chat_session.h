#pragma once
// A multi-turn conversation with one model for the Compare page's chat (one session per pane).
// Models with a chat template get the whole conversation rendered through it; others get a plain
// text continuation (the transcript so far, then the new message).
// A conversation that outgrows the model's context keeps going: each turn sends the system prompt,
// as many of the latest exchanges as fit and the new message; the oldest exchanges are left out of
// that prompt (they stay in the conversation) and the turn says how many.
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
    int leftOutExchanges = 0;          // the oldest exchanges that no longer fit and were not sent
    int contextTokens = 0;             // the model's context the prompt was fitted into
};

// The prompt of one turn, fitted into the model's context.
struct ChatPrompt {
    std::vector<int> ids;
    int leftOutExchanges = 0;          // the oldest exchanges left out so that it fits
    int contextTokens = 0;
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

    // The prompt ids of `userMessage` after the whole conversation so far (nothing left out).
    std::vector<int> promptFor(const std::string& userMessage) const;
    // The prompt the next turn feeds: the system prompt, the latest exchanges that fit and
    // `userMessage`, leaving room for the reply (maxNewTokens, at most half the context, so that a
    // large Max new tokens does not starve the history). The latest message is never left out:
    // when it alone leaves less room, it is sent with what room there is; when it alone fills the
    // context, throws awq::Error naming its size, the context and the fix. Renders the history
    // O(log exchanges) times (a binary search over how many to leave out), so a long chat stays cheap.
    ChatPrompt fittedPrompt(const std::string& userMessage, int maxNewTokens) const;
    // Appends the user message, generates the reply (streamed through onToken), appends it.
    // A cancelled turn keeps the partial reply. `request` supplies maxNewTokens / sampling / stops;
    // its promptIds are ignored (fittedPrompt gives them). A turn that throws changes nothing.
    ChatTurn send(const std::string& userMessage, const GenerationRequest& request, const StreamCallback& onToken = {},
                  std::stop_token stop = {});

private:
    // `userMessage` after the messages from `firstExchange` on (the system message always).
    std::vector<int> render(const std::string& userMessage, std::size_t firstExchange) const;
    std::size_t exchangeCount() const noexcept;

    Engine& engine_;
    std::unique_ptr<Tokenizer> tokenizer_;
    bool template_ = false;
    std::string system_;
    std::vector<ChatMessage> messages_;
};

}  // namespace awq
