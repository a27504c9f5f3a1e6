#include "core/engine/detail/transformer.h"

#include "core/util/error.h"

#include <cmath>

namespace awq::engine {
namespace {
std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }
}  // namespace

Transformer::Transformer(const ModelConfig& config, const TensorStore& store, at::ScalarType compute, const at::Device& device,
                         int maxPositions)
    : config_(config), compute_(compute), device_(device) {
    LoadContext ctx{store, compute, device, config.quantization.groupSize};
    auto tensor = [&](const std::string& name) {
        const TensorInfo* t = store.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing", store.folder(), "the weights are incomplete: re-download the model");
        auto out = loadTensor(store, *t, compute, device);
        weightBytes_ += byteSize(out);
        return out;
    };
    // Tied embeddings may be stored only as lm_head.weight (or only as the embedding).
    const bool hasEmbed = store.find("model.embed_tokens.weight") != nullptr;
    const bool hasHead = store.find("lm_head.weight") != nullptr;
    embedding_ = tensor(hasEmbed ? "model.embed_tokens.weight" : "lm_head.weight");
    lmHead_ = hasHead && hasEmbed ? tensor("lm_head.weight") : embedding_;
    finalNorm_ = tensor("model.norm.weight");

    for (int l = 0; l < config.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
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
        for (const Linear* lin : {layer.q.get(), layer.k.get(), layer.v.get(), layer.o.get(), layer.gate.get(), layer.up.get(), layer.down.get()})
            weightBytes_ += lin->bytes();
        layers_.push_back(std::move(layer));
    }
    rope_ = buildRope(config, maxPositions, device);
}

KvCache Transformer::allocateCache(int batch, int capacity) const {
    KvCache cache;
    cache.capacity = capacity;
    cache.batch = batch;
    const auto opts = at::TensorOptions().dtype(compute_).device(device_);
    for (int l = 0; l < config_.numLayers; ++l) {
        cache.keys.push_back(at::zeros({batch, config_.numKvHeads, capacity, config_.headDim}, opts));
        cache.values.push_back(at::zeros({batch, config_.numKvHeads, capacity, config_.headDim}, opts));
    }
    return cache;
}

std::uint64_t Transformer::weightBytes() const { return weightBytes_; }

at::Tensor Transformer::rmsNorm(const at::Tensor& x, const at::Tensor& weight) const {
    // As Hugging Face: normalise in float32, cast back, then scale.
    const auto xf = x.to(at::kFloat);
    const auto normed = xf * at::rsqrt(xf.pow(2).mean(-1, /*keepdim=*/true) + config_.rmsNormEps);
    return weight * normed.to(x.scalar_type());
}

at::Tensor Transformer::logitsOf(const at::Tensor& hidden) const {
    return at::linear(rmsNorm(hidden, finalNorm_), lmHead_).to(at::kFloat);
}

at::Tensor Transformer::layerForward(int l, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                                     const at::Tensor& mask, KvCache& cache, const std::vector<int>& writePositions,
                                     int writeLength, int attendLength) {
    const auto& layer = layers_[l];
    const int64_t B = x.size(0), S = x.size(1);
    const int64_t H = config_.numHeads, KvH = config_.numKvHeads, D = config_.headDim;

    const auto h = rmsNorm(x, layer.inputNorm);
    auto q = layer.q->forward(h).view({B, S, H, D});
    auto k = layer.k->forward(h).view({B, S, KvH, D});
    const auto v = layer.v->forward(h).view({B, S, KvH, D}).transpose(1, 2);
    if (config_.qkNorm) {
        q = rmsNorm(q, layer.qNorm);
        k = rmsNorm(k, layer.kNorm);
    }
    q = applyRope(q.transpose(1, 2), cos, sin);
    k = applyRope(k.transpose(1, 2), cos, sin);

    // Write the new keys/values: a block at 0 (prefill) or one slot per sequence (decode).
    auto& keys = cache.keys[l];
    auto& values = cache.values[l];
    if (writePositions.empty()) {
        keys.narrow(2, 0, writeLength).copy_(k);
        values.narrow(2, 0, writeLength).copy_(v);
    } else {
        for (int64_t b = 0; b < B; ++b) {
            keys[b].narrow(1, writePositions[b], 1).copy_(k[b]);
            values[b].narrow(1, writePositions[b], 1).copy_(v[b]);
        }
    }
    auto kAll = keys.narrow(2, 0, attendLength);
    auto vAll = values.narrow(2, 0, attendLength);
    if (H != KvH) {
        kAll = kAll.repeat_interleave(H / KvH, 1);
        vAll = vAll.repeat_interleave(H / KvH, 1);
    }
    auto scores = at::matmul(q, kAll.transpose(-1, -2)).to(at::kFloat) * (1.0 / std::sqrt(double(D)));
    scores = scores.masked_fill(mask.logical_not(), -std::numeric_limits<float>::infinity());
    const auto probs = at::softmax(scores, -1).to(compute_);
    const auto attn = at::matmul(probs, vAll).transpose(1, 2).reshape({B, S, H * D});
    const auto afterAttn = x + layer.o->forward(attn);

    const auto h2 = rmsNorm(afterAttn, layer.postAttentionNorm);
    return afterAttn + layer.down->forward(at::silu(layer.gate->forward(h2)) * layer.up->forward(h2));
}

