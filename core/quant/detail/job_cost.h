#pragma once
// How long a quantization job will take, before it starts: one layer's work timed on the job's
// device with the model's shapes and the job's settings, scaled to the job's calibration blocks
// and layers; for models too large to time a layer within the pre-flight, the job's floating-point
// work counted from the shapes (the passes runQuantizeJob makes over each layer) over the
// throughput of a matmul of the model's own shapes.
#include "core/model/hf_config.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"  // kPreflightProbeMaxAgeSeconds

#include <cstdint>
#include <optional>

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

// A layer's seconds in the job, measured (timeLayerPass, layer_probe.h): `fixed` whatever the
// calibration size (clipping, quantizing, the per-operation overhead) plus `perBlock` for each
// calibration block of the job's --seqlen tokens.
struct LayerSeconds {
    double fixed = 0;
    double perBlock = 0;
    int probeBlocks = 0;  // blocks of the larger pass timed (the line is extrapolated past it)
    double ageSeconds = 0;  // how long ago it was timed (0: by this call; more: from the cache)
};

// Times the job's work on a random layer of the model's shapes on the job's device: one block
// (twice when short: the first pass warms up the allocator and kernels), then 2 to 8 blocks, as
// many as fit in about `budgetSeconds`; a line through the two passes. Measured once per
// (device, shapes, --seqlen, method settings) and kept for `maxAgeSeconds` (kPreflightProbeMaxAgeSeconds,
// quantize_preflight.h): a probe timed under a passing load (the GUI's start-up scan) is not shown
// for the rest of the process, and the GUI and `quantize --check` time alike. Empty, without timing anything, when the FLOP
// count says one block would take more than half the budget at `flopsPerSecond` (large models:
// their work is matmul-bound and estimateJobSeconds(JobWork, ...) is used instead); throws what
// the steps throw.
std::optional<LayerSeconds> measuredLayerSeconds(const ModelConfig& c, const QuantizeSettings& s, double flopsPerSecond,
                                                 double budgetSeconds = 3.0, double maxAgeSeconds = kPreflightProbeMaxAgeSeconds);

// Seconds the job is expected to take from the measured layer: `layers` x (fixed + blocks x perBlock).
double estimateJobSeconds(const LayerSeconds& layer, int layers, std::int64_t blocks);

// Seconds from the FLOP count alone at the probe matmul's rate (no per-operation overhead: too low
// for small models, whose layers are measured instead); negative when the device could not be measured.
double estimateJobSeconds(const JobWork& work, double flopsPerSecond);

}  // namespace awq::quant
