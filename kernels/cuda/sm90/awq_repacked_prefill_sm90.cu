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
// Work split: a block has two consumer warpgroups and Rows (64, 128 or 256) rows of x; warp v of
// warpgroup w owns column tiles tile0 + w * 4 * TW + 4 * tw + v (tw < TW), so a warpgroup's wgmma
// covers 64 consecutive outputs a tw. Each k-block (64 inputs) is four m64nRowsk16 products a tw.
// Blocks of 256 rows (TW 1: 128 outputs) dequantize half as much a row as blocks of 128 rows x 256
// outputs for the same accumulator registers (128 a thread); they take the GEMMs past 128 rows.
// A producer warp fills a ring of shared-memory stages (KPS k-blocks each) with bulk copies
// (bulk_copy.cuh: one copy for x, one a column tile for its KPS x 512 bytes of qpack, one a k-block
// for the scales) and mbarriers say when a stage has landed and when its consumers are done with it;
// a warpgroup dequantizes k-block i + 1 while its products of k-block i run. No block-wide barrier
// in the loop.
//
// x in shared memory: the layout wgmma reads for a K-major B operand with the 128-byte swizzle
// (rows of 64 inputs, 16-byte chunk c of row r at chunk c ^ (r % 8); descriptor stride 1024 bytes
// between 8-row groups), with the inputs of a k-block permuted the way the repacked layout
// permutes them: position p of a k-block holds input productOrderInput(p) (repacked_layout.h).
// A pass over x first writes it in exactly that layout, a block of Rows rows and one k-block after
// the other, so that one bulk copy stages a stage's x.
//
// Measured (H200, awq_gemm_bench --prefill-m 64,128, cold L2, us; cuBLAS fp16 beside): the kernel
// this replaced staged one k-block a stage with cp.async from every thread and a block barrier a
// k-block: gate|up 4096 -> 28672 at 128 rows 78.1 (67.5), at 64 rows 63.2 (62.1); o 4096 -> 4096 at
// 64 rows 17.3 (11.3). Taken apart there (session 23, variants that leave a part out): without the
// loop's copies and barriers 47.2 us (636 TFLOPS) at 128 rows, without the products 58.0: the
// pipeline, not the tensor cores, set the time. Bulk copies + mbarriers, 8 stages of one k-block:
// 67.9 / 61.4; the copies alone (no products) 53.7. Stages of 2 k-blocks (1 KB a tile a copy, 4
// stages): 55.8 / 43.3; of 4 k-blocks (2 KB, 3 stages at 64 rows, 2 at 128): 57.7 / 36.1. Kept:
// 4 k-blocks at 64 rows, 2 at 128. Same run, the other 8B linears at 64 / 128 rows: q|k|v 15.6 /
// 21.7 (15.8 / 16.3), o 14.2 / 19.4 (11.3 / 13.5), down 24.7 / 36.4 (37.8 / 36.8), gate|up 14336
// 24.1 / 35.9 (31.5 / 33.2). Launched programmatically after the permuting pass, the producer has
// the first stages' weights in flight before it waits for x: o at 64 rows 15.1 -> 14.5, q|k|v
// 17.0 -> 16.5, down 26.2 -> 25.5, gate|up 37.3 -> 36.9 (another card, AWQBENCH_PDL=0 for the A/B,
// three interleaved rounds). At 2048 rows (2 k-blocks a stage, 128 rows a block) it still loses to
// dequantize + cuBLAS (gate|up 944.7 us against 850.7; cuBLAS fp16 759.5).
// Session 24 (H200, same bench): 128 x 256 blocks (3 stages of 2 k-blocks: 74 KB a stage) at 2048
// rows gate|up 839 us against 936 for 256 x 128, and with the launch order of blockPlace 812
// against 874; at 256 rows 105 against 116 (dequantize + cuBLAS 187). Nsight Compute at 2048 rows:
// tensor pipe busy 79% of active cycles (69% for 256 x 128), L2 hit rate 96% (55% before the launch
// order). Stages of one k-block x 6 were slower (873-899 us against 812-845 in the same run).
// Where the engine takes which: awqRepackedPrefillGemmApplies (awq_repacked_prefill.cu).
#include "kernels/cuda/awq_repacked_prefill_detail.h"
#include "kernels/cuda/bulk_copy.cuh"

