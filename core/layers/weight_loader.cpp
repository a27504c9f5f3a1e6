#include "core/layers/weight_loader.h"

#include "core/layers/tensor_names.h"
#include "core/util/error.h"

#include <algorithm>

namespace awq::engine {
namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + (shape[i] == kAnyExtent ? std::string("*") : std::to_string(shape[i]));
    return s + "]";
}

bool shapeMatches(const std::vector<std::int64_t>& actual, const TensorShape& expected) {
    if (expected.empty()) return true;
    return actual.size() == expected.size() &&
           std::equal(actual.begin(), actual.end(), expected.begin(), [](std::int64_t a, std::int64_t e) { return e == kAnyExtent || a == e; });
}

}  // namespace

std::filesystem::path WeightLoader::fileOf(const TensorInfo& t) const {
    const auto& shards = store_.shards();
    return t.shard >= 0 && std::size_t(t.shard) < shards.size() ? shards[std::size_t(t.shard)]->path() : store_.folder();
}

void WeightLoader::checkShape(const TensorInfo& t, const TensorShape& shape) const {
    if (shapeMatches(t.shape, shape)) return;
    throw Error("tensor '" + t.name + "' has shape " + shapeText(t.shape) + " where config.json implies " + shapeText(shape), fileOf(t),
                "the weights do not belong to this config.json: re-download the model (or re-quantize it), or fix the sizes in "
                "config.json (hidden_size, intermediate_size, num_attention_heads, num_key_value_heads, head_dim, vocab_size, "
                "quantization_config.group_size)");
}

const TensorInfo& WeightLoader::requiredInfo(const std::string& name, const TensorShape& shape) const {
    const TensorInfo* t = store_.find(name);
    if (!t) throw Error("tensor '" + name + "' is missing", store_.folder(), "the weights are incomplete: re-download or re-quantize the model");
    checkShape(*t, shape);
    return *t;
}

at::Tensor WeightLoader::required(const std::string& name, const TensorShape& shape, at::ScalarType type) const {
    return loadTensor(store_, requiredInfo(name, shape), type, device_);
}

at::Tensor WeightLoader::optional(const std::string& name, const TensorShape& shape, at::ScalarType type) const {
    const TensorInfo* t = store_.find(name);
    if (!t) return {};
    checkShape(*t, shape);
    return loadTensor(store_, *t, type, device_);
}

EmbeddingTensors embeddingTensors(const WeightLoader& weights, const ModelConfig& config) {
    const TensorShape shape{config.vocabSize, config.hiddenSize};
    const std::string embed(hf::kEmbedTokens), head(hf::kLmHead);
    if (config.tieWordEmbeddings) {
        const TensorInfo& matrix = weights.has(embed) || !weights.has(head) ? weights.requiredInfo(embed, shape) : weights.requiredInfo(head, shape);
        return {&matrix, &matrix};
    }
    return {&weights.requiredInfo(embed, shape), &weights.requiredInfo(head, shape)};
}

}  // namespace awq::engine
