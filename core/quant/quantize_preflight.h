#pragma once
// Checks before a quantization job starts: will it fit the GPU and the disk, can the model be
// quantized at all. No torch here: it reads only config.json and the tensor headers.
#include "core/model/model_info.h"
#include "core/quant/calibration.h"
#include "core/quant/quantize_job.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace awq {

// What the pre-flight read that the job needs again: runQuantizeJob takes it instead of describing
// the model and tokenizing the calibration text a second time (only for the same settings).
struct QuantizeInputs {
    QuantizeSettings settings;  // what they were read for
    ModelInfo source;
    CalibrationSet calibration;
    std::vector<std::filesystem::path> calibrationFiles;  // the settings' files, or the bundled default
};

// How long a timed layer (the time estimate's probe) stays good: a check after that times the layer
// again, and the Quantize page checks again before a job starts when its probe is older. A probe
// timed under another load (the GUI's start-up library scan) was shown until the app quit.
inline constexpr double kPreflightProbeMaxAgeSeconds = 60.0;

struct QuantizePreflight {
    int layers = 0;
    // Whether the calibration text was read and cut into blocks with these settings. When it cannot be
    // used (unreadable, too short, no text field, --seqlen beyond the context: a problem says why),
    // what depends on it is unknown, not invented from --samples x --seqlen: calibrationTokens and
    // estimatedPeakDeviceBytes are 0, estimatedSeconds unset, tradedAgainstAutoAwq empty.
    bool calibrationCounted = false;
    std::uint64_t calibrationTokens = 0;        // tokens of the calibration blocks the job will cut
    std::uint64_t estimatedPeakDeviceBytes = 0; // layer-by-layer job on the chosen device
    std::uint64_t estimatedOutputBytes = 0;
    std::optional<std::uint64_t> deviceFreeBytes;  // GPU free memory (NVML), unset on CPU or without a GPU
    std::optional<std::uint64_t> diskFreeBytes;    // free space where the output goes
    // Time (core/quant/detail/job_cost.h): a layer of the job timed on the device and scaled to the
    // job's blocks and layers (up to a few seconds, once per process, shape and settings), or for a model too
    // large for that the job's FLOPs over the device's measured matmul throughput; unset when the
    // device is not there or the model could not be read.
    std::optional<double> estimatedSeconds;
    double deviceFlopsPerSecond = 0;   // measured matmul throughput the estimate used
    bool layerTimed = false;           // the estimate is a layer of the job timed on the device (else FLOPs / deviceFlopsPerSecond)
    double probeAgeSeconds = 0;        // layerTimed: how old the timing was when this check used it (0: timed by this check)
    std::string device;                // "cpu" / "cuda", as the estimate names it
    std::string tradedAgainstAutoAwq;  // quantize_defaults.h: what the settings give up, empty if nothing
    std::vector<std::string> problems;  // each blocks the job (unsupported architecture, K % group, no space...)
    std::vector<std::string> warnings;  // the job runs but the user should know (tight memory, existing output)
    // With `resume` and an interrupted job in <output>.partial: why the job would refuse to continue
    // it (other settings, named by their flags, or a calibration file whose text changed, each with
    // the fix; the job's own words: core/quant/detail/resume_check.h). Also one of `problems`. Empty
    // when the resume can go ahead or there is nothing to resume.
    std::string resumeProblem;
    // With `resume`, the layers an interrupted job in <output>.partial finished (its journal): the job
    // keeps them and starts at layer resumeFromLayer + 1 (counted from 1); estimatedSeconds covers
    // only the layers left. 0 where nothing is resumed.
    int resumeFromLayer = 0;
    std::shared_ptr<const QuantizeInputs> inputs;  // set when the model and the calibration text could be read
    bool ok() const { return problems.empty(); }
};

// Never throws for bad input: every finding becomes a problem or a warning naming the file. With
// settings.resume and an interrupted job in <output>.partial, the job's resume check runs too: a
// resume the job would refuse is a problem (resumeProblem), its warnings (a journal too old to vouch
// for the calibration text) are warnings. Without resume, an interrupted job there is a problem (the job refuses it).
// `probeMaxAgeSeconds`: a timed layer older than that is timed again (the Quantize page passes 0 to
// re-time right before a job starts when its last probe is old).
QuantizePreflight preflightQuantizeJob(const QuantizeSettings& settings, double probeMaxAgeSeconds = kPreflightProbeMaxAgeSeconds);

// Throws awq::Error naming config.json when the model cannot be quantized with this group size
// (already quantized, one the engine cannot run: requireEngineSupport, unsupported group, K not
// divisible by the group, N not a multiple of 8).
void checkQuantizable(const ModelInfo& model, int groupSize);

// The settings a job cannot run with (group size, grid, damping, sym with a method other than
// GPTQ), thrown as awq::Error naming the flag to change. The job checks them again at prepare().
void checkQuantizeSettings(const QuantizeSettings& settings);

// Why `output` cannot take the new model folder ("no output folder given", "... already exists and is
// not empty", "... is an existing file", "... is inside the source model folder"), or "" where it
// can: it must not exist yet or be an empty folder (the job writes <out>.partial and renames it into
// place), and not lie inside `model` (links resolved), which a job only reads.
std::string quantizeOutputProblem(const std::filesystem::path& output, const std::filesystem::path& model);
// Throws quantizeOutputProblem's answer as awq::Error naming `output` and the fix.
void requireQuantizeOutput(const std::filesystem::path& output, const std::filesystem::path& model);

// Why the job would refuse to start over `settings.output`'s work folder: an interrupted job with
// something written is there and settings.resume is not set ("an interrupted job is in the way",
// fixed by kInterruptedJobFix); "" otherwise. The job's own check (QuantizeJob::prepare).
std::string interruptedJobProblem(const QuantizeSettings& settings);
inline constexpr const char* kInterruptedJobFix = "resume it with --resume, or delete the folder to start over";

// The checks that cost nothing, in the order a user fixes them: the device (a missing GPU first),
// the output folder already exists, an interrupted job in its work folder (without resume),
// the group size / grid / damping / sym settings, then the model (config.json and the safetensors
// headers only: checkQuantizable). Throws the first problem as awq::Error. The CLI runs it before
// the pre-flight, which tokenizes the calibration text and times a matmul of the model's shapes.
void checkQuantizeRequest(const QuantizeSettings& settings);

// The job's peak device memory (cuda: fp16, cpu: f32 host memory) for `tokens` calibration tokens.
// GPTQ (`gptq`) holds one float32 Hessian, its inverse factor and the float32 weight being updated instead of the searches' copies.
std::uint64_t estimateQuantizePeakBytes(const ModelConfig& config, std::uint64_t tokens, int seqlen, int groupSize, bool cuda, bool gptq = false);

}  // namespace awq
