#include "core/quant/quantize_job.h"

#include "core/engine/device_check.h"
#include "core/layers/awq_cuda_linear.h"
#include "core/layers/decoder_layer.h"
#include "core/layers/rope.h"
#include "core/layers/weight_loader.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "core/quant/calibration.h"
#include "core/quant/detail/checkpoint_layout.h"
#include "core/quant/detail/job_journal.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/detail/job_settings.h"
#include "core/quant/detail/layer_quantizer.h"
#include "core/quant/detail/layer_steps.h"
#include "core/quant/detail/resume_check.h"
#include "core/quant/quantize_preflight.h"
#include "core/system/blas_kernels.h"
#include "core/util/error.h"
#include "core/util/fs_error.h"
#include "core/util/folder_lock.h"
#include "core/util/heap_tuning.h"
#include "core/util/json_read.h"
#include "core/util/log_line.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <new>
#include <optional>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace awq::engine;
using Clock = std::chrono::steady_clock;

const char* quantMethodChoiceName(QuantMethodChoice m) noexcept {
    switch (m) {
        case QuantMethodChoice::Awq: return "awq";
        case QuantMethodChoice::Rtn: return "rtn";
        case QuantMethodChoice::Gptq: return "gptq";
    }
    return "?";
}

namespace {

constexpr int kChunkBlocks = quant::kForwardChunkBlocks;

// Torch and allocation failures as a user-facing error naming the layer (the journal keeps every
// finished layer, so the job resumes there once the cause is fixed).
Error jobError(const std::exception& e, const std::string& where, bool cuda, const fs::path& work) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    const bool oom = dynamic_cast<const std::bad_alloc*>(&e) || what.find("out of memory") != std::string::npos ||
                     what.find("can't allocate memory") != std::string::npos;
    if (oom)
        return Error(std::string("out of ") + (cuda ? "GPU " : "") + "memory" + where, work,
                     "use fewer calibration samples (--samples) or a shorter --seqlen" + std::string(cuda ? ", or free GPU memory" : "") +
                         "; --resume continues from the first unfinished layer");
    return Error("quantization failed" + where + ": " + what, work, "--resume continues from the first unfinished layer once the cause is fixed");
}

// The summary of a job that wrote everything and was stopped before its final rename, or nullopt
// when the work folder is not that. The record is written after the last model file and the index,
// atomically: its presence means the model is complete. The record must be of this job (same
// settings, calibration text unchanged: checked before, by quant::checkResumeOfWorkFolder) and its
// index must open with every shard it names.
std::optional<QuantizeSummary> finishedJob(const QuantizedModelWriter& writer, int layers) {
    const fs::path recordFile = writer.recordFile();
    std::error_code ec;
    if (!fs::is_regular_file(recordFile, ec)) return std::nullopt;
    const json record = readJsonFile({recordFile, "delete the .partial folder and start over"});
    if (!record.is_object() || !record.contains("finished") || !record.contains("settings") || !record.contains("layers") ||
        !record["layers"].is_array() || int(record["layers"].size()) != layers)
        throw Error("the record of the finished job is incomplete", recordFile, "delete the .partial folder and start over");
    writer.checkWorkFolderComplete();
    fs::remove(writer.journalFile(), ec);  // killed between writing the record and removing the journal

    QuantizeSummary summary;
    summary.layers = layers;
    summary.resumedFromLayer = layers;
    if (const auto it = record.find("calibration"); it != record.end() && it->is_object()) {
        summary.calibrationTokens = it->value("tokens", std::uint64_t(0));
        const auto seqlen = record["settings"].value("seqlen", std::uint64_t(0));
        summary.calibrationBlocks = seqlen > 0 ? int(summary.calibrationTokens / seqlen) : 0;
    }
    for (const auto& l : record["layers"])
        summary.perLayer.push_back({l.value("layer", 0), l.value("seconds", 0.0), l.value("output_mse", 0.0),
                                    l.value("scale_ratios", std::vector<double>{})});
    return summary;
}

