// planPromotion: validation (the seeds' failures) and the new text of every target file.
#include "core/deploy/promotion.h"

#include "core/deploy/container_paths.h"
#include "core/deploy/hand_set_settings.h"
#include "core/deploy/text_edit.h"
#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/system/memory_plan.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/format.h"
#include "core/util/read_file.h"
#include "core/util/shell_quote.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <sstream>

namespace awq::deploy {
namespace fs = std::filesystem;
using json = nlohmann::json;

bool PromotionPlan::blocked() const {
    return std::any_of(issues.begin(), issues.end(), [](const Issue& i) { return i.severity == Issue::Severity::Error; });
}

std::string PromotionPlan::diff() const {
    std::string out;
    for (const auto& c : changes) out += c.diff;
    return out;
}

namespace {

constexpr std::uintmax_t kMaxTargetFileBytes = 4u << 20;

void addIssue(PromotionPlan& p, Issue::Severity s, std::string code, std::string message, std::string fix) {
    p.issues.push_back({s, std::move(code), std::move(message), std::move(fix)});
}

// An awq::Error as an issue: its file and problem as the message, its fix as the fix (e.what()
// already ends with the fix, which would then be printed twice).
void addIssue(PromotionPlan& p, Issue::Severity s, std::string code, const Error& e, const std::string& prefix = {}) {
    addIssue(p, s, std::move(code), prefix + (e.file().empty() ? e.problem() : e.file().string() + ": " + e.problem()), e.fix());
}

std::string readSmallFile(const fs::path& file) {
    return readFile(file, "deployment config", "check the path in the target", kMaxTargetFileBytes);
}

std::string trimmedDouble(double v) {
    std::ostringstream ss;
    ss << std::round(v * 100.0) / 100.0;
    return ss.str();
}

// A GPU memory size as `--gpu-memory` reads it back exactly.
std::string byteSizeArgument(std::uint64_t n) {
    if (n % (1ull << 30) == 0) return std::to_string(n >> 30) + "GiB";
    if (n % (1ull << 20) == 0) return std::to_string(n >> 20) + "MiB";
    return std::to_string(n >> 10) + "KiB";
}

// The `target add` command that saves `t` as it is, with --replace (the name is taken; replacing
// keeps none of the settings not given again, so every one is given): a fix that works as printed.
std::string replaceTargetCommand(const DeployTarget& t) {
    std::string c = "awqbench-cli target add " + shellQuoted(t.name);
    const auto flag = [&](const std::string& name, const std::string& value) { c += " " + name + " " + shellQuoted(value); };
    if (t.kind == TargetKind::Compose) {
        flag("--compose", t.composeFile.string());
        if (!t.envFile.empty()) flag("--env", t.envFile.string());
        if (t.pathVariable != "PRIME_MODEL_PATH") flag("--path-var", t.pathVariable);
        if (t.nameVariable != "PRIME_MODEL") flag("--name-var", t.nameVariable);
    } else {
        flag("--vllm-config", t.vllmConfig.string());
        if (!t.commandFile.empty()) flag("--command-file", t.commandFile.string());
    }
    for (const auto& m : t.containerPaths) flag("--container-path", pathMappingText(m));
    if (t.gpuCount > 0) flag("--gpus", std::to_string(t.gpuCount));
    if (t.gpuMemoryBytes) flag("--gpu-memory", byteSizeArgument(t.gpuMemoryBytes));
    if (t.gpuMemoryUtilization > 0) flag("--gpu-util", trimmedDouble(t.gpuMemoryUtilization));
    if (t.tensorParallelSize > 0) flag("--tp", std::to_string(t.tensorParallelSize));
    if (t.maxModelLen > 0) flag("--max-model-len", std::to_string(t.maxModelLen));
    if (!t.pairedModel.empty()) flag("--paired", t.pairedModel.string());
    return c + " --replace";
}

// The same with one change made to the target first.
std::string replaceTargetCommand(DeployTarget t, const std::function<void(DeployTarget&)>& change) {
    change(t);
    return replaceTargetCommand(t);
}

// GPU memory as nvidia-smi shows it: GiB, or MiB below 1 GiB (a 7 MiB model read "0.00 GiB").
std::string memorySize(std::uint64_t bytes) { return bytes < (1ull << 30) ? format::bytes(bytes) : format::gib(bytes); }

bool marlinGroupOk(int g) { return g == -1 || g == 32 || g == 64 || g == 128; }

// Whether vLLM can run an AWQ model with awq_marlin (AWQMarlinConfig.is_awq_marlin_compatible): 4-bit,
// group size -1/32/64/128, zero points; then on GPUs of compute capability 8.0 or newer.
bool marlinRuns(const QuantizationConfig& q) { return q.bits == 4 && marlinGroupOk(q.groupSize) && q.zeroPoint; }

// vLLM's rule: attention heads split evenly; KV heads split evenly, or are replicated when fewer
// than the GPUs (then the GPU count must be a multiple of them).
bool tensorParallelDividesHeads(const ModelConfig& c, int tp) {
    if (tp < 1 || c.numHeads % tp != 0) return false;
    const int kv = c.numKvHeads > 0 ? c.numKvHeads : c.numHeads;
    return kv >= tp ? kv % tp == 0 : tp % kv == 0;
}

// vLLM splits row-parallel AWQ linears (o_proj, down_proj) along their inputs and refuses a slice
// that does not hold whole quantization groups ("The input size is not aligned with the quantized
// weight shape"); column-parallel ones (gate_proj, up_proj) along their outputs, in whole int32
// words of 8 values. Returns what does not split, or "" when everything does.
std::string awqSliceProblem(const ModelConfig& c, int tp) {
    const auto& q = c.quantization;
    if (q.method != QuantMethod::Awq || tp <= 1) return {};
    const std::pair<const char*, int> rowParallel[] = {{"o_proj", c.numHeads * c.headDim}, {"down_proj", c.intermediateSize}};
    for (const auto& [name, inputs] : rowParallel)
        if (inputs % tp != 0 || (q.groupSize > 0 && (inputs / tp) % q.groupSize != 0))
            return std::string(name) + "'s " + std::to_string(inputs) + " inputs split " + std::to_string(tp) +
                   " ways are not whole groups of " + std::to_string(q.groupSize);
    if (c.intermediateSize % tp != 0 || (c.intermediateSize / tp) % 8 != 0)
        return "gate_proj / up_proj's " + std::to_string(c.intermediateSize) + " outputs split " + std::to_string(tp) +
               " ways are not whole int32 words of 8 values";
    return {};
}

bool tensorParallelSplits(const ModelConfig& c, int tp) { return tensorParallelDividesHeads(c, tp) && awqSliceProblem(c, tp).empty(); }

MemoryPlan perGpuPlan(const ModelInfo& m, int tp, std::uint64_t gpuBytes, double utilization, int context) {
    ModelInfo shard = m;
    shard.weightBytes = (m.weightBytes + std::uint64_t(tp) - 1) / std::uint64_t(tp);
    const int kv = m.config.numKvHeads > 0 ? m.config.numKvHeads : m.config.numHeads;
    shard.config.numKvHeads = std::max(1, kv / tp);
    MemoryPlanInput in;
    in.gpuMemoryBytes = gpuBytes;
    in.utilization = utilization;
    in.contextLength = context;
    return planMemory(shard, in);
}

// The source fingerprint the quantizer recorded (core/quant writes settings.source_fingerprint and
// source.fingerprint into awqbench_quantization.json); empty when there is no record.
std::string recordedSourceFingerprint(const fs::path& model) {
    try {
        const auto text = readModelFile(model, "awqbench_quantization.json", kMaxTargetFileBytes);  // no links out of the folder
        if (!text) return {};
        const json doc = parseJson(*text, {model / "awqbench_quantization.json", "quantize the model again"});
        if (doc.contains("settings") && doc["settings"].contains("source_fingerprint"))
            return doc["settings"]["source_fingerprint"].get<std::string>();
        if (doc.contains("source") && doc["source"].contains("fingerprint")) return doc["source"]["fingerprint"].get<std::string>();
    } catch (const std::exception&) {
    }
    return {};
}

std::string quantText(const QuantizationConfig& q) {
    if (q.method == QuantMethod::None) return "no quantization_config";
    return "quantization " + (q.method == QuantMethod::Other ? q.rawMethod : std::string(quantMethodName(q.method)));
}

// What forcing vLLM's `awq` kernel costs and where it is right, for the forced_awq_kernel warning.
// Which kernel vLLM picks by itself: vLLM's AWQMarlinConfig.override_quantization_method and its
// supported-hardware table (marlin from compute capability 8.0; AWQ from 7.5: no Volta).
constexpr const char* kAwqKernelChoice =
    "awq_marlin on GPUs of compute capability 8.0 or newer (Ampere, Ada, Hopper: A100, A10, L4, H100), where it is faster, and `awq` on "
    "a Turing GPU (T4, compute capability 7.5), where awq_marlin cannot run (older GPUs, Volta: V100, have no AWQ kernel in vLLM)";
// The only figure measured (a field report among the project's seed reports); it compares the `awq`
// kernel with unquantized FP16, not with awq_marlin, and says so.
constexpr const char* kAwqKernelMeasured =
    " (a field report, vLLM 0.10.2 serving Qwen2.5-14B-Instruct-AWQ on an H100 80GB with the `awq` kernel forced, measured 11.5 tokens/s "
    "against 71.5 for the unquantized FP16 model, 84% slower; awq_marlin was not measured there)";

// `where` ("FILE line N") asks vLLM for the `awq` kernel.
void checkForcedKernelAt(PromotionPlan& p, const ModelInfo& m, const std::string& where, bool autoRemoved) {
    const auto& q = m.config.quantization;
    if (q.method != QuantMethod::Awq) {
        if (autoRemoved) {  // the promotion comments the key out anyway: vLLM then detects the model's own quantization
            addIssue(p, Issue::Severity::Warning, "quantization_removed",
                     where + " asks vLLM for AWQ, but " + m.name + " has " + quantText(q) +
                         "; the promotion comments it out so vLLM detects the quantization from the model",
                     "");
            return;
        }
        addIssue(p, Issue::Severity::Error, "awq_flag_without_quantization_config",
                 where + " asks vLLM for AWQ, but " + m.name + " has " + quantText(q) +
                     " (vLLM fails with \"Cannot find the config file for awq\")",
                 "promote an AWQ-quantized model (with quantization_config in config.json), or remove the AWQ flag from " + where);
        return;
    }
    if (!marlinRuns(q)) return;  // marlin cannot run it anyway: reported as marlin_unsupported
    // A warning, never a refusal: the `awq` kernel is what vLLM runs AWQ with on a GPU older than
    // Ampere (marlin needs compute capability 8.0; a T4 is 7.5), so a target for one must be able to
    // keep the flag. A vLLM config's key is still commented out: without it vLLM detects AWQ from the
    // model and picks awq_marlin where the GPU has it and `awq` where it does not (vLLM's
    // AWQMarlinConfig.override_quantization_method), so dropping it is right on every GPU. Compose
    // files and command scripts are the user's own commands: told, not edited.
    if (autoRemoved)
        addIssue(p, Issue::Severity::Warning, "forced_awq_kernel",
                 where + " forced vLLM's `awq` kernel; the promotion comments it out, so that vLLM picks " + kAwqKernelChoice +
                     " (right on every GPU)" + kAwqKernelMeasured,
                 "");
    else
        addIssue(p, Issue::Severity::Warning, "forced_awq_kernel",
                 where + " forces vLLM's `awq` kernel for " + m.name + ", which awq_marlin can also run: without the flag vLLM picks " +
                     kAwqKernelChoice + "; on a T4 keeping `--quantization awq` is right" + kAwqKernelMeasured,
                 "on a GPU of compute capability 8.0 or newer, delete the quantization flag from " + where +
                     "; on a T4 keep it (or delete it: vLLM picks `awq` there by itself)");
}

void checkForcedKernel(PromotionPlan& p, const ModelInfo& m, const fs::path& file, const std::string& text, bool autoRemoved) {
    const auto lines = forcedAwqKernelLines(text);
    if (!lines.empty()) checkForcedKernelAt(p, m, file.string() + " line " + std::to_string(lines.front()), autoRemoved);
}

// A token count as vLLM's argument parser reads it (vllm/engine/arg_utils.py, human_readable_int):
// 8192, or a number with a suffix: k / m / g powers of 1000 (decimals allowed: 25.6k), K / M / G
// powers of 1024 (whole numbers only). nullopt for anything else.
std::optional<long long> vllmHumanReadableInt(std::string_view value) {
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front()))) value.remove_prefix(1);
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) value.remove_suffix(1);
    if (value.empty()) return std::nullopt;
    const char suffix = value.back();
    const std::string_view decimal = "kmgt", binary = "KMGT";
    const bool isDecimal = decimal.find(suffix) != std::string_view::npos, isBinary = binary.find(suffix) != std::string_view::npos;
    std::string_view number = (isDecimal || isBinary) ? value.substr(0, value.size() - 1) : value;
    const auto whole = [](std::string_view digits) -> std::optional<long long> {
        long long v = 0;
        const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
        if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
        return v;
    };
    if (!isDecimal && !isBinary) return whole(number);
    const std::size_t power = (isDecimal ? decimal : binary).find(suffix) + 1;
    if (number.empty() || !std::isdigit(static_cast<unsigned char>(number.front())) || number.back() == '.') return std::nullopt;
    if (isBinary) {
        const auto v = whole(number);
        if (!v || *v > (std::numeric_limits<long long>::max() >> (10 * power))) return std::nullopt;
        return *v << (10 * power);
    }
    double v = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), v, std::chars_format::fixed);
    if (ec != std::errc() || end != number.data() + number.size()) return std::nullopt;
    const double tokens = v * std::pow(1000.0, double(power));
    if (!(tokens < 9e18)) return std::nullopt;
    return static_cast<long long>(tokens);
}

