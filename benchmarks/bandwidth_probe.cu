#include "benchmarks/bandwidth_probe.h"

#include <algorithm>
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace awq::bench {
namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::fprintf(stderr, "bandwidth probe: %s: %s\n", what, cudaGetErrorString(e));
        std::exit(1);
    }
}

// Reads every 16-byte word once (streaming loads, four in flight per thread); the XOR only keeps
// the compiler from dropping the loads.
__global__ void readOnlyKernel(const uint4* __restrict__ p, std::size_t words, unsigned* sink) {
    unsigned acc = 0;
    const std::size_t stride = std::size_t(gridDim.x) * blockDim.x;
    std::size_t i = std::size_t(blockIdx.x) * blockDim.x + threadIdx.x;
    for (; i + 3 * stride < words; i += 4 * stride) {
        const uint4 a = __ldcs(p + i), b = __ldcs(p + i + stride), c = __ldcs(p + i + 2 * stride), d = __ldcs(p + i + 3 * stride);
        acc ^= a.x ^ b.y ^ c.z ^ d.w ^ a.w ^ b.x ^ c.y ^ d.z;
    }
    for (; i < words; i += stride) acc ^= __ldcs(p + i).x;
    if (acc == 0x9E3779B9u) *sink = acc;
}

// Median milliseconds of `runs` calls of f.
template <typename F>
double medianMs(cudaStream_t stream, int runs, F&& f) {
    cudaEvent_t a, b;
    check(cudaEventCreate(&a), "event");
    check(cudaEventCreate(&b), "event");
    f();  // warm-up
    std::vector<float> ms;
    for (int r = 0; r < runs; ++r) {
        check(cudaEventRecord(a, stream), "record");
        f();
        check(cudaEventRecord(b, stream), "record");
        check(cudaEventSynchronize(b), "sync");
        float t = 0;
        check(cudaEventElapsedTime(&t, a, b), "elapsed");
        ms.push_back(t);
    }
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

constexpr std::size_t kBytes = std::size_t(2) << 30;  // far larger than any L2

}  // namespace

double readBandwidthGBs(cudaStream_t stream) {
    void* buffer = nullptr;
    unsigned* sink = nullptr;
    check(cudaMalloc(&buffer, kBytes), "cudaMalloc");
    check(cudaMalloc(&sink, sizeof(unsigned)), "cudaMalloc");
    check(cudaMemsetAsync(buffer, 0x5A, kBytes, stream), "memset");
    int dev = 0, sms = 1;
    check(cudaGetDevice(&dev), "device");
    check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev), "attribute");
    const double ms = medianMs(stream, 10, [&] {
        readOnlyKernel<<<unsigned(sms * 8), 256, 0, stream>>>(static_cast<const uint4*>(buffer), kBytes / 16, sink);
        check(cudaGetLastError(), "read kernel");
    });
    cudaFree(buffer);
    cudaFree(sink);
    return double(kBytes) / (ms * 1e-3) / 1e9;
}

cudaError_t launchReadOnce(const void* buffer, std::size_t bytes, unsigned* sink, cudaStream_t stream) {
    static const int sms = [] {
        int dev = 0, count = 1;
        check(cudaGetDevice(&dev), "device");
        check(cudaDeviceGetAttribute(&count, cudaDevAttrMultiProcessorCount, dev), "attribute");
        return count;
    }();
    // As many blocks as the long read uses, or fewer where four loads a thread cover the buffer.
    const std::size_t words = bytes / 16, perBlock = 256 * 4;
    const unsigned blocks = unsigned(std::max<std::size_t>(1, std::min<std::size_t>(std::size_t(sms) * 8, (words + perBlock - 1) / perBlock)));
    readOnlyKernel<<<blocks, 256, 0, stream>>>(static_cast<const uint4*>(buffer), words, sink);
    return cudaGetLastError();
}

double copyBandwidthGBs(cudaStream_t stream) {
    void *src = nullptr, *dst = nullptr;
    check(cudaMalloc(&src, kBytes / 2), "cudaMalloc");
    check(cudaMalloc(&dst, kBytes / 2), "cudaMalloc");
    check(cudaMemsetAsync(src, 1, kBytes / 2, stream), "memset");
    const double ms = medianMs(stream, 10, [&] { check(cudaMemcpyAsync(dst, src, kBytes / 2, cudaMemcpyDeviceToDevice, stream), "copy"); });
    cudaFree(src);
    cudaFree(dst);
    return double(kBytes) / (ms * 1e-3) / 1e9;  // read + write
}

}  // namespace awq::bench
