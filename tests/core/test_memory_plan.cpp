#include "core/system/gpu_probe.h"
#include "core/system/memory_plan.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QtTest>

using namespace awq;

class MemoryPlanTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void kvCachePerToken() {
        // Seeds: Qwen3-8B has 36 layers x 8 KV heads x 128 dim: 144 KiB of fp16 KV cache per token.
        ModelConfig qwen3_8b;
        qwen3_8b.numLayers = 36;
        qwen3_8b.numKvHeads = 8;
        qwen3_8b.headDim = 128;
        QCOMPARE(kvCacheBytesPerToken(qwen3_8b), std::uint64_t(147456));
        QCOMPARE(kvCacheBytesPerToken(qwen3_8b, 1), std::uint64_t(73728));  // fp8 cache
        const auto tiny = describeModel(test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(kvCacheBytesPerToken(tiny.config), std::uint64_t(8 * 2 * 64 * 2 * 2));
    }

    void sequencesThatFit() {
        ModelInfo m;
        m.config.numLayers = 36;
        m.config.numKvHeads = 8;
        m.config.headDim = 128;
        m.config.maxPositions = 40960;
        m.weightBytes = 6ull << 30;  // a 6 GiB AWQ model
        MemoryPlanInput in;
        in.gpuMemoryBytes = 16ull << 30;
        in.contextLength = 8192;
        in.utilization = 1.0;
        in.overheadBytes = 2ull << 30;
        const auto p = planMemory(m, in);
        QVERIFY(p.weightsFit);
        QCOMPARE(p.kvBudgetBytes, std::int64_t(8ull << 30));
        QCOMPARE(p.kvBytesPerSequence, std::uint64_t(147456) * 8192);
        QCOMPARE(p.tokensThatFit, std::int64_t((8ull << 30) / 147456));  // 58254 tokens
        QCOMPARE(p.sequencesThatFit, std::int64_t(7));
        // The context vLLM accepts for the model (max_position_embeddings, no rope scaling): a plan
        // past it is one vLLM refuses to start, however many sequences the cache would hold.
        QCOMPARE(p.modelContextLength, 40960);
        QVERIFY(!p.pastModelContext());
        in.contextLength = 40961;
        QVERIFY(planMemory(m, in).pastModelContext());
        in.contextLength = 8192;
        in.gpuMemoryBytes = 8ull << 30;
        const auto small = planMemory(m, in);
        QVERIFY(!small.weightsFit);
        QCOMPARE(small.sequencesThatFit, std::int64_t(0));
    }

    // User trial: "3,426 concurrent sequences" read as serving capacity; vLLM runs at most
    // --max-num-seqs at once (256 by default, 1024 on a 70 GiB+ card that is not an A100).
    void kvCapacityTextSaysWhatLimitsConcurrency() {
        MemoryPlan p;
        p.weightsFit = true;
        p.contextLength = 2048;
        p.sequencesThatFit = 3426;
        p.gpuMemoryBytes = 16ull << 30;
        QCOMPARE(kvCapacityText(p), std::string("KV cache holds 3,426 sequences of 2,048 tokens "
                                                "(vLLM runs at most 256 at once by default: --max-num-seqs)"));
        p.gpuMemoryBytes = 80ull << 30;
        QCOMPARE(kvCapacityText(p), std::string("KV cache holds 3,426 sequences of 2,048 tokens "
                                                "(vLLM runs at most 1,024 at once by default, 256 on an A100: --max-num-seqs)"));
        // Fewer than vLLM's limit: the cache is what bounds concurrency at full context.
        p.gpuMemoryBytes = 16ull << 30;
        p.sequencesThatFit = 7;
        p.contextLength = 8192;
        QCOMPARE(kvCapacityText(p), std::string("KV cache holds 7 sequences of 8,192 tokens: at full context no more run at once "
                                                "(vLLM's own limit, --max-num-seqs, is 256)"));
        p.sequencesThatFit = 1;
        QVERIFY(kvCapacityText(p).starts_with("KV cache holds 1 sequence of 8,192 tokens:"));
        p.sequencesThatFit = 0;
        QCOMPARE(kvCapacityText(p), std::string());
        QCOMPARE(groupedInteger(0), std::string("0"));
        QCOMPARE(groupedInteger(999), std::string("999"));
        QCOMPARE(groupedInteger(1000), std::string("1,000"));
        QCOMPARE(groupedInteger(-1234567), std::string("-1,234,567"));
    }

    void slidingWindowBoundsTheCache() {
        const auto mistral = describeModel(test::modelDir("mistral-random"));
        MemoryPlanInput in;
        in.gpuMemoryBytes = 16ull << 30;
        in.contextLength = 256;
        const auto p = planMemory(mistral, in);
        QCOMPARE(p.kvBytesPerSequence, p.kvBytesPerToken * 16);  // window of 16 tokens
    }

    // Issue 17: numbers that bypass config.json's bounds (here set directly) make the plan refuse,
    // naming config.json; they never wrap the KV cache to 0 and divide by it (SIGFPE).
    void hugeSizesAreRefusedNotWrapped() {
        ModelInfo m;
        m.folder = "/models/wrap";
        m.config.numLayers = 8;
        m.config.numKvHeads = 2;
        m.config.headDim = 1 << 30;
        m.config.maxPositions = 1 << 28;  // 2^36 bytes a token x 2^28 tokens = 2^64: wrapped to 0
        MemoryPlanInput in;
        in.gpuMemoryBytes = 16ull << 30;
        const QString msg = test::errorMessageOf([&] { planMemory(m, in); });
        QVERIFY2(msg.contains("/models/wrap/config.json") && msg.contains("overflows"), qPrintable(msg));

        m.config.numLayers = 1 << 30;
        m.config.numKvHeads = 1 << 30;
        QVERIFY(test::errorMessageOf([&] { kvCacheBytesPerToken(m.config); }).contains("overflows"));
    }

    void probeReportsCleanly() {
        const auto r = probeGpus();
        if (r.available) {
            QVERIFY(!r.gpus.empty());
            QVERIFY(r.gpus[0].totalBytes > 0);
        } else {
            QVERIFY(!r.reason.empty());
            QVERIFY(r.gpus.empty());
        }
    }
};

QTEST_APPLESS_MAIN(MemoryPlanTest)
#include "test_memory_plan.moc"
