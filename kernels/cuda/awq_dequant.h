#pragma once
// CUDA: dequantize an AWQ GEMM-layout weight to fp16 [K, N] (used for prefill through cuBLAS and
// as the simplest correct kernel to check the layout on a GPU). Returns cudaSuccess or an error.
#include <cstdint>

#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace awq::kernels {

cudaError_t dequantizeAwqGemm(const std::int32_t* qweight, const std::int32_t* qzeros, const __half* scales, int K,
                              int N, int groupSize, __half* out, cudaStream_t stream);

}  // namespace awq::kernels
