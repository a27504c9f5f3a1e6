#include "kernels/cuda/awq_gemm.h"

#include "kernels/awq_layout.h"
#include "kernels/cuda/alignment.h"
#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/mma_m16n8k16.cuh"
#include "kernels/cuda/split_k.cuh"

#include <mma.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <type_traits>

namespace awq::kernels {
namespace {

using namespace nvcuda;

// ---------------------------------------------------------------------------------------------
// Dequantization of one packed word: eight fp16/bf16 weights as one 16-byte vector.
//
// AutoAWQ's order puts column 2i in nibble i and column 2i+1 in nibble i+4 (awq_layout.h), so
// (q >> 4i) & 0x000F000F holds the pair (2i, 2i+1) in the low/high halves of a 32-bit word; OR-ing
// 0x6400 (fp16 1024.0) into each half makes them the fp16 numbers 1024 + q. (1024+q) - (1024+z) is
// exact, and one fp16 multiply by the scale rounds (q - z) * s exactly once, as the CPU reference.
// ---------------------------------------------------------------------------------------------

__device__ __forceinline__ __half2 asHalf2(std::uint32_t v) {
    __half2 h;
    memcpy(&h, &v, 4);
    return h;
}

__device__ __forceinline__ std::uint32_t bitsOf(__half2 h) {
    std::uint32_t v;
    memcpy(&v, &h, 4);
    return v;
}

__device__ __forceinline__ std::uint32_t bitsOf(__nv_bfloat162 h) {
    std::uint32_t v;
    memcpy(&v, &h, 4);
    return v;
}

template <typename T>
__device__ __forceinline__ std::uint32_t convertPair(__half2 w) {
    if constexpr (std::is_same_v<T, __half>) {
        return bitsOf(w);
    } else {
        return bitsOf(__float22bfloat162_rn(__half22float2(w)));
    }
}

template <typename T>
__device__ __forceinline__ uint4 dequant8(std::uint32_t q, std::uint32_t z, const uint4& s) {
    const std::uint32_t sw[4] = {s.x, s.y, s.z, s.w};
    std::uint32_t out[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) {
        const std::uint32_t qa = ((q >> (4 * i)) & 0x000F000Fu) | 0x64006400u;
        const std::uint32_t za = ((z >> (4 * i)) & 0x000F000Fu) | 0x64006400u;
        const __half2 w = __hmul2(__hsub2(asHalf2(qa), asHalf2(za)), asHalf2(sw[i]));
        out[i] = convertPair<T>(w);
    }
    return make_uint4(out[0], out[1], out[2], out[3]);
}

// Four packed words (32 columns) from col0 on; 128-bit when the row is aligned and whole.
__device__ __forceinline__ uint4 loadWords4(const std::int32_t* p, int col0, int N, bool vec) {
    if (vec && col0 + 32 <= N) return __ldg(reinterpret_cast<const uint4*>(p));
    std::uint32_t w[4];
#pragma unroll
    for (int i = 0; i < 4; ++i) w[i] = col0 + 8 * i < N ? static_cast<std::uint32_t>(__ldg(p + i)) : 0u;
    return make_uint4(w[0], w[1], w[2], w[3]);
}

// Eight fp16 scales of columns col..col+7 (N % 8 == 0, so a group of eight is all in or all out).
__device__ __forceinline__ uint4 loadScales8(const __half* p, int col, int N) {
    return col < N ? __ldg(reinterpret_cast<const uint4*>(p)) : make_uint4(0, 0, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// Asynchronous global -> shared copies (cp.async, sm_80+; a plain load + store below that). A
// source size of 0 writes zeros and reads nothing.
// ---------------------------------------------------------------------------------------------

[[maybe_unused]] __device__ __forceinline__ void cpAsync16(void* smem, const void* gmem, bool valid) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(gmem), "r"(valid ? 16 : 0));
#else
    *static_cast<uint4*>(smem) = valid ? *static_cast<const uint4*>(gmem) : make_uint4(0, 0, 0, 0);
#endif
}

[[maybe_unused]] __device__ __forceinline__ void cpAsync4(void* smem, const void* gmem, bool valid) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    const unsigned dst = static_cast<unsigned>(__cvta_generic_to_shared(smem));
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(gmem), "r"(valid ? 4 : 0));
#else
    *static_cast<std::uint32_t*>(smem) = valid ? *static_cast<const std::uint32_t*>(gmem) : 0u;
#endif
}