// Whether vLLM can split the model `tp` ways: its heads, and each AWQ group whole on one GPU.
// `what` names where the size comes from ("tensor-parallel size 2", "compose.yml line 9 starts vLLM
// with tensor-parallel size 2").
void checkTensorParallelSplit(PromotionPlan& p, const ModelInfo& m, int tp, const std::string& what) {
    const ModelConfig& c = m.config;
    if (!tensorParallelDividesHeads(c, tp))
        addIssue(p, Issue::Severity::Error, "tensor_parallel_heads",
                 what + " does not divide " + m.name + "'s " + std::to_string(c.numHeads) + " attention heads / " + std::to_string(c.numKvHeads) +
                     " KV heads",
                 "use a tensor-parallel size that divides both (or a multiple of the KV heads when it exceeds them)");
    else if (const std::string slice = awqSliceProblem(c, tp); !slice.empty())
        addIssue(p, Issue::Severity::Error, "tensor_parallel_awq_groups",
                 what + " cannot split " + m.name + ": " + slice + " (vLLM refuses to load it: \"The input size is not aligned with the quantized weight shape\")",
                 "use a smaller tensor-parallel size, or re-quantize with a smaller group size");
}

// A flag's value as vLLM gets it, and where that value is set: "FILE line N" of the command, or of
// the .env file that sets a variable the command's ${...} takes it from.
struct ResolvedFlag {
    std::string value;
    std::string where;
};

// Where a variable's value is set ("ENV line N"); nullopt when it is not set (a ${VAR:-default} then
// takes the command's own default).
using VariableWhere = std::function<std::optional<std::string>(const std::string& var)>;

// A tensor-parallel size the compose command (or its .env) starts vLLM with, which the promotion
// does not write: checked as the target's own is (a trial found -tp 2 let through).
void checkTensorParallelFlags(PromotionPlan& p, const ModelInfo& m, const std::vector<ResolvedFlag>& flags) {
    for (const auto& flag : flags) {
        const auto tp = vllmHumanReadableInt(flag.value);
        if (!tp || *tp < 1 || *tp > 4096) continue;
        checkTensorParallelSplit(p, m, int(*tp), flag.where + " starts vLLM with tensor-parallel size " + flag.value + ", which");
    }
}

// A --max-model-len the promotion does not write (a compose command's own flag, or one in its .env)
// but vLLM will start with: longer than the model's context, vLLM refuses to start.
void checkMaxModelLenFlags(PromotionPlan& p, const ModelInfo& m, const std::vector<ResolvedFlag>& flags) {
    const int derived = vllmDerivedMaxModelLen(m.config);
    for (const auto& [value, where] : flags) {
        const auto tokens = vllmHumanReadableInt(value);
        if (!tokens || *tokens <= derived) continue;
        const std::string shown = std::to_string(*tokens) == value ? value : value + " (" + std::to_string(*tokens) + " tokens)";
        addIssue(p, Issue::Severity::Error, "max_model_len_too_long",
                 where + " starts vLLM with --max-model-len " + shown + ", longer than " + m.name + "'s context of " + std::to_string(derived) +
                     " tokens (" + (m.folder / "config.json").string() + "): vLLM refuses to start",
                 "lower it there to " + std::to_string(derived) + " or less, or remove it (vLLM then uses the model's)");
    }
}

