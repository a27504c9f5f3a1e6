#pragma once
// How the quantization job bounds its device memory; shared by the job and its pre-flight
// estimate so that the estimate follows the job.
#include "core/model/hf_config.h"

#include <algorithm>
#include <cstdint>

namespace awq::quant {

// Calibration sequences per layer forward: bounds the attention's [heads, S, S] scores.
inline constexpr int kForwardChunkBlocks = 8;

// Captured linear inputs held at once during the scale search (the rest is regenerated chunk by
// chunk): about 21k tokens with Qwen3-8B shapes in fp16.
inline constexpr std::int64_t kCaptureBudgetBytes = std::int64_t(1) << 30;

// Bytes of the four linear inputs (q/k/v, o, gate/up, down) of one token.
inline std::int64_t captureBytesPerToken(const ModelConfig& c, int elementBytes) {
    return (2 * std::int64_t(c.hiddenSize) + std::int64_t(c.numHeads) * c.headDim + c.intermediateSize) * elementBytes;
}

// Sequences per scale-search chunk: as many as fit the capture budget, a multiple of the forward chunk.
inline std::int64_t searchChunkBlocks(const ModelConfig& c, std::int64_t seqlen, int elementBytes) {
    const std::int64_t blocks = kCaptureBudgetBytes / std::max<std::int64_t>(1, captureBytesPerToken(c, elementBytes) * seqlen);
    return std::max<std::int64_t>(kForwardChunkBlocks, blocks / kForwardChunkBlocks * kForwardChunkBlocks);
}

}  // namespace awq::quant