// A cap on the job's GPU allocations (a GPU shared with a server); lifted when the job ends.
struct MemoryCap {
    bool set;
    explicit MemoryCap(std::uint64_t bytes) : set(bytes > 0) {
        if (set) cudaLimitMemory(0, bytes);
    }
    ~MemoryCap() {
        if (set) cudaLimitMemory(0, 0);
    }
    MemoryCap(const MemoryCap&) = delete;
    MemoryCap& operator=(const MemoryCap&) = delete;
};

// The job in its three steps: prepare (settings, model, work folder, calibration activations),
// one step per decoder layer, finish (the rest of the model folder, then the rename). The
// algorithm lives in detail/layer_quantizer.h, the checkpoint layout in detail/checkpoint_layout.h,
// the folder in QuantizedModelWriter.
class QuantizeJob {
public:
    QuantizeJob(const QuantizeSettings& settings, const QuantizeEventFn& onEvent, std::stop_token stop, const QuantizePreflight* preflight)
        : s_(settings), onEvent_(onEvent), stop_(std::move(stop)), writer_(settings.output), journal_(writer_.journalFile()) {
        // A passed pre-flight of these very settings read the model and the calibration text already.
        if (preflight && preflight->ok() && preflight->inputs && preflight->inputs->settings == settings) inputs_ = preflight->inputs;
    }

    // Returns the summary when the work folder held a job that had finished (then moved into place).
    std::optional<QuantizeSummary> prepare();
    QuantizeSummary run();  // the layers and finish(), failures as errors naming where

private:
    double elapsed() const { return std::chrono::duration<double>(Clock::now() - started_).count(); }
    void emit(QuantizeEvent e) const;
    QuantizeEvent withMemory(QuantizeEvent e) const;
    std::uint64_t gpuPeak() const { return device_.is_cuda() ? cudaPeakAllocatedBytes(0) : 0; }
    [[noreturn]] static void cancelled() { throw quant::Cancelled{}; }  // run() turns it into the summary
    const ModelConfig& config() const { return source().config; }
    const ModelInfo& source() const { return inputs_ ? inputs_->source : *ownSource_; }
    int layers() const { return config().numLayers; }

    void resolveCalibrationFiles();  // the settings' files, or the bundled default
    void prepareCalibration();
    void lockWorkFolder();
    void prepareActivations();
    void layer(int l);
    void finish();

    const QuantizeSettings& s_;
    const QuantizeEventFn& onEvent_;
    std::stop_token stop_;
    Clock::time_point started_ = Clock::now();
    std::shared_ptr<const QuantizeInputs> inputs_;  // from the pre-flight, or read here
    std::optional<ModelInfo> ownSource_;
    const CalibrationSet* calib_ = nullptr;
    std::optional<CalibrationSet> ownCalib_;
    std::vector<fs::path> calibFiles_;

    QuantizedModelWriter writer_;
    std::optional<FolderLock> workLock_;  // held from prepare() on: one job a work folder
    quant::JobJournal journal_;
    json jobSettings_;
    std::vector<std::string> resumeWarnings_;  // e.g. an old journal cannot vouch for the calibration text
    int resumeFrom_ = 0;

    at::Device device_{at::kCPU};
    at::ScalarType compute_ = at::kFloat;
    std::optional<TensorStore> store_;
    std::optional<MemoryCap> cap_;
    at::Tensor x_, cos_, sin_;  // x_: the calibration activations entering the next layer [n, S, hidden]
    QuantizeSummary summary_;
    std::string where_ = " while preparing the calibration activations";  // for errors
};

void QuantizeJob::emit(QuantizeEvent e) const {
    e.elapsedS = elapsed();
    if (onEvent_) onEvent_(e);
}

QuantizeEvent QuantizeJob::withMemory(QuantizeEvent e) const {
    e.gpuMemoryBytes = device_.is_cuda() ? cudaAllocatedBytes(0) : 0;
    e.gpuPeakBytes = gpuPeak();
    return e;
}

void QuantizeJob::lockWorkFolder() {
    workLock_ = FolderLock::tryLock(writer_.workFolder(), std::chrono::milliseconds(500));  // a library scan's probe holds it for an instant
    if (!workLock_)
        throw Error("another quantize job is writing this folder now", writer_.workFolder(),
                    "wait for it to finish, or stop it (--resume continues it later); two jobs would overwrite each other's layers");
}

