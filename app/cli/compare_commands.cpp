#include "app/cli/compare_commands.h"

#include "app/cli/cli_support.h"
#include "app/cli/device_option.h"
#include "app/cli/engine_program.h"
#include "core/compare/compare_runner.h"
#include "core/compare/decode_timeline.h"
#include "core/compare/device_label.h"
#include "core/model/hf_config.h"
#include "core/compare/sweep.h"
#include "core/run/battery_scope.h"
#include "core/run/sweep_words.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/int_list.h"
#if AWQBENCH_HAVE_SERVE
#include "core/serve/endpoint_compare.h"
#include "core/serve/endpoint_sweep.h"
#endif

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <iostream>
#include <memory>

namespace awq::cli {
namespace {

std::string fixed(double v, int decimals) {
    return fmt::format("{:.{}f}", v, decimals);
}

// "445.8 (-16%)": B's value with its change against A, as in the seeds' comparison table.
std::string withDelta(double b, double a, int decimals) {
    if (a <= 0) return fixed(b, decimals);
    const double pct = (b - a) / a * 100.0;
    return fixed(b, decimals) + " (" + (pct >= 0 ? "+" : "") + fixed(pct, 0) + "%)";
}

struct SamplingOptions {
    float temperature = 0.0f, topP = 1.0f, repetitionPenalty = 1.0f;
    int topK = 0;
    std::uint64_t seed = 0;
};

void addSamplingOptions(CLI::App* cmd, SamplingOptions& s) {
    cmd->add_option("--temperature", s.temperature, "sampling temperature (greedy unless a temperature, top-k or top-p is given)")
        ->check(nonNegativeNumber());
    cmd->add_option("--top-p", s.topP, "nucleus sampling mass")->check(numberIn(0.0, 1.0));
    cmd->add_option("--top-k", s.topK, "sample from the k most likely tokens")->check(wholeNumberIn(0, INT_MAX));
    cmd->add_option("--repetition-penalty", s.repetitionPenalty, "penalty for repeated tokens (1 = off; above 0 as transformers requires)")->check(positiveNumber());
    cmd->add_option("--seed", s.seed, "random seed");
}

// The same --device / --dtype / --json options as generate and eval ppl.
void addEngineOptions(CLI::App* cmd, std::string& device, std::string& dtype, bool& json) {
    cmd->add_option("--device", device, "cpu or cuda")->transform(deviceName());
    cmd->add_option("--dtype", dtype, "compute dtype: auto, float32, float16, bfloat16")->check(computeDtypeName());
    cmd->add_flag("--json", json, "print the run document (docs/run-format.md) on stdout");
}

RunSettings runSettings(const std::string& device, const std::string& dtype, int maxNew, const SamplingOptions& s) {
    RunSettings r;
    r.device = device;
    r.dtype = dtype;
    r.maxNewTokens = maxNew;
    r.greedy = !(s.temperature > 0.0f || s.topK > 0 || s.topP < 1.0f);
    r.temperature = s.temperature > 0 ? s.temperature : 1.0;
    r.topK = s.topK;
    r.topP = s.topP;
    r.repetitionPenalty = s.repetitionPenalty;
    r.seed = s.seed;
    return r;
}

// The document on stdout first (--json), so that a save that still fails (a full disk) loses nothing.
void finish(const RunDocument& doc, const std::string& out, bool json) {
    if (json) std::cout << runDocumentToJson(doc) << std::flush;
    if (!doc.stoppedReason.empty())
        std::cerr << "error: stopped early: " << doc.stoppedReason << "; the document holds the tests that finished, marked as stopped early\n";
    else if (doc.cancelled)
        std::cerr << "cancelled: the document holds what finished\n";
    if (!out.empty()) {
        saveRunDocument(doc, out);
        std::cerr << "saved " << out << (doc.stoppedReason.empty() ? "" : " (stopped early)") << "\n";
    } else if (!doc.stoppedReason.empty() && !json) {
        std::cerr << "not saved: pass --out RUN.json to keep the finished tests\n";
    }
}

// The exit status of a comparison: a side that failed mid-run is an error (2, as an error before
// the run), a user's cancel kExitInterrupted, else 0.
int compareExit(const RunDocument& doc) { return !doc.stoppedReason.empty() ? 2 : doc.cancelled ? kExitInterrupted : 0; }

// ---------------- compare

struct CompareOptions {
    std::string a, b, battery = "default", text, out, device = "cpu", dtype = "auto";
    std::string loraA, loraB;  // PEFT adapter folders on top of model A / B
    int maxNew = 96, ctx = 256, stride = 0, maxWindows = 64;  // stride 0: --ctx (perplexityStride)
    bool json = false;
    bool force = false;   // --out may replace an existing file
    bool timeline = false;
    int timelineSteps = 16;
    SamplingOptions sampling;
    std::string aModel, bModel, apiKeyEnv = "OPENAI_API_KEY";  // endpoints (--a URL --b URL)
};

std::string progressLine(const BatteryEvent& e) {
    const auto& r = e.result;
    std::string s = fmt::format("[{:2d}/{}] {:<24} {} {:7.2f} s {:5d} tok  {:<10}", e.test + 1, e.tests, e.testId, e.slot, r.seconds,
                                r.outputTokens, r.finish);
    if (r.loopDetected) s += "  LOOP";
    s += r.substantive ? "  substantive" : "  not substantive";
    if (r.exactMatch) s += *r.exactMatch ? "  match" : "  no match";
    return s;
}

// Progress of a comparison on stderr: loading, each finished test, each model's quality windows.
void compareProgress(const CompareEvent& e) {
    switch (e.kind) {
    case CompareEvent::Kind::Loading: std::cerr << "loading " << e.slot << ": " << e.message << "\n"; break;
    case CompareEvent::Kind::Battery:
        if (e.battery.kind == BatteryEvent::Kind::TestFinished) std::cerr << progressLine(e.battery) << "\n";
        if (e.battery.kind == BatteryEvent::Kind::WarmUp) std::cerr << "warmed up " << e.slot << " (a short generation, not timed)\n";
        break;
    case CompareEvent::Kind::Quality:
        if (e.quality.window == e.quality.windows) std::cerr << "quality " << e.slot << ": " << format::counted(std::uint64_t(e.quality.windows), "window") << "\n";
        break;
    case CompareEvent::Kind::Timeline:
        std::cerr << (e.slot.empty() ? std::string("timeline: measuring the device's read bandwidth and matmul ceilings")
                                     : "timeline: profiling the decode steps of " + e.slot)
                  << "\n";
        break;
    default: break;
    }
}

// Where the quantized model of A/B came out slower because of the device (CPU), says why: only
// where one is the other's quantization (pairSpeedNote).
template <typename Tps>
void printQuantizedSlowerNote(const RunDocument& d, const Tps& tokensPerSecond) {
    if (!d.models.count("A") || !d.models.count("B")) return;
    if (const auto note = pairSpeedNote(d.host.value_or(HostInfo{}), d.models.at("A"), d.models.at("B"), tokensPerSecond("A"), tokensPerSecond("B")))
        std::cout << "note: " << *note << "\n";
}

// The decode timeline: a step by category, the roofline figures against the ceilings measured in
// the run, the verdict and the trace files.
void printTimelineTable(const RunDocument& d) {
    const TimelineRun& tl = *d.timeline;
    if (!tl.models.count("A") || !tl.models.count("B")) return;
    const auto& A = tl.models.at("A");
    const auto& B = tl.models.at("B");
    std::cout << "\nDecode timeline (" << A.recorded << ", mean of " << tl.steps << " greedy steps after a " << tl.promptTokens
              << "-token prompt, batch " << tl.batch << ", on " << A.device << "):\n";
    // ms a step, as `profile` and TPOT everywhere (the run document keeps microseconds: *_us keys).
    const auto ms = [](double us) { return us / 1000.0; };
    TextTable t({"ms a step", "A: " + d.models.at("A").name, "B: " + d.models.at("B").name}, {false, true, true});
    t.addRow({"step", fixed(ms(A.stepUs), 3), withDelta(ms(B.stepUs), ms(A.stepUs), 3)});
    for (int c = 0; c < 4; ++c)
        t.addRow({kTimelineCategoryKeys[c], fixed(ms(A.categoryUs[c]), 3), withDelta(ms(B.categoryUs[c]), ms(A.categoryUs[c]), 3)});
    t.addRow({"nothing running", fixed(ms(A.idleUs), 3), fixed(ms(B.idleUs), 3)});
    const RooflinePoint pa = rooflinePoint(rooflineInputOf(A)), pb = rooflinePoint(rooflineInputOf(B));
    t.addRow({"weight bytes a step", format::bytes(A.weightBytesPerStep), format::bytes(B.weightBytesPerStep)});
    t.addRow({"GEMM/GEMV GB/s (of read ceiling)", fixed(pa.achievedGBs, 1) + " (" + fixed(100 * pa.bandwidthShare, 1) + "%)",
              fixed(pb.achievedGBs, 1) + " (" + fixed(100 * pb.bandwidthShare, 1) + "%)"});
    t.addRow({"GEMM/GEMV GFLOP/s (of compute ceiling)", fixed(pa.achievedGFlops, 1) + " (" + fixed(100 * pa.computeShare, 2) + "%)",
              fixed(pb.achievedGFlops, 1) + " (" + fixed(100 * pb.computeShare, 2) + "%)"});
    t.addRow({"share of the step outside GEMMs", fixed(100 * pa.nonGemmShare, 1) + "%", fixed(100 * pb.nonGemmShare, 1) + "%"});
    std::cout << t.render();
    for (const auto* m : {&A, &B}) {
        if (m == &B && m->ceilings.dtype == A.ceilings.dtype) break;
        std::cout << "ceilings on " << m->ceilings.device << " (" << m->ceilings.dtype << ", measured in this run): read "
                  << fixed(m->ceilings.readGBs, 1) << " GB/s, matmul " << fixed(m->ceilings.computeGFlops, 1) << " GFLOP/s\n";
    }
    std::cout << "verdict: " << tl.verdict << "\n";
    for (const auto& [slot, m] : tl.models)
        if (!m.traceFile.empty()) std::cout << "Chrome trace " << slot << ": " << m.traceFile << " (beside the run document)\n";
}

void printCompareTable(const RunDocument& d) {
    const auto& A = d.models.at("A");
    const auto& B = d.models.at("B");
    TextTable t({"metric", "A: " + A.name, "B: " + B.name}, {false, true, true});
    // An endpoint's weights, load time and memory are the server's: "n/a", never a zero.
    const auto here = [](const RunModel& m, const std::string& value) { return isEndpointPath(m.path) ? std::string("n/a (endpoint)") : value; };
    // What the engine holds in memory, in the dtype it computes in (on the CPU an AWQ model is
    // dequantized at load, so its weights are as large as the original's), beside the files.
    const auto held = [&](const RunModel& m) {
        return here(m, format::bytes(m.weightBytes) + (m.computeDtype.empty() ? "" : " (" + m.computeDtype + ")"));
    };
    const bool gpu = d.host && d.host->device.rfind("cuda", 0) == 0;
    // Two endpoints: no engine ran here, so no device of this machine to name.
    const std::string heldWhere = isEndpointPath(A.path) && isEndpointPath(B.path) ? " (compute dtype)" : std::string(" on the ") + (gpu ? "GPU" : "CPU") + " (compute dtype)";
    t.addRow({"weights held by the engine" + heldWhere, held(A), held(B)});
    t.addRow({"model files on disk", here(A, format::bytes(A.fileBytes)), here(B, format::bytes(B.fileBytes))});
    t.addRow({"load time (s)", here(A, fixed(A.loadSeconds, 2)), here(B, fixed(B.loadSeconds, 2))});
    const std::string partial = d.battery ? partialBatteryNote(*d.battery, d.stoppedReason) : std::string();
    if (d.battery) {
        const auto& ta = d.battery->totals.at("A");
        const auto& tb = d.battery->totals.at("B");
        const auto of = [](int n, int total) { return std::to_string(n) + "/" + std::to_string(total); };
        // Cancelled: the totals are over the tests both finished, and the label says how many.
        const std::string over = partial.empty() ? std::string()
                                                 : ", " + std::to_string(d.battery->testsEverySideFinished()) + " of " +
                                                       std::to_string(d.battery->plannedTests) + " tests";
        t.addRow({"total time (s" + over + ")", fixed(ta.totalSeconds, 2), withDelta(tb.totalSeconds, ta.totalSeconds, 2)});
        t.addRow({"avg per test (s)", fixed(ta.avgSeconds, 3), fixed(tb.avgSeconds, 3)});
        t.addRow({"loop detections", of(ta.loopDetections, ta.tests), of(tb.loopDetections, tb.tests)});
        t.addRow({"substantive answers", of(ta.substantive, ta.tests), of(tb.substantive, tb.tests)});
        t.addRow({"exact matches", of(ta.exactMatches, ta.withReference), of(tb.exactMatches, tb.withReference)});
    }
    if (d.speed.count("A") && d.speed.count("B")) {
        const auto& sa = d.speed.at("A");
        const auto& sb = d.speed.at("B");
        // An endpoint's speed was measured on its server's hardware, not on this machine.
        const auto onWhat = [&](const RunModel& m) { return isEndpointPath(m.path) ? "its server (" + m.path + ")" : deviceLabel(d.host.value_or(HostInfo{})); };
        const std::string speedLabel = isEndpointPath(A.path) || isEndpointPath(B.path) ? "output tok/s (A on " + onWhat(A) + ", B on " + onWhat(B) + ")"
                                                                      : "output tok/s on " + deviceLabel(d.host.value_or(HostInfo{}));
        t.addRow({speedLabel, fixed(sa.outputTokensPerS, 1), withDelta(sb.outputTokensPerS, sa.outputTokensPerS, 1)});
        t.addRow({"TTFT p50 / p95 (ms)", fixed(sa.ttftMs.p50, 1) + " / " + fixed(sa.ttftMs.p95, 1),
                  fixed(sb.ttftMs.p50, 1) + " / " + fixed(sb.ttftMs.p95, 1)});
        // Not measured (every answer one token long): n/a, never 0.00.
        const auto tpot = [](const SpeedStats& s) { return s.tpotMs ? fixed(s.tpotMs->p50, 2) + " / " + fixed(s.tpotMs->p95, 2) : std::string("n/a"); };
        const auto itl = [](const SpeedStats& s) { return s.itlMs ? fixed(s.itlMs->p99, 2) : std::string("n/a"); };
        t.addRow({"TPOT p50 / p95 (ms)", tpot(sa), tpot(sb)});
        t.addRow({"ITL p99 (ms)", itl(sa), itl(sb)});
        // The engine's peak is the process's, and A and B are loaded in one process: each figure
        // includes both models (on the CPU the process's peak RSS so far, so B's is never below A's).
        const std::string loaded = isEndpointPath(A.path) || isEndpointPath(B.path) ? "" : " (A and B loaded)";  // an endpoint loads nothing here
        t.addRow({gpu ? "peak GPU memory allocated by this process" + loaded : "peak RSS of this process so far" + loaded,
                  here(A, format::bytes(sa.peakMemoryBytes)), here(B, format::bytes(sb.peakMemoryBytes))});
    }
    if (d.quality) {
        const auto& q = d.quality->models;
        const auto ppl = [&](const char* slot) { return q.count(slot) ? fixed(q.at(slot).perplexity, 3) : std::string("n/a"); };
        t.addRow({"perplexity", ppl("A"), ppl("B")});
        if (q.count("B") && q.at("B").kldVsA) {
            t.addRow({"KLD vs A", "-", fixed(*q.at("B").kldVsA, 5)});
            t.addRow({"top-1 agreement vs A", "-", fixed(*q.at("B").top1VsA, 4)});
        }
    }
    if (!partial.empty()) std::cout << "partial run: " << partial << "\n";
    std::cout << t.render();
    if (d.timeline) printTimelineTable(d);
    if (d.quality && !d.quality->notes.empty()) std::cout << "note: " << d.quality->notes << "\n";
    for (const auto& note : d.notes) std::cout << "not measured: " << note << "\n";
    if (d.speed.count("A") && d.speed.count("B"))
        printQuantizedSlowerNote(d, [&](const std::string& slot) { return d.speed.at(slot).outputTokensPerS; });
}

// Either side an endpoint (--a URL --a-model NAME), the other an endpoint or a model folder.
int runEndpointCompare(const CompareOptions& o) {
    if (isEndpointPath(o.a) && isEndpointPath(o.b) && !o.text.empty())
        throw UsageError("perplexity and KLD need the models' logits, which an endpoint does not give", {}, "drop --text for two endpoints");
    if (o.battery == "none" && o.text.empty()) throw UsageError("--battery none leaves nothing to run against an endpoint");
    if (o.timeline)
        throw UsageError("--timeline profiles the decode steps of model folders on this machine; an endpoint's kernels run on its server", {},
                    "drop --timeline, or compare two model folders");
    if ((isEndpointPath(o.a) && !o.loraA.empty()) || (isEndpointPath(o.b) && !o.loraB.empty()))
        throw UsageError("a LoRA adapter applies to a model folder, not to an endpoint", {}, "serve the adapter on the endpoint instead");
#if AWQBENCH_HAVE_SERVE
    const char* key = std::getenv(o.apiKeyEnv.c_str());
    auto side = [&](const std::string& where, const std::string& model, const std::string& lora) {
        serve::CompareSide s;
        if (isEndpointPath(where))
            s.endpoint = serve::Endpoint{where, model, key ? key : ""};
        else
            s.folder = where, s.lora = lora;
        return s;
    };
    std::optional<Battery> battery;
    if (o.battery != "none") battery = loadBattery(o.battery);
    std::optional<QualityOptions> quality;
    if (!o.text.empty()) quality = QualityOptions{o.text, {.context = o.ctx, .stride = perplexityStride(o.ctx, o.stride), .maxWindows = o.maxWindows}};
    StopOnSigint sigint;
    const auto doc = serve::runMixedComparison({side(o.a, o.aModel, o.loraA), side(o.b, o.bModel, o.loraB)}, battery, quality,
                                               runSettings(o.device, o.dtype, o.maxNew, o.sampling), compareProgress,
                                               sigint.source.get_token());
    if (!o.json) printCompareTable(doc);
    finish(doc, o.out, o.json);
    return compareExit(doc);
#else
    throw Error("this awqbench-cli was built without cpp-httplib: it cannot reach an endpoint", {}, "install libcpp-httplib-dev and rebuild");
#endif
}

int runCompare(const CompareOptions& o) {
    if (isEndpointPath(o.a) || isEndpointPath(o.b)) return runEndpointCompare(o);
    if (o.battery == "none" && o.text.empty() && !o.timeline)
        throw UsageError("--battery none with neither --text nor --timeline leaves nothing to measure but load times", {},
                         "add --text FILE (perplexity, KLD), --timeline, or a battery");
    // One folder twice (no adapter to tell them apart) compares a model with itself: the answers
    // agree and the KLD is 0 by construction. A noise check on purpose, a slip otherwise.
    if (std::error_code ec; o.loraA == o.loraB && std::filesystem::equivalent(o.a, o.b, ec))
        std::cerr << "note: --a and --b are the same model folder" << (o.loraA.empty() ? "" : " with the same adapter")
                  << ": the run compares it with itself\n";
    CompareSettings s;
    s.modelA = o.a;
    s.modelB = o.b;
    s.loraA = o.loraA;
    s.loraB = o.loraB;
    s.run = runSettings(o.device, o.dtype, o.maxNew, o.sampling);
    if (o.battery != "none") s.battery = loadBattery(o.battery);
    if (!o.text.empty()) s.quality = QualityOptions{o.text, {.context = o.ctx, .stride = perplexityStride(o.ctx, o.stride), .maxWindows = o.maxWindows}};
    if (o.timeline) s.timeline = TimelineOptions{.steps = o.timelineSteps};
    StopOnSigint sigint;
    auto doc = runComparison(s, compareProgress, sigint.source.get_token());
    if (doc.timeline && doc.timeline->steps < o.timelineSteps)
        std::cerr << "note: the timeline measured " << format::counted(std::uint64_t(doc.timeline->steps), "decode step") << ", not " << o.timelineSteps
                  << ": as many as every model's context holds after the prompt\n";
    // Traces are named in the table once written: save first, print after.
    if (!o.out.empty() && doc.timeline) saveTimelineTraces(*doc.timeline, o.out);
    if (!o.json) printCompareTable(doc);
    if (doc.timeline && o.out.empty()) std::cerr << "no Chrome traces written: they are saved beside --out RUN.json\n";
    finish(doc, o.out, o.json);
    return compareExit(doc);
}

// ---------------- sweep

struct SweepOptions {
    std::vector<std::string> models;
    std::string concurrency = "1,2,4,8", prompt = "Once upon a time", out, device = "cpu", dtype = "auto";
    int maxNew = 64, minRequests = 8;
    double slo = 0, price = 0;
    bool json = false;
    bool force = false;   // --out may replace an existing file
    // Endpoints (--model URL): served model names, the key's environment variable, the load.
    std::vector<std::string> servedModels;
    std::string apiKeyEnv = "OPENAI_API_KEY", requestRate = "inf";
    int numPrompts = 32;
    double sloTtftMs = 0, sloTpotMs = 0;
};

// vLLM benchmark_serving's figures of an endpoint sweep, beside the common table.
void printServingTable(const RunDocument& d) {
    for (const auto& [slot, m] : d.sweep->models) {
        if (m.points.empty() || !m.points.front().serving) continue;
        std::cout << slot << " serving (" << d.models.at(slot).path << "):\n";
        TextTable t({"max concurrency", "done/failed", "req/s", "TTFT p50/p99", "TPOT p50/p99", "ITL p50/p99", "E2EL p50/p99", "goodput"},
                    {true, true, true, true, true, true, true, true});
        for (const auto& p : m.points) {
            const auto& v = *p.serving;
            auto pair = [](const std::optional<LatencyStats>& l) { return l ? fixed(l->p50, 1) + " / " + fixed(l->p99, 1) : std::string("n/a"); };
            t.addRow({std::to_string(p.concurrency), std::to_string(v.completed) + "/" + std::to_string(v.failed), fixed(v.requestThroughput, 2),
                      pair(p.ttftMs), pair(v.tpotMs), pair(v.itlMs), pair(p.latencyMs), v.goodput ? fixed(*v.goodput, 2) : "-"});
        }
        std::cout << t.render();
        // The SLOs behind goodput, as the run document records them (sweep.slo_ttft_ms / slo_tpot_ms).
        std::string slos;
        if (d.sweep->sloTtftMs) slos += "TTFT <= " + fixed(*d.sweep->sloTtftMs, 1) + " ms";
        if (d.sweep->sloTpotMs) slos += (slos.empty() ? "" : " and ") + std::string("TPOT <= ") + fixed(*d.sweep->sloTpotMs, 1) + " ms";
        if (!slos.empty()) std::cout << "goodput: requests/s that met " << slos << "\n";
    }
}

void printSweepTable(const RunDocument& d) {
    const std::string device = deviceLabel(d.host.value_or(HostInfo{}));
    // An endpoint ran on its server's hardware: its figures and cost are that hardware's.
    const auto deviceOf = [&](const std::string& slot) {
        const auto it = d.models.find(slot);
        return it != d.models.end() && isEndpointPath(it->second.path) ? "the server at " + it->second.path : device;
    };
    for (const auto& [slot, m] : d.sweep->models) {
        std::cout << slot << ": " << d.models.at(slot).name << ", measured on " << deviceOf(slot) << "\n";
        TextTable t({"concurrency", "requests", "output tok/s", "latency p50 (ms)", "p95", "p99", "TTFT p50 (ms)", "tokens/request"},
                    {true, true, true, true, true, true, true, true});
        for (const auto& p : m.points)
            t.addRow({std::to_string(p.concurrency), std::to_string(p.requests), fixed(p.outputTokensPerS, 1), fixed(p.latencyMs.p50, 1),
                      fixed(p.latencyMs.p95, 1), fixed(p.latencyMs.p99, 1), fixed(p.ttftMs.p50, 1), pointTokensText(p)});
        std::cout << t.render();
        // Counted, not --max-new taken on trust: a server that ignores ignore_eos stops at end-of-text.
        if (const auto shortfall = tokenShortfallText(*d.sweep, m)) std::cout << "note: " << slot << ": " << *shortfall << "\n";
        std::cout << "knee: " << kneeText(m);
        if (d.sweep->sloP95Ms)
            std::cout << "; max concurrency with p95 <= " << fixed(*d.sweep->sloP95Ms, 0)
                      << " ms: " << capacityUnderSloText(m);
        if (m.costPerMillionTokensUsd)
            std::cout << "; cost per 1M output tokens: $" << fixed(*m.costPerMillionTokensUsd, 2) << " at $"
                      << fixed(d.sweep->gpuHourlyUsd.value_or(0), 2) << "/h of " << deviceOf(slot);
        std::cout << "\n";
    }
    if (!d.sweep->gpuHourlyUsd) std::cout << "no cost computed: pass --price USD_PER_HOUR (what an hour of " << device << " costs you)\n";
    for (const auto& note : d.sweep->notes) std::cout << "note: " << note << "\n";  // as saved, so the report says the same
}

int runEndpointSweep(const SweepOptions& o, const SweepSettings& s) {
#if AWQBENCH_HAVE_SERVE
    std::vector<serve::Endpoint> endpoints;
    const char* key = std::getenv(o.apiKeyEnv.c_str());
    for (std::size_t i = 0; i < o.models.size(); ++i) {
        if (!isEndpointPath(o.models[i])) throw Error("sweep: give two endpoints or two model folders, not one of each");
        endpoints.push_back({o.models[i], i < o.servedModels.size() ? o.servedModels[i] : "", key ? key : ""});
    }
    serve::LoadSettings load;
    load.numPrompts = o.numPrompts;
    if (o.requestRate != "inf") {
        try {
            load.requestRate = std::stod(o.requestRate);
        } catch (const std::exception&) {
            load.requestRate = -1;
        }
        if (*load.requestRate <= 0) throw UsageError("--request-rate must be a positive number of requests per second or inf");
    }
    serve::ServingSlo slo;
    if (o.sloTtftMs > 0) slo.ttftMs = o.sloTtftMs;
    if (o.sloTpotMs > 0) slo.tpotMs = o.sloTpotMs;
    StopOnSigint sigint;
    ProgressLine progress;
    const auto doc = serve::runEndpointSweepDocument(endpoints, s, load, slo, [&](const SweepEvent& e) {
        const std::string level = e.slot + " max concurrency " + std::to_string(e.concurrency) + ": ";
        if (e.point)
            progress.line(level + fixed(e.point->outputTokensPerS, 1) + " tok/s, TTFT p50 " + fixed(e.point->ttftMs.p50, 1) + " ms, E2EL p95 " +
                          fixed(e.point->latencyMs.p95, 1) + " ms");
        else
            progress.update(level + std::to_string(e.round) + "/" + std::to_string(e.rounds) + " requests");
    }, sigint.source.get_token());
    progress.end();
    if (!o.json) {
        printSweepTable(doc);
        printServingTable(doc);
    }
    finish(doc, o.out, o.json);
    return compareExit(doc);
#else
    (void)s;
    throw Error("this awqbench-cli was built without cpp-httplib: it cannot sweep " + o.models[0], {},
                "install libcpp-httplib-dev and rebuild");
#endif
}

int runSweepCommand(const SweepOptions& o) {
    SweepSettings s;
    s.concurrency = parseIntList(o.concurrency, "--concurrency");
    s.maxNewTokens = o.maxNew;
    s.prompt = o.prompt;
    s.minRequests = o.minRequests;
    if (o.slo > 0) s.sloP95Ms = o.slo;
    if (o.price > 0) s.gpuHourlyUsd = o.price;
    if (std::any_of(o.models.begin(), o.models.end(), [](const std::string& m) { return isEndpointPath(m); }))
        return runEndpointSweep(o, s);
    std::vector<std::filesystem::path> models(o.models.begin(), o.models.end());
    StopOnSigint sigint;
    const auto doc = runSweepDocument(models, runSettings(o.device, o.dtype, o.maxNew, {}), s, [&](const SweepEvent& e) {
        if (e.point)
            std::cerr << e.slot << " concurrency " << e.concurrency << ": " << fixed(e.point->outputTokensPerS, 1) << " tok/s, p95 "
                      << fixed(e.point->latencyMs.p95, 1) << " ms\n";
    }, sigint.source.get_token());
    if (!o.json) printSweepTable(doc);
    finish(doc, o.out, o.json);
    return doc.cancelled ? kExitInterrupted : 0;
}

}  // namespace

void addCompareCommands(CLI::App& app) {
    auto c = std::make_shared<CompareOptions>();
    auto* cmp = app.add_subcommand("compare", std::string(engineCommandDescription("compare")));
    cmp->add_option("--a", c->a, "model A folder (e.g. the FP16 original), or an endpoint URL (http://host:8000/v1)")->required();
    cmp->add_option("--b", c->b, "model B folder (e.g. its AWQ version), or an endpoint URL")->required();
    cmp->add_option("--lora-a", c->loraA, "PEFT LoRA adapter folder applied on top of model A (A and B may then be one model)")
        ->check(CLI::ExistingDirectory);
    cmp->add_option("--lora-b", c->loraB, "PEFT LoRA adapter folder applied on top of model B, e.g. the same adapter on the AWQ version")
        ->check(CLI::ExistingDirectory);
    cmp->add_option("--a-model", c->aModel, "endpoints: the model name A serves (default: the first it lists)");
    cmp->add_option("--b-model", c->bModel, "endpoints: the model name B serves (default: the first it lists)");
    cmp->add_option("--api-key-env", c->apiKeyEnv, "endpoints: the environment variable holding the API key (default OPENAI_API_KEY)");
    cmp->add_option("--battery", c->battery, "\"default\" (built in), a .json / .jsonl battery file, or \"none\"");
    cmp->add_option("--text", c->text, "UTF-8 text for perplexity of both and KLD / top-1 agreement of B against A");
    cmp->add_option("--max-new", c->maxNew, "new tokens at most per test")->check(positiveCount());
    cmp->add_option("--ctx", c->ctx, "perplexity: tokens per window")->check(wholeNumberIn(2, kMaxPositionEmbeddings));
    cmp->add_option("--stride", c->stride, "perplexity: tokens between window starts, at most --ctx (default: --ctx, non-overlapping windows)")
        ->check(positiveCount());
    cmp->add_option("--max-windows", c->maxWindows, "perplexity: windows at most (0 = all)")->check(wholeNumberIn(0, INT_MAX));
    cmp->add_option("--out", c->out, "save the run document (RUN.json)");
    cmp->add_flag("--force", c->force, "replace the --out file if it exists");
    cmp->add_flag("--timeline", c->timeline,
                  "profile a decode step of each model (kernels on CUDA, torch operators on the CPU) against the device's read-bandwidth "
                  "and matmul ceilings measured in the run; Chrome traces beside --out");
    cmp->add_option("--timeline-steps", c->timelineSteps, "decode steps profiled with --timeline (default 16)")->check(wholeNumberIn(1, 4096));
    addSamplingOptions(cmp, c->sampling);
    addEngineOptions(cmp, c->device, c->dtype, c->json);
    cmp->callback([c] {
        runOrExit([&] {
            if (!c->out.empty()) requireOutputFile(c->out, c->force);
            return runCompare(*c);
        });
    });

    auto s = std::make_shared<SweepOptions>();
    auto* sw = app.add_subcommand("sweep", std::string(engineCommandDescription("sweep")));
    sw->add_option("--model", s->models, "model folder, or an OpenAI-compatible endpoint URL (http://host:8000/v1); twice: A and B")->required()->expected(1, 2);
    sw->add_option("--concurrency", s->concurrency, "comma-separated concurrency levels")->check(integerList(1));
    sw->add_option("--max-new", s->maxNew, "new tokens per request (EOS ignored)")->check(positiveCount());
    sw->add_option("--prompt", s->prompt, "prompt of every request");
    sw->add_option("--min-requests", s->minRequests, "requests per level at least (batches of c repeat)")->check(positiveCount());
    sw->add_option("--slo-p95-ms", s->slo, "p95 latency target in ms: reports the highest concurrency that meets it (default: none)")
        ->check(nonNegativeNumber());
    sw->add_option("--price,--gpu-price", s->price,
                   "what an hour of the device costs you, in USD: reports the cost per 1M output tokens (default: none, no cost)")
        ->check(nonNegativeNumber());
    sw->add_option("--out", s->out, "save the run document (RUN.json)");
    sw->add_flag("--force", s->force, "replace the --out file if it exists");
    sw->add_option("--served-model", s->servedModels, "endpoints: the model name each --model URL serves (default: the first it lists)")
        ->expected(1, 2);
    sw->add_option("--api-key-env", s->apiKeyEnv, "endpoints: the environment variable holding the API key (default OPENAI_API_KEY)");
    sw->add_option("--request-rate", s->requestRate, "endpoints: requests per second, Poisson arrivals, or inf (all at once; default)");
    sw->add_option("--num-prompts", s->numPrompts, "endpoints: requests per concurrency level (default 32)")->check(positiveCount());
    sw->add_option("--slo-ttft-ms", s->sloTtftMs, "endpoints: goodput counts requests with TTFT <= this (default: none)")->check(nonNegativeNumber());
    sw->add_option("--slo-tpot-ms", s->sloTpotMs, "endpoints: goodput counts requests with TPOT <= this (default: none)")->check(nonNegativeNumber());
    addEngineOptions(sw, s->device, s->dtype, s->json);
    sw->callback([s] {
        runOrExit([&] {
            if (!s->out.empty()) requireOutputFile(s->out, s->force);
            return runSweepCommand(*s);
        });
    });
}

}  // namespace awq::cli
