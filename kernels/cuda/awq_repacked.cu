#include "kernels/cuda/awq_repacked.h"

#include "kernels/awq_layout.h"
#include "kernels/repacked_layout.h"
#include "kernels/cuda/alignment.h"
#include "kernels/cuda/awq_repacked_decode.cuh"
#include "kernels/cuda/awq_repacked_stream.cuh"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/element_math.cuh"
#include "kernels/cuda/mma_m16n8k16.cuh"
#include "kernels/cuda/programmatic_launch.cuh"
#include "kernels/cuda/repacked_dequant.cuh"
#include "kernels/cuda/split_k.cuh"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <type_traits>

namespace awq::kernels {
namespace {

using namespace decode_detail;

int resolvedGroup(int K, int groupSize) { return groupSize == -1 ? K : groupSize; }


// ---------------------------------------------------------------------------------------------
// Repack: one thread a qpack word (eight nibbles gathered from the AutoAWQ words), and one thread a
// (group, column pair) of scaleZeros.
// ---------------------------------------------------------------------------------------------
__global__ void repackWeightsKernel(const std::int32_t* __restrict__ qweight, int K, int N, std::int32_t* __restrict__ qpack) {
    const std::int64_t w = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    const int KB = K / 64;
    if (w >= std::int64_t(K) * N / 8) return;
    const int j = int(w % 4), lane = int((w / 4) % 32);
    const std::int64_t rest = w / 128;
    const int b = int(rest % KB), c = int(rest / KB);
    const int g = lane >> 2, t = lane & 3;
    std::uint32_t out = 0;
#pragma unroll
    for (int i = 0; i < 8; ++i) {
        const int k = repackedInput(b, j, t, i), col = repackedColumn(c, g, i);
        const auto word = static_cast<std::uint32_t>(qweight[std::int64_t(k) * (N / 8) + col / 8]);
        out |= awqNibble(word, col % 8) << (4 * i);
    }
    qpack[w] = static_cast<std::int32_t>(out);
}

__global__ void repackScaleZerosKernel(const std::int32_t* __restrict__ qzeros, const __half* __restrict__ scales, int groups, int N,
                                       __half* __restrict__ scaleZeros) {
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;  // (group, tile, g)
    if (i >= std::int64_t(groups) * (N / 16) * 8) return;
    const int g = int(i % 8);
    const std::int64_t tileIndex = i / 8;
    const int c = int(tileIndex % (N / 16)), grp = int(tileIndex / (N / 16));
    __half* out = scaleZeros + i * 4;
#pragma unroll
    for (int h = 0; h < 2; ++h) {
        const int col = 16 * c + g + 8 * h;
        const auto zword = static_cast<std::uint32_t>(qzeros[std::int64_t(grp) * (N / 8) + col / 8]);
        out[h] = scales[std::int64_t(grp) * N + col];
        out[2 + h] = __float2half_rn(1024.0f + float(awqNibble(zword, col % 8)));
    }
}

// ---------------------------------------------------------------------------------------------
// The decode kernel: a warp a column tile (16 outputs) over a range of groups; four warps a block.
// Each lane streams one 16-byte word per k-block (eight k-blocks in flight), builds its A
// registers with one mask-and-magic and one exact subtraction per pair, multiplies eight rows of
// x a tile (B fragments straight from global memory, L1-cached), accumulates a group in fp32 and
// scales it once per group.
// ---------------------------------------------------------------------------------------------
constexpr int kWarpsPerBlock = 4;
[[maybe_unused]] constexpr int kKBlocksInFlight = 8;  // device code only

// A warp's outputs of one column tile: to this split's slice of `partial`, or to y when K is not
// split. d0 = (column 16c+g, row 2t), d1 = (same column, row 2t+1), d2/d3 = column 16c+g+8.
template <typename T, int MT8>
__device__ __forceinline__ void storeTile(const RepackedArgs<T>& a, const float (&total)[MT8][4], int tile, int g, int t) {
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
        for (int i = 0; i < 4; ++i) {
            const int m = mt * 8 + 2 * t + (i & 1);
            const int col = tile * 16 + g + 8 * (i >> 1);
            if (m >= a.M) continue;
            if (a.partial)
                a.partial[(std::int64_t(blockIdx.y) * a.M + m) * a.N + col] = total[mt][i];
            else
                a.y[std::int64_t(m) * a.N + col] = T(total[mt][i]);
        }
}

// Split K without a second kernel: after a warp has stored its tile's partial outputs, the last
// warp to finish that tile (counted in splitCounters[tile]) adds the splits up in fixed order, as
// split_k::reduceKernel does (the same sums, deterministic), writes y and re-arms the counter for
// the next call. The fence before the count makes this warp's partials visible to that last warp.
template <typename T>
__device__ __forceinline__ void finishTileSplits(const RepackedArgs<T>& a, int tile, int lane) {
    __threadfence();
    __syncwarp();
    unsigned done = 0;
    if (lane == 0) done = atomicAdd(a.splitCounters + tile, 1u);
    done = __shfl_sync(0xffffffffu, done, 0);
    if (done != gridDim.y - 1) return;
    __threadfence();
    const int splits = int(gridDim.y);
    const std::int64_t splitStride = std::int64_t(a.M) * a.N;
    writeTileOutputs(a, tile, lane, residualBefore(a, tile, lane), [&](int m, int column) {
        const float* p = a.partial + std::int64_t(m) * a.N + tile * 16 + column;
        float sum = 0.0f;
        for (int s = 0; s < splits; s += 8) {  // eight L2 reads in flight, summed in split order
            float v[8];
#pragma unroll
            for (int u = 0; u < 8; ++u) v[u] = s + u < splits ? __ldcg(p + (s + u) * splitStride) : 0.0f;
#pragma unroll
            for (int u = 0; u < 8; ++u)
                if (s + u < splits) sum += v[u];
        }
        return sum;
    });
    if (lane == 0) a.splitCounters[tile] = 0;
}

template <typename T, int MT8>
__global__ void __launch_bounds__(kWarpsPerBlock * 32) awqRepackedKernel(RepackedArgs<T> a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap();  // the host never picks this kernel below sm_80
#else
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int tile = int(blockIdx.x) * kWarpsPerBlock + warp;
    const int tiles = a.N / 16;
    if (tile >= tiles) return;  // whole warps only
    const int g = lane >> 2, t = lane & 3;
    const int KB = a.K / 64, kbPerGroup = a.G / 64, groups = a.K / a.G;
    const int grpBegin = int(blockIdx.y) * a.groupsPerSplit, grpEnd = min(groups, grpBegin + a.groupsPerSplit);
    const int kbBegin = grpBegin * kbPerGroup, kbEnd = grpEnd * kbPerGroup;
    const uint4* words = reinterpret_cast<const uint4*>(a.qpack) + std::int64_t(tile) * KB * 32 + lane;

    float total[MT8][4], acc[MT8][4];
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
        for (int i = 0; i < 4; ++i) total[mt][i] = acc[mt][i] = 0.0f;
    float s0 = 0.0f, s1 = 0.0f;
    std::uint32_t z0 = 0, z1 = 0;

    for (int kb = kbBegin; kb < kbEnd; kb += kKBlocksInFlight) {
        uint4 w[kKBlocksInFlight];
#pragma unroll
        for (int u = 0; u < kKBlocksInFlight; ++u)
            w[u] = kb + u < kbEnd ? __ldcs(words + std::int64_t(kb + u) * 32) : make_uint4(0, 0, 0, 0);
#pragma unroll
        for (int u = 0; u < kKBlocksInFlight; ++u) {
            const int b = kb + u;
            if (b >= kbEnd) break;
            if (b % kbPerGroup == 0) {  // a new group: scale the last one in, fetch this one's scale and zero
                if (b != kbBegin) {
#pragma unroll
                    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
                        for (int i = 0; i < 4; ++i) {
                            total[mt][i] += acc[mt][i] * (i < 2 ? s0 : s1);
                            acc[mt][i] = 0.0f;
                        }
                }
                const uint2 sz = __ldg(reinterpret_cast<const uint2*>(a.scaleZeros + ((std::int64_t(b / kbPerGroup) * (a.N / 16) + tile) * 8 + g) * 4));
                __half h[4];
                memcpy(h, &sz, 8);
                s0 = __half2float(h[0]);
                s1 = __half2float(h[1]);
                z0 = zeroPair<T>(h[2]);
                z1 = zeroPair<T>(h[3]);
            }
            // This lane's 16 activations of the k-block for each row of x it feeds (two 16-byte
            // loads a row; zeros for rows past M).
            uint4 xv[MT8][2];
#pragma unroll
            for (int mt = 0; mt < MT8; ++mt) {
                const int m = mt * 8 + g;
                if (m < a.M) {
                    const uint4* xr = reinterpret_cast<const uint4*>(a.x + std::int64_t(m) * a.K + b * 64 + 16 * t);
                    xv[mt][0] = __ldg(xr);
                    xv[mt][1] = __ldg(xr + 1);
                } else {
                    xv[mt][0] = xv[mt][1] = make_uint4(0, 0, 0, 0);
                }
            }
            const std::uint32_t ws[4] = {w[u].x, w[u].y, w[u].z, w[u].w};
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                const std::uint32_t q = ws[j];
                const std::uint32_t a0 = subPair<T>((q & 0x000F000Fu) | kMagicPair<T>, z0);
                const std::uint32_t a1 = subPair<T>(((q >> 4) & 0x000F000Fu) | kMagicPair<T>, z1);
                const std::uint32_t a2 = subPair<T>(((q >> 8) & 0x000F000Fu) | kMagicPair<T>, z0);
                const std::uint32_t a3 = subPair<T>(((q >> 12) & 0x000F000Fu) | kMagicPair<T>, z1);
#pragma unroll
                for (int mt = 0; mt < MT8; ++mt) {
                    // Inputs 16t + 4j .. 16t + 4j + 3 of the k-block: words 2j and 2j + 1 of the 32 bytes.
                    const uint4& v = xv[mt][j / 2];
                    const std::uint32_t b0 = (j % 2) == 0 ? v.x : v.z;
                    const std::uint32_t b1 = (j % 2) == 0 ? v.y : v.w;
                    mma16816<T>(acc[mt], a0, a1, a2, a3, b0, b1);
                }
            }
        }
    }
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
        for (int i = 0; i < 4; ++i) total[mt][i] += acc[mt][i] * (i < 2 ? s0 : s1);

