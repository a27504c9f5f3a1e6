#include "core/layers/decoder_layer.h"

#include "core/layers/cuda_decode.h"
#include "core/layers/rope.h"
#include "core/layers/tensor_names.h"
#include "core/util/error.h"

#include <ATen/record_function.h>

#if __has_include(<torch/version.h>)
#include <torch/version.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

// scaled_dot_product_attention with enable_gqa (flash attention on CUDA) exists from torch 2.5 on.
#if defined(TORCH_VERSION_MAJOR) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5))
#define AWQBENCH_HAVE_SDPA_GQA 1
#else
#define AWQBENCH_HAVE_SDPA_GQA 0
#endif

namespace awq::engine {
namespace {

// q [B, H, S, D] against k, v [B, KvH, T, D] without repeating K/V per query head: the G = H / KvH
// query heads sharing kv head j (heads jG .. jG+G-1, as repeat_interleave pairs them) become G*S
// rows of one matmul. mask [B or 1, 1, S, T] bool. Returns [B, H, S, D].
at::Tensor groupedAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask) {
    RECORD_USER_SCOPE("awq::attention");  // a named step in decode timelines (kernel_timeline.h)
    const int64_t B = q.size(0), H = q.size(1), S = q.size(2), D = q.size(3), KvH = k.size(1), T = k.size(2);
    const int64_t G = H / KvH;
    const auto grouped = q.reshape({B, KvH, G * S, D});
    auto scores = at::matmul(grouped, k.transpose(-1, -2)).to(at::kFloat) * (1.0 / std::sqrt(double(D)));
    scores = scores.view({B, KvH, G, S, T}).masked_fill(mask.reshape({mask.size(0), 1, 1, S, T}).logical_not(),
                                                        -std::numeric_limits<float>::infinity());
    const auto probs = at::softmax(scores, -1).to(q.scalar_type()).view({B, KvH, G * S, T});
    return at::matmul(probs, v).view({B, H, S, D});
}

// Causal attention of this call's S tokens among themselves (prefill, no window). Without SDPA the
// queries go in blocks of kCausalRows, each against the keys up to its last row only: at S = 512
// that is 62.5% of the score and softmax work of one S x S product with its upper half masked. The
// quantizer's scale search runs this attention 20 times a layer on the CPU: demo model, 128 x 512
// calibration, 2 cores (taskset) of the lent H200 machine's Xeon, in one run: scale search 80.1 ->
// 69.6 s, the whole job 89.6 -> 78.1 s.
constexpr int64_t kCausalRows = 128;
at::Tensor causalAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v) {
    RECORD_USER_SCOPE("awq::attention");
#if AWQBENCH_HAVE_SDPA_GQA
    if (q.is_cuda()) return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true, std::nullopt, /*enable_gqa=*/true);
#endif
    const int64_t S = q.size(2);
    const auto mask = causalMask(std::nullopt, S, q.device());
    if (S <= kCausalRows) return groupedAttention(q, k, v, mask);
    std::vector<at::Tensor> blocks;
    for (int64_t first = 0; first < S; first += kCausalRows) {
        const int64_t rows = std::min(kCausalRows, S - first), keys = first + rows;
        blocks.push_back(groupedAttention(q.narrow(2, first, rows), k.narrow(2, 0, keys), v.narrow(2, 0, keys),
                                          mask.narrow(2, first, rows).narrow(3, 0, keys)));
    }
    return at::cat(blocks, 2);
}

// fp16/bf16 on a GPU with our kernels built: the fused decode kernels (kernels/cuda/decode_ops.h)
// also serve prefill, one launch where torch takes six (RMSNorm) or three (SiLU * up); they round
// as the torch ops do. Measured on an H200, Llama-3-8B shapes, prompt 128: the torch RMSNorm
// took ~30 us a call.
bool fusedKernelApplies(const at::Tensor& x, const at::Tensor& weight = {}) {
    const auto type = x.scalar_type();
    return x.is_cuda() && (type == at::kHalf || type == at::kBFloat16) && x.is_contiguous() && x.size(-1) % 8 == 0 &&
           reinterpret_cast<std::uintptr_t>(x.data_ptr()) % 16 == 0 &&
           (!weight.defined() || (weight.scalar_type() == type && weight.is_contiguous() && weight.device() == x.device())) &&
           cudaDecodeBuiltIn();
}

struct Qkv {
    at::Tensor q, k, v;  // [B, S, heads, D]
};

