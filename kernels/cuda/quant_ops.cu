#include "kernels/cuda/quant_ops.h"

#include "kernels/cuda/element_math.cuh"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace awq::kernels {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kWarpsPerBlock = 8;

template <typename T, int E>
struct alignas(sizeof(T) * E) Elements {
    T e[E];
};

// The group's scale and zero point from its min and max, as AutoAWQ's pseudo_quantize_tensor on T:
// scale = ((max - min).clamp_min(1e-5) / 15).to(fp16).to(T), zero = (-round(min / scale)).clamp(0, 15).
template <typename T>
__device__ __forceinline__ void scaleAndZero(float lo, float hi, float& scale, float& zero) {
    const float range = fmaxf(roundTo<T>(hi - lo), roundTo<T>(1e-5f));  // clamp_min: the bound in T, then max
    scale = roundTo<T>(roundTo<__half>(roundTo<T>(range * (1.0f / 15.0f))));
    zero = fminf(fmaxf(-rintf(roundTo<T>(lo / scale)), 0.0f), 15.0f);
}

// q = clamp(round(v / scale) + zero, 0, 15); dequantized = (q - zero) * scale.
template <typename T>
__device__ __forceinline__ float fakeQuantize(float v, float scale, float zero) {
    const float q = fminf(fmaxf(roundTo<T>(rintf(roundTo<T>(v / scale)) + zero), 0.0f), 15.0f);
    return roundTo<T>(roundTo<T>(q - zero) * scale);
}

__device__ __forceinline__ void warpMinMax(float& lo, float& hi) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) {
        lo = fminf(lo, __shfl_xor_sync(kFullMask, lo, offset));
        hi = fmaxf(hi, __shfl_xor_sync(kFullMask, hi, offset));
    }
}

// One warp a group of 32 * E elements, E consecutive ones a lane (one vector load), kept in
// registers between the min/max and the quantization.
template <typename T, int E>
__global__ void awqFakeQuantizeKernel(const T* __restrict__ w, const T* __restrict__ columnScales, T* __restrict__ out,
                                      std::int64_t groups, int K) {
    constexpr int G = 32 * E;
    const std::int64_t group = std::int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (group >= groups) return;
    const std::int64_t offset = group * G + lane * E;  // a group is a run of G elements of one row
    const int column = int(group % (K / G)) * G + lane * E;
    const auto wv = *reinterpret_cast<const Elements<T, E>*>(w + offset);
    Elements<T, E> sv{};
    if (columnScales) sv = *reinterpret_cast<const Elements<T, E>*>(columnScales + column);
    float v[E];
    float lo = INFINITY, hi = -INFINITY;
#pragma unroll
    for (int e = 0; e < E; ++e) {
        v[e] = columnScales ? roundTo<T>(toFloat(wv.e[e]) * toFloat(sv.e[e])) : toFloat(wv.e[e]);  // T(w * s)
        lo = fminf(lo, v[e]);
        hi = fmaxf(hi, v[e]);
    }
    warpMinMax(lo, hi);
    float scale, zero;
    scaleAndZero<T>(lo, hi, scale, zero);
    Elements<T, E> ov;
#pragma unroll
    for (int e = 0; e < E; ++e) {
        const float dequantized = fakeQuantize<T>(v[e], scale, zero);
        ov.e[e] = fromFloat<T>(columnScales ? dequantized / toFloat(sv.e[e]) : dequantized);
    }
    *reinterpret_cast<Elements<T, E>*>(out + offset) = ov;
}