[[maybe_unused]] __device__ __forceinline__ void cpAsyncCommit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("cp.async.commit_group;\n" ::);
#endif
}

template <int Pending>
__device__ __forceinline__ void cpAsyncWait() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
#endif
}

// ---------------------------------------------------------------------------------------------
// Skinny path (M <= 8 * MT8): 64 columns a block, 4 warps splitting K in 32-row chunks (sm_80+).
//
// The product is computed transposed, y^T = W^T x^T, with mma.sync m16n8k16: the weights are the
// 16x16 A operand (so eight rows of x fill the n8 side: no padding waste at decode) and are built
// in registers straight from the packed words. The mma rows of n-tile t are mapped to output
// columns so that lane group g owns packed word g of each row: pair t of that word is the pair
// (8g + 2t, 8g + 2t + 1), which is what one mask-and-magic step yields, and a byte permute of two
// adjacent rows gives the (k, k + 1) halves a fragment register holds. Each warp streams its
// chunks (raw qweight, the group's scales and zeros, the activations) into a 4-deep ring of
// shared-memory stages with cp.async, three chunks ahead of the one it multiplies.
// ---------------------------------------------------------------------------------------------

constexpr int kSkinnyWarps = 4;
constexpr int kSkinnyThreads = kSkinnyWarps * 32;
constexpr int kSkinnyBN = 64;
constexpr int kChunk = 32;
constexpr int kStages = 4;
constexpr int kQLd = 12;  // words per staged qweight row (8 + 4 padding: conflict-free fragment reads)
constexpr int kXLd = 40;  // halves per staged activation row (32 + 8 padding)

template <int MT8>
struct SkinnyLayout {
    static constexpr int xsBytes = 8 * MT8 * kXLd * 2;            // activations [8*MT8][kXLd]
    static constexpr int qOffset = xsBytes;                       // qweight [32][kQLd] words
    static constexpr int sOffset = qOffset + kChunk * kQLd * 4;   // 64 scales
    static constexpr int zOffset = sOffset + kSkinnyBN * 2;       // 8 zero words
    static constexpr int stageBytes = zOffset + (kSkinnyBN / 8) * 4;
    static constexpr int warpBytes = kStages * stageBytes;
    static constexpr int reduceBytes = kSkinnyWarps * 8 * MT8 * kSkinnyBN * 4;
    static constexpr std::size_t blockBytes = std::size_t(kSkinnyWarps * warpBytes > reduceBytes ? kSkinnyWarps * warpBytes : reduceBytes);
    static_assert(stageBytes % 16 == 0, "cp.async destinations need 16-byte alignment");
};

template <typename T, int MT8>
struct SkinnyArgs {
    const T* x;
    const std::int32_t* qweight;
    const std::int32_t* qzeros;
    const __half* scales;
    T* y;
    float* partial;
    int M, K, N, G, chunksPerSplit;
};

