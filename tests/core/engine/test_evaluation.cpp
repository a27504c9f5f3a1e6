// Perplexity protocol of ../shared/models/README.md against its reference numbers (transformers,
// float32), and KL divergence / top-1 agreement of the round-to-nearest AWQ fixture.
#include "core/engine/evaluation.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <fstream>

using namespace awq;

namespace {
std::string readText(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}
}  // namespace

class EvaluationTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> fp32_;
    std::vector<int> ids_;

private Q_SLOTS:
    void initTestCase() {
        fp32_ = Engine::load(test::modelDir("tinystories-qwen3-7m"), {});
        ids_ = fp32_->encode(readText(test::dataFile("eval-stories.txt")), false);
    }

    void reproducesReferencePerplexity() {
        QCOMPARE(ids_.size(), std::size_t(187861));
        const auto r = evaluatePerplexity(*fp32_, ids_, {.context = 256, .stride = 256});
        QCOMPARE(r.windows, 733);
        QCOMPARE(r.scoredTokens, std::int64_t(186915));
        QVERIFY2(std::fabs(r.perplexity / 10.332 - 1) < 0.005, qPrintable(QString::number(r.perplexity)));
    }

    void quantizedModelAgainstReference() {
        const auto rtn = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {});
        const auto r = evaluatePerplexity(*rtn, ids_, {.context = 256, .stride = 256, .maxWindows = 64}, fp32_.get());
        QVERIFY(r.meanKld && r.top1Agreement);
        // README: mean KLD 0.0086 and top-1 agreement 0.943 over the first 64 windows.
        QVERIFY2(std::fabs(*r.meanKld - 0.0086) < 0.0005, qPrintable(QString::number(*r.meanKld, 'g', 6)));
        QVERIFY2(std::fabs(*r.top1Agreement - 0.943) < 0.005, qPrintable(QString::number(*r.top1Agreement, 'g', 6)));
        // The reference's own perplexity over the same windows: the baseline `eval ppl --ref` prints beside the model's.
        const auto alone = evaluatePerplexity(*fp32_, ids_, {.context = 256, .stride = 256, .maxWindows = 64});
        QVERIFY(r.referencePerplexity);
        QVERIFY2(std::fabs(*r.referencePerplexity / alone.perplexity - 1) < 1e-9,
                 qPrintable(QString("%1 vs %2").arg(*r.referencePerplexity, 0, 'g', 10).arg(alone.perplexity, 0, 'g', 10)));
        QVERIFY(*r.referencePerplexity < r.perplexity);  // the 4-bit copy is the worse of the two on the text it was not calibrated on
    }

    void severalModelsAsEachAlone() {
        // The reference runs once a window for all of them; every number as the one-model call's, bit for bit.
        const auto rtn = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {});
        const PerplexityOptions eight{.context = 256, .stride = 256, .maxWindows = 8};
        const auto both = evaluatePerplexities({rtn.get(), fp32_.get()}, ids_, eight, fp32_.get());
        QCOMPARE(both.size(), std::size_t(2));
        for (std::size_t i = 0; i < 2; ++i) {
            const auto alone = evaluatePerplexity(i == 0 ? *rtn : *fp32_, ids_, eight, fp32_.get());
            QCOMPARE(both[i].windows, alone.windows);
            QCOMPARE(both[i].scoredTokens, alone.scoredTokens);
            QCOMPARE(both[i].nllSum, alone.nllSum);
            QCOMPARE(*both[i].meanKld, *alone.meanKld);
            QCOMPARE(*both[i].top1Agreement, *alone.top1Agreement);
            QCOMPARE(*both[i].referencePerplexity, *alone.referencePerplexity);
        }
        QCOMPARE(*both[1].meanKld, 0.0);  // the reference against itself
        QVERIFY(evaluatePerplexities({}, ids_, eight).empty());
    }

    void slidingStrideScoresEachTokenOnce() {
        std::vector<int> first(ids_.begin(), ids_.begin() + 1024);
        const auto r = evaluatePerplexity(*fp32_, first, {.context = 256, .stride = 128});
        QCOMPARE(r.windows, 7);
        QCOMPARE(r.scoredTokens, std::int64_t(255 + 6 * 128));
        QVERIFY(r.perplexity > 1 && r.perplexity < 100);
    }

    void cancellation() {
        std::stop_source stop;
        const auto r = evaluatePerplexity(*fp32_, ids_, {}, nullptr, [&](const EvalProgress& p) {
            if (p.window == 3) stop.request_stop();
        }, stop.get_token());
        QVERIFY(r.cancelled);
        QCOMPARE(r.windows, 3);
    }
};

QTEST_APPLESS_MAIN(EvaluationTest)
#include "test_evaluation.moc"
