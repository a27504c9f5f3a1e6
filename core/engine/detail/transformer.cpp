#include "core/engine/detail/transformer.h"

#include "core/util/error.h"

namespace awq::engine {
namespace {
std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }
}  // namespace

Transformer::Transformer(const ModelConfig& config, const TensorStore& store, at::ScalarType compute, const at::Device& device,
                         int maxPositions)
    : config_(config), compute_(compute), device_(device) {
    const LoadContext ctx{store, compute, device, config.quantization.groupSize};
    auto tensor = [&](const std::string& name) {
        const TensorInfo* t = store.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing", store.folder(), "the weights are incomplete: re-download the model");
        return loadTensor(store, *t, compute, device);
    };
    // Tied embeddings may be stored only as lm_head.weight (or only as the embedding).
    const bool hasEmbed = store.find("model.embed_tokens.weight") != nullptr;
    const bool hasHead = store.find("lm_head.weight") != nullptr;
    embedding_ = tensor(hasEmbed ? "model.embed_tokens.weight" : "lm_head.weight");
    lmHead_ = hasHead && hasEmbed ? tensor("lm_head.weight") : embedding_;
    finalNorm_ = tensor("model.norm.weight");
    weightBytes_ = byteSize(embedding_) + byteSize(finalNorm_) + (lmHead_.is_same(embedding_) ? 0 : byteSize(lmHead_));
    for (int l = 0; l < config.numLayers; ++l) {
        layers_.push_back(loadDecoderLayer(ctx, config, l));
        weightBytes_ += layers_.back().bytes();
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

at::Tensor Transformer::logitsOf(const at::Tensor& hidden) const {
    return at::linear(rmsNorm(hidden, finalNorm_, config_.rmsNormEps), lmHead_).to(at::kFloat);
}

at::Tensor Transformer::prefill(const at::Tensor& ids, const std::vector<int>& lengths, KvCache& cache, bool lastOnly) {
    const int64_t B = ids.size(0), S = ids.size(1);
    if (S > cache.capacity) throw Error("prompt of " + std::to_string(S) + " tokens exceeds the context of " + std::to_string(cache.capacity));
    auto x = at::embedding(embedding_, ids.to(device_));
    const auto cos = rope_.cos.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    const auto sin = rope_.sin.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    // Right padding: keys past a sequence's length are invisible to it.
    const auto len = at::tensor(std::vector<int64_t>(lengths.begin(), lengths.end()), at::kLong).view({B, 1, 1, 1}).to(device_);
    const auto mask = at::logical_and(causalMask(config_, S, device_), at::arange(S, at::kLong).to(device_).view({1, 1, 1, S}) < len);

    KvWrite kv{&cache, 0, {}, int(S), int(S)};
    for (int l = 0; l < config_.numLayers; ++l) {
        kv.layer = l;
        x = decoderLayerForward(layers_[l], config_, x, cos, sin, mask, &kv);
    }
    if (!lastOnly) return logitsOf(x);
    std::vector<int64_t> last(lengths.begin(), lengths.end());
    for (auto& v : last) v -= 1;
    const auto rows = at::arange(B, at::kLong).to(device_);
    const auto cols = at::tensor(last, at::kLong).to(device_);
    return logitsOf(x.index({rows, cols}));
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

    KvWrite kv{&cache, 0, positions, 1, attend};
    for (int l = 0; l < config_.numLayers; ++l) {
        kv.layer = l;
        x = decoderLayerForward(layers_[l], config_, x, cos, sin, mask, &kv);
    }
    return logitsOf(x).view({B, -1});
}

}  // namespace awq::engine
