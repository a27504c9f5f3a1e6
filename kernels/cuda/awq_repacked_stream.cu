#include "kernels/cuda/awq_repacked_stream.cuh"

#include "kernels/cuda/bulk_copy.cuh"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/mma_m16n8k16.cuh"
#include "kernels/cuda/programmatic_launch.cuh"
#include "kernels/cuda/repacked_dequant.cuh"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace awq::kernels::decode_detail {
namespace {

// The streamed decode kernel (sm_90, up to 8 rows, group sizes 64 and 128): each block walks whole
// column tiles (all of K, so no split-K round trips through global memory: no partials, fence,
// count or second pass); a producer warp streams each tile's qpack and scaleZeros through a ring of
// shared-memory stages with bulk copies (bulk_copy.cuh), eight consumer warps take four k-blocks of
// each stage and add their sums up through shared memory at the end of the tile. The weights of
// the first stages are in flight before the kernel waits for the one before it.
// Why: the register-fed kernels (awq_repacked.cu) paid ~4.5-5 us a call over their bytes at batch
// 1 (H200, Llama-3-8B shapes), most of it the chain of dependent round trips of the K split.
// Measured (awq_gemm_bench --m 1, cold L2, us, the register-fed kernels in the same run in
// parentheses; engine_bench batch 1, prompt 128, AWQBENCH_DECODE_STREAM=0 for the A/B):
//   H200, first version (one block a SM, 8 stages of 16 k-blocks, room for the next kernel's block
//     to fill its ring early): o 4.7 (6.5), q|k|v 6.0 (7.5), gate|up 28.8 (18.3), down 15.3 (12.0);
//     engine 333 tok/s (464). Taken apart on gate|up: the copies alone 21.8 us, the consumers alone
//     20.2: with 8 consumer warps a multiprocessor the dequantization is latency-bound; 4-20 stages,
//     or cp.async instead of bulk copies, changed little (28.7-33 us). Two blocks a SM of 4 stages of
//     16 k-blocks: o 4.9, q|k|v 6.6, gate|up 20.5, down 12.4; engine 461 tok/s (464 in an earlier run).
//   H100, this version (two blocks a SM, 4 stages of 32 k-blocks: 16 consumer warps a SM with four
//     k-blocks each a stage; no room for the next kernel's blocks): o 5.3 (6.9), q|k|v 7.1 (8.3),
//     gate|up 22.2 (23.3), down 13.7 (13.7); engine 428.8 tok/s (392.1), prompt 2048 369.6 (352.1),
//     batch 8 unchanged. Also tried there: one block a SM with room for the next kernel's (8, 12 or
//     16 consumer warps) 316-346 tok/s; the streamed kernel on o and q|k|v only 404-411.
//   H200, this version (session 16, same run): o 4.7 (6.5), q|k|v 6.5 (7.6), gate|up 18.1 (18.5),
//     down 12.0 (12.1); engine 486.9 tok/s (461.9), prompt 2048 415.8 (407.0), batch 8 2652 (2625).
//   Dropped there: staging x with 4-8 loads in flight a thread before storing (80-96 registers,
//     down 12.0 -> 11.6 us but engine 488 -> 466-478: fewer of the neighbouring kernels' blocks fit
//     beside it); rings cut to the chunks a block has (2 stages for o) plus 3 blocks a SM for q|k|v
//     (384 tiles): engine 473 -> 456.
//   Dropped in session 18 (H200, each an A/B in one run, engine_bench batch 1 prompt 128):
//     x staged with cp.async (every load of a block in flight, no registers held; the transform in
//     place after) instead of stageX: 496.5 / 496.6 tok/s against 497.6 / 498.2, batch 8 +-1%;
//     the producer warps prefetching the next GEMV's first stages into L2 (cp.async.bulk.prefetch)
//     once they had issued their own last stage: 488.3 / 486.5 against 496.7 / 496.4 (the
//     prefetch competes with this kernel's own reads; DRAM is not idle at its end).
//   Dropped in session 20 (H200, awq_gemm_bench M = 1, cold L2, us; each switchable in one build,
//     branch exp-stream): 16 consumer warps a block where two such blocks fit (56 registers):
//     gate|up 20.5 against 18.1, gate/up 14336 16.6 against 14.1, o 4.7 both: the consumers are
//     not what limits these shapes. The two blocks of a cluster sharing each q|k|v tile (half of K
//     each, the second's sums through distributed shared memory; 3 chunks on the busiest block
//     instead of 4): q|k|v 7.0 us with 8 warps and 8.7 with 16, against 6.8 unshared with 16 (6.5
//     unshared with 8 in session 16); correct, but the cluster barrier and the exchange cost more
//     than the chunk saved. Engine batch 1 not run for either.
//   Dropped in session 22 (H200, engine_bench --only awq --batches 1 --prompts 128 --new-tokens 64
//     --repeat 3, three interleaved rounds in one run; code on branch s22-chain): o, gate|up and
//     down of a layer as one launch of this kernel (the producer streaming on from one linear's
//     weights into the next's, blocks waiting grid-wide for the tile counts of the linear before,
//     cooperative launch): 455.4-456.4 tok/s against 500.3-502.1 for this code. The generalised
//     kernel alone (links unrolled, 71 registers against 63-64) cost 2.5% with the chain off
//     (488.2-489.2); a release fence + add a tile instead of one add a block and link, 418; the
//     cooperative attribute and the chain's larger shared memory were not the cause (each A/B'd).
//     Under CUPTI the chain took 46.4 us a layer for 96.5 MB (step 2195 us against 2080): the
//     grid-wide waits cost more than the launch boundaries they replace, which programmatic
//     launch already overlaps.
//   Dropped in session 25 (H200, engine_bench --only awq --batches 1 --prompts 128 --new-tokens 64
//     --repeat 3, three interleaved rounds in one run): the RMSNorm-fused staging (q|k|v, gate|up)
//     loading x before adding up the sums of squares (one round trip to L2 after the wait instead of
//     two; the norm weight prefetched into L1, as registers it took the kernel to 72-79): 491.6
//     tok/s in all three rounds against 500.9-501.8 (measured together with the attention change
//     in decode_ops.cu that lost 0.4% alone, so this one cost ~1.6%).
//   Dropped in session 26 (same protocol, with the SiLU epilogue, kernel held to 64 registers):
//     the same idea again, each thread's first 2 (or 4) words of x and of the norm weight loaded
//     before the sums are added up (8-byte spills; 4 words: up to 58): 526.7-527.9 (517.7-519.1)
//     tok/s against 531.0-531.3. Whatever the second round trip costs, registers cost more here.
//   Dropped in session 27 (H200, engine_bench --only awq --batches 1,8 --prompts 128,2048
//     --new-tokens 32 --repeat 2, three interleaved rounds, one build switched by environment): the
//     producer warp pulling the next linear's first reads into L2 (cp.async.bulk.prefetch.L2 in 16
//     KB pieces over the grid's lanes, strided over the next kernel's leading tiles and their
//     scaleZeros rows) once its own weights were on the way. Batch 1 prompt 128, tok/s: none
//     538.3-538.9; o pulling each gate|up block's first pair of tiles (17 MB) 520.8-521.7, half of
//     each (8.5 MB) 531.5-533.1, the first two pairs 507.3-508.1; gate|up pulling down's last three
//     chunks a tile (12.6 MB) 498.8-499.4; both 482.0-482.8. Batch 8 within the spread. Together
//     with sessions 18 and 26 (the next GEMV's first stages from every producer; o's weights from
//     the attention kernel): a bulk prefetch into L2 on this path costs more than the idle DRAM
//     time it fills.
//   Dropped in session 27 (same protocol, batch 1 only): a 5-stage ring where it fits two blocks a
//     multiprocessor (one row at K = 4096: q|k|v, o, gate|up; 110 KB a block): prompt 128 523.9 /
//     526.8 / 524.3 tok/s against 529.9 / 532.4 / 528.6 with 4 stages; prompt 2048 within the
//     spread. As with the 80-96-register staging (session 16), what the neighbouring kernels' blocks
//     lose in room costs more than the deeper ring buys gate|up.
constexpr int kStreamMaxM = 8;
constexpr int kStreamConsumerWarps = 8, kStreamThreads = (kStreamConsumerWarps + 1) * 32;
constexpr int kStreamMaxStages = 4, kStreamChunkKBlocks = 32;  // a stage: 32 k-blocks of one tile (16 KB of qpack)
constexpr int kStreamBlocksPerSm = 2;
// Where four stages do not fit (x of 3-8 rows at K = 4096), a ring of 2 stages, but only for grids
// whose blocks walk at least this many column tiles (gate|up); the register-fed kernels elsewhere.
// Measured (H200, session 18, one run; AWQBENCH_STREAM_PLAN=fixed is the four-stages-or-none plan):
// engine_bench batch 8 2842 / 2821 / 2852 tok/s at prompt 128 against 2655 / 2672 (+6.5%), 1774 /
// 1781 / 1776 at prompt 2048 against 1716 / 1713 (+3.6%); batch 1 unchanged; awq_gemm_bench M = 8
// gate|up (28672) 24.0 us against 28.5. A 2-stage ring on every shape (session 16) lost on q|k|v,
// o and down at M = 2 (11.1 against 10.1 us etc.). Session 34 (H100, one run, one build,
// AWQBENCH_STREAM_SHALLOW_MIN_TILES=1 against the default): the 2-stage ring wherever 4 stages do not
// fit wins a little at M = 8 on o (9.4 against 9.7 us), q|k|v (10.7 / 11.2) and k/v (7.4 / 7.9), but
// down at M = 2 loses (16.4 against 14.1) and engine_bench --batches 4,8 --prompts 128 batch 8 2549 /
// 2568 tok/s against 2638 / 2632 (two interleaved rounds; batch 4 unchanged): kept at 6.
constexpr int kStreamShallowRingMinTiles = 6;
[[maybe_unused]] constexpr int kStreamKBlocksPerWarp = kStreamChunkKBlocks / kStreamConsumerWarps;  // device code only
constexpr std::size_t kStreamWeightBytes = kStreamChunkKBlocks * 512;
constexpr std::size_t kStreamStageBytes = kStreamWeightBytes + kStreamChunkKBlocks * 64;  // + a scaleZeros row (64 B) a group
// Two buffers of the consumer warps' per-lane sums (alternating tiles: one block barrier a tile),
// then the gate tile's outputs that the SiLU epilogue holds for its up tile (AwqDecodeOutput::siluMul).
constexpr std::size_t kStreamReduceBytes = 2 * kStreamConsumerWarps * 32 * sizeof(float4);
constexpr std::size_t kStreamGateBytes = kStreamMaxM * 16 * sizeof(float);
__host__ __device__ constexpr std::size_t streamXRowWords(int K) { return std::size_t(K) / 8 + 1; }  // + 1: rows start on different banks

std::size_t streamSharedBytes(int M, int K, int stages) {
    return stages * kStreamStageBytes + std::size_t(M) * streamXRowWords(K) * 16 + kStreamReduceBytes + kStreamGateBytes +
           2 * stages * sizeof(std::uint64_t);
}

// Blocks of the grid: two a multiprocessor, or fewer where there are fewer column tiles (pairs of
// tiles, gate j and up j, for the SiLU epilogue).
int streamGrid(int N, bool pairedTiles) { return std::min(N / (pairedTiles ? 32 : 16), kStreamBlocksPerSm * deviceMultiprocessors()); }

// The SiLU epilogue (AwqDecodeOutput::siluMul), one warp: the gate tile's outputs rounded to T, held
// in shared memory until the block has its up tile. The next tile's reducer (another warp) reads
// them after the tile's block barrier; the next pair's gate reducer writes only after the barrier
// of its own tile, which the reader passes once it is done.
template <typename T, typename SumOf>
__device__ __forceinline__ void holdGateOutputs(float* gate, int M, int lane, SumOf sumOf) {
    for (int i = lane; i < M * 16; i += 32) gate[i] = roundTo<T>(sumOf(i / 16, i % 16));
}

// y[m, pair * 16 + column] = T(T(silu(gate)) * T(up)) from the held gate outputs and the up tile's sums.
template <typename T, typename SumOf>
__device__ __forceinline__ void writeSiluMulOutputs(const RepackedArgs<T>& a, int pair, int lane, const float* gate, SumOf sumOf) {
    for (int i = lane; i < a.M * 16; i += 32) {
        const float g = gate[i], up = roundTo<T>(sumOf(i / 16, i % 16));
        a.y[std::int64_t(i / 16) * (a.N / 2) + pair * 16 + i % 16] = fromFloat<T>(roundTo<T>(g / (1.0f + __expf(-g))) * up);
    }
}

// 64 registers a thread, as the kernel had before the SiLU epilogue: its pairing took ptxas to 66-71
// under the launch bounds alone, and registers are room the neighbouring kernels' blocks lose
// (session 22: the same kernel at 71 registers cost 2.5%). At 64 it spills nothing.
#if (__CUDACC_VER_MAJOR__ * 100 + __CUDACC_VER_MINOR__) >= 1204
#define AWQ_STREAM_KERNEL_BOUNDS __maxnreg__(64)
#else
#define AWQ_STREAM_KERNEL_BOUNDS __launch_bounds__(kStreamThreads, kStreamBlocksPerSm)
#endif

// SiluPairs: a.fusion.output is AwqDecodeOutput::siluMul (its own instantiation, so that the other
// linears' code stays as it was).
template <typename T, int KPG, int S, bool SiluPairs>
__global__ void AWQ_STREAM_KERNEL_BOUNDS awqRepackedStreamKernel(RepackedArgs<T> a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
    __trap();  // the host picks this kernel only where the device and the build are sm_90
#else
    constexpr int CH = kStreamChunkKBlocks, W = kStreamConsumerWarps;
    static_assert(kStreamKBlocksPerWarp % KPG == 0 && CH % KPG == 0 && CH / KPG <= 32);
    extern __shared__ __align__(128) unsigned char shared[];
    unsigned char* stages = shared;
    uint4* xStage = reinterpret_cast<uint4*>(shared + S * kStreamStageBytes);
    const int rowStride = int(streamXRowWords(a.K));
    float4* reduce = reinterpret_cast<float4*>(reinterpret_cast<unsigned char*>(xStage) + std::size_t(a.M) * rowStride * 16);
    float* gateOutputs = reinterpret_cast<float*>(reinterpret_cast<unsigned char*>(reduce) + kStreamReduceBytes);
    std::uint64_t* full = reinterpret_cast<std::uint64_t*>(reinterpret_cast<unsigned char*>(gateOutputs) + kStreamGateBytes);
    std::uint64_t* empty = full + S;

    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int tiles = a.N / 16, KB = a.K / 64, chunksPerTile = (KB + CH - 1) / CH;
    // The block's column tiles: blockIdx.x + i * gridDim.x, or with the SiLU epilogue pairs of them
    // (gate tile j then up tile j + tiles / 2, for j = blockIdx.x + p * gridDim.x).
    const int units = SiluPairs ? tiles / 2 : tiles;
    const int myTiles = (units - int(blockIdx.x) + int(gridDim.x) - 1) / int(gridDim.x) * (SiluPairs ? 2 : 1);
    const auto tileOf = [&](int i) {
        return SiluPairs ? int(blockIdx.x) + (i / 2) * int(gridDim.x) + (i % 2) * units : int(blockIdx.x) + i * int(gridDim.x);
    };
    const int chunks = myTiles * chunksPerTile;  // this block's stages, in order: tile by tile, k ascending
    if (threadIdx.x == 0) {
        for (int s = 0; s < S; ++s) {
            bulk::initBarrier(full + s, 1);
            bulk::initBarrier(empty + s, W);
        }
        bulk::fenceBarrierInit();
    }
    __syncthreads();
    allowDependentGridsToLaunch();  // the next kernel's blocks start where this grid's exit and fetch their weights

    const std::uint64_t policy = bulk::evictFirstPolicy();
    auto issue = [&](int n) {  // producer warp: chunk n into stage n % S
        const int tile = tileOf(n / chunksPerTile);
        const int kb0 = (n % chunksPerTile) * CH, kbs = min(CH, KB - kb0), groups = kbs / KPG;
        unsigned char* stage = stages + (n % S) * kStreamStageBytes;
        if (lane == 0) bulk::arriveExpectBytes(full + n % S, unsigned(kbs * 512 + groups * 64));
        __syncwarp();
        if (lane == 0)
            bulk::copyToShared(stage, reinterpret_cast<const unsigned char*>(a.qpack) + (std::int64_t(tile) * KB + kb0) * 512, unsigned(kbs * 512),
                               full + n % S, policy);
        if (lane < groups)
            bulk::copyToShared(stage + kStreamWeightBytes + lane * 64,
                               reinterpret_cast<const unsigned char*>(a.scaleZeros) + (std::int64_t(kb0 / KPG + lane) * tiles + tile) * 64, 64,
                               full + n % S, policy);
    };
    if (warp == W)
        for (int n = 0; n < min(S, chunks); ++n) issue(n);  // the weights do not depend on the kernel before this one
    waitForPrerequisiteGrids();                              // x does
    stageX(a, xStage, 0, rowStride - 1, rowStride);
    __syncthreads();

    if (warp == W) {  // producer: refill each stage once its consumers are done with it
        for (int n = S; n < chunks; ++n) {
            bulk::wait(empty + n % S, unsigned((n / S - 1) & 1));
            issue(n);
        }
        return;
    }

    const int g = lane >> 2, t = lane & 3;
    const uint4* xRow = xStage + min(g, a.M - 1) * rowStride + 2 * t;  // as in stagedGemm: rows past M read the last row
    const int first = warp * kStreamKBlocksPerWarp;                    // this warp's k-blocks of every stage
    int n = 0;
    for (int i = 0; i < myTiles; ++i) {
        const int tile = tileOf(i);
        const bool reducer = warp == i % W;
        const float before = reducer ? residualBefore(a, tile, lane) : 0.0f;
        float total[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int c = 0; c < chunksPerTile; ++c, ++n) {
            const int kb0 = c * CH, kbs = min(CH, a.K / 64 - kb0);
            const unsigned char* stage = stages + (n % S) * kStreamStageBytes;
            bulk::wait(full + n % S, unsigned((n / S) & 1));
#pragma unroll
            for (int grp = 0; grp < kStreamKBlocksPerWarp / KPG; ++grp) {
                const int b0 = first + grp * KPG;
                if (b0 >= kbs) break;
                const uint2 sz = reinterpret_cast<const uint2*>(stage + kStreamWeightBytes)[(b0 / KPG) * 8 + g];
                __half h[4];
                memcpy(h, &sz, 8);
                const GroupZeros<T> z = groupZeros<T>(h[2], h[3]);
                float acc[2][4] = {};  // two accumulator chains: even and odd words
#pragma unroll
                for (int u = 0; u < KPG; ++u) {
                    const int b = b0 + u;
                    const uint4 w = reinterpret_cast<const uint4*>(stage)[b * 32 + lane];
                    const uint4 xv[2] = {xRow[(kb0 + b) * 8], xRow[(kb0 + b) * 8 + 1]};
                    const std::uint32_t ws[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
                    for (int j = 0; j < 4; ++j) {
                        std::uint32_t r[4];
                        dequantWord<T>(ws[j], z, r);
                        const uint4& v = xv[j / 2];
                        mma16816<T>(acc[j % 2], r[0], r[1], r[2], r[3], (j % 2) == 0 ? v.x : v.z, (j % 2) == 0 ? v.y : v.w);
                    }
                }
                const float s0 = __half2float(h[0]), s1 = __half2float(h[1]);
#pragma unroll
                for (int e = 0; e < 4; ++e) total[e] += (acc[0][e] + acc[1][e]) * (e < 2 ? s0 : s1);
            }
            __syncwarp();
            if (lane == 0) bulk::arrive(empty + n % S);
        }
        // The tile's sums: every consumer warp's lanes into one buffer, the tile's reducer adds
        // them up in warp order (deterministic) and writes the outputs.
        float4* buffer = reduce + (i & 1) * W * 32;
        buffer[warp * 32 + lane] = make_float4(total[0], total[1], total[2], total[3]);
        asm volatile("bar.sync 1, %0;" ::"n"(W * 32) : "memory");
        if (reducer) {
            const auto sumOf = [&](int m, int column) {
                // d0 / d1 / d2 / d3 of lane 4 (column % 8) + m / 2 hold (column, 2t), (column, 2t + 1), (column + 8, ...).
                const int source = (column % 8) * 4 + m / 2, e = (m & 1) + 2 * (column / 8);
                float sum = 0.0f;
#pragma unroll
                for (int w = 0; w < W; ++w) {
                    const float4 v = buffer[w * 32 + source];
                    sum += e == 0 ? v.x : e == 1 ? v.y : e == 2 ? v.z : v.w;
                }
                return sum;
            };
            if constexpr (!SiluPairs)
                writeTileOutputs(a, tile, lane, before, sumOf);
            else if (i % 2 == 0)
                holdGateOutputs<T>(gateOutputs, a.M, lane, sumOf);
            else
                writeSiluMulOutputs(a, tile - units, lane, gateOutputs, sumOf);
        }
    }
#endif
}

template <typename T, int KPG, int S, bool SiluPairs>
cudaError_t launchWith(const RepackedArgs<T>& args, std::size_t sharedBytes, cudaStream_t stream) {
    static const cudaError_t optIn = cudaFuncSetAttribute(awqRepackedStreamKernel<T, KPG, S, SiluPairs>, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                          deviceSharedMemoryPerMultiprocessor() / kStreamBlocksPerSm - 1024);
    if (optIn != cudaSuccess) return optIn;
    const dim3 grid(unsigned(streamGrid(args.N, SiluPairs)));
    return launchProgrammatic(awqRepackedStreamKernel<T, KPG, S, SiluPairs>, grid, dim3(kStreamThreads), sharedBytes, stream, args);
}

template <typename T, bool SiluPairs>
cudaError_t launchWithPairing(const RepackedArgs<T>& args, const StreamedDecodePlan& plan, cudaStream_t stream) {
    if (plan.stages == 2)
        return args.G == 64 ? launchWith<T, 1, 2, SiluPairs>(args, plan.sharedBytes, stream) : launchWith<T, 2, 2, SiluPairs>(args, plan.sharedBytes, stream);
    return args.G == 64 ? launchWith<T, 1, kStreamMaxStages, SiluPairs>(args, plan.sharedBytes, stream)
                        : launchWith<T, 2, kStreamMaxStages, SiluPairs>(args, plan.sharedBytes, stream);
}

// AWQBENCH_DECODE_STREAM=0: the register-fed kernels at every M (for measuring).
bool streamedDecodeEnabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_DECODE_STREAM");
        return !(v && v[0] == '0');
    }();
    return enabled;
}

