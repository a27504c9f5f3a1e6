#include "kernels/cuda/decode_ops.h"

#include "kernels/cuda/alignment.h"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/element_math.cuh"
#include "kernels/cuda/programmatic_launch.cuh"

#include <cooperative_groups.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string_view>
#include <type_traits>

namespace awq::kernels {
namespace {

constexpr unsigned kFullMask = 0xffffffffu;
constexpr float kLog2e = 1.4426950408889634f;

__device__ __forceinline__ float warpSum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(kFullMask, v, offset);
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ float blockSum(float v) {
    __shared__ float partial[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warpSum(v);
    if (lane == 0) partial[warp] = v;
    __syncthreads();
    const int warps = int(blockDim.x) >> 5;
    float total = lane < warps ? partial[lane] : 0.0f;
    total = warpSum(total);
    __syncthreads();  // partial[] may be reused by a later call
    return total;
}

// ---------------------------------------------------------------------------------------------
// RMSNorm with the residual add: one block a row (a warp a row where a row has at most 32 vectors:
// Qwen3's per-head q/k norm over 128 values took ~90 us a call on an H200 as 131K one-warp blocks),
// eight elements (16 bytes) per access. Both reduce in the same order, so they give the same bits.
// ---------------------------------------------------------------------------------------------
template <typename T, typename Sum>
__device__ __forceinline__ void rmsNormResidualRow(T* __restrict__ x, const T* __restrict__ delta, const T* __restrict__ weight,
                                                   T* __restrict__ out, int dim, float eps, int thread, int threads, Sum sum) {
    auto* xr = reinterpret_cast<uint4*>(x);
    const auto* dr = delta ? reinterpret_cast<const uint4*>(delta) : nullptr;
    const auto* wr = reinterpret_cast<const uint4*>(weight);
    auto* orow = reinterpret_cast<uint4*>(out);
    const int vecs = dim / 8;

    float sumSquares = 0.0f;
    for (int i = thread; i < vecs; i += threads) {
        uint4 xv = xr[i];
        T* xe = reinterpret_cast<T*>(&xv);
        if (dr) {
            uint4 dv = dr[i];
            const T* de = reinterpret_cast<const T*>(&dv);
#pragma unroll
            for (int e = 0; e < 8; ++e) xe[e] = fromFloat<T>(toFloat(xe[e]) + toFloat(de[e]));
            xr[i] = xv;
        }
#pragma unroll
        for (int e = 0; e < 8; ++e) {
            const float f = toFloat(xe[e]);
            sumSquares += f * f;
        }
    }
    const float inv = rsqrtf(sum(sumSquares) / float(dim) + eps);
    for (int i = thread; i < vecs; i += threads)
        orow[i] = rmsNormScale8<T>(xr[i], wr[i], inv);  // xr[i]: this thread's own write above, if any
}

template <typename T>
__global__ void rmsNormResidualKernel(T* __restrict__ x, const T* __restrict__ delta, const T* __restrict__ weight, T* __restrict__ out,
                                      int dim, float eps) {
    allowDependentGridsToLaunch();  // the next kernel may start (a GEMV fetches its weights meanwhile)
    waitForPrerequisiteGrids();     // launched programmatically: the kernel before may still be running
    const std::size_t row = std::size_t(blockIdx.x) * dim;
    rmsNormResidualRow(x + row, delta ? delta + row : nullptr, weight, out + row, dim, eps, int(threadIdx.x), int(blockDim.x),
                       [](float v) { return blockSum(v); });
}

constexpr int kNormRowsPerBlock = 8;

template <typename T>
__global__ void rmsNormResidualWarpRowsKernel(T* __restrict__ x, const T* __restrict__ delta, const T* __restrict__ weight,
                                              T* __restrict__ out, int rows, int dim, float eps) {
    allowDependentGridsToLaunch();
    waitForPrerequisiteGrids();
    const int r = int(blockIdx.x) * kNormRowsPerBlock + int(threadIdx.x >> 5);
    if (r >= rows) return;  // a whole warp: warpSum below stays within full warps
    const std::size_t row = std::size_t(r) * dim;
    rmsNormResidualRow(x + row, delta ? delta + row : nullptr, weight, out + row, dim, eps, int(threadIdx.x & 31), 32,
                       [](float v) { return warpSum(v); });
}

// One head of a token: optional per-head RMSNorm (Qwen3's q/k norm), then the rotary embedding, as
// Hugging Face rounds them. A warp holds the head, lane l elements l*E .. l*E+E-1 (values v, rope
// table rows cosRow / sinRow at the same offset); every lane of the warp must call it.
template <typename T, int E>
__device__ __forceinline__ void normAndRotate(float (&v)[E], const T* normWeight, float eps, const float* cosRow, const float* sinRow, int D,
                                              int lane, T (&out)[E]) {
    if (normWeight) {
        float sumSquares = 0.0f;
#pragma unroll
        for (int e = 0; e < E; ++e) sumSquares += v[e] * v[e];
        const float inv = rsqrtf(warpSum(sumSquares) / float(D) + eps);
#pragma unroll
        for (int e = 0; e < E; ++e) v[e] = roundTo<T>(toFloat(normWeight[lane * E + e]) * roundTo<T>(v[e] * inv));
    }
#pragma unroll
    for (int e = 0; e < E; ++e) {
        const float partner = __shfl_xor_sync(kFullMask, v[e], 16);
        const float rotated = lane < 16 ? -partner : partner;
        // As Hugging Face: tables cast to T, x * cos + rotate_half(x) * sin with each product in T.
        const float c = roundTo<T>(cosRow[e]), s = roundTo<T>(sinRow[e]);
        out[e] = fromFloat<T>(roundTo<T>(v[e] * c) + roundTo<T>(rotated * s));
    }
}

// ---------------------------------------------------------------------------------------------
// q/k norm + rotary embedding + KV-cache write: one warp a (sequence, head), E = D / 32 elements a
// lane (lane l holds d = l*E .. l*E+E-1, so rotate_half's partner d +- D/2 sits in lane l ^ 16).
// ---------------------------------------------------------------------------------------------
template <typename T, int E>
__global__ void ropeKvWriteKernel(RopeKvArgs<T> a) {
    allowDependentGridsToLaunch();  // the next kernel may start (a GEMV fetches its weights meanwhile)
    waitForPrerequisiteGrids();     // launched programmatically: the kernel before may still be running
    const int lane = threadIdx.x & 31;
    const int warpIndex = int(blockIdx.x) * (int(blockDim.x) >> 5) + (int(threadIdx.x) >> 5);
    const int headsAll = a.heads + 2 * a.kvHeads;
    if (warpIndex >= a.batch * headsAll) return;
    const int b = warpIndex / headsAll, head = warpIndex % headsAll;
    const int D = a.headDim;
    const int pos = a.positions[b];
    if (pos < 0 || pos >= a.capacity) return;  // the engine never asks for this; never write outside the cache
    const std::size_t sequence = std::size_t(b / a.tokensPerSequence);

    const T* src = a.qkv + (std::size_t(b) * headsAll + head) * D + lane * E;
    float v[E];
#pragma unroll
    for (int e = 0; e < E; ++e) v[e] = toFloat(src[e]);

    if (head >= a.heads + a.kvHeads) {  // a value head: stored as is
        const int kvh = head - a.heads - a.kvHeads;
        T* dst = a.vCache + ((sequence * a.kvHeads + kvh) * a.capacity + pos) * D + lane * E;
#pragma unroll
        for (int e = 0; e < E; ++e) dst[e] = src[e];
        return;
    }
    const bool isQuery = head < a.heads;
    T* dst = isQuery ? a.q + (std::size_t(b) * a.heads + head) * D + lane * E
                     : a.kCache + ((sequence * a.kvHeads + (head - a.heads)) * a.capacity + pos) * D + lane * E;
    T out[E];
    normAndRotate<T, E>(v, isQuery ? a.qNorm : a.kNorm, a.normEps, a.cos + std::size_t(pos) * D + lane * E, a.sin + std::size_t(pos) * D + lane * E,
                        D, lane, out);
#pragma unroll
    for (int e = 0; e < E; ++e) dst[e] = out[e];
}

// ---------------------------------------------------------------------------------------------
// Decode attention: a block per (sequence, kv head, piece of the keys, group of up to eight query
// heads or one query head, see attentionQueryHeadsPerBlock); four warps take keys in turn, each
// keeping an online softmax per query head; the warps merge in shared memory; with several pieces a
// second kernel merges them.
// ---------------------------------------------------------------------------------------------
constexpr int kAttnWarps = 4;
constexpr int kMaxGroup = 8;
constexpr int kMaxAttentionSplits = 64;

// The keys sequence b sees now, and how many of the grid's a.splits pieces they take, so that a
// cache sized for a long context (a server's slots hold the model's whole context) does not split
// a short one into pieces of a few keys each, while the grid, sized from the capacity, stays fixed
// for the captured decode graph. A piece takes `keysPerPiece` keys (the size the grid was planned
// for), half that up to 16 pieces' worth: short contexts gain from more blocks in flight, long ones
// from fewer pieces to merge. Measured on an H200 (engine_bench --serve-capacity 8192, Llama-3-8B
// shapes, batch 1, tok/s; the grid's 64 pieces from the capacity before): prompt 128: 389 before,
// 396-411 with 64 keys a piece, 414 with 32; prompt 2048: 347-352 before (and with 32 keys), 373-385
// with 64.
struct AttentionPieces {
    int lo, pos, count, pieces, chunk;
};
template <typename T>
__device__ __forceinline__ AttentionPieces attentionPieces(const DecodeAttentionArgs<T>& a, int position, int keysPerPiece) {
    AttentionPieces p;
    p.pos = min(position, a.capacity - 1);
    p.lo = a.window > 0 ? max(0, p.pos - a.window + 1) : 0;
    p.count = p.pos - p.lo + 1;
    const int keys = p.count <= 16 * keysPerPiece ? keysPerPiece / 2 : keysPerPiece;
    p.pieces = max(1, min(a.splits, (p.count + keys - 1) / keys));
    p.chunk = (p.count + p.pieces - 1) / p.pieces;
    return p;
}

// The block's query heads g0 .. g0 + groupHere - 1 of sequence b, pre-scaled by scale * log2(e) (the
// softmax runs on exp2); 0 past groupHere. Read as rotated from a.q, or (FusedRope) normalised and
// rotated here from the raw q|k|v row, where the block of the last piece (lastPiece: it always ends
// at the position, no piece is empty) first writes that position's key and value into the caches
// and then waits for them at a block barrier (the blocks of the kv head's other query heads write
// the same bits).
template <typename T, int E, int MaxGroup, bool FusedRope>
__device__ __forceinline__ void stepQueries(const DecodeAttentionArgs<T>& a, const RopeKvArgs<T>& rope, const AttentionPieces& plan, int b,
                                            int kvh, int g0, int groupHere, bool lastPiece, float (&q)[MaxGroup][E]) {
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int D = a.headDim, group = a.heads / a.kvHeads;
    if constexpr (!FusedRope) {
#pragma unroll
        for (int g = 0; g < MaxGroup; ++g)
#pragma unroll
            for (int e = 0; e < E; ++e)
                q[g][e] = g < groupHere ? toFloat(a.q[(std::size_t(b) * a.heads + kvh * group + g0 + g) * D + lane * E + e]) * a.scale * kLog2e : 0.0f;
    } else {
        const int position = a.positions[b];
        const bool writes = lastPiece && position >= 0 && position < a.capacity;  // block-uniform
        const T* row = rope.qkv + std::size_t(b) * (a.heads + 2 * a.kvHeads) * D + lane * E;
        const std::size_t ropeRow = std::size_t(max(plan.pos, 0));  // = position where it is valid
        const float* cosRow = rope.cos + ropeRow * D + lane * E;
        const float* sinRow = rope.sin + ropeRow * D + lane * E;
        if (writes && warp < 2) {  // warp 0 the key, warp 1 the value
            const T* src = row + std::size_t(a.heads + warp * a.kvHeads + kvh) * D;
            T out[E];
            if (warp == 0) {
                float v[E];
#pragma unroll
                for (int e = 0; e < E; ++e) v[e] = toFloat(src[e]);
                normAndRotate<T, E>(v, rope.kNorm, rope.normEps, cosRow, sinRow, D, lane, out);
            } else {
#pragma unroll
                for (int e = 0; e < E; ++e) out[e] = src[e];
            }
            T* dst = (warp == 0 ? rope.kCache : rope.vCache) + ((std::size_t(b) * a.kvHeads + kvh) * a.capacity + position) * D + lane * E;
#pragma unroll
            for (int e = 0; e < E; ++e) dst[e] = out[e];
        }
#pragma unroll
        for (int g = 0; g < MaxGroup; ++g) {
            if (g < groupHere) {  // block-uniform: whole warps
                const T* src = row + std::size_t(kvh * group + g0 + g) * D;
                float v[E];
#pragma unroll
                for (int e = 0; e < E; ++e) v[e] = toFloat(src[e]);
                T out[E];
                normAndRotate<T, E>(v, rope.qNorm, rope.normEps, cosRow, sinRow, D, lane, out);
#pragma unroll
                for (int e = 0; e < E; ++e) q[g][e] = toFloat(out[e]) * a.scale * kLog2e;
            } else {
#pragma unroll
                for (int e = 0; e < E; ++e) q[g][e] = 0.0f;
            }
        }
        if (writes) __syncthreads();  // this position's key and value, written above, are read after
    }
}

// A lane's E elements of a key or value row as stored, two to a 32-bit register (floats took
// twice the registers for the keys a warp has in flight), converted where they are used.
template <typename T, int E>
struct PackedRow {
    std::uint32_t words[(E + 1) / 2];
    __device__ __forceinline__ void load(const T* row) {
        const auto* bits = reinterpret_cast<const unsigned short*>(row);
        if constexpr (E % 2 == 0) {
#pragma unroll
            for (int w = 0; w < E / 2; ++w) words[w] = reinterpret_cast<const std::uint32_t*>(row)[w];  // lane * E: 4-byte aligned
        } else {
#pragma unroll
            for (int w = 0; w < (E + 1) / 2; ++w) words[w] = 0;
#pragma unroll
            for (int e = 0; e < E; ++e) words[e / 2] |= std::uint32_t(bits[e]) << (16 * (e % 2));
        }
    }
    __device__ __forceinline__ float operator[](int e) const {
        const unsigned short bits = static_cast<unsigned short>(words[e / 2] >> (16 * (e % 2)));
        T v;
        memcpy(&v, &bits, sizeof(v));
        return toFloat(v);
    }
};

// The merge of a cluster's pieces (InCluster): each block has put its piece's maximum, weight sum
// and weighted values in shared memory; after a cluster barrier the blocks merge a share of the
// outputs each, reading the pieces from their peers' shared memory (sm_90 distributed shared
// memory), in the order and with the sums of mergeAttentionPiecesKernel, so the same bits. A second
// barrier keeps every block's shared memory alive until its peers have read it.
template <typename T, int E, int MaxGroup>
__device__ __forceinline__ void mergeClusterPieces(const DecodeAttentionArgs<T>& a, const AttentionPieces& plan, int b, int kvh, int g0,
                                                   int groupHere, float (&value)[MaxGroup][E * 32], float (&pieceMax)[MaxGroup],
                                                   float (&pieceSum)[MaxGroup]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    namespace cg = cooperative_groups;
    cg::cluster_group cluster = cg::this_cluster();
    cluster.sync();
    const int D = a.headDim, group = a.heads / a.kvHeads;
    const int rank = int(cluster.block_rank()), blocks = int(cluster.num_blocks());
    for (int idx = threadIdx.x + rank * int(blockDim.x); idx < groupHere * D; idx += blocks * int(blockDim.x)) {
        const int g = idx / D, d = idx % D;
        float m = -INFINITY;
        for (int s = 0; s < plan.pieces; ++s) m = fmaxf(m, cluster.map_shared_rank(&pieceMax[0], s)[g]);
        float sum = 0.0f, v = 0.0f;
        for (int s = 0; s < plan.pieces; ++s) {
            const float weight = m == -INFINITY ? 0.0f : exp2f(cluster.map_shared_rank(&pieceMax[0], s)[g] - m);
            sum += cluster.map_shared_rank(&pieceSum[0], s)[g] * weight;
            v += cluster.map_shared_rank(&value[0][0], s)[g * D + d] * weight;
        }
        a.out[(std::size_t(b) * a.heads + kvh * group + g0 + g) * D + d] = fromFloat<T>(sum > 0.0f ? v / sum : 0.0f);
    }
    cluster.sync();
#else
    __trap();  // launched in clusters only where the device and the build are sm_90 (decodeAttention)
#endif
}

// FusedRope: the q|k|v rows come raw and the kernel does the rope / KV write itself (stepQueries),
// so the rope / KV-write kernel goes. Same bits as ropeKvWrite then this kernel (tested).
// Measured on an H200 (engine_bench, Llama-3-8B shapes, AWQ, same run): batch 1 457.8 -> 462.7
// tok/s at prompt 128, 402.6 -> 416.1 at 2048; batch 8 2612 -> 2651 / 1699 -> 1710.
// InCluster: the pieces of a (sequence, kv head, query heads) are one thread block cluster of
// a.splits blocks and merge through distributed shared memory (mergeClusterPieces), so the merge
// kernel and its round trip through global memory go. Measured on an H200 (engine_bench, AWQ,
// session 18, one run; AWQBENCH_ATTN_CLUSTER=0 for the A/B): batch 1 prompt 128 497.3 / 497.2 /
// 497.5 tok/s against 489.0 / 488.5 (+1.7%); prompt 2048 (more than 8 pieces: the merge kernel
// still runs) and batch 8 within the run-to-run spread. Capping the pieces at 8 so that long
// contexts merge in clusters too lost: prompt 2048 batch 1 346.8 tok/s against ~405-420.
// Dropped in session 26 (H200, engine_bench --batches 1,8 --prompts 128,2048, three interleaved
// rounds, one build, switched by environment): this kernel pulling the o projection's weights into
// L2 (cp.async.bulk.prefetch.L2 in 16 KB pieces over the grid, after the wait) while DRAM is idle
// here: AWQ batch 1 prompt 128 529.3 / 530.4 / 529.5 tok/s against 531.9 / 532.6 / 531.5 without,
// fp16 224.3 / 224.4 / 224.3 against 229.0 / 229.0 / 228.9 (its o weight is 33.5 MB).
template <typename T, int E, int MaxGroup, bool FusedRope, bool InCluster>
__global__ void decodeAttentionKernel(DecodeAttentionArgs<T> a, int keysPerPiece, RopeKvArgs<T> rope) {
    allowDependentGridsToLaunch();  // the next kernel may start (a GEMV fetches its weights meanwhile)
    waitForPrerequisiteGrids();     // launched programmatically: the kernel before may still be running
    __shared__ float sMax[kAttnWarps][MaxGroup], sSum[kAttnWarps][MaxGroup];
    __shared__ float sAcc[kAttnWarps][MaxGroup][E * 32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int D = a.headDim;
    const int group = a.heads / a.kvHeads;
    const int b = int(blockIdx.x) / a.kvHeads, kvh = int(blockIdx.x) % a.kvHeads;
    const int split = blockIdx.y;
    const int perBlock = (group + int(gridDim.z) - 1) / int(gridDim.z);  // <= MaxGroup (the host's choice)
    const int g0 = int(blockIdx.z) * perBlock;
    const int groupHere = min(perBlock, group - g0);

    const AttentionPieces plan = attentionPieces(a, a.positions[b], keysPerPiece);
    // The merge reads plan.pieces pieces only; in a cluster the others still meet its barriers.
    if (!InCluster && split >= plan.pieces) return;
    const int start = plan.lo + split * plan.chunk;
    const int end = split < plan.pieces ? min(start + plan.chunk, plan.pos + 1) : start;

    float q[MaxGroup][E];
    if (split < plan.pieces) stepQueries<T, E, MaxGroup, FusedRope>(a, rope, plan, b, kvh, g0, groupHere, split == plan.pieces - 1, q);
    float runMax[MaxGroup], runSum[MaxGroup], acc[MaxGroup][E];
#pragma unroll
    for (int g = 0; g < MaxGroup; ++g) {
        runMax[g] = -INFINITY;
        runSum[g] = 0.0f;
#pragma unroll
        for (int e = 0; e < E; ++e) acc[g][e] = 0.0f;
    }
    const std::size_t base = (std::size_t(b) * a.kvHeads + kvh) * a.capacity * D + lane * E;
    // Each warp takes U consecutive keys at a time and loads them all before using them: one key at
    // a time left the loop waiting on a memory round trip per key (measured on an H200: attention
    // over 2048 keys ran at ~1/7 of the read bandwidth). Loading the next U keys while scoring these
    // was measured and dropped (engine_bench batch 1: +1% at prompt 128, -4% at 2048).
    // The keys are held as stored (PackedRow), so the batch-1 kernel takes 64 registers, not 96.
    // Measured on an H200 (session 25, engine_bench --only awq --new-tokens 32, three interleaved
    // rounds, tok/s against float keys): batch 1 prompt 128 502.6-502.8 / 500.5-500.9, batch 8
    // prompt 2048 1743-1782 / 1716-1743, batch 8 prompt 128 2909-2934 / 2909-2962, batch 1 prompt
    // 2048 within its spread (377-414 both). Dropped there: twice the keys a warp (U 8 where the
    // block scores a group: 187-192 registers): batch 8 -8% at prompt 128, -3% at 2048; and, in a
    // CUDA graph, loading the warp's first keys before the wait for the q|k|v GEMV (the history is
    // written by earlier replays; this step's key reloaded after its write): 499.4-499.9 against
    // 501.5-501.8 at batch 1 prompt 128.
    constexpr int U = MaxGroup == 1 ? (E <= 4 ? 8 : 4) : (E <= 4 ? 4 : 2);
    for (int t0 = start + warp * U; t0 < end; t0 += kAttnWarps * U) {
        PackedRow<T, E> k[U], v[U];
#pragma unroll
        for (int u = 0; u < U; ++u) {
            const std::size_t row = base + std::size_t(min(t0 + u, end - 1)) * D;  // past the end: a valid row, masked below
            k[u].load(a.kCache + row);
            v[u].load(a.vCache + row);
        }
#pragma unroll
        for (int g = 0; g < MaxGroup; ++g) {
            if (g >= groupHere) break;
            float scores[U];
            float newMax = runMax[g];
#pragma unroll
            for (int u = 0; u < U; ++u) {
                float dot = 0.0f;
#pragma unroll
                for (int e = 0; e < E; ++e) dot += q[g][e] * k[u][e];
                dot = warpSum(dot);
                scores[u] = t0 + u < end ? dot : -INFINITY;
                newMax = fmaxf(newMax, scores[u]);
            }
            const float alpha = exp2f(runMax[g] - newMax);
            runSum[g] *= alpha;
#pragma unroll
            for (int e = 0; e < E; ++e) acc[g][e] *= alpha;
#pragma unroll
            for (int u = 0; u < U; ++u) {
                const float p = exp2f(scores[u] - newMax);
                runSum[g] += p;
#pragma unroll
                for (int e = 0; e < E; ++e) acc[g][e] += p * v[u][e];
            }
            runMax[g] = newMax;
        }
    }
#pragma unroll
    for (int g = 0; g < MaxGroup; ++g) {
        if (lane == 0) {
            sMax[warp][g] = runMax[g];
            sSum[warp][g] = runSum[g];
        }
#pragma unroll
        for (int e = 0; e < E; ++e) sAcc[warp][g][lane * E + e] = acc[g][e];
    }
    __syncthreads();

    __shared__ float sPieceValue[InCluster ? MaxGroup : 1][E * 32], sPieceMax[MaxGroup], sPieceSum[MaxGroup];
    const std::size_t pieces = std::size_t(a.batch) * a.heads * a.splits;
    for (int idx = threadIdx.x; idx < groupHere * D; idx += blockDim.x) {
        const int g = idx / D, d = idx % D;
        float m = -INFINITY;
#pragma unroll
        for (int w = 0; w < kAttnWarps; ++w) m = fmaxf(m, sMax[w][g]);
        float sum = 0.0f, value = 0.0f;
        if (m != -INFINITY) {
#pragma unroll
            for (int w = 0; w < kAttnWarps; ++w) {
                const float weight = exp2f(sMax[w][g] - m);
                sum += sSum[w][g] * weight;
                value += sAcc[w][g][d] * weight;
            }
        }
        if constexpr (InCluster) {
            sPieceValue[g][d] = value;
            if (d == 0) {
                sPieceMax[g] = m;
                sPieceSum[g] = sum;
            }
            continue;
        }
        const int h = kvh * group + g0 + g;
        const std::size_t bh = std::size_t(b) * a.heads + h;
        if (plan.pieces == 1) {  // the merge kernel leaves this head alone
            a.out[bh * D + d] = fromFloat<T>(sum > 0.0f ? value / sum : 0.0f);
        } else {
            const std::size_t piece = bh * a.splits + split;
            a.workspace[piece * D + d] = value;
            if (d == 0) {
                a.workspace[pieces * D + piece] = m;
                a.workspace[pieces * D + pieces + piece] = sum;
            }
        }
    }
    if constexpr (InCluster) mergeClusterPieces<T, E, MaxGroup>(a, plan, b, kvh, g0, groupHere, sPieceValue, sPieceMax, sPieceSum);
}

// One block a (sequence, query head), a thread a dimension. The pieces' maxima and weights go
// through shared memory once, and the loop over pieces has no branch, so its loads are issued
// together: a thread walking the pieces one dependent load at a time took ~12 us a layer at 2048
// keys (36 pieces) on an H200. Same sums in the same order as before, so the same bits (an empty
// piece has max -inf, weight 0, and sum and value 0).
template <typename T>
__global__ void mergeAttentionPiecesKernel(DecodeAttentionArgs<T> a, int keysPerPiece) {
    allowDependentGridsToLaunch();  // the next kernel may start (a GEMV fetches its weights meanwhile)
    waitForPrerequisiteGrids();     // launched programmatically: the kernel before may still be running
    __shared__ float sMaxima[kMaxAttentionSplits], sWeights[kMaxAttentionSplits];
    const int D = a.headDim;
    const std::size_t bh = blockIdx.x;
    const int d = threadIdx.x;
    const int position = a.positions[bh / a.heads];
    const std::size_t pieces = std::size_t(a.batch) * a.heads * a.splits;
    const float* acc = a.workspace + bh * a.splits * D + d;
    const float* maxima = a.workspace + pieces * D + bh * a.splits;
    const float* sums = a.workspace + pieces * D + pieces + bh * a.splits;
    // Every piece's maximum is loaded together with the position (those past `used` are stale and
    // never read): waiting for the position first cost a round trip a layer (batch 1, prompt 128:
    // 420.9 -> 416.0 tok/s on an H200).
    for (int s = d; s < a.splits; s += blockDim.x) sMaxima[s] = maxima[s];
    const int used = attentionPieces(a, position, keysPerPiece).pieces;
    if (used == 1) return;  // the attention kernel wrote this head's output (the whole block returns)
    __syncthreads();
    float m = -INFINITY;
    for (int s = 0; s < used; ++s) m = fmaxf(m, sMaxima[s]);
    for (int s = d; s < used; s += blockDim.x) sWeights[s] = m == -INFINITY ? 0.0f : exp2f(sMaxima[s] - m);
    __syncthreads();
    float sum = 0.0f, value = 0.0f;
#pragma unroll 8
    for (int s = 0; s < used; ++s) {
        const float weight = sWeights[s];
        sum += sums[s] * weight;
        value += acc[std::size_t(s) * D] * weight;
    }
    a.out[bh * D + d] = fromFloat<T>(sum > 0.0f ? value / sum : 0.0f);
}

template <typename T>
__global__ void siluMulKernel(const T* __restrict__ gateUp, T* __restrict__ out, int rows, int inter) {
    allowDependentGridsToLaunch();  // the next kernel may start (a GEMV fetches its weights meanwhile)
    waitForPrerequisiteGrids();     // launched programmatically: the kernel before may still be running
    const int vecsPerRow = inter / 8;
    const std::int64_t i = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i >= std::int64_t(rows) * vecsPerRow) return;
    const std::int64_t r = i / vecsPerRow, c = i % vecsPerRow;
    const uint4 gv = reinterpret_cast<const uint4*>(gateUp + r * 2 * inter)[c];
    const uint4 uv = reinterpret_cast<const uint4*>(gateUp + r * 2 * inter + inter)[c];
    reinterpret_cast<uint4*>(out + r * inter)[c] = siluMul8<T>(gv, uv);
}


bool headDimSupported(int D) { return D > 0 && D % 32 == 0 && D <= 256; }

// Calls f(std::integral_constant<int, E>) for E = D / 32.
// ---------------------------------------------------------------------------------------------
// Argmax of each row: kArgmaxPieces blocks a row each keep the best (value, index) of a slice, in
// thread, warp and block reductions preferring the smaller index on equal values; the last block of
// a row to finish (counted as the split-K GEMV counts) reduces the slices in order and re-arms the
// counter.
// ---------------------------------------------------------------------------------------------
constexpr int kArgmaxThreads = 512, kArgmaxPieces = 32;

struct ArgmaxWorkspace {
    float* best;        // [rows][kArgmaxPieces]
    int* index;         // [rows][kArgmaxPieces]
    unsigned* counter;  // [rows], zero between calls
};

ArgmaxWorkspace argmaxWorkspace(void* base, int rows) {
    auto* bytes = static_cast<char*>(base);
    const std::size_t slots = std::size_t(rows) * kArgmaxPieces;
    return {reinterpret_cast<float*>(bytes), reinterpret_cast<int*>(bytes + slots * 4), reinterpret_cast<unsigned*>(bytes + slots * 8)};
}

__device__ __forceinline__ void keepLarger(float& best, int& bestIndex, float v, int index) {
    if (v > best || (v == best && index < bestIndex)) {
        best = v;
        bestIndex = index;
    }
}

// The block's best pair, valid in thread 0.
__device__ __forceinline__ void blockArgmax(float& best, int& bestIndex) {
    __shared__ float warpBest[32];
    __shared__ int warpIndex[32];
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        keepLarger(best, bestIndex, __shfl_xor_sync(kFullMask, best, offset), __shfl_xor_sync(kFullMask, bestIndex, offset));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = int(blockDim.x) >> 5;
    if (lane == 0) {
        warpBest[warp] = best;
        warpIndex[warp] = bestIndex;
    }
    __syncthreads();
    if (warp != 0) return;
    best = lane < warps ? warpBest[lane] : -INFINITY;
    bestIndex = lane < warps ? warpIndex[lane] : INT_MAX;
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        keepLarger(best, bestIndex, __shfl_xor_sync(kFullMask, best, offset), __shfl_xor_sync(kFullMask, bestIndex, offset));
}

// One block a row, a thread a 16-column tile at a time (embedRows).
template <typename T>
__global__ void embedRowsKernel(const T* __restrict__ table, std::int64_t vocab, const std::int64_t* __restrict__ ids, T* __restrict__ x,
                                float* __restrict__ tileSumSquares, int dim) {
    allowDependentGridsToLaunch();  // the q|k|v projection's blocks fetch their weights meanwhile
    const int row = int(blockIdx.x), tiles = dim / 16;
    waitForPrerequisiteGrids();  // ids: the step before wrote them
    const std::int64_t id = ids[row];
    const bool inVocab = id >= 0 && id < vocab;
    const uint4* from = reinterpret_cast<const uint4*>(table + (inVocab ? id : 0) * std::int64_t(dim));
    uint4* to = reinterpret_cast<uint4*>(x + std::int64_t(row) * dim);
    for (int t = int(threadIdx.x); t < tiles; t += int(blockDim.x)) {
        uint4 v[2] = {inVocab ? __ldg(from + 2 * t) : make_uint4(0, 0, 0, 0), inVocab ? __ldg(from + 2 * t + 1) : make_uint4(0, 0, 0, 0)};
        to[2 * t] = v[0];
        to[2 * t + 1] = v[1];
        const T* e = reinterpret_cast<const T*>(v);
        float squares = 0.0f;
#pragma unroll
        for (int i = 0; i < 16; ++i) squares += toFloat(e[i]) * toFloat(e[i]);
        tileSumSquares[std::int64_t(row) * tiles + t] = squares;
    }
}

__device__ __forceinline__ float logitAsFloat(float v) { return v; }
template <typename T>
__device__ __forceinline__ float logitAsFloat(T v) { return toFloat(v); }  // exact: fp16 and bf16 are subsets of fp32

// L: float, __half or __nv_bfloat16 (the lm_head's own output: no conversion kernel before this one).
template <typename L>
__global__ void __launch_bounds__(kArgmaxThreads) argmaxRowsKernel(const L* __restrict__ logits, int cols, std::int64_t* __restrict__ out,
                                                                  ArgmaxWorkspace ws, ArgmaxBookkeeping bk) {
    const int row = int(blockIdx.y), piece = int(blockIdx.x);
    const int sliceLength = (cols + kArgmaxPieces - 1) / kArgmaxPieces;
    const int begin = piece * sliceLength, end = min(cols, begin + sliceLength);
    const L* values = logits + std::size_t(row) * cols;
    float best = -INFINITY;
    int bestIndex = INT_MAX;  // stays for a slice of only NaN / -inf
    for (int i = begin + int(threadIdx.x); i < end; i += kArgmaxThreads) keepLarger(best, bestIndex, logitAsFloat(__ldcs(values + i)), i);
    blockArgmax(best, bestIndex);
    __shared__ bool last;
    if (threadIdx.x == 0) {
        const std::size_t slot = std::size_t(row) * kArgmaxPieces + piece;
        ws.best[slot] = best;
        ws.index[slot] = bestIndex;
        __threadfence();
        last = atomicAdd(ws.counter + row, 1u) == kArgmaxPieces - 1;
    }
    __syncthreads();
    if (!last || threadIdx.x >= 32) return;
    __threadfence();
    const std::size_t slot = std::size_t(row) * kArgmaxPieces + threadIdx.x;  // kArgmaxPieces == 32: a lane a slice
    best = __ldcg(ws.best + slot);
    bestIndex = __ldcg(ws.index + slot);
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1)
        keepLarger(best, bestIndex, __shfl_xor_sync(kFullMask, best, offset), __shfl_xor_sync(kFullMask, bestIndex, offset));
    if (threadIdx.x == 0) {
        const std::int64_t id = bestIndex < cols ? bestIndex : 0;
        out[row] = id;
        if (bk.positions) bk.positions[row] = min(bk.positions[row] + 1, bk.positionLimit);
        if (bk.hostSlots) {
            const int step = bk.cursor[row];
            bk.hostSlots[std::size_t(step % bk.slotCount) * gridDim.y + row] = id;
            bk.cursor[row] = step + 1;
        }
        ws.counter[row] = 0;
    }
}
static_assert(kArgmaxPieces == 32, "the last block reduces the slices with one warp");

template <typename F>
cudaError_t withElementsPerLane(int D, F&& f) {
    switch (D / 32) {
        case 1: return f(std::integral_constant<int, 1>{});
        case 2: return f(std::integral_constant<int, 2>{});
        case 3: return f(std::integral_constant<int, 3>{});
        case 4: return f(std::integral_constant<int, 4>{});
        case 5: return f(std::integral_constant<int, 5>{});
        case 6: return f(std::integral_constant<int, 6>{});
        case 7: return f(std::integral_constant<int, 7>{});
        case 8: return f(std::integral_constant<int, 8>{});
        default: return cudaErrorInvalidValue;
    }
}

}  // namespace

template <typename T>
cudaError_t rmsNormResidual(T* x, const T* delta, const T* weight, T* out, int rows, int dim, float eps, cudaStream_t stream) {
    if (rows < 0 || dim <= 0 || dim % 8 != 0 || !aligned16(x) || !aligned16(weight) || !aligned16(out) || (delta && !aligned16(delta)))
        return cudaErrorInvalidValue;
    if (rows == 0) return cudaSuccess;
    if (dim / 8 <= 32)
        return launchProgrammatic(rmsNormResidualWarpRowsKernel<T>, dim3(unsigned((rows + kNormRowsPerBlock - 1) / kNormRowsPerBlock)),
                                  dim3(kNormRowsPerBlock * 32), 0, stream, x, delta, weight, out, rows, dim, eps);
    const int threads = std::clamp((dim / 8 + 31) / 32 * 32, 32, 256);
    return launchProgrammatic(rmsNormResidualKernel<T>, dim3(unsigned(rows)), dim3(unsigned(threads)), 0, stream, x, delta, weight, out,
                              dim, eps);
}

template <typename T>
cudaError_t ropeKvWrite(const RopeKvArgs<T>& a, cudaStream_t stream) {
    if (a.batch < 0 || a.heads <= 0 || a.kvHeads <= 0 || a.capacity <= 0 || !headDimSupported(a.headDim) || a.tokensPerSequence <= 0 ||
        a.batch % a.tokensPerSequence != 0)
        return cudaErrorInvalidValue;
    if (a.batch == 0) return cudaSuccess;
    const int warps = a.batch * (a.heads + 2 * a.kvHeads);
    constexpr int kWarpsPerBlock = 4;
    const unsigned blocks = unsigned((warps + kWarpsPerBlock - 1) / kWarpsPerBlock);
    return withElementsPerLane(a.headDim, [&](auto e) {
        return launchProgrammatic(ropeKvWriteKernel<T, decltype(e)::value>, dim3(blocks), dim3(kWarpsPerBlock * 32), 0, stream, a);
    });
}

// Keys a piece of the split attention. Once the unsplit grid fills the GPU twice, pieces shorter
// than 512 keys cost more in the merge kernel than they gain (measured on an H200, batch 32: 4
// pieces of 64 keys -3%, of 544 keys +8%). Below that, 64 keys a piece (engine_bench batch 1 / 8
// tok/s at prompt 128 and 2048: 16 keys 396 / 2304 / 305 / 1641, 32 keys 400 / 2398 / 305 / 1638,
// 64 keys 395 / 2470 / 343 / 1645, 128 keys 377 / 2362 / 337 / 1645).
int attentionKeysPerPiece(int batch, int kvHeads) { return std::max(1, batch * kvHeads) >= 2 * deviceMultiprocessors() ? 512 : 64; }

// Query heads a block scores against its keys: all of a kv head's group (up to kMaxGroup), or one
// each where even a block a query head leaves multiprocessors idle (batch 1 at prompt 128: 8 kv
// heads x 3 pieces = 24 blocks for 132 SMs), so that a block's warps score one head instead of
// four, with twice the keys in flight, and the group's blocks share their keys through L2.
// Measured on an H200 (engine_bench, Llama-3-8B shapes, batch 1, prompt 128): attention 8.0 ->
// 4.0 us a layer, 436 -> 455 tok/s; batch 8 and prompt 2048 take the whole group as before.
// Up to four such blocks a multiprocessor (session 25, H200, three interleaved rounds against
// AWQBENCH_ATTN_HEADS_PER_BLOCK=8, tok/s): batch 1 prompt 512 (512 blocks) 475.5 / 477.2 / 478.1
// against 457.5 / 460.0 / 458.0; batch 8 prompt 128 (512 blocks) 2976 / 2966 / 2920 against 2931 /
// 2922 / 2870. Past that, one block a query head did not pay: batch 1 prompt 1024 (more blocks)
// 427.9 / 440.3 against 432.5 / 444.8, batch 8 prompt 512 and 2048 lost 2-7%.
// AWQBENCH_ATTN_HEADS_PER_BLOCK=1 or =8 forces one rule (for measuring).
int attentionQueryHeadsPerBlock(int blocksPerQueryGroup, int group) {
    static const int forced = [] {
        const char* v = std::getenv("AWQBENCH_ATTN_HEADS_PER_BLOCK");
        return v && *v ? std::atoi(v) : 0;
    }();
    if (forced == 1) return 1;
    if (forced > 1) return std::min(group, kMaxGroup);
    return std::int64_t(blocksPerQueryGroup) * group <= 4 * deviceMultiprocessors() ? 1 : std::min(group, kMaxGroup);
}

// Pieces merged inside a thread block cluster rather than by the merge kernel: up to 8 (the
// portable cluster size), on an sm_90 device with sm_90 code for the kernel in the build.
// AWQBENCH_ATTN_CLUSTER=0 turns it off (for measuring).
constexpr int kMaxClusterSplits = 8;
bool clusterMergeAvailable() {
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_ATTN_CLUSTER");
        return !(v && std::string_view(v) == "0");
    }();
    if (!enabled || deviceComputeMajor() < 9) return false;
    static const bool built = [] {
        cudaFuncAttributes attributes{};
        return cudaFuncGetAttributes(&attributes, decodeAttentionKernel<__half, 4, 1, false, true>) == cudaSuccess && attributes.binaryVersion >= 90;
    }();
    return built;
}