#include "kernels/cuda/device_attributes.h"
#include "kernels/cuda/programmatic_launch.cuh"
#include "kernels/cuda/repacked_dequant.cuh"
#include "kernels/repacked_layout.h"

#include <cuda_fp16.h>

#include <cstdint>
#include <cstring>

namespace awq::kernels::prefill_detail {

#if defined(AWQBENCH_WGMMA_PREFILL)
namespace {

constexpr int kConsumerWarps = 8;  // two warpgroups
constexpr int kThreads = 384;      // + a producer warpgroup (one warp of it copies)
// Registers a thread (setmaxnreg): the producer warpgroup gives its share to the consumers (ptxas
// allocates for a whole warpgroup, so a lone producer warp would cap everyone at 168).
constexpr int kProducerRegisters = 40, kConsumerRegisters = 232;
constexpr int kRowBytes = 128;  // one k-block (64 fp16 inputs) of a row of x

template <int TW, int Rows, int KPS, int Stages>
struct Shape {
    static constexpr int kTiles = wgmmaBlockTiles(TW);
    static constexpr int kXBytes = Rows * kRowBytes;  // one k-block: 8, 16 or 32 KB, whole 1024-byte swizzle atoms
    static constexpr int kWeightBytes = kTiles * 32 * 16;    // one k-block: [tile][lane] 16-byte words
    static constexpr int kScaleBytes = 1024;                  // one k-block: [tile][g] 8-byte scale/zero entries (<= 16 tiles)
    // A stage: x of KPS k-blocks, then weights [tile][k-block][lane], then scales [k-block][tile][g].
    static constexpr int kStageBytes = KPS * (kXBytes + kWeightBytes + kScaleBytes);
    static constexpr int kSharedBytes = Stages * kStageBytes + 2 * Stages * 8 + 1024;  // + full/empty barriers, room to align to 1024
    static_assert(kStageBytes % 1024 == 0 && kTiles * 8 * 8 <= kScaleBytes && kTiles <= 32);
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
    static_assert(Rows == 32 || Rows == 64 || Rows == 128 || Rows == 256);
    if constexpr (Rows == 256) {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %133, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n256k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63,%64,%65,%66,%67,%68,%69,%70,%71,%72,%73,%74,%75,%76,%77,%78,%79,%80,%81,%82,%83,%84,%85,%86,%87,%88,%89,%90,%91,%92,%93,%94,%95,%96,%97,%98,%99,%100,%101,%102,%103,%104,%105,%106,%107,%108,%109,%110,%111,%112,%113,%114,%115,%116,%117,%118,%119,%120,%121,%122,%123,%124,%125,%126,%127}, {%128, %129, %130, %131}, %132, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    } else if constexpr (Rows == 128) {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %69, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n128k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31,%32,%33,%34,%35,%36,%37,%38,%39,%40,%41,%42,%43,%44,%45,%46,%47,%48,%49,%50,%51,%52,%53,%54,%55,%56,%57,%58,%59,%60,%61,%62,%63}, {%64, %65, %66, %67}, %68, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    } else if constexpr (Rows == 32) {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %21, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n32k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15}, {%16, %17, %18, %19}, %20, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    } else {
        asm volatile("{\n.reg .pred p;\nsetp.ne.b32 p, %37, 0;\n"
                     "wgmma.mma_async.sync.aligned.m64n64k16.f32.f16.f16 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23,%24,%25,%26,%27,%28,%29,%30,%31}, {%32, %33, %34, %35}, %36, p, 1, 1, 0;\n}\n"
                     : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "l"(descB), "r"(accumulate));
    }
}

// The column block and row block of x this block multiplies. Blocks start in launch order, so
// consecutive blocks take the row blocks of a group of kRowGroup first, then the next column
// block: a wave reads its share of the weights once and the group's rows of x stay in L2, where
// column blocks first read every weight once a row block (H200, gate|up 4096 -> 28672 at 2048
// rows, awq_gemm_bench: 936 -> 874 us with 256 x 128 blocks, 839 -> 812 with 128 x 256; the L2 hit
// rate was 55%). Bijective on the grid's x-y plane (CUTLASS's threadblock swizzle, by rows).
struct BlockPlace {
    int colBlock, rowBlock;
};
__device__ __forceinline__ BlockPlace blockPlace() {
    constexpr int kRowGroup = 8;
    const int cols = int(gridDim.x), rows = int(gridDim.y);
    const int linear = int(blockIdx.x) + cols * int(blockIdx.y);
    const int groupBlocks = kRowGroup * cols, firstRow = linear / groupBlocks * kRowGroup, within = linear % groupBlocks;
    const int groupRows = min(kRowGroup, rows - firstRow);
    return {within / groupRows, firstRow + within % groupRows};
}