// Starts the copies of one chunk (32 rows of K) into a ring stage.
template <typename T, int MT8>
__device__ __forceinline__ void skinnyIssue(const SkinnyArgs<T, MT8>& a, unsigned char* stage, int chunk, int lane, int n0, bool vec) {
    using L = SkinnyLayout<MT8>;
    const int k0 = chunk * kChunk;
    const int g = k0 / a.G;
    const int packedN = a.N / 8;
    auto* qraw = reinterpret_cast<std::int32_t*>(stage + L::qOffset);
#pragma unroll
    for (int j = 0; j < 2; ++j) {
        const int idx = lane + 32 * j;
        const int row = idx >> 1, half = idx & 1;
        const int col0 = n0 + half * 32;
        const std::int32_t* src = a.qweight + std::int64_t(k0 + row) * packedN + col0 / 8;
        std::int32_t* dst = qraw + row * kQLd + half * 4;
        if (vec && col0 + 32 <= a.N) {
            cpAsync16(dst, src, true);
        } else {
#pragma unroll
            for (int w = 0; w < 4; ++w) {
                const bool ok = col0 + 8 * w < a.N;
                cpAsync4(dst + w, ok ? src + w : a.qweight, ok);
            }
        }
    }
    if (lane < 8) {
        const int col = n0 + 8 * lane;
        const bool ok = col < a.N;
        cpAsync16(stage + L::sOffset + 16 * lane, ok ? a.scales + std::int64_t(g) * a.N + col : a.scales, ok);
    } else if (lane < 16) {
        const int w = lane - 8;
        const bool ok = n0 + 8 * w < a.N;
        cpAsync4(stage + L::zOffset + 4 * w, ok ? a.qzeros + std::int64_t(g) * packedN + n0 / 8 + w : a.qzeros, ok);
    }
    T* xs = reinterpret_cast<T*>(stage);
#pragma unroll
    for (int i = 0; i < MT8; ++i) {
        const int idx = lane + 32 * i;
        const int m = idx >> 2;
        if (m < a.M) cpAsync16(xs + m * kXLd + (idx & 3) * 8, a.x + std::int64_t(m) * a.K + k0 + (idx & 3) * 8, true);
    }
}

// The chunk in a ring stage times its activations, into acc[t][mt] (n-tile t, eight rows mt).
template <typename T, int MT8>
__device__ __forceinline__ void skinnyCompute(const unsigned char* stage, int lane, float (&acc)[4][MT8][4]) {
    using L = SkinnyLayout<MT8>;
    const int g = lane >> 2, tig = lane & 3;
    const auto* qraw = reinterpret_cast<const std::uint32_t*>(stage + L::qOffset);
    const T* xs = reinterpret_cast<const T*>(stage);
    const uint4 s4 = *reinterpret_cast<const uint4*>(stage + L::sOffset + 16 * g);
    const std::uint32_t z = *reinterpret_cast<const std::uint32_t*>(stage + L::zOffset + 4 * g);
    const std::uint32_t sw[4] = {s4.x, s4.y, s4.z, s4.w};
    std::uint32_t za[4];
#pragma unroll
    for (int t = 0; t < 4; ++t) za[t] = ((z >> (4 * t)) & 0x000F000Fu) | 0x64006400u;
#pragma unroll
    for (int ks = 0; ks < kChunk / 16; ++ks) {
        const int r0 = ks * 16 + 2 * tig;
        const std::uint32_t q[4] = {qraw[r0 * kQLd + g], qraw[(r0 + 1) * kQLd + g], qraw[(r0 + 8) * kQLd + g], qraw[(r0 + 9) * kQLd + g]};
        std::uint32_t b[MT8][2];
#pragma unroll
        for (int mt = 0; mt < MT8; ++mt) {
            const T* xr = xs + (mt * 8 + g) * kXLd + ks * 16 + 2 * tig;
            b[mt][0] = *reinterpret_cast<const std::uint32_t*>(xr);
            b[mt][1] = *reinterpret_cast<const std::uint32_t*>(xr + 8);
        }
#pragma unroll
        for (int t = 0; t < 4; ++t) {
            std::uint32_t p[4];  // rows r0, r0+1, r0+8, r0+9: (column 8g+2t, column 8g+2t+1)
#pragma unroll
            for (int r = 0; r < 4; ++r) {
                const std::uint32_t qa = ((q[r] >> (4 * t)) & 0x000F000Fu) | 0x64006400u;
                p[r] = convertPair<T>(__hmul2(__hsub2(asHalf2(qa), asHalf2(za[t])), asHalf2(sw[t])));
            }
            const std::uint32_t a0 = __byte_perm(p[0], p[1], 0x5410);  // column 8g+2t,   rows r0, r0+1
            const std::uint32_t a1 = __byte_perm(p[0], p[1], 0x7632);  // column 8g+2t+1, rows r0, r0+1
            const std::uint32_t a2 = __byte_perm(p[2], p[3], 0x5410);  // column 8g+2t,   rows r0+8, r0+9
            const std::uint32_t a3 = __byte_perm(p[2], p[3], 0x7632);  // column 8g+2t+1, rows r0+8, r0+9
#pragma unroll
            for (int mt = 0; mt < MT8; ++mt) mma16816<T>(acc[t][mt], a0, a1, a2, a3, b[mt][0], b[mt][1]);
        }
    }
}

