// The W4A16 prefill GEMM on the repacked layout (awq_repacked.h): tensor cores straight from the
// 4-bit weights, no fp16 copy of the weight in memory.
//
// Why: prefill dequantized each weight into an fp16 buffer for cuBLAS; at prompt 128 on an H200
// that copy cost more than the GEMM itself (Llama-3-8B gate|up: dequantize 85 us, cuBLAS 67 us).
//
// Work split (one Config): a block computes BlockTiles x 16 outputs by BlockRows rows of x over a
// range of K; its warps form a WarpsN x WarpsM grid, each owning TilesPerWarp 16-column tiles and
// PiecesPerWarp 8-row pieces of x. Stages of StageKBlocks k-blocks (64 inputs each) bring x, the
// qpack words and the scales into shared memory with cp.async while the tensor cores work on the
// stage before. A warp dequantizes each A fragment once per k-block as fp16((q - z) * s), the
// rounding of the CPU reference and of the dequantize + cuBLAS path, and multiplies all its pieces
// of x with it: a fragment loaded from shared memory feeds TilesPerWarp (x) or PiecesPerWarp
// (weights) products, so wider warps need fewer loads a product.
#include "kernels/cuda/awq_repacked.h"

#include "kernels/cuda/alignment.h"
#include "kernels/cuda/awq_repacked_prefill_detail.h"
#include "kernels/cuda/cp_async.cuh"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/mma_m16n8k16.cuh"
#include "kernels/cuda/split_k.cuh"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace awq::kernels {
namespace {

using prefill_detail::PrefillArgs;

template <int WarpsN, int WarpsM, int TilesPerWarp, int PiecesPerWarp, int StageKBlocks, int Stages, int MinBlocks>
struct Config {
    static constexpr int kWarpsN = WarpsN, kWarpsM = WarpsM, kTilesPerWarp = TilesPerWarp, kPiecesPerWarp = PiecesPerWarp;
    static constexpr int kStageKBlocks = StageKBlocks, kStages = Stages, kMinBlocks = MinBlocks;
    static constexpr int kBlockTiles = WarpsN * TilesPerWarp;      // 16-column tiles a block
    static constexpr int kBlockRows = WarpsM * PiecesPerWarp * 8;  // rows of x a block
    static constexpr int kThreads = WarpsN * WarpsM * 32;
    // 16-byte words a staged row of x (+1: rows g and g + 1 of a quarter warp's 16-byte loads on other banks)
    static constexpr int kRowWords = StageKBlocks * 8 + 1;
    // One stage in shared memory, in 16-byte words.
    static constexpr int kXWords = kBlockRows * kRowWords;
    static constexpr int kWeightWords = kBlockTiles * StageKBlocks * 32;    // [tile][k-block][lane]
    static constexpr int kScaleWords = StageKBlocks * kBlockTiles * 8 / 2;  // [k-block][tile][g] of 8 bytes
    static constexpr int kStageWords = kXWords + kWeightWords + kScaleWords;
    static constexpr std::size_t kSharedBytes = std::size_t(Stages) * kStageWords * 16;
    static constexpr bool kWgmma = false;
};

// The sm_90 warpgroup kernels (sm90/awq_repacked_prefill_sm90.cu), described for the plan below.
template <int TilesPerWarp, int Rows>
struct Wgmma {
    static constexpr int kTilesPerWarp = TilesPerWarp;
    static constexpr int kBlockTiles = prefill_detail::wgmmaBlockTiles(TilesPerWarp);
    static constexpr int kBlockRows = Rows;
    static constexpr int kMinBlocks = prefill_detail::kWgmmaBlocksPerSm;
    static constexpr int kStageKBlocks = 1;
    static constexpr bool kWgmma = true;
};

__device__ __forceinline__ std::uint32_t halfPairBits(__half2 v) {
    std::uint32_t r;
    memcpy(&r, &v, 4);
    return r;
}

// Stage `kb0`'s inputs: rows of x, this block's qpack words and scales; zeros past the ends.
template <class C>
__device__ __forceinline__ void loadStage(const PrefillArgs& a, uint4* stage, int kb0, int kbEnd, int tile0, int row0) {
    const int tiles = a.N / 16, KB = a.K / 64;
    uint4* xs = stage;
    for (int i = int(threadIdx.x); i < C::kBlockRows * C::kStageKBlocks * 8; i += C::kThreads) {
        const int r = i / (C::kStageKBlocks * 8), c = i % (C::kStageKBlocks * 8);
        const int m = row0 + r, kb = kb0 + c / 8;
        const bool valid = m < a.M && kb < kbEnd;
        const __half* src = a.x + (valid ? std::size_t(m) * a.K + std::size_t(kb0) * 64 + c * 8 : 0);
        copyAsync<16>(sharedAddress(xs + r * C::kRowWords + c), src, valid);
    }
    uint4* ws = stage + C::kXWords;
    for (int i = int(threadIdx.x); i < C::kWeightWords; i += C::kThreads) {
        const int lane = i % 32, kbl = (i / 32) % C::kStageKBlocks, tl = i / (32 * C::kStageKBlocks);
        const int tile = tile0 + tl, kb = kb0 + kbl;
        const bool valid = tile < tiles && kb < kbEnd;
        copyAsync<16>(sharedAddress(ws + i), a.qpack + (valid ? (std::size_t(tile) * KB + kb) * 32 + lane : 0), valid);
    }
    uint4* ss = ws + C::kWeightWords;
    for (int i = int(threadIdx.x); i < C::kScaleWords; i += C::kThreads) {  // two (tile, g) entries a word
        const int kbl = i / (C::kBlockTiles * 4), within = i % (C::kBlockTiles * 4);
        const int tile = tile0 + within / 4, kb = kb0 + kbl;
        const bool valid = tile < tiles && kb < kbEnd;
        const std::size_t entry = (std::size_t(kb * 64 / a.G) * tiles + tile) * 8 + (within % 4) * 2;
        copyAsync<16>(sharedAddress(ss + i), a.scaleZeros + (valid ? entry : 0), valid);
    }
}

template <class C>
__global__ void __launch_bounds__(C::kThreads, C::kMinBlocks) awqPrefillKernel(PrefillArgs a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap();
#else
    constexpr int T = C::kTilesPerWarp, P = C::kPiecesPerWarp;
    extern __shared__ uint4 shared[];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warpN = warp % C::kWarpsN, warpM = warp / C::kWarpsN;
    const int g = lane >> 2, t = lane & 3;
    const int tile0 = int(blockIdx.x) * C::kBlockTiles, row0 = int(blockIdx.y) * C::kBlockRows;
    const int KB = a.K / 64;
    const int kbBegin = int(blockIdx.z) * a.kbPerSplit, kbEnd = min(KB, kbBegin + a.kbPerSplit);
    const int stages = (kbEnd - kbBegin + C::kStageKBlocks - 1) / C::kStageKBlocks;

    float acc[T][P][4];
#pragma unroll
    for (int tl = 0; tl < T; ++tl)
#pragma unroll
        for (int p = 0; p < P; ++p)
#pragma unroll
            for (int i = 0; i < 4; ++i) acc[tl][p][i] = 0.0f;

#pragma unroll
    for (int s = 0; s < C::kStages - 1; ++s) {
        if (s < stages) loadStage<C>(a, shared + s * C::kStageWords, kbBegin + s * C::kStageKBlocks, kbEnd, tile0, row0);
        commitCopies();
    }
    for (int s = 0; s < stages; ++s) {
        waitCopies<C::kStages - 2>();  // stage s has landed (for this thread)
        __syncthreads();               // ... for every thread; and stage s - 1 is no longer read
        if (s + C::kStages - 1 < stages)
            loadStage<C>(a, shared + ((s + C::kStages - 1) % C::kStages) * C::kStageWords, kbBegin + (s + C::kStages - 1) * C::kStageKBlocks,
                         kbEnd, tile0, row0);
        commitCopies();

        const uint4* xs = shared + (s % C::kStages) * C::kStageWords;
        const uint4* ws = xs + C::kXWords;
        const uint2* ss = reinterpret_cast<const uint2*>(ws + C::kWeightWords);
#pragma unroll
        for (int kbl = 0; kbl < C::kStageKBlocks; ++kbl) {
            uint4 w[T];
#pragma unroll
            for (int tl = 0; tl < T; ++tl) w[tl] = ws[((warpN * T + tl) * C::kStageKBlocks + kbl) * 32 + lane];
            // Lane t's 16 inputs of the k-block in two halves: half h holds the B registers of
            // products j = 2h (x, y) and j = 2h + 1 (z, w).
#pragma unroll
            for (int h = 0; h < 2; ++h) {
                uint4 xv[P];
#pragma unroll
                for (int p = 0; p < P; ++p) xv[p] = xs[(warpM * P * 8 + p * 8 + g) * C::kRowWords + kbl * 8 + 2 * t + h];
#pragma unroll
                for (int jj = 0; jj < 2; ++jj) {
                    const int j = 2 * h + jj;
#pragma unroll
                    for (int tl = 0; tl < T; ++tl) {
                        const uint2 sz = ss[(kbl * C::kBlockTiles + warpN * T + tl) * 8 + g];
                        __half hz[4];
                        memcpy(hz, &sz, 8);
                        const std::uint32_t word = j == 0 ? w[tl].x : j == 1 ? w[tl].y : j == 2 ? w[tl].z : w[tl].w;
                        std::uint32_t frag[4];
#pragma unroll
                        for (int r = 0; r < 4; ++r) {  // a_r holds nibbles r and r + 4: column g + 8 (r & 1)
                            const std::uint32_t bits = ((word >> (4 * r)) & 0x000F000Fu) | 0x64006400u;  // 1024 + q, exact
                            __half2 q;
                            memcpy(&q, &bits, 4);
                            frag[r] = halfPairBits(__hmul2(__hsub2(q, __half2half2(hz[2 + (r & 1)])), __half2half2(hz[r & 1])));
                        }
                        // Consecutive products write different accumulators (the asm is volatile:
                        // the compiler keeps this order).
#pragma unroll
                        for (int p = 0; p < P; ++p)
                            mma16816<__half>(acc[tl][p], frag[0], frag[1], frag[2], frag[3], jj == 0 ? xv[p].x : xv[p].z,
                                             jj == 0 ? xv[p].y : xv[p].w);
                    }
                }
            }
        }
    }

    const int tiles = a.N / 16;
#pragma unroll
    for (int tl = 0; tl < T; ++tl) {
        const int tile = tile0 + warpN * T + tl;
        if (tile >= tiles) continue;
#pragma unroll
        for (int p = 0; p < P; ++p)
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int m = row0 + warpM * P * 8 + p * 8 + 2 * t + (i & 1);
                const int col = tile * 16 + g + 8 * (i >> 1);
                if (m >= a.M) continue;
                if (a.partial)
                    a.partial[(std::size_t(blockIdx.z) * a.M + m) * a.N + col] = acc[tl][p][i];
                else
                    a.y[std::size_t(m) * a.N + col] = __float2half_rn(acc[tl][p][i]);
            }
    }
#endif
}

