#pragma once
// Safetensors: a memory-mapped, bounds-checked reader for one file and for a sharded model folder,
// and an atomic (temp + rename), optionally sharded writer. Model folders are untrusted input:
// every header field is checked before any byte of tensor data is touched.
#include "core/model/dtype.h"
#include "core/model/model_files.h"  // resolveInsideFolder: shard paths go through the same rule
#include "core/util/mapped_file.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

namespace awq {

struct TensorInfo {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::uint64_t dataBegin = 0;  // relative to the start of the file's data section
    std::uint64_t byteSize = 0;
    int shard = 0;                // index into the owning store's shard list

    std::uint64_t elementCount() const noexcept;
};

// The largest header we accept (the format's reference implementation uses the same bound).
inline constexpr std::uint64_t kMaxSafetensorsHeaderBytes = 100ull << 20;

class SafetensorsFile {
public:
    explicit SafetensorsFile(const std::filesystem::path& path);  // throws awq::Error naming the file

    const std::filesystem::path& path() const noexcept { return file_.path(); }
    const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }
    const TensorInfo* find(std::string_view name) const noexcept;
    std::span<const std::byte> data(const TensorInfo& t) const noexcept;
    const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }
    std::uint64_t fileSize() const noexcept { return file_.size(); }

private:
    MappedFile file_;
    std::uint64_t dataStart_ = 0;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string, std::size_t> byName_;
    std::map<std::string, std::string> metadata_;
};

// All tensors of a model folder: one model.safetensors, or the shards listed in
// model.safetensors.index.json. Shard paths must stay inside the folder.
class TensorStore {
public:
    static TensorStore openFolder(const std::filesystem::path& folder);  // throws awq::Error

    const std::filesystem::path& folder() const noexcept { return folder_; }
    const std::vector<TensorInfo>& tensors() const noexcept { return tensors_; }  // sorted by name
    const TensorInfo* find(std::string_view name) const noexcept;
    std::span<const std::byte> data(const TensorInfo& t) const noexcept;
    const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const noexcept { return shards_; }
    std::uint64_t bytesOnDisk() const noexcept;
    // Metadata of all shards merged (e.g. "model.embed_tokens.weight" -> "lm_head.weight" for
    // tied embeddings stored once).
    const std::map<std::string, std::string>& metadata() const noexcept { return metadata_; }

private:
    std::filesystem::path folder_;
    std::vector<std::unique_ptr<SafetensorsFile>> shards_;
    std::vector<TensorInfo> tensors_;
    std::unordered_map<std::string, std::size_t> byName_;
    std::map<std::string, std::string> metadata_;
};

// A tensor to write: the bytes must stay alive until the write returns.
struct TensorToWrite {
    std::string name;
    DType dtype = DType::F32;
    std::vector<std::int64_t> shape;
    std::span<const std::byte> data;
};

// Writes one safetensors file atomically. Tensors are laid out in the order given.
void writeSafetensors(const std::filesystem::path& file, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// Writes model.safetensors, or model-0000i-of-0000n.safetensors + model.safetensors.index.json when
// the tensors exceed maxShardBytes. Each file is written atomically. Returns the files written.
std::vector<std::filesystem::path> writeShardedSafetensors(const std::filesystem::path& folder,
                                                           const std::vector<TensorToWrite>& tensors,
                                                           std::uint64_t maxShardBytes,
                                                           const std::map<std::string, std::string>& metadata = {});

}  // namespace awq
