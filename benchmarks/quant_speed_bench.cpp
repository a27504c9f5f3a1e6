// Quantization speed and memory with Qwen3-8B layer shapes (hidden 4096, intermediate 12288,
// 32 heads / 8 KV heads of 128, q/k norms): writes a synthetic fp16 model with a few layers (random
// weights; the tokenizer of the bundled demo model, whose ids all exist in the 8B vocabulary), runs
// the AWQ job on the GPU and prints seconds per layer and peak GPU memory next to the anchors:
// AutoAWQ 0.2.9 18.96 s/layer and 8.76 GiB on the lent H200 (../shared/DESIGN.md), 20.9 s/layer and
// 8.8 GiB on an H100 (../shared/models/README.md), both with 125 blocks of 512 tokens, 13.5 s/layer
// on a 16 GB RTX 5080 (seeds); then where the time went
// per stage (capture, scale search, clip search, quantize, output error, write). --timeline also
// records the job's GPU kernels (CUPTI) and prints the kernels that took the most time and how long
// the GPU sat idle between them (a launch-bound stage shows as idle time, not kernel time).
//
//   quant_speed_bench --calib calib-stories.txt [--layers 4] [--samples 340] [--device cuda] [--dir PATH] [--timeline 1]
#include "benchmarks/synthetic_weights.h"
#include "core/engine/kernel_timeline.h"
#include "core/layers/tensor_names.h"
#include "core/library/catalog.h"
#include "core/model/hf_config.h"
#include "core/model/safetensors.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "core/system/gpu_probe.h"
#include "core/util/format.h"
#include "core/util/remove_tree.h"
#include "kernels/cpu/half.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

namespace fs = std::filesystem;
using namespace awq;

namespace {

void printKernelTotals(const std::vector<KernelRecord>& records) {
    const auto t = summarizeTimeline(records);
    std::printf("\nGPU kernels of the job: %zu launches, span %.2f s, kernels busy %.2f s, idle %.2f s (%.0f%%)\n", records.size(),
                t.spanUs * 1e-6, t.busyUs * 1e-6, (t.spanUs - t.busyUs) * 1e-6, 100.0 * (t.spanUs - t.busyUs) / std::max(1.0, t.spanUs));
    std::printf("  %-90s %9s %10s %8s\n", "kernel", "calls", "total ms", "us/call");
    for (std::size_t i = 0; i < t.kernels.size() && i < 30; ++i) {
        const auto& k = t.kernels[i];
        std::printf("  %-90.90s %9lld %10.1f %8.2f\n", k.name.c_str(), static_cast<long long>(k.calls), k.totalUs * 1e-3,
                    k.totalUs / double(std::max<std::int64_t>(1, k.calls)));
    }
}

constexpr int kHidden = 4096, kInter = 12288, kHeads = 32, kKvHeads = 8, kHeadDim = 128, kVocab = 151936;

void writeModel(const fs::path& dir, int layers, const fs::path& tokenizerFrom) {
    fs::create_directories(dir);
    const std::size_t slack = std::size_t(1) << 20;
    std::vector<std::uint16_t> embed(std::size_t(kVocab) * kHidden), ones(kHidden, kernels::floatToHalf(1.0f));
    std::vector<std::uint16_t> dense(std::size_t(kInter) * kHidden + slack);
    auto uniformHalf = [](float lo, float hi) {
        return [lo, hi](auto& next) { return kernels::floatToHalf(lo + (hi - lo) * float(next() >> 8) * (1.0f / 16777216.0f)); };
    };
    bench::parallelFill(embed, 1, uniformHalf(-0.035f, 0.035f));
    bench::parallelFill(dense, 2, uniformHalf(-0.035f, 0.035f));
    struct Shape {
        hf::Projection projection;
        int K, N;
    };
    using hf::Projection;
    const Shape linears[] = {{Projection::q, kHidden, kHeads * kHeadDim},   {Projection::k, kHidden, kKvHeads * kHeadDim},
                             {Projection::v, kHidden, kKvHeads * kHeadDim}, {Projection::o, kHeads * kHeadDim, kHidden},
                             {Projection::gate, kHidden, kInter},           {Projection::up, kHidden, kInter},
                             {Projection::down, kInter, kHidden}};
    std::vector<TensorToWrite> tensors;
    auto ones16 = bench::bytesOf(ones, 0, ones.size());
    tensors.push_back({std::string(hf::kEmbedTokens), DType::F16, {kVocab, kHidden}, bench::bytesOf(embed, 0, embed.size())});
    tensors.push_back({std::string(hf::kLmHead), DType::F16, {kVocab, kHidden}, bench::bytesOf(embed, 0, embed.size())});
    tensors.push_back({std::string(hf::kFinalNorm), DType::F16, {kHidden}, ones16});
    std::vector<std::uint16_t> headOnes(kHeadDim, kernels::floatToHalf(1.0f));
    for (int l = 0; l < layers; ++l) {
        tensors.push_back({hf::layerTensor(l, hf::kInputNorm), DType::F16, {kHidden}, ones16});
        tensors.push_back({hf::layerTensor(l, hf::kPostAttentionNorm), DType::F16, {kHidden}, ones16});
        tensors.push_back({hf::layerTensor(l, hf::kQNorm), DType::F16, {kHeadDim}, bench::bytesOf(headOnes, 0, headOnes.size())});
        tensors.push_back({hf::layerTensor(l, hf::kKNorm), DType::F16, {kHeadDim}, bench::bytesOf(headOnes, 0, headOnes.size())});
        for (int w = 0; w < 7; ++w) {
            const std::size_t off = (std::size_t(l) * 7 + w) * 104729 % (slack / 8) * 8;
            tensors.push_back({hf::linearName(l, linears[w].projection) + std::string(hf::kWeight), DType::F16, {linears[w].N, linears[w].K},
                               bench::bytesOf(dense, off, std::size_t(linears[w].N) * linears[w].K)});
        }
    }
    writeShardedSafetensors(dir, tensors, std::uint64_t(4) << 30, {{"format", "pt"}});
    const nlohmann::json config = {{"architectures", {"Qwen3ForCausalLM"}}, {"model_type", "qwen3"}, {"hidden_size", kHidden},
                                   {"intermediate_size", kInter}, {"num_attention_heads", kHeads}, {"num_key_value_heads", kKvHeads},
                                   {"head_dim", kHeadDim}, {"num_hidden_layers", layers}, {"vocab_size", kVocab},
                                   {"max_position_embeddings", 40960}, {"rms_norm_eps", 1e-6},
                                   {"rope_parameters", {{"rope_theta", 1000000.0}, {"rope_type", "default"}}},
                                   {"tie_word_embeddings", false}, {"eos_token_id", 0}, {"dtype", "float16"}};
    std::ofstream(dir / "config.json") << config.dump(2) << "\n";
    for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(tokenizerFrom / f, dir / f, fs::copy_options::overwrite_existing);
}

}  // namespace

