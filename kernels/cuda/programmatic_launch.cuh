#pragma once
// Programmatic dependent launch (sm_90, CUDA 11.8+; "griddepcontrol" in the PTX ISA): a kernel
// launched with cudaLaunchAttributeProgrammaticStreamSerialization may start while the kernel
// before it in the stream is still running; it must call waitForPrerequisiteGrids() before it
// reads anything that kernel writes (or writes anything it may read). Kernels that precede such
// a launch call allowDependentGridsToLaunch() to let it start early. Both are no-ops below sm_90
// and for kernels launched without the attribute.
//
// Why: a decode step is a chain of short kernels; the W4A16 GEMV's weights do not depend on the
// kernel before it, so it can have them in flight while that kernel finishes.
namespace awq::kernels {

__device__ __forceinline__ void waitForPrerequisiteGrids() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

__device__ __forceinline__ void allowDependentGridsToLaunch() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("griddepcontrol.launch_dependents;" :::);
#endif
}

}  // namespace awq::kernels
