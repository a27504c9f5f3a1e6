#pragma once
// GPU memory through NVML, loaded at run time (libnvidia-ml.so.1) so that machines without an
// NVIDIA driver run fine and report "no GPU".
#include <cstdint>
#include <string>
#include <vector>

namespace awq {

struct GpuProcess {
    std::uint32_t pid = 0;
    std::uint64_t usedBytes = 0;
};

struct GpuInfo {
    int index = 0;
    std::string name;
    std::uint64_t totalBytes = 0;
    std::uint64_t usedBytes = 0;
    std::uint64_t freeBytes = 0;
    std::vector<GpuProcess> processes;
};

struct GpuProbeResult {
    bool available = false;
    std::string reason;                 // why not available ("no NVIDIA driver (libnvidia-ml.so.1 not found)")
    std::string driverVersion;
    std::vector<GpuInfo> gpus;
};

// Thread-safe; cheap enough to call once a second for the status bar.
GpuProbeResult probeGpus();

}  // namespace awq
