// The comparison workflow on the two demo-sized real models on CPU: the built-in battery on both
// (streamed), totals and speed consistent with the per-test results, quality, the run document
// written and read back, a small concurrency sweep, and a multi-turn chat.
#include "core/compare/chat_session.h"
#include "core/compare/compare_runner.h"
#include "core/compare/device_label.h"
#include "core/compare/sweep.h"
#include "core/compare/text_checks.h"
#include "core/engine/engine.h"
#include "core/run/battery_scope.h"
#include "core/system/batch_memory.h"
#include "core/tokenizer/tokenizer.h"
#include "core/quant/quantize_job.h"
#include "core/report/report_export.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <nlohmann/json.hpp>

#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <map>

using namespace awq;

namespace {

// The demo model quantized here with round-to-nearest into DIR/rtn (a few seconds): a model whose
// record names the demo model as its source.
QuantizeSettings quantizeDemoRtn(const QTemporaryDir& dir) {
    QuantizeSettings q;
    q.model = test::modelDir("tinystories-qwen3-7m");
    q.output = std::filesystem::path(dir.path().toStdString()) / "rtn";
    q.method = QuantMethodChoice::Rtn;
    q.calibrationFiles = {test::dataFile("calib-stories.txt")};
    q.samples = 2;
    q.seqlen = 32;
    runQuantizeJob(q);
    return q;
}

}  // namespace

class CompareRunTest : public QObject {
    Q_OBJECT
    RunSettings settings_;

private Q_SLOTS:
    void initTestCase() { settings_.maxNewTokens = 8; }  // AWQ on CPU dequantizes every step: keep it short

    void comparesTwoModelsOnTheDefaultBattery() {
        CompareSettings s;
        s.modelA = test::modelDir("tinystories-qwen3-7m");
        s.modelB = test::modelDir("tinystories-qwen3-7m-awq");
        s.run = settings_;
        s.battery = loadDefaultBattery();
        s.quality = QualityOptions{test::dataFile("eval-stories.txt"), {.context = 128, .stride = 128, .maxWindows = 2}};
        std::map<std::pair<std::string, int>, std::string> streamed;
        std::map<std::pair<std::string, int>, std::string> finished;
        std::vector<std::string> loadedSlots;
        int qualityEvents = 0;
        const auto doc = runComparison(s, [&](const CompareEvent& e) {
            if (e.kind == CompareEvent::Kind::Loaded) loadedSlots.push_back(e.slot);
            if (e.kind == CompareEvent::Kind::Quality) ++qualityEvents;
            if (e.kind != CompareEvent::Kind::Battery) return;
            if (e.battery.kind == BatteryEvent::Kind::Token) streamed[{e.battery.slot, e.battery.test}] += e.battery.textDelta;
            if (e.battery.kind == BatteryEvent::Kind::TestFinished) finished[{e.battery.slot, e.battery.test}] = e.battery.result.text;
        });
        QCOMPARE(loadedSlots, (std::vector<std::string>{"A", "B"}));
        QVERIFY(!doc.cancelled);
        QCOMPARE(doc.kind, std::string("compare"));

        // Model identities: the FP original and its 4-bit AWQ file.
        const auto& A = doc.models.at("A");
        const auto& B = doc.models.at("B");
        QCOMPARE(A.architecture, std::string("Qwen3ForCausalLM"));
        QVERIFY(!A.quantization);
        QCOMPARE(B.quantization->method, std::string("awq"));
        QCOMPARE(B.quantization->bits, 4);
        QCOMPARE(B.quantization->groupSize, 128);
        QCOMPARE(A.fingerprint.size(), std::size_t(64));
        QVERIFY(A.fingerprint != B.fingerprint);
        QVERIFY(!B.sourceFingerprint);  // made by AutoAWQ, not by us
        QVERIFY(B.fileBytes < A.fileBytes);
        QCOMPARE(A.computeDtype, std::string("float32"));
        QVERIFY(A.kvCacheBytesPerToken > 0 && !A.fit.empty());

        // Every test ran on both; the streamed deltas are the judged text.
        const auto& battery = *doc.battery;
        QCOMPARE(int(battery.tests.size()), 16);
        for (int i = 0; i < 16; ++i)
            for (const char* slot : {"A", "B"}) {
                const auto& r = battery.tests[std::size_t(i)].results.at(slot);
                const auto key = std::make_pair(std::string(slot), i);
                QCOMPARE(streamed[key], r.text);
                QCOMPARE(finished[key], r.text);
                QVERIFY(r.outputTokens >= 1 && r.outputTokens <= settings_.maxNewTokens);
                QVERIFY(r.seconds > 0);
                QCOMPARE(r.loopDetected, detectLoop(r.text).detected);
                const auto& ref = battery.tests[std::size_t(i)].reference;
                QCOMPARE(r.exactMatch.has_value(), ref.has_value());
                if (ref) QCOMPARE(*r.exactMatch, matchesReference(r.text, *ref));
                if (!r.substantive) QVERIFY(!r.notes.empty());
            }

        // Totals and speed agree with the per-test results.
        for (const char* slot : {"A", "B"}) {
            const auto& t = battery.totals.at(slot);
            double seconds = 0;
            int loops = 0, substantive = 0, refs = 0, matches = 0;
            std::int64_t tokens = 0;
            for (const auto& rec : battery.tests) {
                const auto& r = rec.results.at(slot);
                seconds += r.seconds;
                loops += r.loopDetected;
                substantive += r.substantive;
                refs += r.exactMatch.has_value();
                matches += r.exactMatch.value_or(false);
                tokens += r.outputTokens;
            }
            QCOMPARE(t.tests, 16);
            QVERIFY(qAbs(t.totalSeconds - seconds) < 1e-9);
            QVERIFY(qAbs(t.avgSeconds - seconds / 16) < 1e-9);
            QCOMPARE(t.loopDetections, loops);
            QCOMPARE(t.substantive, substantive);
            QCOMPARE(t.withReference, 5);
            QCOMPARE(t.exactMatches, matches);
            const auto& sp = doc.speed.at(slot);
            QCOMPARE(sp.requests, 16);
            QCOMPARE(sp.outputTokens, tokens);
            QVERIFY(sp.outputTokensPerS > 0);
            QVERIFY(sp.ttftMs.p50 <= sp.ttftMs.p95 && sp.ttftMs.p95 <= sp.ttftMs.p99);
            QVERIFY(sp.itlMs && sp.itlMs->mean > 0 && sp.itlMs->p50 <= sp.itlMs->p99);
            QVERIFY(sp.e2eMs.p50 >= sp.ttftMs.p50);
            QVERIFY(sp.peakMemoryBytes > 0);
        }
        // The trained FP model answers most story prompts with real text.
        QVERIFY(battery.totals.at("A").substantive >= 10);

        // Quality: close to the original, as for round-to-nearest g128 (README of the fixtures).
        const auto& q = *doc.quality;
        QCOMPARE(q.windows, 2);
        QVERIFY(qualityEvents >= 4);
        QVERIFY(q.models.at("A").perplexity > 1 && q.models.at("A").perplexity < 30);
        QVERIFY(*q.models.at("B").kldVsA > 0 && *q.models.at("B").kldVsA < 0.1);
        QVERIFY(*q.models.at("B").top1VsA > 0.8);
        QCOMPARE(q.models.at("A").tokens, std::int64_t(2 * 127));

        // Saved and read back unchanged.
        QTemporaryDir dir;
        const auto file = std::filesystem::path(dir.path().toStdString()) / "RUN.json";
        saveRunDocument(doc, file);
        const auto back = loadRunDocument(file);
        QCOMPARE(runDocumentToJson(back), runDocumentToJson(doc));
        QCOMPARE(back.battery->tests[3].results.at("B").text, battery.tests[3].results.at("B").text);
    }

