#pragma once
// Where a quantize job builds its model before renaming it into place (core/quant/model_writer.h),
// named here because two modules know it: the quantizer writes it and the library's scan
// (core/library/catalog.cpp) recognises it as a job to resume rather than a broken model.
#include <filesystem>

namespace awq {

// <output>.partial, for an output folder given with or without a trailing separator.
inline std::filesystem::path quantizeWorkFolderFor(const std::filesystem::path& output) {
    std::filesystem::path p = output.lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    p += ".partial";
    return p;
}

// The running job's journal inside the work folder (settings, finished layers: what --resume reads).
inline constexpr const char* kQuantizeJournalFile = "awqbench_job.json";

}  // namespace awq
