#pragma once
// The GPU kernels a piece of work ran, as the CUDA profiling interface (CUPTI's activity API)
// reports them: name, start and end on the GPU's clock, stream. Kernels replayed from CUDA graphs
// are included. Used by engine_bench's --timeline (where a decode step's time goes: GEMM/GEMV,
// attention, norms, other, and the gaps between kernels) and saved as Chrome-trace JSON
// (chrome://tracing, Perfetto).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

struct KernelRecord {
    std::string name;                     // demangled, without the parameter list
    std::uint64_t startNs = 0, endNs = 0; // GPU timestamps (CUPTI's clock), nanoseconds
    std::uint32_t streamId = 0;
};

enum class KernelCategory { GemmGemv, Attention, Norm, Other };
const char* kernelCategoryName(KernelCategory c);
// By name: GEMM/GEMV (ours, cuBLAS, CUTLASS, split-K reductions), attention (ours, flash, SDPA),
// norms, everything else (rotary embedding, SiLU, copies, sampling).
KernelCategory categorizeKernel(std::string_view name);

// Records every kernel this process runs between construction and stop(). One recorder at a time
// in a process. Throws awq::Error where recording is impossible (a build without CUPTI, or CUPTI
// refusing: another profiler attached).
class KernelTimelineRecorder {
public:
    static bool available();  // built with CUPTI
    KernelTimelineRecorder();
    ~KernelTimelineRecorder();  // stops recording if stop() was not called
    KernelTimelineRecorder(const KernelTimelineRecorder&) = delete;
    KernelTimelineRecorder& operator=(const KernelTimelineRecorder&) = delete;
    // Waits for the GPU (cudaDeviceSynchronize), flushes and returns the records sorted by start.
    std::vector<KernelRecord> stop();

private:
    bool recording_ = false;
};

// The CPU engine's counterpart: the outermost torch operators this thread runs, and the engine's
// named scopes around them ("awq::rms_norm", "awq::attention", "awq::rope"), with host-clock
// times (at::RecordFunction callbacks, what torch's own profiler records). One per thread at a
// time (throws awq::Error otherwise).
class TorchOpRecorder {
public:
    TorchOpRecorder();
    ~TorchOpRecorder();
    TorchOpRecorder(const TorchOpRecorder&) = delete;
    TorchOpRecorder& operator=(const TorchOpRecorder&) = delete;
    std::vector<KernelRecord> stop();  // in start order

private:
    struct State;
    std::unique_ptr<State> state_;
};

struct KernelTotal {
    std::string name;
    KernelCategory category = KernelCategory::Other;
    std::int64_t calls = 0;
    double totalUs = 0;
};

struct TimelineSummary {
    std::vector<KernelTotal> kernels;  // by total time, largest first
    double spanUs = 0;  // first start to last end
    double busyUs = 0;  // time at least one kernel ran (kernels that overlap count once)
    double categoryUs[4] = {0, 0, 0, 0};  // kernel time by KernelCategory (overlaps counted per kernel)
};
TimelineSummary summarizeTimeline(const std::vector<KernelRecord>& records);

// The records as Chrome trace-event JSON ("X" complete events, microseconds from the first start,
// one track per stream, the category as "cat").
std::string chromeTraceJson(const std::vector<KernelRecord>& records, std::string_view processName);

}  // namespace awq
