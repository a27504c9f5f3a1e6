// The quantizer's quality bar (issue "AWQ quantizer"), on CPU with the real demo model and the
// calibration AutoAWQ's own AWQ was made with: perplexity must order FP16 < AWQ < RTN, and AWQ must
// remove at least as much of RTN's KL divergence against the original as AutoAWQ's AWQ does
// (its output tinystories-qwen3-7m-autoawq, and AutoAWQ's RTN tinystories-qwen3-7m-awq, measured
// here in the same run). GPTQ's bar is test_quant_quality_gptq: a separate program, so that
// `ctest -j` runs the two long jobs side by side.
#include "tests/core/quant/quality_support.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>

using namespace awq;
namespace fs = std::filesystem;

class QuantQualityTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void awqBeatsRtnAsMuchAsAutoAwq() {
        QTemporaryDir tmp;
        const fs::path awqDir = fs::path(tmp.path().toStdString()) / "awq", rtnDir = fs::path(tmp.path().toStdString()) / "rtn";
        const auto awqSummary = test::quantizeDemo(QuantMethodChoice::Awq, awqDir);
        QCOMPARE(awqSummary.calibrationBlocks, 47);  // as AutoAWQ cut the same 128 stories
        QVERIFY(awqSummary.stageSeconds.scaleSearch > 0 && awqSummary.stageSeconds.clipSearch > 0);
        const auto rtnSummary = test::quantizeDemo(QuantMethodChoice::Rtn, rtnDir);
        QCOMPARE(rtnSummary.calibrationBlocks, 47);
        const auto measureStart = std::chrono::steady_clock::now();

        const auto m = test::QualityBench().measure({{awqDir, true},
                                                     {rtnDir, true},
                                                     {test::modelDir("tinystories-qwen3-7m-autoawq"), false},
                                                     {test::modelDir("tinystories-qwen3-7m-awq"), false}});
        const double fp = m.originalPpl;
        const auto &awq = m.rows[0], &rtn = m.rows[1], &autoAwq = m.rows[2], &autoRtn = m.rows[3];

        // Where the test's time went (CI runs it on 2 cores, on the critical path of the suite).
        qInfo("seconds: quantize AWQ %.1f (scale search %.1f, clip search %.1f), RTN %.1f, measuring %.1f", awqSummary.seconds,
              awqSummary.stageSeconds.scaleSearch, awqSummary.stageSeconds.clipSearch, rtnSummary.seconds,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - measureStart).count());
        qInfo("FP32 (original) ppl %.4f", fp);
        qInfo("awqbench AWQ    ppl %.4f  KLD %.6f  top-1 %.4f", awq.ppl, awq.kld, awq.top1);
        qInfo("awqbench RTN    ppl %.4f  KLD %.6f  top-1 %.4f", rtn.ppl, rtn.kld, rtn.top1);
        qInfo("AutoAWQ AWQ               KLD %.6f  top-1 %.4f", autoAwq.kld, autoAwq.top1);
        qInfo("AutoAWQ RTN               KLD %.6f  top-1 %.4f", autoRtn.kld, autoRtn.top1);
        const double ourCut = 1 - awq.kld / rtn.kld, autoCut = 1 - autoAwq.kld / autoRtn.kld;
        qInfo("KLD removed from RTN's: awqbench %.1f%%, AutoAWQ %.1f%%", 100 * ourCut, 100 * autoCut);

        QVERIFY2(fp < awq.ppl && awq.ppl < rtn.ppl, "perplexity must order FP16 < AWQ < RTN");
        QVERIFY2(ourCut >= autoCut, "AWQ must remove at least as much of RTN's KL divergence as AutoAWQ's AWQ");
        QVERIFY(awq.top1 > rtn.top1 - 0.002);  // agreement no worse than RTN's beyond noise
    }
};

QTEST_GUILESS_MAIN(QuantQualityTest)
#include "test_quant_quality.moc"