template <typename T, int MT8>
__device__ void skinnyBody(const SkinnyArgs<T, MT8>& a) {
    using L = SkinnyLayout<MT8>;
    extern __shared__ __align__(128) unsigned char smemRaw[];
    const int warp = threadIdx.x >> 5;
    const int lane = threadIdx.x & 31;
    const int n0 = blockIdx.x * kSkinnyBN;
    const bool vec = (a.N % 32) == 0;
    unsigned char* warpSmem = smemRaw + warp * L::warpBytes;
    auto stage = [&](int i) { return warpSmem + (i % kStages) * L::stageBytes; };

    // Rows of x at and past M stay zero in every stage for the whole kernel.
    for (int st = 0; st < kStages; ++st) {
        T* xs = reinterpret_cast<T*>(stage(st));
        for (int e = lane; e < 8 * MT8 * kXLd; e += 32)
            if (e / kXLd >= a.M) xs[e] = T(0.0f);
    }

    float acc[4][MT8][4];
#pragma unroll
    for (int t = 0; t < 4; ++t)
#pragma unroll
        for (int mt = 0; mt < MT8; ++mt)
#pragma unroll
            for (int i = 0; i < 4; ++i) acc[t][mt][i] = 0.0f;

    const int chunks = a.K / kChunk;
    const int cBegin = blockIdx.y * a.chunksPerSplit;
    const int cEnd = min(chunks, cBegin + a.chunksPerSplit);
    const int first = cBegin + warp;
    const int count = first < cEnd ? (cEnd - first + kSkinnyWarps - 1) / kSkinnyWarps : 0;
#pragma unroll
    for (int i = 0; i < kStages - 1; ++i) {
        if (i < count) skinnyIssue(a, stage(i), first + i * kSkinnyWarps, lane, n0, vec);
        cpAsyncCommit();  // empty groups keep the counting uniform
    }
    for (int i = 0; i < count; ++i) {
        cpAsyncWait<kStages - 2>();  // chunk i has landed (this lane's copies)
        __syncwarp();                // ... and every lane's; chunk i - 1's stage is free again
        const int next = i + kStages - 1;
        if (next < count) skinnyIssue(a, stage(next), first + next * kSkinnyWarps, lane, n0, vec);
        cpAsyncCommit();
        skinnyCompute<T, MT8>(stage(i), lane, acc);
        __syncwarp();
    }
    cpAsyncWait<0>();

    // Reduce the warps' partial sums in a fixed order (deterministic): red[warp][m][column].
    __syncthreads();
    float* red = reinterpret_cast<float*>(smemRaw);
    constexpr int warpTile = 8 * MT8 * kSkinnyBN;
    {
        const int g = lane >> 2, tig = lane & 3;
        float* mine = red + warp * warpTile;
#pragma unroll
        for (int t = 0; t < 4; ++t)
#pragma unroll
            for (int mt = 0; mt < MT8; ++mt) {
                const int m = mt * 8 + 2 * tig, col = 8 * g + 2 * t;
                mine[m * kSkinnyBN + col] = acc[t][mt][0];
                mine[(m + 1) * kSkinnyBN + col] = acc[t][mt][1];
                mine[m * kSkinnyBN + col + 1] = acc[t][mt][2];
                mine[(m + 1) * kSkinnyBN + col + 1] = acc[t][mt][3];
            }
    }
    __syncthreads();
    for (int e = threadIdx.x; e < a.M * kSkinnyBN; e += kSkinnyThreads) {
        const int m = e / kSkinnyBN;
        const int n = n0 + e % kSkinnyBN;
        if (n >= a.N) continue;
        float v = 0.0f;
#pragma unroll
        for (int w = 0; w < kSkinnyWarps; ++w) v += red[w * warpTile + e];
        if (a.partial)
            a.partial[(std::int64_t(blockIdx.y) * a.M + m) * a.N + n] = v;
        else
            a.y[std::int64_t(m) * a.N + n] = T(v);
    }
}