    void cancelsBetweenTokens() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        std::stop_source stop;
        int tokens = 0;
        const auto out = runBattery({&a}, loadDefaultBattery(), settings_, [&](const BatteryEvent& e) {
            if (e.kind == BatteryEvent::Kind::Token && ++tokens == 30) stop.request_stop();
        }, stop.get_token());
        QVERIFY(out.cancelled);
        QVERIFY(out.run.tests.size() < 16);
        QCOMPARE(out.run.totals.at("A").tests, int(out.run.tests.size()));
    }

    // Cancelled between A's and B's answer to a test (A has 3 tests, B 2): the totals and the speed
    // compare the 2 tests both finished (they compared 3 against 2: "total time -35%"), the half-run
    // test stays listed, and the battery says it is partial and how far it got.
    void cancelBetweenSidesTotalsLikeWithLike() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        auto b = loadModelForRun("B", test::modelDir("tinystories-qwen3-7m-awq"), engineOptionsFor(settings_));
        std::stop_source stop;
        const Battery battery = loadDefaultBattery();
        const auto out = runBattery({&a, &b}, battery, settings_, [&](const BatteryEvent& e) {
            if (e.kind == BatteryEvent::Kind::TestFinished && e.slot == "A" && e.test == 2) stop.request_stop();
        }, stop.get_token());
        QVERIFY(out.cancelled);
        QCOMPARE(out.run.tests.size(), std::size_t(3));
        QVERIFY(out.run.tests[2].results.count("A") && !out.run.tests[2].results.count("B"));
        QCOMPARE(out.run.plannedTests, int(battery.tests.size()));
        QCOMPARE(out.run.testsEverySideFinished(), 2);
        QVERIFY(out.run.partial());
        for (const char* slot : {"A", "B"}) {
            QCOMPARE(out.run.totals.at(slot).tests, 2);
            QCOMPARE(out.speed.at(slot).requests, 2);
            QCOMPARE(out.run.totals.at(slot).totalSeconds,
                     out.run.tests[0].results.at(slot).seconds + out.run.tests[1].results.at(slot).seconds);
        }
        const std::string note = partialBatteryNote(out.run);
        QCOMPARE(note, "cancelled after 2 of " + std::to_string(battery.tests.size()) +
                           " tests: the totals and speed compare the 2 tests both models finished (a test only one of them finished is listed, not counted)");

        // Written and read back, the document keeps the planned count (the report and the CLI read it).
        RunDocument doc = newRunDocument("compare", settings_);
        doc.battery = out.run;
        doc.cancelled = true;
        const RunDocument back = runDocumentFromJson(runDocumentToJson(doc), "run.json");
        QCOMPARE(back.battery->plannedTests, int(battery.tests.size()));
        QCOMPARE(partialBatteryNote(*back.battery), note);
        // A whole run is not partial.
        BatteryRun whole = out.run;
        whole.tests.resize(2);
        whole.plannedTests = 2;
        QVERIFY(!whole.partial() && partialBatteryNote(whole).empty());
    }

    // The same model as A and B: B looked 2..18% faster because A's first test paid for the cold
    // start. Every side now runs a discarded warm-up generation before any timed test: the first
    // timed generation of each side is not its first generation, and the document records it.
    void warmsUpEverySideBeforeTheTimedTests() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        auto b = loadModelForRun("B", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        Battery battery;
        battery.name = "two";
        battery.tests.push_back({"one", "story", "Once upon a time", std::nullopt, 4, false});
        battery.tests.push_back({"two", "story", "The cat", std::nullopt, 4, false});
        std::vector<std::string> log;   // every generation each side ran, in order
        std::vector<BatterySide> sides;
        for (auto* m : {&a, &b}) {
            auto side = engineSide(*m, settings_);
            const auto warm = side.warmUp;
            QVERIFY(warm);   // the engine side has one
            side.warmUp = [&log, warm, slot = m->slot](std::stop_token stop) { log.push_back("warm-up " + slot); warm(stop); };
            const auto answer = side.answer;
            side.answer = [&log, answer, slot = m->slot](const BatteryTest& t, const TextSink& sink, std::stop_token stop) {
                log.push_back("test " + t.id + " " + slot);
                return answer(t, sink, stop);
            };
            sides.push_back(std::move(side));
        }
        std::vector<std::string> events;
        const auto out = runBatterySides(sides, battery, [&](const BatteryEvent& e) {
            if (e.kind == BatteryEvent::Kind::WarmUp) events.push_back("warm-up " + e.slot);
            if (e.kind == BatteryEvent::Kind::TestStarted) events.push_back("test " + e.testId + " " + e.slot);
        });
        const std::vector<std::string> want{"warm-up A", "warm-up B", "test one A", "test one B", "test two A", "test two B"};
        QCOMPARE(log, want);
        QCOMPARE(events, want);
        QVERIFY(!out.cancelled);
        QCOMPARE(out.run.warmupGenerations, 1);
        QCOMPARE(out.speed.at("A").requests, 2);   // the warm-up is not timed
        QCOMPARE(out.speed.at("B").requests, 2);
        // runBattery (what compare runs) warms up too, and the document keeps it.
        const auto plain = runBattery({&a, &b}, battery, settings_);
        QCOMPARE(plain.run.warmupGenerations, 1);
        RunDocument doc = newRunDocument("compare", settings_);
        doc.battery = plain.run;
        QCOMPARE(runDocumentFromJson(runDocumentToJson(doc)).battery->warmupGenerations, 1);
    }

    // A side that fails mid-battery (an endpoint that went away) no longer discards the run: the
    // tests every side finished are kept, the battery stops there, and the reason goes with it.
    void aFailingSideStopsTheBatteryKeepingTheFinishedTests() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        auto b = loadModelForRun("B", test::modelDir("tinystories-qwen3-7m-awq"), engineOptionsFor(settings_));
        const Battery battery = loadDefaultBattery();
        auto failing = engineSide(b, settings_);
        const auto answer = failing.answer;
        failing.answer = [answer](const BatteryTest& t, const TextSink& sink, std::stop_token stop) {
            if (t.id == "continue-rain") throw Error("http://127.0.0.1:9/v1: test " + t.id + ": request failed: Connection");
            return answer(t, sink, stop);
        };
        const auto out = runBatterySides({engineSide(a, settings_), failing}, battery);
        QVERIFY(out.cancelled);
        // The side, then the error as the endpoint said it (naming the test: not repeated).
        QCOMPARE(out.stoppedReason, std::string("B failed: http://127.0.0.1:9/v1: test continue-rain: request failed: Connection"));
        QCOMPARE(out.run.testsEverySideFinished(), 2);
        QCOMPARE(out.speed.at("A").requests, 2);
        QVERIFY(out.run.partial());
        const std::string note = partialBatteryNote(out.run, out.stoppedReason);
        QVERIFY2(note.starts_with("stopped early (" + out.stoppedReason + ") after 2 of 16 tests"), note.c_str());
        RunDocument doc = newRunDocument("compare", settings_);
        doc.battery = out.run;
        doc.cancelled = true;
        doc.stoppedReason = out.stoppedReason;
        const auto back = runDocumentFromJson(runDocumentToJson(doc));
        QCOMPARE(back.stoppedReason, out.stoppedReason);
        QVERIFY(back.cancelled);
    }

    // Answers of one token (--max-new 1, or prompts that end in the EOS text) measure no TPOT and no
    // ITL: the speed statistics say null, never 0.
    void oneTokenAnswersHaveNoTpot() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        RunSettings one = settings_;
        one.maxNewTokens = 1;
        Battery battery;
        battery.tests.push_back({"one", "story", "Once upon a time", std::nullopt, 0, false});
        battery.tests.push_back({"two", "story", "The end.<|end_story|>", std::nullopt, 0, false});
        const auto out = runBattery({&a}, battery, one);
        const auto& sp = out.speed.at("A");
        QCOMPARE(sp.requests, 2);
        QVERIFY(sp.ttftMs.p50 > 0);
        QVERIFY(!sp.tpotMs && !sp.itlMs);
        for (const auto& test : out.run.tests) QVERIFY2(!test.results.at("A").tpotMs, test.id.c_str());  // per test too (it said 0)
        RunDocument doc = newRunDocument("compare", one);
        doc.speed = out.speed;
        doc.battery = out.run;
        const std::string json = runDocumentToJson(doc);
        QVERIFY2(json.find("\"tpot_ms\": null") != std::string::npos && json.find("\"itl_ms\": null") != std::string::npos, json.c_str());
        QVERIFY2(json.find("\"tpot_ms\": 0") == std::string::npos, json.c_str());
        const auto back = runDocumentFromJson(json);
        QVERIFY(!back.speed.at("A").tpotMs && !back.speed.at("A").itlMs);
        QVERIFY(!back.battery->tests[0].results.at("A").tpotMs);
    }

    // A "chat" test on a model without a chat template runs through the plain-text fallback (vLLM
    // refuses such a request) and says so in its result's notes; the same test on a model with a
    // template has no such note.
    void chatTestWithoutATemplateSaysSo() {
        auto bare = loadModelForRun("A", test::modelDir("tinystories-656k"), engineOptionsFor(settings_));
        auto templated = loadModelForRun("B", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        Battery battery;
        battery.name = "chat";
        battery.tests.push_back({"hello", "dialogue", "Say hello.", std::nullopt, 4, true});
        const auto out = runBattery({&bare, &templated}, battery, settings_, {}, {});
        QCOMPARE(out.run.tests.size(), std::size_t(1));
        const auto& results = out.run.tests[0].results;
        QVERIFY2(results.at("A").notes.starts_with("no chat template: the prompt went through awqbench's plain-text fallback"),
                 results.at("A").notes.c_str());
        QVERIFY2(results.at("B").notes.find("chat template") == std::string::npos, results.at("B").notes.c_str());
    }

    void sweepsConcurrency() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_, 4));
        SweepSettings s;
        s.concurrency = {2, 1};  // sorted by the sweep
        s.maxNewTokens = 6;
        s.minRequests = 4;
        s.minRounds = 1;
        s.sloP95Ms = 1e9;
        s.gpuHourlyUsd = 2.0;
        std::vector<SweepEvent> events;
        const auto swept = runSweep(*a.engine, s, "A", [&](const SweepEvent& e) { events.push_back(e); });
        QVERIFY(!swept.cancelled);
        const auto& m = swept.value;
        QCOMPARE(int(m.points.size()), 2);
        QCOMPARE(m.points[0].concurrency, 1);
        QCOMPARE(m.points[1].concurrency, 2);
        QCOMPARE(m.points[0].requests, 4);  // 4 rounds of 1
        QCOMPARE(m.points[1].requests, 4);  // 2 rounds of 2
        for (const auto& p : m.points) {
            QVERIFY(p.outputTokensPerS > 0);
            QVERIFY(p.latencyMs.p50 <= p.latencyMs.p95 && p.latencyMs.p95 <= p.latencyMs.p99);
            QVERIFY(p.ttftMs.mean > 0 && p.ttftMs.p50 <= p.latencyMs.p50);
        }
        QCOMPARE(m.maxConcurrencyUnderSlo, std::optional<int>(2));
        QCOMPARE(*m.costPerMillionTokensUsd, 2.0 / (m.points[1].outputTokensPerS * 3600.0) * 1e6);
        QCOMPARE(m.kneeConcurrency, kneeConcurrency(m.points));
        QVERIFY(events.back().point && events.back().concurrency == 2);

        // Too many concurrent sequences for the engine's batch limit: a clear error.
        s.concurrency = {8};
        const auto msg = test::errorMessageOf([&] { runSweep(*a.engine, s); });
        QVERIFY2(msg.contains("batch limit"), qPrintable(msg));
    }

    void sweepDocumentForOneModel() {
        SweepSettings s;
        s.concurrency = {1, 2};
        s.maxNewTokens = 4;
        s.minRequests = 2;
        s.minRounds = 1;
        const auto doc = runSweepDocument({test::modelDir("tinystories-qwen3-7m-awq")}, settings_, s);
        QCOMPARE(doc.kind, std::string("sweep"));
        QCOMPARE(int(doc.models.size()), 1);
        QCOMPARE(doc.models.at("A").quantization->method, std::string("awq"));
        QCOMPARE(doc.sweep->maxNewTokens, 4);
        QCOMPARE(int(doc.sweep->models.at("A").points.size()), 2);
        QVERIFY(!doc.sweep->models.at("A").maxConcurrencyUnderSlo);  // no SLO given
        QVERIFY(!doc.battery && doc.speed.empty());
        const auto back = runDocumentFromJson(runDocumentToJson(doc));
        QCOMPARE(back.sweep->models.at("A").points[1].outputTokensPerS, doc.sweep->models.at("A").points[1].outputTokensPerS);
    }

    // --max-new 5000 on a 1024-token model: each request stopped at ~1020 tokens while the run claimed
    // 5000 each. Refused before loading (runSweepDocument) and on an engine already loaded (the GUI's).
    void sweepRefusesMaxNewPastTheContext() {
        SweepSettings s;
        s.concurrency = {1};
        s.maxNewTokens = 5000;
        s.minRequests = 1;
        const auto model = test::modelDir("tinystories-qwen3-7m-awq");
        const auto msg = test::errorMessageOf([&] { runSweepDocument({model}, settings_, s); });
        QVERIFY2(msg.contains("--max-new 5000") && msg.contains("context of 1024 tokens") && msg.contains("config.json"), qPrintable(msg));
        const int prompt = int(Tokenizer::load(model).encode(s.prompt, true).size());
        QVERIFY2(msg.contains(QStringLiteral("use --max-new %1 or less").arg(1024 - prompt)), qPrintable(msg));
        auto a = loadModelForRun("A", model, engineOptionsFor(settings_, 1));
        const auto loaded = test::errorMessageOf([&] { runSweep(*a.engine, s); });
        QVERIFY2(loaded.contains("context of 1024 tokens"), qPrintable(loaded));
        s.maxNewTokens = 1024 - prompt;  // exactly fills the context: allowed, and every request makes all of them
        s.concurrency = {1};
        s.minRounds = 1;
        s.warmupRounds = 0;
        const auto swept = runSweep(*a.engine, s);
        QCOMPARE(swept.value.points.at(0).requests, 1);
    }

    // A trial's sweep at concurrency 100000 was OOM-killed with the machine. Levels past the batch
    // bound are refused outright; a level whose KV cache and activations exceed what is free, with
    // the figures.
    void sweepRefusesALevelThatCannotFit() {
        SweepSettings s;
        s.concurrency = {1, 100000};
        s.maxNewTokens = 4;
        const auto model = test::modelDir("tinystories-qwen3-7m-awq");
        const auto msg = test::errorMessageOf([&] { runSweepDocument({model}, settings_, s); });
        QVERIFY2(msg.contains("concurrency 100000 is more than the 1024 sequences"), qPrintable(msg));

        // The demo model: 8 layers x 2 KV heads x 64 x K and V x float32 = 8 KiB a token.
        const ModelInfo info = describeModel(model);
        BatchShape shape;
        shape.sequences = shape.prefillSequences = 1024;
        shape.tokensPerSequence = 69;
        shape.prefillTokens = 5;
        // Free memory below twice the dense linears: the AWQ linears stay packed (as the engine keeps them).
        const std::uint64_t tight = std::uint64_t(8) << 20;
        const auto need = estimateBatchMemory(info, shape, tight);
        QCOMPARE(need.kvCache, std::uint64_t(8192) * 1024 * 69);
        QVERIFY(need.activations > std::uint64_t(1024) * info.config.vocabSize * 4);  // the logits at least
        QCOMPARE(need.weightsForm, std::string("float32 from float16, the AWQ linears packed"));
        const auto refused = test::errorMessageOf([&] { requireBatchFitsMemory(info, "concurrency 1024", shape, tight, "pass lower levels"); });
        QVERIFY2(refused.contains("concurrency 1024 of ") && refused.contains("needs about") && refused.contains("KV cache") &&
                     refused.contains("of host memory available") && refused.contains("pass lower levels"),
                 qPrintable(refused));
        requireBatchFitsMemory(info, "concurrency 1024", shape, need.total() * 8, "");  // fits (dequantized too): no error
        requireBatchFitsMemory(info, "concurrency 1024", shape, std::nullopt, "");  // unknown free memory: the bound alone
        // The GPU's cache is 16-bit and rounds up to 256 tokens, as the engine allocates it.
        shape.onGpu = true;
        shape.elementBytes = computeElementBytes(info, true, "auto");
        QCOMPARE(estimateBatchMemory(info, shape).kvCache, std::uint64_t(4096) * 1024 * 256);
        // ... and its attention (scaled_dot_product_attention) holds no length^2 scores: a long window
        // costs the GPU far less than the CPU.
        BatchShape window;
        window.tokensPerSequence = window.prefillTokens = 1024;
        const auto cpu = estimateBatchMemory(info, window).activations;
        window.onGpu = true;
        QVERIFY(estimateBatchMemory(info, window).activations + std::uint64_t(info.config.numHeads) * 1024 * 1024 * 2 <= cpu);
    }

    // The pre-flight counted the weights as stored on disk; the CPU engine holds them in float32
    // (the demo model's bfloat16 doubles) and dequantizes an AWQ model at load when that fits (its
    // 4-bit linears become float32 matrices, 8x their packed bytes). The estimate is what the loaded
    // engine reports holding, packed or dequantized as the engine decides, and the refusal says so.
    void batchMemoryCountsTheWeightsTheEngineHolds() {
        QTemporaryDir dir;
        const auto rtn = quantizeDemoRtn(dir).output;
        const auto available = freeMemoryBytes(false);
        QVERIFY(available);
        BatchShape shape;
        shape.tokensPerSequence = shape.prefillTokens = 8;
        for (const auto& folder : {test::modelDir("tinystories-qwen3-7m"), test::modelDir("tinystories-qwen3-7m-awq"), rtn}) {
            const ModelInfo info = describeModel(folder);
            const bool quantized = info.config.quantization.method == QuantMethod::Awq;
            // The engine decides with MemAvailable at its load; the estimate with the same figure.
            QCOMPARE(cpuDequantizesAwq(info.config, 4, available), true);  // 25 MiB of dense linears: fits this machine
            const auto need = estimateBatchMemory(info, shape, available);
            const auto engine = Engine::load(folder);
            QCOMPARE(need.weights, engine->weightMemoryBytes());
            QVERIFY(need.weights >= 2 * info.weightBytes);  // not the size on disk
            if (!quantized) {
                QCOMPARE(need.weightsForm, std::string("float32 from bfloat16"));
                continue;
            }
            QCOMPARE(need.weightsForm, std::string("float32 from float16, the AWQ linears dequantized at load"));
            QCOMPARE(denseLinearBytes(info.config, 4), std::uint64_t(8) * (256 * 256 * 2 + 256 * 128 * 2 + 256 * 768 * 3) * 4);
            // Unknown free memory, or too little: packed, as the engine with keepAwqPacked holds it.
            EngineOptions packed;
            packed.keepAwqPacked = true;
            QCOMPARE(estimateBatchMemory(info, shape).weights, Engine::load(folder, packed)->weightMemoryBytes());
            QCOMPARE(estimateBatchMemory(info, shape, denseLinearBytes(info.config, 4) * 2 - 1).weights, estimateBatchMemory(info, shape).weights);
        }
        // The refusal names the weights as held, their form and their size on disk.
        const ModelInfo awq = describeModel(test::modelDir("tinystories-qwen3-7m-awq"));
        BatchShape big;
        big.sequences = big.prefillSequences = 1024;
        big.tokensPerSequence = big.prefillTokens = 64;
        const std::uint64_t free = std::uint64_t(64) << 20;  // dequantizes (25 MiB <= 32 MiB), but the batch does not fit
        const auto need = estimateBatchMemory(awq, big, free);
        QCOMPARE(need.weights, Engine::load(awq.folder)->weightMemoryBytes());
        const auto refused = test::errorMessageOf([&] { requireBatchFitsMemory(awq, "concurrency 1024", big, free, "pass lower levels"); });
        QCOMPARE(refused.toStdString(),
                 (awq.folder / "config.json").string() + ": concurrency 1024 of tinystories-qwen3-7m-awq needs about " + format::bytes(need.total()) +
                     " (weights " + format::bytes(need.weights) + " as the engine holds them on the CPU (float32 from float16, the AWQ linears "
                     "dequantized at load; " + format::bytes(awq.weightBytes) + " on disk) + KV cache " + format::bytes(need.kvCache) +
                     " for 1024 x 64 tokens + activations " + format::bytes(need.activations) + "), more than the 64.0 MiB of host memory "
                     "available (MemAvailable) (pass lower levels)");
    }

    // A CPU sweep where the AWQ copy came out slower: the note the CLI printed is in the document
    // (sweep.notes), so the reports carry it too. Real identities; the points as the trial measured.
    void sweepNotesSayWhyTheQuantizedModelIsSlowerOnTheCpu() {
        RunDocument d = newRunDocument("sweep", settings_);
        d.host = thisHost("cpu");
        d.models["A"] = describeRunModel(test::modelDir("tinystories-qwen3-7m"));
        QTemporaryDir dir;  // B quantized from A here, so it records A as its source
        const QuantizeSettings q = quantizeDemoRtn(dir);
        d.models["B"] = describeRunModel(q.output);
        d.sweep = SweepRun{};
        d.sweep->models["A"].points = {{1, 195.1, 8, {}, {}}, {4, 285.2, 8, {}, {}}};
        d.sweep->models["B"].points = {{1, 150.0, 8, {}, {}}, {4, 228.2, 8, {}, {}}};
        const auto notes = sweepNotes(d);
        QCOMPARE(int(notes.size()), 1);
        QVERIFY2(notes[0].starts_with("The quantized model runs at 0.80x the original's speed (best output tokens/s of each in this sweep)"), notes[0].c_str());
        d.host->device = "cuda";  // on a GPU the note would be wrong: none
        QVERIFY(sweepNotes(d).empty());
    }

    void quantizedByUsRecordsItsSource() {
        // A model we quantize names its source's fingerprint (the seeds' pairing rule: FP16 and AWQ
        // must come from the same source); the run document carries it.
        QTemporaryDir dir;
        const QuantizeSettings q = quantizeDemoRtn(dir);
        const auto source = describeRunModel(q.model);
        const auto made = describeRunModel(q.output);
        QCOMPARE(made.sourceFingerprint.value_or(""), source.fingerprint);
        QVERIFY(made.fingerprint != source.fingerprint);
        QCOMPARE(made.quantization->method, std::string("awq"));
        QVERIFY(!source.sourceFingerprint);

        // The CPU speed note ("runs at 0.10x the original's speed") only for a model and its own
        // quantization: not for a quantized model of another source (the fresh-user trial got it
        // beside the report's "not like for like"), nor for one whose source is unrecorded.
        HostInfo cpu;
        cpu.device = "cpu";
        QVERIFY(quantizedFrom(made, source));
        auto note = pairSpeedNote(cpu, source, made, 10.0, 1.0);
        QVERIFY(note && note->starts_with("The quantized model runs at 0.10x the original's speed"));
        note = pairSpeedNote(cpu, made, source, 1.0, 10.0);   // swapped: A is the quantized one
        QVERIFY(note && note->starts_with("The quantized model runs at 0.10x"));
        const auto other = describeRunModel(test::modelDir("tinystories-656k"));   // another model: its source differs
        QVERIFY(!quantizedFrom(made, other));
        QVERIFY(!pairSpeedNote(cpu, other, made, 10.0, 1.0));
        const auto unrecorded = describeRunModel(test::modelDir("tinystories-qwen3-7m-awq"));   // no awqbench_quantization.json
        QVERIFY(!pairSpeedNote(cpu, source, unrecorded, 10.0, 1.0));
        HostInfo gpu;
        gpu.device = "cuda:0";
        QVERIFY(!pairSpeedNote(gpu, source, made, 10.0, 1.0));   // on a GPU it is a finding, not an artefact

        // The Chat tab compares the replies' decode speed (TPOT), not end-to-end tok/s: the trial
        // got "0.59x the original's speed" for TPOT 0.54 ms (A) vs 0.52 ms (B), B's prompt being longer.
        QVERIFY(!chatSpeedNote(cpu, source, made, 0.54, 0.52));
        QVERIFY(!chatSpeedNote(cpu, source, made, 0.54, std::nullopt));   // a one-token reply: no claim
        note = chatSpeedNote(cpu, source, made, 0.5, 1.0);
        QVERIFY(note && note->starts_with("The quantized model runs at 0.50x the original's speed (decode speed (TPOT)"));
        QVERIFY(note->find("the Battery tab times each model alone") != std::string::npos);
    }

    void reportSaysHowEachModelWasQuantized() {
        // Our RTN model is written in AWQ's layout: config.json says "awq", only the record beside
        // the weights says "rtn". The report's Quantization row said "AWQ 4-bit, group 128, zero
        // point" for it (a user trial); a real AWQ model (calibrated) and a GPTQ one keep their names.
        QTemporaryDir dir;
        const QuantizeSettings rtn = quantizeDemoRtn(dir);
        QuantizeSettings awq = rtn;
        awq.method = QuantMethodChoice::Awq;
        awq.gridRatios = 2;
        awq.output = std::filesystem::path(dir.path().toStdString()) / "awq";
        runQuantizeJob(awq);
        QuantizeSettings gptq = rtn;
        gptq.method = QuantMethodChoice::Gptq;
        gptq.output = std::filesystem::path(dir.path().toStdString()) / "gptq";
        runQuantizeJob(gptq);

        RunDocument d = newRunDocument("compare", settings_);
        d.models["A"] = describeRunModel(rtn.output);
        d.models["B"] = describeRunModel(awq.output);
        const RunQuantization& qa = *d.models["A"].quantization;
        QCOMPARE(qa.method, std::string("awq"));   // the checkpoint format vLLM loads
        QCOMPARE(qa.madeWith, std::string("rtn"));  // how it was made
        QCOMPARE(d.models["B"].quantization->madeWith, std::string("awq"));
        const std::string rtnLabel = "RTN 4-bit, group 128, zero point, gemm (AWQ layout)", awqLabel = "AWQ 4-bit, group 128, zero point, gemm";
        const std::string md = report::renderMarkdown(d);
        QVERIFY2(md.find("| Quantization | " + rtnLabel + " | " + awqLabel + " |") != std::string::npos, md.c_str());
        const std::string html = report::renderHtml(d);
        QVERIFY2(html.find(">" + rtnLabel + "</td>") != std::string::npos && html.find(">" + awqLabel + "</td>") != std::string::npos,
                 html.c_str());
        const auto j = nlohmann::json::parse(report::renderJson(d));  // the JSON report is the run document
        QCOMPARE(j["models"]["A"]["quantization"]["made_with"].get<std::string>(), std::string("rtn"));
        QCOMPARE(j["models"]["A"]["quantization"]["method"].get<std::string>(), std::string("awq"));
        QCOMPARE(j["models"]["B"]["quantization"]["made_with"].get<std::string>(), std::string("awq"));
        if (report::pdfExportAvailable()) {  // read back as test_report does (pdftotext); words joined across wrapped cells
            const QString pdftotext = QStandardPaths::findExecutable("pdftotext");
            QVERIFY2(!pdftotext.isEmpty(), "pdftotext (poppler-utils) is needed to read the PDF back");
            const auto pdf = std::filesystem::path(dir.path().toStdString()) / "report.pdf";
            report::exportReport(d, report::ReportFormat::Pdf, pdf);
            QProcess p;
            p.start(pdftotext, {QString::fromStdString(pdf.string()), "-"});
            QVERIFY(p.waitForFinished(60000));
            const QString text = QString::fromUtf8(p.readAllStandardOutput()).simplified();
            QVERIFY2(text.contains(QString::fromStdString(rtnLabel)) && text.contains(QString::fromStdString(awqLabel)), qPrintable(text));
        }

        // GPTQ's own layout and record agree: said once (asymmetric, the default sym = false: zero point).
        d.models["B"] = describeRunModel(gptq.output);
        QCOMPARE(d.models["B"].quantization->method, std::string("gptq"));
        QCOMPARE(d.models["B"].quantization->madeWith, std::string("gptq"));
        const std::string gptqMd = report::renderMarkdown(d);
        QVERIFY2(gptqMd.find("| Quantization | " + rtnLabel + " | GPTQ 4-bit, group 128, zero point |") != std::string::npos, gptqMd.c_str());

        // A model without our record (made elsewhere): config.json's word only, as before.
        d.models["B"] = describeRunModel(test::modelDir("tinystories-qwen3-7m-awq"));
        QVERIFY(d.models["B"].quantization->madeWith.empty());
        QVERIFY(report::renderMarkdown(d).find("| Quantization | " + rtnLabel + " | " + awqLabel + " |") != std::string::npos);
    }

    void multiTurnChatUsesTheTemplate() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        ChatSession chat(*a.engine);
        QVERIFY(chat.usesChatTemplate());
        chat.setSystemPrompt("You are a storyteller.");
        GenerationRequest r;
        r.maxNewTokens = 16;
        const auto firstPrompt = chat.promptFor("Tell me a story about a cat.");
        std::string streamed;
        const auto turn1 = chat.send("Tell me a story about a cat.", r, [&](const StreamEvent& e) { streamed += e.textDelta; });
        QCOMPARE(streamed, turn1.reply);
        QVERIFY(!turn1.reply.empty());
        QCOMPARE(int(chat.messages().size()), 3);  // system, user, assistant
        // ChatML: the next prompt extends the first one (same conversation, one more turn).
        const auto secondPrompt = chat.promptFor("Tell me another one.");
        QVERIFY(secondPrompt.size() > firstPrompt.size() + turn1.result.newIds.size());
        QVERIFY(std::equal(firstPrompt.begin(), firstPrompt.end(), secondPrompt.begin()));
        const auto turn2 = chat.send("Tell me another one.", r);
        QCOMPARE(int(chat.messages().size()), 5);
        QCOMPARE(chat.messages().back().content, turn2.reply);
        QVERIFY(turn2.result.metrics.ttftMs > 0);
        chat.reset();
        QCOMPARE(int(chat.messages().size()), 1);  // the system prompt stays
        // The single-message prompt equals the engine's own chat encoding when there is no system prompt.
        chat.setSystemPrompt("");
        QCOMPARE(chat.promptFor("Hi"), a.engine->encodeChat("Hi"));
    }

    // The fresh-user trial: once the history outgrew the context every later message failed
    // ("prompt of 1047 tokens leaves no room in the context of 1024"). The oldest exchanges are
    // left out of the prompt instead; the system prompt and the latest message always stay.
    void chatLeavesOutTheOldestExchangesThatNoLongerFit() {
        auto options = engineOptionsFor(settings_);
        options.maxContext = 160;
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), options);
        ChatSession chat(*a.engine);
        chat.setSystemPrompt("You are a storyteller.");
        const std::string story = "Once upon a time there was a little cat who liked to play in the garden with a red ball.";
        chat.restore({{"Tell me a story.", story}, {"Another one.", story}, {"And one more.", story}, {"Last one.", story}});
        QVERIFY(int(chat.promptFor("Now a short one.").size()) > 160);   // the whole history no longer fits

        const ChatPrompt fitted = chat.fittedPrompt("Now a short one.", 2000);
        QCOMPARE(fitted.contextTokens, 160);
        QVERIFY(fitted.leftOutExchanges > 0 && fitted.leftOutExchanges <= 4);
        QVERIFY(int(fitted.ids.size()) + 80 <= 160);   // room for the reply: min(Max new tokens, half the context)
        // The system prompt leads it and the latest message ends it.
        chat.reset();
        const auto systemAndMessage = chat.promptFor("Now a short one.");
        QVERIFY(std::equal(systemAndMessage.begin(), systemAndMessage.begin() + 10, fitted.ids.begin()));
        QVERIFY(std::equal(systemAndMessage.end() - 8, systemAndMessage.end(), fitted.ids.end() - 8));

        // A turn goes through (it failed before) and says what it left out.
        chat.restore({{"Tell me a story.", story}, {"Another one.", story}, {"And one more.", story}, {"Last one.", story}});
        GenerationRequest r;
        r.maxNewTokens = 2000;
        const ChatTurn turn = chat.send("Now a short one.", r);
        QCOMPARE(turn.leftOutExchanges, fitted.leftOutExchanges);
        QCOMPARE(turn.contextTokens, 160);
        QCOMPARE(int(chat.messages().size()), 1 + 2 * 5);   // the conversation itself keeps every exchange

        // A message that alone fills the context: a clear error naming the fix, and nothing changes.
        std::string huge;
        for (int i = 0; i < 40; ++i) huge += story + " ";
        try {
            chat.fittedPrompt(huge, 16);
            QFAIL("a message longer than the context was accepted");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.what()).find("leaves no room for a reply in the model's context of 160 tokens") != std::string::npos, e.what());
            QVERIFY2(e.fix().find("shorten the message") != std::string::npos, e.fix().c_str());
        }
        QVERIFY_THROWS_EXCEPTION(Error, chat.send(huge, r));
        QCOMPARE(int(chat.messages().size()), 1 + 2 * 5);
    }

    // A long chat (200 exchanges of uneven lengths, far past the 1024-token context): the prompt is
    // found by a binary search now, and must be the one trying each count in turn gave: the system
    // prompt, the newest exchanges that fit with room for the reply, the new message.
    void longChatKeepsTheNewestExchangesThatFit() {
        auto a = loadModelForRun("A", test::modelDir("tinystories-qwen3-7m"), engineOptionsFor(settings_));
        ChatSession chat(*a.engine);
        chat.setSystemPrompt("You are a storyteller.");
        const std::vector<std::string> replies = {"Yes.", "The cat sat on the mat and looked at the sun.",
                                                  "Once upon a time there was a little dog who liked to run in the park with his friend Tom."};
        std::vector<std::pair<std::string, std::string>> exchanges;
        for (int i = 0; i < 200; ++i)
            exchanges.push_back({"Question " + std::to_string(i) + (i % 7 == 0 ? ": tell me more about the garden." : "?"),
                                 replies[std::size_t(i % 3)]});
        chat.restore(exchanges);
        const std::string message = "Now a short one.";
        // The context is the model's own: the whole history runs to thousands of tokens.
        QVERIFY(int(chat.promptFor(message).size()) > 4 * a.engine->maxContext());

        for (const int maxNewTokens : {16, 200, 5000}) {
            const ChatPrompt fitted = chat.fittedPrompt(message, maxNewTokens);
            QCOMPARE(fitted.contextTokens, 1024);
            const int room = std::min(maxNewTokens, 512);
            QVERIFY(fitted.leftOutExchanges > 100 && fitted.leftOutExchanges < 200);
            // What the linear search would have returned: the history from the first kept exchange on
            // renders to exactly these ids, fits, and one more (older) exchange would not.
            ChatSession kept(*a.engine);
            kept.setSystemPrompt("You are a storyteller.");
            kept.restore({exchanges.begin() + fitted.leftOutExchanges, exchanges.end()});
            QCOMPARE(fitted.ids, kept.promptFor(message));
            QVERIFY(int(fitted.ids.size()) + room <= 1024);
            kept.restore({exchanges.begin() + fitted.leftOutExchanges - 1, exchanges.end()});
            QVERIFY(int(kept.promptFor(message).size()) + room > 1024);
        }
        // Leaving out every exchange but still short of room: the message alone goes, as before.
        std::string longMessage;
        for (int i = 0; i < 100; ++i) longMessage += "The cat sat on the mat. ";
        const ChatPrompt alone = chat.fittedPrompt(longMessage, 512);
        QCOMPARE(alone.leftOutExchanges, 200);
        QVERIFY(int(alone.ids.size()) + 512 > 1024 && int(alone.ids.size()) < 1024);
        chat.reset();
        QCOMPARE(alone.ids, chat.promptFor(longMessage));
    }
};

QTEST_GUILESS_MAIN(CompareRunTest)
#include "test_compare_run.moc"
