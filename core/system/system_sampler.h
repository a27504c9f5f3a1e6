#pragma once
// One reading of the machine's memory: every NVIDIA GPU (NVML: the whole card's memory in use and
// its processes), this process's resident memory and the host's RAM. The one sampler that the
// status bar, the Quantize page's memory chart and the Deploy page share (ui/util/system_monitor.h
// polls it off the GUI thread: NVML calls can block for a moment).
#include "core/system/gpu_probe.h"

#include <cstdint>
#include <functional>
#include <optional>

namespace awq {

struct SystemSample {
    GpuProbeResult gpus;
    std::optional<std::uint64_t> processResidentBytes;   // RSS from /proc/self/statm; nullopt where unreadable
    std::uint64_t hostTotalBytes = 0;                     // physical RAM (0 where unknown)
};

using GpuProbeFn = std::function<GpuProbeResult()>;

// `probe` defaults to probeGpus (tests pass a fake one). A probe that throws reads as "no GPU" with
// the exception's message as the reason. Thread-safe.
SystemSample sampleSystem(const GpuProbeFn& probe = {});

// The memory of a job as the Quantize chart plots it, in bytes: on CUDA the first card's memory in
// use (every process on it) against its size; on the CPU this process's RSS (the whole app, not the
// job alone) against the host's RAM. nullopt when there is nothing to read (no GPU, no /proc).
struct MemoryReading {
    std::uint64_t usedBytes = 0;
    std::uint64_t totalBytes = 0;
};
std::optional<MemoryReading> jobMemory(const SystemSample& sample, bool cuda);

}  // namespace awq
