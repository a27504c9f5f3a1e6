#include "core/system/system_sampler.h"

#include <fstream>

#include <unistd.h>

namespace awq {
namespace {

std::optional<std::uint64_t> residentBytes() {
    // /proc/self/statm: size resident shared ... in pages.
    std::ifstream statm("/proc/self/statm");
    std::uint64_t size = 0, resident = 0;
    if (!(statm >> size >> resident)) return std::nullopt;
    return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

SystemSample sampleSystem(const GpuProbeFn& probe) {
    SystemSample s;
    try {
        s.gpus = probe ? probe() : probeGpus();
    } catch (const std::exception& e) {
        s.gpus = {};
        s.gpus.reason = e.what();
    }
    s.processResidentBytes = residentBytes();
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages > 0 && page > 0) s.hostTotalBytes = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
    return s;
}

std::optional<MemoryReading> jobMemory(const SystemSample& sample, bool cuda) {
    if (cuda) {
        if (!sample.gpus.available || sample.gpus.gpus.empty()) return std::nullopt;
        return MemoryReading{sample.gpus.gpus.front().usedBytes, sample.gpus.gpus.front().totalBytes};
    }
    if (!sample.processResidentBytes) return std::nullopt;
    return MemoryReading{*sample.processResidentBytes, sample.hostTotalBytes};
}

}  // namespace awq
