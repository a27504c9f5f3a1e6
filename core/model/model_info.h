#pragma once
// What the workbench knows about one Hugging Face model folder: the facts shown on the Models page
// and printed by `awqbench-cli models show`.
#include "core/model/hf_config.h"
#include "core/model/quantization_record.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace awq {

struct TensorSummary {
    std::string name;
    std::string dtype;                 // "BF16", "I32", ...
    std::vector<std::int64_t> shape;
    std::uint64_t bytes = 0;
};

struct ModelInfo {
    std::filesystem::path folder;
    std::string name;                  // modelDisplayName(): ORG/NAME for a hub cache snapshot, else the folder name
    ModelConfig config;
    std::uint64_t parameterCount = 0;  // logical parameters: a 4-bit qweight [K, N/8] counts K*N
    std::string storageDtype;          // the dtype holding most parameters ("BF16", "F16", "F32", "I4")
    // The dtype holding most parameters outside the quantized linears (embeddings, norms, scales):
    // what vLLM calls the model's dtype beside its quantization. storageDtype when not quantized.
    // (A 4-bit model showed F16 or I4 as its dtype depending on whether its embeddings outweighed
    // its linears.)
    std::string floatDtype;
    std::uint64_t weightBytes = 0;     // tensor bytes (what must be in memory to run the model)
    std::uint64_t bytesOnDisk = 0;     // every regular file in the folder
    int shardCount = 0;
    bool tiedEmbeddingsStoredAsLmHead = false;  // only lm_head.weight present for tied embeddings
    bool hasTokenizer = false;         // tokenizer.json
    std::string tokenizerError;        // tokenizer.json is there but cannot be loaded: why (set by the catalog's
                                       // describeCandidate, which loads it as `tokenize` does; also a warning)
    bool hasChatTemplate = false;
    std::string chatTemplateSource;    // "chat_template.jinja", "tokenizer_config.json" or ""
    bool hasGenerationConfig = false;
    StopTokenIds stopTokenIds;         // what generation stops at (generation_config.json, else config.json)
    std::string fingerprint;           // content fingerprint, see fingerprintTensors()
    std::vector<TensorSummary> tensors;
    std::vector<std::string> warnings; // loadable, but something a user should know
    // Non-empty: a readable model the built-in engine (generate, eval, compare, serve) and the
    // quantizer cannot run, why (naming config.json's key and value) and the fix: an activation other
    // than SiLU, an AWQ packing other than GEMM, a quantization method or format the engine lacks.
    // `models list` / `models show` say so; Engine::load and quantize refuse with it (requireEngineSupport).
    std::string unsupported;
    std::string unsupportedFix;
    // How the model was made, from our record beside the weights (awqbench_quantization.json):
    // nullopt without one; an unreadable record is a warning. config.quantization stays the
    // checkpoint format (what vLLM loads): RTN is recorded "rtn" but written in AWQ's layout.
    std::optional<QuantizationRecord> quantizationRecord;
};

// The activations the engine's MLP computes (transformers' ACT2FN names): SiLU only, as "silu" or "swish".
bool engineSupportsActivation(const std::string& hiddenAct);

// Throws awq::Error naming <folder>/config.json with `unsupported` and its fix when it is set.
void requireEngineSupport(const ModelInfo& model);

// Reads config.json, the safetensors headers and the side files of `folder`. Throws awq::Error
// (naming the file and the fix) for a model that cannot be used: missing config, truncated shard,
// unknown architecture, tensors that contradict the config, a file reached through a link that leaves
// the folder (core/model/model_files.h).
ModelInfo describeModel(const std::filesystem::path& folder);

class TensorStore;
// A SHA-256 over every tensor's name, dtype, shape and (for large tensors, a fixed sample of) its
// bytes, independent of how the model is sharded. Two folders with the same weights get the same
// fingerprint; it is recorded by the quantizer so an AWQ model can be traced to its source.
std::string fingerprintTensors(const TensorStore& store);

}  // namespace awq
