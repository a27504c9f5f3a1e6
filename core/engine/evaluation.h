#pragma once
// Quality measures over token ids: perplexity with a context window and stride, and against a
// reference model the mean KL divergence and top-1 agreement per scored token (llama.cpp's
// llama-perplexity style: how much quantization changed the model).
#include "core/engine/engine.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <stop_token>
#include <vector>

namespace awq {

struct PerplexityOptions {
    int context = 256;
    int stride = 256;      // windows start every `stride` tokens; each scores its last `stride` positions
    int maxWindows = 0;    // 0: all
};

struct PerplexityResult {
    double perplexity = 0;
    double nllSum = 0;
    std::int64_t scoredTokens = 0;
    std::int64_t totalTokens = 0;
    int windows = 0;
    std::optional<double> meanKld;        // with a reference model
    std::optional<double> top1Agreement;
    std::optional<double> referencePerplexity;  // the reference's own, over the same windows and tokens
    bool cancelled = false;
};

struct EvalProgress {
    int window = 0;
    int windows = 0;
};
using EvalProgressFn = std::function<void(const EvalProgress&)>;

// Protocol (../shared/models/README.md): with context == stride, non-overlapping windows, the tail
// shorter than a window dropped, positions 1..context-1 of each window scored. With stride <
// context, later windows score only their last `stride` positions (Hugging Face's sliding method).
PerplexityResult evaluatePerplexity(Engine& model, const std::vector<int>& ids, const PerplexityOptions& options,
                                    Engine* reference = nullptr, const EvalProgressFn& progress = {}, std::stop_token stop = {});

// Several models over the same windows, each result as evaluatePerplexity would return it for that
// model (in the order of `models`): the reference runs once a window, not once a model (n models
// cost n + 1 forwards a window, not 2n). Throws where the vocabularies differ; empty for no models.
std::vector<PerplexityResult> evaluatePerplexities(const std::vector<Engine*>& models, const std::vector<int>& ids,
                                                  const PerplexityOptions& options, Engine* reference = nullptr,
                                                  const EvalProgressFn& progress = {}, std::stop_token stop = {});

}  // namespace awq
