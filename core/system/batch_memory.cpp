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

std::uint64_t denseLinearBytes(const ModelConfig& c, int elementBytes) {
    const std::uint64_t perLayer = std::uint64_t(c.hiddenSize) * c.numHeads * c.headDim * 2 + std::uint64_t(c.hiddenSize) * c.numKvHeads * c.headDim * 2 +
                                   std::uint64_t(c.hiddenSize) * c.intermediateSize * 3;
    return perLayer * std::uint64_t(c.numLayers) * std::uint64_t(elementBytes);
}

bool cpuDequantizesAwq(const ModelConfig& c, int elementBytes, std::optional<std::uint64_t> availableHostBytes) {
    return availableHostBytes && denseLinearBytes(c, elementBytes) <= *availableHostBytes / 2;
}

namespace {

bool endsWith(const std::string& s, std::string_view tail) { return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0; }

std::uint64_t elementCount(const std::vector<std::int64_t>& shape) {
    std::uint64_t n = 1;
    for (const auto d : shape) n *= std::uint64_t(std::max<std::int64_t>(d, 0));
    return n;
}

std::string dtypeWords(int elementBytes) { return elementBytes == 4 ? "float32" : elementBytes == 2 ? "16-bit" : std::to_string(elementBytes * 8) + "-bit"; }

// safetensors' dtype as the messages name compute dtypes.
std::string storedWords(const std::string& dtype) {
    if (dtype == "BF16") return "bfloat16";
    if (dtype == "F16") return "float16";
    if (dtype == "F32") return "float32";
    return dtype;
}

}  // namespace

HeldWeights heldWeights(const ModelInfo& model, bool onGpu, int elementBytes, bool dequantizeAwq) {
    const auto& q = model.config.quantization;
    const bool awq = q.method == QuantMethod::Awq, gptq = q.method == QuantMethod::Gptq;
    // Linears held dense in the compute dtype: AWQ where dequantized at load, GPTQ on the CPU
    // (engine/linear.cpp: dequantizeGptq; on CUDA it runs packed on the AWQ kernels).
    const bool dense = (awq && dequantizeAwq && !onGpu) || (gptq && !onGpu);
    const std::uint64_t elem = std::uint64_t(elementBytes);
    // Tied embeddings: the engine holds one matrix (the lm_head is the embedding).
    bool hasEmbedding = false;
    for (const auto& t : model.tensors) hasEmbedding = hasEmbedding || t.name == "model.embed_tokens.weight";
    HeldWeights held;
    for (const auto& t : model.tensors) {
        if (model.config.tieWordEmbeddings && hasEmbedding && t.name == "lm_head.weight") continue;
        const std::uint64_t n = elementCount(t.shape);
        if (endsWith(t.name, ".qweight") && t.shape.size() == 2) {
            // 8 4-bit values an int32: AWQ packs the outputs ([K, N/8]), GPTQ the inputs ([K/8, N]).
            held.bytes += dense ? n * 8 * elem : t.bytes;
        } else if (endsWith(t.name, ".qzeros") || endsWith(t.name, ".g_idx")) {
            held.bytes += dense ? 0 : t.bytes;
        } else if ((awq || gptq) && endsWith(t.name, ".scales")) {
            held.bytes += dense ? 0 : n * 2;  // float16, as loaded for the kernels
        } else {
            held.bytes += n * elem;  // loaded in the compute dtype
        }
    }
    const std::string stored = model.floatDtype.empty() ? model.storageDtype : model.floatDtype;
    const std::string compute = dtypeWords(elementBytes);
    const std::string onDisk = storedWords(stored) == compute || stored.empty() ? "" : " from " + storedWords(stored);
    if (awq || gptq) {
        const std::string method = awq ? "AWQ" : "GPTQ";
        held.form = compute + onDisk + (dense ? (awq ? ", the AWQ linears dequantized at load" : ", the GPTQ linears dequantized at load")
                                              : ", the " + method + " linears packed");
    } else {
        held.form = compute + onDisk;
    }
    return held;
}

BatchMemoryNeed estimateBatchMemory(const ModelInfo& model, const BatchShape& s, std::optional<std::uint64_t> freeBytes) {
    const auto& c = model.config;
    const std::uint64_t elem = std::uint64_t(s.elementBytes);
    BatchMemoryNeed need;
    if (!s.weightsLoaded) {
        const bool dequantize = !s.onGpu && c.quantization.method == QuantMethod::Awq && cpuDequantizesAwq(c, s.elementBytes, freeBytes);
        const auto held = heldWeights(model, s.onGpu, s.elementBytes, dequantize);
        need.weights = held.bytes;
        need.weightsForm = held.form;
    }
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
    const auto need = estimateBatchMemory(model, shape, freeBytes);
    if (need.total() <= *freeBytes) return;
    const std::string where = shape.onGpu ? "free on the GPU" : "of host memory available (MemAvailable)";
    // The weights as the engine will hold them, not as stored: on the CPU a bfloat16 checkpoint
    // doubles and an AWQ model is dequantized at load (the size on disk understated both).
    const std::string weights = shape.weightsLoaded ? std::string()
                                                    : "weights " + format::bytes(need.weights) + " as the engine holds them on the " +
                                                          (shape.onGpu ? "GPU" : "CPU") + " (" + need.weightsForm + "; " +
                                                          format::bytes(model.weightBytes) + " on disk) + ";
    throw Error(what + " of " + model.name + " needs about " + format::bytes(need.total()) + " (" + weights + "KV cache " + format::bytes(need.kvCache) + " for " + std::to_string(shape.sequences) + " x " +
                    std::to_string(kvCapacityTokens(model, shape.tokensPerSequence, shape.onGpu)) + " tokens + activations " +
                    format::bytes(need.activations) + "), more than the " + format::bytes(*freeBytes) + " " + where,
                model.folder / "config.json", fix);
}

}  // namespace awq
