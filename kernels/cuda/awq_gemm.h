#pragma once
// W4A16 matmul on the AutoAWQ GEMM layout: y[M, N] = x[M, K] @ dequant(W)[K, N].
//
//   x        fp16 or bf16 [M, K], row-major            y       same type [M, N], row-major
//   qweight  int32 [K, N/8]   qzeros int32 [K/G, N/8]   scales  fp16 [K/G, N]   (kernels/awq_layout.h)
//
// Weights are dequantized in registers, (q - z) * s rounded once to fp16 exactly as the CPU reference
// and AutoAWQ do (then converted to bf16 for bf16 activations), multiplied on the tensor cores with
// fp32 accumulation, and rounded to the activation type once at the end.
//
// Two paths, picked by M:
//  - M <= 32 on sm_80+ (decode, small batches; memory bound): y^T = W^T x^T with mma.sync
//    m16n8k16, the weights as the 16x16 A operand built in registers straight from the packed
//    words (the mma rows are mapped to output columns so that a lane's pair of columns is one
//    mask-and-magic step of a word and a byte permute of two rows gives a fragment register), and
//    eight rows of x as the B operand, so decode wastes no tensor-core work on padding. A block
//    owns 64 output columns; its 4 warps split K into 32-row chunks, each warp streaming its
//    chunks into a 4-deep ring of shared-memory stages with cp.async (16-byte copies; two lanes
//    cover a 32-byte sector of a qweight row): three chunks in flight while one is multiplied, no
//    block barriers in the main loop. The warps' partial sums are reduced in a fixed order. K is
//    also split across blocks (split-K) until the grid fills whole waves of resident blocks:
//    partial sums go to a float32 workspace and a second small kernel adds them in a fixed order
//    (deterministic).
//  - M > 32, or GPUs before sm_80 (prefill; compute bound): a tiled WMMA kernel, 64x128 output
//    tile, 64-deep K tiles, 8 warps of 32x32, register-prefetched global loads and a
//    dequantize-into-shared-memory stage.
//
// Requirements (checked, cudaErrorInvalidValue otherwise): M >= 0, K > 0, N > 0, N % 8 == 0,
// G = groupSize in {32, 64, 128, ...} with G % 32 == 0 and K % G == 0, or groupSize == -1 for one
// group over all of K (then K % 32 == 0). x, y, qweight, qzeros and scales 16-byte aligned. bf16
// needs compute capability 8.0 (cudaErrorNotSupported below). Launches on `stream`; returns the
// launch error. The workspace is optional: without it (or when too small) K is not split across
// blocks, which is slower for narrow layers at small M but equally correct.
#include <cstddef>
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace awq::kernels {

cudaError_t awqGemm(const __half* x, const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, __half* y,
                    int M, int K, int N, int groupSize, cudaStream_t stream, void* workspace = nullptr,
                    std::size_t workspaceBytes = 0);

cudaError_t awqGemm(const __nv_bfloat16* x, const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales,
                    __nv_bfloat16* y, int M, int K, int N, int groupSize, cudaStream_t stream, void* workspace = nullptr,
                    std::size_t workspaceBytes = 0);

// Bytes of workspace the fastest plan for this shape wants on the current device (0: none).
std::size_t awqGemmWorkspaceBytes(int M, int K, int N, int groupSize);

}  // namespace awq::kernels
