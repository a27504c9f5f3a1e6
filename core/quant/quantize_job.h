#pragma once
// The quantization job: AWQ (activation-aware scale search, clipping, zero-point group
// quantization, as AutoAWQ runs it) or round-to-nearest, written in the AutoAWQ GEMM layout; or
// GPTQ (Hessian-based error feedback, as AutoGPTQ / GPTQModel run it), written in the GPTQ layout
// (core/layers/gptq_layout.h). Layer by layer, resumable. Runs as a core job (core/util/job.h): progress events through a
// callback, cancellation through a stop token, `cancelled` in the summary. The folder it writes is QuantizedModelWriter's (model_writer.h).
#include "core/quant/model_writer.h"
#include "core/quant/stage_seconds.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

enum class QuantMethodChoice { Awq, Rtn, Gptq };
const char* quantMethodChoiceName(QuantMethodChoice m) noexcept;  // "awq", "rtn", "gptq"

struct QuantizeSettings {
    std::filesystem::path model;
    std::filesystem::path output;
    QuantMethodChoice method = QuantMethodChoice::Awq;
    int groupSize = 128;                         // 32, 64, 128, or -1 (per output channel)
    std::vector<std::filesystem::path> calibrationFiles;  // .txt (blank-line separated) or .jsonl ("text"); empty: bundled default
    int samples = 128;                           // calibration texts
    int seqlen = 512;                            // tokens per calibration block
    int gridRatios = 20;                         // AWQ scale-search ratios (AutoAWQ: 20); quantizeDefaults() fits them to the device
    bool actOrder = false;                       // GPTQ: desc_act, columns by descending Hessian diagonal
    double dampPercent = 0.01;                   // GPTQ: damping, share of the Hessian's mean diagonal (0 < d < 1)
    bool sym = false;                            // GPTQ: symmetric grid, zero fixed at 8 (GPTQModel's and AutoGPTQ's
                                                 // default; vLLM's gptq_marlin and GPTQModel's loader of v1 files take
                                                 // only this); false: the asymmetric grid (lower error)
    std::string device = "cpu";                  // "cpu" or "cuda"
    bool resume = false;                         // continue the job found in <output>.partial
    std::uint64_t maxDeviceMemoryBytes = 0;      // cuda: cap on the job's GPU allocations (0: none)

    friend bool operator==(const QuantizeSettings&, const QuantizeSettings&) = default;
};

struct QuantizeEvent {
    enum class Kind { Started, Stage, LayerDone, Warning, Finished } kind = Kind::Stage;
    int layer = 0;           // 0-based
    int layers = 0;
    std::string stage;       // "calibration", "capture", "scale search", "clip search", "gptq", "quantize", "write"
    double layerFraction = -1;  // Stage: share of the layer's work done (0..1), -1 when not known
    double elapsedS = 0;
    double etaS = -1;        // -1 while unknown
    std::uint64_t gpuMemoryBytes = 0;
    std::uint64_t gpuPeakBytes = 0;
    double layerError = 0;   // mean squared output error of the quantized layer vs the original
    double layerSeconds = 0;
    std::string message;
};
using QuantizeEventFn = std::function<void(const QuantizeEvent&)>;

struct LayerReport {
    int layer = 0;
    double seconds = 0;
    double outputMse = 0;
    std::vector<double> scaleRatios;  // best ratio per scaling group (AWQ)
};

struct QuantizeSummary {
    std::filesystem::path output;
    int layers = 0;
    int resumedFromLayer = 0;
    double seconds = 0;
    std::uint64_t calibrationTokens = 0;
    int calibrationBlocks = 0;
    std::uint64_t peakGpuBytes = 0;
    std::uint64_t outputBytes = 0;
    std::vector<LayerReport> perLayer;
    bool cancelled = false;      // stopped on request: `output` is not written; the journal is saved, resume continues
    std::string stopNote;        // cancelled: "<work folder>: cancelled at layer 3 (run again with --resume to continue)"
    QuantizeStageSeconds stageSeconds;  // this run's layers (and its calibration and final write)
};

// Throws awq::Error naming the model/layer for bad input (unsupported architecture, K not divisible
// by the group, NaN/inf, disk full, GPU out of memory); nothing half-written is left at `output`.
// A stop returns the summary with cancelled = true and stopNote set, after the journal is saved, so
// --resume continues; the stop token is checked inside a layer too (between calibration chunks,
// scale candidates and clipping steps), so a cancel lands within one block forward, not one layer.
// `preflight`: a passed pre-flight of these settings (preflightQuantizeJob), whose model description
// and calibration blocks the job then reuses instead of reading them again.
struct QuantizePreflight;
QuantizeSummary runQuantizeJob(const QuantizeSettings& settings, const QuantizeEventFn& onEvent = {}, std::stop_token stop = {},
                               const QuantizePreflight* preflight = nullptr);

}  // namespace awq
