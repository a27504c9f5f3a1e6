#include "core/serve/openai_api.h"

#include "core/pool/warm_pool.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/json_write.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <random>
#include <set>

namespace awq::serve {
using nlohmann::json;

ApiError::ApiError(int status_, std::string type_, const std::string& message, std::string param_, std::string code_)
    : std::runtime_error(message), status(status_), type(std::move(type_)), param(std::move(param_)), code(std::move(code_)) {}

// Every answer goes through jsonText (core/util/json_write.h): valid JSON even where it echoes what
// a client sent (a parse error quotes the bytes it read); ill-formed bytes become U+FFFD.

std::string ApiError::body() const {
    return jsonText(json{{"error",
                 {{"message", what()},
                  {"type", type},
                  {"param", param.empty() ? json(nullptr) : json(param)},
                  {"code", code.empty() ? json(nullptr) : json(code)}}}});
}

namespace {

ApiError badRequest(const std::string& message, const std::string& param = {}, const std::string& code = {}) {
    return ApiError(400, "invalid_request_error", message, param, code);
}

// Text of a message's content (any role): a string, null, or a list of {"type": "text", "text": ...}
// parts. Parts are joined with "\n" and an empty part is left out, as vLLM renders them for a
// template that takes string content (vllm/entrypoints/chat_utils.py,
// _parse_chat_message_content_parts: "\n".join of the parts that parsed to a non-empty text):
// glued together, ["Tell me", "a story"] gave the model "Tell mea story".
std::string contentText(const json& content, const std::string& param) {
    if (content.is_null()) return {};
    if (content.is_string()) return content.get<std::string>();
    if (!content.is_array()) throw badRequest("content must be a string or a list of text parts", param);
    std::string text;
    bool first = true;
    for (const auto& part : content) {
        if (!part.is_object() || part.value("type", "") != "text" || !part.contains("text") || !part["text"].is_string())
            throw badRequest("only text content parts are supported", param);
        const auto& piece = part["text"].get_ref<const std::string&>();
        if (piece.empty()) continue;
        text += (first ? "" : "\n") + piece;
        first = false;
    }
    return text;
}

// An integer field's value as vLLM's request models (pydantic, lax mode) take it: a JSON integer, or
// a number with no fractional part (3.0 is 3: clients that compute a limit in floating point send
// it so); nullopt for anything else (2.5, a string, a boolean) and for a float outside int64.
std::optional<std::int64_t> integral(const json& v) {
    if (v.is_number_integer()) {
        if (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max())) return std::nullopt;
        return v.get<std::int64_t>();
    }
    if (!v.is_number_float()) return std::nullopt;
    const double x = v.get<double>();
    // 2^63 is exactly representable; every double below it (and >= -2^63) with no fraction fits int64.
    if (!std::isfinite(x) || std::trunc(x) != x || x < -0x1p63 || x >= 0x1p63) return std::nullopt;
    return std::int64_t(x);
}

// An integer field in [lo, hi], or nullopt (the caller's 400 names the field).
std::optional<std::int64_t> integralIn(const json& v, std::int64_t lo, std::int64_t hi) {
    const auto n = integral(v);
    return n && *n >= lo && *n <= hi ? n : std::nullopt;
}

double number(const json& body, const char* key, double lo, double hi) {
    const auto& v = body[key];
    if (!v.is_number()) throw badRequest(std::string(key) + " must be a number", key);
    const double x = v.get<double>();
    if (x < lo || x > hi) throw badRequest(std::string(key) + " must be between " + json(lo).dump() + " and " + json(hi).dump(), key);
    return x;
}

bool present(const json& body, const char* key) { return body.contains(key) && !body[key].is_null(); }

std::string randomHex(int digits) {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* hex = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < digits; ++i) s += hex[rng() % 16];
    return s;
}

// Reads a body the way json::parse does, following where it is ("messages[0].content"), so that a
// parse error (an ill-formed UTF-8 byte in a string, say) can name its field.
struct FieldPath final : json::json_sax_t {
    struct Level {
        bool array = false;
        std::size_t begun = 0;  // arrays: the elements begun so far
        std::string key;        // objects: the last key read
    };
    std::vector<Level> levels;