// Any group size that is a multiple of 32 (a whole row, for instance): strided, two reads a element.
template <typename T>
__global__ void awqFakeQuantizeAnyGroupKernel(const T* __restrict__ w, const T* __restrict__ columnScales, T* __restrict__ out,
                                              std::int64_t groups, int K, int G) {
    const std::int64_t group = std::int64_t(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
    const int lane = threadIdx.x & 31;
    if (group >= groups) return;
    const std::int64_t base = group * G;
    const int column0 = int(group % (K / G)) * G;
    auto scaled = [&](int i) {
        const float v = toFloat(w[base + i]);
        return columnScales ? roundTo<T>(v * toFloat(columnScales[column0 + i])) : v;
    };
    float lo = INFINITY, hi = -INFINITY;
    for (int i = lane; i < G; i += 32) {
        const float v = scaled(i);
        lo = fminf(lo, v);
        hi = fmaxf(hi, v);
    }
    warpMinMax(lo, hi);
    float scale, zero;
    scaleAndZero<T>(lo, hi, scale, zero);
    for (int i = lane; i < G; i += 32) {
        const float dequantized = fakeQuantize<T>(scaled(i), scale, zero);
        out[base + i] = fromFloat<T>(columnScales ? dequantized / toFloat(columnScales[column0 + i]) : dequantized);
    }
}

constexpr int kErrorThreads = 256;

template <typename T>
__global__ void squaredErrorKernel(const T* __restrict__ a, const T* __restrict__ b, std::int64_t n, double* __restrict__ partials) {
    float sum = 0.0f;
    const std::int64_t stride = std::int64_t(gridDim.x) * blockDim.x;
    const std::int64_t first = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const std::int64_t vectors = n / 8;  // 16 bytes of each at a time
    for (std::int64_t i = first; i < vectors; i += stride) {
        const auto av = reinterpret_cast<const Elements<T, 8>*>(a)[i];
        const auto bv = reinterpret_cast<const Elements<T, 8>*>(b)[i];
#pragma unroll
        for (int e = 0; e < 8; ++e) {
            const float d = toFloat(av.e[e]) - toFloat(bv.e[e]);
            sum += d * d;
        }
    }
    for (std::int64_t i = vectors * 8 + first; i < n; i += stride) {
        const float d = toFloat(a[i]) - toFloat(b[i]);
        sum += d * d;
    }
    __shared__ float warpSums[kErrorThreads / 32];
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(kFullMask, sum, offset);
    if ((threadIdx.x & 31) == 0) warpSums[threadIdx.x / 32] = sum;
    __syncthreads();
    if (threadIdx.x == 0) {
        double total = 0.0;
        for (int w = 0; w < kErrorThreads / 32; ++w) total += double(warpSums[w]);
        partials[blockIdx.x] = total;
    }
}

}  // namespace

int squaredErrorBlocks(std::int64_t n) {
    // Enough blocks to keep an H200's memory busy, few enough that the partials stay small.
    return int(std::clamp<std::int64_t>((n / 8 + kErrorThreads * 8 - 1) / (kErrorThreads * 8), 1, 1024));
}

template <typename T>
cudaError_t squaredErrorPartials(const T* a, const T* b, std::int64_t n, double* partials, cudaStream_t stream) {
    if (n < 0 || (n > 0 && (!a || !b || !partials)) || reinterpret_cast<std::uintptr_t>(a) % 16 || reinterpret_cast<std::uintptr_t>(b) % 16)
        return cudaErrorInvalidValue;
    if (n == 0) return cudaSuccess;
    squaredErrorKernel<T><<<unsigned(squaredErrorBlocks(n)), kErrorThreads, 0, stream>>>(a, b, n, partials);
    return cudaGetLastError();
}

template <typename T>
cudaError_t awqFakeQuantize(const T* w, const T* columnScales, T* out, std::int64_t rows, int K, int groupSize, cudaStream_t stream) {
    if (rows < 0 || K <= 0 || groupSize <= 0 || groupSize % 32 != 0 || K % groupSize != 0 || !w || !out) return cudaErrorInvalidValue;
    const std::int64_t groups = rows * (K / groupSize);
    if (groups == 0) return cudaSuccess;
    const std::int64_t blocks = (groups + kWarpsPerBlock - 1) / kWarpsPerBlock;
    if (blocks > 0x7fffffff) return cudaErrorInvalidValue;
    const dim3 grid{unsigned(blocks)}, block{kWarpsPerBlock * 32};
    switch (groupSize) {
        case 32: awqFakeQuantizeKernel<T, 1><<<grid, block, 0, stream>>>(w, columnScales, out, groups, K); break;
        case 64: awqFakeQuantizeKernel<T, 2><<<grid, block, 0, stream>>>(w, columnScales, out, groups, K); break;
        case 128: awqFakeQuantizeKernel<T, 4><<<grid, block, 0, stream>>>(w, columnScales, out, groups, K); break;
        case 256: awqFakeQuantizeKernel<T, 8><<<grid, block, 0, stream>>>(w, columnScales, out, groups, K); break;
        default: awqFakeQuantizeAnyGroupKernel<T><<<grid, block, 0, stream>>>(w, columnScales, out, groups, K, groupSize);
    }
    return cudaGetLastError();
}

template cudaError_t squaredErrorPartials<__half>(const __half*, const __half*, std::int64_t, double*, cudaStream_t);
template cudaError_t squaredErrorPartials<__nv_bfloat16>(const __nv_bfloat16*, const __nv_bfloat16*, std::int64_t, double*, cudaStream_t);
template cudaError_t awqFakeQuantize<__half>(const __half*, const __half*, __half*, std::int64_t, int, int, cudaStream_t);
template cudaError_t awqFakeQuantize<__nv_bfloat16>(const __nv_bfloat16*, const __nv_bfloat16*, __nv_bfloat16*, std::int64_t, int, int,
                                                    cudaStream_t);

}  // namespace awq::kernels