// The mma.sync configurations (measured below, at the variant list).
using Busy32 = Config<4, 1, 2, 4, 1, 4, 4>;   // 128 outputs x 32 rows, 4 warps of 2 tiles x 4 pieces, 4 blocks an SM
using Busy64 = Config<4, 1, 2, 8, 1, 4, 3>;   // 128 x 64, 4 warps of 2 tiles x 8 pieces, 3 blocks
using Wide128 = Config<2, 2, 4, 8, 1, 4, 2>;  // 128 x 128, 4 warps of 4 tiles x 8 pieces, 2 blocks

struct PrefillPlan {
    dim3 grid;
    int kbPerSplit = 0;
};

// Splits K (in whole stages) until the grid fills the GPU's block slots (MinBlocks a
// multiprocessor) to at least 80% in its last wave: a GEMM that fills 1.09 waves takes as long as
// one of two.
template <class C>
PrefillPlan prefillPlan(int M, int K, int N) {
    const int KB = K / 64;
    const int blocks = ((N / 16 + C::kBlockTiles - 1) / C::kBlockTiles) * ((M + C::kBlockRows - 1) / C::kBlockRows);
    const int slots = deviceMultiprocessors() * C::kMinBlocks;
    const int maxSplits = std::max(1, std::min(16, KB / (2 * C::kStageKBlocks)));
    int splits = 1;
    for (; splits < maxSplits; ++splits) {
        const int total = blocks * splits;
        const int waves = (total + slots - 1) / slots;
        if (double(total) / (double(waves) * slots) >= 0.8) break;
    }
    int kbPerSplit = (KB + splits - 1) / splits;
    kbPerSplit = (kbPerSplit + C::kStageKBlocks - 1) / C::kStageKBlocks * C::kStageKBlocks;
    splits = (KB + kbPerSplit - 1) / kbPerSplit;
    return {dim3(unsigned((N / 16 + C::kBlockTiles - 1) / C::kBlockTiles), unsigned((M + C::kBlockRows - 1) / C::kBlockRows), unsigned(splits)),
            kbPerSplit};
}

