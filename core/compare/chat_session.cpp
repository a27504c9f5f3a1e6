#include "core/compare/chat_session.h"

#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

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

std::vector<int> ChatSession::promptFor(const std::string& userMessage) const {
    if (template_) {
        auto all = messages_;
        all.push_back({"user", userMessage});
        return tokenizer_->encode(tokenizer_->applyChatTemplate(all, true), false);
    }
    // Plain continuation: the transcript so far, each new user message on its own line.
    std::string text;
    for (const auto& m : messages_) {
        if (m.role == "user" && !text.empty() && text.back() != '\n') text += '\n';
        text += m.content;
    }
    if (!text.empty() && text.back() != '\n') text += '\n';
    text += userMessage;
    return tokenizer_->encode(text, true);
}

ChatTurn ChatSession::send(const std::string& userMessage, const GenerationRequest& request, const StreamCallback& onToken,
                           std::stop_token stop) {
    auto r = request;
    r.promptIds = promptFor(userMessage);
    ChatTurn turn;
    turn.result = engine_.generate({r}, onToken, stop)[0];
    turn.reply = turn.result.text;
    messages_.push_back({"user", userMessage});
    messages_.push_back({"assistant", turn.reply});
    return turn;
}

}  // namespace awq