    storeTile<T, MT8>(a, total, tile, g, t);
#endif
}

// The decode kernel for group sizes 64 and 128 (KPG = k-blocks a group, known at compile time):
// the same work split as awqRepackedKernel, with what made that one latency-bound taken out of
// the loop (measured on an H200: ~122 instructions a k-block, one eligible warp a scheduler):
// the block first puts its weights and scales in flight, then stages its rows of x for its k
// range in shared memory (instead of two dependent global loads a k-block), scales are loaded
// with the weights (not on reaching a group), the group test is a compile-time mask (not an
// integer division), and the fp16 dequantization takes 9 instructions a word instead of 16.
[[maybe_unused]] constexpr int kStagedKBlocksInFlight = 8;  // device code only

// Tried and dropped (H200, awq_gemm_bench, cold L2): reloading each weight register IF k-blocks
// ahead as soon as it is read ("rolling" loads, same registers) instead of in batches of IF:
// gate|up at M = 1 went from 22.6 to 41.3 us, batch 1 decode 394 -> 282 tok/s. Also dropped: each
// GEMV pulling the next linear's weights (o after q|k|v, ... the next layer's q|k|v after down) into
// L2 with cp.async.bulk.prefetch.L2 from its prologue, so that its reads would hit L2: batch 1
// (prompt 128) 368.7 tok/s without, 355.0 with 16 MB a linear, 341.0 with all of it (engine_bench,
// same run); the extra code also cost the fp16 kernel 56 bytes more spills at 72 registers. And a
// cp.async ring in shared memory (3 stages of 4 k-blocks a warp, so that bytes stay in flight while
// a warp computes, 61 registers, no spills): slower on every shape (M = 1: gate|up 22.5 -> 24.7 us,
// qkv 9.1 -> 9.6, o 7.6 -> 7.9; batch 1 394.6 -> 376.3 tok/s); ncu on gate|up at M = 1 shows the
// same DRAM throughput (51%) and issue rate (0.55-0.58 a scheduler) either way.
// Registers decide the speed at M = 32: fp16 builds at 128 a thread (four blocks a
// multiprocessor); a variant at 133 lost a block a multiprocessor and ~25% (measured on an H200).
template <typename T, int MT8, int KPG>
__device__ __forceinline__ void stagedGemm(const RepackedArgs<T>& a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap();
#else
    constexpr int IF = kStagedKBlocksInFlight;
    static_assert(IF % KPG == 0);
    extern __shared__ uint4 xStage[];  // rows [0, M) of x over this split's k range (row stride rangeWords + 1)
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int tile = int(blockIdx.x) * kWarpsPerBlock + warp;
    const int tiles = a.N / 16;
    const int g = lane >> 2, t = lane & 3;
    const int KB = a.K / 64, groups = a.K / a.G;
    const int grpBegin = int(blockIdx.y) * a.groupsPerSplit, grpEnd = min(groups, grpBegin + a.groupsPerSplit);
    const int kbBegin = grpBegin * KPG, kbEnd = grpEnd * KPG;
    const int rangeWords = (kbEnd - kbBegin) * 8, rowStride = rangeWords + 1;
    const bool active = tile < tiles;
    const uint4* words = reinterpret_cast<const uint4*>(a.qpack) + std::int64_t(active ? tile : 0) * KB * 32 + lane;
    const uint2* scaleZeros = reinterpret_cast<const uint2*>(a.scaleZeros) + std::int64_t(active ? tile : 0) * 8 + g;

    uint4 w[IF];
    uint2 sz[IF / KPG];
    auto load = [&](int kb) {
#pragma unroll
        for (int u = 0; u < IF; ++u) w[u] = kb + u < kbEnd ? __ldcs(words + std::int64_t(kb + u) * 32) : make_uint4(0, 0, 0, 0);
#pragma unroll
        for (int v = 0; v < IF / KPG; ++v) {
            const int b = kb + v * KPG;
            sz[v] = b < kbEnd ? __ldg(scaleZeros + std::int64_t(b / KPG) * tiles * 8) : make_uint2(0, 0);
        }
    };
    // The next kernel's launch is processed now, so its blocks take each multiprocessor slot this
    // grid frees (and fetch their weights) instead of waiting until every block here is past its
    // loop. Measured on an H200 (awq_gemm_bench, cold L2, M = 1, 32 calls a graph): gate|up 20.1 ->
    // 18.4 us, down 12.7 -> 12.0, q|k|v 8.4 -> 7.6, o 7.1 -> 6.4; engine_bench batch 1, prompt 128:
    // 422 -> 439 tok/s. Also measured then and dropped: grids sized for 3, 4 or 6 resident blocks a
    // multiprocessor (so that the next grid's blocks fit beside this one: 341 / 352 / 387 tok/s), and
    // L2 prefetches (cp.async.bulk.prefetch.L2) of this warp's next 8-16 k-blocks, from the prologue
    // or rolling ahead of the loads (396-446 tok/s).
    allowDependentGridsToLaunch();
    if (active) load(kbBegin);   // the weights do not depend on the kernel before this one
    waitForPrerequisiteGrids();  // x does
    stageX(a, xStage, kbBegin, rangeWords, rowStride);
    __syncthreads();
    if (!active) return;  // whole warps; no block-wide barrier follows

    float total[MT8][4], acc[MT8][4];
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
        for (int i = 0; i < 4; ++i) total[mt][i] = acc[mt][i] = 0.0f;
    float s0 = 0.0f, s1 = 0.0f;
    GroupZeros<T> z{};
    // This lane's row of x for each 8-row slice (the mma's B column g). Lanes past the last row read
    // the last row instead of zeros: B column n only reaches output column n, which storeTile drops
    // for n >= M, so no branch and no zeroing a k-block. With the branch the compiler recomputed the
    // stage address in every k-block (~15 of ~80 instructions); without it, measured on an H200 in
    // one run (awq_gemm_bench, cold L2, M = 1): gate|up 22.6 -> 20.1 us, down 14.0 -> 12.7, qkv
    // 9.2 -> 8.4, o 7.5 -> 7.1; engine_bench batch 1 395 -> 422 tok/s, batch 8 2469 -> 2596.
    const uint4* xRows[MT8];
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt) xRows[mt] = xStage + min(mt * 8 + g, a.M - 1) * rowStride + 2 * t;
    for (int kb = kbBegin; kb < kbEnd; kb += IF) {
        if (kb != kbBegin) load(kb);
#pragma unroll
        for (int u = 0; u < IF; ++u) {
            const int b = kb + u;
            if (b >= kbEnd) break;
            if (u % KPG == 0) {  // a new group (kb and kbBegin are group-aligned)
#pragma unroll
                for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
                    for (int i = 0; i < 4; ++i) {
                        total[mt][i] += acc[mt][i] * (i < 2 ? s0 : s1);
                        acc[mt][i] = 0.0f;
                    }
                __half h[4];
                memcpy(h, &sz[u / KPG], 8);
                s0 = __half2float(h[0]);
                s1 = __half2float(h[1]);
                z = groupZeros<T>(h[2], h[3]);
            }
            uint4 xv[MT8][2];
#pragma unroll
            for (int mt = 0; mt < MT8; ++mt) {
                const uint4* xr = xRows[mt] + (b - kbBegin) * 8;
                xv[mt][0] = xr[0];
                xv[mt][1] = xr[1];
            }
            const std::uint32_t ws[4] = {w[u].x, w[u].y, w[u].z, w[u].w};
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                std::uint32_t r[4];
                dequantWord<T>(ws[j], z, r);
#pragma unroll
                for (int mt = 0; mt < MT8; ++mt) {
                    const uint4& v = xv[mt][j / 2];
                    mma16816<T>(acc[mt], r[0], r[1], r[2], r[3], (j % 2) == 0 ? v.x : v.z, (j % 2) == 0 ? v.y : v.w);
                }
            }
        }
    }