// The workspace: the wgmma kernels' permuted copy of x first (prefill_detail), then the K splits'
// partial sums.
template <class C>
std::size_t permutedXBytes(int M, int K) {
    if constexpr (C::kWgmma) return prefill_detail::wgmmaPermutedXBytes(M, K);
    return 0;
}

// AWQBENCH_PREFILL_COUNTED=1: the wgmma kernels add their K splits up themselves (split counters,
// sm90/), no reduction kernel after them. Off: slower wherever K is split. Measured (session 32,
// H100, awq_gemm_bench --m 1 --prefill-m 16..128, cold L2, two runs, us, off -> on): o at 48 / 64
// / 96 / 128 rows 13.0 / 13.4 / 18.7 / 19.8 -> 15.0 / 16.1 / 31.7 / 35.5; q|k|v at 48 / 64 17.2 /
// 17.8 -> 22.4 / 24.7; down at 128 37-39 -> 53; engine_bench batch 16/32 -4% to +2%, TTFT at prompt
// 128 7.2 -> 8.3 ms (one run). Likely why (not profiled): the last split reads every split's partial sums on
// one block, where the reduction kernel spreads that read over the whole GPU. Kept (tested bit for
// bit against the reduction kernel in tests/kernels) for the next attempt at the same idea.
// Read on every call (not cached) so that a test can switch it.
bool countedSplitsEnabled() {
    const char* v = std::getenv("AWQBENCH_PREFILL_COUNTED");
    return v && std::string_view(v) == "1";
}

