#include "core/model/hf_config.h"

#include "core/model/model_files.h"
#include "core/util/error.h"
#include "core/util/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

std::string_view architectureName(Architecture a) noexcept {
    switch (a) {
        case Architecture::Llama: return "llama";
        case Architecture::Qwen2: return "qwen2";
        case Architecture::Qwen3: return "qwen3";
        case Architecture::Mistral: return "mistral";
        case Architecture::Unknown: break;
    }
    return "unknown";
}

std::string_view quantMethodName(QuantMethod m) noexcept {
    switch (m) {
        case QuantMethod::None: return "none";
        case QuantMethod::Awq: return "awq";
        case QuantMethod::Gptq: return "gptq";
        case QuantMethod::Other: return "other";
    }
    return "other";
}

namespace {

constexpr const char* kFixConfig = "fix or re-download config.json";

Architecture detectArchitecture(const std::string& cls, const std::string& modelType) {
    auto is = [&](std::string_view a, std::string_view t) { return cls == a || modelType == t; };
    if (is("Qwen3ForCausalLM", "qwen3")) return Architecture::Qwen3;
    if (is("Qwen2ForCausalLM", "qwen2")) return Architecture::Qwen2;
    if (is("MistralForCausalLM", "mistral")) return Architecture::Mistral;
    if (is("LlamaForCausalLM", "llama")) return Architecture::Llama;
    return Architecture::Unknown;
}

// Upper bounds for the shape numbers, far above any released model (the largest have hidden size
// 16384-25600, 128 heads of 128-256, 126 layers, a 262k vocabulary, a 10M-token context) and low
// enough that every size computed from them (weights, KV cache per token and per sequence) fits in
// 64 bits: a crafted config.json must be refused here, not wrap a size to 0 later.
constexpr std::int64_t kMaxHiddenSize = 1 << 17;
constexpr std::int64_t kMaxIntermediateSize = 1 << 20;
constexpr std::int64_t kMaxHeads = 1 << 10;
constexpr std::int64_t kMaxHeadDim = 1 << 12;
constexpr std::int64_t kMaxLayers = 1 << 10;
constexpr std::int64_t kMaxVocabSize = 1 << 24;
constexpr std::int64_t kMaxPositions = 1 << 25;

std::int64_t boundedInt(const json& value, const char* key, std::int64_t max, const fs::path& source) {
    if (!value.is_number_integer()) throw Error(std::string("\"") + key + "\" is not an integer", source, kFixConfig);
    // A value beyond int64 reads as unsigned: compare it as such before narrowing.
    if (value.is_number_unsigned() && value.get<std::uint64_t>() > std::uint64_t(max))
        throw Error(std::string("\"") + key + "\" is " + value.dump() + ", more than the " + std::to_string(max) + " any model uses", source,
                    kFixConfig);
    const auto v = value.get<std::int64_t>();
    if (v <= 0) throw Error(std::string("\"") + key + "\" is " + std::to_string(v) + ", it must be positive", source, kFixConfig);
    if (v > max)
        throw Error(std::string("\"") + key + "\" is " + std::to_string(v) + ", more than the " + std::to_string(max) + " any model uses",
                    source, kFixConfig);
    return v;
}

int requireInt(const json& j, const char* key, std::int64_t max, const fs::path& source) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) throw Error(std::string("missing \"") + key + "\"", source, kFixConfig);
    return static_cast<int>(boundedInt(*it, key, max, source));
}

// An optional shape number: `fallback` when absent or null, else bounded like requireInt().
int optionalInt(const json& j, const char* key, int fallback, std::int64_t max, const fs::path& source) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return static_cast<int>(boundedInt(*it, key, max, source));
}

template <typename T>
T valueOr(const json& j, const char* key, T fallback) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {
        return fallback;
    }
}

std::vector<int> idList(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end()) return {};
    if (it->is_number_integer()) return {it->get<int>()};
    std::vector<int> ids;
    if (it->is_array())
        for (const auto& v : *it)
            if (v.is_number_integer()) ids.push_back(v.get<int>());
    return ids;
}

