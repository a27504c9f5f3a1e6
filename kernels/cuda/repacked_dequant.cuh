#pragma once
// Turning the repacked layout's 4-bit codes (awq_repacked.h) into tensor-core A registers: the
// magic-number conversion (OR a code into the mantissa of 1024, or 128 in bf16) and one exact
// subtraction of the zero point a pair. Shared by the decode GEMV (awq_repacked.cu) and the sm_90
// prefill GEMM (sm90/awq_repacked_prefill_sm90.cu).
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>
#include <type_traits>

namespace awq::kernels {

template <typename T>
__device__ __forceinline__ std::uint32_t subPair(std::uint32_t a, std::uint32_t b) {
    std::uint32_t r;
    if constexpr (std::is_same_v<T, __half>) {
        __half2 x, y;
        memcpy(&x, &a, 4);
        memcpy(&y, &b, 4);
        const __half2 d = __hsub2(x, y);
        memcpy(&r, &d, 4);
    } else {
        __nv_bfloat162 x, y;
        memcpy(&x, &a, 4);
        memcpy(&y, &b, 4);
        const __nv_bfloat162 d = __hsub2(x, y);
        memcpy(&r, &d, 4);
    }
    return r;
}

// 0x6400 is fp16 1024 and 0x4300 bf16 128: OR-ing a 4-bit code into the mantissa gives 1024 + q
// (128 + q), exact in either type.
template <typename T>
constexpr std::uint32_t kMagicPair = std::is_same_v<T, __half> ? 0x64006400u : 0x43004300u;

// The zero point of a column as the magic-offset pair (offset + z, offset + z) in T.
template <typename T>
__device__ __forceinline__ std::uint32_t zeroPair(__half zeroPlus1024) {
    if constexpr (std::is_same_v<T, __half>) {
        const __half2 p = __halves2half2(zeroPlus1024, zeroPlus1024);
        std::uint32_t r;
        memcpy(&r, &p, 4);
        return r;
    } else {
        const __nv_bfloat16 z = __float2bfloat16_rn(__half2float(zeroPlus1024) - 1024.0f + 128.0f);
        const __nv_bfloat162 p = __halves2bfloat162(z, z);
        std::uint32_t r;
        memcpy(&r, &p, 4);
        return r;
    }
}

// (a & mask) | magic in one LOP3 (the compiler emits two).
__device__ __forceinline__ std::uint32_t andOr(std::uint32_t a, std::uint32_t mask, std::uint32_t magic) {
    std::uint32_t r;
    asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(r) : "r"(a), "r"(mask), "r"(magic));
    return r;
}

// The four A registers (q - z as T pairs) of one qpack word. fp16 takes the high nibble of each
// byte in place (magic | 16q = 1024 + 16q, times 1/16 minus (64 + z) in one exact HFMA2) so a
// word costs one shift; bf16's 7-bit mantissa cannot hold 16q, so it shifts per pair.
template <typename T>
struct GroupZeros {
    std::uint32_t sub0, sub1;  // (offset + z) pairs of columns g and g + 8
    std::uint32_t fma1;        // fp16 only: the -(64 + z) pair of column g + 8 (the high nibbles)
};

template <typename T>
__device__ __forceinline__ GroupZeros<T> groupZeros(__half zeroPlus1024Lo, __half zeroPlus1024Hi) {
    GroupZeros<T> z;
    z.sub0 = zeroPair<T>(zeroPlus1024Lo);
    z.sub1 = zeroPair<T>(zeroPlus1024Hi);
    if constexpr (std::is_same_v<T, __half>) {
        const __half2 f1 = __float2half2_rn(960.0f - __half2float(zeroPlus1024Hi));  // -(64 + z)
        memcpy(&z.fma1, &f1, 4);
    } else {
        z.fma1 = 0;
    }
    return z;
}

template <typename T>
__device__ __forceinline__ void dequantWord(std::uint32_t q, const GroupZeros<T>& z, std::uint32_t (&r)[4]) {
    if constexpr (std::is_same_v<T, __half>) {
        const std::uint32_t hi = q >> 8;
        const __half2 sixteenth = __float2half2_rn(0.0625f);
        std::uint32_t v[4] = {andOr(q, 0x000F000Fu, 0x64006400u), andOr(q, 0x00F000F0u, 0x64006400u), andOr(hi, 0x000F000Fu, 0x64006400u),
                              andOr(hi, 0x00F000F0u, 0x64006400u)};
        __half2 h[4], zs0, zf1;
        memcpy(h, v, 16);
        memcpy(&zs0, &z.sub0, 4);
        memcpy(&zf1, &z.fma1, 4);
        const __half2 d[4] = {__hsub2(h[0], zs0), __hfma2(h[1], sixteenth, zf1), __hsub2(h[2], zs0), __hfma2(h[3], sixteenth, zf1)};
        memcpy(r, d, 16);
    } else {
        r[0] = subPair<T>(andOr(q, 0x000F000Fu, kMagicPair<T>), z.sub0);
        r[1] = subPair<T>(andOr(q >> 4, 0x000F000Fu, kMagicPair<T>), z.sub1);
        r[2] = subPair<T>(andOr(q >> 8, 0x000F000Fu, kMagicPair<T>), z.sub0);
        r[3] = subPair<T>(andOr(q >> 12, 0x000F000Fu, kMagicPair<T>), z.sub1);
    }
}

}  // namespace awq::kernels
