#include "core/model/lora_adapter.h"

#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/text/regex.h"
#include "core/util/error.h"
#include "core/util/json_read.h"

#include <cmath>
#include <optional>
#include <set>
#include <stdexcept>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kConfigFile = "adapter_config.json";
constexpr const char* kWeightsFile = "adapter_model.safetensors";
constexpr std::uint64_t kMaxConfigBytes = 1ull << 20;  // real ones are ~1 KB
constexpr int kMaxRank = 16384;
constexpr std::size_t kMaxPatternLength = 512;         // target_modules as one regex

// PEFT's own keys: "base_model.model." + the module path of the transformers model.
constexpr std::string_view kPeftPrefix = "base_model.model.";

bool isTrue(const json& j, const char* key) { return j.contains(key) && j[key].is_boolean() && j[key].get<bool>(); }

bool isSet(const json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return false;
    const auto& v = j[key];
    return !((v.is_array() || v.is_object() || v.is_string()) && v.empty());
}

bool endsWithModule(const std::string& module, const std::string& name) {
    return module == name || (module.size() > name.size() && module.ends_with(name) && module[module.size() - name.size() - 1] == '.');
}

// Selects the modules "model.layers.N.<projection>" that `target_modules` names. A list matches a
// module whose name equals an entry or ends with "." + entry; a string is a regular expression
// matched against the whole name (peft's re.fullmatch), run by PCRE2 with its match limit so that a
// hostile pattern cannot hang the load; "all-linear" selects every projection (peft leaves out
// lm_head too) and a bare name matches as in a list.
class TargetMatcher {
public:
    TargetMatcher(const LoraConfig& c, const fs::path& file) : config_(c), file_(file) {
        if (!c.targetPattern || c.targetModules.front() == "all-linear") return;
        try {
            pattern_.emplace("\\A(?:" + c.targetModules.front() + ")\\z");
        } catch (const std::exception& e) {
            throw Error("target_modules is not a valid regular expression (" + std::string(e.what()) + ")", file,
                        "write target_modules as a list of module names, e.g. [\"q_proj\", \"v_proj\"]");
        }
    }

    bool operator()(const std::string& module) const {
        if (config_.targetPattern) {
            if (config_.targetModules.front() == "all-linear" || endsWithModule(module, config_.targetModules.front())) return true;
            std::vector<std::pair<std::size_t, std::size_t>> matches;
            try {
                pattern_->findAll(module, matches);
            } catch (const std::exception& e) {
                throw Error("target_modules: " + std::string(e.what()), file_, "write target_modules as a list of module names");
            }
            return !matches.empty();
        }
        for (const auto& t : config_.targetModules)
            if (endsWithModule(module, t)) return true;
        return false;
    }

private:
    const LoraConfig& config_;
    fs::path file_;
    std::optional<text::Regex> pattern_;
};

}  // namespace

