#pragma once
// A PEFT LoRA adapter folder (adapter_config.json + adapter_model.safetensors, as peft's
// save_pretrained writes them) checked against the model it is meant for. Adapter folders are
// untrusted input: the JSON goes through the bounded parser, the tensors through the bounds-checked
// safetensors reader, and every tensor's shape is checked against the model's config before use.
//
// Supported: plain LoRA on the decoder layers' q/k/v/o and gate/up/down projections, with
// scale = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora. Refused (awq::Error naming
// adapter_config.json and the key): use_dora, fan_in_fan_out, modules_to_save, bias other than
// "none", layers_to_transform, rank_pattern / alpha_pattern, a peft_type other than LORA.
#include "core/model/hf_config.h"
#include "core/model/safetensors.h"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace awq {

struct ModelInfo;

struct LoraConfig {
    int rank = 0;                             // r
    double alpha = 0;                         // lora_alpha
    bool rslora = false;                      // use_rslora
    double scale = 0;                         // alpha / r, or alpha / sqrt(r) with rslora
    std::vector<std::string> targetModules;   // as written (a string is kept as its one entry)
    // target_modules was a string: a regular expression matched against the whole module name
    // ("model.layers.3.self_attn.q_proj"), as peft reads it; "all-linear" and a bare module name
    // ("q_proj") are accepted too.
    bool targetPattern = false;
    std::string baseModel;                    // base_model_name_or_path ("" when absent)
};

// The two factors of one adapted linear: A [r, in], B [out, r] (views into the adapter file).
struct LoraFactors {
    const TensorInfo* a = nullptr;
    const TensorInfo* b = nullptr;
};

// The projections a LoRA may adapt, as the decoder layer names them (module path under
// model.layers.N.).
inline constexpr const char* kLoraProjections[] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                                   "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};

class LoraAdapter {
public:
    // Reads <folder>/adapter_config.json and <folder>/adapter_model.safetensors. Throws awq::Error
    // naming the file and the fix: a missing file, an unsupported flag (named), a tensor whose
    // shape does not match `model` (the adapter was trained for another model), a targeted
    // projection without its lora_A / lora_B, a LoRA tensor for anything else.
    static LoraAdapter load(const std::filesystem::path& folder, const ModelConfig& model);

    const std::filesystem::path& folder() const noexcept { return folder_; }
    const LoraConfig& config() const noexcept { return config_; }
    // The factors for the linear "model.layers.N.<projection>", or nullptr when it is not adapted.
    const LoraFactors* find(const std::string& linearPrefix) const;
    std::span<const std::byte> data(const TensorInfo& t) const noexcept { return file_->data(t); }
    int adaptedLinears() const noexcept { return int(factors_.size()); }

private:
    std::filesystem::path folder_;
    LoraConfig config_;
    std::unique_ptr<SafetensorsFile> file_;
    std::map<std::string, LoraFactors> factors_;  // by linear prefix
};

// Parses adapter_config.json text (`file` names it in errors). Throws as LoraAdapter::load.
LoraConfig parseLoraConfig(std::string_view jsonText, const std::filesystem::path& file);

// The pairing check: a warning when the adapter's base_model_name_or_path names neither `model`
// (its folder name or display name) nor the source recorded by the quantizer in the model's
// awqbench_quantization.json (source name, path or fingerprint); nullopt when they match or the
// adapter names no base model.
std::optional<std::string> loraPairingWarning(const LoraConfig& adapter, const ModelInfo& model);

}  // namespace awq
