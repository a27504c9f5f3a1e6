#include "core/system/memory_plan.h"

#include "core/util/error.h"

#include <algorithm>
#include <limits>

namespace awq {

namespace {

constexpr const char* kFixSizes = "the numbers in config.json (layers, heads, head_dim, context) are not a real model's: fix or re-download it";

// Sizes multiply numbers from config.json and the user; hf_config bounds each, and this check keeps
// a product that still overflows from wrapping (a KV cache of 0 bytes, then a division by it).
std::uint64_t mulChecked(std::uint64_t a, std::uint64_t b, const ModelInfo* model) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a)
        throw Error("the KV cache size overflows 64 bits", model ? model->folder / "config.json" : std::filesystem::path(), kFixSizes);
    return a * b;
}

std::uint64_t kvBytesPerToken(const ModelConfig& c, int bytesPerElement, const ModelInfo* model) {
    std::uint64_t n = mulChecked(std::uint64_t(std::max(c.numLayers, 0)), std::uint64_t(std::max(c.numKvHeads, 0)), model);
    n = mulChecked(n, std::uint64_t(std::max(c.headDim, 0)), model);
    return mulChecked(n, 2ull * std::uint64_t(std::max(bytesPerElement, 0)), model);
}

}  // namespace

std::uint64_t kvCacheBytesPerToken(const ModelConfig& c, int bytesPerElement) { return kvBytesPerToken(c, bytesPerElement, nullptr); }

MemoryPlan planMemory(const ModelInfo& model, const MemoryPlanInput& in) {
    MemoryPlan p;
    p.weightBytes = model.weightBytes;
    p.gpuMemoryBytes = in.gpuMemoryBytes;
    p.kvBytesPerToken = kvBytesPerToken(model.config, in.kvBytesPerElement, &model);
    p.contextLength = in.contextLength > 0 ? in.contextLength : std::max(model.config.maxPositions, 1);
    p.modelContextLength = vllmDerivedMaxModelLen(model.config);
    // A sliding window bounds what the layers that use it keep of one sequence.
    const auto& c = model.config;
    std::uint64_t keptLayerTokens = 0;  // sum over layers of the tokens each keeps (< 2^31 x layers: no overflow)
    for (int l = 0; l < c.numLayers; ++l) {
        const auto window = c.windowOfLayer(l);
        keptLayerTokens += std::uint64_t(window ? std::min(p.contextLength, *window) : p.contextLength);
    }
    p.kvBytesPerSequence = c.numLayers > 0 ? mulChecked(p.kvBytesPerToken / std::uint64_t(c.numLayers), keptLayerTokens, &model) : 0;
    // Signed arithmetic below: a size past int64 would turn negative (and "fit").
    constexpr auto kMaxSigned = std::uint64_t(std::numeric_limits<std::int64_t>::max());
    if (p.kvBytesPerSequence > kMaxSigned || p.weightBytes > kMaxSigned || in.overheadBytes > kMaxSigned)
        throw Error("the model's sizes exceed 2^63 bytes", model.folder / "config.json", kFixSizes);
    p.budgetBytes = std::uint64_t(double(in.gpuMemoryBytes) * in.utilization);
    p.kvBudgetBytes = std::int64_t(std::min(p.budgetBytes, kMaxSigned)) - std::int64_t(p.weightBytes) - std::int64_t(in.overheadBytes);
    p.weightsFit = p.kvBudgetBytes > 0;
    if (p.weightsFit && p.kvBytesPerToken > 0 && p.kvBytesPerSequence > 0) {
        p.tokensThatFit = p.kvBudgetBytes / std::int64_t(p.kvBytesPerToken);
        p.sequencesThatFit = p.kvBudgetBytes / std::int64_t(p.kvBytesPerSequence);
    }
    return p;
}

std::string groupedInteger(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -(n + 1) + std::uint64_t(1) : std::uint64_t(n));
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) digits.insert(std::size_t(i), ",");
    return n < 0 ? "-" + digits : digits;
}

std::string vllmMaxNumSeqsNote(std::uint64_t gpuMemoryBytes) {
    if (gpuMemoryBytes >= kVllmLargeCardBytes)
        return "vLLM runs at most " + groupedInteger(kVllmDefaultMaxNumSeqsLargeCard) + " at once by default, " +
               std::to_string(kVllmDefaultMaxNumSeqs) + " on an A100: --max-num-seqs";
    return "vLLM runs at most " + std::to_string(kVllmDefaultMaxNumSeqs) + " at once by default: --max-num-seqs";
}

std::string kvCapacityText(const MemoryPlan& p) {
    if (!p.weightsFit || p.sequencesThatFit <= 0) return {};
    std::string text = "KV cache holds " + groupedInteger(p.sequencesThatFit) + (p.sequencesThatFit == 1 ? " sequence" : " sequences") +
                       " of " + groupedInteger(p.contextLength) + " tokens";
    const int limit = p.gpuMemoryBytes >= kVllmLargeCardBytes ? kVllmDefaultMaxNumSeqsLargeCard : kVllmDefaultMaxNumSeqs;
    if (p.sequencesThatFit >= limit) return text + " (" + vllmMaxNumSeqsNote(p.gpuMemoryBytes) + ")";
    // Fewer than max-num-seqs: at full context the cache, not that limit, bounds how many run at once
    // (shorter sequences take less of it, so more of them run).
    return text + ": at full context no more run at once (vLLM's own limit, --max-num-seqs, is " +
           groupedInteger(limit) + (limit == kVllmDefaultMaxNumSeqsLargeCard ? ", 256 on an A100)" : ")");
}

std::string commonGpuLabel(int gib) { return std::to_string(gib) + " GB card (" + std::to_string(gib) + " GiB)"; }

const std::vector<int>& commonGpuSizesGiB() {
    static const std::vector<int> sizes{8, 12, 16, 24, 40, 48, 80, 141};
    return sizes;
}

}  // namespace awq