// The consumers' own barrier (the producer warps have left): named barrier 1 of 256 threads.
__device__ __forceinline__ void consumersSync() { asm volatile("bar.sync 1, %0;\n" ::"n"(kConsumerWarps * 32) : "memory"); }

// Split K without a reduction kernel (a.splitCounters): once this block's partial sums are stored,
// the last of the K splits of its output block (counted per block of the grid's x-y plane) adds the
// splits up in split order from 0, as split_k::reduceKernel does (the same sums: bit for bit the
// same y), and writes y, eight outputs a thread. The fence before the count makes this block's
// partials visible to that last block (CUDA programming guide, "Memory Fence Functions").
// Why: at 16-64 rows a split GEMM was three launches (permute, GEMM, reduction) for 8-17 MB of
// weights (o_proj at 48-64 rows 12.4-12.7 us against cuBLAS fp16's 11.1-13.4, H200, session 28).
template <int Rows, int Tiles>
__device__ __forceinline__ void addUpSplitsIfLast(const PrefillArgs& a, int tile0, int row0) {
    __shared__ unsigned isLast;
    __threadfence();
    consumersSync();
    if (threadIdx.x == 0)
        isLast = atomicAdd(a.splitCounters + blockIdx.x + gridDim.x * blockIdx.y, 1u) == gridDim.z - 1;
    consumersSync();
    if (!isLast) return;
    __threadfence();
    // Re-armed for the next call as well (the permuting pass zeroes them too: the first use, an
    // aborted run), so that a path without that pass could not leave y unwritten.
    if (threadIdx.x == 0) a.splitCounters[blockIdx.x + gridDim.x * blockIdx.y] = 0;
    const int cols = min(Tiles, a.N / 16 - tile0) * 16, rows = min(Rows, a.M - row0);  // cols % 16 == 0
    const int splits = int(gridDim.z);
    const std::size_t splitStride = std::size_t(a.M) * a.N;
    for (int e = int(threadIdx.x) * 8; e < rows * cols; e += kConsumerWarps * 32 * 8) {
        const std::size_t at = std::size_t(row0 + e / cols) * a.N + tile0 * 16 + e % cols;
        float sum[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int s = 0; s < splits; ++s) {
            const float4 lo = __ldcg(reinterpret_cast<const float4*>(a.partial + s * splitStride + at));
            const float4 hi = __ldcg(reinterpret_cast<const float4*>(a.partial + s * splitStride + at + 4));
            sum[0] += lo.x, sum[1] += lo.y, sum[2] += lo.z, sum[3] += lo.w;
            sum[4] += hi.x, sum[5] += hi.y, sum[6] += hi.z, sum[7] += hi.w;
        }
        alignas(16) __half out[8];
#pragma unroll
        for (int i = 0; i < 8; ++i) out[i] = __float2half_rn(sum[i]);
        *reinterpret_cast<uint4*>(a.y + at) = *reinterpret_cast<const uint4*>(out);
    }
}