LoraConfig parseLoraConfig(std::string_view jsonText, const fs::path& file) {
    const json j = parseJson(jsonText, {file, "save the adapter again with peft's save_pretrained"}, kMaxConfigBytes);
    if (!j.is_object()) throw Error("is not a JSON object", file, "save the adapter again with peft's save_pretrained");
    auto refuse = [&](const std::string& key, const std::string& why, const std::string& fix) {
        throw Error("" + key + " " + why + ", which the built-in engine does not support", file, fix);
    };
    if (j.contains("peft_type") && !(j["peft_type"].is_string() && j["peft_type"].get<std::string>() == "LORA"))
        refuse("peft_type", "is " + j["peft_type"].dump(), "only LoRA adapters (peft_type \"LORA\") load");
    if (isTrue(j, "use_dora")) refuse("use_dora", "is true (DoRA)", "train a plain LoRA (use_dora=false) or merge the adapter into the model");
    if (isTrue(j, "fan_in_fan_out")) refuse("fan_in_fan_out", "is true (Conv1D / GPT-2 style weights)", "use an adapter with fan_in_fan_out=false");
    if (isSet(j, "modules_to_save"))
        refuse("modules_to_save", "lists fully trained modules", "merge the adapter into the model instead (peft merge_and_unload)");
    if (j.contains("bias") && !(j["bias"].is_string() && j["bias"].get<std::string>() == "none"))
        refuse("bias", "is " + j["bias"].dump() + " (trained biases)", "use an adapter trained with bias=\"none\"");
    if (isSet(j, "layers_to_transform")) refuse("layers_to_transform", "is set", "use an adapter over all layers");
    if (isSet(j, "rank_pattern")) refuse("rank_pattern", "is set (ranks per module)", "use one rank for every module");
    if (isSet(j, "alpha_pattern")) refuse("alpha_pattern", "is set (alphas per module)", "use one lora_alpha for every module");

    LoraConfig c;
    const auto rank = j.contains("r") ? jsonInteger<json, int>(j["r"]) : std::nullopt;
    if (!rank || *rank < 1 || *rank > kMaxRank)
        throw Error("r must be an integer in 1.." + std::to_string(kMaxRank), file, "check the adapter's rank r");
    c.rank = *rank;
    c.alpha = 8;  // peft's LoraConfig default, which save_pretrained always writes out anyway
    if (j.contains("lora_alpha")) {
        if (!j["lora_alpha"].is_number() || !std::isfinite(j["lora_alpha"].get<double>()))
            throw Error("lora_alpha is not a finite number", file, "check the adapter's lora_alpha");
        c.alpha = j["lora_alpha"].get<double>();
    }
    c.rslora = isTrue(j, "use_rslora");
    c.scale = c.rslora ? c.alpha / std::sqrt(double(c.rank)) : c.alpha / c.rank;

    const auto tm = j.find("target_modules");
    if (tm == j.end() || tm->is_null() || tm->empty())
        throw Error("target_modules is missing or empty", file, "list the adapted modules, e.g. [\"q_proj\", \"v_proj\"]");
    if (tm->is_string()) {
        if (tm->get<std::string>().size() > kMaxPatternLength)
            throw Error("target_modules is longer than " + std::to_string(kMaxPatternLength) + " characters", file,
                        "write target_modules as a list of module names");
        c.targetModules.push_back(tm->get<std::string>());
        c.targetPattern = true;
    } else if (tm->is_array()) {
        for (const auto& t : *tm) {
            if (!t.is_string() || t.get<std::string>().empty())
                throw Error("target_modules holds something other than a module name", file,
                            "list the adapted modules as strings");
            c.targetModules.push_back(t.get<std::string>());
        }
    } else {
        throw Error("target_modules is neither a list nor a string", file, "list the adapted modules");
    }
    if (j.contains("base_model_name_or_path") && j["base_model_name_or_path"].is_string())
        c.baseModel = j["base_model_name_or_path"].get<std::string>();
    return c;
}

