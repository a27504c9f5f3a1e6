// Run documents: every key of docs/run-format.md written, read back unchanged, unknown keys kept.
#include "core/run/run_document.h"
#include "core/compare/device_label.h"
#include "core/compare/sweep.h"
#include "core/engine/engine.h"
#include "core/run/sweep_words.h"
#include "core/system/host_cpu.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <fstream>
#include <regex>
#include <set>

using namespace awq;
using json = nlohmann::json;

namespace {

// The example document of docs/run-format.md, its // comments (after a blank) removed.
json documentedExample() {
    std::ifstream in(test::sourceDir() / "docs" / "run-format.md");
    const std::string md{std::istreambuf_iterator<char>(in), {}};
    const auto begin = md.find("```json\n");
    const auto end = md.find("```", begin + 8);
    std::string block = md.substr(begin + 8, end - begin - 8);
    block = std::regex_replace(block, std::regex("[ \t]//[^\n]*"), "");  // not the // of a URL
    return json::parse(block);
}

// Key paths ("battery.tests[].results.A.text"); slot "B" is documented as "same keys" as "A".
void keyPaths(const json& j, const std::string& prefix, std::set<std::string>& out) {
    if (j.is_object()) {
        for (const auto& [k, v] : j.items()) {
            if (k == "..." || k == "B") continue;
            out.insert(prefix + k);
            keyPaths(v, prefix + k + ".", out);
        }
    } else if (j.is_array() && !j.empty()) {
        keyPaths(j[0], prefix.substr(0, prefix.size() - 1) + "[].", out);
    }
}

LatencyStats stats(double base) { return {base, base, base * 1.5, base * 2}; }

// A document with every section filled, as a comparison plus a sweep would leave it.
RunDocument fullDocument() {
    RunDocument d;
    d.kind = "compare";
    d.created = "2026-11-25T18:00:00Z";
    d.toolVersion = "0.1.0";
    d.host = {"cuda:0", "NVIDIA H100 80GB HBM3", 85520809984ull};
    RunModel a;
    a.name = "tinystories-qwen3-7m";
    a.path = "/models/a";
    a.architecture = "Qwen3ForCausalLM";
    a.fingerprint = "abc";
    a.parameters = 7340032;
    a.weightBytes = 14680064;
    a.fileBytes = 14900000;
    a.computeDtype = "float32";
    a.loadSeconds = 0.21;
    a.memoryWeightsBytes = 14680064;
    a.kvCacheBytesPerToken = 16384;
    a.loraAdapter = "/abs/path/to/adapter";  // written only when an adapter was applied
    a.fit = {{8, true, 400000}, {16, true, 900000}};
    RunModel b = a;
    b.name = "tinystories-qwen3-7m-awq";
    b.quantization = RunQuantization{"awq", 4, 128, true, "gemm", "rtn"};  // our RTN: AWQ's layout
    b.sourceFingerprint = "abc";
    d.models = {{"A", a}, {"B", b}};
    d.settings = RunSettings{};
    d.settings->maxNewTokens = 32;
    BatteryRun br{"default", "builtin", {}, {}};
    TestRecord t{"fact-dog-name", "facts", "The dog's name was", std::string("Max"), {}};
    t.results["A"] = {" Max. He was", 4, "length", 0.1, 12.0, 4.0, false, true, true, ""};
    t.results["B"] = {" Max Max Max", 4, "length", 0.2, 13.0, 5.0, true, false, std::nullopt, "loop"};
    br.tests.push_back(t);
    br.totals["A"] = batteryTotals(br.tests, "A");
    br.totals["B"] = batteryTotals(br.tests, "B");
    br.plannedTests = int(br.tests.size());
    br.warmupGenerations = 1;
    d.battery = br;
    d.cancelled = true;
    d.stoppedReason = "B failed on test fact-dog-name: http://127.0.0.1:8000/v1: request failed: Connection";
    d.speed["A"] = {16, 1536, 240.0, stats(12), stats(4), stats(4), stats(400), 123456};
    d.speed["B"] = d.speed["A"];
    d.quality = QualityRun{"/data/eval.txt", 256, 256, 64, {{"A", {10.33, 16384, std::nullopt, std::nullopt}}, {"B", {10.4, 16384, 0.0077, 0.945}}}, ""};
    SweepModel sm;
    sm.points = {{1, 60.0, 4, stats(1000), stats(20)}, {2, 110.0, 4, stats(1100), stats(22)}};
    sm.points[0].serving = ServingStats{4.0, 4, 0, 2.3, 1.7, stats(12), stats(11), 1.5, "usage"};  // an endpoint sweep's figures
    sm.points[0].outputTokens = 200;  // counted: one of the 4 requests stopped at 8 of 64
    sm.points[0].outputTokensMin = 8;
    sm.points[0].outputTokensMax = 64;
    sm.kneeConcurrency = kneeConcurrency(sm.points);  // derived again on reading: what the rule says, so it reads back unchanged
    sm.maxConcurrencyUnderSlo = 2;
    sm.costPerMillionTokensUsd = 6.3;
    d.sweep = SweepRun{64, "Once upon a time", 2000.0, 2.5, {{"A", sm}}, "http://127.0.0.1:8000/v1"};
    d.sweep->sloTtftMs = 50;
    d.sweep->sloTpotMs = 10;
    d.sweep->notes = {"The quantized model runs at 0.80x the original's speed ... measure on the GPU you will serve with."};
    d.notes = {"B (http://127.0.0.1:8000/v1, m) is an OpenAI endpoint: no KLD for it"};
    d.arena = ArenaRun{{ArenaConversation{"conversations/c1.json", 3, 1, 2, 0}}};
    TimelineModel tm;
    tm.device = "CPU (2 threads)";
    tm.recorded = "operators";
    tm.steps = 16;
    tm.stepUs = 10500;
    tm.busyUs = 10200;
    tm.idleUs = 300;
    tm.categoryUs[0] = 7200, tm.categoryUs[1] = 850, tm.categoryUs[2] = 1300, tm.categoryUs[3] = 850;
    tm.top = {{"aten::linear", "GEMM/GEMV", 57, 7200}};
    tm.weightBytesPerStep = 29381632;
    tm.matmulFlopsPerStep = 14690816;
    tm.ceilings = {"CPU (2 threads)", "float32", 14.5, 77.1, 268435456, 1024};
    tm.traceFile = "RUN.timeline-A.json";
    tm.pendingTrace = "{\"traceEvents\": []}";   // not part of the document
    d.timeline = TimelineRun{"Once upon a time", 4, 16, 1, {{"A", tm}, {"B", tm}}, "Neither: ..."};
    return d;
}

}  // namespace

class RunDocumentTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void writesExactlyTheDocumentedKeys() {
        std::set<std::string> documented, written;
        keyPaths(documentedExample(), "", documented);
        keyPaths(json::parse(runDocumentToJson(fullDocument())), "", written);
        for (const auto& k : documented) QVERIFY2(written.count(k), qPrintable(QString::fromStdString("missing key " + k)));
        for (const auto& k : written) QVERIFY2(documented.count(k), qPrintable(QString::fromStdString("undocumented key " + k)));
    }

    void readsBackWhatItWrote() {
        const auto d = fullDocument();
        const auto text = runDocumentToJson(d);
        QTemporaryDir dir;
        const auto file = std::filesystem::path(dir.path().toStdString()) / "RUN.json";
        saveRunDocument(d, file);
        const auto back = loadRunDocument(file);
        QCOMPARE(runDocumentToJson(back), text);
        QCOMPARE(back.models.at("B").quantization->groupSize, 128);
        QCOMPARE(back.models.at("B").quantization->method, std::string("awq"));
        QCOMPARE(back.models.at("B").quantization->madeWith, std::string("rtn"));
        QVERIFY(json::parse(text)["models"]["B"]["quantization"]["made_with"] == "rtn");
        QCOMPARE(back.sweep->models.at("A").points[0].outputTokens, std::optional<std::int64_t>(200));
        QCOMPARE(back.sweep->models.at("A").points[0].outputTokensMin, std::optional<int>(8));
        QCOMPARE(back.sweep->models.at("A").points[0].outputTokensMax, std::optional<int>(64));
        QCOMPARE(back.sweep->models.at("A").points[0].serving->tokensCountedFrom, std::string("usage"));
        QVERIFY(!back.sweep->models.at("A").points[1].outputTokens);  // not counted: no key written, none read
        QCOMPARE(*back.models.at("B").sourceFingerprint, std::string("abc"));
        QVERIFY(!back.models.at("A").quantization);
        QCOMPARE(back.battery->tests[0].results.at("A").exactMatch, std::optional<bool>(true));
        QVERIFY(!back.battery->tests[0].results.at("B").exactMatch);
        QCOMPARE(back.battery->totals.at("B").loopDetections, 1);
        QCOMPARE(*back.quality->models.at("B").kldVsA, 0.0077);
        QCOMPARE(back.sweep->models.at("A").points[1].latencyMs.p99, 2200.0);
        QCOMPARE(*back.sweep->sloP95Ms, 2000.0);
        QCOMPARE(back.sweep->models.at("A").points[0].serving->itlMs->p50, 11.0);
        QVERIFY(!back.sweep->models.at("A").points[1].serving);
        QCOMPARE(back.sweep->endpoint, std::string("http://127.0.0.1:8000/v1"));
        QVERIFY(back.cancelled);
        QCOMPARE(back.stoppedReason, d.stoppedReason);
        QCOMPARE(back.battery->warmupGenerations, 1);
        QCOMPARE(back.sweep->sloTtftMs, std::optional<double>(50));
        QCOMPARE(back.sweep->sloTpotMs, std::optional<double>(10));
        QCOMPARE(back.notes, d.notes);
        QCOMPARE(back.sweep->notes, d.sweep->notes);
        QCOMPARE(back.arena->conversations.at(0).file, std::string("conversations/c1.json"));
        QCOMPARE(back.arena->conversations.at(0).tie, 2);
        QCOMPARE(json::parse(text)["arena"]["totals"]["votes"].get<int>(), 6);
        const TimelineModel& tb = back.timeline->models.at("B");
        QCOMPARE(tb.categoryUs[2], 1300.0);
        QCOMPARE(tb.top.at(0).callsPerStep, 57.0);
        QCOMPARE(tb.ceilings.matmulN, 1024);
        QCOMPARE(tb.traceFile, std::string("RUN.timeline-A.json"));
        QVERIFY(tb.pendingTrace.empty());
        QCOMPARE(back.timeline->verdict, std::string("Neither: ..."));
    }

    // A CPU run names the CPU and the engine's threads, in the document and in every label made
    // from it; a document written before they were recorded says just "CPU".
    void cpuHostIsNamed() {
        RunDocument d = fullDocument();
        d.host = HostInfo{.device = "cpu", .cpuName = "AMD EPYC 7B13", .cpuThreads = 2};
        const json written = json::parse(runDocumentToJson(d));
        QCOMPARE(written["host"].dump(), std::string(R"({"cpu_name":"AMD EPYC 7B13","cpu_threads":2,"device":"cpu"})"));
        const RunDocument back = runDocumentFromJson(written.dump(), "cpu.json");
        QCOMPARE(deviceLabel(*back.host), std::string("CPU (AMD EPYC 7B13, 2 threads)"));
        QCOMPARE(deviceLabel(runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "host": {"device": "cpu"}})", "old.json").host.value()),
                 std::string("CPU"));
        // /proc/cpuinfo's names, as real Intel and AMD machines write them, without trademark marks.
        QCOMPARE(cleanCpuModelName(" Intel(R) Xeon(R) CPU E5-2680 v4 @ 2.40GHz"), std::string("Intel Xeon CPU E5-2680 v4 @ 2.40GHz"));
        QCOMPARE(cleanCpuModelName("Intel(R) Core(TM) i7-8700K CPU @ 3.70GHz"), std::string("Intel Core i7-8700K CPU @ 3.70GHz"));
        QCOMPARE(cleanCpuModelName("Intel(r) Celeron(tm)  N4020"), std::string("Intel Celeron N4020"));
        QCOMPARE(cleanCpuModelName("AMD Ryzen 9 7950X 16-Core Processor\t "), std::string("AMD Ryzen 9 7950X 16-Core Processor"));
        QCOMPARE(cleanCpuModelName("(R)"), std::string());
        // This machine, live: /proc/cpuinfo's model name and torch's intra-op threads.
        const std::string cpu = cpuModelName();
        QVERIFY(!cpu.empty());  // the Linux CI machines and this one have a "model name" line
        QVERIFY2(cpu.find("(R)") == std::string::npos && cpu.find("(TM)") == std::string::npos, cpu.c_str());
        const int threads = cpuComputeThreads();
        QCOMPARE(deviceLabel(thisHost("cpu")), "CPU (" + cpu + ", " + std::to_string(threads) + (threads == 1 ? " thread)" : " threads)"));
    }

    // The traces' names beside a run, and how a listing of runs tells them apart from run documents.
    // Documents written before made_with and the token counts load and read as before: no method
    // but config.json's, no counts (nullopt, not 0), and saving them again adds neither key.
    void olderDocumentsHaveNoMadeWithOrCounts() {
        json old = json::parse(runDocumentToJson(fullDocument()));
        old["models"]["B"]["quantization"].erase("made_with");
        for (const char* k : {"output_tokens", "output_tokens_min", "output_tokens_max"}) old["sweep"]["A"]["points"][0].erase(k);
        old["sweep"]["A"]["points"][0]["serving"].erase("tokens_counted_from");
        const auto back = runDocumentFromJson(old.dump(), "old.json");
        QCOMPARE(back.models.at("B").quantization->method, std::string("awq"));
        QVERIFY(back.models.at("B").quantization->madeWith.empty());
        const SweepPoint& p = back.sweep->models.at("A").points[0];
        QVERIFY(!p.outputTokens && !p.outputTokensMin && !p.outputTokensMax);
        QVERIFY(p.serving->tokensCountedFrom.empty());
        QVERIFY(json::parse(runDocumentToJson(back)) == old);

        // Counts that contradict each other are refused with the key's path.
        json bad = json::parse(runDocumentToJson(fullDocument()));
        bad["sweep"]["A"]["points"][0]["output_tokens_min"] = 65;
        const QString error = test::errorMessageOf([&] { runDocumentFromJson(bad.dump(), "bad.json"); });
        QVERIFY2(error.contains("`sweep.A.points[0].output_tokens_min` is more than output_tokens_max"), qPrintable(error));
        bad["sweep"]["A"]["points"][0]["output_tokens_min"] = -1;
        const QString negative = test::errorMessageOf([&] { runDocumentFromJson(bad.dump(), "bad.json"); });
        QVERIFY2(negative.contains("`sweep.A.points[0].output_tokens_min` should not be negative"), qPrintable(negative));
    }

    void timelineTracesAreNamedAndRecognised() {
        QCOMPARE(timelineTraceFileName("/runs/20261203T071557Z-compare-a-vs-b.json", "B"), std::string("20261203T071557Z-compare-a-vs-b.timeline-B.json"));
        QVERIFY(isTimelineTraceFile("/runs/" + timelineTraceFileName("/runs/x.json", "A")));
        QVERIFY(!isTimelineTraceFile("/runs/20261203T071557Z-compare-a-vs-b.json"));
        QVERIFY(!isTimelineTraceFile("/runs/notes.timeline-A.txt"));
    }

    void keepsKeysItDoesNotKnow() {
        auto j = json::parse(runDocumentToJson(fullDocument()));
        j["report_notes"] = "kept";
        j["battery"]["tests"][0]["results"]["A"]["judge_score"] = 7;
        auto d = runDocumentFromJson(j.dump());
        d.battery->tests[0].results["A"].notes = "edited";
        const auto again = json::parse(runDocumentToJson(d));
        QCOMPARE(again["report_notes"].get<std::string>(), std::string("kept"));
        QCOMPARE(again["battery"]["tests"][0]["results"]["A"]["judge_score"].get<int>(), 7);
        QCOMPARE(again["battery"]["tests"][0]["results"]["A"]["notes"].get<std::string>(), std::string("edited"));
    }

    void rejectsOtherDocuments() {
        auto msg = test::errorMessageOf([] { runDocumentFromJson(R"({"format": "something"})", "x.json"); });
        QVERIFY2(msg.contains("x.json") && msg.contains("awqbench-run"), qPrintable(msg));
        msg = test::errorMessageOf([] { runDocumentFromJson(R"({"format": "awqbench-run", "version": 9})", "y.json"); });
        QVERIFY2(msg.contains("version 9"), qPrintable(msg));
        msg = test::errorMessageOf([] { runDocumentFromJson("{", "z.json"); });
        QVERIFY2(msg.contains("z.json"), qPrintable(msg));
        // A number that does not fit its field (nlohmann would cast it unchecked) is refused by key.
        msg = test::errorMessageOf(
            [] { runDocumentFromJson(R"({"format": "awqbench-run", "version": 1, "host": {"gpu_total_bytes": 3.3e134}})", "h.json"); });
        QVERIFY2(msg.contains("gpu_total_bytes") && msg.contains("out of range") && msg.contains("h.json"), qPrintable(msg));
    }

    // Impossible values rendered as figures: a null perplexity as "0.000" (and "-100%" against the
    // other model), a negative speed as "-5.0". Refused with the key's path, as a wrong type is.
    void refusesImpossibleNumbers() {
        const std::string head = R"({"format": "awqbench-run", "version": 1, )";
        auto msg = test::errorMessageOf([&] { runDocumentFromJson(head + R"("quality": {"A": {"perplexity": 5.1}, "B": {"perplexity": null}}})", "q.json"); });
        QVERIFY2(msg.contains("q.json") && msg.contains("`quality.B.perplexity` should be a number, not null"), qPrintable(msg));
        msg = test::errorMessageOf([&] { runDocumentFromJson(head + R"("speed": {"A": {"output_tokens_per_s": -5.0}}})", "s.json"); });
        QVERIFY2(msg.contains("`speed.A.output_tokens_per_s` should not be negative"), qPrintable(msg));
        msg = test::errorMessageOf([&] { runDocumentFromJson(head + R"("speed": {"A": {"output_tokens_per_s": null}}})", "s.json"); });
        QVERIFY2(msg.contains("`speed.A.output_tokens_per_s` should be a number, not null"), qPrintable(msg));
        msg = test::errorMessageOf([&] { runDocumentFromJson(head + R"("speed": {"A": {"ttft_ms": {"p95": -1}}}})", "s.json"); });
        QVERIFY2(msg.contains("`speed.A.ttft_ms.p95` should not be negative"), qPrintable(msg));
        msg = test::errorMessageOf([&] {
            runDocumentFromJson(head + R"("sweep": {"A": {"points": [{"concurrency": 1, "output_tokens_per_s": -3}]}}})", "w.json");
        });
        QVERIFY2(msg.contains("`sweep.A.points[0].output_tokens_per_s` should not be negative"), qPrintable(msg));
        msg = test::errorMessageOf([&] { runDocumentFromJson(head + R"("battery": {"tests": [{"id": "x", "results": {"A": {"seconds": -2}}}]}})", "b.json"); });
        QVERIFY2(msg.contains("`battery.tests[0].results.A.seconds` should not be negative"), qPrintable(msg));
        // Null TPOT / ITL is the format's "not measured" (one-token answers): read, not refused.
        const auto d = runDocumentFromJson(head + R"("speed": {"A": {"output_tokens_per_s": 3, "tpot_ms": null, "itl_ms": null}}})", "ok.json");
        QVERIFY(!d.speed.at("A").tpotMs && !d.speed.at("A").itlMs);
    }

    void percentilesAreNearestRank() {
        std::vector<double> v;
        for (int i = 100; i >= 1; --i) v.push_back(i);
        const auto s = latencyStats(v);
        QCOMPARE(s.mean, 50.5);
        QCOMPARE(s.p50, 50.0);
        QCOMPARE(s.p95, 95.0);
        QCOMPARE(s.p99, 99.0);
        const auto one = latencyStats({7.0});
        QCOMPARE(one.p50, 7.0);
        QCOMPARE(one.p99, 7.0);
        QCOMPARE(latencyStats({}).mean, 0.0);
    }

    void sweepFiguresFromPoints() {
        // Throughput 100, 190, 300, 320: doubling 4 -> 8 adds 6.7% (< 15%), so the knee is 4.
        std::vector<SweepPoint> pts = {{1, 100, 8, {900, 1000, 1100, 1200}, {}}, {2, 190, 8, {950, 1050, 1500, 1600}, {}},
                                       {4, 300, 8, {1200, 1300, 2500, 2600}, {}}, {8, 320, 8, {2500, 2600, 4000, 4100}, {}}};
        QCOMPARE(kneeConcurrency(pts), std::optional<int>(4));
        QCOMPARE(maxConcurrencyUnderSlo(pts, 2000), std::optional<int>(2));
        QCOMPARE(maxConcurrencyUnderSlo(pts, 500), std::nullopt);
        // $2.5/h at 190 tok/s: 2.5 / (190 * 3600) * 1e6.
        QCOMPARE(*costPerMillionTokens(pts, 2, 2.5), 2.5 / (190.0 * 3600.0) * 1e6);
        QCOMPARE(*costPerMillionTokens(pts, std::nullopt, 2.5), 2.5 / (320.0 * 3600.0) * 1e6);  // best point
        pts.pop_back();
        QCOMPARE(kneeConcurrency(pts), std::nullopt);  // still scaling at the last level
    }

    static std::vector<SweepPoint> throughputs(const std::vector<std::pair<int, double>>& levels) {
        std::vector<SweepPoint> pts;
        for (const auto& [c, tps] : levels) pts.push_back({c, tps, 8, {}, {}});
        return pts;
    }

    // A trial's CPU sweep: 195.1 / 181.8 / 285.2 tok/s at 1 / 2 / 4 read "knee: 1" (the next level
    // added < 15%), though 4 adds 46% over 1. A one-level dip is not the end of scaling.
    void kneeIgnoresAOneLevelDip() {
        const auto pts = throughputs({{1, 195.1}, {2, 181.8}, {4, 285.2}});
        QCOMPARE(kneeConcurrency(pts), std::nullopt);
        QVERIFY(!kneeTooNoisy(pts));  // a 7% dip: within the knee's 15% step
        SweepModel m;
        m.points = pts;
        QCOMPARE(kneeText(m), std::string("not reached (throughput still grows)"));
    }

    // A clean saturating series: the knee is the first level after which no later one adds 15% over it.
    void kneeOfASaturatingSeries() {
        const auto pts = throughputs({{1, 100}, {2, 190}, {4, 350}, {8, 380}, {16, 390}, {32, 395}});
        QCOMPARE(kneeConcurrency(pts), std::optional<int>(4));  // 8, 16, 32 add 9%, 11%, 13% over 350
        // Points in any order (a hand-edited document): by concurrency, still scaling at 4.
        QCOMPARE(kneeConcurrency(throughputs({{4, 350}, {1, 100}, {2, 190}})), std::nullopt);
        // A later level that climbs 15% past the best so far moves the knee on.
        QCOMPARE(kneeConcurrency(throughputs({{1, 100}, {2, 105}, {4, 200}, {8, 210}})), std::optional<int>(4));
    }

    // Throughput that falls 15% or more and climbs back: no knee, and the words say why.
    void kneeNotPlacedWhereTooNoisy() {
        const auto pts = throughputs({{1, 200}, {2, 120}, {4, 210}, {8, 215}});
        QVERIFY(kneeTooNoisy(pts));
        QCOMPARE(kneeConcurrency(pts), std::nullopt);
        SweepModel m;
        m.points = pts;
        QVERIFY2(kneeText(m).starts_with("not placed"), kneeText(m).c_str());
        // A fall that stays fallen is overload past saturation, not noise: the knee stands.
        QCOMPARE(kneeConcurrency(throughputs({{1, 100}, {2, 190}, {4, 200}, {8, 150}})), std::optional<int>(2));
    }

    // A document written before the rule changed keeps its points; its knee is derived again.
    void olderKneeIsDerivedAgain() {
        auto d = fullDocument();
        d.sweep->models["A"].points = throughputs({{1, 195.1}, {2, 181.8}, {4, 285.2}});
        d.sweep->models["A"].kneeConcurrency = 1;  // the old rule's answer
        const auto back = runDocumentFromJson(runDocumentToJson(d));
        QCOMPARE(back.sweep->models.at("A").kneeConcurrency, std::nullopt);
        // Older documents have no sweep.notes: they load with none.
        auto j = json::parse(runDocumentToJson(fullDocument()));
        j["sweep"].erase("notes");
        QVERIFY(runDocumentFromJson(j.dump()).sweep->notes.empty());
    }
};

QTEST_GUILESS_MAIN(RunDocumentTest)
#include "test_run_document.moc"
