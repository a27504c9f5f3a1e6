#include "core/model/hf_config.h"

#include "core/model/model_files.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <limits>
#include <type_traits>

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

std::string_view transformersConfigClass(Architecture a) noexcept {
    switch (a) {
        case Architecture::Llama: return "LlamaConfig";
        case Architecture::Qwen2: return "Qwen2Config";
        case Architecture::Qwen3: return "Qwen3Config";
        case Architecture::Mistral: return "MistralConfig";
        case Architecture::Unknown: break;
    }
    return "PretrainedConfig";
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
constexpr std::int64_t kMaxPositions = kMaxPositionEmbeddings;

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

// A value as an error message shows it: its JSON text, cut to 40 characters.
std::string shortJson(const json& v) {
    std::string shown = v.dump();
    if (shown.size() > 40) shown = shown.substr(0, 37) + "...";
    return shown;
}

// An optional value: `fallback` when absent or null; a value of another type is refused naming the
// key (`where` + `key`, e.g. "quantization_config.bits"), so that "tie_word_embeddings": "yes" is not
// quietly read as false and reported far away as a missing lm_head.weight on the folder.
template <typename T>
T optionalValue(const json& j, const char* key, T fallback, const fs::path& source, const std::string& where = {}) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    const char* expected = nullptr;
    if constexpr (std::is_same_v<T, bool>) {
        if (it->is_boolean()) return it->get<bool>();
        expected = "true or false";
    } else if constexpr (std::is_same_v<T, int>) {
        if (it->is_number_integer() && !(it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(INT_MAX)) &&
            it->get<std::int64_t>() >= INT_MIN && it->get<std::int64_t>() <= INT_MAX)
            return it->get<int>();
        expected = "an integer";
    } else if constexpr (std::is_same_v<T, double>) {
        if (it->is_number()) return it->get<double>();
        expected = "a number";
    } else {
        static_assert(std::is_same_v<T, std::string>);
        if (it->is_string()) return it->get<std::string>();
        expected = "a string";
    }
    throw Error("\"" + where + key + "\" is " + shortJson(*it) + " (" + it->type_name() + "), expected " + expected, source, kFixConfig);
}

// One token id: a non-negative integer within int.
int tokenId(const json& v, const std::string& key, const fs::path& source) {
    if (!v.is_number_integer() || (v.is_number_unsigned() && v.get<std::uint64_t>() > std::uint64_t(INT_MAX)) ||
        v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > INT_MAX) {
        throw Error("\"" + key + "\" holds " + shortJson(v) + ", expected a token id (a non-negative integer)", source,
                    "fix or re-download " + source.filename().string());
    }
    return v.get<int>();
}

// Where the rope parameters live: new-style `rope_parameters` (which also holds rope_theta), else
// old-style `rope_scaling`. `key` names the dict in error messages.
struct RopeSource {
    const json* dict = nullptr;
    std::string key;
};

RopeSource findRopeDict(const json& j) {
    if (auto it = j.find("rope_parameters"); it != j.end() && it->is_object()) return {&*it, "rope_parameters"};
    if (auto it = j.find("rope_scaling"); it != j.end() && it->is_object()) return {&*it, "rope_scaling"};
    return {nullptr, "rope_scaling"};
}

[[noreturn]] void ropeError(const std::string& what, const fs::path& source) {
    throw Error(what, source, "supported rope types: default, linear, dynamic, yarn, llama3, longrope (as transformers computes them)");
}

// A number the rope type needs; absent or not a number is an error naming the key.
// Every rope number feeds sizes or frequencies: a huge one (JSON takes up to ~1e308) is refused
// by name instead of overflowing later (a fuzzed factor of 3e19 did, in the vLLM context length).
constexpr double kMaxRopeNumber = 1e12;
constexpr double kMaxRopeFactor = 1024;  // real models: 2 to 128

double boundedRopeNumber(const RopeSource& r, const char* key, const json& value, const fs::path& source) {
    const double v = value.get<double>();
    if (!std::isfinite(v) || std::fabs(v) > kMaxRopeNumber) ropeError(r.key + "." + key + " is out of range", source);
    return v;
}

