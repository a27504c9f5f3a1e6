#pragma once
// A client of an OpenAI-compatible endpoint (vLLM, `awqbench-cli serve`, ...) for benchmarks:
// the models it serves, one streamed completion timed chunk by chunk, and vLLM benchmark_serving's
// load (Poisson arrivals at a request rate, at most N requests in flight). cpp-httplib.
#include "core/run/run_document.h"
#include "core/serve/serving_metrics.h"

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq::serve {

struct Endpoint {
    std::string url;     // base URL with the API prefix: "http://127.0.0.1:8000/v1"
    std::string model;   // the served model name
    std::string apiKey;  // "" = none; sent as "Authorization: Bearer KEY", never stored
    // What the server's /models entry for `model` said of its quantization (resolveServedModel):
    // `awqbench-cli serve` states it ("quantization": object or null); OpenAI and vLLM do not.
    bool quantizationReported = false;
    std::optional<RunQuantization> quantization;
};

// One entry of GET {url}/models: its id and, when the entry has a "quantization" key (our own
// server's), what it says (null: not quantized).
struct ServedModelEntry {
    std::string id;
    bool quantizationReported = false;
    std::optional<RunQuantization> quantization;
};


// The ids GET {url}/models lists. Throws awq::Error naming the URL when it cannot be reached or
// answers with an error (401: the key).
std::vector<std::string> endpointModels(const Endpoint& endpoint);
// The same list with what each entry reports beyond its id.
std::vector<ServedModelEntry> endpointModelEntries(const Endpoint& endpoint);

struct LoadSettings {
    int numPrompts = 32;
    std::optional<double> requestRate;  // requests per second (Poisson arrivals); nullopt: all at once
    int maxConcurrency = 1;
    int maxTokens = 64;
    std::string prompt = "Once upon a time";
    std::uint64_t seed = 0;             // arrival times
};

// One streamed request: /chat/completions with `prompt` as the user message, or /completions.
struct CompletionCall {
    bool chat = false;
    std::string prompt;
    int maxTokens = 64;
    bool ignoreEos = false;                // vLLM's extension (serve has it too)
    double temperature = 0;                // 0: greedy
    double topP = 1;
    std::optional<std::uint64_t> seed;
};
struct StreamedCompletion {
    RequestTiming timing;
    std::string text;                      // the streamed text
    std::string finishReason;              // "stop", "length", ... as the server said
};
StreamedCompletion streamCompletion(const Endpoint& endpoint, const CompletionCall& call,
                                    const std::function<void(const std::string&)>& onText = {});

// The load's request: a /completions stream asking for maxTokens tokens (ignore_eos), greedy. A
// server that does not honour ignore_eos stops at end-of-text: timing.outputTokens is what came
// (usage.completion_tokens, else the chunks with text), never maxTokens assumed.
RequestTiming timedCompletion(const Endpoint& endpoint, const std::string& prompt, int maxTokens);

// Runs the load; onDone(done, total) after each request. Returns the timings and the wall time
// (first send to last response) in seconds. A stop request lets no new request start.
std::vector<RequestTiming> runLoad(const Endpoint& endpoint, const LoadSettings& load, double& durationSeconds,
                                   const std::function<void(int, int)>& onDone = {}, std::stop_token stop = {});

}  // namespace awq::serve
