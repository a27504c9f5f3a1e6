#pragma once
// The model library: user folders plus one warm-pool folder, scanned for Hugging Face model folders
// and GGUF files. A broken model is listed with its reason; scanning never throws for one model.
#include "core/model/gguf.h"
#include "core/model/model_info.h"
#include "core/util/job.h"

#include <atomic>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

struct LibraryRoots {
    std::vector<std::filesystem::path> folders;
    std::filesystem::path warmPool;   // may be empty
};

enum class ModelOrigin { Library, WarmPool };
enum class ModelFormat { HuggingFace, Gguf };

struct CatalogEntry {
    std::filesystem::path path;       // model folder, or the .gguf file
    std::string name;
    ModelOrigin origin = ModelOrigin::Library;
    ModelFormat format = ModelFormat::HuggingFace;
    std::optional<ModelInfo> info;    // HuggingFace and readable
    std::optional<GgufInfo> gguf;     // Gguf and readable
    std::string error;                // non-empty: the model is broken, and why

    bool ok() const noexcept { return error.empty(); }
};

struct ScanProgress {
    std::size_t found = 0;            // candidates found so far
    std::size_t described = 0;        // of which described (ok or broken)
    std::filesystem::path current;
};
using ScanProgressFn = std::function<void(const ScanProgress&)>;

// Looks for model candidates under each root (the root itself may be a model folder), at most
// `maxDepth` folders down, not descending into model folders. Missing roots are skipped with a
// warning in the log. Stops early when `stop` is requested: the entries described so far,
// cancelled = true (core/util/job.h).
JobResult<std::vector<CatalogEntry>> scanLibrary(const LibraryRoots& roots, std::stop_token stop = {},
                                                 const ScanProgressFn& progress = {}, int maxDepth = 4);

// Describes one candidate path (folder or .gguf), catching every error into `error`.
CatalogEntry describeCandidate(const std::filesystem::path& path, ModelOrigin origin);

// The bundled demo library, found beside the executable (installed or build tree) or in the
// source tree. Empty when none is found.
std::filesystem::path findDemoLibrary(const std::filesystem::path& executableDir);

}  // namespace awq