template <typename T, int MT8>
__global__ void __launch_bounds__(kSkinnyThreads) awqSkinnyKernel(SkinnyArgs<T, MT8> a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    __trap();  // mma.m16n8k16 and cp.async need sm_80; the host uses the tiled kernel below that
#else
    skinnyBody<T, MT8>(a);
#endif
}

// ---------------------------------------------------------------------------------------------
// Tiled path (M > 32): 64x128 output tile, 64-deep K tiles, 8 warps of 32x32.
// ---------------------------------------------------------------------------------------------

constexpr int kTBM = 64, kTBN = 128, kTBK = 64;
constexpr int kTThreads = 256;
constexpr int kTXLd = kTBK + 8;
constexpr int kTWLd = kTBN + 8;
constexpr int kTCLd = kTBN + 4;
constexpr std::size_t kTStageBytes = std::size_t(kTBM * kTXLd + kTBK * kTWLd) * 2;
constexpr std::size_t kTEpilogueBytes = std::size_t(kTBM) * kTCLd * sizeof(float);
constexpr std::size_t kTSmemBytes = kTStageBytes > kTEpilogueBytes ? kTStageBytes : kTEpilogueBytes;

template <typename T>
struct TiledArgs {
    const T* x;
    const std::int32_t* qweight;
    const std::int32_t* qzeros;
    const __half* scales;
    T* y;
    int M, K, N, G;
};

struct TiledRegs {
    uint4 x[2];
    uint4 q, z;
    uint4 s[4];
};

template <typename T>
__device__ __forceinline__ void tiledLoad(const TiledArgs<T>& a, TiledRegs& r, int k0, int m0, int n0, bool vec) {
    const int t = threadIdx.x;
#pragma unroll
    for (int i = 0; i < 2; ++i) {
        const int idx = t + kTThreads * i;
        const int m = m0 + idx / 8;
        const int k = k0 + (idx % 8) * 8;
        r.x[i] = (m < a.M && k < a.K) ? __ldg(reinterpret_cast<const uint4*>(a.x + std::int64_t(m) * a.K + k)) : make_uint4(0, 0, 0, 0);
    }
    const int k = k0 + t / 4;
    const int col0 = n0 + (t % 4) * 32;
    if (k < a.K) {
        const int g = k / a.G;
        const int packedN = a.N / 8;
        r.q = loadWords4(a.qweight + std::int64_t(k) * packedN + col0 / 8, col0, a.N, vec);
        r.z = loadWords4(a.qzeros + std::int64_t(g) * packedN + col0 / 8, col0, a.N, vec);
#pragma unroll
        for (int w = 0; w < 4; ++w) r.s[w] = loadScales8(a.scales + std::int64_t(g) * a.N + col0 + 8 * w, col0 + 8 * w, a.N);
    } else {
        // Past K: a zero scale makes the dequantized rows zero.
        r.q = r.z = make_uint4(0, 0, 0, 0);
#pragma unroll
        for (int w = 0; w < 4; ++w) r.s[w] = make_uint4(0, 0, 0, 0);
    }
}

