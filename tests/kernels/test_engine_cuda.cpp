// The engine on CUDA (fp16/bf16 compute, AWQ linears through our W4A16 kernel) against the engine on
// the CPU (float32), on the golden sequences of the fixtures: logits within half-precision
// tolerance, the same argmax almost everywhere, greedy continuations, and the memory the packed
// weights take on the GPU.
#include "core/engine/engine.h"
#include "tests/support/golden.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

namespace awq::engine {
bool awqCudaKernelsBuiltIn();  // core/layers/awq_cuda_linear.h (that header pulls in torch)
}

using namespace awq;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {


struct Fixture {
    const char* name;
    const char* gpuDtype;
    bool trained;  // random-weight models have near-flat logits: greedy paths split on near-ties
};

const Fixture kFixtures[] = {
    {"tinystories-qwen3-7m", "bfloat16", true},
    {"tinystories-qwen3-7m-awq", "float16", true},
    {"qwen2-random-awq", "float16", false},
    {"mistral-random", "bfloat16", false},  // sliding window of 16 tokens: prefill masks, decode attention window
};

class EngineCuda : public ::testing::TestWithParam<Fixture> {};

// The GPU's logits against the CPU's over `positions` rows of `vocab`: the largest |CPU logit|, the
// largest difference, the share of rows whose argmax agrees, and the GPU logits that are not finite.
struct LogitAgreement {
    float maxAbs = 0, maxDiff = 0;
    double argmaxAgrees = 0;
    std::size_t nonFinite = 0;
};
LogitAgreement compareLogits(const std::vector<float>& want, const std::vector<float>& got, std::size_t positions, int vocab) {
    LogitAgreement a;
    int same = 0;
    for (std::size_t t = 0; t < positions; ++t) {
        const float* w = want.data() + t * vocab;
        const float* g = got.data() + t * vocab;
        for (int i = 0; i < vocab; ++i) {
            a.nonFinite += !std::isfinite(g[i]);
            a.maxAbs = std::max(a.maxAbs, std::fabs(w[i]));
            a.maxDiff = std::max(a.maxDiff, std::fabs(w[i] - g[i]));
        }
        same += (std::max_element(w, w + vocab) - w) == (std::max_element(g, g + vocab) - g);
    }
    a.argmaxAgrees = positions ? double(same) / double(positions) : 0;
    return a;
}

}  // namespace

TEST(EngineCudaBridge, KernelsAreBuiltIn) {
    ASSERT_TRUE(cudaEngineAvailable());
    EXPECT_TRUE(engine::awqCudaKernelsBuiltIn());
}