// Whether this build holds sm_90 code of the streamed kernel for the current device.
bool streamedDecodeBuilt() {
    static const bool built = [] {
        cudaFuncAttributes attributes{};
        return cudaFuncGetAttributes(&attributes, awqRepackedStreamKernel<__half, 2, kStreamMaxStages, false>) == cudaSuccess &&
               attributes.binaryVersion >= 90;
    }();
    return built;
}

// AWQBENCH_STREAM_SHALLOW_MIN_TILES=N: the 2-stage ring for grids whose blocks walk at least N
// column tiles (kStreamShallowRingMinTiles by default; 1: wherever 4 stages do not fit), for measuring.
int shallowRingMinTiles() {
    static const int tiles = [] {
        const char* v = std::getenv("AWQBENCH_STREAM_SHALLOW_MIN_TILES");
        return v && std::atoi(v) > 0 ? std::atoi(v) : kStreamShallowRingMinTiles;
    }();
    return tiles;
}

// AWQBENCH_STREAM_PLAN=fixed: four stages or not streamed (for measuring).
bool fixedStreamPlan() {
    static const bool fixed = [] {
        const char* v = std::getenv("AWQBENCH_STREAM_PLAN");
        return v && std::strcmp(v, "fixed") == 0;
    }();
    return fixed;
}

}  // namespace

