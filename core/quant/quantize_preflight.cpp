#include "core/quant/quantize_preflight.h"

#include "core/engine/device_check.h"
#include "core/model/model_info.h"
#include "core/quant/calibration.h"
#include "core/quant/detail/job_cost.h"
#include "core/quant/detail/job_journal.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/detail/job_settings.h"
#include "core/quant/detail/resume_check.h"
#include "core/quant/model_writer.h"
#include "core/quant/quantize_defaults.h"
#include "core/system/blas_kernels.h"
#include "core/system/gpu_probe.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/folder_lock.h"
#include "core/util/format.h"
#include "core/util/heap_tuning.h"
#include "core/util/fs_error.h"

#include <algorithm>
#include <system_error>

namespace awq {
namespace fs = std::filesystem;

namespace {
void checkGroupSize(int groupSize) {
    if (groupSize != -1 && groupSize != 32 && groupSize != 64 && groupSize != 128)
        throw Error("group size " + std::to_string(groupSize) + " is not supported", {}, "use 32, 64, 128 or -1 (per channel)");
}
}  // namespace

void checkQuantizable(const ModelInfo& m, int groupSize) {
    const auto& c = m.config;
    if (c.quantization.method != QuantMethod::None)
        throw Error("the model is already quantized (" + c.quantization.rawMethod + ")", m.folder / "config.json",
                    "quantize the FP16/BF16 original instead");
    requireEngineSupport(m);  // the calibration runs the model's layers: an activation other than SiLU would be wrong
    checkGroupSize(groupSize);
    const std::vector<std::pair<std::string, int>> inputs{{"hidden_size", c.hiddenSize},
                                                          {"num_attention_heads x head_dim", c.numHeads * c.headDim},
                                                          {"intermediate_size", c.intermediateSize}};
    for (const auto& [what, k] : inputs)
        if (groupSize > 0 && k % groupSize != 0)
            throw Error(what + " = " + std::to_string(k) + " is not divisible by the group size " + std::to_string(groupSize),
                        m.folder / "config.json", "choose a group size that divides it (e.g. 64 or 32)");
    for (int n : {c.hiddenSize, c.numHeads * c.headDim, c.numKvHeads * c.headDim, c.intermediateSize})
        if (n % 8 != 0)
            throw Error("an output dimension (" + std::to_string(n) + ") is not a multiple of 8", m.folder / "config.json",
                        "the AWQ GEMM layout needs N % 8 == 0");
}

void checkQuantizeSettings(const QuantizeSettings& s) {
    checkGroupSize(s.groupSize);
    if (s.gridRatios < 1 || s.gridRatios > 100)
        throw Error("the scale grid needs 1 to 100 ratios, not " + std::to_string(s.gridRatios), {}, "AutoAWQ uses 20 (--grid 20)");
    if (s.sym && s.method != QuantMethodChoice::Gptq)
        throw Error("a symmetric grid (sym) is a GPTQ setting; AWQ and RTN quantize with a zero point", {}, "drop --sym or use --method gptq");
    // A GPU memory cap on a CPU job would be dropped without a word (the job caps only CUDA allocations).
    if (s.maxDeviceMemoryBytes > 0 && s.device != "cuda")
        throw Error("--max-gpu-memory caps a CUDA job's GPU memory; this job runs on " + s.device, {},
                    "drop --max-gpu-memory, or use --device cuda");
    if (s.method == QuantMethodChoice::Gptq && !(s.dampPercent > 0 && s.dampPercent < 1))
        throw Error("the GPTQ damping must lie between 0 and 1, not " + std::to_string(s.dampPercent), {}, "GPTQ's default is 0.01 (--damp 0.01)");
}

std::string quantizeOutputProblem(const fs::path& output, const fs::path& model) {
    std::error_code ec;
    if (output.empty()) return "no output folder given";
    if (!model.empty()) {
        const auto out = fs::weakly_canonical(fs::absolute(output), ec), source = fs::weakly_canonical(fs::absolute(model), ec);
        const auto [end, _] = std::mismatch(source.begin(), source.end(), out.begin(), out.end());
        if (!source.empty() && end == source.end()) return "the output folder is inside the source model folder " + source.string() + ", which a job only reads";
    }
    // An empty folder (made for the job beforehand) is taken: the finished model is renamed onto it,
    // which POSIX rename does for an empty directory. Not "." or "..": they cannot be renamed onto.
    fs::path normal = output.lexically_normal();
    if (normal.filename().empty()) normal = normal.parent_path();  // "out/"
    const auto name = normal.filename();
    if (fs::is_directory(output, ec)) {
        if (name.empty() || name == "." || name == "..") return "the output folder already exists";
        return fs::is_empty(output, ec) && !ec ? std::string() : "the output folder already exists and is not empty";
    }
    if (fs::exists(output, ec)) return "the output path is an existing file, not a new folder";
    return {};
}

void requireQuantizeOutput(const fs::path& output, const fs::path& model) {
    if (const auto problem = quantizeOutputProblem(output, model); !problem.empty())
        throw Error(problem, output,
                    output.empty()                                    ? "name a new folder for the quantized model (--out)"
                    : problem.find("inside the source") != std::string::npos ? "choose an --out outside the model folder"
                                                                      : "choose another --out or delete it");
}

std::string interruptedJobProblem(const QuantizeSettings& s) {
    if (s.resume) return {};
    const QuantizedModelWriter writer(s.output);
    std::error_code ec;
    // A work folder without a finished layer is discarded by the job (it died before its first layer).
    if (!fs::is_directory(writer.workFolder(), ec) || writer.workFolderHoldsNothingToResume()) return {};
    return "an interrupted job is in the way";
}

void checkQuantizeRequest(const QuantizeSettings& s) {
    if (s.device == "cuda") requireDeviceAvailable(DeviceKind::Cuda);
    requireQuantizeOutput(s.output, s.model);
    if (const auto problem = interruptedJobProblem(s); !problem.empty())
        throw Error(problem, quantizeWorkFolderFor(s.output), kInterruptedJobFix);
    checkQuantizeSettings(s);
    checkQuantizable(describeModel(s.model), s.groupSize);
}

namespace {

struct LayerShapes {
    std::uint64_t attention, mlp, gateUp;  // weight elements
};

LayerShapes layerShapes(const ModelConfig& c) {
    const std::uint64_t h = c.hiddenSize, qo = std::uint64_t(c.numHeads) * c.headDim, kv = std::uint64_t(c.numKvHeads) * c.headDim;
    return {2 * h * qo + 2 * h * kv, 3 * h * c.intermediateSize, 2 * h * c.intermediateSize};
}

std::uint64_t outputBytes(const ModelConfig& c, int groupSize) {
    const auto shapes = layerShapes(c);
    const std::uint64_t weights = shapes.attention + shapes.mlp;
    const std::uint64_t G = groupSize > 0 ? std::uint64_t(groupSize) : std::uint64_t(c.hiddenSize);
    // 4-bit weights, fp16 scales and 4-bit zeros per group, fp16 norms.
    const std::uint64_t perLayer = weights / 2 + weights / G * 2 + weights / G / 2 + 4 * std::uint64_t(c.hiddenSize);
    const std::uint64_t embeddings = std::uint64_t(c.vocabSize) * c.hiddenSize * 2 * (c.tieWordEmbeddings ? 1 : 2);
    return perLayer * c.numLayers + embeddings + std::uint64_t(c.hiddenSize) * 2;
}

// What the job's --resume would say of the interrupted job in <output>.partial (the same check,
// quant::checkResumeOfWorkFolder): a refusal is a problem, its warnings are warnings.
void checkResume(QuantizePreflight& r, const QuantizeSettings& s, const ModelInfo& model, const std::vector<fs::path>& calibrationFiles) {
    try {
        const auto now = quant::jobSettingsJson(s, model, quant::calibrationInputs(calibrationFiles));
        const QuantizedModelWriter writer(s.output);
        for (auto& w : quant::checkResumeOfWorkFolder(writer, now)) r.warnings.push_back(std::move(w));
        if (std::error_code ec; fs::is_regular_file(writer.journalFile(), ec)) {
            quant::JobJournal journal(writer.journalFile());
            journal.load();
            r.resumeFromLayer = journal.layersDone();
        }
    } catch (const Error& e) {
        // An unreadable calibration file is a problem already (the calibration set above names it).
        if (std::find(r.problems.begin(), r.problems.end(), e.what()) != r.problems.end()) return;
        r.resumeProblem = e.what();
        r.problems.push_back(r.resumeProblem);
    }
}

}  // namespace

std::uint64_t estimateQuantizePeakBytes(const ModelConfig& c, std::uint64_t tokens, int seqlen, int groupSize, bool cuda, bool gptq) {
    const std::uint64_t e = cuda ? 2 : 4;
    const auto shapes = layerShapes(c);
    const std::uint64_t layerWeights = (shapes.attention + shapes.mlp) * e;
    // The layer, the searches' copies of its original weights, and the candidates' temporaries of
    // the largest scaling group (gate + up: scaled, grouped, quantized, unscaled).
    const std::uint64_t weights = 2 * layerWeights + 4 * shapes.gateUp * e;
    // Layer input and output of every calibration token.
    const std::uint64_t activations = 2 * tokens * std::uint64_t(c.hiddenSize) * e;
    // One scale-search chunk of captured inputs plus its reference outputs.
    const std::uint64_t chunkTokens =
        std::min<std::uint64_t>(tokens, std::uint64_t(quant::searchChunkBlocks(c, seqlen, int(e))) * std::uint64_t(seqlen));
    const std::uint64_t chunk = chunkTokens * (std::uint64_t(quant::captureBytesPerToken(c, int(e))) + std::uint64_t(c.hiddenSize) * e);
    // One forward chunk's temporaries: attention scores (float32 softmax) and the MLP's intermediates.
    const std::uint64_t forwardTokens = std::min<std::uint64_t>(tokens, std::uint64_t(quant::kForwardChunkBlocks) * seqlen);
    const std::uint64_t scores = std::uint64_t(quant::kForwardChunkBlocks) * c.numHeads * std::uint64_t(seqlen) * seqlen * 4 * 2;
    const std::uint64_t mlp = forwardTokens * std::uint64_t(c.intermediateSize) * e * 3;
    // The clipping search's Gram matrices of the four inputs (float32, [K/G, G, G] each).
    const std::uint64_t inputsK = 2 * std::uint64_t(c.hiddenSize) + std::uint64_t(c.numHeads) * c.headDim + c.intermediateSize;
    const std::uint64_t G = groupSize > 0 ? std::uint64_t(groupSize) : std::uint64_t(c.intermediateSize);
    const std::uint64_t clip = inputsK * G * 4;
    if (gptq) {
        // No search copies or Gram matrices; the largest input (down_proj's, K = intermediate) has
        // H, its damped copy and inverse factor, plus the float32 weight, its update and its quantized copy.
        const std::uint64_t I = std::uint64_t(c.intermediateSize);
        // Activations: the layer's input, its original output and its quantized output.
        return layerWeights + activations * 3 / 2 + scores + mlp + 3 * I * I * 4 + 3 * I * std::uint64_t(c.hiddenSize) * 4 +
               std::min<std::uint64_t>(tokens, std::uint64_t(quant::kForwardChunkBlocks) * seqlen) * quant::captureBytesPerToken(c, int(e));
    }
    // The scale searches of o (without GQA) and down on their inputs' float32 Gram matrix, where
    // they are (job_cost.h, judged for AutoAWQ's 20 ratios): K x K, plus the candidate's change and its product with it.
    const std::uint64_t h = c.hiddenSize, qo = std::uint64_t(c.numHeads) * c.headDim, I = c.intermediateSize;
    auto gram = [&](std::uint64_t K, std::uint64_t N) -> std::uint64_t {
        return quant::linearGramPays(tokens, std::int64_t(K), std::int64_t(N), 20, cuda) ? (K * K + 2 * N * K) * 4 : 0;
    };
    const std::uint64_t grams = (c.numKvHeads == c.numHeads ? gram(qo, h) : 0) + gram(I, h);
    return weights + activations + chunk + scores + mlp + clip + grams;
}

QuantizePreflight preflightQuantizeJob(const QuantizeSettings& s, double probeMaxAgeSeconds) {
    // The job's matmul kernels and allocator (runQuantizeJob sets both): the timed layer must run as
    // the job's do. Without the retained allocations the probe paid the page faults the job does not.
    selectBlasKernels();
    retainLargeAllocations();
    QuantizePreflight r;
    const bool cuda = s.device == "cuda";
    // The device first: a missing GPU is the cause of everything cuda's defaults then get wrong.
    const std::string deviceMissing = cuda ? deviceUnavailableReason(DeviceKind::Cuda) : std::string();
    if (!deviceMissing.empty()) r.problems.push_back("--device cuda is not available: " + deviceMissing + ": use --device cpu");
    ModelInfo model;
    bool seqlenFits = true;  // blocks of --seqlen tokens fit the model's context (else the calibration cannot be cut)
    try {
        model = describeModel(s.model);
        checkQuantizable(model, s.groupSize);
        seqlenFits = false;  // until both checks below pass
        checkRopeCovers(model.config, s.seqlen, s.model / "config.json");
        // Calibration blocks longer than the context run the model on positions it never saw (the
        // scales would be searched on them). The context as vLLM derives it: yarn and linear rope
        // scaling extend max_position_embeddings; dynamic NTK past it is refused just above.
        const int context = vllmDerivedMaxModelLen(model.config);
        if (context > 0 && s.seqlen > context)
            throw Error("--seqlen " + std::to_string(s.seqlen) + " is longer than the model's context of " + std::to_string(context) +
                            " tokens (max_position_embeddings" + (context != model.config.maxPositions ? " with its rope scaling)" : ")"),
                        s.model / "config.json", "use a --seqlen of at most " + std::to_string(context));
        seqlenFits = true;
    } catch (const Error& e) {
        r.problems.push_back(e.what());
        if (model.config.numLayers == 0) return r;
    }
    r.layers = model.config.numLayers;
    r.estimatedOutputBytes = outputBytes(model.config, s.groupSize);

    // The calibration set exactly as the job will cut it (tokenizing 128 texts takes milliseconds).
    auto files = s.calibrationFiles;
    if (files.empty() && !defaultCalibrationFile().empty()) files.push_back(defaultCalibrationFile());
    if (s.samples < 1 || s.seqlen < 16) {
        r.problems.push_back("calibration needs at least 1 sample of at least 16 tokens");
    } else if (files.empty()) {
        r.problems.push_back("the bundled calibration text is missing from this installation; choose a text or JSONL file");
    } else if (model.hasTokenizer) {
        try {
            auto set = buildCalibrationSet(Tokenizer::load(s.model), loadCalibrationTexts(files, s.samples), s.samples, s.seqlen);
            r.calibrationTokens = std::uint64_t(set.blocks.size()) * std::uint64_t(s.seqlen);
            r.calibrationCounted = seqlenFits;
            for (const auto& w : set.warnings) r.warnings.push_back(w);
            if (r.problems.empty()) r.inputs = std::make_shared<const QuantizeInputs>(QuantizeInputs{s, model, std::move(set), files});
        } catch (const Error& e) {
            r.problems.push_back(e.what());
        }
    } else {
        // Said by the job when it loads the tokenizer; here the figures that hang on it are unknown.
        r.problems.push_back("the model has no tokenizer.json: the calibration text cannot be tokenized (" + (s.model / "tokenizer.json").string() +
                             ": copy the tokenizer files of the model's original into the folder)");
    }

    // Unknown without usable calibration: the old guess of --samples x --seqlen printed "8192 tokens",
    // a trade line and a time for a text of 2 tokens, beside the problem that it has 2.
    if (!r.calibrationCounted) r.calibrationTokens = 0;
    if (r.calibrationCounted)
        r.estimatedPeakDeviceBytes = estimateQuantizePeakBytes(model.config, r.calibrationTokens, std::max(1, s.seqlen), s.groupSize, cuda,
                                                             s.method == QuantMethodChoice::Gptq);
    if (s.gridRatios < 1 || s.gridRatios > 100)
        r.problems.push_back("the scale grid needs 1 to 100 ratios (AutoAWQ: 20), not " + std::to_string(s.gridRatios));

    r.device = cuda ? "cuda" : "cpu";
    if (r.calibrationCounted) r.tradedAgainstAutoAwq = tradeAgainstAutoAwq(s, r.calibrationTokens);
    if (r.calibrationCounted && model.config.hiddenSize > 0 && model.config.intermediateSize > 0) {
        try {
            r.deviceFlopsPerSecond = quant::measuredFlopsPerSecond(model.config, cuda);
        } catch (const std::exception&) {
            r.deviceFlopsPerSecond = 0;  // no estimate rather than no pre-flight
        }
        // A layer timed with the job's settings where that fits in the pre-flight; else the FLOP count.
        std::optional<quant::LayerSeconds> layer;
        if (r.problems.empty()) {
            try {
                layer = quant::measuredLayerSeconds(model.config, s, r.deviceFlopsPerSecond, 3.0, probeMaxAgeSeconds);
            } catch (const std::exception&) {
                layer.reset();  // out of memory for the probe: the FLOP count below
            }
        }
        const auto work = quant::quantizeJobWork(model.config, r.calibrationTokens, std::max(1, s.seqlen), s.groupSize, s.gridRatios,
                                                 s.method == QuantMethodChoice::Awq, s.method == QuantMethodChoice::Gptq, cuda);
        const double seconds = layer ? quant::estimateJobSeconds(*layer, model.config.numLayers, std::int64_t(r.calibrationTokens / std::max(1, s.seqlen)))
                                     : quant::estimateJobSeconds(work, r.deviceFlopsPerSecond);
        if (seconds >= 0) r.estimatedSeconds = seconds;
        r.layerTimed = layer.has_value();
        if (layer) r.probeAgeSeconds = layer->ageSeconds;
    }

    std::error_code ec;
    if (const auto problem = quantizeOutputProblem(s.output, s.model); !problem.empty())
        r.problems.push_back(s.output.empty() ? problem : problem + ": " + s.output.string());
    if (const fs::path partial = quantizeWorkFolderFor(s.output); fs::is_directory(partial, ec)) {
        // Not readable: requireWritableFolder below says why.
        if (FolderLock::heldByAnother(partial))
            r.problems.push_back("another quantize job is writing " + partial.string() + " now: wait for it to finish, or stop it");
        else if (!s.resume) {
            // The job refuses what an interrupted job wrote, and starts over in a folder it left empty.
            if (const auto problem = interruptedJobProblem(s); !problem.empty())
                r.problems.push_back(partial.string() + ": " + problem + " (" + kInterruptedJobFix + ")");
            else
                r.warnings.push_back("an interrupted job that wrote nothing was found in " + partial.string() + ": the job starts over there");
        }
        else if (!model.fingerprint.empty())
            checkResume(r, s, model, files);
    }
    // A resume runs the layers left, not the whole job (a resumed job was announced at its full length).
    if (r.estimatedSeconds && r.layers > 0 && r.resumeFromLayer > 0)
        *r.estimatedSeconds *= double(std::max(0, r.layers - r.resumeFromLayer)) / double(r.layers);

    bool writable = true;
    try {
        requireWritableFolder(quantizeWorkFolderFor(s.output).parent_path());
    } catch (const Error& e) {
        r.problems.push_back(e.what());
        writable = false;
    }
    // Free space only where files can be written (a virtual file system reports 0 bytes free).
    const auto space = fs::space(nearestExistingFolder(s.output), ec);
    if (!ec && writable) {
        r.diskFreeBytes = space.available;
        if (space.available < r.estimatedOutputBytes + r.estimatedOutputBytes / 10)
            r.problems.push_back("not enough disk space for the output: " + format::bytes(r.estimatedOutputBytes) + " estimated, " +
                                 format::bytes(r.estimatedOutputBytes + r.estimatedOutputBytes / 10) + " with a 10% margin, " +
                                 format::bytes(space.available) + " free");
    }

    if (cuda && deviceMissing.empty()) {
        const auto probe = probeGpus();
        if (!probe.available || probe.gpus.empty()) {
            r.problems.push_back("no GPU: " + probe.reason);
        } else {
            r.deviceFreeBytes = probe.gpus.front().freeBytes;
            if (s.maxDeviceMemoryBytes > 0) r.deviceFreeBytes = std::min(*r.deviceFreeBytes, s.maxDeviceMemoryBytes);
            if (!r.calibrationCounted) {
                // the peak is unknown: nothing to compare
            } else if (r.estimatedPeakDeviceBytes > *r.deviceFreeBytes)
                r.problems.push_back("the job needs about " + format::gib(r.estimatedPeakDeviceBytes) + " of GPU memory, " +
                                     format::gib(*r.deviceFreeBytes) + " is free: use fewer calibration samples or a shorter sequence length");
            else if (r.estimatedPeakDeviceBytes > *r.deviceFreeBytes / 10 * 9)
                r.warnings.push_back("GPU memory will be tight: about " + format::gib(r.estimatedPeakDeviceBytes) + " of " +
                                     format::gib(*r.deviceFreeBytes) + " free");
        }
    }
    return r;
}

}  // namespace awq
