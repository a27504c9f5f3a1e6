#pragma once
// fp16 / bf16 element math shared by the decode kernels, rounded as torch's ops on T tensors round:
// the fused paths (the AWQ GEMV's staged SiLU and RMSNorm, awq_repacked.cu) must give the same bits
// as the stand-alone kernels (decode_ops.cu) they replace.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <type_traits>

namespace awq::kernels {

__device__ __forceinline__ float toFloat(__half v) { return __half2float(v); }
__device__ __forceinline__ float toFloat(__nv_bfloat16 v) { return __bfloat162float(v); }

template <typename T>
__device__ __forceinline__ T fromFloat(float v) {
    if constexpr (std::is_same_v<T, __half>) {
        return __float2half_rn(v);
    } else {
        return __float2bfloat16_rn(v);
    }
}

// Rounds through T: what an op of torch on T tensors yields.
template <typename T>
__device__ __forceinline__ float roundTo(float v) {
    return toFloat(fromFloat<T>(v));
}

// SwiGLU of eight pairs (16 bytes of gate, 16 of up): T(T(silu(g)) * u).
template <typename T>
__device__ __forceinline__ uint4 siluMul8(uint4 gate, uint4 up) {
    uint4 out;
    const T* ge = reinterpret_cast<const T*>(&gate);
    const T* ue = reinterpret_cast<const T*>(&up);
    T* oe = reinterpret_cast<T*>(&out);
#pragma unroll
    for (int e = 0; e < 8; ++e) {
        const float g = toFloat(ge[e]);
        oe[e] = fromFloat<T>(roundTo<T>(g / (1.0f + __expf(-g))) * toFloat(ue[e]));
    }
    return out;
}

// RMSNorm's output for eight elements of a row: T(weight * T(h * inverseRms)).
template <typename T>
__device__ __forceinline__ uint4 rmsNormScale8(uint4 h, uint4 weight, float inverseRms) {
    uint4 out;
    const T* he = reinterpret_cast<const T*>(&h);
    const T* we = reinterpret_cast<const T*>(&weight);
    T* oe = reinterpret_cast<T*>(&out);
#pragma unroll
    for (int e = 0; e < 8; ++e) oe[e] = fromFloat<T>(toFloat(we[e]) * roundTo<T>(toFloat(he[e]) * inverseRms));
    return out;
}

}  // namespace awq::kernels
