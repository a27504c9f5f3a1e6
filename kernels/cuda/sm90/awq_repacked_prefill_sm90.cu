// The W4A16 prefill GEMM on Hopper's warpgroup tensor-core instructions (wgmma), for the repacked
// layout (awq_repacked.h). Built for sm_90a (the architecture-specific target wgmma needs) where the
// build targets sm_90; elsewhere this file holds only the "not available" answers.
//
// Why: the mma.sync kernels (awq_repacked_prefill.cu) reach ~240 TFLOPS at 128 rows on an H200,
// half of cuBLAS fp16 (gate|up 127 us against 65); Hopper runs mma.sync at a fraction of wgmma's
// rate. As in vLLM's Machete, the weights are the A operand in registers, dequantized there (the
// repacked layout gives each lane exactly its A fragment: a warp of the warpgroup owns one 16-output
// column tile), and the activations are the B operand in shared memory, so a 4-bit weight is read
// from memory once a block of rows and never written back as fp16. (H200, session 13: 79 us.)
//
// Work split: a block has two warpgroups and Rows (64 or 128) rows of x; warp v of warpgroup w owns
// column tiles tile0 + w * 4 * TW + 4 * tw + v (tw < TW), so a warpgroup's wgmma covers 64
// consecutive outputs a tw. Each k-block (64 inputs) is four m64nRowsk16 products a tw. Stages of
// one k-block bring x, the block's qpack words and scales into shared memory with cp.async; a
// warpgroup dequantizes stage i + 1 while its products of stage i run, and keeps one batch of
// products in flight across the block's barrier.
//
// x in shared memory: the layout wgmma reads for a K-major B operand with the 128-byte swizzle
// (rows of 64 inputs, 16-byte chunk c of row r at chunk c ^ (r % 8); descriptor stride 1024 bytes
// between 8-row groups), with the inputs of a k-block permuted the way the repacked layout
// permutes them: position p of a k-block holds input productOrderInput(p) (repacked_layout.h).
// With room in the workspace a pass over x writes it in that order first and the stages copy 16
// bytes at a time; without, each 4-byte pair of inputs is copied to its place with its own
// cp.async (much slower).
#include "kernels/cuda/awq_repacked_prefill_detail.h"
#include "kernels/cuda/cp_async.cuh"

#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/repacked_dequant.cuh"
#include "kernels/repacked_layout.h"

#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>

namespace awq::kernels::prefill_detail {

#if defined(AWQBENCH_WGMMA_PREFILL)
namespace {

constexpr int kThreads = 256;  // two warpgroups
constexpr int kRowBytes = 128;  // one k-block (64 fp16 inputs) of a row of x
constexpr int kStages = 4;

template <int TW, int Rows>
struct Shape {
    static constexpr int kTiles = wgmmaBlockTiles(TW);
    static constexpr int kXBytes = Rows * kRowBytes;  // 8 or 16 KB: whole 1024-byte swizzle atoms
    static constexpr int kWeightBytes = kTiles * 32 * 16;    // [tile][lane] 16-byte words
    static constexpr int kScaleBytes = 1024;                  // [tile][g] 8-byte scale/zero entries (<= 16 tiles)
    static constexpr int kStageBytes = kXBytes + kWeightBytes + kScaleBytes;
    static constexpr int kSharedBytes = kStages * kStageBytes + 1024;  // + room to align to 1024
    static_assert(kStageBytes % 1024 == 0 && kTiles * 8 * 8 <= kScaleBytes);
};

// Shared-memory matrix descriptor (PTX ISA, "Matrix Descriptor Format"): start address >> 4, leading
// byte offset 16 (unused by swizzled K-major layouts), stride byte offset 1024 (between 8-row
// groups), 128-byte swizzle. The start must sit in a 1024-aligned atom; product j of a k-block
// starts 32 j bytes into it (the hardware swizzles the address it forms).
__device__ __forceinline__ std::uint64_t xDescriptor(unsigned address) {
    return std::uint64_t((address & 0x3FFFF) >> 4) | (std::uint64_t(1) << 16) | (std::uint64_t(1024 >> 4) << 32) | (std::uint64_t(1) << 62);
}

__device__ __forceinline__ void wgmmaFence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmmaCommit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
template <int Pending>
__device__ __forceinline__ void wgmmaWait() {
    asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(Pending) : "memory");
}

// d (64 x Rows, fp32) += A (64 x 16 from registers: this warp's 16 rows as mma.m16n8k16's A
// fragment) * B (16 x Rows in shared memory, K-major). d's fragment: d[4c + i] = row g + 8 (i / 2),
// column 8c + 2t + i % 2 of the warp's 16 rows. accumulate 0: d = A * B (d's old values unread).
template <int Rows>
__device__ __forceinline__ void wgmmaRows(float (&d)[Rows / 2], const std::uint32_t (&a)[4], std::uint64_t descB, int accumulate) {
    static_assert(Rows == 64 || Rows == 128);
    if constexpr (Rows == 128) {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, {%64, %65, %66, %67}, %68, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    } else {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31}, {%32, %33, %34, %35}, %36, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    }
}

