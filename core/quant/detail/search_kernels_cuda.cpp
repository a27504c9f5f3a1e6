#include "core/quant/detail/search_kernels.h"

#include "core/layers/torch_cuda_util.h"
#include "core/util/error.h"
#include "kernels/cuda/quant_ops.h"

#include <cstdint>
#include <string>

namespace awq::quant {
using engine::currentStream;
using engine::isHalfOnGpu;
using engine::pointer;
using engine::withElementType;
using engine::checkKernel;

bool fusedFakeQuantizeApplies(const at::Tensor& w, const at::Tensor& columnScales, int groupSize) {
    if (!isHalfOnGpu(w) || w.dim() != 2) return false;
    const int64_t K = w.size(1), G = groupSize > 0 ? groupSize : K;
    if (K == 0 || K % G != 0 || G % 32 != 0 || K > (int64_t(1) << 30)) return false;
    return !columnScales.defined() || (isHalfOnGpu(columnScales) && columnScales.scalar_type() == w.scalar_type() &&
                                       columnScales.device() == w.device() && columnScales.numel() == K);
}

at::Tensor fusedFakeQuantize(const at::Tensor& w, const at::Tensor& columnScales, int groupSize) {
    if (!fusedFakeQuantizeApplies(w, columnScales, groupSize))
        throw Error("the fused fake-quantization kernel does not take this weight (needs a contiguous fp16/bf16 CUDA matrix, "
                    "a group size that divides its columns and is a multiple of 32)");
    const int K = int(w.size(1));
    auto out = at::empty_like(w);
    checkKernel(withElementType(w,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::awqFakeQuantize<T>(pointer<const T>(w), pointer<const T>(columnScales), reinterpret_cast<T*>(out.data_ptr()),
                                                                 w.size(0), K, groupSize > 0 ? groupSize : K, currentStream(w));
                          }),
          "fake-quantization");
    return out;
}

bool fusedSquaredErrorApplies(const at::Tensor& a, const at::Tensor& b) {
    return isHalfOnGpu(a) && isHalfOnGpu(b) && a.scalar_type() == b.scalar_type() && a.device() == b.device() && a.numel() == b.numel() &&
           reinterpret_cast<std::uintptr_t>(a.data_ptr()) % 16 == 0 && reinterpret_cast<std::uintptr_t>(b.data_ptr()) % 16 == 0;
}

at::Tensor fusedSquaredError(const at::Tensor& a, const at::Tensor& b) {
    if (!fusedSquaredErrorApplies(a, b))
        throw Error("the fused squared-error kernel needs two contiguous, 16-byte aligned fp16/bf16 CUDA tensors of one size and dtype");
    auto partials = at::empty({kernels::squaredErrorBlocks(a.numel())}, a.options().dtype(at::kDouble));
    checkKernel(withElementType(a,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::squaredErrorPartials<T>(pointer<const T>(a), pointer<const T>(b), a.numel(), partials.data_ptr<double>(),
                                                                      currentStream(a));
                          }),
          "squared-error");
    return partials.sum();
}

}  // namespace awq::quant
