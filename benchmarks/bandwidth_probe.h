#pragma once
// The two memory ceilings a memory-bound benchmark is measured against, on the current device:
// DRAM read bandwidth (a kernel that only reads a buffer much larger than L2) and device-to-device
// copy bandwidth (bytes read + written). Median of several runs, in GB/s (1e9 bytes/s).
#include <cuda_runtime.h>

namespace awq::bench {

double readBandwidthGBs(cudaStream_t stream);
double copyBandwidthGBs(cudaStream_t stream);

// One launch of the read-only kernel over `bytes` bytes at `buffer` (device memory, 16-byte
// aligned; bytes % 16 == 0) on `stream`, launched as a plain kernel: it starts once the launch
// before it has finished, as a kernel that waits for its input does. Timed back to back over
// buffers that are not in L2, it is the floor for one launch that must read that many bytes
// (launch, ramp and drain included), where readBandwidthGBs is the rate of one long read.
// Returns the launch error.
cudaError_t launchReadOnce(const void* buffer, std::size_t bytes, unsigned* sink, cudaStream_t stream);

}  // namespace awq::bench