#pragma unroll
    for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
        for (int i = 0; i < 4; ++i) total[mt][i] += acc[mt][i] * (i < 2 ? s0 : s1);
    storeTile<T, MT8>(a, total, tile, g, t);
    if (a.partial && a.splitCounters) finishTileSplits(a, tile, lane);
#endif
}

template <typename T, int MT8, int KPG>
__global__ void __launch_bounds__(kWarpsPerBlock * 32) awqRepackedStagedKernel(RepackedArgs<T> a) {
    stagedGemm<T, MT8, KPG>(a);
}

// Up to 8 rows (MT8 = 1): capped at 72 registers so that seven blocks (28 warps) fit a
// multiprocessor; the plan below sizes the grid to one wave of them.
template <typename T, int MT8, int KPG>
__global__ void __launch_bounds__(kWarpsPerBlock * 32, 7) awqRepackedStagedBusyKernel(RepackedArgs<T> a) {
    stagedGemm<T, MT8, KPG>(a);
}

// Dequantize for prefill into the transposed weight [N, K] (PyTorch's Linear layout, which cuBLAS
// reads as fast as [K, N]): in that layout a lane's 32 nibbles are two columns' 16 consecutive
// inputs, so each lane writes four 16-byte stores straight from registers (no shared-memory
// transpose). A warp takes one (column tile, k-block), a
// block eight k-blocks of one tile (4 KB of contiguous qpack). The [K, N] kernel this replaced
// staged through shared memory and ran at ~40% of read bandwidth (H200, gate|up 4096 -> 28672:
// 157 us). Rounded as the CPU reference rounds: fp16((q - z) * s) (q - z is exact in fp16).
constexpr int kDequantWarps = 8;

