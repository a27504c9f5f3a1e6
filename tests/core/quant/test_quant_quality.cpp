// The quantizer's quality bar (issue "AWQ quantizer"), on CPU with the real demo model and the
// calibration AutoAWQ's own AWQ was made with: perplexity must order FP16 < AWQ < RTN, and AWQ must
// remove at least as much of RTN's KL divergence against the original as AutoAWQ's AWQ does
// (its output tinystories-qwen3-7m-autoawq, and AutoAWQ's RTN tinystories-qwen3-7m-awq, measured
// here in the same run). GPTQ (issue #16) runs beside them: its KL divergence must be below RTN's.
#include "core/engine/evaluation.h"
#include "core/quant/quantize_job.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace awq;
namespace fs = std::filesystem;

class QuantQualityTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void awqBeatsRtnAsMuchAsAutoAwq() {
        QTemporaryDir tmp;
        const fs::path original = test::modelDir("tinystories-qwen3-7m");
        std::map<std::string, fs::path> ours;
        for (const auto method : {QuantMethodChoice::Awq, QuantMethodChoice::Gptq, QuantMethodChoice::Rtn}) {
            QuantizeSettings s;  // defaults: 128 samples x 512 tokens, group 128, as AutoAWQ
            s.model = original;
            s.output = fs::path(tmp.path().toStdString()) / quantMethodChoiceName(method);
            s.method = method;
            s.calibrationFiles = {test::dataFile("calib-stories.txt")};
            const auto summary = runQuantizeJob(s);
            QCOMPARE(summary.calibrationBlocks, 47);  // as AutoAWQ cut the same 128 stories
            ours[quantMethodChoiceName(method)] = s.output;
        }

        const auto reference = Engine::load(original);
        std::ifstream in(test::dataFile("eval-stories.txt"), std::ios::binary);
        const auto ids = reference->encode(std::string(std::istreambuf_iterator<char>(in), {}), false);
        const PerplexityOptions all{.context = 256, .stride = 256};
        const PerplexityOptions first64{.context = 256, .stride = 256, .maxWindows = 64};

        struct Row {
            double ppl = 0, kld = 0, top1 = 0;
        };
        auto measure = [&](const fs::path& folder, bool withPerplexity) {
            const auto engine = Engine::load(folder);
            const auto q = evaluatePerplexity(*engine, ids, first64, reference.get());
            return Row{withPerplexity ? evaluatePerplexity(*engine, ids, all).perplexity : 0, *q.meanKld, *q.top1Agreement};
        };
        const double fp = evaluatePerplexity(*reference, ids, all).perplexity;
        const Row awq = measure(ours["awq"], true);
        const Row gptq = measure(ours["gptq"], true);
        const Row rtn = measure(ours["rtn"], true);
        const Row autoAwq = measure(test::modelDir("tinystories-qwen3-7m-autoawq"), false);
        const Row autoRtn = measure(test::modelDir("tinystories-qwen3-7m-awq"), false);

        qInfo("FP32 (original) ppl %.4f", fp);
        qInfo("awqbench AWQ    ppl %.4f  KLD %.6f  top-1 %.4f", awq.ppl, awq.kld, awq.top1);
        qInfo("awqbench GPTQ   ppl %.4f  KLD %.6f  top-1 %.4f", gptq.ppl, gptq.kld, gptq.top1);
        qInfo("awqbench RTN    ppl %.4f  KLD %.6f  top-1 %.4f", rtn.ppl, rtn.kld, rtn.top1);
        qInfo("AutoAWQ AWQ               KLD %.6f  top-1 %.4f", autoAwq.kld, autoAwq.top1);
        qInfo("AutoAWQ RTN               KLD %.6f  top-1 %.4f", autoRtn.kld, autoRtn.top1);
        const double ourCut = 1 - awq.kld / rtn.kld, autoCut = 1 - autoAwq.kld / autoRtn.kld;
        qInfo("KLD removed from RTN's: awqbench %.1f%%, AutoAWQ %.1f%%", 100 * ourCut, 100 * autoCut);

        QVERIFY2(fp < awq.ppl && awq.ppl < rtn.ppl, "perplexity must order FP16 < AWQ < RTN");
        QVERIFY2(ourCut >= autoCut, "AWQ must remove at least as much of RTN's KL divergence as AutoAWQ's AWQ");
        QVERIFY(awq.top1 > rtn.top1 - 0.002);  // agreement no worse than RTN's beyond noise
        QVERIFY2(gptq.kld < rtn.kld, "GPTQ's KL divergence must be below RTN's");
    }
};

QTEST_GUILESS_MAIN(QuantQualityTest)
#include "test_quant_quality.moc"
