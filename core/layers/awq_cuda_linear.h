#pragma once
// The bridge from torch CUDA tensors to our W4A16 kernel (kernels/cuda). Built only where torch has
// CUDA; elsewhere it returns an undefined tensor and the caller dequantizes with torch ops.
#include "core/layers/torch_util.h"

namespace awq::engine {

bool awqCudaKernelsBuiltIn();

// y = x @ dequant(W) for x [..., K] fp16 on a CUDA device; undefined when not built in or when the
// inputs are not what the kernel takes (the caller then falls back).
at::Tensor awqCudaLinear(const at::Tensor& x, const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales,
                         int groupSize);

// An AWQ weight in the decode layout (kernels/cuda/awq_repacked.h), made on the GPU from the
// AutoAWQ tensors: qpack int32 [K*N/8], scaleZeros fp16 [K/G * N * 2], and the kernel's split
// counters int32 [N/16] (zero between calls; one set per weight, so one weight must not run on two
// streams at once).
struct RepackedAwqWeight {
    at::Tensor qpack, scaleZeros, splitCounters;
    int K = 0, N = 0, groupSize = 0;
    bool defined() const { return qpack.defined(); }
};

// Undefined where the build, the GPU or the shape does not allow the layout.
RepackedAwqWeight awqCudaRepack(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int groupSize);

// y = x @ W for x [..., K] fp16/bf16 on the weight's device: up to 32 rows the decode kernel,
// more rows (prefill) the weight dequantized into a reused fp16 buffer and cuBLAS.
at::Tensor awqCudaRepackedLinear(const at::Tensor& x, const RepackedAwqWeight& w);

// The decode step's neighbours fused into the AWQ decode kernel (AwqDecodeFusion in
// kernels/cuda/awq_repacked.h says what each does and how it rounds).
struct DecodeFusion {
    enum class Input { plain, siluMul, rmsNorm } input = Input::plain;
    at::Tensor normWeight;  // rmsNorm: [K], the activations' dtype
    at::Tensor sumSquares;  // rmsNorm: [M, K/16] fp32, written by the residual epilogue of the GEMM before
    double eps = 0.0;
    at::Tensor residual;            // [M, N], the activations' dtype: y is added into it in place
    at::Tensor residualSumSquares;  // [M, N/16] fp32, with residual
    // siluMul: the weight is gate|up (gate columns [0, N/2), up [N/2, N)) and y is SiLU(gate) * up
    // [M, N/2], rounded as cudaSiluMul rounds it; not with residual.
    enum class Output { plain, siluMul } output = Output::plain;
};

// The decode kernel with `fusion` for x [M, K] (siluMul: gate|up [M, 2K]) fp16/bf16 on the
// weight's GPU: y [M, N] ([M, N/2] with Output::siluMul), or the updated residual where one is given; undefined where the kernel
// does not take the fusion (rows, group size, split plan, alignment): the caller then runs the
// plain kernels.
at::Tensor awqCudaRepackedLinearFused(const at::Tensor& x, const RepackedAwqWeight& w, const DecodeFusion& fusion);

// Peak / current bytes allocated by torch on a CUDA device (0 where not built in).
std::uint64_t cudaPeakAllocatedBytes(int device);
std::uint64_t cudaAllocatedBytes(int device);
void cudaResetPeak(int device);
// Caps torch's allocations on the device (allocations beyond fail as out of memory); 0 lifts the cap.
void cudaLimitMemory(int device, std::uint64_t bytes);

}  // namespace awq::engine
