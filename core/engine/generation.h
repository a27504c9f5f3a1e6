#pragma once
// Requests, settings and results of text generation; plain value types shared by the engine, the
// CLI and the UI.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace awq {

struct SamplingSettings {
    bool greedy = true;
    float temperature = 1.0f;
    int topK = 0;                  // 0 = off
    float topP = 1.0f;             // 1 = off
    float repetitionPenalty = 1.0f;  // 1 = off (HF semantics: divide positive logits, multiply negative)
    std::uint64_t seed = 0;
};

struct GenerationRequest {
    std::vector<int> promptIds;
    int maxNewTokens = 128;
    SamplingSettings sampling;
    std::vector<int> stopIds;            // empty: the model's eos ids
    std::vector<std::string> stopStrings;  // matched on the decoded text (needs a tokenizer)
};

enum class FinishReason { Length, StopToken, StopString, ContextFull, Cancelled };
const char* finishReasonName(FinishReason r) noexcept;

// vLLM's metric names: TTFT (time to first token), TPOT (time per output token after the first).
struct GenerationMetrics {
    int promptTokens = 0;
    int newTokens = 0;
    double ttftMs = 0;
    std::optional<double> tpotMs;        // (e2e - TTFT) / (new tokens - 1); nullopt for fewer than 2 new tokens
    double e2eMs = 0;
    double tokensPerSecond = 0;          // new tokens / end-to-end time (vLLM's output throughput)
    std::uint64_t peakMemoryBytes = 0;   // GPU: peak allocated on the device; CPU: peak process RSS
};

struct GenerationResult {
    std::vector<int> newIds;
    std::string text;                    // decoded new tokens (empty without a tokenizer)
    FinishReason finish = FinishReason::Length;
    GenerationMetrics metrics;
};

// Streaming: called on the generating thread after every new token of every request.
struct StreamEvent {
    int request = 0;
    int tokenId = 0;                     // -1: text held back until the end (no new token)
    std::string textDelta;               // never splits a UTF-8 sequence
};
using StreamCallback = std::function<void(const StreamEvent&)>;

}  // namespace awq
