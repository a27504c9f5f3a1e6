#pragma once
// The decoder-only transformer our four architectures share (gpt-fast style: one short forward).
// Llama: the base. Qwen2: q/k/v bias. Qwen3: RMSNorm on q and k per head. Mistral: sliding window.
#include "core/engine/detail/decoder_layer.h"
#include "core/engine/detail/rope.h"

#include <vector>

namespace awq::engine {

class Transformer {
public:
    Transformer(const ModelConfig& config, const TensorStore& store, at::ScalarType compute, const at::Device& device,
                int maxPositions);

    KvCache allocateCache(int batch, int capacity) const;

    // Prefill: ids [B, S] (right-padded), lengths[b] real tokens. Fills cache positions 0..S-1 and
    // returns logits [B, S, vocab] (all positions) or, with lastOnly, [B, vocab] at lengths[b]-1.
    at::Tensor prefill(const at::Tensor& ids, const std::vector<int>& lengths, KvCache& cache, bool lastOnly);

    // Decode one token per sequence: ids [B], positions[b] where it goes. Returns logits [B, vocab].
    at::Tensor decode(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);

    std::uint64_t weightBytes() const { return weightBytes_; }
    at::ScalarType compute() const { return compute_; }
    const at::Device& device() const { return device_; }

private:
    at::Tensor logitsOf(const at::Tensor& hidden) const;

    ModelConfig config_;
    at::ScalarType compute_;
    at::Device device_;
    at::Tensor embedding_, finalNorm_, lmHead_;
    std::vector<DecoderLayer> layers_;
    RopeTables rope_;
    std::uint64_t weightBytes_ = 0;
};

}  // namespace awq::engine