std::optional<QuantizeSummary> QuantizeJob::prepare() {
    // The device before anything else (the settings' defaults follow from it), and before <out>.partial exists.
    requireDeviceAvailable(parseDeviceKind(s_.device));
    if (!inputs_) ownSource_ = describeModel(s_.model);
    const auto& config = this->config();
    checkQuantizable(source(), s_.groupSize);
    checkQuantizeSettings(s_);
    checkRopeCovers(config, s_.seqlen, s_.model / "config.json");  // before <out>.partial exists
    requireQuantizeOutput(s_.output, s_.model);

    const fs::path& work = writer_.workFolder();
    requireWritableFolder(work.parent_path());  // read-only, not permitted, a file in the way: before any work
    resolveCalibrationFiles();
    jobSettings_ = quant::jobSettingsJson(s_, source(), quant::calibrationInputs(calibFiles_));
    if (writer_.hasWorkFolder()) {
        lockWorkFolder();  // before anything reads or removes what is in it
        if (writer_.workFolderHoldsNothingToResume()) {
            writer_.discardWorkFolder();  // died before its first layer: a fresh start
            log::info("quantize: " + work.string() + " held no finished layer (a job stopped before its first): started afresh");
            workLock_.reset();
        }
    }
    if (writer_.hasWorkFolder()) {
        if (!s_.resume) throw Error("an interrupted job is in the way", work, kInterruptedJobFix);
        writer_.clearDeadWriterTemps();
        // The same check (and words) as the pre-flight's: other settings or changed calibration text refuse the resume.
        resumeWarnings_ = quant::checkResumeOfWorkFolder(writer_, jobSettings_);
        if (auto done = finishedJob(writer_, config.numLayers)) {
            for (const auto& w : resumeWarnings_) log::warn("quantize: " + w);
            writer_.moveIntoPlace();
            done->output = s_.output;
            done->outputBytes = writer_.outputBytes();
            emit({.kind = QuantizeEvent::Kind::Finished, .layer = config.numLayers, .layers = config.numLayers, .stage = "done"});
            return done;
        }
        journal_.load();
        // A journal of an older version named its calibration files but kept no hash of their text:
        // from here on it records the text this run uses, so that a later --resume can check it.
        journal_.adoptCalibrationInputs(jobSettings_);
    } else {
        if (s_.resume)  // said, not silent: the user expected finished layers to be kept
            emit({.kind = QuantizeEvent::Kind::Warning, .layers = config.numLayers,
                  .message = "--resume: no finished layer to resume in " + work.string() + ": the job starts from the first layer"});
        writer_.createWorkFolder();
        lockWorkFolder();
        journal_.start(jobSettings_);
    }
    resumeFrom_ = journal_.layersDone();

    if (s_.device == "cuda") device_ = at::Device(at::kCUDA, 0);
    compute_ = device_.is_cuda() ? at::kHalf : at::kFloat;

    emit({.kind = QuantizeEvent::Kind::Started, .layers = config.numLayers, .stage = "calibration"});
    prepareCalibration();
    store_ = TensorStore::openFolder(s_.model);
    if (device_.is_cuda()) cudaResetPeak(0);
    cap_.emplace(device_.is_cuda() ? s_.maxDeviceMemoryBytes : 0);

    summary_.output = s_.output;
    summary_.layers = config.numLayers;
    summary_.resumedFromLayer = resumeFrom_;
    summary_.calibrationBlocks = int(calib_->blocks.size());
    summary_.calibrationTokens = std::uint64_t(calib_->blocks.size()) * std::uint64_t(s_.seqlen);
    summary_.perLayer = journal_.layerReports();
    return std::nullopt;
}

void QuantizeJob::resolveCalibrationFiles() {
    if (inputs_) {
        calibFiles_ = inputs_->calibrationFiles;
        return;
    }
    calibFiles_ = s_.calibrationFiles;
    if (calibFiles_.empty()) {
        const auto def = defaultCalibrationFile();
        if (def.empty()) throw Error("no calibration text given and the bundled default is missing", {}, "pass --calib FILE");
        calibFiles_.push_back(def);
    }
}

