#include "core/engine/detail/decoder_layer.h"

#include "core/engine/detail/rope.h"
#include "core/util/error.h"

#include <cmath>
#include <limits>

namespace awq::engine {
namespace {
std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }
}  // namespace

std::uint64_t DecoderLayer::bytes() const {
    std::uint64_t n = byteSize(inputNorm) + byteSize(postAttentionNorm) + byteSize(qNorm) + byteSize(kNorm);
    for (const Linear* lin : {q.get(), k.get(), v.get(), o.get(), gate.get(), up.get(), down.get()}) n += lin->bytes();
    return n;
}

DecoderLayer loadDecoderLayer(const LoadContext& ctx, const ModelConfig& config, int l) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    auto tensor = [&](const std::string& name) {
        const TensorInfo* t = ctx.store.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing", ctx.store.folder(), "the weights are incomplete: re-download the model");
        return loadTensor(ctx.store, *t, ctx.compute, ctx.device);
    };
    DecoderLayer layer;
    layer.inputNorm = tensor(p + "input_layernorm.weight");
    layer.postAttentionNorm = tensor(p + "post_attention_layernorm.weight");
    if (config.qkNorm) {
        layer.qNorm = tensor(p + "self_attn.q_norm.weight");
        layer.kNorm = tensor(p + "self_attn.k_norm.weight");
    }
    layer.q = loadLinear(ctx, p + "self_attn.q_proj");
    layer.k = loadLinear(ctx, p + "self_attn.k_proj");
    layer.v = loadLinear(ctx, p + "self_attn.v_proj");
    layer.o = loadLinear(ctx, p + "self_attn.o_proj");
    layer.gate = loadLinear(ctx, p + "mlp.gate_proj");
    layer.up = loadLinear(ctx, p + "mlp.up_proj");
    layer.down = loadLinear(ctx, p + "mlp.down_proj");
    return layer;
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    // As Hugging Face: normalise in float32, cast back, then scale.
    const auto xf = x.to(at::kFloat);
    const auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
    return weight * normed.to(x.scalar_type());
}

at::Tensor attentionBlock(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& h, const at::Tensor& cos,
                          const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv, at::Tensor* oInput) {
    const int64_t B = h.size(0), S = h.size(1);
    const int64_t H = c.numHeads, KvH = c.numKvHeads, D = c.headDim;
    auto q = layer.q->forward(h).view({B, S, H, D});
    auto k = layer.k->forward(h).view({B, S, KvH, D});
    const auto v = layer.v->forward(h).view({B, S, KvH, D}).transpose(1, 2);
    if (c.qkNorm) {
        q = rmsNorm(q, layer.qNorm, c.rmsNormEps);
        k = rmsNorm(k, layer.kNorm, c.rmsNormEps);
    }
    q = applyRope(q.transpose(1, 2), cos, sin);
    k = applyRope(k.transpose(1, 2), cos, sin);

    at::Tensor kAll = k, vAll = v;
    if (kv && kv->cache) {
        auto& keys = kv->cache->keys[kv->layer];
        auto& values = kv->cache->values[kv->layer];
        if (kv->positions.empty()) {
            keys.narrow(2, 0, kv->writeLength).copy_(k);
            values.narrow(2, 0, kv->writeLength).copy_(v);
        } else {
            for (int64_t b = 0; b < B; ++b) {
                keys[b].narrow(1, kv->positions[b], 1).copy_(k[b]);
                values[b].narrow(1, kv->positions[b], 1).copy_(v[b]);
            }
        }
        kAll = keys.narrow(2, 0, kv->attendLength);
        vAll = values.narrow(2, 0, kv->attendLength);
    }
    if (H != KvH) {
        kAll = kAll.repeat_interleave(H / KvH, 1);
        vAll = vAll.repeat_interleave(H / KvH, 1);
    }
    auto scores = at::matmul(q, kAll.transpose(-1, -2)).to(at::kFloat) * (1.0 / std::sqrt(double(D)));
    scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    const auto probs = at::softmax(scores, -1).to(h.scalar_type());
    const auto attn = at::matmul(probs, vAll).transpose(1, 2).reshape({B, S, H * D});
    if (oInput) *oInput = attn;
    return layer.o->forward(attn);
}

at::Tensor mlpBlock(const DecoderLayer& layer, const at::Tensor& h, at::Tensor* downInput) {
    const auto act = at::silu(layer.gate->forward(h)) * layer.up->forward(h);
    if (downInput) *downInput = act;
    return layer.down->forward(act);
}

at::Tensor decoderLayerForward(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos,
                               const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv, LayerCapture* capture) {
    const auto h = rmsNorm(x, layer.inputNorm, c.rmsNormEps);
    const auto afterAttn = x + attentionBlock(layer, c, h, cos, sin, mask, kv, capture ? &capture->oInput : nullptr);
    const auto h2 = rmsNorm(afterAttn, layer.postAttentionNorm, c.rmsNormEps);
    if (capture) {
        capture->qkvInput = h;
        capture->mlpInput = h2;
    }
    return afterAttn + mlpBlock(layer, h2, capture ? &capture->downInput : nullptr);
}

at::Tensor causalMask(const ModelConfig& c, int64_t S, const at::Device& device) {
    const auto i = at::arange(S, at::kLong).view({S, 1});
    const auto j = at::arange(S, at::kLong).view({1, S});
    auto visible = j <= i;
    if (c.slidingWindow) visible = at::logical_and(visible, (i - j) < *c.slidingWindow);
    return visible.view({1, 1, S, S}).to(device);
}

}  // namespace awq::engine