__global__ void __launch_bounds__(kDequantWarps * 32) repackedDequantizeKernel(const uint4* __restrict__ qpack,
                                                                              const uint2* __restrict__ scaleZeros, int K, int N, int G,
                                                                              __half* __restrict__ out) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int c = int(blockIdx.x), tiles = N / 16, KB = K / 64;
    const int b = int(blockIdx.y) * kDequantWarps + warp;
    if (b >= KB) return;
    const int g = lane >> 2, t = lane & 3;
    const uint4 w = __ldcs(qpack + (std::int64_t(c) * KB + b) * 32 + lane);
    const uint2 sz = __ldg(scaleZeros + (std::int64_t((64 * b) / G) * tiles + c) * 8 + g);
    __half h[4];
    memcpy(h, &sz, 8);
    const __half2 scale[2] = {__half2half2(h[0]), __half2half2(h[1])};
    const __half2 zero[2] = {__half2half2(h[2]), __half2half2(h[3])};
    const std::uint32_t words[4] = {w.x, w.y, w.z, w.w};
    // Column 16c + g + 8hi, inputs 64b + 16t + 2m and + 1 (m = 2j + p): nibbles i = hi + 2p and
    // i + 4 of word j, which (w >> 4i) & 0x000F000F puts in the low and high half of one pair.
    std::uint32_t column[2][8];
