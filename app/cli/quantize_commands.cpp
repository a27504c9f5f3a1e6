#include "app/cli/quantize_commands.h"

#include "app/cli/cli_support.h"
#include "app/cli/device_option.h"
#include "app/cli/engine_program.h"
#include "core/compare/device_label.h"
#include "core/model/model_info.h"
#include "core/model/quantize_work_folder.h"
#include "core/quant/eta_countdown.h"
#include "core/quant/quantize_defaults.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_write.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <iostream>
#include <memory>
#include <optional>

namespace awq::cli {
namespace {

struct Options {
    std::string model, out, method = "awq", device = "cpu";
    int group = 128;
    int samples = 0, seqlen = 0, grid = 0;  // 0: the device's default (quantize_defaults.h)
    std::vector<std::string> calib;
    std::string maxGpuMemory;  // "" = no cap
    double damp = 0.01;
    bool actOrder = false;
    bool sym = false;
    bool resume = false, jsonProgress = false, check = false;
};

// --max-gpu-memory: its help always said GiB, so a bare `20` stays 20 GiB; a unit is taken too
// (20GiB, 20G), and the size must be plausible (it was any positive double: 1e30 GiB overflowed).
ByteSizeRule maxGpuMemoryRule() {
    ByteSizeRule rule = gpuMemoryRule("--max-gpu-memory");
    rule.least = 64ull << 20;
    rule.bareNumberShift = 30;
    return rule;
}

std::string eventJson(const QuantizeEvent& e) {
    static const char* kinds[] = {"started", "stage", "layer_done", "warning", "finished"};
    nlohmann::json j = {{"event", kinds[int(e.kind)]}, {"layer", e.layer}, {"layers", e.layers}, {"stage", e.stage},
                        {"elapsed_s", e.elapsedS}};
    if (e.etaS >= 0) j["eta_s"] = e.etaS;
    if (e.layerFraction >= 0) j["layer_fraction"] = e.layerFraction;
    if (e.kind == QuantizeEvent::Kind::LayerDone) {
        j["layer_mse"] = e.layerError;
        j["layer_s"] = e.layerSeconds;
    }
    if (e.gpuPeakBytes > 0) {
        j["gpu_memory_bytes"] = e.gpuMemoryBytes;
        j["gpu_peak_bytes"] = e.gpuPeakBytes;
    }
    if (!e.message.empty()) j["message"] = e.message;
    return jsonText(j);
}

// "about 18 s (an estimate from a layer of this job timed on CPU (Intel Xeon, 2 threads))", or "-"
// without a measurement. It names what was measured and where: the matmul rate only where the
// estimate is the FLOP count over it (it was printed beside a layer-timed estimate it had no part
// in, and read as "higher throughput, longer estimate").
std::string estimateText(const QuantizePreflight& p) {
    if (!p.estimatedSeconds) return p.calibrationCounted ? "-" : "unknown";
    const double s = *p.estimatedSeconds;
    const std::string span = s < 120 ? fmt::format("about {:.0f} s", std::max(1.0, s)) : fmt::format("about {:.0f} min", s / 60);
    const std::string device = deviceLabel(thisHost(p.device));
    return p.layerTimed ? fmt::format("{} (an estimate from a layer of this job timed on {})", span, device)
                        : fmt::format("{} (an estimate from the job's FLOPs at {:.1f} GFLOP/s, a matmul measured on {})", span,
                                      p.deviceFlopsPerSecond / 1e9, device);
}

// The device's default --seqlen, cut to the model's context where that is shorter (with a note): a
// default the user never chose is not an error (cuda's 512 refused a model of 256 positions). An
// unreadable model keeps the device's default: the checks after this name what is wrong with it.
int defaultSeqlen(const std::string& model, const std::string& device) {
    try {
        const auto fitted = defaultSeqlenFor(describeModel(model).config, device);
        if (!fitted.note.empty()) std::cerr << "note: " << fitted.note << "\n";
        return fitted.seqlen;
    } catch (const Error&) {
        return quantizeDefaults(device).seqlen;
    }
}

// --check: the pre-flight verdict the Quantize page shows, and exit status 2 when the job cannot run.
// "at layer 5 of 8 (4 finished layers kept)", as the final summary counts layers (from 1).
std::string resumeText(const QuantizePreflight& p) {
    return fmt::format("at layer {} of {} ({} finished layer{} kept)", p.resumeFromLayer + 1, p.layers, p.resumeFromLayer,
                       p.resumeFromLayer == 1 ? "" : "s");
}

int printPreflight(const QuantizePreflight& p) {
    TextTable table({"check", "value"}, {false, false});
    table.addRow({"decoder layers", std::to_string(p.layers)});
    if (p.resumeFromLayer > 0) table.addRow({"resume", resumeText(p)});
    // Without usable calibration these are unknown (a problem below says why), not --samples x --seqlen.
    table.addRow({"calibration tokens (texts cut into blocks)", p.calibrationCounted ? std::to_string(p.calibrationTokens) : "unknown (see the problem)"});
    table.addRow({"estimated peak device memory", p.calibrationCounted ? format::gib(p.estimatedPeakDeviceBytes) : "unknown"});
    table.addRow({"free GPU memory", p.deviceFreeBytes ? format::gib(*p.deviceFreeBytes) : "-"});
    table.addRow({"estimated output size", format::bytes(p.estimatedOutputBytes)});
    table.addRow({"free disk space", p.diskFreeBytes ? format::bytes(*p.diskFreeBytes) : "-"});
    table.addRow({p.resumeFromLayer > 0 ? "estimated time (the layers left)" : "estimated time", estimateText(p)});
    std::cout << table.render();
    if (!p.tradedAgainstAutoAwq.empty())
        std::cout << "traded against AutoAWQ's defaults (128 texts of at most 512 tokens, 20 ratios): " << p.tradedAgainstAutoAwq
                  << "; pass --samples 128 --seqlen 512 --grid 20 for the full search\n";
    for (const auto& w : p.warnings) std::cout << "warning: " << w << "\n";
    for (const auto& e : p.problems) std::cout << "problem: " << e << "\n";
    std::cout << (p.ok() ? "verdict: ready to quantize\n" : "verdict: cannot start\n");
    return p.ok() ? 0 : 2;
}

// Where the job's time went, stage by stage (stages the method does not run are left out).
TextTable stageTable(const QuantizeStageSeconds& t) {
    TextTable table({"stage", "seconds", "share"}, {false, true, true});
    const double total = t.total();
    for (const auto& [name, seconds] : t.named()) {
        if (seconds <= 0) continue;
        table.addRow({name, fmt::format("{:.2f}", seconds), fmt::format("{:.1f}%", total > 0 ? 100 * seconds / total : 0.0)});
    }
    return table;
}

// What the method searches, in the words of its own settings: AWQ's scale ratios, GPTQ's damping and
// column order, round-to-nearest nothing.
std::string methodSummary(const QuantizeSettings& s) {
    switch (s.method) {
        case QuantMethodChoice::Awq: return "AWQ, " + std::to_string(s.gridRatios) + " scale ratios";
        case QuantMethodChoice::Gptq:
            return fmt::format("GPTQ, damp {:g}, {}, {} grid", s.dampPercent, s.actOrder ? "act-order" : "columns in order",
                               s.sym ? "symmetric" : "asymmetric");
        case QuantMethodChoice::Rtn: return "round-to-nearest (no search; the calibration measures the output error)";
    }
    return {};
}

int run(const Options& o) {
    QuantizeSettings s;
    s.model = o.model;
    s.output = o.out;
    s.method = o.method == "rtn" ? QuantMethodChoice::Rtn : o.method == "gptq" ? QuantMethodChoice::Gptq : QuantMethodChoice::Awq;
    s.actOrder = o.actOrder;
    s.dampPercent = o.damp;
    s.sym = o.sym;
    s.groupSize = o.group;
    for (const auto& c : o.calib) s.calibrationFiles.emplace_back(c);
    const QuantizeDefaults defaults = quantizeDefaults(o.device);
    s.samples = o.samples > 0 ? o.samples : defaults.samples;
    s.seqlen = o.seqlen > 0 ? o.seqlen : defaultSeqlen(o.model, o.device);
    s.gridRatios = o.grid > 0 ? o.grid : defaults.gridRatios;
    s.device = o.device;
    s.resume = o.resume;
    s.maxDeviceMemoryBytes = o.maxGpuMemory.empty() ? 0 : parseByteSize(o.maxGpuMemory, maxGpuMemoryRule());
    if (o.check) return printPreflight(preflightQuantizeJob(s));
    // An existing output folder, a bad setting or a model that cannot be quantized ends the run here,
    // before the pre-flight tokenizes the calibration text and times a matmul, and before the job loads weights.
    checkQuantizeRequest(s);
    std::optional<QuantizePreflight> preflight;  // the job reuses what it read (model, calibration blocks)
    if (!o.jsonProgress) {
        // The pre-flight's time estimate and what the settings trade, before the long part starts.
        const auto& p = preflight.emplace(preflightQuantizeJob(s));
        if (!p.ok()) {
            for (const auto& problem : p.problems) std::cerr << "error: " << problem << "\n";
            return kExitBadInput;
        }
        if (p.resumeFromLayer > 0) std::cerr << "quantize: resuming the interrupted job in " << quantizeWorkFolderFor(s.output).string() << " " << resumeText(p) << "\n";
        std::cerr << "quantize: " << methodSummary(s) << ", " << p.calibrationTokens << " calibration tokens (" << s.samples
                  << " texts cut into blocks of " << s.seqlen << "); estimated " << estimateText(p)
                  << (p.resumeFromLayer > 0 ? " for the layers left" : "") << "\n";
        if (!p.tradedAgainstAutoAwq.empty())
            std::cerr << "quantize: traded against AutoAWQ's defaults: " << p.tradedAgainstAutoAwq << " (--samples 128 --seqlen 512 --grid 20 for the full search)\n";
    }

    StopOnSigint sigint;   // Ctrl+C cancels cleanly: the journal is saved and --resume continues
    EtaCountdown eta;
    ProgressLine progress;  // unused with --json-progress
    const auto summary = runQuantizeJob(s, [&](const QuantizeEvent& e) {
        if (o.jsonProgress) {
            std::cout << eventJson(e) << std::endl;
            return;
        }
        if (e.kind == QuantizeEvent::Kind::Warning) {
            progress.line("warning: " + e.message);
            return;
        }
        const std::string stage = e.layerFraction >= 0 ? e.stage + " " + std::to_string(int(e.layerFraction * 100)) + "%" : e.stage;
        // The ETA of the last finished layer counted down on the events' clock (stage events arrive
        // inside each layer), so the line does not drop it or stand still until the next layer ends.
        if (e.kind == QuantizeEvent::Kind::LayerDone) eta.layerDone(e.etaS, e.layers - e.layer - 1, e.elapsedS);
        std::string etaText;
        if (const auto left = eta.remaining(e.elapsedS); left && e.kind != QuantizeEvent::Kind::LayerDone && eta.overdue(e.elapsedS))
            etaText = "  finishing layer " + std::to_string(e.layer + 1) + (*left >= 1 ? ", then ETA " + std::to_string(int(*left + 0.5)) + " s" : "");
        else if (left)
            etaText = "  ETA " + std::to_string(int(*left + 0.5)) + " s";
        progress.update(fmt::format("layer {}/{}  {:<17} {:6.1f} s elapsed{}", std::min(e.layer + 1, e.layers), e.layers, stage, e.elapsedS, etaText),
                         e.kind == QuantizeEvent::Kind::LayerDone);
    }, sigint.source.get_token(), preflight ? &*preflight : nullptr);
    progress.end();
    if (summary.cancelled) {  // the journal is saved; 130 as compare, sweep and pool add exit on Ctrl+C
        // A reader of the event stream learns how it ended from the stream itself.
        if (o.jsonProgress)
            std::cout << jsonText(nlohmann::json{{"event", "cancelled"}, {"layers_done", summary.perLayer.size()}, {"message", summary.stopNote}}) << std::endl;
        std::cerr << summary.stopNote << "\n";
        return kExitInterrupted;
    }

    // The chosen scale ratios are AWQ's search; GPTQ and round-to-nearest have none to show.
    const bool awq = s.method == QuantMethodChoice::Awq;
    // Layers count from 1 as the progress line does ("layer 3/8"); the MSE is of the layer's output
    // against the original layer's on the calibration tokens.
    std::vector<std::string> header{"layer", "seconds", "output MSE vs original"};
    if (awq) header.push_back("scale ratios (qkv, v-o, mlp, up-down)");
    TextTable table(header, {true, true, true, false});
    bool unsearched = false;
    for (const auto& l : summary.perLayer) {
        std::vector<std::string> row{std::to_string(l.layer + 1), fmt::format("{:.2f}", l.seconds), fmt::format("{:.3g}", l.outputMse)};
        if (awq) {
            std::string ratios;
            for (double r : l.scaleRatios) {
                ratios += (ratios.empty() ? "" : ", ") + (r < 0 ? std::string("-") : std::to_string(r).substr(0, 4));
                unsearched = unsearched || r < 0;
            }
            row.push_back(ratios.empty() ? "-" : ratios);
        }
        table.addRow(row);
    }
    if (!o.jsonProgress) {
        std::cout << table.render();
        if (unsearched)  // AutoAWQ's rule: v -> o only where v_proj and o_proj have the same shape
            std::cout << "-: not searched (v-o needs v_proj and o_proj of one shape, which grouped-query attention does not have; as AutoAWQ)\n";
        std::cout << "\n" << stageTable(summary.stageSeconds).render();
        std::cout << "wrote " << summary.output.string() << " (" << format::bytes(summary.outputBytes) << ") in "
                  << fmt::format("{:.2f}", summary.seconds) << " s on " << deviceLabel(thisHost(o.device)) << "; "
                  << summary.calibrationBlocks << " calibration blocks, " << summary.calibrationTokens << " tokens"
                  << (summary.resumedFromLayer > 0 ? "; resumed at layer " + std::to_string(summary.resumedFromLayer + 1) + " of " + std::to_string(summary.layers) : "")
                  << (summary.peakGpuBytes > 0 ? "; peak GPU memory " + format::gib(summary.peakGpuBytes) : "") << "\n";
    }
    return 0;
}

}  // namespace

void addQuantizeCommands(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* q = app.add_subcommand("quantize", std::string(engineCommandDescription("quantize")));
    q->add_option("--model", o->model, "source model folder (FP16/BF16/FP32)")->required();
    q->add_option("--out", o->out, "output folder: a new one, or an empty folder")->required();
    q->add_option("--method", o->method, "awq, gptq or rtn (gptq writes the GPTQ checkpoint layout)")->check(CLI::IsMember({"awq", "gptq", "rtn"}));
    q->add_flag("--act-order", o->actOrder, "gptq: quantize columns by descending Hessian diagonal (desc_act)");
    q->add_flag("--sym", o->sym,
                "gptq: symmetric grid, zero 8 (GPTQModel's default; what vLLM's gptq_marlin and GPTQModel's loader take)");
    q->add_option("--damp", o->damp, "gptq: damping, share of the Hessian's mean diagonal (default 0.01)")->check(numberIn(1e-6, 0.999));
    q->add_option("--group", o->group, "group size: 32, 64, 128, or -1 for per channel");
    q->add_option("--calib", o->calib, "calibration text (.txt, blank-line separated) or .jsonl with a \"text\" field; repeatable");
    q->add_option("--samples", o->samples, "calibration texts (default: cpu 32, cuda 128 as AutoAWQ)")->check(positiveCount());
    q->add_option("--seqlen", o->seqlen, "tokens per calibration block (default: cpu 256, cuda 512 as AutoAWQ, at most the model's context)")->check(positiveCount());
    q->add_option("--grid", o->grid, "AWQ scale-search ratios (default: cpu 10, cuda 20 as AutoAWQ)")->check(wholeNumberIn(1, 100));
    q->add_option("--device", o->device, "cpu or cuda")->transform(deviceName());
    q->add_flag("--resume", o->resume, "continue an interrupted job (<out>.partial)");
    q->add_option("--max-gpu-memory", o->maxGpuMemory,
                  "cap the job's GPU memory: 20GiB, 20G, or a number of GiB (a GPU shared with a server; default: no cap)")
        ->check(byteSize(maxGpuMemoryRule()));
    q->add_flag("--check", o->check, "print the pre-flight checks (memory, disk, model) and exit");
    q->add_flag("--json-progress", o->jsonProgress, "print one JSON object per progress event on stdout");
    q->callback([o, q] {
        // GPTQ's settings with another method would be ignored without a word.
        if (o->method != "gptq")
            for (const char* flag : {"--act-order", "--sym", "--damp"})
                if (q->get_option(flag)->count() > 0) throw CLI::ValidationError(flag, "applies to --method gptq only, not " + o->method);
        // A GPU memory cap on a CPU job was dropped without a word.
        if (o->device != "cuda" && q->get_option("--max-gpu-memory")->count() > 0)
            throw CLI::ValidationError("--max-gpu-memory", "applies to --device cuda only, not " + o->device + " (drop it, or use --device cuda)");
        runOrExit([&] { return run(*o); });
    });
}

}  // namespace awq::cli