int decodeAttentionSplits(int batch, int kvHeads, int capacity) {
    constexpr int kTargetBlocks = 1024;
    const int blocks = std::max(1, batch * kvHeads);
    const int wanted = (kTargetBlocks + blocks - 1) / blocks;
    return std::clamp(std::min(wanted, capacity / attentionKeysPerPiece(batch, kvHeads)), 1, kMaxAttentionSplits);
}

std::size_t decodeAttentionWorkspaceBytes(int batch, int heads, int headDim, int splits) {
    if (splits <= 1) return 0;
    const std::size_t pieces = std::size_t(batch) * heads * splits;
    return pieces * (std::size_t(headDim) + 2) * sizeof(float);
}

template <typename T>
cudaError_t decodeAttention(const DecodeAttentionArgs<T>& a, cudaStream_t stream, const RopeKvArgs<T>* rope) {
    if (a.batch < 0 || a.heads <= 0 || a.kvHeads <= 0 || a.heads % a.kvHeads != 0 || a.capacity <= 0 || a.splits < 1 || a.splits > kMaxAttentionSplits ||
        !headDimSupported(a.headDim) || (a.splits > 1 && !a.workspace))
        return cudaErrorInvalidValue;
    if (rope && (rope->batch != a.batch || rope->heads != a.heads || rope->kvHeads != a.kvHeads || rope->headDim != a.headDim ||
                 rope->capacity != a.capacity || rope->tokensPerSequence != 1 || rope->kCache != a.kCache || rope->vCache != a.vCache ||
                 rope->positions != a.positions || !rope->qkv || !rope->cos || !rope->sin))
        return cudaErrorInvalidValue;
    if (a.batch == 0) return cudaSuccess;
    const int group = a.heads / a.kvHeads;
    const int keysPerPiece = attentionKeysPerPiece(a.batch, a.kvHeads);
    const int perBlock = attentionQueryHeadsPerBlock(a.batch * a.kvHeads * a.splits, group);
    const dim3 grid(unsigned(a.batch * a.kvHeads), unsigned(a.splits), unsigned((group + perBlock - 1) / perBlock));
    const RopeKvArgs<T> ropeArgs = rope ? *rope : RopeKvArgs<T>{};
    const bool inCluster = a.splits > 1 && a.splits <= kMaxClusterSplits && clusterMergeAvailable();
    const cudaError_t err = withElementsPerLane(a.headDim, [&](auto e) {
        constexpr int E = decltype(e)::value;
        const auto pick = [&](auto inClusterTag) {
            constexpr bool C = decltype(inClusterTag)::value;
            return perBlock == 1 ? (rope ? decodeAttentionKernel<T, E, 1, true, C> : decodeAttentionKernel<T, E, 1, false, C>)
                                 : (rope ? decodeAttentionKernel<T, E, kMaxGroup, true, C> : decodeAttentionKernel<T, E, kMaxGroup, false, C>);
        };
        const auto kernel = inCluster ? pick(std::true_type{}) : pick(std::false_type{});
        return launchProgrammaticInClusters(kernel, grid, dim3(1, unsigned(inCluster ? a.splits : 1), 1), dim3(kAttnWarps * 32), 0, stream, a,
                                            keysPerPiece, ropeArgs);
    });
    if (err != cudaSuccess || a.splits == 1 || inCluster) return err;
    return launchProgrammatic(mergeAttentionPiecesKernel<T>, dim3(unsigned(a.batch * a.heads)), dim3(unsigned(a.headDim)), 0, stream, a,
                              keysPerPiece);
}

