// Torch with CUDA: hands CUDA tensors and torch's current stream to our W4A16 kernel
// (kernels/cuda/awq_gemm.h). Compiled only where torch has CUDA (AWQBENCH_TORCH_CUDA); the
// CPU-only build uses awq_cuda_linear_none.cpp.
#include "core/layers/awq_cuda_linear.h"

#include "core/layers/torch_cuda_util.h"
#include "core/util/error.h"
#include "kernels/cuda/awq_dequant.h"
#include "kernels/cuda/awq_gemm.h"
#include "kernels/cuda/awq_repacked.h"

#include <ATen/ATen.h>
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>

namespace awq::engine {
namespace {

bool aligned16(const at::Tensor& t) { return (reinterpret_cast<std::uintptr_t>(t.data_ptr()) & 15u) == 0; }

bool usableWeight(const at::Tensor& t, at::ScalarType type, const at::Device& device) {
    return t.defined() && t.device() == device && t.scalar_type() == type && t.dim() == 2 && t.is_contiguous() && aligned16(t);
}

// From this many rows on, dequantize + cuBLAS (vLLM's awq kernel switches at 256 tokens; on the
// H200 cuBLAS already wins at 64).
constexpr std::int64_t kDequantMinRows = 64;

bool streamIsCapturing(cudaStream_t stream) {
    cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
    return cudaStreamIsCapturing(stream, &status) != cudaSuccess || status != cudaStreamCaptureStatusNone;
}

// An fp16 [rows, cols] buffer for a dequantized weight: reused by every linear this thread runs (its
// largest size kept), except under CUDA graph capture, where a buffer of the graph's own pool is
// taken (a thread's buffer must not be baked into a graph).
at::Tensor weightScratch(const at::Tensor& like, std::int64_t rows, std::int64_t cols, cudaStream_t stream) {
    const std::int64_t count = rows * cols;
    if (streamIsCapturing(stream)) return at::empty({rows, cols}, like.options().dtype(at::kHalf));
    thread_local at::Tensor scratch;
    if (!scratch.defined() || scratch.device() != like.device() || scratch.numel() < count)
        scratch = at::empty({count}, like.options().dtype(at::kHalf));
    return scratch.narrow(0, 0, count).view({rows, cols});
}

// The weight dequantized to fp16 [K, N] in a buffer reused by every linear this thread runs (its
// largest size is kept): one weight's fp16 bytes at a time, not the model's. Stream order makes the
// reuse safe: the next dequantization runs after the previous matmul.
at::Tensor dequantizedScratch(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, std::int64_t K, std::int64_t N,
                              int groupSize, cudaStream_t stream) {
    auto w = weightScratch(qweight, K, N, stream);
    const cudaError_t err = kernels::dequantizeAwqGemm(qweight.data_ptr<std::int32_t>(), qzeros.data_ptr<std::int32_t>(),
                                                       reinterpret_cast<const __half*>(scales.data_ptr()), int(K), int(N),
                                                       groupSize > 0 ? groupSize : int(K), reinterpret_cast<__half*>(w.data_ptr()), stream);
    if (err != cudaSuccess) throw Error(std::string("the AWQ dequantize kernel failed: ") + cudaGetErrorString(err));
    return w;
}

}  // namespace

bool awqCudaKernelsBuiltIn() { return true; }

at::Tensor awqCudaLinear(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                         int groupSize) {
    // Only what the kernel takes; anything else (float32 activations, weights elsewhere) falls back.
    if (!x.defined() || !x.is_cuda() || x.dim() < 1) return {};
    const auto type = x.scalar_type();
    if (type != at::kHalf && type != at::kBFloat16) return {};
    const auto device = x.device();
    if (!usableWeight(qweight, at::kInt, device) || !usableWeight(qzeros, at::kInt, device) || !usableWeight(scales, at::kHalf, device))
        return {};

    const std::int64_t K = qweight.size(0);
    const std::int64_t N = qweight.size(1) * 8;
    if (x.size(-1) != K)
        throw Error("AWQ linear: input has " + std::to_string(x.size(-1)) + " features, the weight expects " + std::to_string(K));
    if (K > std::numeric_limits<int>::max() || N > std::numeric_limits<int>::max()) return {};

    const c10::cuda::CUDAGuard guard(device);
    at::Tensor x2 = x.reshape({-1, K});
    if (!x2.is_contiguous() || !aligned16(x2)) x2 = x2.clone(at::MemoryFormat::Contiguous);
    const std::int64_t M = x2.size(0);
    if (M > std::numeric_limits<int>::max()) return {};

    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
    if (M >= kDequantMinRows && type == at::kHalf && !streamIsCapturing(stream)) {
        // Prefill: compute bound, where cuBLAS on the dequantized weight beats our WMMA path.
        auto y = at::mm(x2, dequantizedScratch(qweight, qzeros, scales, K, N, groupSize, stream));
        auto sizes = x.sizes().vec();
        sizes.back() = N;
        return y.view(sizes);
    }

    auto y = at::empty({M, N}, x.options());
    const std::size_t wsBytes = kernels::awqGemmWorkspaceBytes(int(M), int(K), int(N), groupSize);
    at::Tensor workspace;
    if (wsBytes > 0) workspace = at::empty({std::int64_t(wsBytes)}, x.options().dtype(at::kByte));

    const auto* qw = qweight.data_ptr<std::int32_t>();
    const auto* qz = qzeros.data_ptr<std::int32_t>();
    const auto* sc = reinterpret_cast<const __half*>(scales.data_ptr());
    void* ws = wsBytes > 0 ? workspace.data_ptr() : nullptr;
    cudaError_t err;
    if (type == at::kHalf) {
        err = kernels::awqGemm(reinterpret_cast<const __half*>(x2.data_ptr()), qw, qz, sc, reinterpret_cast<__half*>(y.data_ptr()), int(M),
                               int(K), int(N), groupSize, stream, ws, wsBytes);
    } else {
        err = kernels::awqGemm(reinterpret_cast<const __nv_bfloat16*>(x2.data_ptr()), qw, qz, sc,
                               reinterpret_cast<__nv_bfloat16*>(y.data_ptr()), int(M), int(K), int(N), groupSize, stream, ws, wsBytes);
    }
    // bf16 on a GPU older than sm_80: let the caller dequantize with torch instead.
    if (err == cudaErrorNotSupported) {
        (void)cudaGetLastError();
        return {};
    }
    if (err != cudaSuccess)
        throw Error(std::string("the AWQ GEMM kernel failed: ") + cudaGetErrorString(err) + " (M=" + std::to_string(M) +
                        ", K=" + std::to_string(K) + ", N=" + std::to_string(N) + ", group " + std::to_string(groupSize) + ")",
                    {}, "check the model's quantization_config.group_size; run with --device cpu to compare");

    auto sizes = x.sizes().vec();
    sizes.back() = N;
    return y.view(sizes);
}

RepackedAwqWeight awqCudaRepack(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int groupSize) {
    const auto device = qweight.device();
    if (!device.is_cuda() || !usableWeight(qweight, at::kInt, device) || !usableWeight(qzeros, at::kInt, device) ||
        !usableWeight(scales, at::kHalf, device))
        return {};
    const std::int64_t K = qweight.size(0), N = qweight.size(1) * 8;
    if (K > std::numeric_limits<int>::max() || N > std::numeric_limits<int>::max()) return {};
    const c10::cuda::CUDAGuard guard(device);
    if (!kernels::awqRepackSupported(int(K), int(N), groupSize)) return {};
    RepackedAwqWeight w;
    w.K = int(K);
    w.N = int(N);
    w.groupSize = groupSize;
    w.qpack = at::empty_like(qweight);
    w.scaleZeros = at::empty({scales.numel() * 2}, scales.options());
    w.splitCounters = at::zeros({std::int64_t(kernels::awqRepackedGemmCounterCount(w.N))}, qweight.options());
    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(device.index()).stream();
    const cudaError_t err = kernels::awqRepack(qweight.data_ptr<std::int32_t>(), qzeros.data_ptr<std::int32_t>(),
                                               reinterpret_cast<const __half*>(scales.data_ptr()), w.K, w.N, groupSize,
                                               w.qpack.data_ptr<std::int32_t>(), reinterpret_cast<__half*>(w.scaleZeros.data_ptr()), stream);
    if (err != cudaSuccess) throw Error(std::string("repacking an AWQ weight for decode failed: ") + cudaGetErrorString(err));
    return w;
}

namespace {
// The decode kernel on x2 [M, K] (siluMul: [M, 2K]), contiguous and 16-byte aligned. Returns y, the
// residual with a residual epilogue, or undefined where the kernel answers cudaErrorNotSupported
// for a fusion.
template <typename T>
at::Tensor decodeKernelAs(const at::Tensor& x2, const RepackedAwqWeight& w, const DecodeFusion& f, cudaStream_t stream) {
    const std::int64_t M = x2.size(0);
    kernels::AwqDecodeFusion<T> fusion;
    fusion.input = f.input == DecodeFusion::Input::siluMul   ? kernels::AwqDecodeInput::siluMul
                   : f.input == DecodeFusion::Input::rmsNorm ? kernels::AwqDecodeInput::rmsNorm
                                                             : kernels::AwqDecodeInput::plain;
    fusion.normWeight = pointer<const T>(f.normWeight);
    fusion.sumSquares = f.sumSquares.defined() ? f.sumSquares.data_ptr<float>() : nullptr;
    fusion.eps = float(f.eps);
    fusion.residual = f.residual.defined() ? reinterpret_cast<T*>(f.residual.data_ptr()) : nullptr;
    fusion.residualSumSquares = f.residualSumSquares.defined() ? f.residualSumSquares.data_ptr<float>() : nullptr;
    const bool siluOutput = f.output == DecodeFusion::Output::siluMul;
    fusion.output = siluOutput ? kernels::AwqDecodeOutput::siluMul : kernels::AwqDecodeOutput::plain;
    at::Tensor y = f.residual.defined() ? f.residual : at::empty({M, std::int64_t(siluOutput ? w.N / 2 : w.N)}, x2.options());
    const std::size_t wsBytes = kernels::awqRepackedGemmWorkspaceBytes(int(M), w.K, w.N, w.groupSize);
    at::Tensor workspace;
    if (wsBytes > 0) workspace = at::empty({std::int64_t(wsBytes)}, x2.options().dtype(at::kByte));
    auto* counters = reinterpret_cast<unsigned*>(w.splitCounters.data_ptr<std::int32_t>());
    const cudaError_t err = kernels::awqRepackedGemm(
        reinterpret_cast<const T*>(x2.data_ptr()), w.qpack.data_ptr<std::int32_t>(), reinterpret_cast<const __half*>(w.scaleZeros.data_ptr()),
        f.residual.defined() ? nullptr : reinterpret_cast<T*>(y.data_ptr()), int(M), w.K, w.N, w.groupSize, stream,
        wsBytes > 0 ? workspace.data_ptr() : nullptr, wsBytes, counters, fusion);
    if (err == cudaErrorNotSupported) {
        (void)cudaGetLastError();
        return {};
    }
    if (err != cudaSuccess)
        throw Error(std::string("the AWQ decode kernel failed: ") + cudaGetErrorString(err) + " (M=" + std::to_string(M) + ", K=" +
                    std::to_string(w.K) + ", N=" + std::to_string(w.N) + ")");
    return y;
}
at::Tensor decodeKernel(const at::Tensor& x2, const RepackedAwqWeight& w, const DecodeFusion& fusion) {
    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(x2.device().index()).stream();
    return x2.scalar_type() == at::kHalf ? decodeKernelAs<__half>(x2, w, fusion, stream) : decodeKernelAs<__nv_bfloat16>(x2, w, fusion, stream);
}
}  // namespace

at::Tensor awqCudaRepackedLinear(const at::Tensor& x, const RepackedAwqWeight& w) {
    const auto type = x.scalar_type();
    if (!x.is_cuda() || (type != at::kHalf && type != at::kBFloat16) || x.device() != w.qpack.device())
        throw Error("AWQ linear: the repacked weight takes fp16/bf16 activations on its own GPU");
    if (x.size(-1) != w.K)
        throw Error("AWQ linear: input has " + std::to_string(x.size(-1)) + " features, the weight expects " + std::to_string(w.K));
    const c10::cuda::CUDAGuard guard(x.device());
    at::Tensor x2 = x.reshape({-1, w.K});
    if (!x2.is_contiguous() || !aligned16(x2)) x2 = x2.clone(at::MemoryFormat::Contiguous);
    const std::int64_t M = x2.size(0);
    const cudaStream_t stream = c10::cuda::getCurrentCUDAStream(x.device().index()).stream();
    auto sizes = x.sizes().vec();
    sizes.back() = w.N;
    if (M >= kernels::kAwqRepackedPrefillMinM && type == at::kHalf && kernels::awqRepackedPrefillGemmApplies(int(M), w.K, w.N, w.groupSize)) {
        auto y = at::empty({M, std::int64_t(w.N)}, x.options());
        const std::size_t wsBytes = kernels::awqRepackedPrefillWorkspaceBytes(int(M), w.K, w.N, w.groupSize);
        at::Tensor workspace;
        if (wsBytes > 0) workspace = at::empty({std::int64_t(wsBytes)}, x.options().dtype(at::kByte));
        const cudaError_t err = kernels::awqRepackedPrefillGemm(
            reinterpret_cast<const __half*>(x2.data_ptr()), w.qpack.data_ptr<std::int32_t>(), reinterpret_cast<const __half*>(w.scaleZeros.data_ptr()),
            reinterpret_cast<__half*>(y.data_ptr()), int(M), w.K, w.N, w.groupSize, stream, wsBytes > 0 ? workspace.data_ptr() : nullptr, wsBytes);
        if (err != cudaSuccess)
            throw Error(std::string("the AWQ prefill kernel failed: ") + cudaGetErrorString(err) + " (M=" + std::to_string(M) + ", K=" +
                        std::to_string(w.K) + ", N=" + std::to_string(w.N) + ")");
        return y.view(sizes);
    }
    // Prefill: dequantize to [N, K] + cuBLAS. Dequantizing the next linear's weight on a side
    // stream while this GEMM runs (session 21, H200, TTFT at prompt 2048: -2.4 ms in one A/B, +2.2
    // in the next; code on branch s21-gpu) does not pay: cuBLAS fills the multiprocessors, so the
    // two kernels take turns rather than overlap. Nor did slices of the outputs small enough to stay
    // in L2 between the dequantization and the GEMM (half the L2 a slice, at::mm_out into column
    // slices of y): TTFT at prompt 2048 batch 1 53.6 / 54.1 / 56.3 ms against 52.4 / 51.6 / 51.2
    // whole (the smaller GEMMs lose more than the DRAM round trip costs), batch 8 within 1%.
    if (M > kernels::kAwqRepackedMaxM) {
        auto weight = weightScratch(w.qpack, w.N, w.K, stream);
        const cudaError_t err = kernels::awqRepackedDequantize(w.qpack.data_ptr<std::int32_t>(), reinterpret_cast<const __half*>(w.scaleZeros.data_ptr()),
                                                               w.K, w.N, w.groupSize, reinterpret_cast<__half*>(weight.data_ptr()), stream);
        if (err != cudaSuccess) throw Error(std::string("the AWQ dequantize kernel failed: ") + cudaGetErrorString(err));
        return at::linear(x2, type == at::kHalf ? weight : weight.to(type)).view(sizes);
    }
    return decodeKernel(x2, w, {}).view(sizes);
}

at::Tensor awqCudaRepackedLinearFused(const at::Tensor& x, const RepackedAwqWeight& w, const DecodeFusion& fusion) {
    // AWQBENCH_DECODE_FUSION=0: the plain kernels (for measuring what the fusions buy).
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_DECODE_FUSION");
        return !(v && v[0] == '0');
    }();
    if (!enabled) return {};
    const auto type = x.scalar_type();
    const std::int64_t inCols = fusion.input == DecodeFusion::Input::siluMul ? 2 * std::int64_t(w.K) : w.K;
    const auto matches = [&](const at::Tensor& t, at::ScalarType dtype, std::int64_t rows, std::int64_t cols) {
        return t.defined() && t.is_cuda() && t.device() == x.device() && t.scalar_type() == dtype && t.is_contiguous() && aligned16(t) &&
               t.dim() == 2 && t.size(0) == rows && t.size(1) == cols;
    };
    if (!x.is_cuda() || (type != at::kHalf && type != at::kBFloat16) || x.device() != w.qpack.device() || x.dim() != 2 ||
        x.size(0) > kernels::kAwqRepackedMaxM || !matches(x, type, x.size(0), inCols))
        return {};
    const std::int64_t M = x.size(0);
    if (fusion.input == DecodeFusion::Input::rmsNorm &&
        (!fusion.normWeight.defined() || !matches(fusion.normWeight.view({1, -1}), type, 1, w.K) || !matches(fusion.sumSquares, at::kFloat, M, w.K / 16)))
        return {};
    if (fusion.residual.defined() && (!matches(fusion.residual, type, M, w.N) || !matches(fusion.residualSumSquares, at::kFloat, M, w.N / 16)))
        return {};
    const c10::cuda::CUDAGuard guard(x.device());
    return decodeKernel(x, w, fusion);
}