    std::string path() const {
        std::string out;
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const auto& l = levels[i];
            // The innermost array failed reading its next element; an outer one is inside its last.
            if (l.array) out += "[" + std::to_string(i + 1 == levels.size() ? l.begun : l.begun - 1) + "]";
            else if (!l.key.empty()) out += (out.empty() ? "" : ".") + l.key;
        }
        return text::utf8Lossy(out);
    }
    bool value() {
        if (!levels.empty() && levels.back().array) ++levels.back().begun;
        return true;
    }
    bool null() override { return value(); }
    bool boolean(bool) override { return value(); }
    bool number_integer(number_integer_t) override { return value(); }
    bool number_unsigned(number_unsigned_t) override { return value(); }
    bool number_float(number_float_t, const string_t&) override { return value(); }
    bool string(string_t&) override { return value(); }
    bool binary(binary_t&) override { return value(); }
    bool start_object(std::size_t) override {
        value();
        levels.push_back({});
        return true;
    }
    bool start_array(std::size_t) override {
        value();
        levels.push_back({.array = true});
        return true;
    }
    bool key(string_t& k) override {
        levels.back().key = k;
        return true;
    }
    bool end_object() override {
        levels.pop_back();
        return true;
    }
    bool end_array() override { return end_object(); }
    bool parse_error(std::size_t, const std::string&, const json::exception&) override { return false; }
};

}  // namespace