RopeConfig parseRope(const json& j) {
    RopeConfig rope;
    // New style: everything under rope_parameters. Old style: rope_theta at top level and an
    // optional rope_scaling object.
    const json* scaling = nullptr;
    if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) {
        scaling = &*it;
        rope.theta = valueOr<double>(*it, "rope_theta", valueOr<double>(j, "rope_theta", rope.theta));
    } else {
        rope.theta = valueOr<double>(j, "rope_theta", rope.theta);
        if (auto s = j.find("rope_scaling"); s != j.end() && s->is_object()) scaling = &*s;
    }
    if (scaling) {
        rope.type = valueOr<std::string>(*scaling, "rope_type", valueOr<std::string>(*scaling, "type", rope.type));
        rope.factor = valueOr<double>(*scaling, "factor", rope.factor);
        rope.lowFreqFactor = valueOr<double>(*scaling, "low_freq_factor", rope.lowFreqFactor);
        rope.highFreqFactor = valueOr<double>(*scaling, "high_freq_factor", rope.highFreqFactor);
        rope.originalMaxPositions = valueOr<int>(*scaling, "original_max_position_embeddings", 0);
    }
    return rope;
}

QuantizationConfig parseQuantization(const json& j) {
    QuantizationConfig q;
    auto it = j.find("quantization_config");
    if (it == j.end() || !it->is_object()) return q;
    const json& qc = *it;
    q.rawMethod = valueOr<std::string>(qc, "quant_method", "");
    std::string m = q.rawMethod;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    q.method = m == "awq" ? QuantMethod::Awq : m == "gptq" ? QuantMethod::Gptq : QuantMethod::Other;
    q.bits = valueOr<int>(qc, "bits", valueOr<int>(qc, "w_bit", 0));
    q.groupSize = valueOr<int>(qc, "group_size", valueOr<int>(qc, "q_group_size", 0));
    q.zeroPoint = valueOr<bool>(qc, "zero_point", !valueOr<bool>(qc, "sym", true));
    q.version = valueOr<std::string>(qc, "version", "");
    std::transform(q.version.begin(), q.version.end(), q.version.begin(), [](unsigned char c) { return std::tolower(c); });
    if (auto mods = qc.find("modules_to_not_convert"); mods != qc.end() && mods->is_array())
        for (const auto& v : *mods)
            if (v.is_string()) q.modulesToNotConvert.push_back(v.get<std::string>());
    return q;
}

// Which layers use a sliding window, as transformers reads it: an explicit `layer_types` list
// ("sliding_attention" / "full_attention"); else Mistral windows every layer, and Qwen2/Qwen3 window
// the layers from `max_window_layers` on, only with use_sliding_window=true.
void parseSlidingWindow(const json& j, ModelConfig& c, const fs::path& source) {
    const bool mistral = c.architecture == Architecture::Mistral;
    const bool enabled = mistral || valueOr<bool>(j, "use_sliding_window", false);
    const int window = valueOr<int>(j, "sliding_window", 0);
    if (!enabled || window <= 0) return;
    c.slidingLayers.assign(std::size_t(c.numLayers), false);
    if (const auto types = j.find("layer_types"); types != j.end() && types->is_array()) {
        if (types->size() != std::size_t(c.numLayers))
            throw Error("\"layer_types\" has " + std::to_string(types->size()) + " entries for " + std::to_string(c.numLayers) + " layers",
                        source, kFixConfig);
        for (std::size_t l = 0; l < types->size(); ++l)
            c.slidingLayers[l] = (*types)[l].is_string() && (*types)[l].get<std::string>() == "sliding_attention";
    } else {
        const int firstSliding = mistral ? 0 : std::max(0, valueOr<int>(j, "max_window_layers", 0));
        for (int l = firstSliding; l < c.numLayers; ++l) c.slidingLayers[std::size_t(l)] = true;
    }
    if (std::find(c.slidingLayers.begin(), c.slidingLayers.end(), true) == c.slidingLayers.end()) {
        c.slidingLayers.clear();  // every layer attends fully: no window anywhere
        return;
    }
    c.slidingWindow = window;
}

}  // namespace

