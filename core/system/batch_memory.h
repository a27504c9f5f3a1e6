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
    std::uint64_t weights = 0;      // bytes the engine holds for the weights (heldWeights); 0 when weightsLoaded
    std::string weightsForm;        // how it holds them (HeldWeights::form); empty when weightsLoaded
    std::uint64_t kvCache = 0;      // sequences x capacity x layers x kv heads x head dim x 2 x element size
    std::uint64_t activations = 0;  // the prefill's transient tensors, attention scores (CPU only), the logits
    std::uint64_t total() const noexcept { return weights + kvCache + activations; }
};

// Bytes of the decoder layers' seven linears (q, k, v, o, gate, up, down) as dense matrices of
// `elementBytes` per element: what the CPU engine holds for an AWQ model's linears once it
// dequantizes them at load.
std::uint64_t denseLinearBytes(const ModelConfig& config, int elementBytes);

// Whether the CPU engine dequantizes an AWQ model's linears once at load (Engine::load does unless
// EngineOptions::keepAwqPacked): when their dense bytes (denseLinearBytes) take at most half of
// `availableHostBytes` (host MemAvailable at load; unknown: no, they stay packed). The engine and
// the pre-flight decide with this one rule.
bool cpuDequantizesAwq(const ModelConfig& config, int elementBytes, std::optional<std::uint64_t> availableHostBytes);

struct HeldWeights {
    std::uint64_t bytes = 0;  // what the engine holds, in bytes
    std::string form;         // e.g. "float32 from bfloat16", "float32 from float16, the AWQ linears dequantized at load"
};

// The bytes the engine holds for `model`'s weights on its device, from the tensors' shapes: float
// tensors (embeddings, norms, dense linears) in the compute dtype of `elementBytes` (a bfloat16
// checkpoint doubles on the CPU's float32); AWQ linears packed as stored (int32 qweight/qzeros,
// float16 scales), or dense in the compute dtype where `dequantizeAwq` (cpuDequantizesAwq); GPTQ
// linears dense on the CPU, packed on CUDA; one matrix for tied embeddings. An estimate of
// Engine::weightMemoryBytes before loading (CUDA's repacked AWQ layout is counted as stored).
HeldWeights heldWeights(const ModelInfo& model, bool onGpu, int elementBytes, bool dequantizeAwq);

// The compute dtype's element size as the engine resolves EngineOptions::computeDtype: "auto" is
// float32 on the CPU and 16-bit on CUDA (float32 for a float32 checkpoint).
int computeElementBytes(const ModelInfo& model, bool onGpu, const std::string& dtype);

// The engine's capacity for prompt + new tokens: capped at the context; on CUDA rounded up to 256
// tokens as the engine allocates it.
int kvCapacityTokens(const ModelInfo& model, int tokens, bool onGpu);

// `freeBytes`: memory free where the batch runs (freeMemoryBytes). On the CPU it is what the engine
// sees at load, so it decides, as the engine does, whether an AWQ model's linears are counted dense
// (cpuDequantizesAwq); unknown: packed, as the engine keeps them.
BatchMemoryNeed estimateBatchMemory(const ModelInfo& model, const BatchShape& shape, std::optional<std::uint64_t> freeBytes = std::nullopt);

// Free memory where the batch will live: host MemAvailable on the CPU, the GPU's free memory (NVML)
// on CUDA; nothing where it cannot be read (then only kMaxBatchSequences applies).
std::optional<std::uint64_t> freeMemoryBytes(bool onGpu, int cudaDevice = 0);

// Throws awq::Error when `what` ("concurrency 4096") needs more than `freeBytes`: names the level,
// the memory needed (weights as the engine will hold them, with their form and size on disk, + KV
// cache + activations), what is free and on which device, and `fix`. Unknown `freeBytes`: no check.
void requireBatchFitsMemory(const ModelInfo& model, const std::string& what, const BatchShape& shape,
                            std::optional<std::uint64_t> freeBytes, const std::string& fix);

}  // namespace awq
