#pragma once
// The one reader of a checkpoint's weights (after llama.cpp's llama_model_loader: every tensor is
// asked for by name, as required or optional, with the shape the config implies). Errors name the
// tensor, the file it is in (or the folder, when it is missing) and the fix. Names come from the table
// in tensor_names.h.
#include "core/layers/torch_util.h"
#include "core/model/hf_config.h"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace awq::engine {

// Expected extents, outermost first; kAnyExtent matches any extent. An empty shape skips the check.
inline constexpr std::int64_t kAnyExtent = -1;
using TensorShape = std::vector<std::int64_t>;

class WeightLoader {
public:
    // Tensors come as `compute` on `device` unless a call names another type. The store must outlive
    // the loader; CPU tensors of the stored type alias its memory map (loadTensor).
    WeightLoader(const TensorStore& store, at::ScalarType compute, const at::Device& device)
        : store_(store), compute_(compute), device_(device) {}

    bool has(const std::string& name) const { return store_.find(name) != nullptr; }

    // Throws awq::Error when the tensor is missing (naming the folder) or its shape is not `shape`
    // (naming the shard file).
    at::Tensor required(const std::string& name, const TensorShape& shape) const { return required(name, shape, compute_); }
    at::Tensor required(const std::string& name, const TensorShape& shape, at::ScalarType type) const;
    // The same, or an undefined tensor when the checkpoint has none of that name.
    at::Tensor optional(const std::string& name, const TensorShape& shape) const { return optional(name, shape, compute_); }
    at::Tensor optional(const std::string& name, const TensorShape& shape, at::ScalarType type) const;

    // The metadata of a required tensor (its shape checked as above), for callers that load it elsewhere.
    const TensorInfo& requiredInfo(const std::string& name, const TensorShape& shape) const;

    // The safetensors file that holds t.
    std::filesystem::path fileOf(const TensorInfo& t) const;

    const TensorStore& store() const noexcept { return store_; }
    at::ScalarType compute() const noexcept { return compute_; }
    const at::Device& device() const noexcept { return device_; }

private:
    void checkShape(const TensorInfo& t, const TensorShape& shape) const;

    const TensorStore& store_;
    at::ScalarType compute_;
    at::Device device_;
};

// The tied-embedding rule (transformers' tie_word_embeddings). Tied: one matrix serves as the
// embedding and the output head, stored as model.embed_tokens.weight or only as lm_head.weight
// (Llama-3.2 checkpoints); a stored lm_head.weight beside the embedding is ignored, as transformers
// ties it. Untied: both are required. Shapes [vocab, hidden] from the config. Throws awq::Error.
struct EmbeddingTensors {
    const TensorInfo* embedding = nullptr;
    const TensorInfo* lmHead = nullptr;  // == embedding when tied
    bool tied() const { return lmHead == embedding; }
};
EmbeddingTensors embeddingTensors(const WeightLoader& weights, const ModelConfig& config);

}  // namespace awq::engine
