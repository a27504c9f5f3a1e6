#include "core/quant/model_writer.h"

#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/model/quantize_work_folder.h"
#include "core/model/safetensors.h"
#include "core/quant/quantize_job.h"
#include "core/util/atomic_file.h"
#include "core/util/dead_writer.h"
#include "core/util/error.h"
#include "core/util/fs_error.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/log_line.h"
#include "core/util/remove_tree.h"

#include <nlohmann/json.hpp>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
constexpr const char* kLayerFilePrefix = "model-layer-";
}

QuantizedModelWriter::QuantizedModelWriter(fs::path output) : output_(std::move(output)), work_(quantizeWorkFolderFor(output_)) {}

fs::path QuantizedModelWriter::journalFile() const { return work_ / kQuantizeJournalFile; }
fs::path QuantizedModelWriter::recordFile() const { return work_ / "awqbench_quantization.json"; }

fs::path QuantizedModelWriter::layerFile(int layer) const {
    return work_ / (kLayerFilePrefix + std::to_string(100000 + layer).substr(1) + ".safetensors");
}

bool QuantizedModelWriter::hasWorkFolder() const {
    std::error_code ec;
    return fs::exists(work_, ec);
}

bool QuantizedModelWriter::workFolderHoldsNothingToResume() const {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work_, ec))
        if (e.path().filename().string().find(".tmp-") == std::string::npos && e.path() != journalFile()) return false;
    return !ec;
}

int QuantizedModelWriter::layerFilesWritten() const {
    std::error_code ec;
    int n = 0;
    for (const auto& e : fs::directory_iterator(work_, ec))
        if (e.path().filename().string().rfind(kLayerFilePrefix, 0) == 0) ++n;
    return n;
}

void QuantizedModelWriter::discardWorkFolder() const { removeTree(work_); }

void QuantizedModelWriter::createWorkFolder() const {
    std::error_code ec;
    fs::create_directories(work_, ec);
    if (ec) {
        if (auto e = userFilesystemError(ec, work_, "cannot create the work folder", true)) throw *e;
        throw Error("cannot create the work folder: " + ec.message(), work_, "choose another --out");
    }
}

void QuantizedModelWriter::clearDeadWriterTemps() const {
    for (const auto& f : removeDeadWriterTempFiles(work_)) log::info("quantize: removed " + f.string() + " (left by a killed run)");
}

void QuantizedModelWriter::writeShard(const fs::path& file, const std::vector<ShardTensor>& tensors) {
    std::vector<TensorToWrite> views;
    std::vector<IndexEntry> entries;
    for (const auto& t : tensors) {
        views.push_back({t.name, t.dtype, t.shape, t.bytes});
        entries.push_back({t.name, t.bytes.size()});
    }
    writeSafetensors(file, views, {{"format", "pt"}});
    shards_[file.filename().string()] = std::move(entries);
}

void QuantizedModelWriter::writeLayer(int layer, const std::vector<ShardTensor>& tensors) { writeShard(layerFile(layer), tensors); }

void QuantizedModelWriter::adoptWrittenLayer(int layer) {
    const SafetensorsFile file(layerFile(layer));
    std::vector<IndexEntry> entries;
    for (const auto& t : file.tensors()) entries.push_back({t.name, t.byteSize});
    shards_[file.path().filename().string()] = std::move(entries);
}

void QuantizedModelWriter::writeNonLayerTensors(const std::vector<ShardTensor>& tensors) {
    writeShard(work_ / "model-embeddings.safetensors", tensors);
}

void QuantizedModelWriter::writeIndex() const {
    json weightMap = json::object();
    std::uint64_t totalBytes = 0;
    for (const auto& [file, entries] : shards_)
        for (const auto& e : entries) {
            weightMap[e.tensor] = file;
            totalBytes += e.bytes;
        }
    writeFileAtomically(work_ / "model.safetensors.index.json",
                        jsonText(json{{"metadata", {{"total_size", totalBytes}}}, {"weight_map", weightMap}}, 2) + "\n");
}

void QuantizedModelWriter::writeConfig(const ModelInfo& m, const QuantizeSettings& s) const {
    json config = parseJson(readModelFile(m.folder, "config.json").value(), {m.folder / "config.json", "fix or re-download config.json"});
    if (s.method == QuantMethodChoice::Gptq) {  // as GPTQModel / AutoGPTQ write it (transformers' GPTQConfig keys)
        config["quantization_config"] = {{"quant_method", "gptq"},   {"bits", 4},           {"group_size", s.groupSize},
                                          {"desc_act", s.actOrder},   {"sym", s.sym},        {"damp_percent", s.dampPercent},
                                          {"true_sequential", true},  {"static_groups", false}, {"checkpoint_format", "gptq"},
                                          {"lm_head", false}};
        // AutoGPTQ's from_quantized reads a local folder's settings from quantize_config.json only
        // (GPTQModel writes it too, beside config.json; transformers and vLLM read config.json).
        writeFileAtomically(work_ / "quantize_config.json", jsonText(config["quantization_config"], 2) + "\n");
    } else
        config["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4},         {"group_size", s.groupSize},
                                          {"zero_point", true},     {"version", "gemm"}, {"modules_to_not_convert", nullptr}};
    // transformers >= 4.56 writes "dtype", older versions "torch_dtype", and some configs carry both:
    // every one present says float16 (the AWQ / GPTQ kernels' activations), or "dtype" where none is.
    bool dtypeSaid = false;
    for (const char* key : {"torch_dtype", "dtype"})
        if (config.contains(key)) {
            config[key] = "float16";
            dtypeSaid = true;
        }
    if (!dtypeSaid) config["dtype"] = "float16";
    writeFileAtomically(work_ / "config.json", jsonText(config, 2) + "\n");
}

// Read through the model-folder rule (core/model/model_files.h): links leaving the folder are refused.
void QuantizedModelWriter::copySideFiles(const fs::path& from) const {
    for (const char* name : kModelSideFiles)
        if (const auto text = readModelFile(from, name)) writeFileAtomically(work_ / name, *text);
}

void QuantizedModelWriter::checkWorkFolderComplete() const {
    std::error_code ec;
    if (!fs::is_regular_file(work_ / "model.safetensors.index.json", ec) || !fs::is_regular_file(work_ / "config.json", ec))
        throw Error("the job's record is there but the model's index or config.json is missing", work_,
                    "delete the .partial folder and start over");
    TensorStore::openFolder(work_);  // every shard the index names is present and readable
}

void QuantizedModelWriter::moveIntoPlace() const {
    clearDeadWriterTemps();
    std::error_code ec;
    fs::rename(work_, output_, ec);
    if (ec) throw Error("cannot move the finished model into place: " + ec.message(), output_, "the result is in " + work_.string());
}

std::uint64_t QuantizedModelWriter::outputBytes() const {
    std::uint64_t n = 0;
    for (const auto& e : fs::directory_iterator(output_)) n += e.is_regular_file() ? e.file_size() : 0;
    return n;
}

}  // namespace awq
