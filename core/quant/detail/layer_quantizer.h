#pragma once
// The algorithm of one decoder layer, on the quantization device: the layer's forward over the
// calibration activations (chunked), AWQ's scale search, folding and clipping, and GPTQ part by
// part. The layer's tensors are only ever replaced, never written in place: a loaded tensor may be
// the read-only mapping of the source file (same dtype on the CPU).
#include "core/layers/decoder_layer.h"
#include "core/layers/gptq_layout.h"
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/gptq_math.h"
#include "core/quant/stage_seconds.h"

#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <vector>

namespace awq::quant {

// The layer's linears as the dense ones they are while quantizing.
engine::DenseLinear& dense(const std::unique_ptr<engine::Linear>& l);

// Throws awq::Error naming the layer when `t` holds NaN or infinite values.
void checkFinite(const at::Tensor& t, const std::string& what, int layer);

// The four linear inputs of a decoder layer, in LayerCapture order.
struct LayerInputStats {
    std::vector<InputStats> inputs;  // qkv, o, mlp (gate/up), down
    explicit LayerInputStats(int groupSize) : inputs(4, InputStats(groupSize)) {}
    void add(const engine::LayerCapture& c);
};

// The attention mask of `layer` over calibration blocks of S tokens: undefined, plain causal left to
// the attention (flash attention on a GPU: the explicit mask's float scores took ~0.25 s a layer of
// Qwen3-8B shapes on an H200), unless the layer's sliding window is shorter than the block; then
// causal within the window ([1, 1, S, S] bool, engine::causalMask).
at::Tensor calibrationMask(const ModelConfig& c, int layer, int64_t S, const at::Device& device);

// Runs the layer over the calibration activations x [n, S, hidden] in chunks of kForwardChunkBlocks
// sequences; hands each chunk's linear inputs to `onCapture` when given. Returns the layer's output
// when `keepOutput`. A stop request throws Cancelled.
at::Tensor forwardLayer(const engine::DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                        const at::Tensor& mask, const std::function<void(const engine::LayerCapture&)>& onCapture, bool keepOutput = true,
                        const std::stop_token& stop = {});

// Where a layer search is: the settings it searches with, the stop token, and a progress callback
// taking the share of the layer's search work done (0..1) and the stage ("scale search", "clip search", "gptq").
struct LayerSearch {
    int groupSize = 128;
    int gridRatios = kFullRatioGrid;
    std::stop_token stop;
    std::function<void(double, const char*)> progress;
    QuantizeStageSeconds* seconds = nullptr;  // when given, awqLayer adds its scale and clip search times
};

// AWQ scale search and folding, then clipping: the layer's weights, norms and v bias are replaced by
// the scaled and clipped ones (quantization follows). Returns the best ratio per scaling group (-1:
// no v -> o group).
std::vector<double> awqLayer(engine::DecoderLayer& layer, const ModelConfig& c, LayerInputStats& stats, const at::Tensor& x, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask, const LayerSearch& search);

// GPTQ part by part in forward order as AutoGPTQ's true_sequential runs it (q/k/v, o, gate/up,
// down), each against the inputs the already quantized parts produce. `qkvHessian` comes from the
// capture pass. The weights become their dequantized GPTQ values; returns the checkpoint tensors per linear.
std::map<const engine::Linear*, engine::GptqTensors> gptqLayer(engine::DecoderLayer& layer, const ModelConfig& c, HessianSum qkvHessian,
                                                               const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                                               const at::Tensor& mask, const GptqOptions& options, const LayerSearch& search);

}  // namespace awq::quant