Qkv projectQkv(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& h) {
    const int64_t B = h.size(0), S = h.size(1);
    const int64_t H = c.numHeads, KvH = c.numKvHeads, D = c.headDim;
    if (layer.qkv) {
        const auto all = layer.qkv->forward(h);
        return {all.narrow(-1, 0, H * D).view({B, S, H, D}), all.narrow(-1, H * D, KvH * D).view({B, S, KvH, D}),
                all.narrow(-1, (H + KvH) * D, KvH * D).view({B, S, KvH, D})};
    }
    return {layer.q->forward(h).view({B, S, H, D}), layer.k->forward(h).view({B, S, KvH, D}), layer.v->forward(h).view({B, S, KvH, D})};
}

}  // namespace

std::uint64_t DecoderLayer::bytes() const {
    std::uint64_t n = byteSize(inputNorm) + byteSize(postAttentionNorm) + byteSize(qNorm) + byteSize(kNorm);
    for (const Linear* lin : {q.get(), k.get(), v.get(), o.get(), gate.get(), up.get(), down.get(), qkv.get(), gateUp.get()})
        if (lin) n += lin->bytes();
    return n;
}

DecoderLayer loadDecoderLayer(const LoadContext& ctx, const ModelConfig& config, int l) {
    const WeightLoader weights(ctx.store, ctx.compute, ctx.device);
    const int hidden = config.hiddenSize, qOut = config.numHeads * config.headDim, kvOut = config.numKvHeads * config.headDim;
    DecoderLayer layer;
    layer.inputNorm = weights.required(hf::layerTensor(l, hf::kInputNorm), {hidden});
    layer.postAttentionNorm = weights.required(hf::layerTensor(l, hf::kPostAttentionNorm), {hidden});
    if (config.qkNorm) {
        layer.qNorm = weights.required(hf::layerTensor(l, hf::kQNorm), {config.headDim});
        layer.kNorm = weights.required(hf::layerTensor(l, hf::kKNorm), {config.headDim});
    }
    auto linear = [&](hf::Projection p, int out, int in) { return loadLinear(ctx, hf::linearName(l, p), out, in); };
    layer.q = linear(hf::Projection::q, qOut, hidden);
    layer.k = linear(hf::Projection::k, kvOut, hidden);
    layer.v = linear(hf::Projection::v, kvOut, hidden);
    layer.o = linear(hf::Projection::o, hidden, qOut);
    layer.gate = linear(hf::Projection::gate, config.intermediateSize, hidden);
    layer.up = linear(hf::Projection::up, config.intermediateSize, hidden);
    layer.down = linear(hf::Projection::down, hidden, config.intermediateSize);
    return layer;
}

void applyLora(DecoderLayer& layer, int index, const LoraAdapter& adapter, at::ScalarType compute, const at::Device& device) {
    std::unique_ptr<Linear>* linears[] = {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down};
    static_assert(std::size(linears) == std::size(hf::kProjections));  // the same order
    for (std::size_t i = 0; i < std::size(linears); ++i) {
        const auto* f = adapter.find(hf::linearName(index, hf::kProjections[i]));
        if (!f || !*linears[i]) continue;
        // Copies (not views of the adapter's map): the adapter file is closed once the model is loaded.
        auto a = loadTensor(adapter.data(*f->a), *f->a, compute, device).clone();
        auto b = loadTensor(adapter.data(*f->b), *f->b, compute, device).clone();
        *linears[i] = std::make_unique<LoraLinear>(std::move(*linears[i]), std::move(a), std::move(b), adapter.config().scale);
    }
}

void fuseProjections(DecoderLayer& layer) {
    if (layer.q && !layer.qkv && (layer.qkv = fuseLinears({layer.q.get(), layer.k.get(), layer.v.get()}))) {
        layer.q.reset();
        layer.k.reset();
        layer.v.reset();
    }
    if (layer.gate && !layer.gateUp && (layer.gateUp = fuseLinears({layer.gate.get(), layer.up.get()}))) {
        layer.gate.reset();
        layer.up.reset();
    }
}

void repackForCuda(DecoderLayer& layer) {
    for (auto* lin : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down, &layer.qkv, &layer.gateUp})
        if (*lin) (*lin)->repackForCuda();
}

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& weight, double eps) {
    RECORD_USER_SCOPE("awq::rms_norm");
    if (fusedKernelApplies(x, weight)) {
        at::Tensor residual = x;  // no delta: the kernel only reads it
        return cudaRmsNormResidual(residual, {}, weight, eps);
    }
    // As Hugging Face: normalise in float32, cast back, then scale.
    const auto xf = x.to(at::kFloat);
    const auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + eps);
    return weight * normed.to(x.scalar_type());
}

