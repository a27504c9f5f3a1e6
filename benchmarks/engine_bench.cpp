// The built-in engine on CUDA with Llama-3-8B shapes: an fp16 model against its AWQ (4-bit, g128)
// counterpart. Writes two synthetic model folders (random weights, the 8B's config; --layers
// shrinks the depth), then for each model, prompt length and batch size generates 128 new tokens
// greedily after a random prompt and prints TTFT, TPOT, decode and output throughput and peak GPU
// memory, with the AWQ / fp16 ratios. The physical limit is printed in the same run: batch-1
// decode as a share of (DRAM read bandwidth measured here / weight bytes read per token, the
// embedding table aside). With --peer SCRIPT (benchmarks/hf_peer_bench.py) Hugging Face
// transformers runs the same fp16 shapes in the same run, where python3 + transformers exist.
//
//   engine_bench [--layers 32] [--dir PATH] [--keep] [--prompts 128,2048] [--new-tokens 128]
//                [--batches 1,8,32] [--repeat 2] [--peer benchmarks/hf_peer_bench.py]
//                [--timeline STEPS [--timeline-dir PATH]] [--serve-capacity N]
//
// --serve-capacity N adds the server's path: decode through a continuous batch (Engine::
// openContinuousBatch, what `awqbench-cli serve` runs) whose slots hold N tokens each (serve opens
// them with the model's context), beside one whose slots fit the run ("slots fit"), same run.
//
// --timeline records the GPU kernels (CUPTI) of a batch-1 generation at the first prompt length
// and prints, per decode step, each kernel's time, the time by category and the gaps where no
// kernel ran (a generation of 1 + STEPS tokens minus one of 1 token, so the prefill drops out);
// the Chrome-trace JSON of each model goes to --timeline-dir (default: the current folder).
//
// Weights are random but sane (fp16 std ~0.02; AWQ zeros and codes uniform in 0..15, scales
// 0.002..0.004), so activations stay finite over all layers. Tensors of one shape share a few
// random buffers at different offsets, so writing a 16 GB model needs ~1.2 GB of host memory.
#include "benchmarks/bandwidth_probe.h"
#include "benchmarks/synthetic_weights.h"
#include "core/engine/engine.h"
#include "core/engine/decode_profile.h"
#include "core/layers/tensor_names.h"
#include "core/model/safetensors.h"
#include "core/util/error.h"
#include "core/util/int_list.h"
#include "core/util/remove_tree.h"
#include "kernels/cpu/half.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <execinfo.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

