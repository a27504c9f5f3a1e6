#pragma once
// AWQ weights repacked once at load into a layout made for decode (as vLLM turns `awq` into
// `awq_marlin`), and the W4A16 kernels that read it.
//
// Why: in the AutoAWQ GEMM layout one output tile's weights are 32-byte pieces of many rows, and
// turning them into tensor-core fragments costs byte permutes and per-element zero/scale math;
// decode reached ~25-30% of DRAM read bandwidth that way. In this layout each lane of a warp loads
// one 16-byte word per 64 rows of K holding exactly the nibbles of its mma.m16n8k16 A fragments,
// a warp streams contiguous 512-byte blocks, and the scale is applied once per group to the
// fp32 accumulator instead of once per weight.
//
// Layout, for a linear with K inputs and N outputs (N % 16 == 0, K % 64 == 0, group G % 64 == 0):
//   qpack  int32 [N/16][K/64][32 lanes][4]: column tile c (outputs 16c..16c+15), k-block b
//          (inputs 64b..64b+63), lane l (g = l/4, t = l%4), word j (the mma's j-th 16 inputs of the
//          block). Nibble i of the word (bits 4i..4i+3) holds the code of output 16c + g + 8*(i&1)
//          at input 64b + 16t + 4j + 2*((i>>1)&1) + (i>>2): (w >> 4i) & 0x000F000F is an A
//          register pair, and lane t's activations of the k-block are 16 contiguous inputs (the
//          mma's k order is permuted within a k-block; the sum is the same).
//   scaleZeros fp16 [K/G][N/16][8][4]: for group r, column tile c and g = 0..7 the four halves
//          s(16c+g), s(16c+g+8), 1024+z(16c+g), 1024+z(16c+g+8): one 8-byte load a lane a group;
//          (1024 + q) - (1024 + z) = q - z exactly in fp16.
// y = sum_groups s * sum_k x * (q - z): products of fp16 activations and exact small integers
// summed in fp32 on the tensor cores, one multiply by the scale per group and column (AutoAWQ and
// the CPU reference round (q - z) * s to fp16 first; the difference is far below fp16 output
// rounding).
#include <cstddef>
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace awq::kernels {

// Whether a linear can use this layout (shapes above; sm_80 or newer for the tensor-core path).
bool awqRepackSupported(int K, int N, int groupSize);

// AutoAWQ GEMM tensors (awq_layout.h) -> qpack (K * N / 8 int32) and scaleZeros (K/G * N * 2
// fp16). groupSize -1 means one group over all of K.
cudaError_t awqRepack(const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, int K, int N, int groupSize,
                      std::int32_t* qpack, __half* scaleZeros, cudaStream_t stream);

// y[M, N] = x[M, K] @ W for M <= 32 (decode and small batches). x, y row-major fp16 or bf16
// (bf16 needs sm_80), x 16-byte aligned. Splits K across blocks when `workspace` holds
// awqRepackedGemmWorkspaceBytes() bytes (fixed-order reduction: deterministic); without it the
// result is the same, slower for narrow layers. Group sizes 64 and 128 take a faster kernel that
// stages x in shared memory; on sm_90 it is launched as a programmatic dependent launch
// (programmatic_launch.cuh: its weight loads overlap the previous kernel's tail; AWQBENCH_PDL=0
// turns that off). Up to 8 rows that kernel is built for 7 blocks a multiprocessor (72
// registers) and K is split so that the grid fits one wave of them (measured on an H200,
// engine_bench batch 1: 345 -> 353 -> 390 tok/s; AWQBENCH_DECODE_BUSY=0 and
// AWQBENCH_DECODE_ONE_WAVE=0 turn each off for measuring).
// On sm_90 (H100 / H200, with sm_90 code in the build) up to 8 rows take the streamed kernel
// instead, where its shared memory fits (x of all K staged: M * K * 2 bytes): whole column tiles a
// block, weights streamed through shared memory by bulk copies (TMA), no K split, so neither
// workspace nor split counters (awqRepackedGemmWorkspaceBytes() is then 0); awqRepackedGemmStreams()
// says which kernel a shape gets, AWQBENCH_DECODE_STREAM=0 turns it off. Measured on an H100
// (engine_bench, Llama-3-8B shapes, batch 1, prompt 128): 392 -> 429 tok/s; see awq_repacked_stream.cu.
// splitCounters (optional, used for M <= 2): awqRepackedGemmCounterCount(N) uint32, zero before the first
// call; each call leaves them zero. With them the last K split of each column tile adds the splits
// up (no second kernel launch, the same sums). One set per weight, never shared by launches that
// may run at the same time (two streams). nullptr: a second kernel adds the splits up.
//
// fusion (optional): the decode step's neighbours of this GEMM done inside it, so that their kernels
// (SiLU, RMSNorm + residual add) and round trips go from the step. Plans that cannot take one
// return cudaErrorNotSupported and leave everything untouched; the caller runs the plain kernels.
// Up to kAwqDecodeFusionMaxM rows on the staged plans (group 64/128): every column block redoes the
// input transform for its k range, which stops paying beyond (SiLU staged at 8 rows: batch 8
// 2448 -> 2302 tok/s on an H200).
//   input siluMul: x is gate|up [M, 2K] (gate in columns [0, K), up in [K, 2K)); the GEMM's input
//     is T(T(silu(gate)) * up), as siluMul (decode_ops.h) rounds it.
//   input rmsNorm: x is the residual stream h [M, K]; the GEMM's input is
//     T(normWeight * T(h * rsqrt(sum_j sumSquares[m][j] / K + eps))) as rmsNormResidual rounds it,
//     where sumSquares [M][K/16] fp32 are the per-tile sums a residual epilogue (below) wrote.
//   residual: instead of writing y, residual[m, n] = T(residual[m, n] + T(y[m, n])) in place (as
//     rmsNormResidual adds its delta) and residualSumSquares[m][n/16] = the sum of squares of the 16
//     new values of column tile n/16 (fp32, fixed order: deterministic). Needs the streamed kernel
//     or the counted-splits plan (splitCounters, K split). y may then be nullptr.
//   output siluMul: W's N columns are gate [0, N/2) then up [N/2, N) (the engine's gate|up); y is
//     [M, N/2] = T(T(silu(T(gate))) * T(up)), what siluMul gives on the plain kernel's y, bit for
//     bit. Every block takes gate tile j and up tile j in turn and applies SiLU to the pair in its
//     epilogue: no per-block redundancy, so up to 8 rows (streamed kernel only, N % 32 == 0, not
//     with residual). The next linear reads half the bytes with a plain input, and where the
//     input fusions stop (beyond 2 rows) the SiLU kernel goes from the step. Measured (H200,
//     engine_bench --only awq --batches 1,8 --prompts 128,2048 --new-tokens 32 --repeat 2, three
//     interleaved rounds against the build before): batch 1 prompt 128 529.6-530.2 tok/s against
//     501.8-502.8, prompt 2048 418.5-422.7 against 403.0-416.5; batch 8 unchanged (2937-2953 against
//     2929-2959 at prompt 128). Under CUPTI (PDL off) a layer's gate|up went from 22.2 to 22.9 us and
//     its q|k|v + o + down from 32.7 to 29.5: SiLU over 14336 columns staged by each of 264 blocks
//     was ~3 us of down.
// Why partial sums and not the norm inside the next GEMM: every block of that GEMM would have to
// read whole rows to reduce them (tried on an H200: batch 1 -3%, batch 8 -27%); K/16 floats a row
// are cheap to read. What it buys (H200, engine_bench, Llama-3-8B shapes, prompt 128, batch 1,
// AWQBENCH_DECODE_FUSION=0 for the A/B in the same run): 392.0 -> 395.9 tok/s, three of a layer's
// eight kernels gone; little, because the norm's dependent round trip moves into the GEMV's
// prologue (15.1 us a GEMV call with PDL off, against ~13.4 plain) rather than going away.
enum class AwqDecodeInput { plain, siluMul, rmsNorm };
enum class AwqDecodeOutput { plain, siluMul };
constexpr int kAwqDecodeFusionMaxM = 2;
template <typename T>
struct AwqDecodeFusion {
    AwqDecodeInput input = AwqDecodeInput::plain;
    const T* normWeight = nullptr;      // rmsNorm: [K], 16-byte aligned
    const float* sumSquares = nullptr;  // rmsNorm: [M][K/16]
    float eps = 0.0f;
    T* residual = nullptr;               // [M, N] or nullptr
    float* residualSumSquares = nullptr;  // [M][N/16] with residual
    AwqDecodeOutput output = AwqDecodeOutput::plain;
};
cudaError_t awqRepackedGemm(const __half* x, const std::int32_t* qpack, const __half* scaleZeros, __half* y, int M, int K, int N,
                            int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes,
                            unsigned* splitCounters = nullptr, const AwqDecodeFusion<__half>& fusion = {});
cudaError_t awqRepackedGemm(const __nv_bfloat16* x, const std::int32_t* qpack, const __half* scaleZeros, __nv_bfloat16* y, int M, int K,
                            int N, int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes,
                            unsigned* splitCounters = nullptr, const AwqDecodeFusion<__nv_bfloat16>& fusion = {});
std::size_t awqRepackedGemmWorkspaceBytes(int M, int K, int N, int groupSize);
// Whether awqRepackedGemm runs the streamed kernel for this shape on the current device (no
// workspace, no split counters; see awq_repacked.cu).
bool awqRepackedGemmStreams(int M, int K, int N, int groupSize);
std::size_t awqRepackedGemmCounterCount(int N);

constexpr int kAwqRepackedMaxM = 32;

// Prefill and batched decode: y[M, N] = x[M, K] @ W for fp16 x and y, with tensor cores straight
// from the 4-bit weights (awq_repacked_prefill.cu), where the dequantize + cuBLAS path below writes
// and reads an fp16 copy of the weight. Weights rounded as fp16((q - z) * s), fp32 accumulation;
// K split across blocks when `workspace` holds awqRepackedPrefillWorkspaceBytes() bytes
// (fixed-order reduction: deterministic), one split otherwise. x and y 16-byte aligned. With
// AWQBENCH_PREFILL_COUNTED=1 (read each call; off by default until measured) the wgmma kernels add
// the splits up themselves, bit for bit as the reduction kernel, when the workspace also holds
// their split counters (awqRepackedPrefillWorkspaceBytes() counts them).
// awqRepackedPrefillGemmApplies(): the shapes and rows it takes (sm_80 or newer), unless
// AWQBENCH_PREFILL_GEMM=0: up to kAwqRepackedPrefillMaxM rows everywhere; on compute capability 9.0
// also up to kAwqRepackedWidePrefillAllM rows on every shape and up to kAwqRepackedWidePrefillMaxM
// where the 128 x 256 wgmma kernel leaves at least 4096 inputs to a K split (measured at
// awqRepackedPrefillGemmApplies in awq_repacked_prefill.cu); dequantize + cuBLAS elsewhere.
// variant: -1 picks the kernel configuration measured fastest for M rows of this K -> N; 0 ..
// awqRepackedPrefillVariantCount() - 1 forces one (awq_gemm_bench compares them; the workspace size
// depends on it, so pass the same variant to both calls). The count is 10 on compute capability 9.0
// with the sm_90a kernels built (3 and up are the wgmma ones), else 3.
// On compute capability 9.0 (H100 / H200), where the build targets sm_90, every row count takes
// Hopper's warpgroup instructions (wgmma, kernels/cuda/sm90/): the weights dequantized in registers
// as the A operand, x staged in shared memory as B, both brought in by a producer warp's bulk
// copies; they need the workspace (the permuted copy of x), and run mma.sync kernels without it.
// Measured on an H200 (awq_gemm_bench, Llama-3-8B gate|up 4096 -> 28672, cold L2): 32 rows 49 us
// (cuBLAS fp16 60 us, awqRepackedGemm 97 us), 64 rows 36 us with wgmma (cuBLAS fp16 62), 128 rows
// 56 us with wgmma, 127 with mma.sync (cuBLAS fp16 67 us, dequantize + cuBLAS 160 us), 256 rows
// 105 us (cuBLAS fp16 93, dequantize + cuBLAS 187), 1024 rows 368-425 us (cuBLAS fp16 374,
// dequantize + cuBLAS 463).
// From kAwqRepackedPrefillMinM rows on the engine takes this kernel over awqRepackedGemm (gate|up
// at 16 rows: 48 us against 76).
constexpr int kAwqRepackedPrefillMinM = 9;
constexpr int kAwqRepackedPrefillMaxM = 128;
constexpr int kAwqRepackedWidePrefillAllM = 256;
constexpr int kAwqRepackedWidePrefillMaxM = 1024;
bool awqRepackedPrefillGemmApplies(int M, int K, int N, int groupSize);
std::size_t awqRepackedPrefillWorkspaceBytes(int M, int K, int N, int groupSize, int variant = -1);
cudaError_t awqRepackedPrefillGemm(const __half* x, const std::int32_t* qpack, const __half* scaleZeros, __half* y, int M, int K, int N,
                                   int groupSize, cudaStream_t stream, void* workspace, std::size_t workspaceBytes, int variant = -1);
int awqRepackedPrefillVariantCount();
const char* awqRepackedPrefillVariantName(int variant);

// The weight as fp16 [N, K] (row-major: PyTorch's Linear weight layout, W transposed; w =
// fp16((q - z) * s) as the CPU reference rounds it), for prefill through cuBLAS (y = x W^T).
// qpack, scaleZeros and out 16-byte aligned.
cudaError_t awqRepackedDequantize(const std::int32_t* qpack, const __half* scaleZeros, int K, int N, int groupSize, __half* out,
                                  cudaStream_t stream);

}  // namespace awq::kernels
