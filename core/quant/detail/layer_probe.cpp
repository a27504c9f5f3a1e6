#include "core/quant/detail/layer_probe.h"

#include "core/layers/rope.h"
#include "core/quant/detail/layer_quantizer.h"
#include "core/quant/detail/layer_steps.h"

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

    // The steps of QuantizeJob::layer between loading the layer and writing it.
    const auto start = std::chrono::steady_clock::now();
    runLayerSteps(layer, {.config = c, .settings = s, .layer = 0, .x = x, .cos = cos, .sin = sin, .mask = mask});
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();   // the error pass synchronised a GPU
}

}  // namespace awq::quant