// Where a flag's value written as `text` at `file` line `line` is set: the .env line of the first
// variable it takes a value from (a set ${VAR} / ${VAR:-default}), else the flag's own line.
std::string flagValueWhere(const fs::path& file, int line, std::string_view text, const VariableWhere& whereSet) {
    const std::string flagLine = file.string() + " line " + std::to_string(line);
    for (const auto& r : parseComposeReferences(text))
        if (r.form != ComposeReference::Form::ReplaceIfNonEmpty && r.form != ComposeReference::Form::ReplaceIfSet)
            if (const auto set = whereSet ? whereSet(r.name) : std::nullopt) return *set + " (" + r.name + ", which " + flagLine + " takes)";
    return flagLine;
}

// Flag values with their ${...} resolved as Compose would (one it cannot resolve, a ${VAR:?message}
// without its variable, is left out: it is reported where Compose reads it).
std::vector<ResolvedFlag> resolvedFlags(const std::vector<FlagValue>& flags, const fs::path& file, const ComposeLookup& variables,
                                        const VariableWhere& whereSet) {
    std::vector<ResolvedFlag> out;
    for (const auto& f : flags) {
        try {
            out.push_back({interpolateCompose(f.value, variables), flagValueWhere(file, f.line, f.value, whereSet)});
        } catch (const Error&) {
        }
    }
    return out;
}

// A compose command's `--quantization ${VAR}` that Compose resolves to awq (the flag's own `awq` is
// found by checkForcedKernel): told where the value is set, the .env line.
void checkInterpolatedForcedKernel(PromotionPlan& p, const ModelInfo& m, const fs::path& file, const std::string& text,
                                   const ComposeLookup& variables, const VariableWhere& whereSet) {
    if (!forcedAwqKernelLines(text).empty()) return;
    for (const auto& flag : resolvedFlags(commandFlagValues(text, {"--quantization", "-q"}), file, variables, whereSet))
        if (flag.value == "awq") {
            checkForcedKernelAt(p, m, flag.where, false);
            return;
        }
}

// The flags of a compose command (or its .env) that the promotion does not write but vLLM starts
// with: checked against the model, and put in `shown`, the settings of the equivalent command line
// (the promotion writes only the model path and served name there, so vLLM starts with the file's
// --max-model-len, -tp, --gpu-memory-utilization and --dtype: the last of each, as vLLM's argument
// parser takes it; values vLLM would refuse leave the target's).
void checkCommandFlags(PromotionPlan& p, const ModelInfo& m, const fs::path& file, const std::string& text, const ComposeLookup& variables,
                       const VariableWhere& whereSet, ServeSettings& shown) {
    const auto resolved = [&](const std::vector<FlagValue>& flags) { return resolvedFlags(flags, file, variables, whereSet); };
    const auto maxModelLen = resolved(maxModelLenFlags(text)), tensorParallel = resolved(tensorParallelFlags(text));
    checkMaxModelLenFlags(p, m, maxModelLen);
    checkTensorParallelFlags(p, m, tensorParallel);
    const auto last = [](const std::vector<ResolvedFlag>& values) { return values.empty() ? std::optional<std::string>() : values.back().value; };
    if (const auto v = last(maxModelLen))
        if (const auto tokens = vllmHumanReadableInt(*v); tokens && *tokens > 0 && *tokens <= std::numeric_limits<int>::max()) shown.maxModelLen = int(*tokens);
    if (const auto v = last(tensorParallel))
        if (const auto tp = vllmHumanReadableInt(*v); tp && *tp >= 1 && *tp <= 4096) shown.tensorParallelSize = int(*tp);
    if (const auto v = last(resolved(commandFlagValues(text, {"--gpu-memory-utilization", "--gpu_memory_utilization"})))) {
        char* end = nullptr;
        const double share = std::strtod(v->c_str(), &end);
        if (end == v->c_str() + v->size() && share > 0 && share <= 1) shown.gpuMemoryUtilization = share;
    }
    if (const auto v = last(resolved(commandFlagValues(text, {"--dtype"}))); v && !v->empty()) shown.dtype = *v;
}