template <typename T>
cudaError_t siluMul(const T* gateUp, T* out, int rows, int inter, cudaStream_t stream) {
    if (rows < 0 || inter <= 0 || inter % 8 != 0 || !aligned16(gateUp) || !aligned16(out)) return cudaErrorInvalidValue;
    if (rows == 0) return cudaSuccess;
    const std::int64_t vecs = std::int64_t(rows) * (inter / 8);
    constexpr int kThreads = 256;
    return launchProgrammatic(siluMulKernel<T>, dim3(unsigned((vecs + kThreads - 1) / kThreads)), dim3(kThreads), 0, stream, gateUp, out,
                              rows, inter);
}

std::size_t argmaxWorkspaceBytes(int rows) { return rows > 0 ? std::size_t(rows) * (kArgmaxPieces * 8 + 4) : 0; }

template <typename L>
cudaError_t argmaxRows(const L* logits, int rows, int cols, std::int64_t* out, void* workspace, cudaStream_t stream, const ArgmaxBookkeeping& bookkeeping) {
    if (rows < 0 || rows > 65535 || cols <= 0 || !logits || !out || (rows > 0 && !workspace)) return cudaErrorInvalidValue;
    if (bookkeeping.hostSlots && (!bookkeeping.cursor || bookkeeping.slotCount <= 0)) return cudaErrorInvalidValue;
    if (rows == 0) return cudaSuccess;
    argmaxRowsKernel<L><<<dim3(kArgmaxPieces, unsigned(rows)), kArgmaxThreads, 0, stream>>>(logits, cols, out, argmaxWorkspace(workspace, rows),
                                                                                             bookkeeping);
    return cudaGetLastError();
}
template cudaError_t argmaxRows<float>(const float*, int, int, std::int64_t*, void*, cudaStream_t, const ArgmaxBookkeeping&);

