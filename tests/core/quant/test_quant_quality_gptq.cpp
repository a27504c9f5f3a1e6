// GPTQ's quality bar (issue #16), beside test_quant_quality's AWQ bar and with the same setup (the
// demo model, AutoAWQ's calibration, 128 x 512, group 128, CPU): GPTQ's KL divergence against the
// original must be below round-to-nearest's.
#include "tests/core/quant/quality_support.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace awq;
namespace fs = std::filesystem;

class QuantQualityGptqTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gptqBeatsRtn() {
        QTemporaryDir tmp;
        const fs::path gptqDir = fs::path(tmp.path().toStdString()) / "gptq", rtnDir = fs::path(tmp.path().toStdString()) / "rtn";
        const auto summary = test::quantizeDemo(QuantMethodChoice::Gptq, gptqDir);
        QCOMPARE(summary.calibrationBlocks, 47);
        QVERIFY(summary.stageSeconds.gptq > 0);
        QCOMPARE(summary.stageSeconds.scaleSearch, 0.0);
        test::quantizeDemo(QuantMethodChoice::Rtn, rtnDir);

        const auto m = test::QualityBench().measure({{gptqDir, false}, {rtnDir, false}});
        const auto &gptq = m.rows[0], &rtn = m.rows[1];
        qInfo("awqbench GPTQ   KLD %.6f  top-1 %.4f", gptq.kld, gptq.top1);
        qInfo("awqbench RTN    KLD %.6f  top-1 %.4f", rtn.kld, rtn.top1);
        QVERIFY2(gptq.kld < rtn.kld, "GPTQ's KL divergence must be below RTN's");
    }
};

QTEST_GUILESS_MAIN(QuantQualityGptqTest)
#include "test_quant_quality_gptq.moc"