template <int TW, int Rows, bool Permuted>
__device__ __forceinline__ void loadStage(const PrefillArgs& a, unsigned stage, int kb, int tile0, int row0) {
    using S = Shape<TW, Rows>;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, tiles = a.N / 16, KB = a.K / 64;
    if constexpr (Permuted) {
        // x already in the k-blocks' product order (permuteForWgmmaKernel): 16-byte chunk q of row r
        // to chunk q ^ (r % 8).
        for (int i = int(threadIdx.x); i < Rows * 8; i += kThreads) {
            const int r = i >> 3, q = i & 7, m = row0 + r;
            const bool valid = m < a.M;
            copyAsync<16>(stage + r * kRowBytes + ((q ^ (r & 7)) * 16), a.x + (valid ? std::size_t(m) * a.K + std::size_t(kb) * 64 + q * 8 : 0), valid);
        }
    } else {
        // lane l copies inputs 2l, 2l + 1 of a row's k-block to their permuted, swizzled place.
        const int t = lane >> 3, j = (lane & 7) >> 1;
        for (int r = warp; r < Rows; r += kThreads / 32) {
            const int m = a.M > row0 + r ? row0 + r : -1;
            const __half* src = a.x + (m >= 0 ? std::size_t(m) * a.K + std::size_t(kb) * 64 + 2 * lane : 0);
            const int chunk = (2 * j + (lane & 1)) ^ (r & 7);
            copyAsync<4>(stage + r * kRowBytes + chunk * 16 + 4 * t, src, m >= 0);
        }
    }
    const unsigned weights = stage + S::kXBytes;
    for (int i = int(threadIdx.x); i < S::kTiles * 32; i += kThreads) {
        const int tile = tile0 + i / 32;
        const bool valid = tile < tiles;
        copyAsync<16>(weights + i * 16, a.qpack + (valid ? (std::size_t(tile) * KB + kb) * 32 + i % 32 : 0), valid);
    }
    const unsigned scales = weights + S::kWeightBytes;
    for (int i = int(threadIdx.x); i < S::kTiles * 4; i += kThreads) {  // two (tile, g) entries a copy
        const int tile = tile0 + i / 4;
        const bool valid = tile < tiles;
        const std::size_t entry = (std::size_t(kb * 64 / a.G) * tiles + tile) * 8 + (i % 4) * 2;
        copyAsync<16>(scales + i * 16, a.scaleZeros + (valid ? entry : 0), valid);
    }
}