template <int TW, int Rows, int KPS, int Stages>
__global__ void __launch_bounds__(kThreads, kWgmmaBlocksPerSm) wgmmaPrefillKernel(PrefillArgs a) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
    using S = Shape<TW, Rows, KPS, Stages>;
    constexpr int kStages = Stages;
    extern __shared__ unsigned char sharedBytes[];
    const unsigned base = (sharedAddress(sharedBytes) + 1023u) & ~1023u;
    unsigned char* baseGeneric = sharedBytes + (base - sharedAddress(sharedBytes));
    std::uint64_t* full = reinterpret_cast<std::uint64_t*>(baseGeneric + kStages * S::kStageBytes);
    std::uint64_t* empty = full + kStages;
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    const int tiles = a.N / 16, KB = a.K / 64;
    const BlockPlace place = blockPlace();
    const int tile0 = place.colBlock * S::kTiles, row0 = place.rowBlock * Rows;
    const int kbBegin = int(blockIdx.z) * a.kbPerSplit, kbEnd = min(KB, kbBegin + a.kbPerSplit);
    const int count = kbEnd - kbBegin;  // >= 1: the plan gives every split k-blocks (acc is never zeroed)
    if (threadIdx.x == 0) {
        for (int s = 0; s < kStages; ++s) {
            bulk::initBarrier(full + s, 1);
            bulk::initBarrier(empty + s, kConsumerWarps);
        }
        bulk::fenceBarrierInit();
    }
    __syncthreads();

    if (warp >= kConsumerWarps) {
        asm volatile("setmaxnreg.dec.sync.aligned.u32 %0;\n" ::"n"(kProducerRegisters));
        if (warp != kConsumerWarps) return;
        // Producer: stage n (k-blocks kbBegin + KPS n onwards) into slot n % kStages once the
        // consumers are done with its previous use: x's rows (one copy: the permuting pass laid them
        // out as the slot holds them), each column tile's KPS x 512 bytes of qpack (contiguous in
        // the repacked layout), a scale/zero row of the tiles for each k-block.
        const int validTiles = min(S::kTiles, tiles - tile0);
        const std::uint64_t weightPolicy = bulk::evictFirstPolicy(), xPolicy = bulk::evictLastPolicy();
        const auto* xp = reinterpret_cast<const unsigned char*>(a.x);
        const auto* qpack = reinterpret_cast<const unsigned char*>(a.qpack);
        const auto* scaleZeros = reinterpret_cast<const unsigned char*>(a.scaleZeros);
        const int stagesTotal = (count + KPS - 1) / KPS;
        auto issueWeights = [&](int n) {  // arms stage n's barrier for all its bytes, x's included
            const int s = n % kStages, kb = kbBegin + n * KPS, kbs = min(KPS, kbEnd - kb);
            unsigned char* stage = baseGeneric + s * S::kStageBytes;
            if (lane == 0) bulk::arriveExpectBytes(full + s, unsigned(kbs * (S::kXBytes + validTiles * (512 + 64))));
            __syncwarp();
            if (lane < validTiles)
                bulk::copyToShared(stage + KPS * S::kXBytes + lane * KPS * 512, qpack + (std::size_t(tile0 + lane) * KB + kb) * 512, unsigned(kbs * 512),
                                   full + s, weightPolicy);
            if (lane >= 32 - kbs)
                bulk::copyToShared(stage + KPS * (S::kXBytes + S::kWeightBytes) + (31 - lane) * S::kScaleBytes,
                                   scaleZeros + (std::size_t((kb + 31 - lane) * 64 / a.G) * tiles + tile0) * 64, unsigned(validTiles * 64), full + s,
                                   weightPolicy);
        };
        auto issueX = [&](int n) {
            const int s = n % kStages, kb = kbBegin + n * KPS, kbs = min(KPS, kbEnd - kb);
            if (lane == 0)
                bulk::copyToShared(baseGeneric + s * S::kStageBytes, xp + (std::size_t(place.rowBlock) * KB + kb) * S::kXBytes, unsigned(kbs * S::kXBytes),
                                   full + s, xPolicy);
        };
        // The first stages' weights go in flight while the permuting pass may still run (programmatic
        // launch); their x once it is done.
        const int early = min(kStages, stagesTotal);
        for (int n = 0; n < early; ++n) issueWeights(n);
        waitForPrerequisiteGrids();
        for (int n = 0; n < early; ++n) issueX(n);
        for (int n = early; n < stagesTotal; ++n) {
            bulk::wait(empty + n % kStages, unsigned((n / kStages - 1) & 1));
            issueWeights(n);
            issueX(n);
        }
        return;
    }

    asm volatile("setmaxnreg.inc.sync.aligned.u32 %0;\n" ::"n"(kConsumerRegisters));
    const int wg = warp >> 2, v = warp & 3, g = lane >> 2, t = lane & 3;
    // Not zeroed: the first products overwrite it (an instruction writing it while products are in
    // flight would serialize them).
    float acc[TW][Rows / 2];

    // A registers of k-block i (stage i / KPS; waits for it to land): fp16((q - z) * s), as the CPU
    // reference rounds.
    auto dequantize = [&](int i, std::uint32_t(&frag)[TW][4][4]) {
        const int n = i / KPS, u = i % KPS;
        if (u == 0) bulk::wait(full + n % kStages, unsigned((n / kStages) & 1));
        const unsigned char* stage = baseGeneric + (n % kStages) * S::kStageBytes;
        const uint4* weights = reinterpret_cast<const uint4*>(stage + KPS * S::kXBytes);
        const uint2* scales = reinterpret_cast<const uint2*>(stage + KPS * (S::kXBytes + S::kWeightBytes) + u * S::kScaleBytes);
#pragma unroll
        for (int tw = 0; tw < TW; ++tw) {
            const int local = wg * 4 * TW + 4 * tw + v;
            const uint4 w = weights[(local * KPS + u) * 32 + lane];
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
    // The products of stage i from `cur`; then, with them in flight, stage i - 1's slot goes back to
    // the producer (its products, the last reads of it, are done) and stage i + 1's A registers go
    // into `next` (stage i - 1's registers).
    auto step = [&](int i, const std::uint32_t(&cur)[TW][4][4], std::uint32_t(&next)[TW][4][4]) {
        const unsigned x = base + ((i / KPS) % kStages) * S::kStageBytes + (i % KPS) * S::kXBytes;
        wgmmaFence();
#pragma unroll
        for (int j = 0; j < 4; ++j)
#pragma unroll
            for (int tw = 0; tw < TW; ++tw) wgmmaRows<Rows>(acc[tw], cur[tw][j], xDescriptor(x + 32 * j), i > 0 || j > 0);
        wgmmaCommit();
        wgmmaWait<1>();
        if (i > 0 && ((i - 1) % KPS == KPS - 1)) {  // k-block i - 1 ended its stage
            __syncwarp();
            if (lane == 0) bulk::arrive(empty + ((i - 1) / KPS) % kStages);
        }
        if (i + 1 < count) dequantize(i + 1, next);
    };

    std::uint32_t fragA[TW][4][4], fragB[TW][4][4];
    dequantize(0, fragA);
    for (int i = 0; i < count; i += 2) {
        step(i, fragA, fragB);
        if (i + 1 < count) step(i + 1, fragB, fragA);
    }
    wgmmaWait<0>();
    waitForPrerequisiteGrids();  // long done (the producer waited before x's copies); the rule of programmatic_launch.cuh

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
    if (a.splitCounters) addUpSplitsIfLast<Rows, S::kTiles>(a, tile0, row0);
#else
    __trap();  // the host launches this only on compute capability 9.0 (sm_90a code)
#endif
}

// x [M, K] -> xp: for each block of Rows rows and each k-block, the Rows x 128 bytes a stage
// slot holds, in the slot's layout (16-byte chunk q of row r at chunk q ^ (r % 8), the k-block's
// inputs in the products' order: position p holds input productOrderInput(p), repacked_layout.h),
// rows past M zero; so that one bulk copy stages them. A thread writes one 16-byte chunk (four input
// pairs; p even: inputs p and p + 1 are adjacent). Why a pass: the kernel's products read x in
// this order, and permuting inside the kernel with 4-byte copies took ~40% of the GEMM (H200,
// gate|up at 128 rows: 102 us, 63 us with x left out); the pass reads and writes M * K * 2 bytes.
// Also zeroes the GEMM's split counters (splitCounters[0, counters), when given).
template <int Rows>
__global__ void permuteForWgmmaKernel(const __half* __restrict__ x, __half* __restrict__ xp, int M, int K, std::int64_t chunks,
                                      unsigned* __restrict__ splitCounters, int counters) {
    allowDependentGridsToLaunch();  // the GEMM's producers fetch their first weights meanwhile
    const std::int64_t c = std::int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
    for (std::int64_t i = c; i < counters; i += std::int64_t(gridDim.x) * blockDim.x) splitCounters[i] = 0;
    if (c >= chunks) return;
    const int chunksPerRow = K / 8, KB = K / 64;
    const int m = int(c / chunksPerRow), within = int(c % chunksPerRow), kb = within >> 3, q = within & 7;
    std::uint32_t pairs[4] = {0, 0, 0, 0};
    if (m < M) {
        const __half* block = x + std::size_t(m) * K + std::size_t(kb) * 64;
#pragma unroll
        for (int i = 0; i < 4; ++i) pairs[i] = *reinterpret_cast<const std::uint32_t*>(block + productOrderInput(8 * q + 2 * i));
    }
    const int r = m % Rows;
    const std::size_t slot = (std::size_t(m / Rows) * KB + kb) * Rows * kRowBytes;
    *reinterpret_cast<uint4*>(reinterpret_cast<unsigned char*>(xp) + slot + r * kRowBytes + (q ^ (r & 7)) * 16) =
        make_uint4(pairs[0], pairs[1], pairs[2], pairs[3]);
}

template <int TW, int Rows, int KPS, int Stages>
cudaError_t launchKernel(const PrefillArgs& args, dim3 grid, cudaStream_t stream) {
    constexpr int bytes = Shape<TW, Rows, KPS, Stages>::kSharedBytes;
    auto kernel = wgmmaPrefillKernel<TW, Rows, KPS, Stages>;
    if (const cudaError_t e = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, bytes); e != cudaSuccess) return e;
    return launchProgrammatic(kernel, grid, dim3(kThreads), bytes, stream, args);
}