int main(int argc, char** argv) {
    int layers = 4, samples = 340;
    std::string calib, device = "cuda", timelineArg = "0";
    fs::path dir = fs::temp_directory_path() / ("awqbench-quant-speed-" + std::to_string(::getpid()));
    CLI::App app{"Quantization speed and peak GPU memory on Qwen3-8B-shaped layers (synthetic weights)"};
    app.add_option("--calib", calib, "calibration text (required)");
    app.add_option("--layers", layers, "decoder layers of the synthetic model")->capture_default_str();
    app.add_option("--samples", samples, "calibration samples")->capture_default_str();
    app.add_option("--device", device, "cuda or cpu")->capture_default_str();
    app.add_option("--dir", dir, "where the synthetic model and its AWQ version are written")->capture_default_str();
    app.add_option("--timeline", timelineArg, "1: record the job's GPU kernels (CUPTI)")->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    const bool timeline = timelineArg != "0";
    if (calib.empty()) {
        std::fprintf(stderr, "%s", app.help().c_str());
        return 1;
    }
    const fs::path demo = findDemoLibrary({}) / "tinystories-qwen3-7m";
    try {
        writeModel(dir / "source", layers, demo);
        QuantizeSettings s;
        s.model = dir / "source";
        s.output = dir / "awq";
        s.calibrationFiles = {calib};
        s.samples = samples;
        s.device = device;
        std::unique_ptr<KernelTimelineRecorder> recorder;
        if (timeline) recorder = std::make_unique<KernelTimelineRecorder>();
        const auto summary = runQuantizeJob(s);
        if (recorder) printKernelTotals(recorder->stop());
        double sum = 0;
        for (const auto& l : summary.perLayer) sum += l.seconds;
        const double perLayer = sum / double(summary.perLayer.size());
        // The first layer also pays one-time set-up (cuBLAS / cuDNN plans, allocator growth): a real
        // model's 36 layers run at the steady rate.
        const double steady = summary.perLayer.size() > 1 ? (sum - summary.perLayer.front().seconds) / double(summary.perLayer.size() - 1) : perLayer;
        const auto estimate = estimateQuantizePeakBytes(loadModelConfig(s.model), summary.calibrationTokens, s.seqlen, s.groupSize, device == "cuda");
        const auto gpus = probeGpus();
        const std::string where = device == "cuda" && !gpus.gpus.empty() ? gpus.gpus.front().name : device;
        std::printf("\n%-36s %7s %7s %10s %10s %10s %10s\n", "quantizer (Qwen3-8B layer shapes)", "blocks", "layers", "s / layer",
                    "steady", "peak GPU", "estimated");
        std::printf("%-36s %7d %7d %10.2f %10.2f %10s %10s\n", ("awqbench AWQ g128, " + where).c_str(), summary.calibrationBlocks, layers,
                    perLayer, steady, format::gib(summary.peakGpuBytes).c_str(), format::gib(estimate).c_str());
        std::printf("%-36s %7d %7s %10.2f %10s %10s\n", "AutoAWQ 0.2.9, H200 (DESIGN.md)", 125, "-", 18.96, "-", "8.76 GiB");
        std::printf("%-36s %7d %7s %10.2f %10s %10s\n", "AutoAWQ 0.2.9, H100 (models/README)", 125, "-", 20.9, "-", "8.80 GiB");
        std::printf("%-36s %7s %7s %10.2f %10s %10s\n", "AutoAWQ, RTX 5080 16 GB (seeds)", "?", "36", 13.5, "-", "-");
        std::printf("speed-up against AutoAWQ on the H200: %.1fx at the steady rate, %.1fx with the first layer's set-up\n", 18.96 / steady,
                    18.96 / perLayer);
        std::printf("\n%-14s %12s %8s\n", "stage", "s / layer", "share");
        const double total = summary.stageSeconds.total();
        for (const auto& [name, seconds] : summary.stageSeconds.named())
            if (seconds > 0) std::printf("%-14s %12.3f %7.1f%%\n", name.c_str(), seconds / layers, 100 * seconds / total);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        removeTree(dir);
        return 2;
    }
    removeTree(dir);
    return 0;
}