template <typename T>
__device__ void tiledBody(const TiledArgs<T>& a) {
    __shared__ __align__(128) unsigned char smemRaw[kTSmemBytes];
    T* xs = reinterpret_cast<T*>(smemRaw);
    T* ws = xs + kTBM * kTXLd;
    const int t = threadIdx.x;
    const int warp = t >> 5;
    const int wm = warp / 4, wn = warp % 4;
    const int n0 = blockIdx.x * kTBN;
    const int m0 = blockIdx.y * kTBM;
    const bool vec = (a.N % 32) == 0;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2][2];
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j) wmma::fill_fragment(acc[i][j], 0.0f);

    TiledRegs r;
    tiledLoad(a, r, 0, m0, n0, vec);
    const int tiles = (a.K + kTBK - 1) / kTBK;
    for (int kt = 0; kt < tiles; ++kt) {
        __syncthreads();
#pragma unroll
        for (int i = 0; i < 2; ++i) {
            const int idx = t + kTThreads * i;
            *reinterpret_cast<uint4*>(xs + (idx / 8) * kTXLd + (idx % 8) * 8) = r.x[i];
        }
        {
            const int row = t / 4;
            const int c0 = (t % 4) * 32;
            const std::uint32_t qw[4] = {r.q.x, r.q.y, r.q.z, r.q.w};
            const std::uint32_t zw[4] = {r.z.x, r.z.y, r.z.z, r.z.w};
#pragma unroll
            for (int w = 0; w < 4; ++w) *reinterpret_cast<uint4*>(ws + row * kTWLd + c0 + 8 * w) = dequant8<T>(qw[w], zw[w], r.s[w]);
        }
        __syncthreads();
        if (kt + 1 < tiles) tiledLoad(a, r, (kt + 1) * kTBK, m0, n0, vec);
#pragma unroll
        for (int kk = 0; kk < kTBK; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, T, wmma::row_major> fa[2];
            wmma::fragment<wmma::matrix_b, 16, 16, 16, T, wmma::row_major> fb[2];
#pragma unroll
            for (int i = 0; i < 2; ++i) wmma::load_matrix_sync(fa[i], xs + (wm * 32 + i * 16) * kTXLd + kk, kTXLd);
#pragma unroll
            for (int j = 0; j < 2; ++j) wmma::load_matrix_sync(fb[j], ws + kk * kTWLd + wn * 32 + j * 16, kTWLd);
#pragma unroll
            for (int i = 0; i < 2; ++i)
#pragma unroll
                for (int j = 0; j < 2; ++j) wmma::mma_sync(acc[i][j], fa[i], fb[j], acc[i][j]);
        }
    }

    __syncthreads();
    float* cs = reinterpret_cast<float*>(smemRaw);
#pragma unroll
    for (int i = 0; i < 2; ++i)
#pragma unroll
        for (int j = 0; j < 2; ++j)
            wmma::store_matrix_sync(cs + (wm * 32 + i * 16) * kTCLd + wn * 32 + j * 16, acc[i][j], kTCLd, wmma::mem_row_major);
    __syncthreads();
    for (int e = t; e < kTBM * kTBN / 8; e += kTThreads) {
        const int row = e / (kTBN / 8);
        const int c8 = (e % (kTBN / 8)) * 8;
        const int m = m0 + row, n = n0 + c8;
        if (m >= a.M || n >= a.N) continue;
        alignas(16) T out[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) out[i] = T(cs[row * kTCLd + c8 + i]);
        *reinterpret_cast<uint4*>(a.y + std::int64_t(m) * a.N + n) = *reinterpret_cast<const uint4*>(out);
    }
}

template <typename T>
__global__ void __launch_bounds__(kTThreads) awqTiledKernel(TiledArgs<T> a) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 800
    if constexpr (std::is_same_v<T, __half>) tiledBody<T>(a);
    else __trap();
#else
    tiledBody<T>(a);
#endif
}

// ---------------------------------------------------------------------------------------------
// Host side: validation, planning and launches.
// ---------------------------------------------------------------------------------------------