// The split counters after the partial sums (wgmma kernels only): one a block of the x-y plane,
// rounded up to 16 bytes.
template <class C>
std::size_t splitCounterBytes(const PrefillPlan& p) {
    if constexpr (!C::kWgmma) return 0;
    return (std::size_t(p.grid.x) * p.grid.y * sizeof(unsigned) + 15) / 16 * 16;
}

std::size_t partialBytes(const PrefillPlan& p, int M, int N) {
    return p.grid.z > 1 ? std::size_t(p.grid.z) * std::size_t(M) * std::size_t(N) * sizeof(float) : 0;
}

template <class C>
std::size_t workspaceBytes(int M, int K, int N) {
    const PrefillPlan p = prefillPlan<C>(M, K, N);
    return permutedXBytes<C>(M, K) + (p.grid.z > 1 ? partialBytes(p, M, N) + splitCounterBytes<C>(p) : 0);
}

template <class C>
cudaError_t launch(const PrefillArgs& in, cudaStream_t stream, void* workspace, std::size_t workspaceBytes) {
    PrefillArgs args = in;
    PrefillPlan p = prefillPlan<C>(args.M, args.K, args.N);
    __half* permutedX = nullptr;
    if constexpr (C::kWgmma) {  // the permuted copy of x is where the wgmma kernels read x from; without room, mma.sync
        const std::size_t xBytes = permutedXBytes<C>(args.M, args.K);
        if (!workspace || !aligned16(workspace) || workspaceBytes < xBytes) return launch<Busy64>(in, stream, workspace, workspaceBytes);
        permutedX = static_cast<__half*>(workspace);
        workspace = static_cast<char*>(workspace) + xBytes;
        workspaceBytes -= xBytes;
    }
    if (p.grid.z > 1) {
        const std::size_t need = partialBytes(p, args.M, args.N);
        if (workspace && workspaceBytes >= need && aligned16(workspace)) {
            args.partial = static_cast<float*>(workspace);
            if (countedSplitsEnabled() && workspaceBytes >= need + splitCounterBytes<C>(p) && splitCounterBytes<C>(p) > 0)
                args.splitCounters = reinterpret_cast<unsigned*>(static_cast<char*>(workspace) + need);
        } else {  // no room for partial sums: one split
            p.kbPerSplit = (args.K / 64 + C::kStageKBlocks - 1) / C::kStageKBlocks * C::kStageKBlocks;
            p.grid.z = 1;
        }
    }
    args.kbPerSplit = p.kbPerSplit;
    if constexpr (C::kWgmma) {
        if (const cudaError_t e = prefill_detail::launchWgmmaPrefill(C::kTilesPerWarp, C::kBlockRows, args, p.grid, stream, permutedX); e != cudaSuccess) return e;
    } else {
        // Per call: the attribute is per device, and the call costs far less than the GEMM.
        if (const cudaError_t e = cudaFuncSetAttribute(awqPrefillKernel<C>, cudaFuncAttributeMaxDynamicSharedMemorySize, int(C::kSharedBytes));
            e != cudaSuccess)
            return e;
        awqPrefillKernel<C><<<p.grid, C::kThreads, C::kSharedBytes, stream>>>(args);
    }
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess || !args.partial || args.splitCounters) return e;
    return split_k::reduce<__half>(args.partial, args.y, int(p.grid.z), std::int64_t(args.M) * args.N, stream);  // M * N % 16 == 0
}

