#include "core/system/host_memory.h"

#include <fstream>
#include <string>

namespace awq {

std::optional<std::uint64_t> availableHostMemoryBytes() {
    std::ifstream in("/proc/meminfo");
    std::string key, unit;
    std::uint64_t kib = 0;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemAvailable:") return kib * 1024;
    }
    return std::nullopt;
}

}  // namespace awq