// Compute capability major of the current device (cached per device).
// The skinny kernel's mma.m16n8k16 and cp.async need sm_80; older GPUs take the tiled kernel.
constexpr int kSkinnyMaxM = 32;
bool useSkinny(int M) { return M <= kSkinnyMaxM && deviceComputeMajor() >= 8; }

struct SkinnyPlan {
    int mt = 1;  // eight-row tiles of x: 1, 2 or 4
    int splits = 1;
    int chunksPerSplit = 1;
    int tilesN = 1;
};

// Raises a kernel's dynamic shared-memory limit once per device.
template <typename Kernel>
cudaError_t allowSmem(Kernel kernel, std::size_t bytes, std::atomic<std::uint64_t>& doneMask) {
    if (bytes <= 48 * 1024) return cudaSuccess;
    int dev = 0;
    if (auto e = cudaGetDevice(&dev); e != cudaSuccess) return e;
    const std::uint64_t bit = dev < 64 ? (std::uint64_t(1) << dev) : 0;
    if (bit && (doneMask.load(std::memory_order_acquire) & bit)) return cudaSuccess;
    if (auto e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)); e != cudaSuccess) return e;
    doneMask.fetch_or(bit, std::memory_order_acq_rel);
    return cudaSuccess;
}

template <typename T, int MT>
cudaError_t prepareSkinny() {
    static std::atomic<std::uint64_t> smemSet{0};
    return allowSmem(awqSkinnyKernel<T, MT>, SkinnyLayout<MT>::blockBytes, smemSet);
}

// Blocks of the skinny kernel the whole device holds at once (occupancy, cached per device).
template <int MT>
int skinnyResidentBlocks() {
    static std::atomic<int> cached[16] = {};
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) dev = 0;
    if (dev < 16)
        if (const int v = cached[dev].load(std::memory_order_relaxed); v > 0) return v;
    int sms = 0, perSm = 0;
    if (cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev) != cudaSuccess || sms <= 0) sms = 1;
    if (prepareSkinny<__half, MT>() != cudaSuccess ||
        cudaOccupancyMaxActiveBlocksPerMultiprocessor(&perSm, awqSkinnyKernel<__half, MT>, kSkinnyThreads, SkinnyLayout<MT>::blockBytes) !=
            cudaSuccess ||
        perSm <= 0)
        perSm = 1;
    const int resident = sms * perSm;
    if (dev < 16) cached[dev].store(resident, std::memory_order_relaxed);
    return resident;
}

// Splits K across blocks until the grid fills whole waves of resident blocks (>= 90% of the last
// one), keeping at least two chunks per warp: a narrow layer must not leave multiprocessors idle,
// and a wide one must not end in a nearly empty wave.
SkinnyPlan planSkinny(int M, int K, int N) {
    SkinnyPlan p;
    p.mt = M <= 8 ? 1 : M <= 16 ? 2 : 4;
    p.tilesN = (N + kSkinnyBN - 1) / kSkinnyBN;
    const int chunks = K / kChunk;
    const int resident = p.mt == 1 ? skinnyResidentBlocks<1>() : p.mt == 2 ? skinnyResidentBlocks<2>() : skinnyResidentBlocks<4>();
    const int most = std::max(1, std::min(64, chunks / (2 * kSkinnyWarps)));
    double bestEff = -1;
    for (int s = 1; s <= most; ++s) {
        const int per = (chunks + s - 1) / s;
        const int splits = (chunks + per - 1) / per;
        const long long blocks = (long long)p.tilesN * splits;
        const long long waves = (blocks + resident - 1) / resident;
        const double eff = double(blocks) / double(waves * resident);
        if (eff > bestEff + 1e-9) {
            bestEff = eff;
            p.splits = splits;
            p.chunksPerSplit = per;
        }
        if (eff >= 0.9) break;
    }
    return p;
}

std::size_t splitWorkspaceBytes(const SkinnyPlan& p, int M, int N) {
    return p.splits > 1 ? std::size_t(p.splits) * std::size_t(M) * std::size_t(N) * sizeof(float) : 0;
}

