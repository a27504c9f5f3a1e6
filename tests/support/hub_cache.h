#pragma once
// A Hugging Face hub cache entry built from a shared fixture, laid out as huggingface_hub writes
// it: <cache>/models--ORG--NAME/blobs/<one blob per file> and snapshots/<rev>/<file> as relative
// links into blobs/ (the layout `huggingface-cli download` leaves in ~/.cache/huggingface/hub).
#include "tests/support/test_paths.h"

#include <filesystem>
#include <string>

namespace awq::test {

// Returns the snapshot folder (<cache>/models--ORG--NAME/snapshots/<rev>).
inline std::filesystem::path makeHubCacheSnapshot(const char* fixture, const std::filesystem::path& cache, const std::string& org,
                                                  const std::string& name, const std::string& rev = "0123456789abcdef0123456789abcdef01234567") {
    namespace fs = std::filesystem;
    const fs::path repo = cache / ("models--" + org + "--" + name);
    const fs::path snapshot = repo / "snapshots" / rev;
    fs::create_directories(repo / "blobs");
    fs::create_directories(snapshot);
    int blob = 0;
    for (const auto& e : fs::directory_iterator(modelDir(fixture))) {
        if (!e.is_regular_file()) continue;
        const std::string blobName = "blob" + std::to_string(blob++);  // the hub names blobs by their hash
        fs::copy_file(e.path(), repo / "blobs" / blobName);
        fs::permissions(repo / "blobs" / blobName, fs::perms::owner_write, fs::perm_options::add);
        fs::create_symlink(fs::path("../../blobs") / blobName, snapshot / e.path().filename());
    }
    return snapshot;
}

}  // namespace awq::test
