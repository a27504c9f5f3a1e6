#include "core/system/memory_plan.h"

#include <algorithm>

namespace awq {

std::uint64_t kvCacheBytesPerToken(const ModelConfig& c, int bytesPerElement) {
    return std::uint64_t(c.numLayers) * std::uint64_t(c.numKvHeads) * std::uint64_t(c.headDim) * 2ull *
           std::uint64_t(bytesPerElement);
}

MemoryPlan planMemory(const ModelInfo& model, const MemoryPlanInput& in) {
    MemoryPlan p;
    p.weightBytes = model.weightBytes;
    p.kvBytesPerToken = kvCacheBytesPerToken(model.config, in.kvBytesPerElement);
    p.contextLength = in.contextLength > 0 ? in.contextLength : std::max(model.config.maxPositions, 1);
    // A sliding window bounds what the layers that use it keep of one sequence.
    const auto& c = model.config;
    std::uint64_t keptLayerTokens = 0;  // sum over layers of the tokens each keeps
    for (int l = 0; l < c.numLayers; ++l) {
        const auto window = c.windowOfLayer(l);
        keptLayerTokens += std::uint64_t(window ? std::min(p.contextLength, *window) : p.contextLength);
    }
    p.kvBytesPerSequence = c.numLayers > 0 ? p.kvBytesPerToken / std::uint64_t(c.numLayers) * keptLayerTokens : 0;
    p.budgetBytes = std::uint64_t(double(in.gpuMemoryBytes) * in.utilization);
    p.kvBudgetBytes = std::int64_t(p.budgetBytes) - std::int64_t(p.weightBytes) - std::int64_t(in.overheadBytes);
    p.weightsFit = p.kvBudgetBytes > 0;
    if (p.weightsFit && p.kvBytesPerToken > 0 && p.kvBytesPerSequence > 0) {
        p.tokensThatFit = p.kvBudgetBytes / std::int64_t(p.kvBytesPerToken);
        p.sequencesThatFit = p.kvBudgetBytes / std::int64_t(p.kvBytesPerSequence);
    }
    return p;
}

const std::vector<int>& commonGpuSizesGiB() {
    static const std::vector<int> sizes{8, 12, 16, 24, 40, 48, 80, 141};
    return sizes;
}

}  // namespace awq
