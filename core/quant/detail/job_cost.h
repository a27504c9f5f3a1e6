#pragma once
// How long a quantization job will take, before it starts: the job's floating-point work counted
// from the model's shapes and the settings (the passes runQuantizeJob makes over each layer),
// divided by the throughput of the device measured with a matmul of the model's own shapes.
#include "core/model/hf_config.h"

#include <cstdint>

namespace awq::quant {

struct JobWork {
    double perLayerFlops = 0;  // one decoder layer, every pass of the job
    double totalFlops = 0;     // all layers
};

// The work of quantizing every layer: the capture forward, for AWQ the regenerating forward, the
// reference and `gridRatios` candidates of each scale search and the 20-step clipping search, and
// the error-measuring forward; for GPTQ (`gptq`) three more forwards (one per part after q/k/v),
// the Hessians, their Cholesky inverses and the column updates. Attention counts the full S x S
// score matrix the job computes.
JobWork quantizeJobWork(const ModelConfig& c, std::uint64_t tokens, int seqlen, int groupSize, int gridRatios, bool awq, bool gptq = false);

// Achieved FLOP/s of float32 (cpu) or fp16 (cuda) matmuls of this model's MLP shapes, measured once
// per process and shape (~0.1-0.3 s); 0 when the device is not there (cuda without a GPU).
double measuredFlopsPerSecond(const ModelConfig& c, bool cuda);

// The job's FLOP rate relative to the probe's, from the demo model with the CPU defaults on the
// shared 2-core CI machine: 48.4 s measured with the probe at 47.9 GFLOP/s (quiet machine; 1.0
// estimates 31 s) and 81.8 s with it at 12.2 GFLOP/s (three other builds running; 1.0 estimates
// 123 s). The probe is short, so it reads the machine's load at pre-flight time: the estimate is
// good to about 2x, not better.
inline constexpr double kJobEfficiency = 1.0;

// Seconds the job is expected to take; negative when the device could not be measured.
double estimateJobSeconds(const JobWork& work, double flopsPerSecond);

}  // namespace awq::quant