template <typename T>
cudaError_t embedRows(const T* table, std::int64_t vocab, const std::int64_t* ids, T* x, float* tileSumSquares, int rows, int dim,
                      cudaStream_t stream) {
    if (rows < 0 || dim <= 0 || dim % 16 != 0 || vocab <= 0 || !table || !ids || !x || !tileSumSquares || !aligned16(table) || !aligned16(x))
        return cudaErrorInvalidValue;
    if (rows == 0) return cudaSuccess;
    return launchProgrammatic(embedRowsKernel<T>, dim3(unsigned(rows)), dim3(unsigned(std::clamp((dim / 16 + 31) / 32 * 32, 32, 256))), 0, stream,
                              table, vocab, ids, x, tileSumSquares, dim);
}

#define AWQ_INSTANTIATE_DECODE_OPS(T)                                                                                     \
    template cudaError_t rmsNormResidual<T>(T*, const T*, const T*, T*, int, int, float, cudaStream_t);                   \
    template cudaError_t ropeKvWrite<T>(const RopeKvArgs<T>&, cudaStream_t);                                               \
    template cudaError_t decodeAttention<T>(const DecodeAttentionArgs<T>&, cudaStream_t, const RopeKvArgs<T>*);            \
    template cudaError_t siluMul<T>(const T*, T*, int, int, cudaStream_t);                                               \
    template cudaError_t argmaxRows<T>(const T*, int, int, std::int64_t*, void*, cudaStream_t, const ArgmaxBookkeeping&);      \
    template cudaError_t embedRows<T>(const T*, std::int64_t, const std::int64_t*, T*, float*, int, int, cudaStream_t);

AWQ_INSTANTIATE_DECODE_OPS(__half)
AWQ_INSTANTIATE_DECODE_OPS(__nv_bfloat16)
#undef AWQ_INSTANTIATE_DECODE_OPS

}  // namespace awq::kernels