template <int TW, int Rows>
cudaError_t launchWith(const PrefillArgs& in, dim3 grid, cudaStream_t stream, __half* permutedX) {
    if (!permutedX) return cudaErrorInvalidValue;
    const std::int64_t chunks = std::int64_t(grid.y) * Rows * in.K / 8;
    permuteForWgmmaKernel<Rows><<<unsigned((chunks + 255) / 256), 256, 0, stream>>>(in.x, permutedX, in.M, in.K, chunks, in.splitCounters,
                                                                                      in.splitCounters ? int(grid.x * grid.y) : 0);
    if (const cudaError_t e = cudaGetLastError(); e != cudaSuccess) return e;
    PrefillArgs args = in;
    args.x = permutedX;
    // Stages of 4 k-blocks (2 KB of a tile's qpack a copy) up to 64 rows, four of them where they fit
    // (32 rows; 64 rows of 128 outputs), else three; of 2 k-blocks past 64 rows. Shared memory a
    // block: 144 / 208 KB at 32 rows (128 / 256 outputs), 208 / 204 at 64, 169 / 201 at 128, 222 at
    // 256.
    if constexpr (Rows == 32 || (Rows == 64 && TW == 1)) return launchKernel<TW, Rows, 4, 4>(args, grid, stream);
    else if constexpr (Rows == 64) return launchKernel<TW, Rows, 4, 3>(args, grid, stream);
    else if constexpr (Rows == 128) return launchKernel<TW, Rows, 2, 4>(args, grid, stream);
    else return launchKernel<TW, Rows, 2, 3>(args, grid, stream);
}

}  // namespace