CompletionParams parseCompletionRequest(const std::string& text, bool chat) {
    json body;
    try {
        body = json::parse(text);
    } catch (const json::exception& e) {
        FieldPath where;
        json::sax_parse(text, &where);
        const std::string field = where.path();
        throw badRequest("the request body is not valid JSON" + (field.empty() ? "" : " (in " + field + ")") + ": " + e.what(), field);
    }
    if (!body.is_object()) throw badRequest("the request body must be a JSON object");
    CompletionParams p;
    p.chat = chat;
    if (!body.contains("model") || !body["model"].is_string()) throw badRequest("you must provide a model parameter", "model");
    p.model = body["model"].get<std::string>();

    if (chat) {
        if (!body.contains("messages") || !body["messages"].is_array() || body["messages"].empty())
            throw badRequest("messages must be a non-empty list", "messages");
        for (std::size_t i = 0; i < body["messages"].size(); ++i) {
            const auto& m = body["messages"][i];
            const std::string param = "messages[" + std::to_string(i) + "]";
            if (!m.is_object() || !m.contains("role") || !m["role"].is_string()) throw badRequest(param + " needs a role", param);
            // OpenAI's roles ("developer" is the newer "system"); only an assistant turn may come without content.
            const std::string role = m["role"].get<std::string>();
            static const std::set<std::string> roles = {"system", "developer", "user", "assistant", "tool"};
            if (!roles.count(role))
                throw badRequest(param + ".role '" + role + "' is not one of system, developer, user, assistant, tool", param + ".role");
            const json content = m.value("content", json(nullptr));
            if (content.is_null() && role != "assistant") throw badRequest(param + " (" + role + ") needs content", param + ".content");
            p.messages.push_back({role, contentText(content, param + ".content")});
        }
    } else {
        if (!body.contains("prompt")) throw badRequest("you must provide a prompt", "prompt");
        const auto& prompt = body["prompt"];
        // Token ids are integers as the other integer fields are: 5.0 is id 5 (vLLM's list[int]).
        const auto isIds = [](const json& v) { return v.is_array() && !v.empty() && std::all_of(v.begin(), v.end(), [](const json& id) { return integral(id).has_value() || id.is_number_unsigned(); }); };
        const auto ids = [](const json& v) {
            std::vector<int> out;
            for (const auto& id : v) {
                const auto value = integral(id).value_or(-1);
                out.push_back(value < 0 || value > std::numeric_limits<int>::max() ? -1 : int(value));  // out of range: checkPromptIds refuses it
            }
            return out;
        };
        if (prompt.is_string()) p.prompt = prompt.get<std::string>();
        else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) p.prompt = prompt[0].get<std::string>();
        else if (isIds(prompt)) p.promptIds = ids(prompt);
        else if (prompt.is_array() && prompt.size() == 1 && isIds(prompt[0])) p.promptIds = ids(prompt[0]);
        else if (prompt.is_array() && prompt.size() > 1 && (prompt[0].is_string() || prompt[0].is_array()))
            throw badRequest("one prompt a request: send the " + std::to_string(prompt.size()) + " prompts as separate requests", "prompt");
        else throw badRequest("prompt must be a string, a list of one string, or token ids (a list of integers)", "prompt");
    }

    const char* maxKey = chat && present(body, "max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
    if (present(body, maxKey)) {
        const auto n = integralIn(body[maxKey], 1, 1 << 30);
        if (!n) throw badRequest(std::string(maxKey) + " must be a positive integer", maxKey);
        p.maxTokens = int(*n);
    }
    if (present(body, "temperature")) p.temperature = float(number(body, "temperature", 0, 2));
    if (present(body, "top_p")) {
        p.topP = float(number(body, "top_p", 0, 1));
        if (p.topP <= 0) throw badRequest("top_p must be greater than 0", "top_p");
    }
    if (present(body, "seed")) {
        const auto& seed = body["seed"];
        if (seed.is_number_unsigned()) p.seed = seed.get<std::uint64_t>();  // up to 2^64 - 1, as before
        else if (const auto n = integral(seed)) p.seed = std::uint64_t(*n);
        else throw badRequest("seed must be an integer", "seed");
    }
    if (present(body, "stop")) {
        const auto& stop = body["stop"];
        if (stop.is_string()) p.stop.push_back(stop.get<std::string>());
        // A list of any length, as vLLM takes it (OpenAI's own API stops at 4; vLLM, whose clients
        // this server stands in for, has no limit, and the engine matches any number).
        else if (stop.is_array() && std::all_of(stop.begin(), stop.end(), [](const json& s) { return s.is_string(); }))
            for (const auto& s : stop) p.stop.push_back(s.get<std::string>());
        else throw badRequest("stop must be a string or a list of strings", "stop");
        std::erase(p.stop, std::string());
    }
    if (present(body, "stream")) {
        if (!body["stream"].is_boolean()) throw badRequest("stream must be a boolean", "stream");
        p.stream = body["stream"].get<bool>();
    }
    if (present(body, "stream_options")) {
        if (!p.stream) throw badRequest("stream_options is only allowed when stream is true", "stream_options");
        const auto& o = body["stream_options"];
        if (!o.is_object()) throw badRequest("stream_options must be an object", "stream_options");
        if (o.contains("include_usage") && !o["include_usage"].is_null()) {
            if (!o["include_usage"].is_boolean()) throw badRequest("stream_options.include_usage must be a boolean", "stream_options.include_usage");
            p.includeUsage = o["include_usage"].get<bool>();
        }
    }
    const auto flag = [&](const char* key, bool& out) {
        if (!present(body, key)) return;
        if (!body[key].is_boolean()) throw badRequest(std::string(key) + " must be a boolean", key);
        out = body[key].get<bool>();
    };
    flag("ignore_eos", p.ignoreEos);
    flag("include_stop_str_in_output", p.includeStopString);
    if (present(body, "truncate_prompt_tokens")) {  // vLLM: an integer >= 1
        const auto n = integralIn(body["truncate_prompt_tokens"], 1, 1 << 30);
        if (!n) throw badRequest("truncate_prompt_tokens must be a positive integer", "truncate_prompt_tokens");
        p.truncatePromptTokens = int(*n);
    }
    if (chat) {
        flag("add_generation_prompt", p.addGenerationPrompt);
        flag("continue_final_message", p.continueFinalMessage);
        if (p.addGenerationPrompt && p.continueFinalMessage)  // as vLLM refuses them together
            throw badRequest("Cannot set both `continue_final_message` and `add_generation_prompt` to True.", "continue_final_message");
        // Variables the chat template sees, as vLLM passes chat_template_kwargs (enable_thinking
        // for Qwen3) and documents to transformers' apply_chat_template.
        if (present(body, "chat_template_kwargs")) {
            const auto& kwargs = body["chat_template_kwargs"];
            if (!kwargs.is_object()) throw badRequest("chat_template_kwargs must be an object", "chat_template_kwargs");
            for (const auto& [name, value] : kwargs.items()) {
                if (name == "messages" || name == "add_generation_prompt")  // the request's own fields
                    throw badRequest("chat_template_kwargs." + name + " is set by the request itself", "chat_template_kwargs");
                p.templateVariables[name] = jsonText(value);
            }
        }
        if (present(body, "documents")) {
            if (!body["documents"].is_array()) throw badRequest("documents must be a list of objects", "documents");
            p.templateVariables["documents"] = jsonText(body["documents"]);
        }
    }
    if (present(body, "n") && integral(body["n"]) != 1) throw badRequest("only n = 1 is supported", "n");
    if (present(body, "best_of") && integral(body["best_of"]) != 1) throw badRequest("only best_of = 1 is supported", "best_of");
    if (present(body, "logprobs") && body["logprobs"] != json(false)) throw badRequest("logprobs are not supported", "logprobs");
    // Fields that change the answer: refused rather than ignored, so a client never believes it got them.
    if (present(body, "echo") && body["echo"] != json(false)) throw badRequest("echo is not supported by this server", "echo");
    if (present(body, "suffix") && body["suffix"] != json("")) throw badRequest("suffix is not supported by this server", "suffix");
    if (present(body, "logit_bias") && !(body["logit_bias"].is_object() && body["logit_bias"].empty()))
        throw badRequest("logit_bias is not supported by this server", "logit_bias");
    // Fields of vLLM's OpenAI protocol (vllm/entrypoints/openai/protocol.py) this server does not
    // apply and that would change the answer: accepted at their neutral values only (null, or one
    // of these; numbers compare as numbers, so 0.0 is 0), never ignored. vLLM takes top_k 0 as
    // "off" as well as -1. Fields that cannot change the answer (user, priority 0, request_id,
    // cache_salt, guided_decoding_backend, length_penalty without beam search, ...) are ignored.
    static const std::vector<std::pair<const char*, std::vector<json>>> kNeutralOnly = {
        {"presence_penalty", {0}}, {"frequency_penalty", {0}}, {"top_k", {-1, 0}}, {"min_p", {0}}, {"repetition_penalty", {1}},
        {"min_tokens", {0}}, {"use_beam_search", {false}}, {"stop_token_ids", {json::array()}}, {"bad_words", {json::array()}},
        {"allowed_token_ids", {}}, {"prompt_logprobs", {}}, {"top_logprobs", {0}}, {"skip_special_tokens", {true}},
        {"spaces_between_special_tokens", {true}}, {"guided_json", {}}, {"guided_regex", {}}, {"guided_choice", {}}, {"guided_grammar", {}}, {"structural_tag", {}},
        {"structured_outputs", {}}, {"logits_processors", {}}, {"prompt_embeds", {}}, {"chat_template", {}},
        {"tool_choice", {"none", "auto"}}, {"include_reasoning", {true}}, {"priority", {0}}, {"vllm_xargs", {}}};
    for (const auto& [field, neutral] : kNeutralOnly) {
        if (!present(body, field) || std::find(neutral.begin(), neutral.end(), body[field]) != neutral.end()) continue;
        std::string only;
        for (const auto& v : neutral) only += (only.empty() ? "" : " or ") + v.dump();
        throw badRequest(std::string(field) + " is not supported by this server (only " + (only.empty() ? "null" : only) + ")", field);
    }
    if (present(body, "add_special_tokens") && body["add_special_tokens"] != json(!chat))  // vLLM's defaults: chat false, completions true
        throw badRequest(std::string("add_special_tokens is not supported by this server (only ") + (chat ? "false" : "true") + ")",
                         "add_special_tokens");
    if (present(body, "stream_options") && body["stream_options"].contains("continuous_usage_stats") &&
        body["stream_options"]["continuous_usage_stats"] == json(true))
        throw badRequest("stream_options.continuous_usage_stats is not supported by this server", "stream_options.continuous_usage_stats");
    if (present(body, "response_format") &&
        !(body["response_format"].is_object() && body["response_format"].contains("type") && body["response_format"]["type"] == json("text")))
        throw badRequest("response_format other than {\"type\": \"text\"} is not supported by this server (no constrained decoding)",
                         "response_format");
    if (present(body, "tools") && !body["tools"].empty()) throw badRequest("tools are not supported by this server", "tools");
    return p;
}

