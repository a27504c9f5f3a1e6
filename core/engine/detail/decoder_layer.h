#pragma once
// One decoder layer of the shared transformer: its weights and its two blocks (attention, MLP).
// The engine runs it over a KV cache; the quantizer runs it layer by layer over calibration
// activations, capturing the inputs of every linear and re-running single blocks.
#include "core/engine/detail/linear.h"
#include "core/model/hf_config.h"

#include <memory>
#include <vector>

namespace awq::engine {

struct DecoderLayer {
    at::Tensor inputNorm, postAttentionNorm, qNorm, kNorm;  // qNorm/kNorm only for Qwen3
    std::unique_ptr<Linear> q, k, v, o, gate, up, down;

    std::uint64_t bytes() const;
};

DecoderLayer loadDecoderLayer(const LoadContext& ctx, const ModelConfig& config, int layer);

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

// Keys and values of every layer for a batch of sequences: [B, kvHeads, capacity, headDim].
struct KvCache {
    std::vector<at::Tensor> keys, values;
    int capacity = 0;
    int batch = 0;
};

// Where the attention block keeps its keys/values: nowhere (attend to this call's tokens only),
// a block at position 0 (prefill), or one slot per sequence (decode).
struct KvWrite {
    KvCache* cache = nullptr;
    int layer = 0;
    std::vector<int> positions;  // empty: write [0, writeLength)
    int writeLength = 0;
    int attendLength = 0;
};

// The inputs each linear sees, for the quantizer (AutoAWQ's input_feat).
struct LayerCapture {
    at::Tensor qkvInput;   // input_layernorm(x): into q, k, v
    at::Tensor oInput;     // attention output: into o_proj
    at::Tensor mlpInput;   // post_attention_layernorm(h): into gate, up
    at::Tensor downInput;  // silu(gate) * up: into down_proj
};

// normed [B, S, hidden] -> o_proj output. mask [B or 1, 1, S, attend] (true = visible).
at::Tensor attentionBlock(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& normed, const at::Tensor& cos,
                          const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv = nullptr,
                          at::Tensor* oInput = nullptr);
// normed [B, S, hidden] -> down_proj output.
at::Tensor mlpBlock(const DecoderLayer& layer, const at::Tensor& normed, at::Tensor* downInput = nullptr);

// The whole layer with residuals.
at::Tensor decoderLayerForward(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos,
                               const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv = nullptr,
                               LayerCapture* capture = nullptr);

// Causal (and sliding-window) visibility for S tokens at positions 0..S-1: [1, 1, S, S] bool.
at::Tensor causalMask(const ModelConfig& c, int64_t S, const at::Device& device);

}  // namespace awq::engine
