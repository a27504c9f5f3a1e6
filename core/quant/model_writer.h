#pragma once
// The on-disk format of a quantized model folder, as the quantize job writes it and as the job's
// resume and the Quantize page find it: everything is written into <output>.partial (one
// model-layer-NNNN.safetensors per decoder layer, model-embeddings.safetensors for the rest,
// model.safetensors.index.json, config.json with its quantization_config, the source's side files,
// the job journal and, last, the record) and the folder is renamed to <output> when complete.
// Each file is written atomically (temp + rename). No torch here: tensors arrive as host bytes.
#include "core/model/dtype.h"
#include "core/model/quantize_work_folder.h"  // quantizeWorkFolderFor: the folder this writer works in

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace awq {

struct ModelInfo;
struct QuantizeSettings;

// One tensor as it goes into a shard: its bytes on the host in the stored dtype (row-major).
struct ShardTensor {
    std::string name;
    DType dtype = DType::F16;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> bytes;
};

class QuantizedModelWriter {
public:
    explicit QuantizedModelWriter(std::filesystem::path output);

    const std::filesystem::path& output() const noexcept { return output_; }
    const std::filesystem::path& workFolder() const noexcept { return work_; }
    std::filesystem::path journalFile() const;  // awqbench_job.json: the running job's journal
    std::filesystem::path recordFile() const;   // awqbench_quantization.json: written last, its presence means complete
    std::filesystem::path layerFile(int layer) const;

    // The work folder of an interrupted job, for the job's resume and the Quantize page.
    bool hasWorkFolder() const;  // anything at the work folder's path
    // Nothing in the work folder but, at most, the journal and a killed writer's temp files: the job
    // died before its first layer was written, so there is nothing to resume and a new job starts
    // afresh (such a folder used to block a new start until --resume or deleting it by hand).
    bool workFolderHoldsNothingToResume() const;
    int layerFilesWritten() const;  // model-layer-*.safetensors files in the work folder (0 without one)
    void discardWorkFolder() const;  // removes it and everything in it (best effort)
    void createWorkFolder() const;   // throws awq::Error naming the folder (read-only, no permission, a file in the way)
    void clearDeadWriterTemps() const;  // a killed run's "name.tmp-PID" files: never part of the model

    // Writing. Every tensor written (or adopted) goes into the index under its file's name.
    void writeLayer(int layer, const std::vector<ShardTensor>& tensors);
    void adoptWrittenLayer(int layer);  // resume: a layer file an earlier run wrote joins the index (its header is read)
    void writeNonLayerTensors(const std::vector<ShardTensor>& tensors);  // embeddings, final norm, head
    void writeIndex() const;  // model.safetensors.index.json from what was written and adopted
    // config.json of the source with quantization_config as AutoAWQ (AWQ, RTN) or GPTQModel (GPTQ) writes it, dtype float16;
    // for GPTQ also quantize_config.json (the same settings, what AutoGPTQ reads from a local folder).
    void writeConfig(const ModelInfo& source, const QuantizeSettings& settings) const;
    void copySideFiles(const std::filesystem::path& sourceFolder) const;  // kModelSideFiles the source has

    // A work folder whose job wrote everything and was stopped before the rename: throws awq::Error
    // when the index or config.json is missing or a shard the index names does not open.
    void checkWorkFolderComplete() const;
    void moveIntoPlace() const;  // work folder -> output; throws awq::Error naming the output, saying where the result is
    std::uint64_t outputBytes() const;  // bytes of the files in the output folder (after moveIntoPlace)

private:
    struct IndexEntry {
        std::string tensor;
        std::uint64_t bytes = 0;
    };
    void writeShard(const std::filesystem::path& file, const std::vector<ShardTensor>& tensors);
    std::filesystem::path output_, work_;
    std::map<std::string, std::vector<IndexEntry>> shards_;  // file name -> its tensors (a rewritten file replaces its entry)
};

}  // namespace awq
