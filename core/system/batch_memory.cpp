#include "core/system/batch_memory.h"

#include "core/system/gpu_probe.h"
#include "core/system/host_memory.h"
#include "core/system/memory_plan.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <algorithm>

namespace awq {

int computeElementBytes(const ModelInfo&, bool onGpu, const std::string& dtype) {
    if (dtype == "float32") return 4;
    if (dtype == "float16" || dtype == "bfloat16") return 2;
    return onGpu ? 2 : 4;  // "auto", as Engine::load resolves it
}

int kvCapacityTokens(const ModelInfo& model, int tokens, bool onGpu) {
    const int context = std::max(model.config.maxPositions, 1);
    const int rounded = onGpu ? (std::max(tokens, 1) + 255) / 256 * 256 : std::max(tokens, 1);
    return std::min(rounded, context);
}

BatchMemoryNeed estimateBatchMemory(const ModelInfo& model, const BatchShape& s) {
    const auto& c = model.config;
    const std::uint64_t elem = std::uint64_t(s.elementBytes);
    BatchMemoryNeed need;
    need.weights = s.weightsLoaded ? 0 : model.weightBytes;
    // Long double: 100000 sequences x a long context must compare as huge, not wrap.
    const long double kv = (long double)kvCacheBytesPerToken(c, s.elementBytes) * s.sequences * kvCapacityTokens(model, s.tokensPerSequence, s.onGpu);
    // The engine's CPU figure (TorchEngine::cpuActivationEstimate): hidden state, residual and norm,
    // q/k/v, attention output, the MLP's gate/up/activation per prefilled token; the attention scores
    // batch x heads x length^2; the float32 logits of every sequence.
    const long double tokens = (long double)s.prefillSequences * s.prefillTokens;
    const long double perToken = 3.0L * c.hiddenSize + (long double)(c.numHeads + 2 * c.numKvHeads) * c.headDim +
                                 (long double)c.numHeads * c.headDim + 3.0L * c.intermediateSize;
    // On CUDA attention is torch's scaled_dot_product_attention (flash / memory-efficient): no
    // length^2 scores are held, so counting them would refuse long windows a GPU runs.
    const long double scores = s.onGpu ? 0.0L : (long double)s.prefillSequences * c.numHeads * s.prefillTokens * s.prefillTokens;
    const long double act = (tokens * perToken + scores) * elem + (long double)s.sequences * c.vocabSize * 4;
    constexpr long double kCap = 1e19L;  // beyond any memory; keeps the conversion defined
    need.kvCache = std::uint64_t(std::min(kv, kCap));
    need.activations = std::uint64_t(std::min(act, kCap));
    return need;
}

std::optional<std::uint64_t> freeMemoryBytes(bool onGpu, int cudaDevice) {
    if (!onGpu) return availableHostMemoryBytes();
    const auto probe = probeGpus();
    for (const auto& g : probe.gpus)
        if (g.index == cudaDevice) return g.freeBytes;
    return std::nullopt;
}

void requireBatchFitsMemory(const ModelInfo& model, const std::string& what, const BatchShape& shape,
                            std::optional<std::uint64_t> freeBytes, const std::string& fix) {
    if (!freeBytes) return;
    const auto need = estimateBatchMemory(model, shape);
    if (need.total() <= *freeBytes) return;
    const std::string where = shape.onGpu ? "free on the GPU" : "of host memory available (MemAvailable)";
    const std::string weights = shape.weightsLoaded ? std::string() : "weights " + format::bytes(need.weights) + " + ";
    throw Error(what + " of " + model.name + " needs about " + format::bytes(need.total()) + " (" + weights + "KV cache " + format::bytes(need.kvCache) + " for " + std::to_string(shape.sequences) + " x " +
                    std::to_string(kvCapacityTokens(model, shape.tokensPerSequence, shape.onGpu)) + " tokens + activations " +
                    format::bytes(need.activations) + "), more than the " + format::bytes(*freeBytes) + " " + where,
                model.folder / "config.json", fix);
}

}  // namespace awq
