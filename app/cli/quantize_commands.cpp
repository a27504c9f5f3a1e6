#include "app/cli/quantize_commands.h"

#include "app/cli/cli_support.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <memory>
#include <unistd.h>

namespace awq::cli {
namespace {

struct Options {
    std::string model, out, method = "awq", device = "cpu";
    int group = 128, samples = 128, seqlen = 512;
    std::vector<std::string> calib;
    double maxGpuGib = 0;
    bool resume = false, jsonProgress = false, check = false;
};

// Ctrl+C cancels cleanly: the journal is saved and --resume continues.
std::stop_source* gStop = nullptr;
void onSigint(int) {
    if (gStop) gStop->request_stop();
}

std::string eventJson(const QuantizeEvent& e) {
    static const char* kinds[] = {"started", "stage", "layer_done", "warning", "finished"};
    nlohmann::json j = {{"event", kinds[int(e.kind)]}, {"layer", e.layer}, {"layers", e.layers}, {"stage", e.stage},
                        {"elapsed_s", e.elapsedS}};
    if (e.etaS >= 0) j["eta_s"] = e.etaS;
    if (e.kind == QuantizeEvent::Kind::LayerDone) {
        j["layer_mse"] = e.layerError;
        j["layer_s"] = e.layerSeconds;
    }
    if (e.gpuPeakBytes > 0) {
        j["gpu_memory_bytes"] = e.gpuMemoryBytes;
        j["gpu_peak_bytes"] = e.gpuPeakBytes;
    }
    if (!e.message.empty()) j["message"] = e.message;
    return j.dump();
}

// --check: the pre-flight verdict the Quantize page shows, and exit status 2 when the job cannot run.
int printPreflight(const QuantizePreflight& p) {
    TextTable table({"check", "value"}, {false, false});
    table.addRow({"decoder layers", std::to_string(p.layers)});
    table.addRow({"calibration tokens (asked)", std::to_string(p.calibrationTokens)});
    table.addRow({"estimated peak device memory", format::gib(p.estimatedPeakDeviceBytes)});
    table.addRow({"free GPU memory", p.deviceFreeBytes ? format::gib(*p.deviceFreeBytes) : "-"});
    table.addRow({"estimated output size", format::bytes(p.estimatedOutputBytes)});
    table.addRow({"free disk space", p.diskFreeBytes ? format::bytes(*p.diskFreeBytes) : "-"});
    std::cout << table.render();
    for (const auto& w : p.warnings) std::cout << "warning: " << w << "\n";
    for (const auto& e : p.problems) std::cout << "problem: " << e << "\n";
    std::cout << (p.ok() ? "verdict: ready to quantize\n" : "verdict: cannot start\n");
    return p.ok() ? 0 : 2;
}

int run(const Options& o) {
    QuantizeSettings s;
    s.model = o.model;
    s.output = o.out;
    s.method = o.method == "rtn" ? QuantMethodChoice::Rtn : QuantMethodChoice::Awq;
    s.groupSize = o.group;
    for (const auto& c : o.calib) s.calibrationFiles.emplace_back(c);
    s.samples = o.samples;
    s.seqlen = o.seqlen;
    s.device = o.device;
    s.resume = o.resume;
    s.maxDeviceMemoryBytes = std::uint64_t(o.maxGpuGib * double(1ull << 30));
    if (o.check) return printPreflight(preflightQuantizeJob(s));

    std::stop_source stop;
    gStop = &stop;
    std::signal(SIGINT, onSigint);
    const bool tty = isatty(2);
    const auto summary = runQuantizeJob(s, [&](const QuantizeEvent& e) {
        if (o.jsonProgress) {
            std::cout << eventJson(e) << std::endl;
            return;
        }
        if (e.kind == QuantizeEvent::Kind::Warning) std::cerr << "\nwarning: " << e.message << "\n";
        if (!tty && e.kind != QuantizeEvent::Kind::LayerDone) return;
        char line[200];
        std::snprintf(line, sizeof line, "\rlayer %d/%d  %-13s %6.1f s elapsed%s", std::min(e.layer + 1, e.layers), e.layers,
                      e.stage.c_str(), e.elapsedS, e.etaS >= 0 ? ("  ETA " + std::to_string(int(e.etaS)) + " s").c_str() : "");
        std::cerr << line << (tty ? "" : "\n") << std::flush;
    }, stop.get_token());
    gStop = nullptr;
    std::cerr << "\n";

    TextTable table({"layer", "seconds", "output MSE", "scale ratios (qkv, v-o, mlp, up-down)"}, {true, true, true, false});
    for (const auto& l : summary.perLayer) {
        std::string ratios;
        for (double r : l.scaleRatios) ratios += (ratios.empty() ? "" : ", ") + (r < 0 ? std::string("-") : std::to_string(r).substr(0, 4));
        char mse[32], sec[32];
        std::snprintf(mse, sizeof mse, "%.3g", l.outputMse);
        std::snprintf(sec, sizeof sec, "%.2f", l.seconds);
        table.addRow({std::to_string(l.layer), sec, mse, ratios.empty() ? "-" : ratios});
    }
    if (!o.jsonProgress) {
        std::cout << table.render();
        std::cout << "wrote " << summary.output.string() << " (" << format::bytes(summary.outputBytes) << ") in " << summary.seconds << " s; "
                  << summary.calibrationBlocks << " calibration blocks, " << summary.calibrationTokens << " tokens"
                  << (summary.resumedFromLayer > 0 ? "; resumed at layer " + std::to_string(summary.resumedFromLayer) : "")
                  << (summary.peakGpuBytes > 0 ? "; peak GPU memory " + format::gib(summary.peakGpuBytes) : "") << "\n";
    }
    return 0;
}

}  // namespace

void addQuantizeCommands(CLI::App& app) {
    auto o = std::make_shared<Options>();
    auto* q = app.add_subcommand("quantize", "quantize a model to 4-bit AWQ (or round-to-nearest), layer by layer");
    q->add_option("--model", o->model, "source model folder (FP16/BF16/FP32)")->required();
    q->add_option("--out", o->out, "output folder (must not exist)")->required();
    q->add_option("--method", o->method, "awq or rtn")->check(CLI::IsMember({"awq", "rtn"}));
    q->add_option("--group", o->group, "group size: 32, 64, 128, or -1 for per channel");
    q->add_option("--calib", o->calib, "calibration text (.txt, blank-line separated) or .jsonl with a \"text\" field; repeatable");
    q->add_option("--samples", o->samples, "calibration texts")->check(CLI::PositiveNumber);
    q->add_option("--seqlen", o->seqlen, "tokens per calibration block")->check(CLI::PositiveNumber);
    q->add_option("--device", o->device, "cpu or cuda");
    q->add_flag("--resume", o->resume, "continue an interrupted job (<out>.partial)");
    q->add_option("--max-gpu-memory", o->maxGpuGib, "cap the job's GPU memory, in GiB (a GPU shared with a server)")->check(CLI::PositiveNumber);
    q->add_flag("--check", o->check, "print the pre-flight checks (memory, disk, model) and exit");
    q->add_flag("--json-progress", o->jsonProgress, "print one JSON object per progress event on stdout");
    q->callback([o] { runOrExit([&] { return run(*o); }); });
}

}  // namespace awq::cli