TEST_P(EngineCuda, LogitsAndGreedyMatchCpu) {
    const Fixture f = GetParam();
    const fs::path folder = test::modelDir(f.name);
    const json golden = test::readGolden(folder);
    const auto cpu = Engine::load(folder, {});
    const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
    EXPECT_EQ(gpu->computeDtype(), std::string(f.gpuDtype));
    const int vocab = cpu->model().config.vocabSize;

    std::vector<std::vector<int>> prompts;
    for (const auto& seq : golden["sequences"]) {
        const auto ids = seq["input_ids"].get<std::vector<int>>();
        const auto want = cpu->logits(ids);
        const auto got = gpu->logits(ids);
        ASSERT_EQ(got.size(), want.size());
        const auto a = compareLogits(want, got, ids.size(), vocab);
        EXPECT_EQ(a.nonFinite, 0u) << f.name;
        std::printf("  %-26s %3zu tokens: max |diff| %.4f (max |logit| %.2f, %.2f%%), argmax agrees at %.1f%%\n", f.name, ids.size(),
                    a.maxDiff, a.maxAbs, 100.0 * a.maxDiff / a.maxAbs, 100.0 * a.argmaxAgrees);
        EXPECT_LE(a.maxDiff, 0.05f * a.maxAbs);
        EXPECT_GE(a.argmaxAgrees, 0.95);
        // Prompts for greedy generation: prefixes of the golden sequences.
        for (std::size_t len : {std::size_t(4), std::size_t(9), std::size_t(16)})
            if (ids.size() > len) prompts.emplace_back(ids.begin(), ids.begin() + std::ptrdiff_t(len));
    }
    for (const auto& g : golden["greedy"]) prompts.push_back(g["prompt_ids"].get<std::vector<int>>());

    int identical = 0;
    double prefixSum = 0;
    for (const auto& p : prompts) {
        GenerationRequest r;
        r.promptIds = p;
        r.maxNewTokens = 32;
        r.stopIds = {-1};
        const auto want = cpu->generate({r})[0];
        const auto got = gpu->generate({r})[0];
        ASSERT_EQ(got.newIds.size(), 32u);
        EXPECT_GT(got.metrics.peakMemoryBytes, 0u);
        std::size_t common = 0;
        while (common < 32 && got.newIds[common] == want.newIds[common]) ++common;
        identical += common == 32;
        prefixSum += double(common);
    }
    std::printf("  %-26s greedy 32 tokens: %d of %zu prompts identical to the CPU engine, mean common prefix %.1f tokens\n", f.name,
                identical, prompts.size(), prefixSum / double(prompts.size()));
    if (f.trained) {
        EXPECT_GE(2 * identical, int(prompts.size())) << "most greedy continuations should match the CPU engine";
    }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EngineCuda, ::testing::ValuesIn(kFixtures),
                         [](const ::testing::TestParamInfo<Fixture>& p) {
                             std::string n = p.param.name;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// A prompt past kAwqRepackedPrefillMaxM rows: on compute capability 9.0 the 128 x 256 wgmma GEMM
// (awqRepackedPrefillGemmApplies), elsewhere and in the register_fed run (AWQBENCH_PREFILL_GEMM=0)
// each weight dequantized into one reused fp16 buffer and multiplied with cuBLAS: logits of a long
// prompt against the CPU engine, and the same logits bit for bit on a second pass.
TEST(EngineCudaPrefill, LongPromptsMatchCpu) {
    for (const char* name : {"tinystories-qwen3-7m-awq", "qwen2-random-awq"}) {
        const fs::path folder = test::modelDir(name);
        const auto cpu = Engine::load(folder, {});
        const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
        const int vocab = cpu->model().config.vocabSize;
        const json golden = test::readGolden(folder);
        std::vector<int> ids;
        for (const auto& seq : golden["sequences"])
            for (int id : seq["input_ids"].get<std::vector<int>>()) ids.push_back(id);
        ASSERT_FALSE(ids.empty());
        const std::size_t length = std::min<std::size_t>(200, std::size_t(cpu->model().config.maxPositions));
        while (ids.size() < length) ids.insert(ids.end(), ids.begin(), ids.begin() + std::ptrdiff_t(std::min(ids.size(), length - ids.size())));
        const auto want = cpu->logits(ids);
        const auto first = gpu->logits(ids);
        const auto second = gpu->logits(ids);
        ASSERT_EQ(first.size(), want.size());
        EXPECT_TRUE(first == second) << name << ": two prefills of the same prompt differ";
        const auto a = compareLogits(want, first, ids.size(), vocab);
        EXPECT_EQ(a.nonFinite, 0u) << name;
        std::printf("  %-26s %zu-token prefill: max |diff| %.4f (max |logit| %.2f), argmax agrees at %.1f%%\n", name, ids.size(), a.maxDiff,
                    a.maxAbs, 100.0 * a.argmaxAgrees);
        EXPECT_LE(a.maxDiff, 0.05f * a.maxAbs) << name;
        EXPECT_GE(a.argmaxAgrees, 0.9) << name;
    }
}

TEST(EngineCudaMemory, AwqWeightsStayPackedOnTheGpu) {
    const auto dense = Engine::load(test::modelDir("tinystories-qwen3-7m"), {.device = DeviceKind::Cuda, .computeDtype = "float16"});
    const auto awq = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {.device = DeviceKind::Cuda});
    std::printf("  weights on the GPU: fp16 %llu bytes, AWQ %llu bytes (%.2fx)\n", static_cast<unsigned long long>(dense->weightMemoryBytes()),
                static_cast<unsigned long long>(awq->weightMemoryBytes()), double(awq->weightMemoryBytes()) / double(dense->weightMemoryBytes()));
    EXPECT_LT(double(awq->weightMemoryBytes()), 0.4 * double(dense->weightMemoryBytes()));
}

TEST(EngineCudaBatch, GreedyLookaheadEndsWhereStepwiseDecodeEnds) {
    // Greedy batches decode one step ahead (the host reads step N's tokens while step N+1 runs);
    // top-k 1 sampling picks the same tokens one synchronous step at a time. Different lengths and
    // a stop token must end every sequence at the same token, with the same reason, either way.
    const fs::path folder = test::modelDir("tinystories-qwen3-7m-awq");
    const json golden = test::readGolden(folder);
    const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
    std::vector<GenerationRequest> batch;
    for (const int maxNew : {1, 2, 7, 30, 30}) {
        GenerationRequest r;
        const auto ids = golden["sequences"][batch.size() % golden["sequences"].size()]["input_ids"].get<std::vector<int>>();
        r.promptIds.assign(ids.begin(), ids.begin() + std::ptrdiff_t(std::min<std::size_t>(6 + batch.size(), ids.size())));
        r.maxNewTokens = maxNew;
        r.stopIds = {-1};
        batch.push_back(r);
    }
    const auto free = gpu->generate({batch.back()})[0].newIds;
    ASSERT_EQ(free.size(), 30u);
    batch.back().stopIds = {free[4]};  // ends at the first occurrence, at most 5 tokens in
    const auto lookahead = gpu->generate(batch);
    auto stepwiseBatch = batch;
    for (auto& r : stepwiseBatch) {
        r.sampling.greedy = false;
        r.sampling.topK = 1;
    }
    const auto stepwise = gpu->generate(stepwiseBatch);
    for (std::size_t i = 0; i < batch.size(); ++i) {
        EXPECT_EQ(lookahead[i].newIds, stepwise[i].newIds) << "sequence " << i;
        EXPECT_EQ(lookahead[i].finish, stepwise[i].finish) << "sequence " << i;
        if (i + 1 < batch.size()) {
            EXPECT_EQ(int(lookahead[i].newIds.size()), batch[i].maxNewTokens) << "sequence " << i;
        }
    }
    // The batch may round differently from the single run (another kernel shape), so the stop
    // token is checked where it ended the sequence.
    if (lookahead.back().finish == FinishReason::StopToken) {
        EXPECT_EQ(lookahead.back().newIds.back(), free[4]);
    }
    std::printf("  lookahead vs step-by-step: last sequence ended after %zu tokens (%s)\n", lookahead.back().newIds.size(),
                lookahead.back().finish == FinishReason::StopToken ? "stop token" : "length");
}

TEST(EngineCudaBatch, BatchedDecodeAgreesWithSingle) {
    // Several sequences of different lengths decode together (M = batch in the AWQ kernel); every
    // sequence must keep (almost) the continuation it gets alone.
    const fs::path folder = test::modelDir("tinystories-qwen3-7m-awq");
    const json golden = test::readGolden(folder);
    const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
    std::vector<GenerationRequest> batch;
    for (const auto& seq : golden["sequences"]) {
        const auto ids = seq["input_ids"].get<std::vector<int>>();
        for (std::size_t len : {std::size_t(5), std::size_t(11), std::size_t(16)}) {
            GenerationRequest r;
            r.promptIds.assign(ids.begin(), ids.begin() + std::ptrdiff_t(std::min(len, ids.size())));
            r.maxNewTokens = 24;
            r.stopIds = {-1};
            batch.push_back(r);
        }
    }
    const auto together = gpu->generate(batch);
    int same = 0;
    for (std::size_t i = 0; i < batch.size(); ++i) same += together[i].newIds == gpu->generate({batch[i]})[0].newIds;
    std::printf("  batched decode: %d of %zu sequences identical to their single-sequence run\n", same, batch.size());
    EXPECT_GE(2 * same, int(batch.size()));
}

TEST(EngineCudaConcurrency, TwoEnginesDecodeAtOnceAsAlone) {
    // The Compare page runs an FP16 and an AWQ engine on two threads: each captures its own decode
    // graph while the other runs; both must give what they give alone. Each round needs a new cache
    // capacity, so both engines capture while the other one works; the lone runs afterwards reuse
    // the same cache (same capacity, same attention split) and must agree token for token.
    const auto dense = Engine::load(test::modelDir("tinystories-qwen3-7m"), {.device = DeviceKind::Cuda, .computeDtype = "float16"});
    const auto awq = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {.device = DeviceKind::Cuda});
    GenerationRequest r;
    r.promptIds = dense->encode("Once upon a time, there was a little girl", true);
    r.stopIds = {-1};
    for (int round = 0; round < 3; ++round) {
        r.maxNewTokens = 40 + 300 * round;
        std::vector<int> denseIds, awqIds;
        std::thread a([&] { denseIds = dense->generate({r})[0].newIds; });
        std::thread b([&] { awqIds = awq->generate({r})[0].newIds; });
        a.join();
        b.join();
        EXPECT_EQ(denseIds, dense->generate({r})[0].newIds) << "round " << round;
        EXPECT_EQ(awqIds, awq->generate({r})[0].newIds) << "round " << round;
    }
}