void QuantizeJob::prepareCalibration() {
    if (inputs_) {
        calib_ = &inputs_->calibration;
    } else {
        const auto tokenizer = Tokenizer::load(s_.model);
        ownCalib_ = buildCalibrationSet(tokenizer, loadCalibrationTexts(calibFiles_, s_.samples), s_.samples, s_.seqlen);
        calib_ = &*ownCalib_;
    }
    auto warnings = resumeWarnings_;
    warnings.insert(warnings.end(), calib_->warnings.begin(), calib_->warnings.end());
    for (const auto& w : warnings) {
        log::warn("quantize: " + w);
        emit({.kind = QuantizeEvent::Kind::Warning, .layers = layers(), .message = w});
    }
}

// The calibration blocks through the embedding: the input of layer 0.
void QuantizeJob::prepareActivations() {
    const int64_t n = int64_t(calib_->blocks.size()), S = s_.seqlen;
    auto ids = at::empty({n, S}, at::kLong);
    for (int64_t b = 0; b < n; ++b)
        for (int64_t t = 0; t < S; ++t) ids[b][t] = calib_->blocks[b][t];
    const TensorInfo* embedInfo = embeddingTensors(WeightLoader(*store_, compute_, at::Device(at::kCPU)), config()).embedding;
    // The embedding lookup runs on the host: the table (1.2 GB for an 8B model) never visits the GPU.
    x_ = at::embedding(loadTensor(*store_, *embedInfo, compute_, at::Device(at::kCPU)), ids).to(device_);
    const auto rope = buildRope(config(), int(S), device_);
    cos_ = rope.cos.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    sin_ = rope.sin.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
}

void QuantizeJob::layer(int l) {
    const auto& config = this->config();
    const int64_t S = s_.seqlen;
    where_ = " at layer " + std::to_string(l + 1) + " of " + std::to_string(layers());  // 1-based, as the progress line
    // Plain causal attention unless the layer's window is shorter than the block.
    const auto mask = quant::calibrationMask(config, l, S, device_);
    const auto layerStart = Clock::now();
    StageClock clock;
    auto& times = summary_.stageSeconds;
    const LoadContext ctx{*store_, compute_, device_, s_.groupSize};
    auto layer = loadDecoderLayer(ctx, config, l);
    const bool gptq = s_.method == QuantMethodChoice::Gptq;
    if (l < resumeFrom_) {  // done in an earlier run: only carry the activations forward
        if (gptq) quant::loadWrittenGptqLayer(layer, l, SafetensorsFile(writer_.layerFile(l)), device_);
        x_ = quant::forwardLayer(layer, config, x_, cos_, sin_, mask, {});
        writer_.adoptWrittenLayer(l);
        clock.lap(times.capture);  // a forward, as the capture
        return;
    }
    if (stop_.stop_requested()) cancelled();

    for (auto* lin : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down})
        quant::checkFinite(quant::dense(*lin).weight(), "the weights", l);
    clock.lap(times.capture);  // loading the layer counts as its capture, as before the steps were shared
    const quant::LayerStepContext steps{.config = config, .settings = s_, .layer = l, .x = x_, .cos = cos_, .sin = sin_, .mask = mask,
                                        .stop = stop_,
                                        .progress = [&](double fraction, const char* stage) {
                                            emit(withMemory({.layer = l, .layers = layers(), .stage = stage, .layerFraction = fraction}));
                                        },
                                        .seconds = &times};
    auto quantized = quant::runLayerSteps(layer, steps);
    clock.restart();   // runLayerSteps timed its steps
    LayerReport report;
    report.layer = l;
    report.scaleRatios = std::move(quantized.scaleRatios);
    report.outputMse = quantized.outputMse;

    emit({.layer = l, .layers = layers(), .stage = "write"});
    writer_.writeLayer(l, quantized.tensors);
    report.seconds = std::chrono::duration<double>(Clock::now() - layerStart).count();
    journal_.layerDone(report);
    clock.lap(times.write);
    summary_.perLayer.push_back(report);
    x_ = std::move(quantized.nextInput);   // AWQ / RTN: the original layer's output; GPTQ: the quantized layer's

    const int doneThisRun = l + 1 - resumeFrom_;
    QuantizeEvent done{.kind = QuantizeEvent::Kind::LayerDone, .layer = l, .layers = layers(), .stage = "layer done"};
    done.layerError = report.outputMse;
    done.layerSeconds = report.seconds;
    done.etaS = elapsed() / doneThisRun * (layers() - l - 1);
    emit(withMemory(done));
    char line[160];
    std::snprintf(line, sizeof line, "quantize: layer %d/%d done in %.2f s, output MSE %.3g", l + 1, layers(), report.seconds, report.outputMse);
    log::info(line);
}

