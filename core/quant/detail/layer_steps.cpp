#include "core/quant/detail/layer_steps.h"

#include "core/layers/decoder_layer.h"
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/detail/layer_quantizer.h"

#include <algorithm>
#include <map>

namespace awq::quant {
using namespace awq::engine;

LayerStepResult runLayerSteps(DecoderLayer& layer, const LayerStepContext& c) {
    const QuantizeSettings& s = c.settings;
    const bool awq = s.method == QuantMethodChoice::Awq, gptq = s.method == QuantMethodChoice::Gptq;
    QuantizeStageSeconds unused;
    QuantizeStageSeconds& times = c.seconds ? *c.seconds : unused;
    const auto progress = [&](double fraction, const char* stage) {
        if (c.progress) c.progress(fraction, stage);
    };
    const auto stopPoint = [&] {
        if (c.stop.stop_requested()) throw Cancelled{};
    };
    StageClock clock;
    LayerStepResult result;

    progress(0, "capture");
    LayerInputStats stats(s.groupSize);
    HessianSum qkvHessian;  // GPTQ: q/k/v's inputs, which no quantized part of this layer changes
    // RTN uses neither (the linear inputs' mean |x| and Gram matrices are AWQ's searches'): its
    // capture is the original layer's output alone.
    std::function<void(const LayerCapture&)> onCapture;
    if (gptq) onCapture = [&](const LayerCapture& part) { qkvHessian.add(part.qkvInput); };
    if (awq) onCapture = [&](const LayerCapture& part) { stats.add(part); };
    const auto next = forwardLayer(layer, c.config, c.x, c.cos, c.sin, c.mask, onCapture, true, c.stop);
    checkFinite(next, "the activations", c.layer);
    clock.lap(times.capture);

    if (awq) {
        // The capture took ~1/(grid + 4) of the layer; the searches take the rest up to the error pass.
        const double before = 1.0 / (s.gridRatios + 4), searchShare = 1.0 - 2 * before;
        const LayerSearch search{s.groupSize, s.gridRatios, c.stop,
                                 [&](double fraction, const char* stage) { progress(before + searchShare * fraction, stage); }, &times};
        progress(before, "scale search");
        result.scaleRatios = awqLayer(layer, c.config, stats, c.x, c.cos, c.sin, c.mask, search);
        clock.restart();  // awqLayer timed its scale and clip searches
    }
    stopPoint();

    std::map<const Linear*, GptqTensors> gptqTensors;
    if (gptq) {
        // The capture was ~1/5 of the layer: one forward per part, then the error pass.
        const LayerSearch search{s.groupSize, 0, c.stop, [&](double fraction, const char* stage) { progress(0.2 + 0.6 * fraction, stage); }};
        const GptqOptions options{.groupSize = s.groupSize, .actOrder = s.actOrder, .dampPercent = s.dampPercent, .sym = s.sym};
        gptqTensors = gptqLayer(layer, c.config, std::move(qkvHessian), c.x, c.cos, c.sin, c.mask, options, search);
        clock.lap(times.gptq);
    }

    progress(awq ? 1.0 - 1.0 / (s.gridRatios + 4) : gptq ? 0.8 : 0.5, "quantize");
    // From here the layer's weights are the dequantized ones, as the quantized model runs it.
    result.tensors = gptq ? gptqLayerForStorage(layer, c.config, c.layer, gptqTensors) : quantizeAwqLayerForStorage(layer, c.config, c.layer, s.groupSize);
    clock.lap(times.quantize);

    const int64_t n = c.x.size(0);
    std::vector<at::Tensor> squaredErrors, quantizedOutputs;
    for (int64_t start = 0; start < n; start += kForwardChunkBlocks) {
        stopPoint();
        const int64_t len = std::min<int64_t>(kForwardChunkBlocks, n - start);
        auto out = decoderLayerForward(layer, c.config, c.x.narrow(0, start, len), c.cos, c.sin, c.mask);
        squaredErrors.push_back(squaredErrorSum(out, next.narrow(0, start, len)));
        if (gptq) quantizedOutputs.push_back(std::move(out));
    }
    result.outputMse = at::stack(squaredErrors).to(at::kDouble).sum().item<double>() / double(next.numel());  // synchronises on a GPU
    result.nextInput = gptq ? at::cat(quantizedOutputs, 0) : next;
    clock.lap(times.outputError);
    return result;
}

}  // namespace awq::quant