at::Tensor Transformer::prefill(const at::Tensor& ids, const std::vector<int>& lengths, KvCache& cache, bool lastOnly) {
    const int64_t B = ids.size(0), S = ids.size(1);
    if (S > cache.capacity) throw Error("prompt of " + std::to_string(S) + " tokens exceeds the context of " + std::to_string(cache.capacity));
    auto x = at::embedding(embedding_, ids.to(device_));
    const auto cos = rope_.cos.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    const auto sin = rope_.sin.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});

    // mask[b, 0, i, j]: key j is visible from query i (causal, inside the sequence, inside the window).
    const auto i = at::arange(S, at::kLong).view({S, 1});
    const auto j = at::arange(S, at::kLong).view({1, S});
    auto visible = j <= i;
    if (config_.slidingWindow) visible = at::logical_and(visible, (i - j) < *config_.slidingWindow);
    const auto len = at::tensor(std::vector<int64_t>(lengths.begin(), lengths.end()), at::kLong).view({B, 1, 1, 1});
    const auto mask = at::logical_and(visible.view({1, 1, S, S}), j.view({1, 1, 1, S}) < len).to(device_);

    for (int l = 0; l < config_.numLayers; ++l) x = layerForward(l, x, cos, sin, mask, cache, {}, int(S), int(S));
    if (!lastOnly) return logitsOf(x);
    std::vector<int64_t> last(lengths.begin(), lengths.end());
    for (auto& v : last) v -= 1;
    const auto idx = at::tensor(last, at::kLong).to(device_);
    return logitsOf(x.index_select(1, idx).diagonal(0, 0, 1).transpose(0, 1));
}

at::Tensor Transformer::decode(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    const int64_t B = ids.size(0);
    int maxPos = 0;
    for (int p : positions) maxPos = std::max(maxPos, p);
    if (maxPos >= cache.capacity) throw Error("the context of " + std::to_string(cache.capacity) + " tokens is full");
    auto x = at::embedding(embedding_, ids.to(device_).view({B, 1}));
    const auto pos = at::tensor(std::vector<int64_t>(positions.begin(), positions.end()), at::kLong);
    const auto posDev = pos.to(device_);
    const auto cos = rope_.cos.index_select(0, posDev).to(compute_).view({B, 1, 1, -1});
    const auto sin = rope_.sin.index_select(0, posDev).to(compute_).view({B, 1, 1, -1});
    const int attend = maxPos + 1;
    const auto j = at::arange(attend, at::kLong).view({1, attend});
    auto visible = j <= pos.view({B, 1});
    if (config_.slidingWindow) visible = at::logical_and(visible, (pos.view({B, 1}) - j) < *config_.slidingWindow);
    const auto mask = visible.view({B, 1, 1, attend}).to(device_);
    for (int l = 0; l < config_.numLayers; ++l) x = layerForward(l, x, cos, sin, mask, cache, positions, 1, attend);
    return logitsOf(x).view({B, -1});
}

}  // namespace awq::engine
