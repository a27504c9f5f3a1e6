#pragma once
// Pre-flight for options that multiply memory (sweep concurrency levels, serve --max-batch): what a
// batch of sequences will need, estimated from config.json's shapes before anything is loaded,
// against what is free (host MemAvailable on the CPU, the GPU's free memory on CUDA). A level that
// cannot fit is refused with the figures and the fix instead of being OOM-killed mid-run (a sweep
// at concurrency 100000 took the whole machine down with exit 137 and no message).
#include "core/model/model_info.h"

#include <cstdint>
#include <optional>
#include <string>

namespace awq {

// The most sequences one batch may hold, whatever memory says: serve's --max-batch bound, and the
// sweep's highest concurrency level.
constexpr int kMaxBatchSequences = 1024;

struct BatchShape {
    int sequences = 1;          // decoded together (KV cache slots)
    int tokensPerSequence = 0;  // KV cache capacity of each: prompt + new tokens (capped at the context)
    int prefillSequences = 1;   // prefilled together (a sweep: all of them; a server: one request at a time)
    int prefillTokens = 0;      // the longest prompt prefilled
    bool onGpu = false;
    int elementBytes = 4;       // compute dtype: float32 on the CPU
    bool weightsLoaded = false; // the engine already holds the weights: they are not free memory to ask for
};

struct BatchMemoryNeed {
    std::uint64_t weights = 0;      // tensor bytes as stored: a lower bound (the CPU may dequantize AWQ at load)
    std::uint64_t kvCache = 0;      // sequences x capacity x layers x kv heads x head dim x 2 x element size
    std::uint64_t activations = 0;  // the prefill's transient tensors, attention scores (CPU only), the logits
    std::uint64_t total() const noexcept { return weights + kvCache + activations; }
};

// The compute dtype's element size as the engine resolves EngineOptions::computeDtype: "auto" is
// float32 on the CPU and 16-bit on CUDA (float32 for a float32 checkpoint).
int computeElementBytes(const ModelInfo& model, bool onGpu, const std::string& dtype);

// The engine's capacity for prompt + new tokens: capped at the context; on CUDA rounded up to 256
// tokens as the engine allocates it.
int kvCapacityTokens(const ModelInfo& model, int tokens, bool onGpu);

BatchMemoryNeed estimateBatchMemory(const ModelInfo& model, const BatchShape& shape);

// Free memory where the batch will live: host MemAvailable on the CPU, the GPU's free memory (NVML)
// on CUDA; nothing where it cannot be read (then only kMaxBatchSequences applies).
std::optional<std::uint64_t> freeMemoryBytes(bool onGpu, int cudaDevice = 0);

// Throws awq::Error when `what` ("concurrency 4096") needs more than `freeBytes`: names the level,
// the memory needed (weights + KV cache + activations), what is free and on which device, and `fix`.
void requireBatchFitsMemory(const ModelInfo& model, const std::string& what, const BatchShape& shape,
                            std::optional<std::uint64_t> freeBytes, const std::string& fix);

}  // namespace awq