// The model's other files: embeddings, final norm and head in fp16 under the names AutoAWQ writes
// them, the index of every shard, config.json, the side files.
void QuantizeJob::finish() {
    where_ = " while writing the model";
    std::vector<ShardTensor> rest;
    for (const auto& [name, from] : quant::embeddingAndHeadTensors(*store_, config()))
        rest.push_back(quant::toShardTensor(name, loadTensor(*store_, *from, at::kHalf, at::Device(at::kCPU)), DType::F16));
    writer_.writeNonLayerTensors(rest);
    writer_.writeIndex();
    writer_.writeConfig(source(), s_);
    writer_.copySideFiles(s_.model);
}

QuantizeSummary QuantizeJob::run() {
    try {
        StageClock clock;
        prepareActivations();
        clock.lap(summary_.stageSeconds.calibration);
        for (int l = 0; l < layers(); ++l) layer(l);
        clock.restart();
        finish();
        clock.lap(summary_.stageSeconds.write);
    } catch (const quant::Cancelled&) {
        // Inside a layer: nothing of it was journaled, so --resume redoes it.
        summary_.cancelled = true;
        summary_.stopNote = Error("cancelled" + where_, writer_.workFolder(), "run again with --resume to continue").what();
        summary_.seconds = elapsed();
        summary_.peakGpuBytes = gpuPeak();
        return summary_;
    } catch (const Error& e) {
        // Once the journal is on disk (a full disk, a file the job could not write), the finished
        // layers wait in the work folder: say that --resume takes them up, as Ctrl+C's note does.
        std::error_code ec;
        if (!fs::is_regular_file(writer_.journalFile(), ec) || e.fix().find("--resume") != std::string::npos) throw;
        throw Error(e.problem(), e.file(),
                    (e.fix().empty() ? "" : e.fix() + "; ") + "--resume continues from the first unfinished layer (" + writer_.workFolder().string() + ")");
    } catch (const std::exception& e) {
        throw jobError(e, where_, device_.is_cuda(), writer_.workFolder());
    }
    journal_.finish(elapsed());
    // The record last: its presence says the folder is complete (finishedJob).
    journal_.writeRecord(writer_.recordFile(), source(), calib_->textsUsed, summary_.calibrationTokens, calibFiles_, s_.calibrationFiles.empty());
    fs::remove(writer_.journalFile());

    writer_.moveIntoPlace();
    summary_.seconds = elapsed();
    summary_.peakGpuBytes = gpuPeak();
    summary_.outputBytes = writer_.outputBytes();
    emit({.kind = QuantizeEvent::Kind::Finished, .layer = layers(), .layers = layers(), .stage = "done"});
    return summary_;
}

}  // namespace

QuantizeSummary runQuantizeJob(const QuantizeSettings& settings, const QuantizeEventFn& onEvent, std::stop_token stop, const QuantizePreflight* preflight) {
    retainLargeAllocations();  // the searches reuse chunk-sized blocks instead of faulting them in again
    selectBlasKernels();       // the CPU's own matmul kernels where OpenBLAS fell back to generic ones
    QuantizeJob job(settings, onEvent, std::move(stop), preflight);
    c10::InferenceMode guard;
    if (auto done = job.prepare()) return *done;
    return job.run();
}

}  // namespace awq