#pragma unroll
    for (int hi = 0; hi < 2; ++hi)
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int p = 0; p < 2; ++p) {
                const std::uint32_t bits = ((words[j] >> (4 * (hi + 2 * p))) & 0x000F000Fu) | 0x64006400u;  // 1024 + q
                __half2 q;
                memcpy(&q, &bits, 4);
                const __half2 v = __hmul2(__hsub2(q, zero[hi]), scale[hi]);
                memcpy(&column[hi][2 * j + p], &v, 4);
            }
    // The four lanes of a column hold its 128 bytes of this k-block as 16-byte pieces 2t and 2t + 1;
    // two shuffled stores write pieces t and 4 + t instead, so that each store covers whole 32-byte
    // sectors (64 contiguous bytes a column).
    const int odd = t & 1;
#pragma unroll
    for (int hi = 0; hi < 2; ++hi) {
        __half* row = out + std::int64_t(16 * c + g + 8 * hi) * K + 64 * b;
#pragma unroll
        for (int half = 0; half < 2; ++half) {
            const int source = (lane & ~3) | (2 * half + (t >> 1));
            std::uint32_t piece[4];
#pragma unroll
            for (int w = 0; w < 4; ++w) {
                const std::uint32_t even = __shfl_sync(0xffffffffu, column[hi][w], source);
                const std::uint32_t oddPiece = __shfl_sync(0xffffffffu, column[hi][4 + w], source);
                piece[w] = odd ? oddPiece : even;
            }
            *reinterpret_cast<uint4*>(row + 8 * (4 * half + t)) = make_uint4(piece[0], piece[1], piece[2], piece[3]);
        }
    }
}

