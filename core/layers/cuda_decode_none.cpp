// Torch without CUDA (Debian's libtorch, CI): no fused decode kernels, no graphs; the engine takes
// its torch path.
#include "core/layers/cuda_decode.h"

#include "core/util/error.h"

namespace awq::engine {
namespace {
[[noreturn]] void notBuilt() { throw Error("the CUDA decode kernels are not built into this engine", {}, "build against a CUDA PyTorch (README: GPU build)"); }
}  // namespace

bool cudaDecodeBuiltIn() { return false; }
at::Tensor cudaRmsNormResidual(at::Tensor&, const at::Tensor&, const at::Tensor&, double) { notBuilt(); }
at::Tensor cudaRopeKvWrite(const at::Tensor&, const at::Tensor&, const at::Tensor&, double, const at::Tensor&, const at::Tensor&,
                           const at::Tensor&, at::Tensor&, at::Tensor&, int, int, int) {
    notBuilt();
}
at::Tensor cudaDecodeAttention(const at::Tensor&, const at::Tensor&, const at::Tensor&, double, const at::Tensor&, const at::Tensor&,
                               const at::Tensor&, at::Tensor&, at::Tensor&, int, int, double) {
    notBuilt();
}
at::Tensor cudaSiluMul(const at::Tensor&) { notBuilt(); }
at::Tensor cudaArgmaxRows(const at::Tensor&, at::Tensor*) { notBuilt(); }
at::Tensor cudaEmbedRows(const at::Tensor&, const at::Tensor&, at::Tensor&) { notBuilt(); }
std::unique_ptr<GreedyStepEnd> makeGreedyStepEnd(int, const at::Device&) { notBuilt(); }
std::unique_ptr<CapturedStep> captureStep(const std::function<at::Tensor()>&, const at::Device&, at::Tensor&) { notBuilt(); }

}  // namespace awq::engine