std::string continueFinalMessage(const std::string& rendered, const std::string& finalContent) {
    const auto first = finalContent.find_first_not_of(" \t\n\r\f\v");  // Python's str.strip()
    const std::string stripped = first == std::string::npos ? "" : finalContent.substr(first, finalContent.find_last_not_of(" \t\n\r\f\v") + 1 - first);
    for (const auto& content : {finalContent, stripped}) {
        const auto at = rendered.rfind(content);
        if (at != std::string::npos) return rendered.substr(0, at + content.size());
    }
    throw badRequest("continue_final_message: the chat template does not write the final message's content as given, so it cannot be "
                     "left open",
                     "continue_final_message");
}

std::string stopStringAt(const std::string& full, std::size_t cut, const std::vector<std::string>& stops) {
    for (const auto& stop : stops)
        if (cut <= full.size() && full.compare(cut, stop.size(), stop) == 0) return stop;
    return {};
}

void checkPromptIds(const std::vector<int>& ids, int vocabSize) {
    if (ids.empty()) throw badRequest("prompt has no token ids", "prompt");
    for (std::size_t i = 0; i < ids.size(); ++i)
        if (ids[i] < 0 || ids[i] >= vocabSize)
            throw badRequest("prompt[" + std::to_string(i) + "] is not a token id of this model (the vocabulary has ids 0 to " +
                                 std::to_string(vocabSize - 1) + ")",
                             "prompt");
}