const TensorSummary* findTensor(const ModelInfo& m, const std::string& name) {
    for (const auto& t : m.tensors)
        if (t.name == name) return &t;
    return nullptr;
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// vLLM's AWQ loaders (awq_marlin and awq) read AutoAWQ's GEMM packing only, whatever `version`
// says: qweight [K, N/8], qzeros [K/G, N/8], scales [K/G, N]. AutoAWQ's other packings (gemv,
// gemv_fast, marlin) fail there on the tensor shapes.
void checkAwqLayout(PromotionPlan& p, const ModelInfo& m) {
    const auto& q = m.config.quantization;
    const std::string fix = "re-quantize in the GEMM layout (awqbench always writes it; AutoAWQ: version \"GEMM\")";
    if (q.version == "gemv" || q.version == "gemv_fast" || q.version == "marlin") {
        addIssue(p, Issue::Severity::Error, "awq_layout_unsupported",
                 m.name + " is AWQ version \"" + q.version + "\" (config.json quantization_config): vLLM's AWQ kernels load only the GEMM layout " +
                     "and fail on this packing's tensor shapes",
                 fix);
        return;
    }
    if (!q.version.empty() && q.version != "gemm")
        addIssue(p, Issue::Severity::Warning, "awq_layout_unsupported",
                 m.name + " declares AWQ version \"" + q.version + "\": vLLM reads every AWQ checkpoint as the GEMM layout; check that it is one",
                 fix);
    if (q.bits != 4) return;  // shapes below assume 8 values per int32 (reported as marlin_unsupported)
    const std::string suffix = ".qweight";
    for (const auto& t : m.tensors) {
        if (t.name.size() <= suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0) continue;
        const std::string prefix = t.name.substr(0, t.name.size() - suffix.size());
        const TensorSummary* scales = findTensor(m, prefix + ".scales");
        const TensorSummary* zeros = findTensor(m, prefix + ".qzeros");
        std::string problem;
        if (!scales || !zeros) problem = "has no " + std::string(!scales ? ".scales" : ".qzeros") + " beside " + t.name;
        else if (t.shape.size() != 2 || scales->shape.size() != 2 || zeros->shape.size() != 2 || scales->shape[1] != t.shape[1] * 8 ||
                 zeros->shape[1] != t.shape[1] || zeros->shape[0] != scales->shape[0] ||
                 (q.groupSize > 0 && t.shape[0] != scales->shape[0] * q.groupSize))
            problem = "stores " + t.name + " " + shapeText(t.shape) + " with scales " + (scales ? shapeText(scales->shape) : "-") +
                      ", which is not the GEMM layout (qweight [K, N/8], scales [K/group, N])";
        if (problem.empty()) continue;
        addIssue(p, Issue::Severity::Error, "awq_layout_unsupported", m.name + " " + problem + ": vLLM's AWQ loaders cannot read it", fix);
        return;
    }
}

// What vLLM needs to load the model at all, beyond the kernels' speed: the AWQ packing and bit
// width, and the embedding where vLLM looks for it.
void checkVllmLoads(PromotionPlan& p, const ModelInfo& m) {
    const auto& q = m.config.quantization;
    if (q.method == QuantMethod::Awq) {
        checkAwqLayout(p, m);
        if (q.bits != 4)
            addIssue(p, Issue::Severity::Error, "marlin_unsupported",
                     m.name + " is " + std::to_string(q.bits) + "-bit AWQ: vLLM's AWQ kernels (awq_marlin and awq) run 4-bit only",
                     "quantize to 4 bits");
        else if (!marlinGroupOk(q.groupSize) || !q.zeroPoint)
            addIssue(p, Issue::Severity::Warning, "marlin_unsupported",
                     m.name + " uses " + (q.zeroPoint ? "group size " + std::to_string(q.groupSize) : std::string("no zero point")) +
                         ": awq_marlin needs 4-bit, group -1/32/64/128 and zero points, so vLLM falls back to the slow awq kernel",
                     "re-quantize with group size 128 and zero points");
    }
    // vLLM's Llama / Qwen2 / Qwen3 / Mistral loaders skip lm_head.* when tie_word_embeddings is true
    // and take the tied matrix from model.embed_tokens.weight.
    if (m.tiedEmbeddingsStoredAsLmHead)
        addIssue(p, Issue::Severity::Error, "tied_embeddings_missing",
                 m.name + " ties its embeddings (tie_word_embeddings: true) but stores the matrix only as lm_head.weight: vLLM skips " +
                     "lm_head.* for tied models and reads model.embed_tokens.weight, so it would find no embedding",
                 "store the matrix as model.embed_tokens.weight (awqbench's and AutoAWQ's quantized output does), then add that copy to the pool");
}

// The .env file Compose interpolates a compose target's file with: the target's, else the project's
// .env beside the compose file (Compose reads it by itself). The shell environment of the serving
// machine is unknown here.
fs::path composeEnvFile(const DeployTarget& t) { return !t.envFile.empty() ? t.envFile : t.composeFile.parent_path() / ".env"; }

std::string composeEnvText(const DeployTarget& t) {
    std::error_code ec;
    const fs::path envFile = composeEnvFile(t);
    return fs::is_regular_file(envFile, ec) ? readSmallFile(envFile) : std::string();
}

ComposeLookup composeVariables(const DeployTarget& t) {
    return [env = composeEnvText(t)](const std::string& var) { return envValue(env, var); };
}

// Where that .env file sets a variable (non-empty): "ENV line N".
VariableWhere composeVariableWhere(const DeployTarget& t) {
    return [env = composeEnvText(t), file = composeEnvFile(t)](const std::string& var) -> std::optional<std::string> {
        const auto value = envValue(env, var);
        const auto line = envAssignmentLine(env, var);
        if (!value || value->empty() || !line) return std::nullopt;
        return file.string() + " line " + std::to_string(*line);
    };
}

// The host-to-container mappings in force for a target: its own, else (compose) the bind mounts of
// the service that uses the path variable, interpolated with the values of the target's .env file
// (or the project's .env, which Compose reads by itself).
std::vector<PathMapping> pathMappingsOf(const DeployTarget& t) {
    if (!t.containerPaths.empty() || t.kind != TargetKind::Compose) return t.containerPaths;
    return composeBindMounts(readSmallFile(t.composeFile), t.composeFile.parent_path(), t.pathVariable, composeVariables(t));
}

// The model path vLLM opens: the pool copy as the container sees it. Compose targets run vLLM in a
// container, so the target's own mappings or the compose service's bind mounts translate the path;
// a path no mapping covers is written as it is, with a warning.
void mapToContainer(PromotionPlan& p, const DeployTarget& t) {
    if (t.containerPaths.empty() && t.kind != TargetKind::Compose) return;  // vllm serve on the host: host paths are right
    std::error_code ec;
    if (t.containerPaths.empty() && !fs::exists(t.composeFile, ec)) return;  // reported as target_file_missing
    const std::vector<PathMapping> mappings = pathMappingsOf(t);
    const std::string source = t.containerPaths.empty() ? t.composeFile.string() + "'s volumes" : "the target's container paths";
    if (const auto inside = containerPathFor(mappings, p.model)) {
        p.serve.model = inside->string();
        return;
    }
    std::string mounts;
    for (const auto& mp : mappings) mounts += (mounts.empty() ? "" : ", ") + pathMappingText(mp);
    addIssue(p, Issue::Severity::Warning, "model_path_not_in_container",
             p.model.string() + " is not visible inside the container (" + source + ": " + (mounts.empty() ? "no bind mounts" : mounts) +
                 "); the host path is written as it is",
             "mount the warm pool into the service (volumes: - " + p.model.parent_path().string() +
                 ":/models:ro) or tell awqbench where it is mounted: " +
                 replaceTargetCommand(t, [&](DeployTarget& r) { r.containerPaths.push_back({p.model.parent_path(), "/models"}); }) +
                 " (with the folder the container sees the pool as, if not /models)");
}

// Why the promotion writes another value than the one a vLLM config's owner chose: the target sets
// it (a flag), or the model cannot run with it. Shown as setting_replaced; a chosen value without
// an override is kept.
struct Override {
    std::string why;
    std::string fix;
};
using Overrides = std::map<std::string, Override>;

// The dtypes vLLM takes (--dtype choices) that run `m`. AWQ: awq_marlin computes in float16 or
// bfloat16 (its get_supported_act_dtypes), the `awq` kernel it falls back to in float16 only (auto
// lets vLLM pick); any other model runs in each of them.
bool dtypeRuns(const ModelInfo& m, const std::string& dtype) {
    if (m.config.quantization.method == QuantMethod::Awq)
        return dtype == "auto" || dtype == "float16" || dtype == "half" || (dtype == "bfloat16" && marlinRuns(m.config.quantization));
    for (const char* known : {"auto", "half", "float16", "bfloat16", "float", "float32"})
        if (dtype == known) return true;
    return false;
}

// config.json's dtype key as the file spells it (`dtype` in newer transformers, `torch_dtype` before).
std::string dtypeSource(const ModelInfo& m) {
    return m.config.dtypeKey.empty() ? "config.json declares no dtype" : "config.json " + m.config.dtypeKey + ": " + m.config.dtype;
}

// A setting of a vLLM config that the target can set too: one row of planServe's table. The file's
// value is kept unless the target sets it (`flag`) or `whyNot` says why the model cannot run with it.
struct KeepableSetting {
    std::string key;                    // canonical key ("max-model-len")
    std::string flag;                   // the target's flag ("--max-model-len")
    std::string targetValue;            // the target's value as the flag takes it; "" = the target leaves it to the file
    std::string unsetHint;              // how to leave it to the file ("leave it unset")
    std::function<std::optional<double>(const std::string&)> parse;  // the file's text as vLLM reads it; nullopt: not a number
    // Why the model cannot keep the value ("" = it can); the value is nullopt when it does not parse.
    std::function<std::string(std::optional<double>, const std::string&)> whyNot;
    std::optional<double>* kept;        // where planServe wants the kept value
};

// The file's own value of `row` when it is kept; otherwise (a value the owner chose) the reason is
// recorded in `overrides` for the setting_replaced warning.
std::optional<double> keptValue(const KeepableSetting& row, const HandSetSettings& hand, Overrides& overrides) {
    const auto chosen = hand.text(row.key);
    if (!chosen) return std::nullopt;
    if (!row.targetValue.empty()) {
        overrides[row.key] = {"the target sets " + row.flag + " " + row.targetValue,
                              "to keep the file's value, set the target's " + row.flag + " to it, or " + row.unsetHint};
        return std::nullopt;
    }
    const auto value = row.parse(*chosen);
    if (std::string why = row.whyNot(value, *chosen); !why.empty()) {
        overrides[row.key] = {std::move(why), ""};
        return std::nullopt;
    }
    return value;
}

void planDtype(PromotionPlan& p, const ModelInfo& m, const HandSetSettings& hand, Overrides& overrides) {
    const auto& c = m.config;
    auto& s = p.serve;
    if (c.quantization.method == QuantMethod::Awq) s.dtype = "float16";  // AWQ kernels compute in fp16
    else if (c.dtype == "bfloat16" || c.dtype == "float16" || c.dtype == "float32") s.dtype = c.dtype;
    else s.dtype = "auto";
    const auto chosen = hand.text("dtype");
    if (!chosen) return;
    if (dtypeRuns(m, *chosen)) {
        s.dtype = *chosen;
        p.kept.push_back({"dtype", *chosen});
        // The target's GPU is not known here: kept, and what an older one does is said.
        if (c.quantization.method == QuantMethod::Awq && *chosen == "bfloat16")
            p.notes.push_back("dtype bfloat16 is kept for " + m.name + ": vLLM runs AWQ in bfloat16 with awq_marlin, on GPUs of compute "
                              "capability 8.0 or newer (Ampere, Ada, Hopper); on an older GPU (a T4) vLLM has only the `awq` kernel, which "
                              "computes in float16, and refuses to start with bfloat16: set dtype: float16 for such a GPU");
    } else if (c.quantization.method == QuantMethod::Awq) {
        overrides["dtype"] = {*chosen == "bfloat16" ? "awq_marlin cannot run " + m.name + " (see marlin_unsupported) and the `awq` kernel "
                                                      "vLLM falls back to computes in float16 only; vLLM cannot run it in bfloat16"
                                                    : "vLLM's AWQ kernels compute in float16 or bfloat16; vLLM cannot run " + m.name + " in " + *chosen,
                              ""};
    } else {
        overrides["dtype"] = {*chosen + " is not a dtype vLLM takes; " + dtypeSource(m), ""};
    }
}

void planServe(PromotionPlan& p, const DeployTarget& t, const ModelInfo& m, const PlanOptions& o, const HandSetSettings& hand,
               Overrides& overrides) {
    const auto& c = m.config;
    auto& s = p.serve;
    s.model = p.model.string();
    s.servedModelName = pool::servedModelName(p.model);  // a hub model keeps its ORG/NAME; `serve` lists the same name
    planDtype(p, m, hand, overrides);

    const int gpus = std::max(1, t.gpuCount);
    const std::uint64_t gpuBytes = t.gpuMemoryBytes ? t.gpuMemoryBytes : o.detectedGpuMemoryBytes;
    // vLLM's own default context: rope scaling (yarn, linear, dynamic) extends max_position_embeddings.
    // A longer max-model-len set on the target is cut to it: vLLM refuses to start with one (unless
    // VLLM_ALLOW_LONG_MAX_MODEL_LEN=1, which its docs say may give wrong output).
    const int derived = vllmDerivedMaxModelLen(c);
    const std::string contextSource = c.maxPositionsDefaulted ? "no max_position_embeddings: the " + c.architectureClass + " default"
                                                              : "max_position_embeddings " + std::to_string(c.maxPositions);
    int asked = t.maxModelLen;
    if (asked > derived) {
        addIssue(p, Issue::Severity::Warning, "max_model_len_cut",
                 "max-model-len cut to " + std::to_string(derived) + " tokens: the target asks for " + std::to_string(asked) + ", longer than " +
                     m.name + "'s context of " + std::to_string(derived) + " tokens (" + (m.folder / "config.json").string() + ": " + contextSource +
                     (c.rope.type == "default" ? std::string() : ", rope " + c.rope.type) + "), which vLLM refuses to exceed",
                 "lower the target's max-model-len (" +
                     replaceTargetCommand(t, [&](DeployTarget& r) { r.maxModelLen = derived; }) + ") or leave it unset to use the model's own");
        asked = derived;
    }

    // The file's own values, each kept when the target does not set it and the model runs with it
    // (one row per setting, in order: a later row's check reads the values kept before it).
    std::optional<double> keptShare, keptContext, keptTp;
    const auto share = [&] { return t.gpuMemoryUtilization > 0 ? t.gpuMemoryUtilization : keptShare.value_or(0.90); };
    const auto contextNow = [&] { return asked > 0 ? asked : keptContext ? int(*keptContext) : derived; };
    const auto fits = [&](int tp) { return gpuBytes == 0 || perGpuPlan(m, tp, gpuBytes, share(), contextNow()).weightsFit; };
    const auto tokens = [](const std::string& v) -> std::optional<double> {
        const auto n = vllmHumanReadableInt(v);
        return n ? std::optional<double>(double(*n)) : std::nullopt;
    };
    const KeepableSetting rows[] = {
        {"gpu-memory-utilization", "--gpu-util", t.gpuMemoryUtilization > 0 ? trimmedDouble(t.gpuMemoryUtilization) : "", "0 to leave the file's own",
         [&](const std::string&) { return hand.number("gpu-memory-utilization"); },
         [](std::optional<double> v, const std::string&) -> std::string {
             return v && *v > 0 && *v <= 1 ? "" : "not a share in (0, 1] that vLLM takes";
         },
         &keptShare},
        {"max-model-len", "--max-model-len", t.maxModelLen > 0 ? std::to_string(t.maxModelLen) : "", "leave it unset", tokens,
         [&](std::optional<double> v, const std::string&) -> std::string {
             if (!v || *v < 1) return "not a length vLLM takes";
             if (*v > derived)
                 return "longer than " + m.name + "'s context of " + std::to_string(derived) + " tokens (config.json " + contextSource +
                        "), which vLLM refuses to exceed";
             return "";
         },
         &keptContext},
        {"tensor-parallel-size", "--tp", t.tensorParallelSize > 0 ? std::to_string(t.tensorParallelSize) : "", "leave it unset", tokens,
         [&](std::optional<double> v, const std::string& text) -> std::string {
             // --gpus not given: the file's own size says how many GPUs vLLM gets.
             if (!v || *v < 1 || *v > (t.gpuCount > 0 ? gpus : 4096)) return "not a size the target's " + format::counted(gpus, "GPU") + " can run";
             if (!tensorParallelSplits(c, int(*v))) return "it does not split " + m.name + "'s heads or quantization groups evenly";
             if (!fits(int(*v))) return m.name + " does not fit at tensor-parallel size " + text;
             return "";
         },
         &keptTp},
    };
    for (const auto& row : rows) *row.kept = keptValue(row, hand, overrides);

    // gpu-memory-utilization: the target's when it sets one, else the file's own, else vLLM's 0.9.
    s.gpuMemoryUtilization = share();
    if (t.gpuMemoryUtilization <= 0 && keptShare) p.kept.push_back({"gpu-memory-utilization", trimmedDouble(*keptShare)});
    const int chosenContext = keptContext ? int(*keptContext) : 0;
    const int chosenTp = keptTp ? int(*keptTp) : 0;
    const int context = contextNow();

    if (t.tensorParallelSize > 0) {
        s.tensorParallelSize = t.tensorParallelSize;
        if (t.gpuCount > 0 && t.tensorParallelSize > gpus)
            addIssue(p, Issue::Severity::Error, "tensor_parallel_fit",
                     "tensor-parallel size " + std::to_string(t.tensorParallelSize) + " needs more GPUs than the target has (" +
                         std::to_string(gpus) + ")",
                     "lower the tensor-parallel size or raise the target's GPU count");
    } else if (chosenTp > 0) {
        s.tensorParallelSize = chosenTp;
        p.kept.push_back({"tensor-parallel-size", std::to_string(chosenTp)});
    } else {
        int chosen = 0, firstValid = 0;
        for (int tp = 1; tp <= gpus; tp *= 2) {
            if (!tensorParallelSplits(c, tp)) continue;
            if (!firstValid) firstValid = tp;
            if (fits(tp)) {
                chosen = tp;
                break;
            }
        }
        s.tensorParallelSize = chosen ? chosen : (firstValid ? firstValid : 1);
        if (!chosen && firstValid) {
            int largest = firstValid;
            for (int tp = firstValid; tp <= gpus; tp *= 2)
                if (tensorParallelSplits(c, tp)) largest = tp;
            s.tensorParallelSize = largest;
        }
    }
    const int tp = s.tensorParallelSize;
    checkTensorParallelSplit(p, m, tp, "tensor-parallel size " + std::to_string(tp));

    const auto keepContext = [&] {
        if (chosenContext > 0 && s.maxModelLen == chosenContext) p.kept.push_back({"max-model-len", std::to_string(chosenContext)});
    };
    if (gpuBytes == 0) {
        s.maxModelLen = context;
        keepContext();
        addIssue(p, Issue::Severity::Warning, "fit_unknown", "GPU memory unknown (no GPU detected, none set on the target): fit not checked",
                 "set the target's GPU memory (e.g. --gpu-memory 24GiB)");
        return;
    }
    const MemoryPlan plan = perGpuPlan(m, tp, gpuBytes, s.gpuMemoryUtilization, context);
    if (!plan.weightsFit) {
        s.maxModelLen = context;
        const std::string ofCard = trimmedDouble(s.gpuMemoryUtilization * 100) + "% of a " + memorySize(gpuBytes) + " GPU";
        // More GPUs split the weights, never the overhead each of them has.
        if (plan.budgetBytes <= MemoryPlanInput{}.overheadBytes)
            addIssue(p, Issue::Severity::Error, "tensor_parallel_fit",
                     "the 1 GiB runtime overhead each GPU needs (CUDA context, activations) alone does not fit in " + ofCard +
                         " (budget " + memorySize(plan.budgetBytes) + "), whatever the model",
                     "serve on a card with more memory (set the target's --gpu-memory to the card's size), or raise --gpu-util");
        else
            addIssue(p, Issue::Severity::Error, "tensor_parallel_fit",
                     m.name + "'s weights (" + memorySize(plan.weightBytes) + " per GPU at tensor-parallel " + std::to_string(tp) +
                         ") and 1 GiB runtime overhead do not fit in " + ofCard,
                     "use more GPUs (tensor parallel), a larger card, or a smaller / quantized model");
        return;
    }
    const std::int64_t fitTokens = plan.tokensThatFit;
    if (asked > 0) {
        s.maxModelLen = asked;
        if (fitTokens < asked)
            addIssue(p, Issue::Severity::Error, "tensor_parallel_fit",
                     "the KV cache of one " + std::to_string(asked) + "-token sequence does not fit (room for " +
                         std::to_string(fitTokens) + " tokens per GPU)",
                     "lower max-model-len, raise gpu-memory-utilization or use more GPUs");
    } else {
        s.maxModelLen = context;
        if (fitTokens < s.maxModelLen) {
            s.maxModelLen = int(fitTokens / 16 * 16);
            if (chosenContext > 0)
                overrides["max-model-len"] = {"the KV cache of a " + std::to_string(chosenContext) + "-token sequence does not fit (room for " +
                                                  std::to_string(fitTokens) + " tokens per GPU)",
                                              ""};
            if (s.maxModelLen < 16)
                addIssue(p, Issue::Severity::Error, "tensor_parallel_fit", "no room left for the KV cache on a " + memorySize(gpuBytes) + " GPU",
                         "use more GPUs, a larger card, or a smaller model");
            else
                addIssue(p, Issue::Severity::Warning, "max_model_len_cut",
                         "max-model-len cut to " + std::to_string(s.maxModelLen) + " tokens (of " + std::to_string(context) +
                             "): the KV cache of a longer sequence does not fit",
                         "");
        }
        keepContext();
    }
}

void addChange(PromotionPlan& p, const fs::path& file, bool existed, std::string before, std::string after) {
    if (existed && before == after) return;
    FileChange c;
    c.file = file;
    c.existed = existed;
    const std::string shown = file.is_absolute() ? file.string() : "/" + file.string();  // a/PATH, b/PATH as git shows them
    c.diff = unifiedDiff(before, after, existed ? "a" + shown : "/dev/null", "b" + shown);
    if (c.diff.empty()) c.diff = "--- /dev/null\n+++ b" + shown + "\n(new empty file)\n";
    c.before = std::move(before);
    c.after = std::move(after);
    p.changes.push_back(std::move(c));
}

// Reads a target file; a missing one is either an error (required) or starts empty.
bool readTargetFile(PromotionPlan& p, const fs::path& file, bool required, std::string& text) {
    std::error_code ec;
    if (!fs::exists(file, ec)) {
        if (required)
            addIssue(p, Issue::Severity::Error, "target_file_missing", file.string() + " does not exist", "fix the path in the target");
        text.clear();
        return false;
    }
    text = readSmallFile(file);
    return true;
}

// Compose reads the project's .env beside the compose file by itself: a variable set there wins over
// the ${VAR:-default} the promotion writes, which would then change nothing.
void checkDefaultsNotOverridden(PromotionPlan& p, const DeployTarget& t) {
    const fs::path projectEnv = t.composeFile.parent_path() / ".env";
    const ComposeLookup variables = composeVariables(t);
    const VariableWhere whereSet = composeVariableWhere(t);
    for (const auto* var : {&t.pathVariable, &t.nameVariable}) {
        const auto value = variables(*var);
        if (!value || value->empty()) continue;
        addIssue(p, var == &t.pathVariable ? Issue::Severity::Error : Issue::Severity::Warning, "default_overridden",
                 whereSet(*var).value_or(projectEnv.string()) + " sets " + *var + "=" + *value + ", which Compose uses instead of the ${" + *var +
                     ":-...} default in " + t.composeFile.string() + ": changing the default changes nothing",
                 "give the target that .env file (" + replaceTargetCommand(t, [&](DeployTarget& r) { r.envFile = projectEnv; }) + ")");
    }
}

// Whether a service lists the target's .env file under `env_file:` (then its variables are in the
// container's environment, where a script in it may read them).
bool serviceReadsEnvFile(const DeployTarget& t, const std::string& compose) {
    if (t.envFile.empty()) return false;
    const auto listed = composeEnvFiles(compose, t.composeFile.parent_path(), composeVariables(t));
    return std::any_of(listed.begin(), listed.end(), [&](const fs::path& f) {
        std::error_code ec;
        return f == fs::absolute(t.envFile).lexically_normal() || fs::equivalent(f, t.envFile, ec);
    });
}

// Whether the target's .env file is the project's, beside the compose file (Compose interpolates with it).
bool isProjectEnv(const DeployTarget& t) {
    std::error_code ec;
    const fs::path project = t.composeFile.parent_path() / ".env";
    return fs::absolute(t.envFile).lexically_normal() == fs::absolute(project).lexically_normal() || fs::equivalent(t.envFile, project, ec);
}

// What the compose file's references to the target's variables allow (checkTargetFiles).
std::vector<Issue> composeVariableIssues(const DeployTarget& t, const std::string& compose) {
    std::vector<Issue> issues;
    const std::string file = t.composeFile.string();
    const bool envReadByService = serviceReadsEnvFile(t, compose);
    for (const auto* var : {&t.pathVariable, &t.nameVariable}) {
        const bool isPath = var == &t.pathVariable;
        const auto severity = isPath ? Issue::Severity::Error : Issue::Severity::Warning;
        const auto refs = findComposeReferences(compose, *var);
        const std::string effect = isPath ? "promoting would not change the model it serves" : "promoting leaves the served name as it is";
        const std::string fix = isPath ? "write the model path as ${" + *var + ":-/path} in the service (volumes or command), or name the "
                                         "variable it uses (--path-var)"
                                       : "write the served name as ${" + *var + ":-name} in the command, or name the variable it uses (--name-var)";
        if (refs.empty() && t.envFile.empty())
            issues.push_back({severity, "variable_unused", file + " never uses $" + *var + " and the target has no .env file: " + effect, fix});
        else if (refs.empty() && envReadByService)  // the service may read the variable itself (a script in it)
            issues.push_back({Issue::Severity::Warning, "variable_unused",
                              file + " never uses $" + *var + ": the value set in " + t.envFile.string() +
                                  " reaches the service through env_file: only, so only a program in the container that reads $" + *var +
                                  " sees it",
                              fix});
        else if (refs.empty())  // nothing reads the value the promotion would write
            issues.push_back({severity, "variable_unused",
                              file + " never uses $" + *var + ", and no service reads " + t.envFile.string() + " (no env_file: lists it; " +
                                  (isProjectEnv(t) ? std::string("Compose reads this project .env only to interpolate the compose file)")
                                                   : "Compose interpolates the compose file with the project's .env beside it, not this one)") +
                                  ": the value set there reaches nothing, so " + effect,
                              fix + ", or list " + t.envFile.string() + " under the service's env_file:"});
        else if (t.envFile.empty() && std::none_of(refs.begin(), refs.end(), [](const ComposeReference& r) { return r.hasDefault(); }))
            issues.push_back({severity, "no_default", file + " has no ${" + *var + ":-...} default to set and the target has no .env file: " + effect,
                              "write it as ${" + *var + ":-...} in the compose file, or give the target an .env file (--env)"});
    }
    return issues;
}

void planCompose(PromotionPlan& p, const DeployTarget& t, const ModelInfo& m) {
    std::string compose;
    if (!readTargetFile(p, t.composeFile, true, compose)) return;
    for (auto& issue : composeVariableIssues(t, compose)) p.issues.push_back(std::move(issue));
    const std::string& modelPath = p.serve.model;
    const std::string& name = p.serve.servedModelName;
    if (!t.envFile.empty()) {
        std::string env;
        const bool existed = readTargetFile(p, t.envFile, false, env);
        checkForcedKernel(p, m, t.composeFile, compose, false);
        checkForcedKernel(p, m, t.envFile, env, false);
        checkInterpolatedForcedKernel(p, m, t.composeFile, compose, composeVariables(t), composeVariableWhere(t));
        const ComposeLookup variables = composeVariables(t);
        ServeSettings shown = p.serve;
        checkCommandFlags(p, m, t.composeFile, compose, variables, composeVariableWhere(t), shown);
        checkCommandFlags(p, m, t.envFile, env, variables, composeVariableWhere(t), shown);  // after the compose file's
        p.command = vllmCommandLine(shown);
        addChange(p, t.envFile, existed, env, setEnvValue(setEnvValue(env, t.pathVariable, modelPath), t.nameVariable, name));
        // The .env value reaches a string-form command through ${VAR}: Compose splits it there.
        try {
            addChange(p, t.composeFile, true, compose,
                      quoteWhereComposeSplits(quoteWhereComposeSplits(compose, t.pathVariable, modelPath), t.nameVariable, name));
        } catch (const Error& e) {
            addIssue(p, Issue::Severity::Error, "value_not_writable", e);
        }
        return;
    }
    checkForcedKernel(p, m, t.composeFile, compose, false);
    checkInterpolatedForcedKernel(p, m, t.composeFile, compose, composeVariables(t), composeVariableWhere(t));
    ServeSettings shown = p.serve;
    checkCommandFlags(p, m, t.composeFile, compose, composeVariables(t), composeVariableWhere(t), shown);
    p.command = vllmCommandLine(shown);
    checkDefaultsNotOverridden(p, t);
    std::optional<std::string> withPath, withName;
    try {
        withPath = setComposeDefault(compose, t.pathVariable, modelPath);
        if (withPath) withName = setComposeDefault(*withPath, t.nameVariable, name);
    } catch (const Error& e) {
        addIssue(p, Issue::Severity::Error, "value_not_writable", e);
        return;
    }
    if (!withPath) return;   // composeVariableIssues said why
    addChange(p, t.composeFile, true, compose, withName ? *withName : *withPath);
}

// Whether the command file names the config relative to itself ("$(dirname "$0")"/serve.yaml): it
// does when the two share a folder, which then holds wherever that folder is mounted.
bool commandFileNamesConfigBesideIt(const DeployTarget& t) {
    return !t.commandFile.empty() && t.vllmConfig.parent_path() == t.commandFile.parent_path();
}

// The vLLM config's path where vLLM runs: inside the container through the target's container paths
// (the model path is written so too), else the host path. A config no mapping covers is named as
// the host sees it, with a warning that says which written line names it how: the equivalent command
// line (and a command file elsewhere) has the host path, which the container lacks; a command file
// beside the config names it relative to itself, which works in the container only where their
// folder is mounted (a mount the target does not record, or none).
std::string configPathAsRun(PromotionPlan& p, const DeployTarget& t) {
    if (t.containerPaths.empty()) return t.vllmConfig.string();
    if (const auto inside = containerPathFor(t.containerPaths, t.vllmConfig)) return inside->string();
    std::string mounts;
    for (const auto& mp : t.containerPaths) mounts += (mounts.empty() ? "" : ", ") + pathMappingText(mp);
    const std::string notInside = t.vllmConfig.string() + " is not inside the target's container paths (" + mounts + "): ";
    if (commandFileNamesConfigBesideIt(t)) {
        const fs::path folder = t.vllmConfig.parent_path();
        addIssue(p, Issue::Severity::Warning, "config_not_in_container",
                 notInside + t.commandFile.string() + " names it relative to itself (`vllm serve --config \"$(dirname \"$0\")\"/" +
                     shellQuoted(t.vllmConfig.filename().string()) + "`), so the script finds it in the container only if " +
                     folder.string() + " (which holds both) is mounted there; the equivalent command line names the host path, "
                     "which the container does not have",
                 "mount " + folder.string() + " in vLLM's container and add that mapping (the command line then names the config there): " +
                     replaceTargetCommand(t, [&](DeployTarget& r) { r.containerPaths.push_back({folder, "/CONTAINER"}); }));
    } else {
        addIssue(p, Issue::Severity::Warning, "config_not_in_container",
                 notInside + (t.commandFile.empty() ? "the equivalent command line names" : "the equivalent command line and " + t.commandFile.string() + " name") +
                     " it by its host path, where `vllm serve --config` in the container would not find it",
                 "keep the vLLM config in a mounted folder (or mount its folder) and add that mapping: " +
                     replaceTargetCommand(t, [](DeployTarget& r) { r.containerPaths.push_back({"/HOST", "/CONTAINER"}); }));
    }
    return t.vllmConfig.string();
}

// The command file's serve line: `vllm serve --config FILE`, so that vLLM reads every key of the
// YAML itself (a list of flags lost the port and prefix caching, and no rebuilt list matches vLLM's
// own reading of false booleans and nested configs across its versions). A config beside the script
// is named relative to the script's own folder, which holds wherever the two are mounted together.
std::string commandFileServeLine(PromotionPlan& p, const DeployTarget& t) {
    if (commandFileNamesConfigBesideIt(t))
        return "vllm serve --config \"$(dirname \"$0\")\"/" + shellQuoted(t.vllmConfig.filename().string());
    return p.command;
}

// Replaces the script's first `vllm serve` / `exec vllm serve` line (the rest of the script stays),
// appends one when there is none, or writes a new script.
void planCommandFile(PromotionPlan& p, const DeployTarget& t, const ModelInfo& m) {
    std::string script;
    const bool scriptExisted = readTargetFile(p, t.commandFile, false, script);
    checkForcedKernel(p, m, t.commandFile, script, false);
    const std::string serve = commandFileServeLine(p, t);
    std::string updated;
    bool replaced = false;
    std::istringstream in(script);
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(" \t");
        const std::string body = first == std::string::npos ? "" : line.substr(first);
        if (!replaced && (body.rfind("vllm serve", 0) == 0 || body.rfind("exec vllm serve", 0) == 0)) {
            line = line.substr(0, first) + (body.rfind("exec ", 0) == 0 ? "exec " : "") + serve;
            replaced = true;
        }
        updated += line + "\n";
    }
    if (!scriptExisted)
        updated = "#!/bin/sh\n# vLLM serve command, written by awqbench (see `awqbench-cli promote`): vLLM reads its settings from " +
                  t.vllmConfig.filename().string() + ".\nexec " + serve + "\n";
    else if (!replaced) updated += "exec " + serve + "\n";
    if (scriptExisted && !script.empty() && script.back() != '\n') updated.pop_back();
    addChange(p, t.commandFile, scriptExisted, script, updated);
}