std::optional<int> ModelConfig::windowOfLayer(int layer) const {
    if (!slidingWindow || layer < 0 || std::size_t(layer) >= slidingLayers.size() || !slidingLayers[std::size_t(layer)]) return {};
    return slidingWindow;
}

bool ModelConfig::everyLayerSlides() const {
    return slidingWindow && !slidingLayers.empty() && std::find(slidingLayers.begin(), slidingLayers.end(), false) == slidingLayers.end();
}

ModelConfig parseModelConfig(std::string_view jsonText, const fs::path& source) {
    const json j = parseJson(jsonText, {source, kFixConfig});
    if (!j.is_object()) throw Error("is not a JSON object", source, kFixConfig);

    ModelConfig c;
    if (auto a = j.find("architectures"); a != j.end() && a->is_array() && !a->empty() && (*a)[0].is_string())
        c.architectureClass = (*a)[0].get<std::string>();
    c.modelType = valueOr<std::string>(j, "model_type", "");
    c.architecture = detectArchitecture(c.architectureClass, c.modelType);

    c.hiddenSize = requireInt(j, "hidden_size", kMaxHiddenSize, source);
    c.numLayers = requireInt(j, "num_hidden_layers", kMaxLayers, source);
    c.numHeads = requireInt(j, "num_attention_heads", kMaxHeads, source);
    c.vocabSize = requireInt(j, "vocab_size", kMaxVocabSize, source);
    c.intermediateSize = requireInt(j, "intermediate_size", kMaxIntermediateSize, source);
    c.numKvHeads = optionalInt(j, "num_key_value_heads", c.numHeads, kMaxHeads, source);
    c.headDim = optionalInt(j, "head_dim", c.hiddenSize / c.numHeads, kMaxHeadDim, source);
    if (c.headDim <= 0 || c.headDim > kMaxHeadDim)
        throw Error("hidden_size / num_attention_heads gives a head dimension of " + std::to_string(c.headDim) + " (1 to " +
                        std::to_string(kMaxHeadDim) + " allowed); set \"head_dim\"",
                    source, kFixConfig);
    if (c.numHeads % c.numKvHeads != 0)
        throw Error("num_attention_heads (" + std::to_string(c.numHeads) + ") is not a multiple of num_key_value_heads (" +
                        std::to_string(c.numKvHeads) + ")",
                    source, kFixConfig);
    c.maxPositions = optionalInt(j, "max_position_embeddings", 0, kMaxPositions, source);
    c.rmsNormEps = valueOr<double>(j, "rms_norm_eps", c.rmsNormEps);
    c.rope = parseRope(j);
    c.tieWordEmbeddings = valueOr<bool>(j, "tie_word_embeddings", false);
    c.attentionBias = c.architecture == Architecture::Qwen2 || valueOr<bool>(j, "attention_bias", false);
    c.qkNorm = c.architecture == Architecture::Qwen3;
    parseSlidingWindow(j, c, source);
    c.dtype = valueOr<std::string>(j, "dtype", valueOr<std::string>(j, "torch_dtype", ""));
    c.hiddenAct = valueOr<std::string>(j, "hidden_act", c.hiddenAct);
    if (auto b = j.find("bos_token_id"); b != j.end() && b->is_number_integer()) c.bosTokenId = b->get<int>();
    c.eosTokenIds = idList(j, "eos_token_id");
    c.quantization = parseQuantization(j);
    return c;
}

ModelConfig loadModelConfig(const fs::path& modelFolder) {
    const auto text = readModelFile(modelFolder, "config.json");  // refuses links out of the folder
    if (!text)
        throw Error("missing config.json", modelFolder, "copy the model's config.json from its source (Hugging Face repo) into the folder");
    return parseModelConfig(*text, modelFolder / "config.json");
}

}  // namespace awq