GenerationRequest generationRequest(const CompletionParams& p, std::vector<int> promptIds, int contextTokens) {
    GenerationRequest r;
    if (p.truncatePromptTokens && int(promptIds.size()) > *p.truncatePromptTokens)  // vLLM keeps the last N (left truncation)
        promptIds.erase(promptIds.begin(), promptIds.end() - *p.truncatePromptTokens);
    const int promptTokens = int(promptIds.size());
    r.promptIds = std::move(promptIds);
    const int room = contextTokens - promptTokens;
    const int wanted = p.maxTokens.value_or(p.chat ? std::max(room, 0) : 16);
    if (room <= 0 || wanted > room)
        throw badRequest("This model's maximum context length is " + std::to_string(contextTokens) + " tokens. However, you requested " +
                             std::to_string(promptTokens + std::max(wanted, 1)) + " tokens (" + std::to_string(promptTokens) +
                             " in the " + (p.chat ? "messages" : "prompt") + ", " + std::to_string(std::max(wanted, 1)) +
                             " in the completion). Please reduce the length of the " + (p.chat ? "messages" : "prompt") +
                             " or completion.",
                         p.chat ? "messages" : "prompt", "context_length_exceeded");
    r.maxNewTokens = wanted;
    r.stopStrings = p.stop;
    if (p.ignoreEos) r.stopIds = {-1};  // no real id: only max_tokens and stop strings end it
    r.sampling.greedy = p.temperature <= 0.0f;
    r.sampling.temperature = p.temperature > 0.0f ? p.temperature : 1.0f;
    r.sampling.topP = p.topP;
    r.sampling.seed = p.seed.value_or(std::random_device{}());
    return r;
}

const char* openAiFinishReason(FinishReason r) noexcept {
    return r == FinishReason::StopToken || r == FinishReason::StopString ? "stop" : "length";
}

std::string sseData(const std::string& jsonText) { return "data: " + jsonText + "\n\n"; }

ResponseBuilder::ResponseBuilder(bool chat, std::string model)
    : chat_(chat), model_(std::move(model)), id_((chat ? "chatcmpl-" : "cmpl-") + randomHex(24)),
      created_(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count()) {}

namespace {
json usageJson(int promptTokens, int completionTokens) {
    return {{"prompt_tokens", promptTokens}, {"completion_tokens", completionTokens}, {"total_tokens", promptTokens + completionTokens}};
}
}  // namespace

static json chunkBase(bool chat, const std::string& id, std::int64_t created, const std::string& model) {
    return {{"id", id}, {"object", chat ? "chat.completion.chunk" : "text_completion"}, {"created", created}, {"model", model}};
}