namespace {
// Prefill on CUDA: the decode step's rope / KV-write kernel over all B * S tokens (one launch where
// the torch ops take ten, ~75 us a layer at prompt 128 on an H200), then attention over the cache
// rows just written. Undefined when it does not apply.
at::Tensor fusedPrefillAttention(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& h, const at::Tensor& mask,
                                 const KvWrite& kv) {
    if (!layer.qkv || !kv.tokenPositions.defined()) return {};
    const int64_t B = h.size(0), S = h.size(1);
    const int64_t H = c.numHeads, KvH = c.numKvHeads, D = c.headDim;
    const auto all = layer.qkv->forward(h).reshape({B * S, (H + 2 * KvH) * D});
    if (!fusedKernelApplies(all) || (layer.qNorm.defined() && !fusedKernelApplies(all, layer.qNorm))) return {};
    auto& keys = kv.cache->keys[kv.layer];
    auto& values = kv.cache->values[kv.layer];
    const auto q = cudaRopeKvWrite(all, layer.qNorm, layer.kNorm, c.rmsNormEps, kv.ropeCos, kv.ropeSin, kv.tokenPositions, keys, values,
                                   int(H), int(KvH), int(S))
                       .view({B, S, H, D})
                       .transpose(1, 2);
    const auto k = keys.narrow(2, 0, S), v = values.narrow(2, 0, S);
    return (mask.defined() ? groupedAttention(q, k, v, mask) : causalAttention(q, k, v)).transpose(1, 2).reshape({B, S, H * D});
}
}  // namespace

at::Tensor attentionBlock(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& h, const at::Tensor& cos,
                          const at::Tensor& sin, const at::Tensor& mask, const KvWrite* kv, at::Tensor* oInput) {
    const int64_t B = h.size(0), S = h.size(1);
    const int64_t H = c.numHeads, D = c.headDim;
    if (kv && kv->cache && !kv->positions.defined())
        if (const auto attn = fusedPrefillAttention(layer, c, h, mask, *kv); attn.defined()) {
            if (oInput) *oInput = attn;
            return layer.o->forward(attn);
        }
    auto [q, k, v] = projectQkv(layer, c, h);
    if (c.qkNorm) {
        q = rmsNorm(q, layer.qNorm, c.rmsNormEps);
        k = rmsNorm(k, layer.kNorm, c.rmsNormEps);
    }
    q = applyRope(q.transpose(1, 2), cos, sin);
    k = applyRope(k.transpose(1, 2), cos, sin);
    v = v.transpose(1, 2);

    at::Tensor kAll = k, vAll = v;
    const bool decoding = kv && kv->cache && kv->positions.defined();
    if (kv && kv->cache) {
        auto& keys = kv->cache->keys[kv->layer];
        auto& values = kv->cache->values[kv->layer];
        if (!decoding) {
            keys.narrow(2, 0, kv->writeLength).copy_(k);
            values.narrow(2, 0, kv->writeLength).copy_(v);
        } else {  // one indexed write for the whole batch: row positions[b] of every kv head
            const auto index = kv->positions.view({B, 1, 1, 1}).expand({B, k.size(1), 1, D});
            keys.scatter_(2, index, k);
            values.scatter_(2, index, v);
            kAll = keys.narrow(2, 0, kv->attendLength);
            vAll = values.narrow(2, 0, kv->attendLength);
        }
    }
    const auto attn = (mask.defined() ? groupedAttention(q, kAll, vAll, mask) : causalAttention(q, kAll, vAll)).transpose(1, 2).reshape({B, S, H * D});
    if (oInput) *oInput = attn;
    return layer.o->forward(attn);
}

at::Tensor mlpBlock(const DecoderLayer& layer, const at::Tensor& h, at::Tensor* downInput) {
    at::Tensor act;
    if (layer.gateUp) {
        const auto both = layer.gateUp->forward(h);
        const int64_t inter = both.size(-1) / 2;
        act = fusedKernelApplies(both) && inter % 8 == 0 ? cudaSiluMul(both)
                                                         : at::silu(both.narrow(-1, 0, inter)) * both.narrow(-1, inter, inter);
    } else {
        act = at::silu(layer.gate->forward(h)) * layer.up->forward(h);
    }
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

at::Tensor causalMask(std::optional<int> window, int64_t S, const at::Device& device) {
    const auto i = at::arange(S, at::kLong).view({S, 1});
    const auto j = at::arange(S, at::kLong).view({1, S});
    auto visible = j <= i;
    if (window) visible = at::logical_and(visible, (i - j) < *window);
    return visible.view({1, 1, S, S}).to(device);
}

}  // namespace awq::engine