double requireRopeNumber(const RopeSource& r, const char* key, const std::string& type, const fs::path& source) {
    const auto it = r.dict->find(key);
    if (it == r.dict->end() || !it->is_number())
        ropeError(r.key + "." + key + " is missing or not a number (rope type '" + type + "' needs it)", source);
    return boundedRopeNumber(r, key, *it, source);
}

std::optional<double> optionalRopeNumber(const RopeSource& r, const char* key, const fs::path& source) {
    const auto it = r.dict->find(key);
    if (it == r.dict->end() || it->is_null()) return {};
    if (!it->is_number()) ropeError(r.key + "." + key + " is not a number", source);
    return boundedRopeNumber(r, key, *it, source);
}

void checkRopeFactor(const RopeSource& r, double factor, const fs::path& source) {
    if (!(factor > 0) || factor > kMaxRopeFactor)
        ropeError(r.key + ".factor must be above 0 and at most " + std::to_string(int(kMaxRopeFactor)) + " (it is " + std::to_string(factor) + ")",
                  source);
}

std::vector<double> requireRopeFactorList(const RopeSource& r, const char* key, std::size_t entries, const fs::path& source) {
    const auto it = r.dict->find(key);
    std::vector<double> values;
    if (it != r.dict->end() && it->is_array())
        for (const auto& v : *it)
            if (v.is_number()) values.push_back(v.get<double>());
    if (it == r.dict->end() || !it->is_array() || values.size() != it->size() || values.size() != entries)
        ropeError(r.key + "." + key + " must be a list of " + std::to_string(entries) + " numbers (head_dim / 2) for rope type 'longrope'",
                  source);
    return values;
}

// original_max_position_embeddings as transformers' standardize_rope_params settles it for yarn,
// llama3 and longrope: a top-level value (Phi-3 keeps it there) wins over the rope dict's, and
// max_position_embeddings is the fallback.
int originalMaxPositionsOf(const json& j, const RopeSource& r, int maxPositions, const std::string& type, const fs::path& source) {
    double original = maxPositions;
    if (auto top = j.find("original_max_position_embeddings"); top != j.end() && top->is_number()) original = top->get<double>();
    else if (auto v = optionalRopeNumber(r, "original_max_position_embeddings", source)) original = *v;
    if (!(original >= 1) || original > double(kMaxPositions))
        ropeError(r.key + ".original_max_position_embeddings is missing or out of range (rope type '" + type +
                      "' needs it, or max_position_embeddings)",
                  source);
    return static_cast<int>(original);
}

