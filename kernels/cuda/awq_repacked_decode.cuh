#pragma once
// Device code shared by the W4A16 decode kernels (awq_repacked.cu: the register-fed kernels;
// awq_repacked_stream.cu: the streamed kernel): their arguments, the staging of x through the
// decode fusions' input transforms, and a column tile's output epilogue. nvcc only.
#include "kernels/cuda/awq_repacked.h"
#include "kernels/cuda/element_math.cuh"

#include <cstdint>

namespace awq::kernels::decode_detail {

template <typename T>
struct RepackedArgs {
    const T* x;
    const std::int32_t* qpack;
    const __half* scaleZeros;
    T* y;
    float* partial;            // [splits][M][N] when K is split, else nullptr
    unsigned* splitCounters;   // staged kernel, M <= 2: one a column tile, zero between calls; nullptr: a second kernel reduces
    int M, K, N, G, groupsPerSplit;
    AwqDecodeFusion<T> fusion;  // staged and streamed kernels (input transform; residual epilogue: streamed, or with splitCounters)
};

// This lane's residual value for writeTileOutputs (lane = 16 m + column within the tile), 0 without
// the residual epilogue.
template <typename T>
__device__ __forceinline__ float residualBefore(const RepackedArgs<T>& a, int tile, int lane) {
    if (!a.fusion.residual || lane >= a.M * 16) return 0.0f;
    return toFloat(a.fusion.residual[std::int64_t(lane / 16) * a.N + tile * 16 + lane % 16]);
}

// A column tile's outputs from their sums, one warp: y[m, col] = T(sum), or with the residual
// epilogue (M <= 2: one pass) residual[m, col] = T(before + T(sum)) and the tile's sum of squares
// a row, added in a fixed order. sumOf(m, column within the tile) gives the fp32 sum; the caller
// loads `before` (residualBefore) early, so that it is in flight with the sums.
template <typename T, typename SumOf>
__device__ __forceinline__ void writeTileOutputs(const RepackedArgs<T>& a, int tile, int lane, float before, SumOf sumOf) {
    float squares = 0.0f;
    for (int i = lane; i < a.M * 16; i += 32) {
        const int m = i / 16, col = tile * 16 + i % 16;
        const float sum = sumOf(m, i % 16);
        if (a.fusion.residual) {
            const T v = fromFloat<T>(before + roundTo<T>(sum));
            a.fusion.residual[std::int64_t(m) * a.N + col] = v;
            squares = toFloat(v) * toFloat(v);
        } else {
            a.y[std::int64_t(m) * a.N + col] = T(sum);
        }
    }
    if (a.fusion.residual) {
#pragma unroll
        for (int offset = 8; offset > 0; offset >>= 1) squares += __shfl_xor_sync(0xffffffffu, squares, offset);
        if ((lane & 15) == 0 && lane / 16 < a.M) a.fusion.residualSumSquares[std::int64_t(lane / 16) * (a.N / 16) + tile] = squares;
    }
}

// Rows [0, M) of the GEMM's input over this split's k range into shared memory, through the
// fusion's input transform (AwqDecodeFusion in awq_repacked.h). For rmsNorm every warp adds up the
// producer's per-tile sums of squares itself (K/16 floats a row, in flight with the x loads, in
// the same order in every warp of every block): no block barrier beyond the caller's.
template <typename T>
__device__ __forceinline__ void stageX(const RepackedArgs<T>& a, uint4* xStage, int kbBegin, int rangeWords, int rowStride) {
    const AwqDecodeFusion<T>& f = a.fusion;
    const bool silu = f.input == AwqDecodeInput::siluMul, norm = f.input == AwqDecodeInput::rmsNorm;
    const std::int64_t rowElems = silu ? 2 * std::int64_t(a.K) : a.K;
    float rowScale[kAwqDecodeFusionMaxM] = {};
    if (norm) {
        const int lane = threadIdx.x & 31, parts = a.K / 16;
#pragma unroll
        for (int m = 0; m < kAwqDecodeFusionMaxM; ++m) {
            if (m >= a.M) break;
            float sum = 0.0f;
#pragma unroll 8
            for (int j = lane; j < parts; j += 32) sum += __ldcg(f.sumSquares + std::int64_t(m) * parts + j);
#pragma unroll
            for (int offset = 16; offset > 0; offset >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, offset);
            rowScale[m] = rsqrtf(sum / float(a.K) + f.eps);
        }
    }
    const uint4* normWeight = reinterpret_cast<const uint4*>(f.normWeight) + kbBegin * 8;
    for (int i = int(threadIdx.x); i < a.M * rangeWords; i += int(blockDim.x)) {
        const int m = i / rangeWords, c = i - m * rangeWords;
        const uint4* row = reinterpret_cast<const uint4*>(a.x + std::int64_t(m) * rowElems + std::int64_t(kbBegin) * 64) + c;
        const uint4 x = __ldg(row);
        xStage[m * rowStride + c] = silu   ? siluMul8<T>(x, __ldg(row + a.K / 8))
                                    : norm ? rmsNormScale8<T>(x, __ldg(normWeight + c), m == 0 ? rowScale[0] : rowScale[kAwqDecodeFusionMaxM - 1])
                                           : x;
    }
}

}  // namespace awq::kernels::decode_detail
