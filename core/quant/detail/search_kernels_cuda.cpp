#include "core/quant/detail/search_kernels.h"

#include "core/util/error.h"
#include "kernels/cuda/quant_ops.h"

#include <c10/cuda/CUDAStream.h>

#include <cstdint>
#include <string>

namespace awq::quant {
namespace {

cudaStream_t currentStream(const at::Tensor& t) { return c10::cuda::getCurrentCUDAStream(t.device().index()).stream(); }

void check(cudaError_t err, const char* kernel) {
    if (err != cudaSuccess)
        throw Error(std::string("the ") + kernel + " kernel failed: " + cudaGetErrorString(err), {},
                    "run with --device cpu to compare, and report the model and GPU");
}

bool halfOnGpu(const at::Tensor& t) {
    return t.defined() && t.is_cuda() && t.is_contiguous() && (t.scalar_type() == at::kHalf || t.scalar_type() == at::kBFloat16);
}

// Calls f(T{}) with T = __half or __nv_bfloat16 for the tensor's type.
template <typename F>
cudaError_t withElementType(const at::Tensor& t, F&& f) {
    if (t.scalar_type() == at::kHalf) return f(__half{});
    return f(__nv_bfloat16{});
}

template <typename T>
const T* pointer(const at::Tensor& t) {
    return t.defined() ? reinterpret_cast<const T*>(t.data_ptr()) : nullptr;
}

}  // namespace

bool fusedFakeQuantizeApplies(const at::Tensor& w, const at::Tensor& columnScales, int groupSize) {
    if (!halfOnGpu(w) || w.dim() != 2) return false;
    const int64_t K = w.size(1), G = groupSize > 0 ? groupSize : K;
    if (K == 0 || K % G != 0 || G % 32 != 0 || K > (int64_t(1) << 30)) return false;
    return !columnScales.defined() || (halfOnGpu(columnScales) && columnScales.scalar_type() == w.scalar_type() &&
                                       columnScales.device() == w.device() && columnScales.numel() == K);
}

at::Tensor fusedFakeQuantize(const at::Tensor& w, const at::Tensor& columnScales, int groupSize) {
    if (!fusedFakeQuantizeApplies(w, columnScales, groupSize))
        throw Error("the fused fake-quantization kernel does not take this weight (needs a contiguous fp16/bf16 CUDA matrix, "
                    "a group size that divides its columns and is a multiple of 32)");
    const int K = int(w.size(1));
    auto out = at::empty_like(w);
    check(withElementType(w,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::awqFakeQuantize<T>(pointer<T>(w), pointer<T>(columnScales), reinterpret_cast<T*>(out.data_ptr()),
                                                                 w.size(0), K, groupSize > 0 ? groupSize : K, currentStream(w));
                          }),
          "fake-quantization");
    return out;
}

bool fusedSquaredErrorApplies(const at::Tensor& a, const at::Tensor& b) {
    return halfOnGpu(a) && halfOnGpu(b) && a.scalar_type() == b.scalar_type() && a.device() == b.device() && a.numel() == b.numel() &&
           reinterpret_cast<std::uintptr_t>(a.data_ptr()) % 16 == 0 && reinterpret_cast<std::uintptr_t>(b.data_ptr()) % 16 == 0;
}

at::Tensor fusedSquaredError(const at::Tensor& a, const at::Tensor& b) {
    if (!fusedSquaredErrorApplies(a, b))
        throw Error("the fused squared-error kernel needs two contiguous, 16-byte aligned fp16/bf16 CUDA tensors of one size and dtype");
    auto partials = at::empty({kernels::squaredErrorBlocks(a.numel())}, a.options().dtype(at::kDouble));
    check(withElementType(a,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::squaredErrorPartials<T>(pointer<T>(a), pointer<T>(b), a.numel(), partials.data_ptr<double>(),
                                                                      currentStream(a));
                          }),
          "squared-error");
    return partials.sum();
}

}  // namespace awq::quant
