#pragma once
// Leftovers of a killed writer. Temp files and folders carry their writer's PID in the name
// ("model.safetensors.tmp-4711", ".NAME.partial-4711"); once that process is gone nothing will
// finish or remove them, so the next run may.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

namespace awq {

// The PID after the last `marker` in `name` ("x.tmp-4711", ".tmp-" -> 4711); nullopt when the name
// has no marker or not only digits follow it.
std::optional<long> writerPidOf(std::string_view name, std::string_view marker);

// Whether a process with this PID exists (this process counts as alive; a PID of another user too).
bool processAlive(long pid);

// Whether `name` carries `marker` and a PID of a process that no longer exists.
bool leftByDeadWriter(std::string_view name, std::string_view marker);

// Removes the regular files directly in `folder` whose names carry ".tmp-PID" of a dead process
// (AtomicFileWriter's temp files); returns what was removed. Errors are ignored: a leftover that
// cannot be removed stays and is tried again next time.
std::vector<std::filesystem::path> removeDeadWriterTempFiles(const std::filesystem::path& folder);

}  // namespace awq
