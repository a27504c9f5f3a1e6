#pragma once
// The decoder-only transformer our four architectures share (gpt-fast style: one short forward).
// Llama: the base. Qwen2: q/k/v bias. Qwen3: RMSNorm on q and k per head. Mistral: sliding window
// (Qwen2/3: on the layers config.json names).
//
// Two ways through a decode step: torch ops (CPU, and any GPU set-up the kernels do not cover),
// and on CUDA the fused decode kernels (kernels/cuda/decode_ops.h) over fused q|k|v and gate|up
// projections (AWQ ones repacked at load into the decode layout, kernels/cuda/awq_repacked.h),
// captured once per KV cache as a CUDA graph and replayed every step.
#include "core/layers/decoder_layer.h"
#include "core/layers/rope.h"

#include <string>
#include <vector>

namespace awq::engine {

class Transformer {
public:
    // dequantizeAwq: see LoadContext (the CPU engine's choice, made from the host memory free).
    // lora: an adapter applied on top of the linears it targets (applyLora), or nullptr; it need
    // not outlive the constructor.
    Transformer(const ModelConfig& config, const TensorStore& store, at::ScalarType compute, const at::Device& device,
                int maxPositions, bool dequantizeAwq = false, const LoraAdapter* lora = nullptr);

    KvCache allocateCache(int batch, int capacity) const;

    // Prefill: ids [B, S] (right-padded), lengths[b] real tokens. Fills cache positions 0..S-1 and
    // returns logits [B, S, vocab] (all positions) or, with lastOnly, [B, vocab] at lengths[b]-1.
    at::Tensor prefill(const at::Tensor& ids, const std::vector<int>& lengths, KvCache& cache, bool lastOnly);

    // Decode one token per sequence: ids [B] (CPU int64), positions[b] where it goes. Returns logits
    // [B, vocab] float32; on the graph path this tensor is overwritten by the next decode.
    at::Tensor decode(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);

    // Greedy decoding without a host round trip between steps (the fused CUDA kernels only): a
    // queued step takes its ids from the step before it on the device (argmax), writes its tokens
    // at the device's positions, advances them by one (to at most capacity - 1) and sends its ids
    // to the host behind it, so the host reads step N's tokens while step N+1 runs.
    // startGreedyChain sets the first step's ids [B] (CPU int64) and positions; nextGreedyIds waits
    // for the oldest queued step and returns its argmax ids (throws awq::Error if none is queued).
    bool greedyChainSupported() const { return fusedKernels_; }
    void startGreedyChain(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);
    void queueGreedyStep(KvCache& cache);
    std::vector<int> nextGreedyIds(KvCache& cache);

    std::uint64_t weightBytes() const { return weightBytes_; }
    at::ScalarType compute() const { return compute_; }
    const at::Device& device() const { return device_; }
    std::string decodePath() const;  // "torch ops", "fused CUDA kernels", "fused CUDA kernels + CUDA graphs"

private:
    at::Tensor logitsOf(const at::Tensor& hidden) const;
    at::Tensor decodeWithTorchOps(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);
    at::Tensor decodeWithKernels(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);
    DecodeGraph& setDecodeInputs(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache);
    // One decode step of the fused kernels: ids int64 [B] and positions int32 [B] on the device;
    // logits [B, vocab] in the compute dtype.
    at::Tensor fusedDecodeStep(const at::Tensor& ids, const at::Tensor& positions, KvCache& cache);

    ModelConfig config_;
    at::ScalarType compute_;
    at::Device device_;
    at::Tensor embedding_, finalNorm_, lmHead_;
    std::vector<DecoderLayer> layers_;
    RopeTables rope_;
    std::uint64_t weightBytes_ = 0;
    bool fusedKernels_ = false;
    bool cudaGraphs_ = false;
};

}  // namespace awq::engine
