#include "core/library/catalog_json.h"

#include "core/system/memory_plan.h"
#include "core/util/json_write.h"

#include <nlohmann/json.hpp>

namespace awq {
using nlohmann::json;

namespace {

const char* originName(ModelOrigin o) { return o == ModelOrigin::WarmPool ? "warm_pool" : "library"; }

json quantizationJson(const QuantizationConfig& q) {
    json j = {{"method", std::string(quantMethodName(q.method))}};
    if (q.method == QuantMethod::None) return j;
    j["raw_method"] = q.rawMethod;
    j["bits"] = q.bits;
    j["group_size"] = q.groupSize;
    j["zero_point"] = q.zeroPoint;
    j["version"] = q.version;
    return j;
}

// How the model was made (our record), null without one: "made_with" is the recorded method, the
// quantization object's "method" stays the checkpoint format vLLM loads.
json recordJson(const ModelInfo& m) {
    if (!m.quantizationRecord) return nullptr;
    const auto& r = *m.quantizationRecord;
    return {{"method", r.method},
            {"label", recordedMethodLabel(r, m.config.quantization.method)},
            {"settings", r.settings},
            {"source", {{"name", r.sourceName}, {"path", r.sourcePath}, {"fingerprint", r.sourceFingerprint}}},
            {"calibration",
             {{"files", r.calibrationFiles}, {"bundled", r.calibrationBundled}, {"texts", r.calibrationTexts}, {"tokens", r.calibrationTokens}}},
            {"layer_output_mse",
             r.layerCount == 0 ? json(nullptr)
                               : json{{"layers", r.layerCount}, {"mean", r.meanOutputMse}, {"max", r.maxOutputMse}, {"worst_layer", r.worstLayer}}},
            {"finished", r.finished.empty() ? json(nullptr) : json(r.finished)},
            {"tool_version", r.toolVersion}};
}

json huggingFaceJson(const ModelInfo& m, bool includeTensors) {
    const auto& c = m.config;
    json j = {
        {"architecture", std::string(architectureName(c.architecture))},
        {"architecture_class", c.architectureClass},
        {"model_type", c.modelType},
        {"parameters", m.parameterCount},
        {"dtype", m.storageDtype},
        {"float_dtype", m.floatDtype},
        {"config_dtype", c.dtype},
        {"weight_bytes", m.weightBytes},
        {"disk_bytes", m.bytesOnDisk},
        {"shards", m.shardCount},
        {"layers", c.numLayers},
        {"hidden_size", c.hiddenSize},
        {"intermediate_size", c.intermediateSize},
        {"heads", c.numHeads},
        {"kv_heads", c.numKvHeads},
        {"head_dim", c.headDim},
        {"vocab_size", c.vocabSize},
        {"context_length", c.maxPositions},
        {"context_length_default", c.maxPositionsDefaulted},
        {"hidden_act", c.hiddenAct},
        {"rope",
         {{"theta", c.rope.theta},
          {"type", c.rope.type},
          {"factor", c.rope.factor},
          {"original_max_position_embeddings", c.rope.originalMaxPositions > 0 ? json(c.rope.originalMaxPositions) : json(nullptr)},
          {"attention_scaling", ropeAttentionFactor(c.rope)}}},
        {"vllm_max_model_len", vllmDerivedMaxModelLen(c)},
        {"sliding_window", c.slidingWindow ? json(*c.slidingWindow) : json(nullptr)},
        {"tie_word_embeddings", c.tieWordEmbeddings},
        {"tied_embeddings_stored_as_lm_head", m.tiedEmbeddingsStoredAsLmHead},
        {"quantization", quantizationJson(c.quantization)},
        {"made_with", m.quantizationRecord && !m.quantizationRecord->method.empty() ? json(m.quantizationRecord->method) : json(nullptr)},
        {"quantization_record", recordJson(m)},
        {"tokenizer", m.hasTokenizer},
        {"tokenizer_error", m.tokenizerError.empty() ? json(nullptr) : json(m.tokenizerError)},
        {"chat_template", m.hasChatTemplate},
        {"chat_template_source", m.chatTemplateSource},
        {"generation_config", m.hasGenerationConfig},
        {"eos_token_ids", m.stopTokenIds.ids},  // what generation stops at, as transformers' generate()
        {"eos_token_ids_source", m.stopTokenIds.source.empty() ? json(nullptr) : json(m.stopTokenIds.source)},
        {"fingerprint", m.fingerprint},
        {"kv_cache_bytes_per_token", kvCacheBytesPerToken(c)},
        {"warnings", m.warnings},
        {"unsupported", m.unsupported.empty() ? json(nullptr) : json(m.unsupported + " (" + m.unsupportedFix + ")")},
    };
    if (includeTensors) {
        json tensors = json::array();
        for (const auto& t : m.tensors)
            tensors.push_back({{"name", t.name}, {"dtype", t.dtype}, {"shape", t.shape}, {"bytes", t.bytes}});
        j["tensors"] = std::move(tensors);
    }
    return j;
}

json ggufJson(const GgufInfo& g, bool includeTensors) {
    json meta = json::object();
    for (const auto& kv : g.metadata) meta[kv.key] = kv.displayValue();
    json j = {{"gguf_version", g.version},   {"architecture", g.architecture}, {"parameters", g.parameterCount},
              {"disk_bytes", g.fileSize},     {"tensor_count", g.tensors.size()}, {"metadata", std::move(meta)},
              {"unsupported", std::string(kGgufNotRunnable) + " (" + kGgufNotRunnableFix + ")"}};
    if (includeTensors) {
        json tensors = json::array();
        for (const auto& t : g.tensors)
            tensors.push_back({{"name", t.name}, {"type", t.type}, {"shape", t.shape}, {"bytes", t.byteSize}});
        j["tensors"] = std::move(tensors);
    }
    return j;
}

json entryJson(const CatalogEntry& e, bool includeTensors) {
    json j = {{"path", e.path.string()},
              {"name", e.name},
              {"origin", originName(e.origin)},
              {"format", e.format == ModelFormat::Gguf ? "gguf" : "huggingface"},
              {"ok", e.ok()},
              {"error", e.ok() ? json(nullptr) : json(e.error)}};
    if (e.info) j.update(huggingFaceJson(*e.info, includeTensors));
    if (e.gguf) j.update(ggufJson(*e.gguf, includeTensors));
    return j;
}

}  // namespace

std::string catalogEntryToJson(const CatalogEntry& entry, bool includeTensors, int indent) {
    return jsonText(entryJson(entry, includeTensors), indent);
}

std::string catalogToJson(const std::vector<CatalogEntry>& entries, int indent) {
    json arr = json::array();
    for (const auto& e : entries) arr.push_back(entryJson(e, false));
    return jsonText(arr, indent);
}

}  // namespace awq
