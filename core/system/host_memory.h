#pragma once
// Host (CPU) memory as the kernel reports it.
#include <cstdint>
#include <optional>

namespace awq {

// MemAvailable of /proc/meminfo in bytes (what can be allocated without swapping), or nothing
// where the file is missing or unreadable.
std::optional<std::uint64_t> availableHostMemoryBytes();

}  // namespace awq