struct Plan {
    int tiles = 1, splits = 1, groupsPerSplit = 1;
    std::size_t stageBytes = 0;  // > 0: the staged kernel runs, with this much shared memory
    StreamedDecodePlan stream;  // sharedBytes > 0: the streamed kernel runs (one split)
};

// Shared memory the staged kernel needs for M rows of x over a split (0: not usable; group sizes
// 64 and 128 only, within the 48 KB a block gets without opting in).
std::size_t stagedSharedBytes(int M, int groupsPerSplit, int G) {
    if (G != 64 && G != 128) return 0;
    const std::size_t bytes = std::size_t(M) * (std::size_t(groupsPerSplit) * G / 8 + 1) * 16;
    return bytes <= 48 * 1024 ? bytes : 0;
}

// AWQBENCH_DECODE_BUSY=0: M <= 8 on the staged kernel's default occupancy (for measuring).
bool busyDecodeKernel() {
    static const bool busy = [] {
        const char* v = std::getenv("AWQBENCH_DECODE_BUSY");
        return !(v && v[0] == '0');
    }();
    return busy;
}
constexpr int kBusyBlocksPerSm = 7;  // the __launch_bounds__ of awqRepackedStagedBusyKernel

// AWQBENCH_DECODE_ONE_WAVE=0: the warps-per-SM rule below for every M; =2: the one-wave rule only
// up to M = 2 (for measuring).
int oneWaveMaxM() {
    static const int maxM = [] {
        const char* v = std::getenv("AWQBENCH_DECODE_ONE_WAVE");
        return v && v[0] == '0' ? 0 : v && v[0] == '2' ? 2 : 8;
    }();
    return maxM;
}

// Blocks of the busy kernel that fit a multiprocessor with `stageBytes` of staged x each (the
// runtime reserves 1 KB a block).
int busyBlocksPerSm(std::size_t stageBytes) {
    return std::clamp(int(std::size_t(deviceSharedMemoryPerMultiprocessor()) / (stageBytes + 1024)), 1, kBusyBlocksPerSm);
}

// Otherwise splits K at group boundaries until there are about `warpsPerSm` warps a multiprocessor, and
// further until the staged kernel's rows of x fit in shared memory. Measured on an H200 on the
// Llama-3-8B shapes: the staged kernel is fastest at 16-48 warps a multiprocessor (32 is within
// 8% of the best everywhere; adding the splits up in a thread-block cluster through distributed
// shared memory instead of a reduction kernel was slower), 48 for the older kernel.
Plan plan(int M, int K, int N, int G) {
    Plan p;
    if ((p.stream = planStreamedDecode(M, K, N, G)).sharedBytes > 0) {
        p.tiles = N / 16;
        p.groupsPerSplit = K / G;
        return p;
    }
    // Batch 1-8 on the busy kernel: as many K splits as keep the grid within one wave of resident
    // blocks (a grid of 1.1-1.5 waves ends on a partly filled wave of a latency-bound kernel).
    // Measured on an H200 (engine_bench, Llama-3-8B shapes, batch 1): 353 -> 390 tok/s.
    if ((G == 64 || G == 128) && M <= oneWaveMaxM() && busyDecodeKernel()) {
        p.tiles = N / 16;
        const int groups = K / G;
        const int blocksPerSplit = (p.tiles + kWarpsPerBlock - 1) / kWarpsPerBlock;
        int resident = kBusyBlocksPerSm;
        for (int pass = 0; pass < 2; ++pass) {  // fewer blocks fit when the staged x grows
            const int splits = std::clamp(resident * deviceMultiprocessors() / blocksPerSplit, 1, groups);
            p.groupsPerSplit = (groups + splits - 1) / splits;
            p.splits = (groups + p.groupsPerSplit - 1) / p.groupsPerSplit;
            p.stageBytes = stagedSharedBytes(M, p.groupsPerSplit, G);
            if (p.stageBytes == 0) break;
            const int fits = busyBlocksPerSm(p.stageBytes);
            if (fits >= resident || pass == 1) return p;
            resident = fits;
        }
        p = Plan{};
    }
    p.tiles = N / 16;
    const int groups = K / G;
    const bool staged = G == 64 || G == 128;
    const int wantedWarps = (staged ? 32 : 48) * deviceMultiprocessors();
    int splits = std::clamp((wantedWarps + p.tiles - 1) / p.tiles, 1, groups);
    for (;; ++splits) {
        p.groupsPerSplit = (groups + splits - 1) / splits;
        p.splits = (groups + p.groupsPerSplit - 1) / p.groupsPerSplit;
        p.stageBytes = staged ? stagedSharedBytes(M, p.groupsPerSplit, G) : 0;
        if (!staged || p.stageBytes > 0 || splits >= groups) break;
    }
    return p;
}

