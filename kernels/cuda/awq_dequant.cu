#include "kernels/cuda/awq_dequant.h"

#include "kernels/awq_layout.h"

namespace awq::kernels {
namespace {

// One thread per packed int32: eight outputs, written as one 16-byte store.
__global__ void dequantizeAwqGemmKernel(const std::int32_t* __restrict__ qweight, const std::int32_t* __restrict__ qzeros,
                                        const __half* __restrict__ scales, int K, int N, int groupSize,
                                        __half* __restrict__ out) {
    const int packedN = N / 8;
    const std::int64_t idx = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (idx >= std::int64_t(K) * packedN) return;
    const int k = int(idx / packedN);
    const int b = int(idx % packedN);
    const int g = k / groupSize;
    const auto q = static_cast<std::uint32_t>(qweight[idx]);
    const auto z = static_cast<std::uint32_t>(qzeros[std::int64_t(g) * packedN + b]);
    alignas(16) __half vals[8];
#pragma unroll
    for (int c = 0; c < 8; ++c) {
        const float s = __half2float(scales[std::int64_t(g) * N + b * 8 + c]);
        vals[c] = __float2half_rn((float(awqNibble(q, c)) - float(awqNibble(z, c))) * s);
    }
    *reinterpret_cast<uint4*>(out + std::int64_t(k) * N + b * 8) = *reinterpret_cast<const uint4*>(vals);
}

}  // namespace

cudaError_t dequantizeAwqGemm(const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, int K, int N,
                              int groupSize, __half* out, cudaStream_t stream) {
    if (K <= 0 || N <= 0 || N % 8 != 0 || groupSize <= 0 || K % groupSize != 0) return cudaErrorInvalidValue;
    const std::int64_t total = std::int64_t(K) * (N / 8);
    const int threads = 256;
    const auto blocks = static_cast<unsigned>((total + threads - 1) / threads);
    dequantizeAwqGemmKernel<<<blocks, threads, 0, stream>>>(qweight, qzeros, scales, K, N, groupSize, out);
    return cudaGetLastError();
}

}  // namespace awq::kernels
