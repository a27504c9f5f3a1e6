#include "core/tokenizer/chat_template.h"

#include "core/jinja/template.h"
#include "core/util/error.h"
#include "core/model/model_files.h"
#include "core/util/json_read.h"
#include "core/util/json_quote.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <limits>
#include <sstream>

namespace awq {

namespace fs = std::filesystem;

namespace {

// Models without a template: "System text\n\nUser: ...\nAssistant: ...\nAssistant:".
constexpr const char* kFallbackTemplate =
    "{% for message in messages %}"
    "{% if message.role == 'system' %}{{ message.content ~ '\\n\\n' }}"
    "{% else %}{{ message.role | capitalize ~ ': ' ~ message.content ~ '\\n' }}{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

jinja::Value fromJson(const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null: return jinja::Value(nullptr);
        case nlohmann::ordered_json::value_t::boolean: return jinja::Value(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer: return jinja::Value(j.get<std::int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            // Python reads any integer exactly; the interpreter's are 64-bit (integersPast64BitsFail):
            // one past them is refused, never wrapped (12345678901234567890 printed -6101065172474983726).
            const std::uint64_t u = j.get<std::uint64_t>();
            if (u > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
                throw Error("the integer " + std::to_string(u) + " in the messages or variables is past the 64 bits chat templates compute with here",
                            {}, "pass it as a string (\"" + std::to_string(u) + "\") or a smaller number");
            return jinja::Value(static_cast<std::int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float: return jinja::Value(j.get<double>());
        case nlohmann::ordered_json::value_t::string: return jinja::Value(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            jinja::Array a;
            for (const auto& v : j) a.push_back(fromJson(v));
            return jinja::Value(std::move(a));
        }
        case nlohmann::ordered_json::value_t::object: {
            auto o = std::make_shared<jinja::Object>();
            for (auto it = j.begin(); it != j.end(); ++it) o->set(it.key(), fromJson(it.value()));
            return jinja::Value(o);
        }
        default: return jinja::Value(nullptr);
    }
}

}  // namespace

struct ChatTemplate::Impl {
    std::string source;
    fs::path origin;
    bool fallback = false;
    std::unique_ptr<jinja::Template> tmpl;
    std::shared_ptr<const Impl> toolUse;  // the folder's template named "tool_use", beside "default"
};

ChatTemplate::ChatTemplate() {
    auto impl = std::make_shared<Impl>();
    impl->source = kFallbackTemplate;
    impl->origin = "built-in plain-text chat template";
    impl->fallback = true;
    impl->tmpl = std::make_unique<jinja::Template>(impl->source);
    impl_ = std::move(impl);
}

ChatTemplate::ChatTemplate(std::string source, fs::path origin) {
    auto impl = std::make_shared<Impl>();
    impl->source = std::move(source);
    impl->origin = std::move(origin);
    try {
        impl->tmpl = std::make_unique<jinja::Template>(impl->source);
    } catch (const jinja::TemplateError& e) {
        throw Error(std::string("chat template can't be parsed: ") + e.what(), impl->origin,
                    "fix the template, or remove it to use the plain-text fallback");
    }
    impl_ = std::move(impl);
}

std::optional<ChatTemplate> ChatTemplate::fromModelFolder(const fs::path& folder) {
    // Every file through the model folder's one door (core/model/model_files.h): no links out.
    if (const auto text = readModelFile(folder, "chat_template.jinja")) return ChatTemplate(*text, folder / "chat_template.jinja");
    for (const char* name : {"tokenizer_config.json", "chat_template.json"}) {
        const fs::path file = folder / name;
        const auto text = readModelFile(folder, name);
        if (!text) continue;
        const nlohmann::json j = parseJson(*text, {file, "fix the file"});
        if (!j.is_object() || !j.contains("chat_template")) continue;
        const auto& t = j["chat_template"];
        if (t.is_string()) return ChatTemplate(t.get<std::string>(), file);
        if (t.is_array()) {
            // [{"name": "default", "template": "..."}, {"name": "tool_use", ...}]: as transformers'
            // get_chat_template, "tool_use" where tools are given (not None), else "default".
            auto named = [&](const char* wanted) -> const nlohmann::json* {
                for (const auto& entry : t)
                    if (entry.is_object() && entry.value("name", "") == wanted && entry.contains("template") && entry["template"].is_string())
                        return &entry;
                return nullptr;
            };
            const nlohmann::json* chosen = named("default");
            const nlohmann::json* toolUse = named("tool_use");
            // One template under any name, or only "tool_use" beside others: taken for every render
            // (transformers refuses a render without tools there).
            if (!chosen && t.size() == 1 && t[0].is_object() && t[0].contains("template") && t[0]["template"].is_string()) chosen = &t[0];
            if (!chosen) chosen = toolUse;
            if (!chosen) throw Error("lists chat templates but none named \"default\"", file, "name one of the templates \"default\"");
            ChatTemplate result((*chosen)["template"].get<std::string>(), file);
            if (toolUse && toolUse != chosen)  // result's Impl is not shared yet
                std::const_pointer_cast<Impl>(result.impl_)->toolUse = ChatTemplate((*toolUse)["template"].get<std::string>(), file).impl_;
            return result;
        }
    }
    return std::nullopt;
}

bool ChatTemplate::isFallback() const noexcept { return impl_->fallback; }
const std::string& ChatTemplate::source() const noexcept { return impl_->source; }
const fs::path& ChatTemplate::origin() const noexcept { return impl_->origin; }

void ChatTemplate::setVariable(const std::string& name, std::string value) {
    if (value.empty()) variables_.erase(name);
    else variables_[name] = jsonQuoted(value);
}

void ChatTemplate::setVariableJson(const std::string& name, std::string json) {
    if (!nlohmann::ordered_json::accept(json))
        throw Error("chat template variable '" + name + "' is not valid JSON", origin(), "pass a JSON value");
    variables_[name] = std::move(json);
}

namespace {

nlohmann::ordered_json parseVariable(const std::string& name, const std::string& json) {
    return parseOrderedJson(json, {{}, "give a JSON value: true, 3, \"text\" (with the quotes), [...] or {...}", "template variable '" + name + "'"});
}

// The variables of one render, in transformers' order: the special tokens, then messages, tools,
// documents and add_generation_prompt, then the caller's extra variables.
jinja::Object renderVariables(const ChatVariables& specialTokens, jinja::Value messages, bool addGenerationPrompt,
                              const ChatVariables& extra) {
    jinja::Object vars;
    for (const auto& [name, json] : specialTokens) vars.set(name, fromJson(parseVariable(name, json)));
    vars.set("messages", std::move(messages));
    vars.set("tools", jinja::Value(nullptr));
    vars.set("documents", jinja::Value(nullptr));
    vars.set("add_generation_prompt", jinja::Value(addGenerationPrompt));
    for (const auto& [name, json] : extra) {
        if (name == "messages" || name == "add_generation_prompt")
            throw Error("template variable '" + name + "' can't be set: it comes from the conversation being rendered", {},
                        "pass the messages and the generation-prompt choice themselves, not as variables");
        vars.set(name, fromJson(parseVariable(name, json)));
    }
    return vars;
}

// What to do about a render that failed, naming what failed and where: only the template's own
// raise_exception() is a verdict on the messages.
std::string renderFailureFix(const jinja::TemplateError& e) {
    using Cause = jinja::TemplateError::Cause;
    const std::string at = e.line() > 0 ? " at line " + std::to_string(e.line()) + " of the template" : " in the template";
    switch (e.cause()) {
        case Cause::RaiseException:
            return "the template refused this conversation (raise_exception" + at +
                   "): check the messages: roles, their order and fields must be what this model's template expects";
        case Cause::UnknownFilter:
        case Cause::UnknownTest:
            return std::string(e.cause() == Cause::UnknownFilter ? "the filter '" : "the test '") + e.name() + "'" + at +
                   " is not one Jinja2 has (the template was written for another renderer): edit the template";
        case Cause::UndefinedVariable:
            return "the template reads the variable '" + e.name() + "'" + at + ", which this render doesn't set: pass it as a template variable (--var " +
                   e.name() + "=JSON)";
        case Cause::MissingAttribute:
            return "the template reads '" + e.name() + "'" + at +
                   " from a value that has no such field or item: if it reads a message or tool there, give it that field";
        case Cause::Filter:
            return "the filter '" + e.name() + "'" + at + " failed on its input or arguments: check the values that line passes it";
        case Cause::Other:
            break;
    }
    if (e.line() <= 0) return "check the messages and variables the template reads";
    return "the template failed" + at + ": check the messages and variables it reads there";
}

std::string renderWith(const jinja::Template& tmpl, const jinja::Object& vars, const fs::path& origin) {
    try {
        return tmpl.render(vars);
    } catch (const jinja::TemplateError& e) {
        throw Error(std::string("chat template failed: ") + e.what(), origin, renderFailureFix(e));
    }
}

}  // namespace

const ChatTemplate::Impl& ChatTemplate::templateFor(const ChatVariables& extra) const {
    const auto tools = extra.find("tools");
    const bool withTools = tools != extra.end() && nlohmann::ordered_json::accept(tools->second) && !nlohmann::ordered_json::parse(tools->second).is_null();
    return withTools && impl_->toolUse ? *impl_->toolUse : *impl_;
}

bool ChatTemplate::hasToolUseTemplate() const noexcept { return impl_->toolUse != nullptr; }

std::string ChatTemplate::render(const std::vector<ChatMessage>& messages, bool addGenerationPrompt, const ChatVariables& extra) const {
    jinja::Array list;
    for (const auto& m : messages) {
        auto o = std::make_shared<jinja::Object>();
        o->set("role", jinja::Value(m.role));
        o->set("content", jinja::Value(m.content));
        list.emplace_back(o);
    }
    const jinja::Object vars = renderVariables(variables_, jinja::Value(std::move(list)), addGenerationPrompt, extra);
    const Impl& chosen = templateFor(extra);
    return renderWith(*chosen.tmpl, vars, chosen.origin);
}

std::string ChatTemplate::renderJson(std::string_view messagesJson, bool addGenerationPrompt, std::string_view extraJson) const {
    ChatVariables extra;
    if (!extraJson.empty()) {
        const nlohmann::ordered_json object = parseOrderedJson(extraJson, {{}, "pass a JSON object", "template variables"});
        if (!object.is_object()) throw Error("template variables must be a JSON object", {}, "pass {\"name\": value, ...}");
        for (auto it = object.begin(); it != object.end(); ++it) extra[it.key()] = it.value().dump();
    }
    return renderJson(messagesJson, addGenerationPrompt, extra);
}

std::string ChatTemplate::renderJson(std::string_view messagesJson, bool addGenerationPrompt, const ChatVariables& extra) const {
    nlohmann::ordered_json messages = parseOrderedJson(messagesJson, {{}, "pass a JSON list of {\"role\", \"content\"} objects", "messages"});
    if (messages.is_object() && messages.contains("messages")) messages = messages["messages"];
    if (!messages.is_array())
        throw Error("messages must be a JSON list of {\"role\": ..., \"content\": ...} objects", {}, "wrap the messages in [ ... ]");
    const jinja::Object vars = renderVariables(variables_, fromJson(messages), addGenerationPrompt, extra);
    const Impl& chosen = templateFor(extra);
    return renderWith(*chosen.tmpl, vars, chosen.origin);
}

}  // namespace awq
