// The built-in engine on CPU: the demo model in FP32 against its AWQ version (4-bit, g128), greedy
// decode of the same prompt, best of --repeat runs. Prints the device (CPU model, cores), TTFT,
// decode tok/s, weights in memory and the AWQ / FP32 ratio, measured in the same run.
//
//   cpu_engine_bench [--fp32 DIR] [--awq DIR] [--new-tokens 128] [--repeat 3]
//
// Defaults: the bundled demo model and ../shared/models/tinystories-qwen3-7m-awq beside the source.
#include "core/engine/engine.h"
#include "core/system/host_cpu.h"
#include "core/util/int_list.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>

namespace fs = std::filesystem;

namespace {

struct Row {
    std::string model;
    double weightsMB = 0, loadS = 0, ttftMs = 0, decodeTokS = 0;
};

Row bench(const fs::path& folder, const std::string& label, int newTokens, int repeat) {
    const auto t0 = std::chrono::steady_clock::now();
    const auto engine = awq::Engine::load(folder, {.device = awq::DeviceKind::Cpu});
    Row best;
    best.model = label;
    best.loadS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    best.weightsMB = double(engine->weightMemoryBytes()) / 1e6;
    awq::GenerationRequest request;
    request.promptIds = engine->encode("Once upon a time, there was a little girl named Lily. She", true);
    request.maxNewTokens = newTokens;
    request.stopIds = {-1};  // never stop early: every run decodes exactly newTokens
    for (int r = 0; r < repeat; ++r) {
        const auto m = engine->generate({request})[0].metrics;
        const double decode = m.newTokens > 1 ? (m.newTokens - 1) / ((m.e2eMs - m.ttftMs) / 1000.0) : 0;
        if (decode > best.decodeTokS) {
            best.decodeTokS = decode;
            best.ttftMs = m.ttftMs;
        }
    }
    return best;
}

}  // namespace

int main(int argc, char** argv) {
    fs::path fp32 = fs::path(AWQBENCH_SOURCE_DIR) / "resources/demo-models/tinystories-qwen3-7m";
    fs::path awqDir = fs::path(AWQBENCH_SOURCE_DIR) / "../shared/models/tinystories-qwen3-7m-awq";
    int newTokens = 128, repeat = 3;
    CLI::App app{"The engine on CPU: the FP32 model against its AWQ version, greedy decode tok/s"};
    app.add_option("--fp32", fp32, "the FP32 model folder")->capture_default_str();
    app.add_option("--awq", awqDir, "its AWQ version")->capture_default_str();
    app.add_option("--new-tokens", newTokens, "tokens to generate (at least 2)")->capture_default_str();
    app.add_option("--repeat", repeat, "runs per model, the best counts")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    newTokens = std::max(2, newTokens);
    repeat = std::max(1, repeat);
    try {
        const Row f = bench(fp32, "FP32 original", newTokens, repeat);
        const Row q = bench(awqDir, "AWQ g128", newTokens, repeat);
        const std::string cpu = awq::cpuModelName();
        std::printf("\nCPU: %s, %u hardware threads, the engine computing with %d; greedy, %d new tokens, best of %d\n",
                    cpu.empty() ? "unknown CPU" : cpu.c_str(), std::thread::hardware_concurrency(), awq::cpuComputeThreads(), newTokens, repeat);
        std::printf("%-14s | %10s %7s | %8s %12s\n", "model", "weights MB", "load s", "TTFT ms", "decode tok/s");
        std::printf("%s\n", std::string(60, '-').c_str());
        for (const Row* r : {&f, &q})
            std::printf("%-14s | %10.1f %7.2f | %8.1f %12.1f\n", r->model.c_str(), r->weightsMB, r->loadS, r->ttftMs, r->decodeTokS);
        std::printf("%-14s | %9.2fx %7s | %7.2fx %11.2fx\n", "AWQ/FP32", q.weightsMB / f.weightsMB, "", q.ttftMs / f.ttftMs,
                    q.decodeTokS / f.decodeTokS);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "cpu_engine_bench: %s\n", e.what());
        return 1;
    }
    return 0;
}
