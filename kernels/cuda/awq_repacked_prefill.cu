// The W4A16 prefill GEMM on the repacked layout (awq_repacked.h): tensor cores straight from the
// 4-bit weights, no fp16 copy of the weight in memory.
//
// Why: prefill dequantized each weight into an fp16 buffer for cuBLAS; at prompt 128 on an H200
// that copy cost more than the GEMM itself (Llama-3-8B gate|up: dequantize 85 us, cuBLAS 67 us).
//
// Work split: a block computes a 128 (outputs) x 128 (rows of x) tile over a range of K; eight warps,
// four along the outputs (two 16-column tiles each) and two along the rows (64 rows each). Three
// pipeline stages of two k-blocks (128 inputs) each bring x, the qpack words and the scales into
// shared memory with cp.async while the tensor cores work on the stage before. Each warp
// dequantizes its A fragments once per k-block as fp16((q - z) * s), the rounding of the CPU
// reference and of the dequantize + cuBLAS path, and multiplies eight 8-row pieces of x with them.
#include "kernels/cuda/awq_repacked.h"

#include "kernels/cuda/alignment.h"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/mma_m16n8k16.cuh"
#include "kernels/cuda/split_k.cuh"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace awq::kernels {
namespace {

constexpr int kWarpsN = 4, kWarpsM = 2;
constexpr int kTilesPerWarp = 2;                          // 16-column tiles a warp
constexpr int kPiecesPerWarp = 8;                         // 8-row pieces of x a warp
constexpr int kBlockTiles = kWarpsN * kTilesPerWarp;      // 8 tiles = 128 outputs
constexpr int kBlockRows = kWarpsM * kPiecesPerWarp * 8;  // 128 rows of x
constexpr int kThreads = kWarpsN * kWarpsM * 32;
constexpr int kStageKBlocks = 2;  // 128 inputs a stage
constexpr int kStages = 3;
constexpr int kRowWords = kStageKBlocks * 8 + 1;  // 16-byte words a staged row of x (+1: rows g and g+1 on other banks)

// One stage in shared memory, in 16-byte words.
constexpr int kXWords = kBlockRows * kRowWords;
constexpr int kWeightWords = kBlockTiles * kStageKBlocks * 32;  // [tile][k-block][lane]
constexpr int kScaleWords = kStageKBlocks * kBlockTiles * 8 / 2;  // [k-block][tile][g] of 8 bytes
constexpr int kStageWords = kXWords + kWeightWords + kScaleWords;
constexpr std::size_t kSharedBytes = std::size_t(kStages) * kStageWords * 16;

struct PrefillArgs {
    const __half* x;
    const uint4* qpack;
    const uint2* scaleZeros;
    __half* y;
    float* partial;  // [splits][M][N] when K is split, else nullptr
    int M, K, N, G, kbPerSplit;
};

// 16 bytes global -> shared, asynchronously; bytes < 16 fill the rest with zeros (0: all zeros).
__device__ __forceinline__ void copyAsync(void* shared, const void* global, int bytes) {
    const auto dst = static_cast<unsigned>(__cvta_generic_to_shared(shared));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(global), "r"(bytes));
}
__device__ __forceinline__ void commitCopies() { asm volatile("cp.async.commit_group;\n" ::); }
template <int Pending>
__device__ __forceinline__ void waitCopies() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}

__device__ __forceinline__ std::uint32_t halfPairBits(__half2 v) {
    std::uint32_t r;
    memcpy(&r, &v, 4);
    return r;
}

// Stage `kb0`'s inputs: rows of x, this block's qpack words and scales; zeros past the ends.
__device__ __forceinline__ void loadStage(const PrefillArgs& a, uint4* stage, int kb0, int kbEnd, int tile0, int row0) {
    const int tiles = a.N / 16, KB = a.K / 64;
    uint4* xs = stage;
    for (int i = int(threadIdx.x); i < kBlockRows * kStageKBlocks * 8; i += kThreads) {
        const int r = i / (kStageKBlocks * 8), c = i % (kStageKBlocks * 8);
        const int m = row0 + r, kb = kb0 + c / 8;
        const bool valid = m < a.M && kb < kbEnd;
        const __half* src = a.x + (valid ? std::size_t(m) * a.K + std::size_t(kb0) * 64 + c * 8 : 0);
        copyAsync(xs + r * kRowWords + c, src, valid ? 16 : 0);
    }
    uint4* ws = stage + kXWords;
    for (int i = int(threadIdx.x); i < kWeightWords; i += kThreads) {
        const int lane = i % 32, kbl = (i / 32) % kStageKBlocks, tl = i / (32 * kStageKBlocks);
        const int tile = tile0 + tl, kb = kb0 + kbl;
        const bool valid = tile < tiles && kb < kbEnd;
        copyAsync(ws + i, a.qpack + (valid ? (std::size_t(tile) * KB + kb) * 32 + lane : 0), valid ? 16 : 0);
    }
    uint4* ss = ws + kWeightWords;
    for (int i = int(threadIdx.x); i < kScaleWords; i += kThreads) {  // two (tile, g) entries a word
        const int kbl = i / (kBlockTiles * 4), within = i % (kBlockTiles * 4);
        const int tile = tile0 + within / 4, kb = kb0 + kbl;
        const bool valid = tile < tiles && kb < kbEnd;
        const std::size_t entry = (std::size_t(kb * 64 / a.G) * tiles + tile) * 8 + (within % 4) * 2;
        copyAsync(ss + i, a.scaleZeros + (valid ? entry : 0), valid ? 16 : 0);
    }
}

