#include "core/report/decode_roofline.h"

#include <fmt/format.h>

#include <algorithm>

namespace awq {

RooflinePoint rooflinePoint(const RooflineInput& in) {
    RooflinePoint p;
    const double gemmS = in.gemmUs * 1e-6;
    if (gemmS > 0) {
        p.achievedGBs = in.weightBytes / gemmS / 1e9;
        p.achievedGFlops = in.matmulFlops / gemmS / 1e9;
    }
    if (in.readGBs > 0) p.bandwidthShare = p.achievedGBs / in.readGBs;
    if (in.computeGFlops > 0) p.computeShare = p.achievedGFlops / in.computeGFlops;
    if (in.weightBytes > 0) p.intensity = in.matmulFlops / in.weightBytes;
    if (in.readGBs > 0) p.ridge = in.computeGFlops / in.readGBs;
    p.bandwidthBound = p.ridge <= 0 || p.intensity < p.ridge;
    p.servedFromCache = p.bandwidthShare > 1.0;
    if (in.stepUs > 0) p.nonGemmShare = std::clamp((in.stepUs - in.gemmUs) / in.stepUs, 0.0, 1.0);
    return p;
}

namespace {

std::string pct(double share) { return share < 0.01 && share > 0 ? fmt::format("{:.2f}%", share * 100) : fmt::format("{:.0f}%", share * 100); }
std::string computePct(double share) { return fmt::format("{:.1f}%", share * 100); }

}  // namespace

std::string rooflineVerdict(const RooflineInput& a, const RooflineInput& b, const std::string& bName) {
    if (a.gemmUs <= 0 || b.gemmUs <= 0 || a.weightBytes <= 0 || b.weightBytes <= 0) return "No GEMM/GEMV time recorded: no verdict.";
    const RooflinePoint pa = rooflinePoint(a), pb = rooflinePoint(b);
    const double bytesRatio = a.weightBytes / b.weightBytes, gemmRatio = a.gemmUs / b.gemmUs;
    const bool fewerBytes = bytesRatio > 1.1;
    const std::string shorter = gemmRatio >= 1 ? fmt::format("{:.2f}x shorter", gemmRatio) : fmt::format("{:.2f}x longer", 1 / gemmRatio);
    std::string head;
    if (fewerBytes) {
        const std::string time = gemmRatio >= 1 ? fmt::format("cut GEMM/GEMV time {:.1f}x", gemmRatio)
                                                : fmt::format("made GEMM/GEMV time {:.1f}x longer", 1 / gemmRatio);
        head = fmt::format("{}: {} {} for {:.1f}x fewer weight bytes", pb.bandwidthBound ? "Only cut bandwidth" : "Moved toward the compute ceiling",
                           bName, time, bytesRatio);
    } else {
        // Neither INT4 verdict applies (no fewer bytes to read): said as such, not "Neither", which
        // read as "neither bound" beside the bound named after it.
        head = fmt::format("No fewer weight bytes: B reads {:.2f}x A's weight bytes a step (its weights run dense on this device), GEMM/GEMV time {}",
                           1 / bytesRatio, shorter);
    }
    // Above the memory ceiling the weights came from the caches: "bandwidth-bound at 149%" said otherwise.
    // The roofline side (intensity against the ridge) says which ceiling could bind; a share well below
    // it says that ceiling does not ("bandwidth-bound at 32% of read bandwidth" contradicted itself):
    // then neither ceiling is reached and the GEMM/GEMV time goes to something else (launches,
    // dequantization, small matmuls).
    const double share = pb.bandwidthBound ? pb.bandwidthShare : pb.computeShare;
    const std::string bound = pb.servedFromCache ? "reading its weights from the caches (faster than the measured memory read bandwidth)"
                              : share < 0.5 ? std::string("below both ceilings (on the ") + (pb.bandwidthBound ? "memory" : "compute") +
                                                  " side of the ridge, yet far from that ceiling)"
                              : pb.bandwidthBound ? "bandwidth-bound"
                                                  : "compute-bound";
    const double nonA = pa.nonGemmShare, nonB = pb.nonGemmShare;
    const std::string trend = nonB > nonA + 0.005 ? "rose" : nonB < nonA - 0.005 ? "fell" : "stayed";
    return fmt::format("{}; B is {} at {} of read bandwidth, {} of compute peak (A: {}, {}); non-GEMM share {} {} -> {}", head, bound, pct(pb.bandwidthShare), computePct(pb.computeShare), pct(pa.bandwidthShare),
                       computePct(pa.computeShare), trend, pct(nonA), pct(nonB));
}

}  // namespace awq