// A setting the file's owner chose that the promotion replaces: a warning saying why (the target
// sets it, or the model cannot run with it), since otherwise only the diff shows it (0.85 -> 0.9 is
// the same key, easy to miss). Values the last promotion computed itself change without a word.
void warnIfReplaced(PromotionPlan& p, const DeployTarget& t, const std::string& yaml, const HandSetSettings& hand, const Overrides& overrides,
                    const std::string& key, const std::string& value) {
    const auto chosen = hand.text(key);
    if (!chosen || sameSettingValue(*chosen, value)) return;
    std::string spelled = key;  // as the file spells it
    for (const auto& k : yamlSpellings(key))
        if (yamlValue(yaml, {k})) {
            spelled = k;
            break;
        }
    const auto it = overrides.find(key);
    const Override o = it != overrides.end() ? it->second : Override{"the value the promotion computes for this model", ""};
    addIssue(p, Issue::Severity::Warning, "setting_replaced",
             t.vllmConfig.string() + " sets " + spelled + ": " + *chosen + "; the promotion writes " + value + " (" + o.why + ")", o.fix);
}

void planVllm(PromotionPlan& p, const DeployTarget& t, const ModelInfo& m, const HandSetSettings& hand, const Overrides& overrides) {
    std::string yaml;
    const bool existed = readTargetFile(p, t.vllmConfig, false, yaml);
    checkForcedKernel(p, m, t.vllmConfig, yaml, true);
    std::string out = yaml;
    if (yamlValue(out, {"quantization"})) {
        const auto q = *yamlValue(out, {"quantization"});
        if (q != "awq")
            addIssue(p, Issue::Severity::Warning, "quantization_removed",
                     t.vllmConfig.string() + " set quantization: " + q + "; the promotion comments it out so vLLM detects it from the model", "");
        out = commentOutYamlKey(out, {"quantization"}, "awqbench: vLLM detects the quantization from the model (awq_marlin for AWQ)");
    }
    const auto& s = p.serve;
    warnIfReplaced(p, t, yaml, hand, overrides, "dtype", s.dtype);
    warnIfReplaced(p, t, yaml, hand, overrides, "max-model-len", std::to_string(s.maxModelLen));
    warnIfReplaced(p, t, yaml, hand, overrides, "gpu-memory-utilization", trimmedDouble(s.gpuMemoryUtilization));
    warnIfReplaced(p, t, yaml, hand, overrides, "tensor-parallel-size", std::to_string(s.tensorParallelSize));
    // vLLM serves every name of a served-model-name list; the promotion writes one.
    if (const auto names = yamlListValues(yaml, {"served-model-name", "served_model_name"}); names.size() > 1) {
        std::string dropped;
        for (std::size_t i = 1; i < names.size(); ++i) dropped += (i > 1 ? ", " : "") + names[i];
        addIssue(p, Issue::Severity::Warning, "served_names_dropped",
                 t.vllmConfig.string() + " serves the model under " + std::to_string(names.size()) + " names (" + names.front() + ", " + dropped +
                     "); the promotion writes one, " + s.servedModelName + ": clients that ask for " + dropped + " get 404 model not found",
                 "to keep serving those names for the new model, list them again after promoting: served-model-name: [" + s.servedModelName +
                     ", " + dropped + "]");
    }
    out = setYamlValue(out, {"model"}, s.model, true);
    out = setYamlValue(out, {"served-model-name", "served_model_name"}, s.servedModelName, true);
    // A kept setting's line stays as it is, quotes and all (the value is the file's own).
    const auto set = [&](const std::string& key, const std::string& value, bool quoteAsString) {
        if (std::none_of(p.kept.begin(), p.kept.end(), [&](const KeptSetting& k) { return k.key == key; }))
            out = setYamlValue(out, yamlSpellings(key), value, quoteAsString);
    };
    set("dtype", s.dtype, true);
    set("max-model-len", std::to_string(s.maxModelLen), false);
    set("gpu-memory-utilization", trimmedDouble(s.gpuMemoryUtilization), false);
    set("tensor-parallel-size", std::to_string(s.tensorParallelSize), false);
    addChange(p, t.vllmConfig, existed, yaml, out);

    p.command = "vllm serve --config " + shellQuoted(configPathAsRun(p, t));
    if (!t.commandFile.empty()) planCommandFile(p, t, m);
}

