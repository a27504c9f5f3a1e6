// The quantizer on CUDA: a capped GPU memory budget gives a clear out-of-memory error naming the
// layer and leaves nothing at the output (the job resumes later); without the cap the same job
// completes, the model loads, and its logits stay close to the original's on the CPU engine.
// GPTQ checkpoints on the CUDA engine: packed on the AWQ kernels without act-order, dense with it,
// and in both cases the logits of the CPU engine (which dequantizes GPTQ at load).
#include "core/engine/engine.h"
#include "core/quant/quantize_job.h"
#include "core/util/error.h"
#include "core/util/remove_tree.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <unistd.h>

using namespace awq;
namespace fs = std::filesystem;

namespace {

QuantizeSettings demoJob(const fs::path& out) {
    QuantizeSettings s;
    s.model = test::modelDir("tinystories-qwen3-7m");
    s.output = out;
    s.calibrationFiles = {test::dataFile("calib-stories.txt")};
    s.samples = 32;
    s.seqlen = 256;
    s.device = "cuda";
    return s;
}

// Logits of `folder` on the CUDA engine against the CPU engine over a story prompt: max |diff| within
// 5% of the largest logit, the same argmax at 95% of the positions.
void expectCudaLogitsMatchCpu(const fs::path& folder) {
    const auto cpu = Engine::load(folder);
    const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
    const auto ids = cpu->encode("Once upon a time, there was a little girl named Lily. She loved to play in the park with her dog", false);
    const auto want = cpu->logits(ids), got = gpu->logits(ids);
    ASSERT_EQ(got.size(), want.size());
    const std::size_t vocab = want.size() / ids.size();
    float maxAbs = 0, maxDiff = 0;
    int sameArgmax = 0;
    for (std::size_t t = 0; t < ids.size(); ++t) {
        const auto w = want.begin() + std::ptrdiff_t(t * vocab), g = got.begin() + std::ptrdiff_t(t * vocab);
        for (std::size_t i = 0; i < vocab; ++i) {
            maxAbs = std::max(maxAbs, std::fabs(w[std::ptrdiff_t(i)]));
            maxDiff = std::max(maxDiff, std::fabs(w[std::ptrdiff_t(i)] - g[std::ptrdiff_t(i)]));
        }
        sameArgmax += std::max_element(w, w + std::ptrdiff_t(vocab)) - w == std::max_element(g, g + std::ptrdiff_t(vocab)) - g;
    }
    std::printf("  %s: CUDA vs CPU max |diff| %.4f (max |logit| %.2f), argmax agrees at %d of %zu\n", folder.filename().c_str(), maxDiff, maxAbs,
                sameArgmax, ids.size());
    EXPECT_LE(maxDiff, 0.05f * maxAbs);
    EXPECT_GE(sameArgmax, int(ids.size()) * 95 / 100);
}

fs::path scratch(const char* name) {
    const auto p = fs::temp_directory_path() / ("awqbench-test-quantize-cuda-" + std::to_string(::getpid())) / name;
    fs::create_directories(p.parent_path());
    return p;
}

}  // namespace

TEST(QuantizeCuda, OutOfMemoryIsAClearErrorAndResumes) {
    ASSERT_TRUE(cudaEngineAvailable());
    auto s = demoJob(scratch("oom"));
    // 64 MiB: the layer input and output fit (torch reserves 20 MiB segments), a forward chunk's
    // attention scores (8 x 4 heads x 1024^2 floats) do not.
    s.seqlen = 1024;
    s.samples = 128;
    s.maxDeviceMemoryBytes = 64u << 20;
    std::string message;
    try {
        runQuantizeJob(s);
    } catch (const Error& e) {
        message = e.what();
    }
    EXPECT_NE(message.find("out of GPU memory at layer 1 of "), std::string::npos) << message;
    EXPECT_NE(message.find("--samples"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(s.output));
    ASSERT_TRUE(fs::exists(quantizeWorkFolderFor(s.output)));

    s.maxDeviceMemoryBytes = 0;  // the cap is lifted: the same job resumes and completes
    s.resume = true;
    const auto summary = runQuantizeJob(s);
    EXPECT_EQ(summary.layers, 8);
    EXPECT_GT(summary.peakGpuBytes, 64u << 20);
    EXPECT_FALSE(fs::exists(quantizeWorkFolderFor(s.output)));

    // The GPU-quantized model against the original, both on the CPU engine.
    const auto original = Engine::load(test::modelDir("tinystories-qwen3-7m"));
    const auto quantized = Engine::load(s.output);
    const auto ids = original->encode("Once upon a time, there was a little girl named Lily. She loved to play", false);
    const auto a = original->logits(ids), b = quantized->logits(ids);
    ASSERT_EQ(a.size(), b.size());
    const std::size_t vocab = a.size() / ids.size();
    int sameArgmax = 0;
    for (std::size_t t = 0; t < ids.size(); ++t) {
        const auto ra = a.begin() + std::ptrdiff_t(t * vocab), rb = b.begin() + std::ptrdiff_t(t * vocab);
        sameArgmax += std::max_element(ra, ra + std::ptrdiff_t(vocab)) - ra == std::max_element(rb, rb + std::ptrdiff_t(vocab)) - rb;
    }
    EXPECT_GE(sameArgmax, int(ids.size()) * 8 / 10) << "argmax agreement " << sameArgmax << "/" << ids.size();
    removeTree(s.output.parent_path());  // std::filesystem::remove_all crashes with the torch 2.11 wheel
}

TEST(QuantizeCuda, GptqRunsPackedOnTheAwqKernelsWithoutActOrder) {
    ASSERT_TRUE(cudaEngineAvailable());
    const auto dense = Engine::load(test::modelDir("tinystories-qwen3-7m"), {.device = DeviceKind::Cuda, .computeDtype = "float16"});
    for (const bool actOrder : {false, true}) {
        auto s = demoJob(scratch(actOrder ? "gptq-act-order" : "gptq"));
        s.method = QuantMethodChoice::Gptq;
        s.actOrder = actOrder;
        runQuantizeJob(s);
        const auto gpu = Engine::load(s.output, {.device = DeviceKind::Cuda});
        const double share = double(gpu->weightMemoryBytes()) / double(dense->weightMemoryBytes());
        std::printf("  GPTQ%s on the GPU: %.2fx the fp16 weights' bytes\n", actOrder ? " act-order" : "", share);
        if (actOrder)
            EXPECT_GT(share, 0.9);  // dequantized at load: g_idx puts a group's columns anywhere in k
        else
            EXPECT_LT(share, 0.4);  // qweight, qzeros and scales in the decode layout, as an AWQ model
        expectCudaLogitsMatchCpu(s.output);
    }
    removeTree(scratch("gptq").parent_path());
}
