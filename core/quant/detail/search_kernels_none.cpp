#include "core/quant/detail/search_kernels.h"

#include "core/util/error.h"

namespace awq::quant {

bool fusedFakeQuantizeApplies(const at::Tensor&, const at::Tensor&, int) { return false; }

at::Tensor fusedFakeQuantize(const at::Tensor&, const at::Tensor&, int) {
    throw Error("this build has no CUDA kernels (the fused fake-quantization runs only on a GPU build)");
}

bool fusedSquaredErrorApplies(const at::Tensor&, const at::Tensor&) { return false; }

at::Tensor fusedSquaredError(const at::Tensor&, const at::Tensor&) {
    throw Error("this build has no CUDA kernels (the fused squared error runs only on a GPU build)");
}

}  // namespace awq::quant
