#include "core/compare/device_label.h"

#include "core/compare/compare_runner.h"
#include "core/util/format.h"

#include <fmt/format.h>

namespace awq {

std::string deviceLabel(const HostInfo& host) {
    if (host.device.rfind("http", 0) == 0) return "the endpoint " + host.device;  // an endpoint sweep: the server's hardware
    if (host.device.rfind("cuda", 0) == 0) return (host.gpuName.empty() ? std::string("GPU") : host.gpuName) + " (" + host.device + ")";
    if (host.cpuName.empty() && host.cpuThreads <= 0) return "CPU";  // a recorded run that did not say
    std::string details = host.cpuName;
    if (host.cpuThreads > 0) details += (details.empty() ? "" : ", ") + format::counted(std::uint64_t(host.cpuThreads), "thread");
    return "CPU (" + details + ")";
}

HostInfo thisHost(const std::string& device) {
    RunSettings s;
    s.device = device;
    return describeHost(s);
}

std::optional<std::string> quantizedSlowerNote(const HostInfo& host, double quantizedTps, double originalTps, const std::string& figure) {
    if (host.device.rfind("cuda", 0) == 0 || quantizedTps <= 0 || originalTps <= 0 || quantizedTps >= originalTps * 0.95) return std::nullopt;
    return "The quantized model runs at " + fmt::format("{:.2f}x", quantizedTps / originalTps) + " the original's speed" +
           (figure.empty() ? std::string() : " (" + figure + ")") + " because this was measured on the CPU: there the engine computes in float32 and the 4-bit "
           "weights are dequantized (once at load when the dense copy fits in memory, otherwise in every matmul), so they "
           "save memory but no time. AWQ's speed-up comes from reading 4x fewer weight bytes per token on a GPU, where "
           "decode is memory-bound; measure on the GPU you will serve with.";
}

double decodeTokensPerSecond(std::optional<double> tpotMs) { return tpotMs && *tpotMs > 0 ? 1000.0 / *tpotMs : 0.0; }

std::optional<std::string> pairSpeedNote(const HostInfo& host, const RunModel& a, const RunModel& b, double aTps, double bTps,
                                         const std::string& figure) {
    // An endpoint ran on its server's hardware and its quantization may be unknown: no like-for-like device.
    if (a.isEndpoint() || b.isEndpoint()) return std::nullopt;
    if (quantizedFrom(b, a)) return quantizedSlowerNote(host, bTps, aTps, figure);
    if (quantizedFrom(a, b)) return quantizedSlowerNote(host, aTps, bTps, figure);
    return std::nullopt;
}

std::optional<std::string> chatSpeedNote(const HostInfo& host, const RunModel& a, const RunModel& b, std::optional<double> aTpotMs,
                                         std::optional<double> bTpotMs) {
    return pairSpeedNote(host, a, b, decodeTokensPerSecond(aTpotMs), decodeTokensPerSecond(bTpotMs),
                         "decode speed (TPOT) of the last chat replies, generated at the same time; the Battery tab times each model alone");
}

}  // namespace awq
