#pragma once
// How long one decoder layer of a quantization job takes, measured rather than counted: a layer of
// the model's own shapes (random weights) goes through the job's per-layer steps on the job's
// device. Counting FLOPs over a large matmul's speed missed the per-operation overhead that
// dominates small models (the demo model was estimated 37 s for a 66 s job).
#include "core/model/hf_config.h"
#include "core/quant/quantize_job.h"

namespace awq::quant {

// Seconds of one pass of the job's work on one layer over `blocks` calibration blocks of
// settings.seqlen tokens, on settings.device ("cpu" / "cuda", compute dtype as the job: float32 /
// fp16): the capture forward, the method's search (AWQ: every scale search with settings.gridRatios
// candidates and the clipping search; GPTQ: its part-by-part forwards, Hessians and column updates),
// the quantization into the checkpoint layout and the error-measuring forward. Not timed: loading
// the layer's weights from disk and writing it. Throws what the steps throw (out of memory).
double timeLayerPass(const ModelConfig& c, const QuantizeSettings& settings, int blocks);

}  // namespace awq::quant
