#pragma once
// Chat templates: the Jinja templates models ship (chat_template.jinja, or "chat_template" in
// tokenizer_config.json), rendered the way transformers renders them (trim_blocks, lstrip_blocks,
// loop controls, HF's tojson, raise_exception, strftime_now) by a sandboxed interpreter: no file
// or system access, no imports or includes, bounded output and loop sizes. Models without a
// template get a plain-text fallback.
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

struct ChatMessage {
    std::string role;  // "system", "user", "assistant", "tool", ...
    std::string content;
};

class ChatTemplate {
public:
    // The plain-text fallback ("System: ...", "User: ...", "Assistant: ...").
    ChatTemplate();
    // Parses `source`; throws awq::Error (naming `origin`) on a syntax error.
    explicit ChatTemplate(std::string source, std::filesystem::path origin = "chat template");

    // The template a model folder ships, if any: chat_template.jinja first, then
    // tokenizer_config.json's "chat_template" (a string, or a list of {name, template} from which
    // "default" is taken). Throws awq::Error when a file exists but can't be read or parsed.
    static std::optional<ChatTemplate> fromModelFolder(const std::filesystem::path& folder);

    bool isFallback() const noexcept;
    const std::string& source() const noexcept;
    const std::filesystem::path& origin() const noexcept;

    // Variables every render sees (bos_token, eos_token, ...). Values are strings.
    void setVariable(const std::string& name, std::string value);

    std::string render(const std::vector<ChatMessage>& messages, bool addGenerationPrompt) const;
    // `messagesJson` is a JSON array of message objects (any fields: role, content, tool_calls,
    // ...); `extraJson`, when given, a JSON object of further variables (tools, documents, ...).
    // Throws awq::Error for malformed JSON or when the template raises an error.
    std::string renderJson(std::string_view messagesJson, bool addGenerationPrompt, std::string_view extraJson = {}) const;

private:
    struct Impl;
    std::shared_ptr<const Impl> impl_;
    std::map<std::string, std::string> variables_;
};

}  // namespace awq
