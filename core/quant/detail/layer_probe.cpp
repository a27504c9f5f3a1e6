#include "core/quant/detail/layer_probe.h"

#include "core/layers/rope.h"
#include "core/quant/detail/checkpoint_layout.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/detail/layer_quantizer.h"

#include <chrono>
#include <cmath>

namespace awq::quant {
using namespace awq::engine;

namespace {

// Weights of the model's shapes with the spread of trained ones (the values do not change the
// work; unit-variance outputs keep every step away from overflow and denormals).
DecoderLayer randomLayer(const ModelConfig& c, const at::TensorOptions& options) {
    const int64_t h = c.hiddenSize, qo = int64_t(c.numHeads) * c.headDim, kv = int64_t(c.numKvHeads) * c.headDim, I = c.intermediateSize;
    auto linear = [&](int64_t out, int64_t in, bool bias) {
        return std::make_unique<DenseLinear>(at::randn({out, in}, options) / std::sqrt(double(in)),
                                             bias ? at::randn({out}, options) * 0.02 : at::Tensor());
    };
    DecoderLayer layer;
    layer.inputNorm = at::ones({h}, options);
    layer.postAttentionNorm = at::ones({h}, options);
    if (c.qkNorm) {
        layer.qNorm = at::ones({c.headDim}, options);
        layer.kNorm = at::ones({c.headDim}, options);
    }
    layer.q = linear(qo, h, c.attentionBias);
    layer.k = linear(kv, h, c.attentionBias);
    layer.v = linear(kv, h, c.attentionBias);
    layer.o = linear(h, qo, false);
    layer.gate = linear(I, h, false);
    layer.up = linear(I, h, false);
    layer.down = linear(h, I, false);
    return layer;
}

}  // namespace

double timeLayerPass(const ModelConfig& c, const QuantizeSettings& s, int blocks) {
    c10::InferenceMode guard;
    const bool cuda = s.device == "cuda";
    const at::Device device = cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    const auto options = at::TensorOptions().device(device).dtype(cuda ? at::kHalf : at::kFloat);
    const int64_t S = s.seqlen, n = std::max(1, blocks);
    auto layer = randomLayer(c, options);
    const auto x = at::randn({n, S, int64_t(c.hiddenSize)}, options);
    const auto rope = buildRope(c, int(S), device);
    const auto cos = rope.cos.narrow(0, 0, S).to(options.dtype()).view({1, 1, S, -1});
    const auto sin = rope.sin.narrow(0, 0, S).to(options.dtype()).view({1, 1, S, -1});
    const auto mask = calibrationMask(c, 0, S, device);
    if (cuda) x.sum().item<float>();  // the setup finished before the clock starts

    // The steps of QuantizeJob::layer (quantize_job.cpp) between loading the layer and writing it.
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    const bool gptq = s.method == QuantMethodChoice::Gptq;
    LayerInputStats stats(s.groupSize);
    HessianSum qkvHessian;
    const auto next = forwardLayer(layer, c, x, cos, sin, mask, [&](const LayerCapture& part) {
        if (gptq) qkvHessian.add(part.qkvInput);
        else stats.add(part);
    });
    checkFinite(next, "the activations", 0);
    std::map<const Linear*, GptqTensors> gptqTensors;
    if (s.method == QuantMethodChoice::Awq) {
        awqLayer(layer, c, stats, x, cos, sin, mask, LayerSearch{s.groupSize, s.gridRatios, {}, [](double, const char*) {}});
    } else if (gptq) {
        const GptqOptions gptqOptions{.groupSize = s.groupSize, .actOrder = s.actOrder, .dampPercent = s.dampPercent, .sym = s.sym};
        gptqTensors = gptqLayer(layer, c, std::move(qkvHessian), x, cos, sin, mask, gptqOptions, LayerSearch{s.groupSize, 0, {}, [](double, const char*) {}});
    }
    const auto tensors = gptq ? gptqLayerForStorage(layer, c, 0, gptqTensors) : quantizeAwqLayerForStorage(layer, c, 0, s.groupSize);
    std::vector<at::Tensor> squaredErrors;
    for (int64_t b = 0; b < n; b += kForwardChunkBlocks) {
        const int64_t len = std::min<int64_t>(kForwardChunkBlocks, n - b);
        squaredErrors.push_back(squaredErrorSum(decoderLayerForward(layer, c, x.narrow(0, b, len), cos, sin, mask), next.narrow(0, b, len)));
    }
    at::stack(squaredErrors).sum().item<double>();  // synchronises on a GPU
    return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace awq::quant