std::string ResponseBuilder::roleChunk() const {
    auto j = chunkBase(chat_, id_, created_, model_);
    j["choices"] = json::array({{{"index", 0}, {"delta", {{"role", "assistant"}, {"content", ""}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}});
    return sseData(jsonText(j));
}

std::string ResponseBuilder::textChunk(const std::string& text) const {
    auto j = chunkBase(chat_, id_, created_, model_);
    json choice = chat_ ? json{{"index", 0}, {"delta", {{"content", text}}}, {"logprobs", nullptr}, {"finish_reason", nullptr}}
                        : json{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", nullptr}};
    j["choices"] = json::array({choice});
    return sseData(jsonText(j));
}

std::string ResponseBuilder::finishChunk(FinishReason reason) const {
    auto j = chunkBase(chat_, id_, created_, model_);
    json choice = chat_ ? json{{"index", 0}, {"delta", json::object()}, {"logprobs", nullptr}, {"finish_reason", openAiFinishReason(reason)}}
                        : json{{"index", 0}, {"text", ""}, {"logprobs", nullptr}, {"finish_reason", openAiFinishReason(reason)}};
    j["choices"] = json::array({choice});
    return sseData(jsonText(j));
}

std::string ResponseBuilder::usageChunk(int promptTokens, int completionTokens) const {
    auto j = chunkBase(chat_, id_, created_, model_);
    j["choices"] = json::array();
    j["usage"] = usageJson(promptTokens, completionTokens);
    return sseData(jsonText(j));
}

std::string ResponseBuilder::full(const std::string& text, FinishReason reason, int promptTokens, int completionTokens) const {
    json j = {{"id", id_}, {"object", chat_ ? "chat.completion" : "text_completion"}, {"created", created_}, {"model", model_}};
    json choice = chat_ ? json{{"index", 0}, {"message", {{"role", "assistant"}, {"content", text}}}, {"logprobs", nullptr},
                               {"finish_reason", openAiFinishReason(reason)}}
                        : json{{"index", 0}, {"text", text}, {"logprobs", nullptr}, {"finish_reason", openAiFinishReason(reason)}};
    j["choices"] = json::array({choice});
    j["usage"] = usageJson(promptTokens, completionTokens);
    return jsonText(j);
}

namespace {
struct FolderNames {
    std::filesystem::path path;  // absolute, normal, without a trailing "/"
    std::string served;          // pool::servedModelName: what promotion names it
};

std::vector<FolderNames> folderNames(const std::vector<std::string>& folders) {
    std::vector<FolderNames> out;
    for (const auto& folder : folders) {
        auto p = std::filesystem::absolute(folder).lexically_normal();  // "." and "../x" have names too
        if (!p.has_filename()) p = p.parent_path();                     // "/m/tiny/"
        for (std::size_t i = 0; i < out.size(); ++i)
            if (out[i].path == p)
                throw Error("the folder " + p.string() + " is given twice (" + folders[i] + " and " + folder + ")", {}, "give each --model once");
        out.push_back({p, pool::servedModelName(p)});
    }
    return out;
}
}  // namespace

std::vector<std::string> servedModelIds(const std::vector<std::string>& folders) {
    const auto names = folderNames(folders);
    std::vector<std::string> ids;
    for (const auto& n : names) {
        const bool collides = std::count_if(names.begin(), names.end(), [&](const FolderNames& other) { return other.served == n.served; }) > 1;
        ids.push_back(collides ? n.path.parent_path().filename().string() + "/" + n.path.filename().string() : n.served);
    }
    for (std::size_t i = 0; i < ids.size(); ++i)
        for (std::size_t j = i + 1; j < ids.size(); ++j)
            if (ids[i] == ids[j])
                throw Error(folders[i] + " and " + folders[j] + " would both be served as '" + ids[i] + "'", {},
                            "give each --model once, from folders whose names (or parent folders) differ");
    return ids;
}

std::vector<std::string> servedModelAliases(const std::vector<std::string>& folders) {
    const auto names = folderNames(folders);
    const auto ids = servedModelIds(folders);
    std::vector<std::string> aliases;
    for (const auto& n : names) {
        const std::string folderName = n.path.filename().string();
        const auto sameName = [&](const FolderNames& other) { return other.path.filename().string() == folderName; };
        const bool unique = std::count_if(names.begin(), names.end(), sameName) == 1 && std::find(ids.begin(), ids.end(), folderName) == ids.end();
        aliases.push_back(unique ? folderName : std::string());
    }
    return aliases;
}

}  // namespace awq::serve
