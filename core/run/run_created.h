#pragma once
// When a saved run was made, read without loading the whole run document: the Reports page lists a
// runs folder newest first by it (a file's modification time changes when it is copied or touched).
#include <chrono>
#include <filesystem>
#include <optional>

namespace awq {

// The run document's top-level "created" (UTC, ISO 8601 "2026-11-25T18:00:00Z", docs/run-format.md)
// as a time point. Stops reading at that key; nullopt when the file is unreadable, not JSON up to
// there, not a run document ("format" is not awqbench-run), or has no parseable "created". Never
// throws: a listing falls back to the file's own time.
std::optional<std::chrono::system_clock::time_point> runDocumentCreated(const std::filesystem::path& file);

}  // namespace awq