// A first-format deploy.json stored 0.9 for every target (deploy_settings.h): loaded as not set. Said
// where that changes the outcome, i.e. where the vLLM config's own other value is kept (it would
// have been replaced by 0.9 before).
void noteOldDefaultGpuUtil(PromotionPlan& p, const DeployTarget& t) {
    if (!t.gpuMemoryUtilizationWasOldDefault) return;
    for (const auto& k : p.kept) {
        if (k.key != "gpu-memory-utilization" || sameSettingValue(k.value, trimmedDouble(kOldDefaultGpuMemoryUtilization))) continue;
        p.notes.push_back("the deployment settings (deploy.json, written before format " + std::to_string(kSettingsFormat) +
                          ") store gpu_memory_utilization 0.9 for target " + t.name +
                          ", the default they saved for every target that did not set one: taken as not set, so " + t.vllmConfig.string() +
                          "'s own " + k.value + " is kept (to write 0.9, set it: " + replaceTargetCommand(t, [](DeployTarget& r) { r.gpuMemoryUtilization = 0.9; }) + ")");
    }
}

}  // namespace

std::map<std::string, std::string> vllmSettingValues(const ServeSettings& s) {
    return {{"dtype", s.dtype},
            {"max-model-len", std::to_string(s.maxModelLen)},
            {"gpu-memory-utilization", trimmedDouble(s.gpuMemoryUtilization)},
            {"tensor-parallel-size", std::to_string(s.tensorParallelSize)}};
}