// The configurations compiled in (index = variant). What decides the speed is warps a
// multiprocessor (latency hiding), then loads a product; measured on an H200 (awq_gemm_bench's
// prefill table, Llama-3-8B gate|up 4096 -> 28672): at 32 rows Busy32 49 us (16 warps an SM),
// 2 warps x 3 blocks of 4 x 4 fragments 65 us, cuBLAS fp16 59 us; at 128 rows Wide128 127 us,
// 8 warps x 1 block of 2 x 8 (session 6's kernel) 145 us, cuBLAS fp16 65 us. Also measured and
// left out: Busy64 at 4 blocks (capped at 128 registers, spills: 3% slower), 256 x 32 at 3 blocks
// (within 1% of Busy32).
// On sm_90 the warpgroup kernels (sm90/) took 33-128 rows (every row count since session 28); H200,
// one run (session 13, cold L2, us: Busy64 / Wide128 -> wgmma, cuBLAS fp16 beside): gate|up at 64
// rows 78.7 -> 62.9 (61.7), at 128 rows 127.2 -> 78.7 (68.1); down at 128 rows 70.0 -> 48.2 (37.0);
// q|k|v 34.6 -> 26.0 (16.4).
// Session 23 fed them with bulk copies from a producer warp (numbers in sm90/): gate|up at 64 rows
// 36.3, at 128 rows 55.8.
// Busy32 stays the pick up to 32 rows (wgmma 256x64 at 32 rows: gate|up 62.2 us against 49.2),
// until session 28's wgmma blocks of 32 rows (wgmmaVariantFor).
// Measured along the way (gate|up, 128 rows, earlier runs): 128 outputs a block (TilesPerWarp 1,
// two blocks an SM) 142 us against 108 for 256; waiting for each k-block's products before the
// next 107.7 us against 103.2 with a batch in flight; x permuted inside the kernel by 4-byte copies
// 101.9 us against 78.7 with the permuting pass (63.0 with x not loaded at all, 94.3 with the
// weights not dequantized: x's copies were the bottleneck).
// Dropped in session 21 (H200, awq_gemm_bench --prefill-m 64,128, cold L2, us; the cluster code
// is on branch s21-gpu): 6 or 8 stages in flight instead of 4 (o at 64 rows 17.9 / 19.3 against 17.4, gate|up
// at 128 rows 84.4 / 91.9 against 82.0: slower on every shape); the K splits of a tile as one thread
// block cluster adding up in distributed shared memory instead of partial sums + split_k::reduce
// (o at 64 rows 31.5 against 17.4, down 71.5 against 37.8: a cluster of 5-8 one-block-an-SM blocks
// does not get its multiprocessors at once); 128-output wgmma blocks (TilesPerWarp 1) for the
// narrow linears: o at 128 rows 20.6 against 22.7 but q|k|v 32.7 against 26.1, engine TTFT at
// prompt 128 unchanged (8.6-8.9 ms against 8.4-8.7).
// Session 24: 128 x 256 wgmma blocks (variant 5) for more than 128 rows (numbers at
// awqRepackedPrefillGemmApplies below and in sm90/); at 128 rows they lose to 256 x 128 (gate|up 93
// against 57 us: half the blocks).
// Dropped in session 27 (H200, one build against one of the code before, same run): every kernel
// of this path launched programmatically (the mma.sync kernel and the permuting pass waiting for
// the kernel before, the wgmma kernel letting the split reduction's blocks be placed early, the
// reduction waiting for it): awq_gemm_bench prefill, cold L2, us: o at 64 rows 16.2 against 14.9,
// q|k|v at 16 rows 15.5 against 13.8, gate|up at 64 rows 36.7 against 39.5; engine_bench --only
// awq: batch 32 prompt 128 5926 / 5947 tok/s against 5965 / 5975, TTFT at batch 16 prompt 2048
// 842 / 866 ms against 795 / 793. Blocks placed early and waiting cost these short kernels more
// than the launch gap they hide.
constexpr const char* kVariantNames[] = {"busy 128x32/4w x4", "busy 128x64/4w x3", "wide 128x128/4w x2", "wgmma 256x64/8w x1",
                                         "wgmma 256x128/8w x1", "wgmma 128x256/8w x1", "wgmma 128x64/8w x1",
                                         "wgmma 256x32/8w x1", "wgmma 128x32/8w x1", "wgmma 128x128/8w x1"};
