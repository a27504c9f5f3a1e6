#pragma once
// The OpenAI HTTP API as the server speaks it, without HTTP: request bodies of /v1/completions and
// /v1/chat/completions parsed into a generation, responses and stream chunks built as the OpenAI
// API (and vLLM) write them, errors in OpenAI's shape. Sources: the OpenAI API reference
// (Completions, Chat Completions, streaming) and vLLM's OpenAI-compatible server.
#include "core/engine/generation.h"
#include "core/tokenizer/chat_template.h"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace awq::serve {

// An error answered as {"error": {"message", "type", "param", "code"}} with this HTTP status.
struct ApiError : std::runtime_error {
    int status;
    std::string type;   // "invalid_request_error", "authentication_error", "rate_limit_error", "server_error", ...
    std::string param;  // the offending request field, or ""
    std::string code;   // machine-readable, or ""
    ApiError(int status, std::string type, const std::string& message, std::string param = {}, std::string code = {});
    std::string body() const;  // the JSON text
};

struct CompletionParams {
    bool chat = false;
    std::string model;
    std::string prompt;                   // /v1/completions
    std::optional<std::vector<int>> promptIds;  // /v1/completions given token ids (a list of ints, or a list of one such list)
    std::vector<ChatMessage> messages;    // /v1/chat/completions
    std::optional<int> maxTokens;         // max_tokens (chat also max_completion_tokens)
    float temperature = 1.0f;             // OpenAI's default; 0 = greedy
    float topP = 1.0f;
    std::vector<std::string> stop;        // any number, as vLLM (OpenAI: up to 4)
    std::optional<std::uint64_t> seed;
    bool stream = false;
    bool includeUsage = false;            // stream_options.include_usage
    bool ignoreEos = false;               // vLLM's extension: generate max_tokens tokens
    // vLLM's extensions, as its OpenAI server takes them:
    bool includeStopString = false;       // include_stop_str_in_output: the matched stop string ends the text
    std::optional<int> truncatePromptTokens;  // truncate_prompt_tokens: keep the prompt's last N tokens
    ChatVariables templateVariables;      // chat: chat_template_kwargs (and documents), name -> JSON text
    bool addGenerationPrompt = true;      // chat: add_generation_prompt
    bool continueFinalMessage = false;    // chat: continue_final_message (the last message left open)
};

// Throws ApiError 400 naming the field for malformed JSON (invalid UTF-8 included: param is where
// it is, "messages[0].content"), missing or ill-typed fields, values out of range, and what this
// server does not do (n > 1, several prompts in one request, logprobs, tools, guided decoding, beam
// search, non-text content parts: every field of vLLM's protocol that would change the answer,
// unless at its neutral value). A completions prompt is text or token ids, as OpenAI and vLLM
// take it: "text", ["text"], [ids...] or [[ids...]]; ids are checked against the vocabulary by the
// server (checkPromptIds).
CompletionParams parseCompletionRequest(const std::string& body, bool chat);

// The engine request: sampling as asked (temperature 0: greedy; no seed: a random one), stop
// strings, max tokens (absent: completions 16 as OpenAI, chat the rest of the context).
// Throws ApiError 400 "context_length_exceeded" when prompt + max_tokens exceed `contextTokens`.
GenerationRequest generationRequest(const CompletionParams& p, std::vector<int> promptIds, int contextTokens);

// The rendered chat cut after the final message's content, so the model continues that message
// (continue_final_message, as transformers' apply_chat_template cuts it: at the content's last
// occurrence, or its whitespace-stripped text's). Throws ApiError 400 where the template did not
// write the content.
std::string continueFinalMessage(const std::string& rendered, const std::string& finalContent);

// The stop string `full` (all the text generated) has at `cut` (where the engine cut result.text),
// of `stops` in their order; "" for none. For include_stop_str_in_output.
std::string stopStringAt(const std::string& full, std::size_t cut, const std::vector<std::string>& stops);

// Throws ApiError 400 (param "prompt") where a token id is outside [0, vocabSize) or there are none.
void checkPromptIds(const std::vector<int>& ids, int vocabSize);

// "stop" or "length", as OpenAI names them.
const char* openAiFinishReason(FinishReason r) noexcept;

// Server-sent event framing as OpenAI streams it.
std::string sseData(const std::string& json);  // "data: <json>\n\n"
inline constexpr const char* kSseDone = "data: [DONE]\n\n";

// Builds one request's responses: chunks while streaming, or the whole response.
class ResponseBuilder {
public:
    ResponseBuilder(bool chat, std::string model);
    const std::string& id() const noexcept { return id_; }
    std::string roleChunk() const;                        // chat: the first chunk, delta {"role": "assistant", "content": ""}
    std::string textChunk(const std::string& text) const;
    std::string finishChunk(FinishReason reason) const;   // empty delta / text with finish_reason
    std::string usageChunk(int promptTokens, int completionTokens) const;  // choices [] and usage
    std::string full(const std::string& text, FinishReason reason, int promptTokens, int completionTokens) const;

private:
    bool chat_;
    std::string model_, id_;
    std::int64_t created_;
};


// The model ids the folders serve under, in their order: the name promotion gives each folder
// (pool::servedModelName: the repository id "ORG/NAME" of a Hugging Face hub cache snapshot or of a
// pool copy of one, else the folder's name), or where two of those collide (fp16/llama and
// awq/llama), the last two path components ("fp16/llama", "awq/llama"), as a client must be able to
// reach every model. Throws awq::Error when ids still collide (one folder given twice, or the same
// last two components).
std::vector<std::string> servedModelIds(const std::vector<std::string>& folders);

// A second name a request may use for each model: the folder's own name where it is not the id (a
// hub snapshot's revision folder, a pool copy's ORG--NAME: the names served before the ids followed
// promotion), "" where it is the id or would name two models. /v1/models lists ids only.
std::vector<std::string> servedModelAliases(const std::vector<std::string>& folders);

}  // namespace awq::serve
