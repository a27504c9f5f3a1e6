#pragma once
// Kernels of the quantizer's searches on a GPU. T is __half or __nv_bfloat16 (explicitly
// instantiated for both); pointers are device pointers to row-major contiguous tensors; each
// function launches on `stream` and returns the launch error (cudaErrorInvalidValue for shapes
// outside what it documents).
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace awq::kernels {

// The AWQ scale search's candidate weight in one pass: for w [rows, K] and the candidate's column
// scales s [K] (nullptr: none), out = Q(w * s) / s, where Q is AutoAWQ's asymmetric 4-bit
// pseudo-quantization over each run of `groupSize` columns (pseudo_quantize_tensor: zero point
// round(-min / scale) clamped to 0..15, scale (max - min).clamp(1e-5) / 15 kept in fp16).
// Bit-identical to awq::quant::pseudoQuantize(w * s, G).dequantized / s evaluated by torch's CUDA
// ops on T tensors: every op rounds to T, the division by 15 is torch's multiplication by the
// float reciprocal, divisions by tensors are IEEE divisions, rounding is half-to-even.
// K % groupSize == 0, groupSize % 32 == 0.
template <typename T>
cudaError_t awqFakeQuantize(const T* w, const T* columnScales, T* out, std::int64_t rows, int K, int groupSize, cudaStream_t stream);

// The scale search's loss: sum over n elements of (float(a) - float(b))^2, each thread summing in
// float, then each block; block i writes its sum to partials[i] (float64). Deterministic (no
// atomics): the caller sums the partials. blocks: squaredErrorBlocks(n) partials are written.
int squaredErrorBlocks(std::int64_t n);
template <typename T>
cudaError_t squaredErrorPartials(const T* a, const T* b, std::int64_t n, double* partials, cudaStream_t stream);

}  // namespace awq::kernels
