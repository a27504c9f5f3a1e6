// Quantization quality table: quantizes a model with AWQ, GPTQ (without and with act-order) and RTN
// (defaults: 128 x 512 calibration, group 128) and evaluates perplexity, mean KLD and top-1
// agreement against the original, next to AutoAWQ's own outputs when given. The targets (issues
// "AWQ quantizer", #16): FP16 < AWQ < RTN in perplexity, AWQ removing at least as much of RTN's KLD
// as AutoAWQ's AWQ does, and GPTQ's KLD below RTN's.
//
//   quant_quality_bench MODEL CALIB.txt EVAL.txt [AUTOAWQ_AWQ_DIR AUTOAWQ_RTN_DIR] [--windows N]
#include "core/engine/evaluation.h"
#include "core/quant/quantize_job.h"
#include "core/util/remove_tree.h"

#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <unistd.h>

namespace fs = std::filesystem;
using namespace awq;

int main(int argc, char** argv) {
    std::string model, calib, eval, autoawqAwq, autoawqRtn;
    int windows = 64;
    CLI::App app{"AWQ, GPTQ and RTN quality: perplexity, KLD and top-1 agreement against the original"};
    app.add_option("MODEL", model, "the original model folder")->required();
    app.add_option("CALIB", calib, "calibration text")->required();
    app.add_option("EVAL", eval, "evaluation text")->required();
    auto* awqDir = app.add_option("AUTOAWQ_AWQ_DIR", autoawqAwq, "AutoAWQ's AWQ output of MODEL (with AUTOAWQ_RTN_DIR)");
    auto* rtnDir = app.add_option("AUTOAWQ_RTN_DIR", autoawqRtn, "AutoAWQ's RTN output of MODEL");
    awqDir->needs(rtnDir);
    app.add_option("--windows", windows, "windows of 256 tokens for KLD and top-1")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    const std::vector<std::string> args = autoawqAwq.empty() ? std::vector<std::string>{model, calib, eval}
                                                             : std::vector<std::string>{model, calib, eval, autoawqAwq, autoawqRtn};
    const fs::path work = fs::temp_directory_path() / ("awqbench-quality-" + std::to_string(::getpid()));
    fs::create_directories(work);
    std::vector<std::pair<std::string, fs::path>> models;
    struct Job {
        const char* name;
        QuantMethodChoice method;
        bool actOrder;
    };
    for (const Job& job : {Job{"awqbench AWQ", QuantMethodChoice::Awq, false}, Job{"awqbench GPTQ", QuantMethodChoice::Gptq, false},
                           Job{"GPTQ act-order", QuantMethodChoice::Gptq, true}, Job{"awqbench RTN", QuantMethodChoice::Rtn, false}}) {
        QuantizeSettings s;
        s.model = args[0];
        s.calibrationFiles = {args[1]};
        s.method = job.method;
        s.actOrder = job.actOrder;
        s.output = work / (std::string(quantMethodChoiceName(job.method)) + (job.actOrder ? "-act-order" : ""));
        const auto t0 = std::chrono::steady_clock::now();
        runQuantizeJob(s);
        std::fprintf(stderr, "%s quantized in %.1f s\n", s.output.filename().c_str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        models.emplace_back(job.name, s.output);
    }
    if (args.size() == 5) {
        models.emplace_back("AutoAWQ AWQ", args[3]);
        models.emplace_back("AutoAWQ RTN", args[4]);
    }

    const auto reference = Engine::load(args[0], {});
    std::ifstream in(args[2], std::ios::binary);
    const auto ids = reference->encode(std::string(std::istreambuf_iterator<char>(in), {}), false);
    const PerplexityOptions full{.context = 256, .stride = 256};
    const PerplexityOptions subset{.context = 256, .stride = 256, .maxWindows = windows};
    std::printf("%-14s %10s %12s %10s\n", "model", "ppl (all)", "KLD", "top-1");
    std::printf("%-14s %10.4f %12s %10s\n", "original", evaluatePerplexity(*reference, ids, full).perplexity, "-", "-");
    // Every model at once over the same windows: the reference runs once a window, not once a model.
    std::vector<std::unique_ptr<Engine>> engines;
    std::vector<Engine*> loaded;
    for (const auto& m : models) loaded.push_back(engines.emplace_back(Engine::load(m.second, {})).get());
    const auto perplexities = evaluatePerplexities(loaded, ids, full);
    const auto againstReference = evaluatePerplexities(loaded, ids, subset, reference.get());
    for (std::size_t i = 0; i < models.size(); ++i)
        std::printf("%-14s %10.4f %12.6f %10.4f\n", models[i].first.c_str(), perplexities[i].perplexity, *againstReference[i].meanKld,
                    *againstReference[i].top1Agreement);
    std::printf("(KLD and top-1 over the first %d windows of 256 tokens; perplexity over the whole text)\n", windows);
    removeTree(work);
    return 0;
}