template <int TW, int Rows, bool Permuted>
__global__ void __launch_bounds__(kThreads, kWgmmaBlocksPerSm) wgmmaPrefillKernel(PrefillArgs a) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    using S = Shape<TW, Rows>;
    extern __shared__ unsigned char sharedBytes[];
    const unsigned base = (sharedAddress(sharedBytes) + 1023u) & ~1023u;
    const unsigned char* baseGeneric = sharedBytes + (base - sharedAddress(sharedBytes));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int wg = warp >> 2, v = warp & 3, g = lane >> 2, t = lane & 3;
    const int tile0 = int(blockIdx.x) * S::kTiles, row0 = int(blockIdx.y) * Rows;
    const int KB = a.K / 64;
    const int kbBegin = int(blockIdx.z) * a.kbPerSplit, kbEnd = min(KB, kbBegin + a.kbPerSplit);
    const int count = kbEnd - kbBegin;  // >= 1: the plan gives every split k-blocks (acc is never zeroed)

    // Not zeroed: the first products overwrite it (an instruction writing it while products are in
    // flight would serialize them).
    float acc[TW][Rows / 2];

    // A registers of stage i's k-block: fp16((q - z) * s), as the CPU reference rounds.
    auto dequantize = [&](int i, std::uint32_t(&frag)[TW][4][4]) {
        const int stageOffset = (i % kStages) * S::kStageBytes;
        const uint4* weights = reinterpret_cast<const uint4*>(baseGeneric + stageOffset + S::kXBytes);
        const uint2* scales = reinterpret_cast<const uint2*>(baseGeneric + stageOffset + S::kXBytes + S::kWeightBytes);
#pragma unroll
        for (int tw = 0; tw < TW; ++tw) {
            const int local = wg * 4 * TW + 4 * tw + v;
            const uint4 w = weights[local * 32 + lane];
            const uint2 sz = scales[local * 8 + g];
            __half h[4];
            memcpy(h, &sz, 8);
            const GroupZeros<__half> z = groupZeros<__half>(h[2], h[3]);
            const __half2 scale[2] = {__half2half2(h[0]), __half2half2(h[1])};
            const std::uint32_t words[4] = {w.x, w.y, w.z, w.w};
#pragma unroll
            for (int j = 0; j < 4; ++j) {
                std::uint32_t r[4];
                dequantWord<__half>(words[j], z, r);
#pragma unroll
                for (int k = 0; k < 4; ++k) {
                    __half2 d;
                    memcpy(&d, &r[k], 4);
                    d = __hmul2(d, scale[k & 1]);
                    memcpy(&frag[tw][j][k], &d, 4);
                }
            }
        }
    };
    // Stage i + 1 landed for every thread (and made visible to wgmma's reads); every thread is done
    // with stage i - 1, whose slot then takes stage i + kStages - 1.
    auto nextStage = [&](int i) {
        waitCopies<kStages - 3>();
        asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
        __syncthreads();
        if (i + kStages - 1 < count) loadStage<TW, Rows, Permuted>(a, base + ((i + kStages - 1) % kStages) * S::kStageBytes, kbBegin + i + kStages - 1, tile0, row0);
        commitCopies();
    };
    // The products of stage i from `cur`, and while they run, stage i + 1's A registers into `next`
    // (the registers of stage i - 1's products, which are waited for first). One batch of products
    // stays in flight across the block barrier, so the tensor cores do not drain every k-block.
    auto step = [&](int i, const std::uint32_t(&cur)[TW][4][4], std::uint32_t(&next)[TW][4][4]) {
        const unsigned x = base + (i % kStages) * S::kStageBytes;
        wgmmaFence();
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int tw = 0; tw < TW; ++tw) wgmmaRows<Rows>(acc[tw], cur[tw][j], xDescriptor(x + 32 * j), i > 0 || j > 0);
        wgmmaCommit();
        wgmmaWait<1>();  // stage i - 1's products: its registers and shared memory are free
        if (i + 1 < count) {
            nextStage(i);
            dequantize(i + 1, next);
        }
    };

#pragma unroll
    for (int s = 0; s < kStages - 1; ++s) {
        if (s < count) loadStage<TW, Rows, Permuted>(a, base + s * S::kStageBytes, kbBegin + s, tile0, row0);
        commitCopies();
    }
    waitCopies<kStages - 2>();
    asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory");
    __syncthreads();
    std::uint32_t fragA[TW][4][4], fragB[TW][4][4];
    if (count > 0) dequantize(0, fragA);
    for (int i = 0; i < count; i += 2) {
        step(i, fragA, fragB);
        if (i + 1 < count) step(i + 1, fragB, fragA);
    }
    wgmmaWait<0>();

    const int tiles = a.N / 16;
