#pragma once
// The fixed-order (deterministic) sum of the fp32 partial outputs of the K splits, shared by the
// split-K W4A16 kernels (awq_gemm.cu, awq_repacked.cu).
#include <cuda_runtime.h>

#include <cstdint>

namespace awq::kernels::split_k {

// y = sum over splits s of partial[s * count + i], eight outputs a thread. count % 8 == 0;
// partial and y 16-byte aligned.
template <typename T>
__global__ void reduceKernel(const float* __restrict__ partial, T* __restrict__ y, int splits, std::int64_t count) {
    const std::int64_t base = (std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x) * 8;
    if (base >= count) return;
    float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int s = 0; s < splits; ++s) {
        const float4 lo = *reinterpret_cast<const float4*>(partial + s * count + base);
        const float4 hi = *reinterpret_cast<const float4*>(partial + s * count + base + 4);
        acc[0] += lo.x, acc[1] += lo.y, acc[2] += lo.z, acc[3] += lo.w;
        acc[4] += hi.x, acc[5] += hi.y, acc[6] += hi.z, acc[7] += hi.w;
    }
    alignas(16) T out[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) out[i] = T(acc[i]);
    *reinterpret_cast<uint4*>(y + base) = *reinterpret_cast<const uint4*>(out);
}

template <typename T>
cudaError_t reduce(const float* partial, T* y, int splits, std::int64_t count, cudaStream_t stream) {
    constexpr int kThreads = 256;
    reduceKernel<T><<<static_cast<unsigned>((count / 8 + kThreads - 1) / kThreads), kThreads, 0, stream>>>(partial, y, splits, count);
    return cudaGetLastError();
}

}  // namespace awq::kernels::split_k
