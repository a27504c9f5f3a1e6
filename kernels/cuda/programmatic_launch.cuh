#pragma once
// Programmatic dependent launch (sm_90, CUDA 11.8+; "griddepcontrol" in the PTX ISA): a kernel
// launched with cudaLaunchAttributeProgrammaticStreamSerialization may start while the kernel
// before it in the stream is still running; it must call waitForPrerequisiteGrids() before it
// reads anything that kernel writes (or writes anything it may read). Kernels that precede such
// a launch call allowDependentGridsToLaunch() to let it start early. Both are no-ops below sm_90
// and for kernels launched without the attribute.
//
// Why: a decode step is a chain of short kernels; the W4A16 GEMV's weights do not depend on the
// kernel before it, so it can have them in flight while that kernel finishes, and each small
// kernel (norm, rope, attention, SiLU) starts its blocks during the tail of the one before it
// instead of after a full launch gap.
//
// Rule for every kernel launched through launchProgrammatic(): call waitForPrerequisiteGrids() on
// every path before touching memory another kernel writes (only read-only data such as weights may
// be loaded before it), so that completion stays transitive along the stream.
#include "kernels/cuda/device_attributes.h"

#include <cuda_runtime.h>

#include <cstdlib>
#include <string_view>
#include <utility>

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

// Programmatic dependent launch on sm_90 unless AWQBENCH_PDL=0 (for measuring what it buys).
inline bool programmaticLaunchEnabled() {
    static const bool enabled = [] {
        const char* v = std::getenv("AWQBENCH_PDL");
        return !(v && std::string_view(v) == "0");
    }();
    return enabled && deviceComputeMajor() >= 9;
}

// kernel<<<grid, block, sharedBytes, stream>>>(args...) as a programmatic dependent launch where
// programmaticLaunchEnabled(), a plain launch otherwise; with `cluster` other than 1 x 1 x 1, in
// thread block clusters of that shape (sm_90; each grid dimension a multiple of the cluster's).
// Returns the launch error.
template <typename... Params, typename... Args>
cudaError_t launchProgrammaticInClusters(void (*kernel)(Params...), dim3 grid, dim3 cluster, dim3 block, std::size_t sharedBytes,
                                         cudaStream_t stream, Args&&... args) {
    cudaLaunchConfig_t config{};
    config.gridDim = grid;
    config.blockDim = block;
    config.dynamicSmemBytes = sharedBytes;
    config.stream = stream;
    cudaLaunchAttribute attributes[2]{};
    unsigned count = 0;
    if (programmaticLaunchEnabled()) {
        attributes[count].id = cudaLaunchAttributeProgrammaticStreamSerialization;
        attributes[count++].val.programmaticStreamSerializationAllowed = 1;
    }
    if (cluster.x * cluster.y * cluster.z > 1) {
        attributes[count].id = cudaLaunchAttributeClusterDimension;
        attributes[count].val.clusterDim.x = cluster.x;
        attributes[count].val.clusterDim.y = cluster.y;
        attributes[count++].val.clusterDim.z = cluster.z;
    }
    config.attrs = attributes;
    config.numAttrs = count;
    return cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
}

template <typename... Params, typename... Args>
cudaError_t launchProgrammatic(void (*kernel)(Params...), dim3 grid, dim3 block, std::size_t sharedBytes, cudaStream_t stream,
                               Args&&... args) {
    return launchProgrammaticInClusters(kernel, grid, dim3(1, 1, 1), block, sharedBytes, stream, std::forward<Args>(args)...);
}

}  // namespace awq::kernels
