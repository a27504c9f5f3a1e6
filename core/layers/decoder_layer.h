#pragma once
// One decoder layer of the shared transformer: its weights and its two blocks (attention, MLP).
// The engine runs it over a KV cache; the quantizer runs it layer by layer over calibration
// activations, capturing the inputs of every linear and re-running single blocks.
#include "core/layers/linear.h"
#include "core/model/hf_config.h"
#include "core/model/lora_adapter.h"

#include <memory>
#include <optional>
#include <vector>

namespace awq::engine {

struct DecoderLayer {
    at::Tensor inputNorm, postAttentionNorm, qNorm, kNorm;  // qNorm/kNorm only for Qwen3
    std::unique_ptr<Linear> q, k, v, o, gate, up, down;
    // The engine's fused projections (fuseProjections): q|k|v and gate|up, one matmul each. When
    // set, the separate q, k, v (gate, up) are released.
    std::unique_ptr<Linear> qkv, gateUp;

    std::uint64_t bytes() const;
};

DecoderLayer loadDecoderLayer(const LoadContext& ctx, const ModelConfig& config, int layer);

// Wraps every linear of layer `index` that `adapter` adapts in a LoraLinear (its factors copied to
// `compute` on `device`). Call before fuseProjections: adapted projections then stay unfused.
void applyLora(DecoderLayer& layer, int index, const LoraAdapter& adapter, at::ScalarType compute, const at::Device& device);

// Concatenates q, k, v and gate, up along the outputs where their weights allow it (same kind,
// inputs and group size; AWQ packs along N, so qweight, qzeros and scales concatenate column-wise).
void fuseProjections(DecoderLayer& layer);

// Every linear of the layer to the GPU's decode layout where it has one (Linear::repackForCuda).
void repackForCuda(DecoderLayer& layer);

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps);

// Keys and values of every layer for a batch of sequences: [B, kvHeads, capacity, headDim].
struct DecodeGraph;  // a captured decode step over this cache (transformer.cpp)
struct KvCache {
    std::vector<at::Tensor> keys, values;
    int capacity = 0;
    int batch = 0;
    std::shared_ptr<DecodeGraph> graph;
};

// Where the attention block keeps its keys/values: nowhere (attend to this call's tokens only),
// a block at position 0 (prefill: positions undefined), or one token per sequence at
// positions [B] (int64, on the device; decode).
struct KvWrite {
    KvCache* cache = nullptr;
    int layer = 0;
    at::Tensor positions;
    int writeLength = 0;
    int attendLength = 0;
    // Prefill through the fused rope / KV-write kernel (CUDA, fused q|k|v): the float32 rope tables
    // [maxPositions, D] and each token's position, int32 [B * S]. Undefined: torch ops.
    at::Tensor ropeCos, ropeSin, tokenPositions;
};

// The inputs each linear sees, for the quantizer (AutoAWQ's input_feat).
struct LayerCapture {
    at::Tensor qkvInput;   // input_layernorm(x): into q, k, v
    at::Tensor oInput;     // attention output: into o_proj
    at::Tensor mlpInput;   // post_attention_layernorm(h): into gate, up
    at::Tensor downInput;  // silu(gate) * up: into down_proj
};

// normed [B, S, hidden] -> o_proj output. mask [B or 1, 1, S, attend] (true = visible), or
// undefined for plain causal attention over this call's S tokens (prefill without a window).
at::Tensor attentionBlock(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& normed, const at::Tensor& cos,
                          const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv = nullptr,
                          at::Tensor* oInput = nullptr);
// normed [B, S, hidden] -> down_proj output.
at::Tensor mlpBlock(const DecoderLayer& layer, const at::Tensor& normed, at::Tensor* downInput = nullptr);

// The whole layer with residuals.
at::Tensor decoderLayerForward(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos,
                               const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv = nullptr,
                               LayerCapture* capture = nullptr);

// Causal visibility for S tokens at positions 0..S-1, limited to `window` tokens when given:
// [1, 1, S, S] bool.
at::Tensor causalMask(std::optional<int> window, int64_t S, const at::Device& device);

}  // namespace awq::engine