constexpr int kMmaSyncVariants = 3;
constexpr int kVariants = 10;

// The wgmma variants where this build and device have them (sm_90a code, compute 9.0).
int variantsHere() { return prefill_detail::wgmmaPrefillAvailable() ? kVariants : kMmaSyncVariants; }

template <class F>
auto withVariant(int variant, F&& f) {
    switch (variant) {
    case 0: return f(Busy32{});
    case 1: return f(Busy64{});
    case 3: return f(Wgmma<2, 64>{});
    case 4: return f(Wgmma<2, 128>{});
    case 5: return f(Wgmma<1, 256>{});
    case 6: return f(Wgmma<1, 64>{});
    case 7: return f(Wgmma<2, 32>{});
    case 8: return f(Wgmma<1, 32>{});
    case 9: return f(Wgmma<1, 128>{});  // not picked: mixed (H100, session 32, 128 rows: down 34.8 us against 39.1, q|k|v 25.1 against 22.6, gate|up 67.2 against 57.1)
    default: return f(Wide128{});
    }
}

// Whether the plan's blocks all run at once (one wave of the GPU's block slots).
template <class C>
bool oneWave(int M, int K, int N) {
    const PrefillPlan p = prefillPlan<C>(M, K, N);
    return std::size_t(p.grid.x) * p.grid.y * p.grid.z <= std::size_t(deviceMultiprocessors()) * C::kMinBlocks;
}

// On sm_90 up to 64 rows: the wgmma blocks of the row size that M fits (32 or 64 rows), 128 outputs
// wide where that grid runs in one wave, else 256 wide; past 64 rows 256 x 128, then 128 x 256.
// Narrower blocks split K fewer times for the same grid (half the partial sums, twice the k-blocks
// a block); a second wave costs more than that buys. Measured (H200, session 28, awq_gemm_bench --prefill-m 16,32,48,64, cold L2, us,
// two runs; before: 128 x 32 rows mma.sync up to 32 rows, 256 x 64 wgmma up to 64): o at 16 / 32 /
// 48 / 64 rows 10.7 / 11.0 / 12.4 / 12.7 against 12.3 / 13.2 / 14.3 / 14.8 (cuBLAS fp16 12.4 / 12.9
// / 13.4 / 11.1); down 20.6 / 21.0 / 23.6 / 24.2 against 28.0 / 28.8 / 25.5 / 26.1; gate|up (256
// wide: 128 wide needs two waves) 30.4 / 30.7 / 37.7 / 38.2 against 48.1 / 49.0 / 37.7 / 38.2;
// q|k|v (256 wide) 13.3 / 13.8 / 16.4 / 16.8 against 13.9 / 14.7 / 16.4 / 16.8; 128 wide in two
// waves: q|k|v at 64 rows 19.8, gate|up 46.1.
int wgmmaVariantFor(int M, int K, int N) {
    if (M <= 32) return oneWave<Wgmma<1, 32>>(M, K, N) ? 8 : 7;
    if (M <= 64) return oneWave<Wgmma<1, 64>>(M, K, N) ? 6 : 3;
    return M <= 128 ? 4 : 5;
}

