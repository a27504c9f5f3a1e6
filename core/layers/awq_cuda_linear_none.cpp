// Torch without CUDA (Debian's libtorch, CI): the engine runs on CPU; no kernel bridge.
#include "core/layers/awq_cuda_linear.h"

namespace awq::engine {

bool awqCudaKernelsBuiltIn() { return false; }
at::Tensor awqCudaLinear(const at::Tensor&, const at::Tensor&, const at::Tensor&, const at::Tensor&, int) { return {}; }
RepackedAwqWeight awqCudaRepack(const at::Tensor&, const at::Tensor&, const at::Tensor&, int) { return {}; }
at::Tensor awqCudaRepackedLinear(const at::Tensor&, const RepackedAwqWeight&) { return {}; }
at::Tensor awqCudaRepackedLinearFused(const at::Tensor&, const RepackedAwqWeight&, const DecodeFusion&) { return {}; }
std::uint64_t cudaPeakAllocatedBytes(int) { return 0; }
std::uint64_t cudaAllocatedBytes(int) { return 0; }
void cudaResetPeak(int) {}
void cudaLimitMemory(int, std::uint64_t) {}

}  // namespace awq::engine