template <typename T, int MT>
cudaError_t launchSkinny(const SkinnyArgs<T, MT>& args, const SkinnyPlan& p, cudaStream_t stream) {
    if (auto e = prepareSkinny<T, MT>(); e != cudaSuccess) return e;
    awqSkinnyKernel<T, MT><<<dim3(p.tilesN, p.splits), kSkinnyThreads, SkinnyLayout<MT>::blockBytes, stream>>>(args);
    return cudaGetLastError();
}

template <typename T>
cudaError_t awqGemmImpl(const T* x, const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, T* y, int M,
                        int K, int N, int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes) {
    if (M < 0 || K <= 0 || N <= 0 || N % 8 != 0) return cudaErrorInvalidValue;
    const int G = groupSize == -1 ? K : groupSize;
    if (G <= 0 || G % kChunk != 0 || K % G != 0) return cudaErrorInvalidValue;
    if (M == 0) return cudaSuccess;
    if (!x || !qweight || !qzeros || !scales || !y) return cudaErrorInvalidValue;
    if (!aligned16(x) || !aligned16(y) || !aligned16(qweight) || !aligned16(qzeros) || !aligned16(scales))
        return cudaErrorMisalignedAddress;
    if constexpr (std::is_same_v<T, __nv_bfloat16>) {
        if (deviceComputeMajor() < 8) return cudaErrorNotSupported;
    }

    if (useSkinny(M)) {
        SkinnyPlan p = planSkinny(M, K, N);
        float* partial = nullptr;
        const std::size_t need = splitWorkspaceBytes(p, M, N);
        if (need > 0 && workspace && workspaceBytes >= need && aligned16(workspace)) {
            partial = static_cast<float*>(workspace);
        } else {
            p.splits = 1;
            p.chunksPerSplit = K / kChunk;
        }
        cudaError_t e;
        if (p.mt == 1)
            e = launchSkinny<T, 1>({x, qweight, qzeros, scales, y, partial, M, K, N, G, p.chunksPerSplit}, p, stream);
        else if (p.mt == 2)
            e = launchSkinny<T, 2>({x, qweight, qzeros, scales, y, partial, M, K, N, G, p.chunksPerSplit}, p, stream);
        else
            e = launchSkinny<T, 4>({x, qweight, qzeros, scales, y, partial, M, K, N, G, p.chunksPerSplit}, p, stream);
        if (e != cudaSuccess || !partial) return e;
        return split_k::reduce<T>(partial, y, p.splits, std::int64_t(M) * N, stream);
    }

    const dim3 grid((N + kTBN - 1) / kTBN, (M + kTBM - 1) / kTBM);
    if (grid.y > 65535u) return cudaErrorInvalidValue;
    awqTiledKernel<T><<<grid, kTThreads, 0, stream>>>(TiledArgs<T>{x, qweight, qzeros, scales, y, M, K, N, G});
    return cudaGetLastError();
}

}  // namespace

cudaError_t awqGemm(const __half* x, const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, __half* y,
                    int M, int K, int N, int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes) {
    return awqGemmImpl<__half>(x, qweight, qzeros, scales, y, M, K, N, groupSize, stream, workspace, workspaceBytes);
}

cudaError_t awqGemm(const __nv_bfloat16* x, const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales,
                    __nv_bfloat16* y, int M, int K, int N, int groupSize, cudaStream_t stream, void* workspace,
                    std::size_t workspaceBytes) {
    return awqGemmImpl<__nv_bfloat16>(x, qweight, qzeros, scales, y, M, K, N, groupSize, stream, workspace, workspaceBytes);
}

std::size_t awqGemmWorkspaceBytes(int M, int K, int N, int groupSize) {
    const int G = groupSize == -1 ? K : groupSize;
    if (M <= 0 || K <= 0 || N <= 0 || N % 8 != 0 || G <= 0 || G % kChunk != 0 || K % G != 0 || !useSkinny(M)) return 0;
    return splitWorkspaceBytes(planSkinny(M, K, N), M, N);
}

}  // namespace awq::kernels