__global__ void __launch_bounds__(kThreads, 1) awqPrefillKernel(PrefillArgs a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap();
#else
    extern __shared__ uint4 shared[];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int warpN = warp % kWarpsN, warpM = warp / kWarpsN;
    const int g = lane >> 2, t = lane & 3;
    const int tile0 = int(blockIdx.x) * kBlockTiles, row0 = int(blockIdx.y) * kBlockRows;
    const int KB = a.K / 64;
    const int kbBegin = int(blockIdx.z) * a.kbPerSplit, kbEnd = min(KB, kbBegin + a.kbPerSplit);
    const int stages = (kbEnd - kbBegin + kStageKBlocks - 1) / kStageKBlocks;

    float acc[kTilesPerWarp][kPiecesPerWarp][4];
#pragma unroll
    for (int tl = 0; tl < kTilesPerWarp; ++tl)
#pragma unroll
        for (int p = 0; p < kPiecesPerWarp; ++p)
#pragma unroll
            for (int i = 0; i < 4; ++i) acc[tl][p][i] = 0.0f;

#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < stages) loadStage(a, shared + s * kStageWords, kbBegin + s * kStageKBlocks, kbEnd, tile0, row0);
        commitCopies();
    }
    for (int s = 0; s < stages; ++s) {
        waitCopies<kStages - 2>();  // stage s has landed (for this thread)
        __syncthreads();            // ... for every thread; and stage s - 1 is no longer read
        if (s + kStages - 1 < stages)
            loadStage(a, shared + ((s + kStages - 1) % kStages) * kStageWords, kbBegin + (s + kStages - 1) * kStageKBlocks, kbEnd, tile0, row0);
        commitCopies();

        const uint4* xs = shared + (s % kStages) * kStageWords;
        const uint4* ws = xs + kXWords;
        const uint2* ss = reinterpret_cast<const uint2*>(ws + kWeightWords);
#pragma unroll
        for (int kbl = 0; kbl < kStageKBlocks; ++kbl) {
            std::uint32_t frag[kTilesPerWarp][4][4];  // [tile][j][a0..a3]
#pragma unroll
            for (int tl = 0; tl < kTilesPerWarp; ++tl) {
                const int tile = warpN * kTilesPerWarp + tl;
                const uint4 w = ws[(tile * kStageKBlocks + kbl) * 32 + lane];
                const uint2 sz = ss[(kbl * kBlockTiles + tile) * 8 + g];
                __half h[4];
                memcpy(h, &sz, 8);
                const __half2 scale[2] = {__half2half2(h[0]), __half2half2(h[1])};
                const __half2 zero[2] = {__half2half2(h[2]), __half2half2(h[3])};
                const std::uint32_t words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
                for (int j = 0; j < 4; ++j)
#pragma unroll
                    for (int r = 0; r < 4; ++r) {  // a_r holds nibbles r and r + 4: column g + 8 (r & 1)
                        const std::uint32_t bits = ((words[j] >> (4 * r)) & 0x000F000Fu) | 0x64006400u;  // 1024 + q, exact
                        __half2 q;
                        memcpy(&q, &bits, 4);
                        frag[tl][j][r] = halfPairBits(__hmul2(__hsub2(q, zero[r & 1]), scale[r & 1]));
                    }
            }
            // x for all eight pieces first, then the products ordered so that consecutive mma
            // instructions never feed each other (the asm is volatile: the compiler keeps this order).
            uint4 xv[kPiecesPerWarp][2];
#pragma unroll
            for (int p = 0; p < kPiecesPerWarp; ++p) {
                const uint4* xr = xs + (warpM * kPiecesPerWarp * 8 + p * 8 + g) * kRowWords + kbl * 8 + 2 * t;
                xv[p][0] = xr[0];
                xv[p][1] = xr[1];
            }
#pragma unroll
            for (int j = 0; j < 4; ++j)
#pragma unroll
                for (int p = 0; p < kPiecesPerWarp; ++p)
#pragma unroll
                    for (int tl = 0; tl < kTilesPerWarp; ++tl) {
                        const uint4& v = xv[p][j / 2];
                        mma16816<__half>(acc[tl][p], frag[tl][j][0], frag[tl][j][1], frag[tl][j][2], frag[tl][j][3], (j % 2) == 0 ? v.x : v.z,
                                         (j % 2) == 0 ? v.y : v.w);
                    }
        }
    }

    const int tiles = a.N / 16;
