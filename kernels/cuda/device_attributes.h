#pragma once
// Attributes of the current CUDA device that kernel launchers consult on every call, cached per
// device (the first call per device asks the runtime). 0 / 1 when the runtime cannot tell.
#include <cuda_runtime.h>

#include <atomic>

namespace awq::kernels {

inline int cachedDeviceAttribute(cudaDeviceAttr attribute, std::atomic<int> (&cache)[16], int fallback) {
    int dev = 0;
    if (cudaGetDevice(&dev) != cudaSuccess) return fallback;
    if (dev >= 0 && dev < 16)
        if (const int v = cache[dev].load(std::memory_order_relaxed); v > 0) return v;
    int value = 0;
    if (cudaDeviceGetAttribute(&value, attribute, dev) != cudaSuccess || value <= 0) return fallback;
    if (dev >= 0 && dev < 16) cache[dev].store(value, std::memory_order_relaxed);
    return value;
}

inline int deviceComputeMajor() {
    static std::atomic<int> cache[16] = {};
    return cachedDeviceAttribute(cudaDevAttrComputeCapabilityMajor, cache, 0);
}

// major * 10 + minor (90 for an H100 / H200), 0 when the runtime cannot tell.
inline int deviceComputeCapability() {
    static std::atomic<int> cache[16] = {};
    const int major = deviceComputeMajor();
    return major > 0 ? major * 10 + cachedDeviceAttribute(cudaDevAttrComputeCapabilityMinor, cache, 0) : 0;
}

inline int deviceSharedMemoryPerMultiprocessor() {
    static std::atomic<int> cache[16] = {};
    return cachedDeviceAttribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor, cache, 48 * 1024);
}

inline int deviceMultiprocessors() {
    static std::atomic<int> cache[16] = {};
    return cachedDeviceAttribute(cudaDevAttrMultiProcessorCount, cache, 1);
}

}  // namespace awq::kernels
