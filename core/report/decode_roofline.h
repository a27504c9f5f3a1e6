#pragma once
// "Did INT4 move us toward the compute ceiling or only cut bandwidth?" as numbers: a decode step's
// matmul work as a roofline point (weight bytes read and FLOPs a step over its GEMM/GEMV time)
// against ceilings measured on the same device in the same run (core/engine/device_ceilings.h),
// and one line that answers the question for a pair. Plain numbers in and out, so the compare run,
// the Compare page and the report compute the same figures from the run document.
#include <string>

namespace awq {

struct RooflineInput {              // one model's decode step
    double stepUs = 0;              // wall time of a step, microseconds
    double gemmUs = 0;              // GEMM/GEMV time of a step, microseconds
    double weightBytes = 0;         // weight bytes read a step (every matmul weight once, lm_head included)
    double matmulFlops = 0;         // 2 x matmul parameters x batch
    double readGBs = 0;             // the device's read bandwidth, GB/s (1e9 bytes/s); 0: unknown
    double computeGFlops = 0;       // the device's matmul throughput in the model's compute dtype, GFLOP/s; 0: unknown
};

struct RooflinePoint {
    double achievedGBs = 0;         // weight bytes / GEMM time
    double achievedGFlops = 0;      // matmul FLOPs / GEMM time
    double bandwidthShare = 0;      // achievedGBs / readGBs (0..1; 0 when unknown)
    double computeShare = 0;        // achievedGFlops / computeGFlops
    double intensity = 0;           // FLOPs per weight byte
    double ridge = 0;               // computeGFlops / readGBs: FLOPs per byte where the roofline bends
    bool bandwidthBound = true;     // intensity below the ridge
    // The weights were read faster than the measured memory read bandwidth (share > 1): a model
    // small enough to stay in the caches (the demo model on a CPU), where no bandwidth bound applies.
    bool servedFromCache = false;
    double nonGemmShare = 0;        // (step - GEMM) / step: norms, attention, other, idle
};
RooflinePoint rooflinePoint(const RooflineInput& in);

// One line for A (the reference) against B, e.g. "Only cut bandwidth: INT4 cut GEMM/GEMV time
// 1.9x for 3.6x fewer weight bytes; B is bandwidth-bound at 58% of read bandwidth, 0.4% of compute
// peak (A: 31%, 0.1%); non-GEMM share rose 18% -> 31%". `bName` names B's change ("INT4", or "B"
// when it is not a 4-bit model).
std::string rooflineVerdict(const RooflineInput& a, const RooflineInput& b, const std::string& bName = "INT4");

}  // namespace awq