LoraAdapter LoraAdapter::load(const fs::path& folder, const ModelConfig& model) {
    LoraAdapter a;
    a.folder_ = folder;
    const fs::path configFile = folder / kConfigFile;
    const auto text = readModelFile(folder, kConfigFile, kMaxConfigBytes);
    if (!text) throw Error("no adapter_config.json in the adapter folder", configFile, "pass the folder peft's save_pretrained wrote");
    a.config_ = parseLoraConfig(*text, configFile);

    const auto weights = findModelFile(folder, kWeightsFile);
    if (!weights)
        throw Error("no adapter_model.safetensors in the adapter folder", folder / kWeightsFile,
                    "save the adapter with safetensors (peft's default; adapter_model.bin is not read)");
    a.file_ = std::make_unique<SafetensorsFile>(*weights);
    const fs::path& file = a.file_->path();

    const int qOut = model.numHeads * model.headDim, kvOut = model.numKvHeads * model.headDim;
    auto dims = [&](std::string_view projection) -> std::pair<int, int> {  // in, out
        if (projection == "self_attn.q_proj") return {model.hiddenSize, qOut};
        if (projection == "self_attn.k_proj" || projection == "self_attn.v_proj") return {model.hiddenSize, kvOut};
        if (projection == "self_attn.o_proj") return {qOut, model.hiddenSize};
        if (projection == "mlp.down_proj") return {model.intermediateSize, model.hiddenSize};
        return {model.hiddenSize, model.intermediateSize};  // gate, up
    };
    const TargetMatcher targets(a.config_, folder / kConfigFile);
    std::set<std::string> expected;
    for (int l = 0; l < model.numLayers; ++l)
        for (const char* projection : kLoraProjections) {
            const std::string linear = "model.layers." + std::to_string(l) + "." + projection;
            if (!targets(linear)) continue;
            const auto [in, out] = dims(projection);
            LoraFactors f;
            for (const char* part : {"lora_A", "lora_B"}) {
                const std::string name = std::string(kPeftPrefix) + linear + "." + part + ".weight";
                const TensorInfo* t = a.file_->find(name);
                if (!t)
                    throw Error("tensor '" + name + "' is missing, though target_modules selects " + linear, file,
                                "the adapter does not fit this model's layers: use the adapter made for it");
                if (t->dtype != DType::F32 && t->dtype != DType::F16 && t->dtype != DType::BF16)
                    throw Error("tensor '" + name + "' is " + std::string(dtypeName(t->dtype)) + ", not F32/F16/BF16", file,
                                "save the adapter in float32, float16 or bfloat16");
                const std::vector<std::int64_t> want =
                    part == std::string("lora_A") ? std::vector<std::int64_t>{a.config_.rank, in} : std::vector<std::int64_t>{out, a.config_.rank};
                if (t->shape != want) {
                    auto shapeText = [](const std::vector<std::int64_t>& s) {
                        std::string r = "[";
                        for (std::size_t i = 0; i < s.size(); ++i) r += (i ? ", " : "") + std::to_string(s[i]);
                        return r + "]";
                    };
                    throw Error("tensor '" + name + "' has shape " + shapeText(t->shape) + ", expected " + shapeText(want) + " (r " +
                                    std::to_string(a.config_.rank) + " from adapter_config.json, the model's config.json for the rest)",
                                file, "the adapter was trained for another model (or another r): use the adapter made for this model");
                }
                (part == std::string("lora_A") ? f.a : f.b) = t;
                expected.insert(name);
            }
            a.factors_[linear] = f;
        }
    if (a.factors_.empty())
        throw Error("target_modules selects none of the model's projections (q/k/v/o_proj, gate/up/down_proj)", folder / kConfigFile,
                    "the built-in engine adapts the decoder layers' linears only");
    for (const auto& t : a.file_->tensors())
        if (!expected.contains(t.name))
            throw Error("tensor '" + t.name + "' is not a lora_A / lora_B of a targeted projection", file,
                        "the built-in engine applies LoRA to the decoder layers' linears only (no embeddings, lm_head, DoRA magnitudes)");
    return a;
}

const LoraFactors* LoraAdapter::find(const std::string& linearPrefix) const {
    const auto it = factors_.find(linearPrefix);
    return it == factors_.end() ? nullptr : &it->second;
}

std::optional<std::string> loraPairingWarning(const LoraConfig& adapter, const ModelInfo& model) {
    if (adapter.baseModel.empty()) return std::nullopt;
    // Names compare by their last path component: "Org/Name", "/data/Name" and "Name" are one model.
    auto tail = [](std::string s) {
        while (!s.empty() && s.back() == '/') s.pop_back();
        const auto slash = s.rfind('/');
        return slash == std::string::npos ? s : s.substr(slash + 1);
    };
    std::vector<std::string> candidates = {model.name, model.folder.filename().string()};
    std::string recorded;
    try {
        if (const auto text = readModelFile(model.folder, "awqbench_quantization.json", kMaxConfigBytes)) {
            const json doc = parseJson(*text, {model.folder / "awqbench_quantization.json", "quantize the model again"});
            if (doc.is_object() && doc.contains("source") && doc["source"].is_object())
                for (const char* key : {"name", "path", "fingerprint"})
                    if (doc["source"].contains(key) && doc["source"][key].is_string()) {
                        candidates.push_back(doc["source"][key].get<std::string>());
                        if (recorded.empty()) recorded = candidates.back();
                    }
        }
    } catch (const std::exception&) {  // an unreadable record is no pairing evidence either way
    }
    const std::string base = tail(adapter.baseModel);
    for (const auto& c : candidates)
        if (!c.empty() && (c == adapter.baseModel || tail(c) == base)) return std::nullopt;
    return "the LoRA adapter was trained on '" + adapter.baseModel + "', but the model is '" + model.name + "'" +
           (recorded.empty() ? std::string(" (no recorded quantization source)") : " (quantized from '" + recorded + "')") +
           ": an adapter only fits the weights it was trained on";
}

}  // namespace awq