// A crash in a long GPU run should say where: a backtrace to stderr, then the default action.
void onFatalSignal(int sig) {
    static const char msg[] = "engine_bench: fatal signal; backtrace:\n";
    (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
    void* frames[64];
    backtrace_symbols_fd(frames, backtrace(frames, 64), STDERR_FILENO);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}

constexpr int kHidden = 4096, kInter = 14336, kHeads = 32, kKvHeads = 8, kHeadDim = 128, kVocab = 128256, kGroup = 128;

json llamaConfig(int layers, bool awq) {
    json c = {{"architectures", {"LlamaForCausalLM"}},
              {"model_type", "llama"},
              {"hidden_size", kHidden},
              {"intermediate_size", kInter},
              {"num_attention_heads", kHeads},
              {"num_key_value_heads", kKvHeads},
              {"head_dim", kHeadDim},
              {"num_hidden_layers", layers},
              {"vocab_size", kVocab},
              {"max_position_embeddings", 8192},
              {"rms_norm_eps", 1e-5},
              {"rope_theta", 500000.0},
              {"hidden_act", "silu"},
              {"tie_word_embeddings", false},
              {"bos_token_id", 128000},
              {"eos_token_id", 128001},
              {"torch_dtype", "float16"}};
    if (awq)
        c["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4},           {"group_size", kGroup},
                                    {"zero_point", true},    {"version", "gemm"}, {"modules_to_not_convert", nullptr}};
    return c;
}

struct LinearShape {
    awq::hf::Projection projection;
    int K, N;  // in, out
};
using awq::hf::Projection;
const LinearShape kLinears[] = {{Projection::q, kHidden, kHeads * kHeadDim},    {Projection::k, kHidden, kKvHeads * kHeadDim},
                                {Projection::v, kHidden, kKvHeads * kHeadDim},  {Projection::o, kHeads * kHeadDim, kHidden},
                                {Projection::gate, kHidden, kInter},            {Projection::up, kHidden, kInter},
                                {Projection::down, kInter, kHidden}};

// Writes <dir>/fp16 and <dir>/awq (skipped when a folder already holds this many layers).
void writeModels(const fs::path& dir, int layers) {
    const fs::path fp16Dir = dir / "fp16", awqDir = dir / "awq";
    auto upToDate = [&](const fs::path& d) {
        std::ifstream in(d / "config.json");
        if (!in) return false;
        try {
            return json::parse(in).value("num_hidden_layers", -1) == layers && (fs::exists(d / "model.safetensors.index.json") || fs::exists(d / "model.safetensors"));
        } catch (...) {
            return false;
        }
    };
    const bool needFp16 = !upToDate(fp16Dir), needAwq = !upToDate(awqDir);
    if (!needFp16 && !needAwq) return;
    const auto t0 = Clock::now();

    // Shared random buffers; each tensor takes a window at its own offset.
    const std::size_t slack = std::size_t(1) << 20;
    std::vector<std::uint16_t> embed(std::size_t(kVocab) * kHidden), ones(kHidden, awq::kernels::floatToHalf(1.0f));
    std::vector<std::uint16_t> dense(std::size_t(kInter) * kHidden + slack);
    std::vector<std::int32_t> qweight(std::size_t(kInter) * kHidden / 8 + slack), qzeros(std::size_t(kInter / kGroup) * kHidden / 8 + slack);
    std::vector<std::uint16_t> scales(std::size_t(kInter / kGroup) * kHidden + slack);
    auto uniformHalf = [](float lo, float hi) {
        return [lo, hi](auto& next) { return awq::kernels::floatToHalf(lo + (hi - lo) * float(next() >> 8) * (1.0f / 16777216.0f)); };
    };
    awq::bench::parallelFill(embed, 1, uniformHalf(-0.035f, 0.035f));  // uniform with std 0.02
    awq::bench::parallelFill(dense, 2, uniformHalf(-0.035f, 0.035f));
    awq::bench::parallelFill(qweight, 3, [](auto& next) { return std::int32_t(next()); });
    awq::bench::parallelFill(qzeros, 4, [](auto& next) { return std::int32_t(next()); });
    awq::bench::parallelFill(scales, 5, uniformHalf(0.002f, 0.004f));

    auto offsetFor = [&](int layer, int which) { return (std::size_t(layer) * 7 + which) * 104729 % (slack / 8) * 8; };
    for (const bool awq : {false, true}) {
        if (awq ? !needAwq : !needFp16) continue;
        const fs::path folder = awq ? awqDir : fp16Dir;
        fs::create_directories(folder);
        std::vector<awq::TensorToWrite> tensors;
        auto add = [&](std::string name, awq::DType dtype, std::vector<std::int64_t> shape, std::span<const std::byte> data) {
            tensors.push_back({std::move(name), dtype, std::move(shape), data});
        };
        namespace hf = awq::hf;
        add(std::string(hf::kEmbedTokens), awq::DType::F16, {kVocab, kHidden}, awq::bench::bytesOf(embed, 0, embed.size()));
        add(std::string(hf::kLmHead), awq::DType::F16, {kVocab, kHidden}, awq::bench::bytesOf(embed, 0, embed.size()));
        add(std::string(hf::kFinalNorm), awq::DType::F16, {kHidden}, awq::bench::bytesOf(ones, 0, ones.size()));
        for (int l = 0; l < layers; ++l) {
            add(hf::layerTensor(l, hf::kInputNorm), awq::DType::F16, {kHidden}, awq::bench::bytesOf(ones, 0, ones.size()));
            add(hf::layerTensor(l, hf::kPostAttentionNorm), awq::DType::F16, {kHidden}, awq::bench::bytesOf(ones, 0, ones.size()));
            for (int w = 0; w < 7; ++w) {
                const auto& s = kLinears[w];
                const std::string name = hf::linearName(l, s.projection);
                const std::size_t off = offsetFor(l, w);
                if (!awq) {
                    add(name + std::string(hf::kWeight), awq::DType::F16, {s.N, s.K}, awq::bench::bytesOf(dense, off, std::size_t(s.N) * s.K));
                } else {
                    add(name + std::string(hf::kQweight), awq::DType::I32, {s.K, s.N / 8}, awq::bench::bytesOf(qweight, off, std::size_t(s.K) * s.N / 8));
                    add(name + std::string(hf::kQzeros), awq::DType::I32, {s.K / kGroup, s.N / 8},
                        awq::bench::bytesOf(qzeros, off, std::size_t(s.K / kGroup) * s.N / 8));
                    add(name + std::string(hf::kScales), awq::DType::F16, {s.K / kGroup, s.N}, awq::bench::bytesOf(scales, off, std::size_t(s.K / kGroup) * s.N));
                }
            }
        }
        awq::writeShardedSafetensors(folder, tensors, std::uint64_t(4) << 30, {{"format", "pt"}});
        std::ofstream(folder / "config.json") << llamaConfig(layers, awq).dump(2) << "\n";
    }
    std::printf("wrote synthetic models to %s in %.1f s\n", dir.string().c_str(), std::chrono::duration<double>(Clock::now() - t0).count());
}

struct Row {
    std::string model;
    int prompt = 0;
    int batch = 0;
    double weightsGB = 0, loadS = 0, ttftMs = 0, tpotMs = 0, decodeTokS = 0, outputTokS = 0, peakGB = 0;
};

// A batch-1 decode step's kernels (core/engine/decode_profile.h), and the Chrome trace.
void printDecodeTimeline(awq::Engine& engine, const std::string& label, const std::vector<int>& promptIds, int steps,
                         const fs::path& traceDir) {
    const auto p = awq::profileDecodeSteps(engine, promptIds, steps);
    const fs::path trace = traceDir / ("timeline-" + label + ".json");
    std::ofstream(trace) << awq::chromeTraceJson(p.records, label + " batch 1");
    std::printf("\ndecode timeline %s, batch 1: %.1f us a step (host clock), kernels busy %.1f us, no kernel running %.1f us (%.0f%%); trace %s\n",
                label.c_str(), p.stepUs, p.busyUs, p.stepUs - p.busyUs, 100.0 * (p.stepUs - p.busyUs) / p.stepUs, trace.string().c_str());
    std::printf("  by category, us a step:");
    for (int c = 0; c < 4; ++c) std::printf(" %s %.1f;", awq::kernelCategoryName(awq::KernelCategory(c)), p.categoryUs[c]);
    std::printf("\n  %-90s %10s %9s %8s\n", "kernel", "calls/step", "us/step", "us/call");
    for (const auto& k : p.kernels)
        if (k.usPerStep >= 0.5) std::printf("  %-90.90s %10.1f %9.1f %8.2f\n", k.name.c_str(), k.callsPerStep, k.usPerStep, k.usPerStep / k.callsPerStep);
}

std::vector<Row> benchModel(const fs::path& folder, const std::string& label, const std::vector<int>& batches, const std::vector<int>& prompts,
                            int newTokens, int repeat, double& weightBytesPerToken, int timelineSteps, const fs::path& traceDir,
                            int serveCapacity) {
    const auto t0 = Clock::now();
    const auto engine = awq::Engine::load(folder, {.device = awq::DeviceKind::Cuda, .maxBatch = std::max(16, *std::max_element(batches.begin(), batches.end()))});
    const double loadS = std::chrono::duration<double>(Clock::now() - t0).count();
    // Read per decode step: every weight but the embedding table (one row of it is read).
    weightBytesPerToken = double(engine->weightMemoryBytes()) - double(kVocab) * kHidden * 2;
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> id(0, kVocab - 1);
    int promptLen = prompts.front();
    auto makeRequest = [&](int maxNew) {
        awq::GenerationRequest r;
        r.promptIds.resize(std::size_t(promptLen));
        for (auto& t : r.promptIds) t = id(rng);
        r.maxNewTokens = maxNew;
        r.stopIds = {-1};  // never stop early: every run decodes exactly maxNew tokens
        return r;
    };
    engine->generate({makeRequest(8)});  // warm-up: cuBLAS handles, allocator pools, kernel loading

    std::vector<Row> rows;
    for (int prompt : prompts)
    for (int b : batches) {
        promptLen = prompt;
        Row best;
        for (int rep = 0; rep < repeat; ++rep) {
            std::vector<awq::GenerationRequest> reqs;
            for (int i = 0; i < b; ++i) reqs.push_back(makeRequest(newTokens));
            const auto out = engine->generate(reqs);
            const auto& m = out[0].metrics;
            Row r;
            r.model = label;
            r.prompt = prompt;
            r.batch = b;
            r.weightsGB = double(engine->weightMemoryBytes()) / 1e9;
            r.loadS = loadS;
            r.ttftMs = m.ttftMs;
            r.tpotMs = m.tpotMs.value_or(0);
            int total = 0;
            for (const auto& o : out) total += o.metrics.newTokens;
            r.decodeTokS = m.e2eMs > m.ttftMs ? double(total - b) / ((m.e2eMs - m.ttftMs) / 1000.0) : 0;
            r.outputTokS = double(total) / (m.e2eMs / 1000.0);
            r.peakGB = double(m.peakMemoryBytes) / 1e9;
            if (rep == 0 || r.decodeTokS > best.decodeTokS) best = r;
        }
        rows.push_back(best);
        std::printf("  %s prompt %d batch %d: TTFT %.1f ms, %.1f decode tok/s\n", label.c_str(), prompt, b, best.ttftMs, best.decodeTokS);
        std::fflush(stdout);
    }
    // The server's path: a continuous batch whose slots hold `serveCapacity` tokens (awqbench-cli
    // serve opens them with the model's context), against one sized for the run, in the same run.
    for (const int capacity : {0, serveCapacity}) {
        if (serveCapacity <= 0) break;
        for (int prompt : prompts)
        for (int b : batches) {
            promptLen = prompt;
            const int slotTokens = capacity > 0 ? capacity : prompt + newTokens + 1;
            if (prompt + newTokens + 1 > slotTokens) continue;
            Row best;
            for (int rep = 0; rep < repeat; ++rep) {
                auto batch = engine->openContinuousBatch(b, slotTokens);
                std::vector<awq::BatchEvent> events;
                for (int i = 0; i < b; ++i) batch->add(makeRequest(newTokens), events);
                const auto t1 = Clock::now();
                int decoded = 0;
                while (batch->active() > 0) {
                    events.clear();
                    batch->step(events);
                    for (const auto& e : events) decoded += e.tokenId >= 0 ? 1 : 0;
                }
                const double s = std::chrono::duration<double>(Clock::now() - t1).count();
                Row r;
                r.model = label + (capacity > 0 ? " slots " + std::to_string(slotTokens) : " slots fit");
                r.prompt = prompt;
                r.batch = b;
                r.weightsGB = double(engine->weightMemoryBytes()) / 1e9;
                r.loadS = loadS;
                r.decodeTokS = s > 0 ? decoded / s : 0;
                r.tpotMs = decoded > 0 ? 1000.0 * s / (double(decoded) / b) : 0;
                if (rep == 0 || r.decodeTokS > best.decodeTokS) best = r;
            }
            rows.push_back(best);
            std::printf("  %s prompt %d batch %d: %.1f decode tok/s\n", best.model.c_str(), prompt, b, best.decodeTokS);
        }
    }
    if (timelineSteps > 0) {
        promptLen = prompts.front();
        printDecodeTimeline(*engine, label, makeRequest(1).promptIds, timelineSteps, traceDir);
    }
    return rows;
}

// Runs the Hugging Face peer script (one JSON object per line on stdout) and returns its rows.
std::vector<Row> runPeer(const std::string& script, int layers, const std::vector<int>& prompts, int newTokens) {
    std::string promptList;
    for (int p : prompts) promptList += (promptList.empty() ? "" : ",") + std::to_string(p);
    const std::string command = "python3 '" + script + "' --layers " + std::to_string(layers) + " --prompts " + promptList +
                                " --new-tokens " + std::to_string(newTokens) + " --batches 1";
    std::printf("peer: %s\n", command.c_str());
    std::vector<Row> rows;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe) return rows;
    char line[4096];
    while (std::fgets(line, sizeof line, pipe)) {
        if (line[0] != '{') {
            std::printf("  peer: %s", line);
            continue;
        }
        try {
            const auto j = json::parse(line);
            Row r;
            r.model = j.value("model", std::string("HF fp16"));
            r.prompt = j.value("prompt", 0);
            r.batch = j.value("batch", 1);
            r.ttftMs = j.value("ttft_ms", 0.0);
            r.tpotMs = j.value("tpot_ms", 0.0);
            r.decodeTokS = j.value("decode_tok_s", 0.0);
            r.outputTokS = j.value("output_tok_s", 0.0);
            r.peakGB = j.value("peak_gb", 0.0);
            r.weightsGB = j.value("weights_gb", 0.0);
            rows.push_back(r);
        } catch (const std::exception& e) {
            std::printf("  peer: unreadable line (%s)\n", e.what());
        }
    }
    const int status = pclose(pipe);
    if (status != 0) std::printf("peer: exited with status %d (python3 or transformers missing?)\n", status);
    return rows;
}

}  // namespace