TEST(EngineCudaContinuousBatch, RequestsJoiningARunningBatchKeepTheirContinuations) {
    // `serve`'s batch on the GPU: 4 slots decoded together every step at the fixed batch size (one
    // captured graph), free slots fed a dummy token; requests join as slots free up. Each must
    // make its 24 tokens, start with the token generate() gives it (the same prefill), and keep
    // (almost) the continuation it gets alone, as batched decode does above.
    const fs::path folder = test::modelDir("tinystories-qwen3-7m-awq");
    const json golden = test::readGolden(folder);
    const auto gpu = Engine::load(folder, {.device = DeviceKind::Cuda});
    std::vector<GenerationRequest> requests;
    for (const auto& seq : golden["sequences"]) {
        const auto ids = seq["input_ids"].get<std::vector<int>>();
        for (std::size_t len : {std::size_t(5), std::size_t(11), std::size_t(16)}) {
            GenerationRequest r;
            r.promptIds.assign(ids.begin(), ids.begin() + std::ptrdiff_t(std::min(len, ids.size())));
            r.maxNewTokens = 24;
            r.stopIds = {-1};
            requests.push_back(r);
        }
    }
    auto batch = gpu->openContinuousBatch(4, 256);
    std::vector<std::vector<int>> got(requests.size());
    std::vector<int> requestOfSlot(4, -1);
    std::vector<BatchEvent> events;
    auto harvest = [&] {
        for (const auto& e : events)
            if (e.tokenId >= 0) got[std::size_t(requestOfSlot[std::size_t(e.slot)])].push_back(e.tokenId);
        events.clear();
    };
    std::size_t next = 0;
    int steps = 0, maxActive = 0;
    while (next < requests.size() || batch->active() > 0) {
        // One joins per step while a slot is free, so requests enter a batch that is already running.
        if (next < requests.size() && batch->hasFreeSlot()) {
            const int slot = batch->add(requests[next], events);
            requestOfSlot[std::size_t(slot)] = int(next++);
            harvest();
        }
        maxActive = std::max(maxActive, batch->active());
        batch->step(events);
        harvest();
        ASSERT_LT(++steps, 1000);
    }
    EXPECT_EQ(maxActive, 4);
    int same = 0;
    for (std::size_t i = 0; i < requests.size(); ++i) {
        const auto alone = gpu->generate({requests[i]})[0].newIds;
        ASSERT_EQ(got[i].size(), std::size_t(24)) << "request " << i;
        EXPECT_EQ(got[i].front(), alone.front()) << "request " << i;
        same += got[i] == alone;
    }
    std::printf("  continuous batch: %d of %zu requests identical to their single-sequence run\n", same, requests.size());
    EXPECT_GE(2 * same, int(requests.size()));
}