// Reads every rope form transformers reads for Llama / Qwen2 / Qwen3 / Mistral; refuses what
// buildRope could not compute exactly (unknown types, partial rotary embeddings, missing keys).
RopeConfig parseRope(const json& j, const ModelConfig& c, const fs::path& source) {
    RopeConfig rope;
    const RopeSource r = findRopeDict(j);
    rope.theta = optionalValue<double>(j, "rope_theta", rope.theta, source);
    const double partial = optionalValue<double>(r.dict ? *r.dict : j, "partial_rotary_factor", optionalValue<double>(j, "partial_rotary_factor", 1.0, source), source, r.dict ? r.key + "." : "");
    if (partial != 1.0) ropeError("partial_rotary_factor is not 1 (only full rotary embeddings are supported)", source);
    if (!r.dict) return rope;
    rope.theta = optionalValue<double>(*r.dict, "rope_theta", rope.theta, source, r.key + ".");  // rope_parameters carries its own
    if (rope.theta <= 1.0) ropeError(r.key + ".rope_theta must be greater than 1", source);

    rope.type = optionalValue<std::string>(*r.dict, "rope_type", optionalValue<std::string>(*r.dict, "type", rope.type, source, r.key + "."), source, r.key + ".");

    const std::string& t = rope.type;
    if (t == "default") return rope;
    if (t != "linear" && t != "dynamic" && t != "yarn" && t != "llama3" && t != "longrope")
        ropeError("rope type '" + t + "' in " + r.key + " is not supported", source);

    if (t == "longrope") {
        rope.originalMaxPositions = originalMaxPositionsOf(j, r, c.maxPositions, t, source);
        // transformers: factor from the dict, else the ratio of the extended to the original context.
        rope.factor = optionalRopeNumber(r, "factor", source).value_or(double(c.maxPositions) / rope.originalMaxPositions);
        checkRopeFactor(r, rope.factor, source);
        rope.attentionFactor = optionalRopeNumber(r, "attention_factor", source);
        rope.shortFactor = requireRopeFactorList(r, "short_factor", std::size_t(c.headDim / 2), source);
        rope.longFactor = requireRopeFactorList(r, "long_factor", std::size_t(c.headDim / 2), source);
        return rope;
    }
    rope.factor = requireRopeNumber(r, "factor", t, source);
    checkRopeFactor(r, rope.factor, source);
    if (t == "llama3") {
        rope.lowFreqFactor = requireRopeNumber(r, "low_freq_factor", t, source);
        rope.highFreqFactor = requireRopeNumber(r, "high_freq_factor", t, source);
        if (rope.highFreqFactor <= rope.lowFreqFactor) ropeError(r.key + ".high_freq_factor must be greater than low_freq_factor", source);
        rope.originalMaxPositions = originalMaxPositionsOf(j, r, c.maxPositions, t, source);
    } else if (t == "yarn") {
        rope.originalMaxPositions = originalMaxPositionsOf(j, r, c.maxPositions, t, source);
        // transformers reads these with `or`: 0 / null fall back to the paper's 32 and 1.
        if (auto v = optionalRopeNumber(r, "beta_fast", source); v && *v != 0) rope.betaFast = *v;
        if (auto v = optionalRopeNumber(r, "beta_slow", source); v && *v != 0) rope.betaSlow = *v;
        rope.attentionFactor = optionalRopeNumber(r, "attention_factor", source);
        rope.mscale = optionalRopeNumber(r, "mscale", source);
        rope.mscaleAllDim = optionalRopeNumber(r, "mscale_all_dim", source);
        rope.truncate = optionalValue<bool>(*r.dict, "truncate", true, source, r.key + ".");
    } else if (t == "dynamic" && c.maxPositions <= 0) {
        ropeError("rope type 'dynamic' needs max_position_embeddings", source);
    }
    return rope;
}

QuantizationConfig parseQuantization(const json& j, const fs::path& source) {
    QuantizationConfig q;
    auto it = j.find("quantization_config");
    if (it == j.end() || !it->is_object()) return q;
    const json& qc = *it;
    const std::string kQc = "quantization_config.";
    q.rawMethod = optionalValue<std::string>(qc, "quant_method", "", source, kQc);
    std::string m = q.rawMethod;
    std::transform(m.begin(), m.end(), m.begin(), [](unsigned char c) { return std::tolower(c); });
    q.method = m == "awq" ? QuantMethod::Awq : m == "gptq" ? QuantMethod::Gptq : QuantMethod::Other;
    q.bits = optionalValue<int>(qc, "bits", optionalValue<int>(qc, "w_bit", 0, source, kQc), source, kQc);
    q.groupSize = optionalValue<int>(qc, "group_size", optionalValue<int>(qc, "q_group_size", 0, source, kQc), source, kQc);
    q.zeroPoint = optionalValue<bool>(qc, "zero_point", !optionalValue<bool>(qc, "sym", true, source, kQc), source, kQc);
    q.version = optionalValue<std::string>(qc, "version", "", source, kQc);
    std::transform(q.version.begin(), q.version.end(), q.version.begin(), [](unsigned char c) { return std::tolower(c); });
    q.descAct = optionalValue<bool>(qc, "desc_act", false, source, kQc);
    q.checkpointFormat = optionalValue<std::string>(qc, "checkpoint_format", "", source, kQc);
    if (auto mods = qc.find("modules_to_not_convert"); mods != qc.end() && !mods->is_null()) {
        if (!mods->is_array()) throw Error("\"quantization_config.modules_to_not_convert\" is not a list", source, kFixConfig);
        for (const auto& v : *mods) {
            if (!v.is_string())
                throw Error("\"quantization_config.modules_to_not_convert\" holds " + shortJson(v) + ", expected module names", source, kFixConfig);
            q.modulesToNotConvert.push_back(v.get<std::string>());
        }
    }
    return q;
}