#pragma unroll
    for (int tw = 0; tw < TW; ++tw) {
        const int tile = tile0 + wg * 4 * TW + 4 * tw + v;
        if (tile >= tiles) continue;
#pragma unroll
        for (int c = 0; c < Rows / 8; ++c)
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                const int m = row0 + 8 * c + 2 * t + (i & 1);
                const int col = tile * 16 + g + 8 * (i >> 1);
                if (m >= a.M) continue;
                if (a.partial)
                    a.partial[(std::size_t(blockIdx.z) * a.M + m) * a.N + col] = acc[tw][4 * c + i];
                else
                    a.y[std::size_t(m) * a.N + col] = __float2half_rn(acc[tw][4 * c + i]);
            }
    }
#else
    __trap();  // the host launches this only on compute capability 9.0 (sm_90a code)
#endif
}

// x [M, K] -> xp [M, K] with each k-block's inputs in the products' order: position p of a k-block
// holds input productOrderInput(p) (repacked_layout.h). A thread writes one 16-byte chunk (four
// input pairs; p even: inputs p and p + 1 are adjacent). Why: the in-kernel permutation copies 4 bytes
// a cp.async, and those copies took ~40% of the GEMM (H200, gate|up at 128 rows: 102 us, 63 us
// with x left out); a pass over x costs a read and a write of M * K * 2 bytes.
__global__ void permuteForWgmmaKernel(const __half* __restrict__ x, __half* __restrict__ xp, std::int64_t chunks) {
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= chunks) return;
    const std::int64_t blockStart = (c >> 3) * 64;  // the k-block's first element (K % 64 == 0)
    const int q = int(c & 7);
    std::uint32_t pairs[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) pairs[i] = *reinterpret_cast<const std::uint32_t*>(x + blockStart + productOrderInput(8 * q + 2 * i));
    *reinterpret_cast<uint4*>(xp + c * 8) = make_uint4(pairs[0], pairs[1], pairs[2], pairs[3]);
}

template <int TW, int Rows, bool Permuted>
cudaError_t launch(const PrefillArgs& args, dim3 grid, cudaStream_t stream) {
    constexpr int bytes = Shape<TW, Rows>::kSharedBytes;
    if (const cudaError_t e = cudaFuncSetAttribute(wgmmaPrefillKernel<TW, Rows, Permuted>, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes);
        e != cudaSuccess)
        return e;
    wgmmaPrefillKernel<TW, Rows, Permuted><<<grid, kThreads, bytes, stream>>>(args);
    return cudaGetLastError();
}

template <int TW, int Rows>
cudaError_t launchWith(const PrefillArgs& in, dim3 grid, cudaStream_t stream, __half* permutedX) {
    if (!permutedX) return launch<TW, Rows, false>(in, grid, stream);
    const std::int64_t chunks = std::int64_t(in.M) * in.K / 8;
    permuteForWgmmaKernel<<<unsigned((chunks + 255) / 256), 256, 0, stream>>>(in.x, permutedX, chunks);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
    PrefillArgs args = in;
    args.x = permutedX;
    return launch<TW, Rows, true>(args, grid, stream);
}

}  // namespace

bool wgmmaPrefillAvailable() { return deviceComputeCapability() == 90; }

cudaError_t launchWgmmaPrefill(int tilesPerWarp, int rows, const PrefillArgs& args, dim3 grid, cudaStream_t stream, __half* permutedX) {
    if (!wgmmaPrefillAvailable()) return cudaErrorNotSupported;
    if (tilesPerWarp == 2 && rows == 64) return launchWith<2, 64>(args, grid, stream, permutedX);
    if (tilesPerWarp == 2 && rows == 128) return launchWith<2, 128>(args, grid, stream, permutedX);
    return cudaErrorInvalidValue;
}

#else  // built without sm_90a code

bool wgmmaPrefillAvailable() { return false; }
cudaError_t launchWgmmaPrefill(int, int, const PrefillArgs&, dim3, cudaStream_t, __half*) { return cudaErrorNotSupported; }

#endif

}  // namespace awq::kernels::prefill_detail
