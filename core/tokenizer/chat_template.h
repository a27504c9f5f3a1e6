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

// Variables for one render beyond the conversation, by name, each a JSON value written as text:
// what transformers' apply_chat_template(tools=..., documents=..., **kwargs) passes to the
// template, e.g. {"tools", "[{\"type\": \"function\", ...}]"}, {"enable_thinking", "false"},
// {"reasoning_effort", "\"high\""}. They override the special-token variables; "messages" and
// "add_generation_prompt" come from the render call and can't be given here.
using ChatVariables = std::map<std::string, std::string>;

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
    // tokenizer_config.json's "chat_template" (a string, or a list of {name, template}: "default",
    // and "tool_use" for the renders given tools other than null, as transformers'
    // get_chat_template picks them; a lone template under any name, or "tool_use" without a
    // "default", serves every render). Throws awq::Error when a file exists but can't be read or
    // parsed, or when a list has neither "default" nor "tool_use".
    static std::optional<ChatTemplate> fromModelFolder(const std::filesystem::path& folder);
    // Whether renders with tools take a separate "tool_use" template.
    bool hasToolUseTemplate() const noexcept;

    bool isFallback() const noexcept;
    // The default template's source and file (not the tool_use one's).
    const std::string& source() const noexcept;
    const std::filesystem::path& origin() const noexcept;

    // Variables every render sees (bos_token, eos_token, ...). An empty string leaves the variable
    // out, as transformers leaves out special tokens that aren't set.
    void setVariable(const std::string& name, std::string value);
    // The same for any JSON value (additional_special_tokens is a list); throws awq::Error when
    // `json` isn't valid JSON.
    void setVariableJson(const std::string& name, std::string json);

    // Every render passes messages, add_generation_prompt, tools = None and documents = None as
    // transformers does, then `extra` (which may set tools and documents). Throws awq::Error when
    // a value of `extra` isn't valid JSON, names messages / add_generation_prompt, or when the
    // template raises an error.
    std::string render(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, const ChatVariables& extra = {}) const;
    // `messagesJson` is a JSON array of message objects (any fields: role, content, tool_calls,
    // ...); `extraJson`, when given, a JSON object of further variables (tools, documents, ...).
    // Throws awq::Error for malformed JSON or when the template raises an error.
    std::string renderJson(std::string_view messagesJson, bool addGenerationPrompt, std::string_view extraJson = {}) const;
    std::string renderJson(std::string_view messagesJson, bool addGenerationPrompt, const ChatVariables& extra) const;

private:
    struct Impl;
    const Impl& templateFor(const ChatVariables& extra) const;  // tool_use where tools are given
    std::shared_ptr<const Impl> impl_;
    ChatVariables variables_;  // name -> JSON text
};

}  // namespace awq
