#include "core/model/model_info.h"

#include "core/model/gguf.h"
#include "core/model/model_files.h"
#include "core/model/safetensors.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/sha256.h"
#include "core/util/format.h"

#include <nlohmann/json.hpp>

#include <map>
#include <string_view>
#include <tuple>
#include <utility>

namespace awq {
namespace fs = std::filesystem;

namespace {

bool endsWith(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Quantized linears store 32/bits weights per int32 element; their qzeros/scales/g_idx are
// quantization metadata, not parameters.
std::uint64_t logicalParameters(const TensorInfo& t, int bits) {
    if (endsWith(t.name, ".qweight") && t.dtype == DType::I32 && bits > 0) return t.elementCount() * (32 / bits);
    if (endsWith(t.name, ".qzeros") || endsWith(t.name, ".scales") || endsWith(t.name, ".g_idx")) return 0;
    return t.elementCount();
}

// Where the chat template comes from, in the order transformers looks. Side files are read through
// the model-folder rule, so a link leaving the folder is an error here, not "no template".
std::string chatTemplateSource(const fs::path& folder) {
    if (findModelFile(folder, "chat_template.jinja")) return "chat_template.jinja";
    if (const auto text = readModelFile(folder, "tokenizer_config.json")) {
        try {
            const auto j = parseJson(*text, {folder / "tokenizer_config.json", "re-download tokenizer_config.json"});
            if (j.is_object() && j.contains("chat_template") && !j["chat_template"].is_null()) return "tokenizer_config.json";
        } catch (const std::exception&) {
            // A broken tokenizer_config.json is reported by the tokenizer; here it means "no template".
        }
    }
    if (findModelFile(folder, "chat_template.json")) return "chat_template.json";
    return {};
}

std::uint64_t folderBytes(const fs::path& folder, std::vector<std::string>& warnings) {
    std::uint64_t n = 0;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        if (!e.is_regular_file(ec)) continue;
        n += e.file_size(ec);
        const auto ext = e.path().extension();
        if (ext == ".bin" || ext == ".pt" || ext == ".pth" || ext == ".ckpt")
            warnings.push_back(e.path().filename().string() + " is a pickle file and is ignored (never unpickled)");
    }
    return n;
}

// The first layer's linears against the config's head counts and sizes: a config with a wrong or
// missing num_key_value_heads, head_dim or intermediate_size would otherwise list as fine and fail
// at the first forward pass. Output features are weight [out, in] (dense), scales [groups, out]
// (AWQ GEMM beside qweight [in, out/8], GPTQ beside qweight [in/8, out]). Per-head q/k norms
// (Qwen3's) under another architecture would be ignored by it, silently changing the output.
void checkLayerShapes(const ModelInfo& m, const TensorStore& store) {
    const auto& c = m.config;
    const fs::path where = m.folder / "config.json";
    const std::string fix = "the config does not match the weights: use the config.json that came with them";
    const std::int64_t q = std::int64_t(c.numHeads) * c.headDim, kv = std::int64_t(c.numKvHeads) * c.headDim;
    const struct {
        const char* linear;
        std::int64_t out;
        const char* what;
    } expected[] = {
        {"self_attn.q_proj", q, "num_attention_heads x head_dim"},
        {"self_attn.k_proj", kv, "num_key_value_heads x head_dim"},
        {"self_attn.v_proj", kv, "num_key_value_heads x head_dim"},
        {"self_attn.o_proj", c.hiddenSize, "hidden_size"},
        {"mlp.gate_proj", c.intermediateSize, "intermediate_size"},
        {"mlp.up_proj", c.intermediateSize, "intermediate_size"},
        {"mlp.down_proj", c.hiddenSize, "hidden_size"},
    };
    for (const auto& e : expected) {
        const std::string prefix = "model.layers.0." + std::string(e.linear);
        std::int64_t out = -1;
        std::string tensor;
        const TensorInfo* w = store.find(prefix + ".weight");
        const TensorInfo* s = store.find(prefix + ".scales");
        const TensorInfo* qw = store.find(prefix + ".qweight");
        if (w && w->shape.size() == 2) {
            out = w->shape[0], tensor = w->name;
        } else if (s && qw && s->shape.size() == 2 && qw->shape.size() == 2 && (qw->shape[1] * 8 == s->shape[1] || qw->shape[1] == s->shape[1])) {
            out = s->shape[1], tensor = s->name;  // AWQ GEMM or GPTQ; other packings are named by engineSupportProblem
        }
        if (out < 0 || out == e.out) continue;  // absent: the engine names it when it loads
        throw Error(tensor + " has " + std::to_string(out) + " output features but config.json's " + e.what + " make " + std::to_string(e.out) +
                        " (num_attention_heads " + std::to_string(c.numHeads) + ", num_key_value_heads " + std::to_string(c.numKvHeads) +
                        ", head_dim " + std::to_string(c.headDim) + ")",
                    where, fix);
    }
    if (c.architecture != Architecture::Qwen3 && store.find("model.layers.0.self_attn.q_norm.weight"))
        throw Error("the weights have per-head q/k norms (model.layers.0.self_attn.q_norm.weight, as Qwen3 has) but config.json names " +
                        (c.architectureClass.empty() ? c.modelType : c.architectureClass) + ", which has none: they would be ignored",
                    where, fix);
}

void checkAgainstConfig(const ModelInfo& m, const TensorStore& store) {
    const auto& c = m.config;
    const fs::path where = m.folder / "config.json";
    const TensorInfo* embed = store.find("model.embed_tokens.weight");
    if (!embed) embed = store.find("lm_head.weight");
    if (!embed) throw Error("no model.embed_tokens.weight or lm_head.weight tensor", m.folder, "the weights do not belong to a causal LM; re-download them");
    if (embed->shape.size() != 2 || embed->shape[0] != c.vocabSize || embed->shape[1] != c.hiddenSize)
        throw Error(embed->name + " has shape [" + std::to_string(embed->shape.size() > 0 ? embed->shape[0] : 0) + ", " +
                        std::to_string(embed->shape.size() > 1 ? embed->shape[1] : 0) + "] but config.json says vocab " +
                        std::to_string(c.vocabSize) + " x hidden " + std::to_string(c.hiddenSize),
                    where, "the config does not match the weights: use the config.json that came with them");
    const std::string last = "model.layers." + std::to_string(c.numLayers - 1) + ".";
    const std::string past = "model.layers." + std::to_string(c.numLayers) + ".";
    bool hasLast = false, hasPast = false;
    for (const auto& t : store.tensors()) {
        hasLast = hasLast || t.name.rfind(last, 0) == 0;
        hasPast = hasPast || t.name.rfind(past, 0) == 0;
    }
    if (!hasLast || hasPast)
        throw Error("config.json says " + format::counted(std::uint64_t(c.numLayers), "layer") + " but the weights hold " +
                        (hasPast ? "more" : "fewer"),
                    where, "the config does not match the weights: use the config.json that came with them");
    if (!c.tieWordEmbeddings && !store.find("lm_head.weight")) {
        // Untied without an output matrix. Which of the two is wrong only the model's source knows:
        // the message names the key (and whether config.json left it to the default) and both fixes.
        const std::string configClass(transformersConfigClass(c.architecture));
        const std::string setting =
            c.tieWordEmbeddingsDefaulted ? "tie_word_embeddings is missing, so transformers takes " + configClass +
                                               "'s default, false (untied; only the base PretrainedConfig defaults to true)"
                                         : "\"tie_word_embeddings\": false";
        throw Error(setting + ", and lm_head.weight is absent from the weights (" + m.folder.string() +
                        "): transformers would leave lm_head at random values",
                    where,
                    "add \"tie_word_embeddings\": true to config.json if the model's source ties its embeddings; "
                    "otherwise the weights are incomplete: re-download them");
    }
    checkLayerShapes(m, store);
}

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

// The first quantized linear whose tensors are not AutoAWQ's GEMM packing (qweight [K, N/8],
// qzeros [K/G, N/8], scales [K/G, N]), described; empty when every one is. A GEMV / GEMV-fast
// checkpoint stores qweight [N, K/8] and scales [N, groups padded to 8], whatever `version` says.
std::string awqGemmShapeProblem(const ModelInfo& m) {
    const int group = m.config.quantization.groupSize;
    auto find = [&](const std::string& name) -> const TensorSummary* {
        for (const auto& t : m.tensors)
            if (t.name == name) return &t;
        return nullptr;
    };
    for (const auto& t : m.tensors) {
        if (!endsWith(t.name, ".qweight")) continue;
        const std::string prefix = t.name.substr(0, t.name.size() - std::string_view(".qweight").size());
        const TensorSummary* scales = find(prefix + ".scales");
        const TensorSummary* zeros = find(prefix + ".qzeros");
        if (!scales || !zeros) return "has no " + std::string(!scales ? ".scales" : ".qzeros") + " beside " + t.name;
        if (t.shape.size() != 2 || scales->shape.size() != 2 || zeros->shape.size() != 2 || scales->shape[1] != t.shape[1] * 8 ||
            zeros->shape[1] != t.shape[1] || zeros->shape[0] != scales->shape[0] || (group > 0 && t.shape[0] != scales->shape[0] * group))
            return "stores " + t.name + " " + shapeText(t.shape) + " with scales " + shapeText(scales->shape) + " and qzeros " +
                   shapeText(zeros->shape) + ", which is not the GEMM layout (qweight [K, N/8], qzeros [K/group, N/8], scales [K/group, N])";
    }
    return {};
}

// Why the built-in engine cannot run the model (and the fix), or nothing: one place for every
// refusal, so that the library, `models show`, the engine and the quantizer say the same.
std::pair<std::string, std::string> engineSupportProblem(const ModelInfo& m) {
    const auto& c = m.config;
    if (!engineSupportsActivation(c.hiddenAct))
        return {"hidden_act is \"" + c.hiddenAct + "\": the built-in engine computes the MLP with SiLU only (\"silu\", also written \"swish\")",
                "run this model with transformers or vLLM; awqbench cannot generate with, compare or quantize it"};
    const auto& q = c.quantization;
    if (q.method == QuantMethod::Other)
        return {"quantization_config.quant_method is \"" + q.rawMethod + "\": the built-in engine runs AWQ and GPTQ models only",
                "use the FP16 original, an AWQ or a GPTQ model"};
    if (q.method == QuantMethod::Gptq &&
        (q.bits != 4 || (!q.checkpointFormat.empty() && q.checkpointFormat != "gptq" && q.checkpointFormat != "gptq_v2")))
        return {"only 4-bit GPTQ in the gptq / gptq_v2 checkpoint format is supported (quantization_config: " + std::to_string(q.bits) +
                    " bits, checkpoint_format \"" + q.checkpointFormat + "\")",
                "re-quantize with awqbench-cli quantize --method gptq"};
    if (q.method != QuantMethod::Awq) return {};
    const std::string requantize = "re-quantize the original with awqbench-cli quantize (or AutoAWQ with version=\"GEMM\")";
    if (!q.version.empty() && q.version != "gemm")
        return {"quantization_config.version is \"" + q.version +
                    "\": the built-in engine reads only AutoAWQ's GEMM layout (version \"gemm\"); GEMV, GEMV-fast and Marlin "
                    "checkpoints pack their tensors differently",
                requantize};
    if (q.bits != 4 || !q.zeroPoint)
        return {"quantization_config has bits " + std::to_string(q.bits) + ", zero_point " + (q.zeroPoint ? "true" : "false") +
                    ": only 4-bit AWQ with a zero point is supported",
                requantize};
    if (auto shape = awqGemmShapeProblem(m); !shape.empty())
        return {"quantization_config says AWQ " + (q.version.empty() ? std::string("(GEMM by default)") : "version \"" + q.version + "\"") +
                    " but the checkpoint " + shape,
                "the config does not match the weights: " + requantize};
    return {};
}

}  // namespace

bool engineSupportsActivation(const std::string& hiddenAct) { return hiddenAct == "silu" || hiddenAct == "swish"; }

void requireEngineSupport(const ModelInfo& m) {
    if (!m.unsupported.empty()) throw Error(m.unsupported, m.folder / "config.json", m.unsupportedFix);
}

std::string fingerprintTensors(const TensorStore& store) {
    constexpr std::uint64_t kWholeTensorLimit = 1 << 20;
    constexpr std::uint64_t kChunk = 4096;
    constexpr std::uint64_t kChunks = 64;
    Sha256 h;
    h.update("awqbench-fingerprint-v1\n");
    for (const auto& t : store.tensors()) {  // sorted by name: independent of sharding
        std::string head = t.name + "|" + std::string(dtypeName(t.dtype)) + "|";
        for (auto d : t.shape) head += std::to_string(d) + ",";
        h.update(head + "\n");
        const auto data = store.data(t);
        if (data.size() <= kWholeTensorLimit) {
            h.update(data);
            continue;
        }
        const std::uint64_t stride = (data.size() - kChunk) / (kChunks - 1);
        for (std::uint64_t i = 0; i < kChunks; ++i) h.update(data.subspan(i * stride, kChunk));
    }
    return h.finishHex();
}

ModelInfo describeModel(const fs::path& folder) {
    if (isGgufPath(folder) && fs::is_regular_file(folder)) throw Error(kGgufNotRunnable, folder, kGgufNotRunnableFix);
    if (!fs::is_directory(folder)) throw Error("not a folder", folder, "point at a Hugging Face model folder");
    // Paths travel as UTF-8 text (run documents, the pool's manifests, the GUI, HTTP): one that is
    // not could be written down but never found again.
    if (!text::isValidUtf8(folder.string()))
        throw Error("the folder's path is not valid UTF-8", folder, "rename the folder (or the folder above it that has the name) to a UTF-8 name");
    ModelInfo m;
    m.folder = folder;
    m.name = modelDisplayName(folder);  // a hub cache snapshot is ORG/NAME, not its commit hash
    m.config = loadModelConfig(folder);
    if (m.config.architecture == Architecture::Unknown && m.config.architectureClass.empty() && m.config.modelType.empty())
        throw Error("names no architecture: it has neither \"architectures\" nor \"model_type\"", folder / "config.json",
                    "copy config.json from the model's source (transformers needs one of the two; supported are Llama, Qwen2, Qwen3 and Mistral)");
    if (m.config.architecture == Architecture::Unknown)
        throw Error("unknown architecture '" + (m.config.architectureClass.empty() ? m.config.modelType : m.config.architectureClass) + "'",
                    folder / "config.json", "supported are Llama, Qwen2, Qwen3 and Mistral");

    const TensorStore store = TensorStore::openFolder(folder);
    checkAgainstConfig(m, store);

    std::map<std::string, std::uint64_t> paramsByDtype;
    const int bits = m.config.quantization.method == QuantMethod::None ? 0 : m.config.quantization.bits;
    bool sawQweight = false;
    for (const auto& t : store.tensors()) {
        const std::uint64_t params = logicalParameters(t, bits);
        m.parameterCount += params;
        m.weightBytes += t.byteSize;
        const bool quantized = endsWith(t.name, ".qweight");
        sawQweight = sawQweight || quantized;
        paramsByDtype[quantized ? "I" + std::to_string(bits) : std::string(dtypeName(t.dtype))] += params;
        m.tensors.push_back({t.name, std::string(dtypeName(t.dtype)), t.shape, t.byteSize});
    }
    for (const auto& [dtype, n] : paramsByDtype) {
        if (m.storageDtype.empty() || n > paramsByDtype[m.storageDtype]) m.storageDtype = dtype;
        const bool floating = dtype.starts_with('F') || dtype.starts_with("BF");  // F16, BF16, F32, F8_E4M3, ...
        if (floating && (m.floatDtype.empty() || n > paramsByDtype[m.floatDtype])) m.floatDtype = dtype;
    }

    m.shardCount = static_cast<int>(store.shards().size());
    m.tiedEmbeddingsStoredAsLmHead = m.config.tieWordEmbeddings && !store.find("model.embed_tokens.weight") && store.find("lm_head.weight");
    for (const char* side : kModelSideFiles) findModelFile(folder, side);  // refuses any that links out of the folder
    m.hasTokenizer = findModelFile(folder, "tokenizer.json").has_value();
    m.chatTemplateSource = chatTemplateSource(folder);
    m.hasChatTemplate = !m.chatTemplateSource.empty();
    m.hasGenerationConfig = findModelFile(folder, "generation_config.json").has_value();
    try {
        m.stopTokenIds = stopTokenIds(folder);
    } catch (const Error& e) {  // the tokenizer's load refuses it with the same message; listing goes on
        m.warnings.push_back(e.what());
        m.stopTokenIds = {m.config.eosTokenIds, m.config.eosTokenIds.empty() ? "" : "config.json"};
    }
    m.bytesOnDisk = folderBytes(folder, m.warnings);
    m.fingerprint = fingerprintTensors(store);
    try {
        m.quantizationRecord = readQuantizationRecord(folder);
    } catch (const Error& e) {  // the record only informs: the model itself is fine
        m.warnings.push_back(e.what());
    }

    if (!m.hasTokenizer) m.warnings.push_back("no tokenizer.json: prompts cannot be tokenized");
    if (m.config.quantization.method == QuantMethod::Awq && !sawQweight)
        m.warnings.push_back("config.json declares AWQ but no tensor is quantized (no *.qweight)");
    // Readable, but not by the built-in engine (an AWQ packing other than GEMM is refused by promotion
    // too: awq_layout_unsupported). Also a warning, so that every view of the warnings shows it. Tied
    // embeddings stored only as lm_head.weight are shown as tied_embeddings_stored_as_lm_head instead:
    // the built-in engine runs them, and promotion refuses them (tied_embeddings_missing).
    std::tie(m.unsupported, m.unsupportedFix) = engineSupportProblem(m);
    if (!m.unsupported.empty()) m.warnings.push_back("config.json: " + m.unsupported + " (" + m.unsupportedFix + ")");
    if (m.config.quantization.method == QuantMethod::None && sawQweight)
        m.warnings.push_back("quantized tensors (*.qweight) but no quantization_config in config.json: vLLM will refuse it");
    return m;
}

}  // namespace awq