int main(int argc, char** argv) {
    int layers = 32, newTokens = 128, repeat = 2, timelineSteps = 0, serveCapacity = 0;
    fs::path traceDir;
    std::string batchList = "1,8,32", promptList = "128,2048";
    fs::path dir = fs::temp_directory_path() / "awqbench-engine-bench";
    std::string peer, only;
    bool keep = false;
    CLI::App app{"The engine on CUDA: fp16 against AWQ on Llama-3-8B shapes (synthetic weights)"};
    app.add_option("--layers", layers, "decoder layers of the synthetic model")->capture_default_str();
    app.add_option("--dir", dir, "where the synthetic models are written")->capture_default_str();
    app.add_flag("--keep", keep, "keep (and reuse) the synthetic models");
    app.add_option("--prompts,--prompt", promptList, "prompt lengths, comma-separated")->capture_default_str();
    app.add_option("--new-tokens", newTokens, "tokens generated per run")->capture_default_str();
    app.add_option("--batches", batchList, "batch sizes, comma-separated")->capture_default_str();
    app.add_option("--repeat", repeat, "runs per cell, the best counts (at least 1)")->capture_default_str();
    app.add_option("--peer", peer, "the Hugging Face peer script (hf_peer_bench.py), run in the same session");
    auto* timeline = app.add_option("--timeline", timelineSteps, "record the kernels of STEPS decode steps (CUPTI)");
    app.add_option("--timeline-dir", traceDir, "where the timelines are written (default: the current folder)");
    app.add_option("--only", only, "fp16 or awq: one model (for A/B sweeps of one setting)");
    app.add_option("--serve-capacity", serveCapacity, "also decode through a continuous batch whose slots hold N tokens (the server's path)")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    const std::vector<int> prompts = awq::parseIntList(promptList, "--prompts");
    const std::vector<int> batches = awq::parseIntList(batchList, "--batches");
    repeat = std::max(1, repeat);
    if (timeline->count() > 0) timelineSteps = std::max(1, timelineSteps);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress and tables survive whatever ends the run
    std::signal(SIGSEGV, onFatalSignal);
    std::signal(SIGABRT, onFatalSignal);
    if (!awq::cudaEngineAvailable()) {
        std::fprintf(stderr, "engine_bench: no CUDA engine in this build (libtorch without CUDA, or no GPU)\n");
        return 77;
    }
    try {
        cudaDeviceProp prop{};
        int dev = 0;
        cudaGetDevice(&dev);
        cudaGetDeviceProperties(&prop, dev);
        const double readGBs = awq::bench::readBandwidthGBs(nullptr);
        std::printf("device: %s; DRAM read bandwidth %.0f GB/s (measured here, read-only kernel over 2 GB)\n", prop.name, readGBs);
        writeModels(dir, layers);
        std::vector<Row> rows;
        std::vector<std::pair<std::string, double>> bytesPerToken;
        for (const auto& [sub, label] : {std::pair{"fp16", "fp16"}, std::pair{"awq", "AWQ-g128"}}) {
            if (!only.empty() && only != sub) continue;
            double bytes = 0;
            auto r = benchModel(dir / sub, label, batches, prompts, newTokens, repeat, bytes, timelineSteps, traceDir.empty() ? fs::current_path() : traceDir,
                                serveCapacity);
            rows.insert(rows.end(), r.begin(), r.end());
            bytesPerToken.emplace_back(label, bytes);
            std::printf("  %s: engine released\n", label);
        }
        if (!peer.empty()) {
            auto r = runPeer(peer, layers, prompts, newTokens);
            rows.insert(rows.end(), r.begin(), r.end());
        }
        std::printf("\n%s, Llama-3-8B shapes, %d layers, %d new tokens greedy (best of %d runs)\n", prop.name, layers, newTokens, repeat);
        std::printf("%-22s %6s %5s | %10s %7s | %9s %8s | %12s %12s | %8s\n", "model", "prompt", "batch", "weights GB", "load s", "TTFT ms",
                    "TPOT ms", "decode tok/s", "output tok/s", "peak GB");
        std::printf("%s\n", std::string(114, '-').c_str());
        for (const auto& r : rows)
            std::printf("%-22s %6d %5d | %10.2f %7.1f | %9.1f %8.2f | %12.1f %12.1f | %8.2f\n", r.model.c_str(), r.prompt, r.batch, r.weightsGB,
                        r.loadS, r.ttftMs, r.tpotMs, r.decodeTokS, r.outputTokS, r.peakGB);
        for (int p : prompts)
            for (int b : batches) {
                const Row* f = nullptr;
                const Row* q = nullptr;
                for (const auto& r : rows)
                    if (r.batch == b && r.prompt == p) {
                        if (r.model == "fp16") f = &r;
                        if (r.model == "AWQ-g128") q = &r;
                    }
                if (f && q)
                    std::printf("%-22s %6d %5d | %9.2fx %7s | %8.2fx %7.2fx | %11.2fx %11.2fx | %7.2fx\n", "AWQ/fp16", p, b, q->weightsGB / f->weightsGB,
                                "", q->ttftMs / f->ttftMs, q->tpotMs / f->tpotMs, q->decodeTokS / f->decodeTokS, q->outputTokS / f->outputTokS,
                                q->peakGB / f->peakGB);
            }
        std::printf("\nBatch-1 decode against the memory-bandwidth limit (%.0f GB/s read / weight bytes read per token):\n", readGBs);
        for (const auto& [label, bytes] : bytesPerToken) {
            const double limit = readGBs * 1e9 / bytes;
            for (const auto& r : rows)
                if (r.model == label && r.batch == 1)
                    std::printf("  %-9s prompt %5d: %7.1f tok/s of %6.1f tok/s limit (%.2f GB a token) = %5.1f%%\n", label.c_str(), r.prompt,
                                r.decodeTokS, limit, bytes / 1e9, 100.0 * r.decodeTokS / limit);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "engine_bench: %s\n", e.what());
        if (!keep) awq::removeTree(dir);
        return 1;
    }
    if (!keep) awq::removeTree(dir);
    std::printf("engine_bench: done\n");
    return 0;
}
