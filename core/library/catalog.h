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
    // Folders at the depth bound whose subfolders were not searched (a model deeper down would be
    // missing without a word), and the first of them for the message. Final from the last call on.
    std::size_t foldersNotSearched = 0;
    std::filesystem::path firstNotSearched;
};
using ScanProgressFn = std::function<void(const ScanProgress&)>;

// How many folders below a library folder a model folder may be (lib/a/b/c/d/e/f/model is 7: not
// found). Deep enough for a hub cache (models--ORG--NAME/snapshots/<rev>: 3) inside a few folders
// of the user's own; bounded so that a library folder at ~ or / does not walk the whole disk.
inline constexpr int kLibraryScanDepth = 6;

// Looks for model candidates under each root (the root itself may be a model folder), model
// folders at most `maxDepth` folders below it, not descending into model folders (linked folders
// are followed, each real folder searched once: no link loops). Folders at the bound that have
// subfolders are counted in the progress' foldersNotSearched and logged. Missing roots are skipped
// with a warning in the log. Entries come sorted by name (case-insensitive, as the Models page
// sorts; a model in the pool and the library keeps the pool's entry first). Stops early when `stop`
// is requested: the entries described so far, cancelled = true (core/util/job.h).
JobResult<std::vector<CatalogEntry>> scanLibrary(const LibraryRoots& roots, std::stop_token stop = {},
                                                 const ScanProgressFn& progress = {}, int maxDepth = kLibraryScanDepth);

// Describes one candidate path (folder or .gguf), catching every error into `error`.
CatalogEntry describeCandidate(const std::filesystem::path& path, ModelOrigin origin);

// The bundled demo library, found beside the executable (installed or build tree) or in the
// source tree. Empty when none is found.
std::filesystem::path findDemoLibrary(const std::filesystem::path& executableDir);

}  // namespace awq