// Which layers use a sliding window, as transformers reads it: an explicit `layer_types` list
// ("sliding_attention" / "full_attention"); else Mistral windows every layer, and Qwen2/Qwen3 window
// the layers from `max_window_layers` on, only with use_sliding_window=true.
void parseSlidingWindow(const json& j, ModelConfig& c, const fs::path& source) {
    const bool mistral = c.architecture == Architecture::Mistral;
    const bool enabled = mistral || optionalValue<bool>(j, "use_sliding_window", false, source);
    const int window = optionalValue<int>(j, "sliding_window", 0, source);
    if (!enabled || window <= 0) return;
    c.slidingLayers.assign(std::size_t(c.numLayers), false);
    if (const auto types = j.find("layer_types"); types != j.end() && types->is_array()) {
        if (types->size() != std::size_t(c.numLayers))
            throw Error("\"layer_types\" has " + std::to_string(types->size()) + " entries for " + format::counted(std::uint64_t(c.numLayers), "layer"),
                        source, kFixConfig);
        for (std::size_t l = 0; l < types->size(); ++l) {
            if (!(*types)[l].is_string())
                throw Error("\"layer_types\" entry " + std::to_string(l) + " is " + shortJson((*types)[l]) + ", expected \"sliding_attention\" or \"full_attention\"",
                            source, kFixConfig);
            c.slidingLayers[l] = (*types)[l].get<std::string>() == "sliding_attention";
        }
    } else {
        const int firstSliding = mistral ? 0 : std::max(0, optionalValue<int>(j, "max_window_layers", 0, source));
        for (int l = firstSliding; l < c.numLayers; ++l) c.slidingLayers[std::size_t(l)] = true;
    }
    if (std::find(c.slidingLayers.begin(), c.slidingLayers.end(), true) == c.slidingLayers.end()) {
        c.slidingLayers.clear();  // every layer attends fully: no window anywhere
        return;
    }
    c.slidingWindow = window;
}

// max_position_embeddings of transformers' config classes when config.json leaves it out
// (LlamaConfig 2048, Qwen2Config / Qwen3Config 32768, MistralConfig 4096 * 32); 0 for an unknown
// architecture, which describeModel refuses anyway.
int defaultMaxPositions(Architecture a) {
    switch (a) {
        case Architecture::Llama: return 2048;
        case Architecture::Qwen2: return 32768;
        case Architecture::Qwen3: return 32768;
        case Architecture::Mistral: return 4096 * 32;
        case Architecture::Unknown: break;
    }
    return 0;
}

}  // namespace

// Generation stops on these: a wrong type must not make it never stop, or stop on the wrong token.
std::vector<int> tokenIdList(const json& j, const char* key, const fs::path& file) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return {};
    if (!it->is_array()) return {tokenId(*it, key, file)};
    std::vector<int> ids;
    for (const auto& v : *it) ids.push_back(tokenId(v, key, file));
    return ids;
}

StopTokenIds stopTokenIds(const fs::path& folder) {
    for (const char* name : {"generation_config.json", "config.json"}) {
        const auto text = readModelFile(folder, name);
        if (!text) continue;
        const bool config = std::string_view(name) == "config.json";
        const json j = parseJson(*text, {folder / name, config ? kFixConfig : "fix or delete generation_config.json; it is optional"});
        if (!j.is_object()) continue;
        if (auto ids = tokenIdList(j, "eos_token_id", folder / name); !ids.empty()) return {std::move(ids), name};
    }
    return {};
}

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
    c.modelType = optionalValue<std::string>(j, "model_type", "", source);
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
    if (auto it = j.find("max_position_embeddings"); it == j.end() || it->is_null()) {
        // As transformers does: the architecture's config class default.
        c.maxPositions = defaultMaxPositions(c.architecture);
        c.maxPositionsDefaulted = c.maxPositions > 0;
    }
    c.rmsNormEps = optionalValue<double>(j, "rms_norm_eps", c.rmsNormEps, source);
    c.rope = parseRope(j, c, source);
    // Absent: false, as transformers' LlamaConfig, Qwen2Config, Qwen3Config and MistralConfig
    // default it (only the base PretrainedConfig defaults to true, and no supported model uses it).
    c.tieWordEmbeddings = optionalValue<bool>(j, "tie_word_embeddings", false, source);
    if (const auto it = j.find("tie_word_embeddings"); it == j.end() || it->is_null()) c.tieWordEmbeddingsDefaulted = true;
    c.attentionBias = c.architecture == Architecture::Qwen2 || optionalValue<bool>(j, "attention_bias", false, source);
    c.qkNorm = c.architecture == Architecture::Qwen3;
    parseSlidingWindow(j, c, source);
    c.dtype = optionalValue<std::string>(j, "dtype", optionalValue<std::string>(j, "torch_dtype", "", source), source);
    // Messages name the key the file has (newer transformers write `dtype`, older `torch_dtype`).
    for (const char* key : {"dtype", "torch_dtype"})
        if (const auto it = j.find(key); it != j.end() && it->is_string()) {
            c.dtypeKey = key;
            break;
        }
    c.hiddenAct = optionalValue<std::string>(j, "hidden_act", c.hiddenAct, source);
    if (auto b = j.find("bos_token_id"); b != j.end() && !b->is_null()) c.bosTokenId = tokenId(*b, "bos_token_id", source);
    c.eosTokenIds = tokenIdList(j, "eos_token_id", source);
    c.quantization = parseQuantization(j, source);
    return c;
}