bool wgmmaPrefillAvailable() { return deviceComputeCapability() == 90; }

cudaError_t launchWgmmaPrefill(int tilesPerWarp, int rows, const PrefillArgs& args, dim3 grid, cudaStream_t stream, __half* permutedX) {
    if (!wgmmaPrefillAvailable()) return cudaErrorNotSupported;
    if (tilesPerWarp == 2 && rows == 32) return launchWith<2, 32>(args, grid, stream, permutedX);
    if (tilesPerWarp == 1 && rows == 32) return launchWith<1, 32>(args, grid, stream, permutedX);
    if (tilesPerWarp == 1 && rows == 64) return launchWith<1, 64>(args, grid, stream, permutedX);
    if (tilesPerWarp == 2 && rows == 64) return launchWith<2, 64>(args, grid, stream, permutedX);
    if (tilesPerWarp == 1 && rows == 128) return launchWith<1, 128>(args, grid, stream, permutedX);
    if (tilesPerWarp == 2 && rows == 128) return launchWith<2, 128>(args, grid, stream, permutedX);
    if (tilesPerWarp == 1 && rows == 256) return launchWith<1, 256>(args, grid, stream, permutedX);
    return cudaErrorInvalidValue;
}

#else  // built without sm_90a code

bool wgmmaPrefillAvailable() { return false; }
cudaError_t launchWgmmaPrefill(int, int, const PrefillArgs&, dim3, cudaStream_t, __half*) { return cudaErrorNotSupported; }

#endif

}  // namespace awq::kernels::prefill_detail