// The variant for M rows of a K -> N GEMM on the current device (the fastest in awq_gemm_bench's
// prefill table; wgmma where the device has them); AWQBENCH_PREFILL_VARIANTS=a,b,c,d overrides the
// picks for M <= 32, <= 64, <= 128 and above (for measuring; ignored where one is not compiled in).
int variantFor(int M, int K, int N) {
    static const std::array<int, 4> overridden = [] {
        std::array<int, 4> p{-1, -1, -1, -1};
        if (const char* v = std::getenv("AWQBENCH_PREFILL_VARIANTS"))
            if (int a, b, c, d; std::sscanf(v, "%d,%d,%d,%d", &a, &b, &c, &d) == 4 && std::min({a, b, c, d}) >= 0 && std::max({a, b, c, d}) < kVariants)
                p = {a, b, c, d};
        return p;
    }();
    if (overridden[0] >= 0 && *std::max_element(overridden.begin(), overridden.end()) < variantsHere())
        return M <= 32 ? overridden[0] : M <= 64 ? overridden[1] : M <= 128 ? overridden[2] : overridden[3];
    if (prefill_detail::wgmmaPrefillAvailable()) return wgmmaVariantFor(M, K, N);
    return M <= 32 ? 0 : M <= 64 ? 1 : 2;
}

// AWQBENCH_PREFILL_GEMM=0 turns the kernel off (dequantize + cuBLAS instead), for measuring it.
bool prefillGemmEnabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_PREFILL_GEMM");
        return !(v && std::string_view(v) == "0");
    }();
    return enabled;
}

int resolve(int variant, int M, int K, int N) { return variant >= 0 && variant < variantsHere() ? variant : variantFor(M, K, N); }

}  // namespace

int awqRepackedPrefillVariantCount() { return variantsHere(); }
const char* awqRepackedPrefillVariantName(int variant) { return variant >= 0 && variant < variantsHere() ? kVariantNames[variant] : ""; }

// Past 128 rows only the 128 x 256 wgmma kernel (variant 5) takes a GEMM, and only where it beat
// dequantize + cuBLAS (H200, session 24, awq_gemm_bench --prefill-m 256,512,1024,2048,4096, cold
// L2, us against dequantize + cuBLAS): every 8B linear at 256 rows (gate|up 105 against 187, down
// 53 against 94, o 23.5 against 24.7, q|k|v 39.6 against 40.2); at 512 and 1024 rows where K is not
// split below 4096 inputs a split (512: gate|up 226 against 268, down 98 against 126 in two splits
// of 7168; 1024: gate|up 394 against 462, down 196 against 222, o 54 against 58), not where it is
// (q|k|v at 512 in four splits 71 against 53, at 1024 in two 109 against 87; o at 512 in two 35.2
// against 34.8: the partial sums' round trip through global memory). From 2048 rows on, where
// dequantizing costs less a row, it is at par or behind (2048: gate|up 817 against 827, down 404
// against 396, o 115 against 106; 4096: o 231 against 204, gate|up 1669 against 1615).
bool awqRepackedPrefillGemmApplies(int M, int K, int N, int groupSize) {
    if (!prefillGemmEnabled() || M <= 0 || !awqRepackSupported(K, N, groupSize) || deviceComputeMajor() < 8) return false;
    if (M <= kAwqRepackedPrefillMaxM) return true;
    if (!prefill_detail::wgmmaPrefillAvailable() || M > kAwqRepackedWidePrefillMaxM) return false;
    return M <= kAwqRepackedWidePrefillAllM || prefillPlan<Wgmma<1, 256>>(M, K, N).kbPerSplit * 64 >= 4096;
}

std::size_t awqRepackedPrefillWorkspaceBytes(int M, int K, int N, int groupSize, int variant) {
    if (M <= 0 || !awqRepackSupported(K, N, groupSize)) return 0;
    return withVariant(resolve(variant, M, K, N), [&](auto c) { return workspaceBytes<decltype(c)>(M, K, N); });
}

cudaError_t awqRepackedPrefillGemm(const __half* x, const std::int32_t* qpack, const __half* scaleZeros, __half* y, int M, int K, int N,
                                   int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes, int variant) {
    if (M <= 0 || !awqRepackSupported(K, N, groupSize)) return cudaErrorInvalidValue;
    if (!x || !qpack || !scaleZeros || !y || !aligned16(x) || !aligned16(qpack) || !aligned16(scaleZeros) || !aligned16(y))
        return cudaErrorInvalidValue;
    const PrefillArgs args{x, reinterpret_cast<const uint4*>(qpack), reinterpret_cast<const uint2*>(scaleZeros), y, nullptr, M, K, N,
                           groupSize == -1 ? K : groupSize, 0};
    return withVariant(resolve(variant, M, K, N), [&](auto c) { return launch<decltype(c)>(args, stream, workspace, workspaceBytes); });
}

}  // namespace awq::kernels