// Both throw "Invalid device argument" until torch has allocated on the device; before that there
// is nothing to report or reset.
namespace {
// allocated_bytes is indexed by StatType; AGGREGATE (all pools) is 0 in every torch version.
std::uint64_t allocatedStat(int device, bool peak) {
    try {
        const auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
        return static_cast<std::uint64_t>(peak ? stats.allocated_bytes[0].peak : stats.allocated_bytes[0].current);
    } catch (const c10::Error&) {
        return 0;
    }
}
}  // namespace

std::uint64_t cudaPeakAllocatedBytes(int device) { return allocatedStat(device, true); }
std::uint64_t cudaAllocatedBytes(int device) { return allocatedStat(device, false); }

void cudaResetPeak(int device) {
    try {
        c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
    } catch (const c10::Error&) {
    }
}

void cudaLimitMemory(int device, std::uint64_t bytes) {
    std::size_t freeBytes = 0, totalBytes = 0;
    if (cudaSetDevice(device) != cudaSuccess || cudaMemGetInfo(&freeBytes, &totalBytes) != cudaSuccess || totalBytes == 0) return;
    const double fraction = bytes == 0 ? 1.0 : std::min(1.0, double(bytes) / double(totalBytes));
    (void)at::empty({1}, at::TensorOptions().device(at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device))));  // the allocator starts lazily
    c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, static_cast<c10::DeviceIndex>(device));
}

}  // namespace awq::engine
