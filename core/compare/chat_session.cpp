#include "core/compare/chat_session.h"

#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <algorithm>

namespace awq {

ChatSession::ChatSession(Engine& engine) : engine_(engine) {
    if (!engine.hasTokenizer())
        throw Error("the model has no tokenizer.json", engine.model().folder, "chat needs a model folder with its tokenizer");
    tokenizer_ = std::make_unique<Tokenizer>(Tokenizer::load(engine.model().folder));
    template_ = engine.model().hasChatTemplate;
}

ChatSession::~ChatSession() = default;

bool ChatSession::usesChatTemplate() const noexcept { return template_; }

void ChatSession::setSystemPrompt(std::string text) {
    system_ = std::move(text);
    if (!messages_.empty() && messages_.front().role == "system") messages_.erase(messages_.begin());
    if (!system_.empty() && template_) messages_.insert(messages_.begin(), {"system", system_});
}

const std::vector<ChatMessage>& ChatSession::messages() const noexcept { return messages_; }

void ChatSession::reset() {
    messages_.clear();
    setSystemPrompt(system_);
}

std::string ChatSession::dropLastExchange() {
    if (messages_.size() < 2 || messages_.back().role != "assistant") return {};
    messages_.pop_back();
    std::string user = std::move(messages_.back().content);
    messages_.pop_back();
    return user;
}

void ChatSession::restore(const std::vector<std::pair<std::string, std::string>>& exchanges) {
    reset();
    for (const auto& [user, reply] : exchanges) {
        messages_.push_back({"user", user});
        messages_.push_back({"assistant", reply});
    }
}

std::size_t ChatSession::exchangeCount() const noexcept {
    const bool system = !messages_.empty() && messages_.front().role == "system";
    return (messages_.size() - (system ? 1 : 0)) / 2;
}

std::vector<int> ChatSession::render(const std::string& userMessage, std::size_t firstExchange) const {
    // messages_ is [system], user, assistant, user, assistant, ...: skip the first exchanges' pairs.
    const bool system = !messages_.empty() && messages_.front().role == "system";
    std::vector<ChatMessage> kept;
    if (system) kept.push_back(messages_.front());
    kept.insert(kept.end(), messages_.begin() + std::ptrdiff_t((system ? 1 : 0) + 2 * firstExchange), messages_.end());
    if (template_) {
        kept.push_back({"user", userMessage});
        return tokenizer_->encode(tokenizer_->applyChatTemplate(kept, true), false);
    }
    // Plain continuation: the transcript so far, each new user message on its own line.
    std::string text;
    for (const auto& m : kept) {
        if (m.role == "user" && !text.empty() && text.back() != '\n') text += '\n';
        text += m.content;
    }
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += userMessage;
    return tokenizer_->encode(text, true);
}

std::vector<int> ChatSession::promptFor(const std::string& userMessage) const { return render(userMessage, 0); }

ChatPrompt ChatSession::fittedPrompt(const std::string& userMessage, int maxNewTokens) const {
    ChatPrompt p;
    p.contextTokens = engine_.maxContext();
    const int room = std::clamp(maxNewTokens, 1, std::max(p.contextTokens / 2, 1));
    const auto fits = [&](const std::vector<int>& ids) { return int(ids.size()) + room <= p.contextTokens; };
    p.ids = render(userMessage, 0);
    if (fits(p.ids)) return p;  // the usual turn: the whole history fits, one render

    // The fewest oldest exchanges to leave out. The prompt only shrinks as more are left out, so a
    // binary search finds it in O(log n) renders; trying each count in turn took O(n) renders of
    // the whole kept history each (a long chat went quadratic).
    const std::size_t exchanges = exchangeCount();
    std::size_t tooFew = 0;              // leaving out this many does not fit
    std::size_t enough = exchanges;      // leaving out this many fits, once checked
    std::vector<int> enoughIds = exchanges == 0 ? p.ids : render(userMessage, exchanges);
    if (fits(enoughIds)) {
        while (enough - tooFew > 1) {
            const std::size_t mid = tooFew + (enough - tooFew) / 2;
            auto ids = render(userMessage, mid);
            if (fits(ids)) {
                enough = mid;
                enoughIds = std::move(ids);
            } else {
                tooFew = mid;
            }
        }
    }
    p.ids = std::move(enoughIds);
    p.leftOutExchanges = int(enough);
    if (fits(p.ids)) return p;
    // Even the latest message alone leaves less room than asked: it goes with the room there is.
    if (int(p.ids.size()) < p.contextTokens) return p;
    throw Error("the message is " + format::counted(p.ids.size(), "token") + (system_.empty() || !template_ ? "" : " with the system prompt") +
                    ", which leaves no room for a reply in the model's context of " + std::to_string(p.contextTokens) + " tokens",
                {}, "shorten the message" + std::string(system_.empty() || !template_ ? "" : " or the system prompt"));
}

ChatTurn ChatSession::send(const std::string& userMessage, const GenerationRequest& request, const StreamCallback& onToken,
                           std::stop_token stop) {
    auto r = request;
    ChatPrompt prompt = fittedPrompt(userMessage, request.maxNewTokens);
    r.promptIds = std::move(prompt.ids);
    ChatTurn turn;
    turn.leftOutExchanges = prompt.leftOutExchanges;
    turn.contextTokens = prompt.contextTokens;
    turn.result = engine_.generate({r}, onToken, stop)[0];
    turn.reply = turn.result.text;
    messages_.push_back({"user", userMessage});
    messages_.push_back({"assistant", turn.reply});
    return turn;
}

}  // namespace awq
