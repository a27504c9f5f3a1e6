#pragma once
// The glue every file needs that hands torch CUDA tensors to our kernels (kernels/cuda/): the
// current stream, typed device pointers, dispatch on fp16 / bf16 and one error for a failed launch.
// Include only from sources compiled where torch has CUDA (AWQBENCH_TORCH_CUDA: the *_cuda.cpp
// files and cuda_decode.cpp / awq_cuda_linear.cpp); the CPU-only build never sees it.
#include "core/util/error.h"

#include <ATen/ATen.h>
#include <c10/cuda/CUDAStream.h>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <string>

namespace awq::engine {

// Torch's current stream on the tensor's device: kernels launched there order with torch's ops.
inline cudaStream_t currentStream(const at::Tensor& t) { return c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }

// Throws awq::Error naming the kernel and CUDA's reason when a launch failed.
inline void checkKernel(cudaError_t err, const char* kernel) {
    if (err != cudaSuccess)
        throw Error(std::string("the ") + kernel + " kernel failed: " + cudaGetErrorString(err), {},
                    "run with --device cpu to compare, and report the model and GPU");
}

// A contiguous fp16 or bf16 CUDA tensor (what the kernels take).
inline bool isHalfOnGpu(const at::Tensor& t) {
    return t.defined() && t.is_cuda() && t.is_contiguous() && (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16);
}

// The tensor's data as T* (T = __half, __nv_bfloat16, ...); nullptr for an undefined tensor.
template <typename T>
T* pointer(const at::Tensor& t) {
    return t.defined() ? reinterpret_cast<T*>(t.data_ptr()) : nullptr;
}

// Calls f(T{}) with T = __half for an fp16 tensor, __nv_bfloat16 otherwise (check the dtype first).
template <typename F>
cudaError_t withElementType(const at::Tensor& t, F&& f) {
    if (t.scalar_type() == at::kHalf) return f(__half{});
    return f(__nv_bfloat16{});
}

}  // namespace awq::engine