namespace {
// yarn's mscale (DeepSeek-V2 / transformers get_mscale): 1 for no extension.
double yarnMscale(double scale, double mscale) { return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }
}  // namespace

double ropeAttentionFactor(const RopeConfig& rope) {
    if (rope.attentionFactor) return *rope.attentionFactor;
    if (rope.type == "yarn") {
        if (rope.mscale && rope.mscaleAllDim && *rope.mscale != 0 && *rope.mscaleAllDim != 0)
            return yarnMscale(rope.factor, *rope.mscale) / yarnMscale(rope.factor, *rope.mscaleAllDim);
        return yarnMscale(rope.factor, 1.0);
    }
    if (rope.type == "longrope")
        return rope.factor <= 1.0 ? 1.0 : std::sqrt(1.0 + std::log(rope.factor) / std::log(double(rope.originalMaxPositions)));
    return 1.0;
}

int vllmDerivedMaxModelLen(const ModelConfig& c) {
    double length = std::max(c.maxPositions, 1);
    const auto& t = c.rope.type;
    if (t == "default" || t == "longrope" || t == "llama3") return int(length);
    if (t == "yarn") length = c.rope.originalMaxPositions;
    return int(std::min(length * c.rope.factor, double(std::numeric_limits<int>::max())));
}

std::optional<int> ropeSequenceLimit(const ModelConfig& c) {
    if (c.rope.type == "dynamic") return c.maxPositions;
    return std::nullopt;
}

void checkRopeCovers(const ModelConfig& c, int positions, const fs::path& configFile) {
    const auto limit = ropeSequenceLimit(c);
    if (!limit || positions <= *limit) return;
    throw Error("rope type '" + c.rope.type + "' changes its frequencies once a sequence passes max_position_embeddings (" +
                    std::to_string(*limit) + "); " + std::to_string(positions) + " positions were asked for",
                configFile, "keep the context (or --seqlen) within max_position_embeddings");
}

ModelConfig loadModelConfig(const fs::path& modelFolder) {
    const auto text = readModelFile(modelFolder, "config.json");  // refuses links out of the folder
    if (!text)
        throw Error("missing config.json", modelFolder, "copy the model's config.json from its source (Hugging Face repo) into the folder");
    return parseModelConfig(*text, modelFolder / "config.json");
}

std::string slidingWindowSummary(const ModelConfig& c) {
    if (!c.slidingWindow) return {};
    const std::string window = std::to_string(*c.slidingWindow);
    std::vector<int> sliding;
    for (std::size_t i = 0; i < c.slidingLayers.size(); ++i)
        if (c.slidingLayers[i]) sliding.push_back(int(i));
    if (c.slidingLayers.empty() || sliding.size() == c.slidingLayers.size()) return window;
    std::string list;
    for (std::size_t i = 0; i < sliding.size() && i < 8; ++i) list += (i ? ", " : "") + std::to_string(sliding[i]);
    if (sliding.size() > 8) list += ", ...";
    return window + " on " + format::counted(sliding.size(), "layer") + " (" + list + ") of " + std::to_string(c.slidingLayers.size()) +
           "; the rest full attention";
}

}  // namespace awq
