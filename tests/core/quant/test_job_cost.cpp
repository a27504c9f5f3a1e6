// The quantizer on the device it runs on: the CPU defaults finish the demo model in about a minute
// and the pre-flight's time estimate is close to what the job takes; progress arrives inside a
// layer and a cancel lands within seconds even with AutoAWQ's full (slow on CPU) settings.
#include "core/quant/detail/job_cost.h"
#include "core/quant/eta_countdown.h"
#include "core/quant/quantize_defaults.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <atomic>
#include <chrono>
#include <thread>

using namespace awq;
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

QuantizeSettings demoJob(const fs::path& out, const QuantizeDefaults& d) {
    QuantizeSettings s;
    s.model = test::modelDir("tinystories-qwen3-7m");
    s.output = out;
    s.calibrationFiles = {test::dataFile("calib-stories.txt")};
    s.samples = d.samples;
    s.seqlen = d.seqlen;
    s.gridRatios = d.gridRatios;
    s.device = "cpu";
    return s;
}

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

class JobCostTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path tmp(const char* name) const { return fs::path(tmp_.path().toStdString()) / name; }

private Q_SLOTS:
    void cpuDefaultsTradeAgainstAutoAwq() {
        const auto cpu = quantizeDefaults("cpu");
        QCOMPARE(cpu.samples, 32);
        QCOMPARE(cpu.seqlen, 256);
        QCOMPARE(cpu.gridRatios, 10);
        const auto gpu = quantizeDefaults("cuda");
        QCOMPARE(gpu.samples, kAutoAwqDefaults.samples);
        QCOMPARE(gpu.gridRatios, kAutoAwqDefaults.gridRatios);

        auto s = demoJob(tmp("unused"), cpu);
        QCOMPARE(QString::fromStdString(tradeAgainstAutoAwq(s)),
                 QStringLiteral("8x fewer calibration tokens (8192 vs up to 65536) and 10 scale ratios instead of 20"));
        // With the tokens the pre-flight counted (texts cut into blocks, not samples x seqlen).
        QCOMPARE(QString::fromStdString(tradeAgainstAutoAwq(s, 4864)),
                 QStringLiteral("13x fewer calibration tokens (4864 vs up to 65536) and 10 scale ratios instead of 20"));
        s.method = QuantMethodChoice::Rtn;
        QVERIFY(tradeAgainstAutoAwq(s).empty());  // no search to trade
        QVERIFY(tradeAgainstAutoAwq(demoJob(tmp("unused"), kAutoAwqDefaults)).empty());
    }

    // The demo model with the CPU defaults: about a minute on the 2-core CI machine (a 3-minute
    // bound leaves room for a shared machine), and the estimate within 3x of the job's time: a layer
    // of the job is timed (83 s estimated for 116 s on a loaded machine; the FLOP count over a matmul
    // probe this replaced missed the per-operation overhead: 16.8 s estimated for 60 s in a CI run).
    // The pre-flight stays quick with the layer timed.
    void cpuDefaultsFinishInAboutAMinuteAsEstimated() {
        const auto s = demoJob(tmp("demo-awq"), quantizeDefaults("cpu"));
        const auto checkStart = Clock::now();
        const auto preflight = preflightQuantizeJob(s);
        const double checkSeconds = secondsSince(checkStart);
        QVERIFY2(preflight.ok(), preflight.problems.empty() ? "" : preflight.problems.front().c_str());
        QVERIFY(preflight.estimatedSeconds.has_value());
        QVERIFY(preflight.layerTimed);
        QVERIFY2(checkSeconds < 10, qPrintable(QStringLiteral("pre-flight took %1 s").arg(checkSeconds)));
        QVERIFY(preflight.deviceFlopsPerSecond > 1e8);
        QCOMPARE(QString::fromStdString(preflight.device), QStringLiteral("cpu"));
        QVERIFY(!preflight.tradedAgainstAutoAwq.empty());

        // The full AutoAWQ settings are estimated much slower (8x the tokens, 2x the ratios, 2x the
        // attention span). The jobs themselves differ by ~4.3x (README: 21 s against 90 s on 2 cores;
        // a job's fixed costs and larger, more efficient matmuls), and the timed layer says about that
        // (CI: 19.4 s against 86.7 s). The FLOP count this replaced said more than 6x.
        const auto full = preflightQuantizeJob(demoJob(tmp("demo-full"), kAutoAwqDefaults));
        QVERIFY(full.estimatedSeconds.has_value());
        QVERIFY2(*full.estimatedSeconds > 3 * *preflight.estimatedSeconds,
                 qPrintable(QStringLiteral("full %1 s vs cpu defaults %2 s").arg(*full.estimatedSeconds).arg(*preflight.estimatedSeconds)));

        int stageEvents = 0;
        const auto start = Clock::now();
        const auto summary = runQuantizeJob(s, [&](const QuantizeEvent& e) {
            if (e.kind == QuantizeEvent::Kind::Stage && e.layerFraction >= 0) ++stageEvents;
        });
        const double took = secondsSince(start);
        qInfo("CPU defaults: %.1f s (estimated %.1f s by a timed layer, pre-flight %.1f s); AutoAWQ defaults estimated %.0f s", took,
              *preflight.estimatedSeconds, checkSeconds, *full.estimatedSeconds);
        QCOMPARE(summary.layers, 8);
        QVERIFY2(took < 180, qPrintable(QStringLiteral("took %1 s").arg(took)));
        // 3x, not 2x: under ctest -j2 on 2 cores the pre-flight and the job may meet different loads
        // (the helper that wrote the timing measured 1.8x high with the check under a load of 11).
        QVERIFY2(*preflight.estimatedSeconds > took / 3 && *preflight.estimatedSeconds < took * 3,
                 qPrintable(QStringLiteral("estimated %1 s, took %2 s").arg(*preflight.estimatedSeconds).arg(took)));
        // Progress inside each layer: at least one event per scale candidate of each layer.
        QVERIFY2(stageEvents >= 8 * s.gridRatios, qPrintable(QString::number(stageEvents)));
        QVERIFY(fs::exists(s.output / "config.json"));
    }

    // Between layer completions the ETA counts down from the last layer's estimate, and stops at what
    // the layers after the one in flight take (it never reaches 0 or less while layers remain).
    void etaCountsDownBetweenLayers() {
        EtaCountdown eta;
        QVERIFY(!eta.remaining(5).has_value());  // nothing finished yet
        eta.layerDone(40, 4, 10);                // 4 layers left, 10 s each so far
        QCOMPARE(*eta.remaining(10), 40.0);
        QCOMPARE(*eta.remaining(13), 37.0);
        QVERIFY(!eta.overdue(19));
        QCOMPARE(*eta.remaining(25), 30.0);      // the in-flight layer is over its 10 s: the other 3 remain
        QVERIFY(eta.overdue(25));
        eta.layerDone(9, 1, 26);                 // the last layer
        QCOMPARE(*eta.remaining(30), 5.0);
        QCOMPARE(*eta.remaining(60), 0.0);
        QVERIFY(eta.overdue(60));
        eta.layerDone(-1, 0, 61);                // unknown keeps the last estimate
        QCOMPARE(*eta.remaining(60), 0.0);
        eta.reset();
        QVERIFY(!eta.remaining(60).has_value());
    }

    // AutoAWQ's full settings (a layer takes minutes on CPU): the cancel requested in the middle of
    // the first layer's scale search lands within 5 s, and the job stays resumable.
    void cancelInsideALayerWithinFiveSeconds() {
        const auto s = demoJob(tmp("cancel-awq"), kAutoAwqDefaults);
        std::stop_source stop;
        std::atomic<int> searchEvents{0};
        std::atomic<double> lastFraction{-1};
        std::atomic<int> lastLayer{-1};
        std::string error;
        QuantizeSummary stopped;
        std::thread job([&] {
            try {
                stopped = runQuantizeJob(s, [&](const QuantizeEvent& e) {
                    if (e.kind != QuantizeEvent::Kind::Stage) return;
                    lastLayer = e.layer;
                    lastFraction = e.layerFraction;
                    if (e.stage == "scale search") ++searchEvents;
                }, stop.get_token());
            } catch (const Error& e) {
                error = e.what();
            }
        });
        // Two candidates scored: well inside layer 0 (whose search alone takes minutes here).
        const auto waitStart = Clock::now();
        while (searchEvents < 3 && secondsSince(waitStart) < 600) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        QCOMPARE(lastLayer.load(), 0);
        QVERIFY(lastFraction > 0 && lastFraction < 0.5);
        const auto requested = Clock::now();
        stop.request_stop();
        job.join();
        const double latency = secondsSince(requested);
        qInfo("cancel latency inside layer 0: %.2f s", latency);
        QVERIFY2(latency < 5, qPrintable(QStringLiteral("%1 s").arg(latency)));
        QVERIFY2(error.empty(), error.c_str());
        QVERIFY(stopped.cancelled);
        QVERIFY2(stopped.stopNote.find("cancelled at layer 1 of " + std::to_string(stopped.layers)) != std::string::npos, stopped.stopNote.c_str());
        QVERIFY(!fs::exists(s.output));
        QVERIFY(fs::exists(quantizeWorkFolderFor(s.output) / "awqbench_job.json"));  // resumable
    }
};

QTEST_APPLESS_MAIN(JobCostTest)
#include "test_job_cost.moc"