std::string vllmCommandLine(const ServeSettings& s) {
    return "vllm serve " + shellQuoted(s.model) + " --served-model-name " + shellQuoted(s.servedModelName) + " --dtype " + s.dtype +
           " --max-model-len " + std::to_string(s.maxModelLen) + " --gpu-memory-utilization " + trimmedDouble(s.gpuMemoryUtilization) +
           " --tensor-parallel-size " + std::to_string(s.tensorParallelSize);
}

std::vector<Issue> checkTargetFiles(const DeployTarget& target) {
    if (target.kind != TargetKind::Compose) return {};
    return composeVariableIssues(target, readSmallFile(target.composeFile));
}

PromotionPlan planPromotion(const DeployTarget& target, const fs::path& model, const PlanOptions& options) {
    PromotionPlan p;
    p.target = target.name;
    p.kind = target.kind;
    std::error_code ec;
    p.model = fs::weakly_canonical(fs::absolute(model, ec), ec);

    if (options.pool.empty())
        addIssue(p, Issue::Severity::Error, "outside_pool", "no warm pool is configured: deployments serve models from the pool",
                 "set the warm pool (--pool DIR, or Settings) and add the model to it");
    else if (fs::path poolReal = fs::weakly_canonical(fs::absolute(options.pool, ec), ec);
             !pool::isInsidePool(options.pool, p.model) || p.model.parent_path() != (poolReal.has_filename() ? poolReal : poolReal.parent_path()))
        addIssue(p, Issue::Severity::Error, "outside_pool", p.model.string() + " is not a model in the warm pool " + options.pool.string(),
                 "add it to the pool first (`awqbench-cli pool add`), then promote the pool copy");

    // The copy vLLM will load must still be what was added (a file edited or truncated in the pool
    // went unnoticed: `pool verify` said FAILED, promotion went ahead). Sizes and times, the last
    // verify's recorded result, and the hash of files written since: not the whole model's bytes.
    if (!p.blocked()) {
        try {
            if (!pool::checkPoolCopyBeforeServing(p.model).hasManifest)
                addIssue(p, Issue::Severity::Warning, "pool_copy_unverified",
                         p.model.string() + " has no " + pool::kManifestName + " (it was not added with `pool add`): nothing to check the copy against",
                         "add the model with `awqbench-cli pool add`, which verifies the copy and records its files");
        } catch (const Error& e) {
            addIssue(p, Issue::Severity::Error, "pool_copy_changed", e);
        }
    }

    ModelInfo m;
    try {
        m = describeModel(p.model);
    } catch (const Error& e) {
        addIssue(p, Issue::Severity::Error, "model_unreadable", e);
        return p;
    }

    const auto& q = m.config.quantization;
    checkVllmLoads(p, m);

    if (!target.pairedModel.empty() && q.method != QuantMethod::None) {
        const std::string recorded = recordedSourceFingerprint(p.model);
        if (recorded.empty()) {
            addIssue(p, Issue::Severity::Warning, "pairing_unchecked",
                     m.name + " has no awqbench_quantization.json: cannot check it comes from " + target.pairedModel.string(),
                     "quantize the paired FP16 model with awqbench to record its source");
        } else {
            try {
                const ModelInfo paired = describeModel(target.pairedModel);
                if (paired.fingerprint != recorded)
                    addIssue(p, Issue::Severity::Error, "source_fingerprint_mismatch",
                             m.name + " was quantized from a model with fingerprint " + recorded.substr(0, 16) + "…, not from the paired FP16 model " +
                                 paired.name + " (" + paired.fingerprint.substr(0, 16) + "…): adapters and probes trained on one do not transfer",
                             "promote an AWQ model quantized from " + paired.name + ", or change the target's paired model");
            } catch (const Error& e) {
                addIssue(p, Issue::Severity::Error, "source_fingerprint_mismatch", e, "cannot read the paired model: ");
            }
        }
    }

    // A vLLM config's own settings: kept where its owner chose them (core/deploy/hand_set_settings.h).
    HandSetSettings hand;
    Overrides overrides;
    if (target.kind == TargetKind::Vllm) {
        std::error_code exists;
        try {
            if (fs::exists(target.vllmConfig, exists)) hand = handSetVllmSettings(target.name, readSmallFile(target.vllmConfig), options.stateDir);
        } catch (const Error& e) {
            addIssue(p, Issue::Severity::Error, "target_file_missing", e);
        }
    }
    planServe(p, target, m, options, hand, overrides);
    noteOldDefaultGpuUtil(p, target);
    try {
        mapToContainer(p, target);
    } catch (const Error& e) {
        addIssue(p, Issue::Severity::Error, "target_file_missing", e);
    }
    p.command = vllmCommandLine(p.serve);
    try {
        if (target.kind == TargetKind::Compose) planCompose(p, target, m);
        else planVllm(p, target, m, hand, overrides);
    } catch (const Error& e) {
        addIssue(p, Issue::Severity::Error, "target_file_missing", e);
    }
    // A refused promotion writes nothing, so it has no command line and no diff to show: they held
    // the refused values (a tensor-parallel size that does not fit, the changed pool copy's path)
    // as if they were what to start vLLM with and to write. The errors name those values.
    if (p.blocked()) {
        p.command.clear();
        p.changes.clear();
    }
    return p;
}

