#pragma once
// The work a quantization job does on one decoder layer between loading it and writing it: the
// capture forward (AWQ: the linear inputs' statistics; GPTQ: q/k/v's Hessian; RTN: the output
// alone), the method's search (AWQ: scales and clipping; GPTQ: part by part), the quantization into
// the checkpoint layout, and the forward that measures the quantized layer's output error.
// QuantizeJob runs it on every layer; the pre-flight times it on a layer of random weights
// (layer_probe.h), so that the estimate times exactly the job's steps.
#include "core/quant/detail/checkpoint_layout.h"
#include "core/quant/quantize_job.h"
#include "core/quant/stage_seconds.h"

#include <ATen/ATen.h>

#include <functional>
#include <stop_token>
#include <vector>

namespace awq::engine {
struct DecoderLayer;
}

namespace awq::quant {

struct LayerStepContext {
    const ModelConfig& config;
    const QuantizeSettings& settings;   // method, group size, grid ratios, GPTQ options
    int layer = 0;                      // 0-based: checkpoint tensor names, errors
    // Calibration activations [n, S, hidden] (compute dtype, on the job's device), the rotary
    // tables [1, 1, S, head_dim] and the layer's mask (calibrationMask).
    const at::Tensor& x;
    const at::Tensor& cos;
    const at::Tensor& sin;
    const at::Tensor& mask;
    std::stop_token stop;               // a stop request throws Cancelled between and inside steps
    // The share of the layer's work done (0..1) and its stage ("capture", "scale search", "clip
    // search", "gptq", "quantize"); may be empty.
    std::function<void(double, const char*)> progress;
    QuantizeStageSeconds* seconds = nullptr;  // when given, each step's wall time is added
};

struct LayerStepResult {
    std::vector<ShardTensor> tensors;   // the layer's checkpoint tensors (AutoAWQ GEMM / GPTQ layout)
    // The next layer's input: AWQ and RTN the original layer's output (as AutoAWQ), GPTQ the quantized
    // layer's (as AutoGPTQ: later layers correct earlier layers' error).
    at::Tensor nextInput;
    double outputMse = 0;               // mean squared error of the quantized layer's output
    std::vector<double> scaleRatios;    // AWQ: the best ratio per scaling group (-1: no v -> o group)
};

// Runs the steps on `layer` (its weights become the dequantized ones, as the quantized model runs
// it). Throws awq::Error for non-finite activations (naming the layer), Cancelled on a stop
// request, and what libtorch throws (out of memory).
LayerStepResult runLayerSteps(engine::DecoderLayer& layer, const LayerStepContext& c);

}  // namespace awq::quant