#pragma unroll
    for (int tl = 0; tl < kTilesPerWarp; ++tl) {
        const int tile = tile0 + warpN * kTilesPerWarp + tl;
        if (tile >= tiles) continue;
#pragma unroll
        for (int p = 0; p < kPiecesPerWarp; ++p)
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int m = row0 + warpM * kPiecesPerWarp * 8 + p * 8 + 2 * t + (i & 1);
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

struct PrefillPlan {
    dim3 grid;
    int kbPerSplit = 0;
};

// Splits K (in whole stages) until the grid fills the GPU's multiprocessors (one block each) to at
// least 80% in its last wave: a GEMM that fills 1.09 waves takes as long as one of two.
PrefillPlan prefillPlan(int M, int K, int N) {
    const int KB = K / 64;
    const int blocks = ((N / 16 + kBlockTiles - 1) / kBlockTiles) * ((M + kBlockRows - 1) / kBlockRows);
    const int sms = deviceMultiprocessors();
    const int maxSplits = std::max(1, std::min(16, KB / (2 * kStageKBlocks)));
    int splits = 1;
    for (; splits < maxSplits; ++splits) {
        const int total = blocks * splits;
        const int waves = (total + sms - 1) / sms;
        if (double(total) / (double(waves) * sms) >= 0.8) break;
    }
    int kbPerSplit = (KB + splits - 1) / splits;
    kbPerSplit = (kbPerSplit + kStageKBlocks - 1) / kStageKBlocks * kStageKBlocks;
    splits = (KB + kbPerSplit - 1) / kbPerSplit;
    return {dim3(unsigned((N / 16 + kBlockTiles - 1) / kBlockTiles), unsigned((M + kBlockRows - 1) / kBlockRows), unsigned(splits)),
            kbPerSplit};
}

// AWQBENCH_PREFILL_GEMM=0 turns the kernel off (dequantize + cuBLAS instead), for measuring it.
bool prefillGemmEnabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_PREFILL_GEMM");
        return !(v && std::string_view(v) == "0");
    }();
    return enabled;
}

}  // namespace

bool awqRepackedPrefillGemmApplies(int M, int K, int N, int groupSize) {
    return prefillGemmEnabled() && M > 0 && M <= kAwqRepackedPrefillMaxM && awqRepackSupported(K, N, groupSize) && deviceComputeMajor() >= 8;
}

std::size_t awqRepackedPrefillWorkspaceBytes(int M, int K, int N, int groupSize) {
    if (M <= 0 || !awqRepackSupported(K, N, groupSize)) return 0;
    const PrefillPlan p = prefillPlan(M, K, N);
    return p.grid.z > 1 ? std::size_t(p.grid.z) * std::size_t(M) * std::size_t(N) * sizeof(float) : 0;
}

cudaError_t awqRepackedPrefillGemm(const __half* x, const std::int32_t* qpack, const __half* scaleZeros, __half* y, int M, int K, int N,
                                   int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes) {
    if (M <= 0 || !awqRepackSupported(K, N, groupSize)) return cudaErrorInvalidValue;
    if (!x || !qpack || !scaleZeros || !y || !aligned16(x) || !aligned16(qpack) || !aligned16(scaleZeros) || !aligned16(y))
        return cudaErrorInvalidValue;
    const int G = groupSize == -1 ? K : groupSize;
    PrefillPlan p = prefillPlan(M, K, N);
    float* partial = nullptr;
    if (p.grid.z > 1) {
        const std::size_t need = std::size_t(p.grid.z) * std::size_t(M) * std::size_t(N) * sizeof(float);
        if (workspace && workspaceBytes >= need && aligned16(workspace)) {
            partial = static_cast<float*>(workspace);
        } else {  // no room for partial sums: one split
            p.kbPerSplit = (K / 64 + kStageKBlocks - 1) / kStageKBlocks * kStageKBlocks;
            p.grid.z = 1;
        }
    }
    // Per call: the attribute is per device, and the call costs far less than the GEMM.
    if (const cudaError_t e = cudaFuncSetAttribute(awqPrefillKernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(kSharedBytes));
        e != cudaSuccess)
        return e;
    const PrefillArgs args{x, reinterpret_cast<const uint4*>(qpack), reinterpret_cast<const uint2*>(scaleZeros), y, partial, M, K, N, G,
                           p.kbPerSplit};
    awqPrefillKernel<<<p.grid, kThreads, kSharedBytes, stream>>>(args);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess || !partial) return e;
    return split_k::reduce<__half>(partial, y, int(p.grid.z), std::int64_t(M) * N, stream);  // M * N % 16 == 0
}

}  // namespace awq::kernels
