#pragma once
// The two memory ceilings a memory-bound benchmark is measured against, on the current device:
// DRAM read bandwidth (a kernel that only reads a buffer much larger than L2) and device-to-device
// copy bandwidth (bytes read + written). Median of several runs, in GB/s (1e9 bytes/s).
#include <cuda_runtime.h>

namespace awq::bench {

double readBandwidthGBs(cudaStream_t stream);
double copyBandwidthGBs(cudaStream_t stream);

}  // namespace awq::bench
