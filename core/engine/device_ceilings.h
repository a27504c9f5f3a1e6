#pragma once
// The two ceilings a decode step is held against, measured on the engine's device in the run that
// uses them (lent machines differ by ~10%, so a datasheet figure or another run's would mislead):
// read bandwidth (a sum over a buffer far larger than the caches: reads only) and matmul
// throughput (a square matmul in the compute dtype). Used by the decode timeline's roofline
// (core/report/decode_roofline.h).
#include "core/engine/engine.h"

#include <cstdint>
#include <string>

namespace awq {

struct DeviceCeilings {
    std::string dtype;                // the compute dtype of the matmul ("float32", "float16", "bfloat16")
    double readGBs = 0;               // GB/s (1e9 bytes/s): the best of several timed reads
    double computeGFlops = 0;         // GFLOP/s: 2 n^3 / the best of several timed n x n matmuls
    std::uint64_t readBytes = 0;      // size of the buffer read
    int matmulN = 0;                  // n of the matmul
};

// On `device` (CUDA: cudaDevice): a 2 GiB read and n = 8192 on CUDA, 256 MiB and n = 1024 on the
// CPU (a second or two on 2 cores). `dtype` as EngineOptions::computeDtype names it, not "auto".
// Throws awq::Error for an unknown dtype or a device that is not there.
DeviceCeilings measureDeviceCeilings(DeviceKind device, const std::string& dtype, int cudaDevice = 0);

}  // namespace awq