std::size_t workspaceFor(const Plan& p, int M, int N) {
    return p.splits > 1 ? std::size_t(p.splits) * std::size_t(M) * std::size_t(N) * sizeof(float) : 0;
}

template <typename T, int MT8, int KPG>
cudaError_t launchStaged(const RepackedArgs<T>& args, dim3 grid, const Plan& p, cudaStream_t stream) {
    if constexpr (MT8 == 1)
        if (busyDecodeKernel()) return launchProgrammatic(awqRepackedStagedBusyKernel<T, MT8, KPG>, grid, dim3(kWarpsPerBlock * 32), p.stageBytes, stream, args);
    return launchProgrammatic(awqRepackedStagedKernel<T, MT8, KPG>, grid, dim3(kWarpsPerBlock * 32), p.stageBytes, stream, args);
}

template <typename T, int KPG>
cudaError_t launchStagedByRows(const RepackedArgs<T>& args, dim3 grid, const Plan& p, cudaStream_t stream) {
    if (args.M <= 8) return launchStaged<T, 1, KPG>(args, grid, p, stream);
    if (args.M <= 16) return launchStaged<T, 2, KPG>(args, grid, p, stream);
    return launchStaged<T, 4, KPG>(args, grid, p, stream);
}

constexpr int kCountedSplitsMaxM = 2;

template <typename T>
cudaError_t repackedGemm(const T* x, const std::int32_t* qpack, const __half* scaleZeros, T* y, int M,
                         int K, int N, int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes,
                         unsigned* splitCounters, const AwqDecodeFusion<T>& fusion) {
    const int G = resolvedGroup(K, groupSize);
    if (M < 0 || M > kAwqRepackedMaxM || !awqRepackSupported(K, N, groupSize)) return cudaErrorInvalidValue;
    if (M == 0) return cudaSuccess;
    if (!x || !qpack || !scaleZeros || !(y || fusion.residual) || !aligned16(qpack) || !aligned16(x)) return cudaErrorInvalidValue;
    Plan p = plan(M, K, N, G);
    const bool siluOutput = fusion.output == AwqDecodeOutput::siluMul;
    if (siluOutput) p.stream = planStreamedDecode(M, K, N, G, true);  // the streamed kernel alone pairs gate and up tiles
    if (p.stream.sharedBytes > 0 && aligned16(scaleZeros)) {
        if ((fusion.input != AwqDecodeInput::plain || fusion.residual) && M > kAwqDecodeFusionMaxM) return cudaErrorNotSupported;
        if (siluOutput && (fusion.residual || !y)) return cudaErrorNotSupported;
        if (fusion.input == AwqDecodeInput::rmsNorm && (!fusion.normWeight || !aligned16(fusion.normWeight) || !fusion.sumSquares))
            return cudaErrorNotSupported;
        if (fusion.residual && !fusion.residualSumSquares) return cudaErrorNotSupported;
        const RepackedArgs<T> args{x, qpack, scaleZeros, y, nullptr, nullptr, M, K, N, G, K / G, fusion};
        return launchStreamedDecode(args, p.stream, stream);
    }
    if (siluOutput) return cudaErrorNotSupported;
    p.stream = {};
    float* partial = nullptr;
    if (const std::size_t need = workspaceFor(p, M, N); need > 0 && workspace && workspaceBytes >= need && aligned16(workspace) && aligned16(y)) {
        partial = static_cast<float*>(workspace);
    } else if (need > 0) {
        p.groupsPerSplit = K / G;
        p.splits = 1;
        p.stageBytes = stagedSharedBytes(M, p.groupsPerSplit, G);
    }
    // The last warp of a tile adds up M * 16 outputs in one pass up to M = 2; beyond that a
    // reduction kernel over the whole grid is faster (measured on an H200, engine decode: batch 1
    // +2%, batch 8 -6% with counters).
    const bool countedSplits = partial && splitCounters && p.stageBytes > 0 && M <= kCountedSplitsMaxM;
    if (fusion.input != AwqDecodeInput::plain && (p.stageBytes == 0 || M > kAwqDecodeFusionMaxM)) return cudaErrorNotSupported;
    if (fusion.input == AwqDecodeInput::rmsNorm &&
        (!fusion.normWeight || !aligned16(fusion.normWeight) || !fusion.sumSquares))
        return cudaErrorNotSupported;
    if (fusion.residual && (!countedSplits || !fusion.residualSumSquares)) return cudaErrorNotSupported;
    const RepackedArgs<T> args{x, qpack, scaleZeros, y, partial, countedSplits ? splitCounters : nullptr, M, K, N, G,
                               p.groupsPerSplit, fusion};
    const dim3 grid(unsigned((p.tiles + kWarpsPerBlock - 1) / kWarpsPerBlock), unsigned(p.splits));
    if (p.stageBytes > 0) {
        if (const cudaError_t e = G == 64 ? launchStagedByRows<T, 1>(args, grid, p, stream) : launchStagedByRows<T, 2>(args, grid, p, stream);
            e != cudaSuccess)
            return e;
    } else if (M <= 8)
        awqRepackedKernel<T, 1><<<grid, kWarpsPerBlock * 32, 0, stream>>>(args);
    else if (M <= 16)
        awqRepackedKernel<T, 2><<<grid, kWarpsPerBlock * 32, 0, stream>>>(args);
    else
        awqRepackedKernel<T, 4><<<grid, kWarpsPerBlock * 32, 0, stream>>>(args);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess || !partial || countedSplits) return e;
    return split_k::reduce<T>(partial, y, p.splits, std::int64_t(M) * N, stream);  // M * N % 16 == 0
}

}  // namespace