namespace {

// A compose file that never uses the path variable still serves a model: the `--model X` its
// command gives (interpolated), so that `target list` shows it (it showed "-" beside a literal
// `--model /models/qwen-old`) and the pool protects it. nullopt when the command has none.
std::optional<std::string> literalComposeModel(const std::string& compose, const ComposeLookup& variables) {
    for (const auto& flag : commandFlagValues(compose, {"--model"})) {
        try {
            return interpolateCompose(flag.value, variables);
        } catch (const Error&) {
        }
    }
    return std::nullopt;
}

// A path read from a target's files, as the host sees it (the pool marks deployed models by host path).
fs::path hostPathOf(const DeployTarget& t, const fs::path& written) { return hostPathFor(pathMappingsOf(t), written).value_or(written); }

}  // namespace

std::vector<pool::DeployedRef> deployedModels(const DeploySettings& settings) {
    std::vector<pool::DeployedRef> refs;
    for (const auto& t : settings.targets) {
        try {
            std::optional<std::string> path;
            if (t.kind == TargetKind::Compose) {
                // What Compose resolves where the compose file uses the path variable: the .env value
                // when one is set, else the file's default. A variable it never uses serves nothing:
                // its literal --model does, or (read by the service through env_file:) the .env value.
                const ComposeLookup variables = composeVariables(t);
                const std::string compose = readSmallFile(t.composeFile);
                if (!findComposeReferences(compose, t.pathVariable).empty()) {
                    path = variables(t.pathVariable);
                    if (!path || path->empty()) path = composeDefault(compose, t.pathVariable, variables);
                }
                if (!path || path->empty()) path = literalComposeModel(compose, variables);
                if ((!path || path->empty()) && serviceReadsEnvFile(t, compose)) path = variables(t.pathVariable);
            } else {
                path = yamlValue(readSmallFile(t.vllmConfig), {"model"});
            }
            if (!path || path->empty()) continue;
            refs.push_back({hostPathOf(t, fs::path(*path)), t.name});
        } catch (const std::exception&) {
        }
    }
    return refs;
}

}  // namespace awq::deploy
