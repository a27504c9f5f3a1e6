#pragma once
// What the W4A16 prefill GEMM's launcher (awq_repacked_prefill.cu) shares with its sm_90 kernels
// (sm90/awq_repacked_prefill_sm90.cu, compiled for sm_90a where the build targets sm_90). Internal to
// kernels/cuda.
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

namespace awq::kernels::prefill_detail {

// One launch's operands (awqRepackedPrefillGemm in awq_repacked.h): x [M, K] and y [M, N] fp16
// row-major, the repacked weight, K split in ranges of kbPerSplit 64-input blocks (blockIdx.z).
struct PrefillArgs {
    const __half* x;
    const uint4* qpack;
    const uint2* scaleZeros;
    __half* y;
    float* partial;  // [splits][M][N] when K is split, else nullptr
    int M, K, N, G, kbPerSplit;
    // wgmma kernels with partial: one counter a block of the grid's x-y plane (zeroed by the
    // permuting pass), so that the last split of each output block adds the splits up and writes y
    // (no reduction kernel). nullptr: y from split_k::reduce after the GEMM.
    unsigned* splitCounters = nullptr;
};

// The warpgroup (wgmma) kernels: two consumer warpgroups a block, each multiplying 64 * tilesPerWarp
// outputs by `rows` rows of x, and a producer warpgroup; the block covers `rows` rows and
// 128 * tilesPerWarp outputs.
// Whether this build holds them (sm_90a code) and the current device runs them (compute 9.0).
bool wgmmaPrefillAvailable();
constexpr int wgmmaBlockTiles(int tilesPerWarp) { return 8 * tilesPerWarp; }
constexpr int kWgmmaBlocksPerSm = 1;  // resident a multiprocessor (232 registers a consumer thread)
// Launches the kernel for (tilesPerWarp, rows) = (1 or 2, 32, 64 or 128) or (1, 256) on `grid` (x: block
// column tiles, y: row blocks, z: K splits). permutedX (wgmmaPermutedXBytes, 16-byte aligned): where
// a first pass writes x in the layout the kernel's shared-memory stages hold it (rows padded with
// zeros to whole blocks of 256). cudaErrorInvalidValue without it; cudaErrorNotSupported where
// wgmmaPrefillAvailable() is false. With args.splitCounters (grid.x * grid.y of them) the pass also
// zeroes them and the kernel writes y itself; without, it writes args.partial (K split) or y.
cudaError_t launchWgmmaPrefill(int tilesPerWarp, int rows, const PrefillArgs& args, dim3 grid, cudaStream_t stream, __half* permutedX);
inline std::size_t wgmmaPermutedXBytes(int M, int K) { return (std::size_t(M) + 255) / 256 * 256 * std::size_t(K) * 2; }  // rows padded to 256

}  // namespace awq::kernels::prefill_detail