bool awqRepackSupported(int K, int N, int groupSize) {
    const int G = resolvedGroup(K, groupSize);
    return K > 0 && N > 0 && K % 64 == 0 && N % 16 == 0 && G > 0 && G % 64 == 0 && K % G == 0 && deviceComputeMajor() >= 8;
}

cudaError_t awqRepack(const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, int K, int N, int groupSize,
                      std::int32_t* qpack, __half* scaleZeros, cudaStream_t stream) {
    if (!awqRepackSupported(K, N, groupSize)) return cudaErrorInvalidValue;
    const int G = resolvedGroup(K, groupSize);
    const std::int64_t words = std::int64_t(K) * N / 8;
    repackWeightsKernel<<<unsigned((words + 255) / 256), 256, 0, stream>>>(qweight, K, N, qpack);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
    const std::int64_t pairs = std::int64_t(K / G) * (N / 16) * 8;
    repackScaleZerosKernel<<<unsigned((pairs + 255) / 256), 256, 0, stream>>>(qzeros, scales, K / G, N, scaleZeros);
    return cudaGetLastError();
}

cudaError_t awqRepackedGemm(const __half* x, const std::int32_t* qpack, const __half* scaleZeros, __half* y, int M, int K, int N,
                            int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes, unsigned* splitCounters,
                            const AwqDecodeFusion<__half>& fusion) {
    return repackedGemm<__half>(x, qpack, scaleZeros, y, M, K, N, groupSize, stream, workspace, workspaceBytes, splitCounters, fusion);
}

cudaError_t awqRepackedGemm(const __nv_bfloat16* x, const std::int32_t* qpack, const __half* scaleZeros, __nv_bfloat16* y, int M, int K,
                            int N, int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes, unsigned* splitCounters,
                            const AwqDecodeFusion<__nv_bfloat16>& fusion) {
    return repackedGemm<__nv_bfloat16>(x, qpack, scaleZeros, y, M, K, N, groupSize, stream, workspace, workspaceBytes, splitCounters,
                                       fusion);
}

bool awqRepackedGemmStreams(int M, int K, int N, int groupSize) {
    return M > 0 && M <= kAwqRepackedMaxM && awqRepackSupported(K, N, groupSize) && plan(M, K, N, resolvedGroup(K, groupSize)).stream.sharedBytes > 0;
}

std::size_t awqRepackedGemmCounterCount(int N) { return N > 0 ? std::size_t(N / 16) : 0; }

std::size_t awqRepackedGemmWorkspaceBytes(int M, int K, int N, int groupSize) {
    if (M <= 0 || M > kAwqRepackedMaxM || !awqRepackSupported(K, N, groupSize)) return 0;
    return workspaceFor(plan(M, K, N, resolvedGroup(K, groupSize)), M, N);
}

cudaError_t awqRepackedDequantize(const std::int32_t* qpack, const __half* scaleZeros, int K, int N, int groupSize, __half* out,
                                  cudaStream_t stream) {
    if (!awqRepackSupported(K, N, groupSize)) return cudaErrorInvalidValue;
    if (!aligned16(out) || !aligned16(qpack) || !aligned16(scaleZeros)) return cudaErrorInvalidValue;
    const dim3 grid(unsigned(N / 16), unsigned((K / 64 + kDequantWarps - 1) / kDequantWarps));
    repackedDequantizeKernel<<<grid, kDequantWarps * 32, 0, stream>>>(reinterpret_cast<const uint4*>(qpack), reinterpret_cast<const uint2*>(scaleZeros),
                                                                      K, N, resolvedGroup(K, groupSize), out);
    return cudaGetLastError();
}

}  // namespace awq::kernels
