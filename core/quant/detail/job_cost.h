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

// Whether the AWQ scale search of a single linear (o after v, down after up) is cheaper scored on
// the Gram matrix of its inputs (awq_math.h, ScaleScoring::LinearGram) than by forwards, for K
// inputs, N outputs, `tokens` calibration tokens and `gridRatios` candidates: Gram 2 T K^2 + grid
// 2 N K^2 FLOPs against (grid + 1) 2 T K N (reference and candidates). On CUDA the forwards run in
// fp16 on tensor cores and the Gram in float32, so there the Gram must be 16x cheaper (an assumed
// throughput ratio, not measured; Qwen3-8B shapes stay on the forwards). AWQBENCH_AWQ_GRAM=0 / =1
// forces the forwards / the Gram (A/B runs).
bool linearGramPays(std::uint64_t tokens, std::int64_t K, std::int64_t N, int gridRatios, bool cuda);

// The work of quantizing every layer: the capture forward, for AWQ the regenerating forward, the
// reference and `gridRatios` candidates of each scale search and the 20-step clipping search, and
// the error-measuring forward (o and down scored on their Gram where linearGramPays); for GPTQ (`gptq`) three more forwards (one per part after q/k/v),
// the Hessians, their Cholesky inverses and the column updates. Attention counts the full S x S
// score matrix the job computes.
JobWork quantizeJobWork(const ModelConfig& c, std::uint64_t tokens, int seqlen, int groupSize, int gridRatios, bool awq, bool gptq = false,
                        bool cuda = false);

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
