#pragma once
// Hugging Face config.json for the decoder-only architectures we run: Llama, Qwen2, Qwen3, Mistral.
// Both config styles load: old (rope_theta, rope_scaling, torch_dtype) and new (rope_parameters, dtype).
#include <nlohmann/json_fwd.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

// The largest max_position_embeddings config.json may give (a larger one is refused naming the
// key); also the bound of every context-length flag (eval --ctx, models show --context).
inline constexpr int kMaxPositionEmbeddings = 1 << 25;

enum class Architecture { Llama, Qwen2, Qwen3, Mistral, Unknown };
std::string_view architectureName(Architecture a) noexcept;  // "llama", "qwen2", ...
// transformers' config class of the architecture ("LlamaConfig", "Qwen3Config"; "PretrainedConfig"
// for Unknown): the class whose defaults fill the keys config.json leaves out.
std::string_view transformersConfigClass(Architecture a) noexcept;

// Rotary embedding parameters, normalised as transformers' RotaryEmbeddingConfigMixin
// (modeling_rope_utils.py, standardize_rope_params) reads them from either config style:
// `rope_parameters` (new) or top-level `rope_theta` + `rope_scaling` with `rope_type` or `type` (old).
// Every field a supported type needs is filled in here, defaults included, so that the table builder
// and the vLLM context derivation never look at the JSON again.
struct RopeConfig {
    double theta = 10000.0;
    std::string type = "default";          // "default", "linear", "dynamic", "yarn", "llama3", "longrope"
    double factor = 1.0;                   // linear / dynamic / yarn / llama3 / longrope
    double lowFreqFactor = 1.0;            // llama3
    double highFreqFactor = 4.0;           // llama3
    // Pre-training context of yarn / llama3 / longrope: top-level original_max_position_embeddings
    // (Phi-3 style), else the rope dict's, else max_position_embeddings. 0 for the other types.
    int originalMaxPositions = 0;
    double betaFast = 32.0;                // yarn: ramp bounds in rotations (paper defaults 32 / 1)
    double betaSlow = 1.0;
    bool truncate = true;                  // yarn: floor/ceil the correction range
    std::optional<double> attentionFactor; // yarn / longrope: as written; absent -> derived (ropeAttentionFactor)
    std::optional<double> mscale;          // yarn (DeepSeek style): only used with mscaleAllDim
    std::optional<double> mscaleAllDim;
    std::vector<double> shortFactor;       // longrope: headDim/2 entries each
    std::vector<double> longFactor;
};

// The factor transformers multiplies cos/sin by (attention_scaling): yarn 0.1*ln(factor)+1 (or the
// mscale / mscale_all_dim ratio), longrope sqrt(1 + ln(factor)/ln(original)), 1 for the others;
// an explicit attention_factor wins (modeling_rope_utils _compute_yarn/_longrope_parameters).
double ropeAttentionFactor(const RopeConfig& rope);

enum class QuantMethod { None, Awq, Gptq, Other };
std::string_view quantMethodName(QuantMethod m) noexcept;  // "none", "awq", "gptq", "other"

struct QuantizationConfig {
    QuantMethod method = QuantMethod::None;
    std::string rawMethod;        // quant_method as written (e.g. "compressed-tensors" for Other)
    int bits = 0;
    int groupSize = 0;            // -1 = per channel
    bool zeroPoint = false;
    std::string version;          // AWQ: "gemm", "gemv", ...
    bool descAct = false;         // GPTQ: act-order (g_idx not monotone)
    std::string checkpointFormat; // GPTQ: "gptq" (v1 zeros, stored zero - 1), "gptq_v2", "marlin", ... ("" = gptq)
    std::vector<std::string> modulesToNotConvert;
};

struct ModelConfig {
    std::string architectureClass;  // e.g. "Qwen3ForCausalLM" as written
    std::string modelType;          // e.g. "qwen3"
    Architecture architecture = Architecture::Unknown;
    int hiddenSize = 0;
    int intermediateSize = 0;
    int numLayers = 0;
    int numHeads = 0;
    int numKvHeads = 0;
    int headDim = 0;                // explicit head_dim or hidden / heads
    int vocabSize = 0;
    int maxPositions = 0;           // max_position_embeddings, else the architecture's transformers default
    bool maxPositionsDefaulted = false;  // config.json has no max_position_embeddings
    double rmsNormEps = 1e-6;
    RopeConfig rope;
    bool tieWordEmbeddings = false;
    bool tieWordEmbeddingsDefaulted = false;  // config.json has no tie_word_embeddings: the config class's default (false)
    bool attentionBias = false;     // q/k/v bias (always on for Qwen2)
    bool qkNorm = false;            // Qwen3 q_norm / k_norm
    std::optional<int> slidingWindow;     // window size (tokens) of the layers that use one
    std::vector<bool> slidingLayers;      // per layer: true where the window applies (numLayers entries)
    std::string dtype;              // "bfloat16", "float16", "float32" as declared
    std::string dtypeKey;           // the key that declares it: "dtype" (transformers 4.56+) or "torch_dtype"; "" for none
    std::string hiddenAct = "silu";
    std::optional<int> bosTokenId;
    std::vector<int> eosTokenIds;
    QuantizationConfig quantization;

    // The sliding window of one layer, or nothing for full attention (transformers' layer_types).
    std::optional<int> windowOfLayer(int layer) const;
    bool everyLayerSlides() const;  // the KV cache of every layer is bounded by the window
};

// The sliding window for people: "4096" where every layer uses it, "16 on 1 layer (1) of 2; the rest
// full attention" where only some do; "" without one.
std::string slidingWindowSummary(const ModelConfig& c);

// Parses config.json text; `source` names the file in errors. Throws awq::Error for malformed JSON
// or missing required fields, and for a rope type or rope parameter we cannot compute as transformers
// does (the message names the key); an unknown architecture is not an error here (Architecture::Unknown).
ModelConfig parseModelConfig(std::string_view jsonText, const std::filesystem::path& source);
ModelConfig loadModelConfig(const std::filesystem::path& modelFolder);  // reads <folder>/config.json

// A token id or a list of them, as config.json and generation_config.json hold eos_token_id:
// absent or null is none; anything but non-negative integers throws awq::Error naming `file` and `key`.
std::vector<int> tokenIdList(const nlohmann::json& object, const char* key, const std::filesystem::path& file);

// The ids generation stops at, as transformers' generate() takes them: generation_config.json's
// eos_token_id, else config.json's; source names the file ("" and no ids when neither has one:
// the tokenizer's eos_token is then the stop). Throws awq::Error naming the file for a malformed
// value or unparsable JSON (read through the folder's door: no links out, bounded size).
struct StopTokenIds {
    std::vector<int> ids;
    std::string source;  // "generation_config.json", "config.json" or ""
};
StopTokenIds stopTokenIds(const std::filesystem::path& modelFolder);

// The context length vLLM derives from the config (vllm/config/model.py, _get_and_verify_max_len):
// max_position_embeddings, times `factor` for every rope type but longrope and llama3; for yarn the
// base is original_max_position_embeddings instead. Truncated to an integer as vLLM's int() does.
int vllmDerivedMaxModelLen(const ModelConfig& config);

// The longest sequence a fixed rope table computes as transformers does, or nothing when any length
// does: dynamic NTK recomputes its frequencies once a sequence passes max_position_embeddings.
std::optional<int> ropeSequenceLimit(const ModelConfig& config);

// Throws awq::Error naming <folder>/config.json when `positions` is past ropeSequenceLimit.
void checkRopeCovers(const ModelConfig& config, int positions, const std::filesystem::path& configFile);

}  // namespace awq