StreamedDecodePlan planStreamedDecode(int M, int K, int N, int G, bool pairedTiles) {
    if (M > kStreamMaxM || (G != 64 && G != 128) || (pairedTiles && N % 32 != 0) || !streamedDecodeEnabled() || deviceComputeMajor() < 9 ||
        !streamedDecodeBuilt())
        return {};
    const int grid = streamGrid(N, pairedTiles), tilesPerBlock = (N / 16 + grid - 1) / grid;
    const int fewestStages = fixedStreamPlan() || tilesPerBlock < shallowRingMinTiles() ? kStreamMaxStages : 2;
    for (int stages = kStreamMaxStages; stages >= fewestStages; stages -= 2) {  // 4 or 2 (compiled for those)
        const std::size_t bytes = streamSharedBytes(M, K, stages);
        if (kStreamBlocksPerSm * (bytes + 1024) <= std::size_t(deviceSharedMemoryPerMultiprocessor())) return {bytes, stages};
    }
    return {};
}

template <typename T>
cudaError_t launchStreamedDecode(const RepackedArgs<T>& args, const StreamedDecodePlan& plan, cudaStream_t stream) {
    return args.fusion.output == AwqDecodeOutput::siluMul ? launchWithPairing<T, true>(args, plan, stream)
                                                          : launchWithPairing<T, false>(args, plan, stream);
}

template cudaError_t launchStreamedDecode<__half>(const RepackedArgs<__half>&, const StreamedDecodePlan&, cudaStream_t);
template cudaError_t launchStreamedDecode<__nv_bfloat16>(const RepackedArgs<__nv_bfloat16>&, const StreamedDecodePlan&, cudaStream_t);

}  // namespace awq::kernels::decode_detail
