#include "core/compare/device_label.h"

#include "core/compare/compare_runner.h"

#include <fmt/format.h>

#include <algorithm>
#include <thread>

namespace awq {

std::string deviceLabel(const HostInfo& host, bool thisMachine) {
    if (host.device.rfind("http", 0) == 0) return "the endpoint " + host.device;  // an endpoint sweep: the server's hardware
    if (host.device.rfind("cuda", 0) == 0) return (host.gpuName.empty() ? std::string("GPU") : host.gpuName) + " (" + host.device + ")";
    if (!thisMachine) return "CPU";
    return "CPU (" + std::to_string(std::max(1u, std::thread::hardware_concurrency())) + " threads)";
}

HostInfo thisHost(const std::string& device) {
    RunSettings s;
    s.device = device;
    return describeHost(s);
}

std::optional<std::string> quantizedSlowerNote(const HostInfo& host, double quantizedTps, double originalTps) {
    if (host.device.rfind("cuda", 0) == 0 || quantizedTps <= 0 || originalTps <= 0 || quantizedTps >= originalTps * 0.95) return std::nullopt;
    return "The quantized model runs at " + fmt::format("{:.2f}x", quantizedTps / originalTps) +
           " the original's speed because this was measured on the CPU: there the engine computes in float32 and the 4-bit "
           "weights are dequantized (once at load when the dense copy fits in memory, otherwise in every matmul), so they "
           "save memory but no time. AWQ's speed-up comes from reading 4x fewer weight bytes per token on a GPU, where "
           "decode is memory-bound; measure on the GPU you will serve with.";
}

}  // namespace awq
