#include "core/engine/device_ceilings.h"

#include "core/layers/torch_util.h"
#include "core/util/error.h"

#include <torch/cuda.h>
#if AWQBENCH_TORCH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#endif

#include <algorithm>
#include <chrono>

namespace awq {
namespace {

// The shortest of `repeats` timed runs after one warm-up: the ceiling is what the device can do,
// and a busy machine only ever makes a run slower.
template <typename Fn>
double bestSeconds(bool cuda, int repeats, Fn&& fn) {
    const auto sync = [&] {
        if (cuda) torch::cuda::synchronize();
    };
    fn();
    sync();
    double best = 1e300;
    for (int i = 0; i < repeats; ++i) {
        const auto start = std::chrono::steady_clock::now();
        fn();
        sync();
        best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return std::max(best, 1e-9);
}

}  // namespace

DeviceCeilings measureDeviceCeilings(DeviceKind device, const std::string& dtype, int cudaDevice) {
    const bool cuda = device == DeviceKind::Cuda;
    if (cuda && !cudaEngineAvailable()) throw Error("no CUDA device to measure", {}, "measure on the CPU, or run on a machine with a GPU");
    c10::InferenceMode guard;
    const at::ScalarType type = engine::parseComputeDtype(dtype);
    const auto options = at::TensorOptions().dtype(type).device(cuda ? at::Device(at::kCUDA, cudaDevice) : at::Device(at::kCPU));
    DeviceCeilings c;
    c.dtype = engine::computeDtypeName(type);
    {
        c.readBytes = cuda ? (std::uint64_t(2) << 30) : (std::uint64_t(256) << 20);
        const at::Tensor buffer = at::ones({std::int64_t(c.readBytes / c10::elementSize(type))}, options);
        at::Tensor sink;
        // Accumulated in float32 whatever the dtype, so a half-precision sum is not a slower code path.
        const double s = bestSeconds(cuda, 5, [&] { sink = buffer.sum(at::kFloat); });
        c.readGBs = double(c.readBytes) / s / 1e9;
    }
    {
        c.matmulN = cuda ? 8192 : 1024;
        const at::Tensor x = at::randn({c.matmulN, c.matmulN}, options), y = at::randn({c.matmulN, c.matmulN}, options);
        at::Tensor out = at::empty({c.matmulN, c.matmulN}, options);
        const double s = bestSeconds(cuda, 5, [&] { at::mm_out(out, x, y); });
        c.computeGFlops = 2.0 * double(c.matmulN) * c.matmulN * c.matmulN / s / 1e9;
    }
#if AWQBENCH_TORCH_CUDA
    // Hand the 2 GiB read buffer back to the device: the caching allocator would keep it from the
    // engines (and a server) sharing the GPU.
    if (cuda) c10::cuda::CUDACachingAllocator::emptyCache();
#endif
    return c;
}

}  // namespace awq
