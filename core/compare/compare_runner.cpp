#include "core/compare/compare_runner.h"

#include "core/model/model_files.h"

#include "core/compare/decode_timeline.h"
#include "core/compare/text_checks.h"
#include "core/system/batch_memory.h"
#include "core/system/gpu_probe.h"
#include "core/system/host_cpu.h"
#include "core/system/memory_plan.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/utc_time.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <tuple>

namespace awq {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

// The FP16 source's fingerprint, recorded by our quantizer; nullopt for models made elsewhere.
std::optional<std::string> sourceFingerprintOf(const fs::path& folder) {
    const fs::path file = folder / "awqbench_quantization.json";
    nlohmann::json j;
    try {
        const auto text = readModelFile(folder, "awqbench_quantization.json");  // no links out of the folder
        if (!text) return std::nullopt;
        j = parseJson(*text, {file, "quantize the model again"});
    } catch (const Error&) {
        return std::nullopt;  // an unreadable record is no record: the pairing check falls back to names
    }
    if (!j.is_object()) return std::nullopt;
    for (const auto* path : {"/source/fingerprint", "/settings/source_fingerprint", "/source_fingerprint"}) {
        const nlohmann::json::json_pointer p(path);
        if (j.contains(p) && j.at(p).is_string()) return j.at(p).get<std::string>();
    }
    return std::nullopt;
}

RunModel identityOf(const ModelInfo& info) {
    RunModel m;
    m.name = info.name;
    m.path = fs::absolute(info.folder).lexically_normal().string();
    m.architecture = info.config.architectureClass;
    m.fingerprint = info.fingerprint;
    m.parameters = info.parameterCount;
    m.weightBytes = info.weightBytes;
    m.fileBytes = info.bytesOnDisk;
    m.quantization = runQuantizationOf(info);
    m.sourceFingerprint = sourceFingerprintOf(info.folder);
    for (int gib : commonGpuSizesGiB()) {
        const auto plan = planMemory(info, {.gpuMemoryBytes = std::uint64_t(gib) << 30});
        m.memoryWeightsBytes = plan.weightBytes;
        m.kvCacheBytesPerToken = plan.kvBytesPerToken;
        m.fit.push_back({gib, plan.weightsFit && plan.tokensThatFit > 0, std::max<std::int64_t>(0, plan.tokensThatFit)});
    }
    return m;
}

}  // namespace

EngineOptions engineOptionsFor(const RunSettings& settings, int maxBatch) {
    EngineOptions o;
    o.device = parseDeviceKind(settings.device);
    o.computeDtype = settings.dtype;
    o.maxBatch = std::max(1, maxBatch);
    return o;
}

RunModel describeRunModel(const fs::path& folder) { return identityOf(describeModel(folder)); }

std::optional<RunQuantization> runQuantizationOf(const QuantizationConfig& q) {
    if (q.method == QuantMethod::None) return std::nullopt;
    return RunQuantization{std::string(quantMethodName(q.method)), q.bits, q.groupSize, q.zeroPoint, q.version};
}

std::optional<RunQuantization> runQuantizationOf(const ModelInfo& info) {
    auto q = runQuantizationOf(info.config.quantization);
    if (q && info.quantizationRecord) q->madeWith = info.quantizationRecord->method;
    return q;
}

LoadedModel loadModelForRun(const std::string& slot, const fs::path& folder, const EngineOptions& options) {
    const auto start = Clock::now();
    LoadedModel m;
    m.slot = slot;
    m.engine = Engine::load(folder, options);
    m.identity = identityOf(m.engine->model());
    m.identity.loadSeconds = msSince(start, Clock::now()) / 1000.0;
    m.identity.weightBytes = m.engine->weightMemoryBytes();
    m.identity.computeDtype = m.engine->computeDtype();
    return m;
}

void requireTokenizerForRun(const fs::path& folder) {
    if (!describeModel(folder).hasTokenizer)
        throw Error("no tokenizer.json: a comparison or sweep encodes its prompts and text with each model's own tokenizer", folder,
                    "copy the tokenizer files (tokenizer.json, tokenizer_config.json) from the model's source");
}

void requireQualityWindowFits(const fs::path& folder, int context) {
    if (const int limit = describeModel(folder).config.maxPositions; limit > 0 && context > limit)
        throw Error("a perplexity window of " + std::to_string(context) + " tokens is longer than the model's context of " + std::to_string(limit) +
                        " tokens",
                    folder / "config.json", "use a window (--ctx) of at most " + std::to_string(limit) + " tokens");
}

HostInfo describeHost(const RunSettings& settings) {
    HostInfo h;
    h.device = settings.device == "cuda" ? "cuda:0" : settings.device;
    if (settings.device == "cuda") {
        const auto probe = probeGpus();
        if (probe.available && !probe.gpus.empty()) {
            h.gpuName = probe.gpus[0].name;
            h.gpuTotalBytes = probe.gpus[0].totalBytes;
        }
    } else if (settings.device == "cpu") {
        h.cpuName = cpuModelName();
        h.cpuThreads = cpuComputeThreads();
    }
    return h;
}

RunDocument newRunDocument(const std::string& kind, const RunSettings& settings) {
    RunDocument d;
    d.kind = kind;
    d.created = utcNow();
    d.toolVersion = AWQBENCH_VERSION;
    d.host = describeHost(settings);
    d.settings = settings;
    return d;
}

GenerationRequest requestFor(const RunSettings& s, std::vector<int> promptIds, int maxNewTokens) {
    GenerationRequest r;
    r.promptIds = std::move(promptIds);
    r.maxNewTokens = maxNewTokens > 0 ? maxNewTokens : s.maxNewTokens;
    r.sampling = {.greedy = s.greedy, .temperature = float(s.temperature), .topK = s.topK, .topP = float(s.topP),
                  .repetitionPenalty = float(s.repetitionPenalty), .seed = s.seed};
    return r;
}

TestResult judgeResult(const BatteryTest& test, const GenerationResult& g, double seconds) {
    TestResult r;
    r.text = g.text;
    r.outputTokens = int(g.newIds.size());
    r.finish = finishReasonName(g.finish);
    r.seconds = seconds;
    r.ttftMs = g.metrics.ttftMs;
    r.tpotMs = g.metrics.tpotMs;
    const auto loop = detectLoop(g.text);
    r.loopDetected = loop.detected;
    const auto sub = checkSubstantive(g.text, test.prompt, loop);
    r.substantive = sub.substantive;
    std::vector<std::string> notes;
    if (loop.detected)
        notes.push_back("loop (" + loop.rule + "): \"" + loop.unit + "\" x" + std::to_string(loop.repeats) + ", " +
                        std::to_string(int(loop.coverage * 100 + 0.5)) + "% of the output");
    if (!sub.substantive && sub.reason != "loop") notes.push_back("not substantive: " + sub.reason);
    if (test.reference) {
        r.exactMatch = matchesReference(g.text, *test.reference);
        if (!*r.exactMatch) notes.push_back("does not match the reference \"" + *test.reference + "\"");
    }
    if (g.finish == FinishReason::Cancelled) notes.push_back("cancelled");
    for (const auto& n : notes) r.notes += (r.notes.empty() ? "" : "; ") + n;
    return r;
}

BatteryTotals batteryTotals(const std::vector<TestRecord>& tests, const std::string& slot) {
    BatteryTotals t;
    for (const auto& rec : tests) {
        const auto it = rec.results.find(slot);
        if (it == rec.results.end()) continue;
        const auto& r = it->second;
        ++t.tests;
        t.totalSeconds += r.seconds;
        t.loopDetections += r.loopDetected;
        t.substantive += r.substantive;
        t.withReference += r.exactMatch.has_value();
        t.exactMatches += r.exactMatch.value_or(false);
    }
    t.avgSeconds = t.tests ? t.totalSeconds / t.tests : 0;
    return t;
}

SpeedStats speedStats(const std::vector<GenerationMetrics>& metrics, const std::vector<double>& itlMs) {
    SpeedStats s;
    std::vector<double> ttft, tpot, e2e;
    double e2eSum = 0;
    for (const auto& m : metrics) {
        ++s.requests;
        s.outputTokens += m.newTokens;
        if (m.newTokens > 0) ttft.push_back(m.ttftMs);
        if (m.tpotMs) tpot.push_back(*m.tpotMs);
        e2e.push_back(m.e2eMs);
        e2eSum += m.e2eMs;
        s.peakMemoryBytes = std::max(s.peakMemoryBytes, m.peakMemoryBytes);
    }
    s.outputTokensPerS = e2eSum > 0 ? double(s.outputTokens) / (e2eSum / 1000.0) : 0;
    s.ttftMs = latencyStats(ttft);
    if (!tpot.empty()) s.tpotMs = latencyStats(tpot);     // every answer one token long: not measured (null)
    if (!itlMs.empty()) s.itlMs = latencyStats(itlMs);
    s.e2eMs = latencyStats(e2e);
    return s;
}

BatterySide engineSide(LoadedModel& model, const RunSettings& settings) {
    // The warm-up: a few tokens of a fixed prompt, discarded (the same sampling settings).
    auto warmUp = [&model, settings](std::stop_token stop) {
        Engine& engine = *model.engine;
        auto request = requestFor(settings, engine.encode("Once upon a time", true), kBatteryWarmupTokens);
        engine.generate({request}, {}, stop);
    };
    return {model.slot, [&model, settings](const BatteryTest& test, const TextSink& onText, std::stop_token stop) {
        Engine& engine = *model.engine;
        const auto request = requestFor(settings, test.chat ? engine.encodeChat(test.prompt) : engine.encode(test.prompt, true), test.maxNewTokens);
        SideAnswer a;
        if (test.chat && !engine.model().hasChatTemplate)  // as `generate --chat` does; vLLM would refuse the request
            a.note = "no chat template: the prompt went through awqbench's plain-text fallback (User: / Assistant:)";
        std::optional<Clock::time_point> lastToken;
        const auto start = Clock::now();
        a.result = engine.generate({request}, [&](const StreamEvent& e) {
            if (e.tokenId >= 0) {
                const auto now = Clock::now();
                if (lastToken) a.itlMs.push_back(msSince(*lastToken, now));
                lastToken = now;
            }
            if (onText && !e.textDelta.empty()) onText(e.textDelta);
        }, stop)[0];
        a.seconds = msSince(start, Clock::now()) / 1000.0;
        a.outputTokens = int(a.result.newIds.size());
        return a;
    }, warmUp};
}

BatteryOutcome runBatterySides(const std::vector<BatterySide>& sides, const Battery& battery, const BatteryCallback& onEvent,
                               std::stop_token stop) {
    BatteryOutcome out;
    out.run.name = battery.name;
    out.run.source = battery.source;
    std::map<std::string, std::vector<GenerationMetrics>> metrics;
    std::map<std::string, std::vector<double>> itl;
    std::vector<TestRecord> everySide;  // the tests every side finished: what the totals compare
    const int n = int(battery.tests.size());
    out.run.plannedTests = n;
    // Warm every side up before any timed test: without it the first side's first test paid for the
    // cold start, so the same model as A and B made B look faster (and swapping them moved it).
    bool warmed = false;
    for (const auto& side : sides) {
        if (!side.warmUp || n == 0) continue;
        for (int w = 0; w < kBatteryWarmupGenerations && !stop.stop_requested(); ++w) {
            try {
                side.warmUp(stop);
            } catch (const std::exception& e) {
                out.cancelled = true;
                out.stoppedReason = side.slot + " failed while warming up: " + exceptionMessage(e);
                break;
            }
            warmed = true;
            if (onEvent) onEvent({BatteryEvent::Kind::WarmUp, side.slot, 0, n, {}, {}, {}});
        }
        if (out.cancelled) break;
    }
    if (warmed) out.run.warmupGenerations = kBatteryWarmupGenerations;
    if (stop.stop_requested()) out.cancelled = true;
    for (int i = 0; i < n && !out.cancelled; ++i) {
        const auto& test = battery.tests[std::size_t(i)];
        TestRecord rec{test.id, test.category, test.prompt, test.reference, {}};
        // A test's speed counts only once every side finished it: a cancel between A and B must not
        // leave A's figures over one test more than B's.
        std::map<std::string, GenerationMetrics> testMetrics;
        std::map<std::string, std::vector<double>> testItl;
        for (const auto& side : sides) {
            if (stop.stop_requested()) {
                out.cancelled = true;
                break;
            }
            if (onEvent) onEvent({BatteryEvent::Kind::TestStarted, side.slot, i, n, test.id, {}, {}});
            SideAnswer a;
            try {
                a = side.answer(test, [&](const std::string& text) {
                    if (onEvent) onEvent({BatteryEvent::Kind::Token, side.slot, i, n, test.id, text, {}});
                }, stop);
            } catch (const std::exception& e) {
                // A side that fails (an endpoint that went away) ends the battery as a cancel would:
                // the finished tests are kept, and the reason goes with them.
                out.cancelled = true;
                const std::string message = exceptionMessage(e);   // an endpoint's names the test already
                out.stoppedReason = side.slot + " failed" +
                                    (message.find("test " + test.id) == std::string::npos ? " on test " + test.id : std::string()) + ": " + message;
                break;
            }
            if (a.result.finish == FinishReason::Cancelled) {
                out.cancelled = true;  // a half-run test would skew every total: leave it out
                break;
            }
            testMetrics[side.slot] = a.result.metrics;
            testItl[side.slot] = a.itlMs;
            auto judged = judgeResult(test, a.result, a.seconds);
            judged.outputTokens = a.outputTokens;
            if (!a.note.empty()) judged.notes = a.note + (judged.notes.empty() ? "" : "; " + judged.notes);
            rec.results[side.slot] = judged;
            if (onEvent) onEvent({BatteryEvent::Kind::TestFinished, side.slot, i, n, test.id, {}, judged});
        }
        if (rec.results.size() == sides.size()) {
            for (const auto& side : sides) {
                metrics[side.slot].push_back(testMetrics[side.slot]);
                itl[side.slot].insert(itl[side.slot].end(), testItl[side.slot].begin(), testItl[side.slot].end());
            }
            everySide.push_back(rec);
        }
        // A test only some sides finished (cancelled in between) stays in the document, listed as
        // not run on the others, but out of every total.
        if (!rec.results.empty()) out.run.tests.push_back(std::move(rec));
    }
    for (const auto& side : sides) {
        out.run.totals[side.slot] = batteryTotals(everySide, side.slot);
        out.speed[side.slot] = speedStats(metrics[side.slot], itl[side.slot]);
    }
    return out;
}

BatteryOutcome runBattery(const std::vector<LoadedModel*>& models, const Battery& battery, const RunSettings& settings,
                          const BatteryCallback& onEvent, std::stop_token stop) {
    std::vector<BatterySide> sides;
    for (auto* m : models) sides.push_back(engineSide(*m, settings));
    return runBatterySides(sides, battery, onEvent, stop);
}

JobResult<QualityRun> runQuality(Engine& a, Engine* b, const QualityOptions& options, const QualityCallback& onProgress,
                                 std::stop_token stop) {
    const std::string text = readTextFile(options.text, "quality text", "check the path of --text");
    QualityRun q;
    q.text = fs::absolute(options.text).lexically_normal().string();
    q.ctx = options.perplexity.context;
    q.stride = options.perplexity.stride;
    const auto progress = [&](const std::string& slot) {
        return [&, slot](const EvalProgress& p) {
            if (onProgress) onProgress({slot, p.window, p.windows});
        };
    };
    const auto idsA = a.encode(text, false);
    const auto ra = evaluatePerplexity(a, idsA, options.perplexity, nullptr, progress("A"), stop);
    q.windows = ra.windows;
    q.models["A"] = {ra.perplexity, ra.scoredTokens, std::nullopt, std::nullopt};
    bool wasCancelled = ra.cancelled;
    if (b && !wasCancelled) {
        const auto idsB = b->encode(text, false);
        const bool sameIds = idsB == idsA;
        if (!sameIds)
            q.notes = "A and B tokenize the text differently (" + std::to_string(idsA.size()) + " and " + std::to_string(idsB.size()) +
                      " tokens): each perplexity is per token of its own tokenizer, so the two are not comparable; no KL divergence / "
                      "top-1 agreement";
        const auto rb = evaluatePerplexity(*b, sameIds ? idsA : idsB, options.perplexity, sameIds ? &a : nullptr, progress("B"), stop);
        q.models["B"] = {rb.perplexity, rb.scoredTokens, rb.meanKld, rb.top1Agreement};
        wasCancelled = rb.cancelled;
    }
    return {std::move(q), wasCancelled};
}

JobResult<QualityRun> runQualityAlone(Engine& engine, const std::string& slot, const QualityOptions& options, const std::string& notes,
                                      const QualityCallback& onProgress, std::stop_token stop) {
    auto result = runQuality(engine, nullptr, options, [&](const QualityEvent& e) {
        if (onProgress) onProgress({slot, e.window, e.windows});
    }, stop);
    auto& q = result.value;
    if (slot != "A") {
        q.models[slot] = q.models["A"];
        q.models.erase("A");
    }
    q.notes = notes;
    return result;
}

void requireWindowFitsMemory(const Engine& engine, int context) {
    const bool onGpu = engine.options().device == DeviceKind::Cuda;
    BatchShape shape;
    shape.tokensPerSequence = shape.prefillTokens = context;
    shape.onGpu = onGpu;
    shape.elementBytes = computeElementBytes(engine.model(), onGpu, engine.computeDtype());
    shape.weightsLoaded = true;
    requireBatchFitsMemory(engine.model(), "a perplexity window of " + std::to_string(context) + " tokens", shape,
                           freeMemoryBytes(onGpu, engine.options().cudaDevice), "use a shorter --ctx, or free memory");
}

RunDocument runComparison(const CompareSettings& s, const CompareCallback& onEvent, std::stop_token stop) {
    const auto emit = [&](CompareEvent e) {
        if (onEvent) onEvent(e);
    };
    auto doc = newRunDocument("compare", s.run);
    for (const auto& folder : {s.modelA, s.modelB}) {  // before either loads
        requireTokenizerForRun(folder);
        if (s.quality) requireQualityWindowFits(folder, s.quality->perplexity.context);
    }
    std::vector<LoadedModel> loaded;
    for (const auto& [slot, folder, lora] : {std::tuple{std::string("A"), s.modelA, s.loraA}, std::tuple{std::string("B"), s.modelB, s.loraB}}) {
        emit({CompareEvent::Kind::Loading, slot, folder.filename().string(), {}, {}});
        auto options = engineOptionsFor(s.run);
        options.lora = lora;
        loaded.push_back(loadModelForRun(slot, folder, options));
        if (!lora.empty()) loaded.back().identity.loraAdapter = fs::absolute(lora).string();
        doc.models[slot] = loaded.back().identity;
        emit({CompareEvent::Kind::Loaded, slot, loaded.back().identity.name, {}, {}});
    }
    if (s.quality)  // before the battery, so that a window that cannot fit costs no battery run
        for (const auto& m : loaded) requireWindowFitsMemory(*m.engine, s.quality->perplexity.context);
    if (s.battery && !stop.stop_requested()) {
        auto outcome = runBattery({&loaded[0], &loaded[1]}, *s.battery, s.run, [&](const BatteryEvent& e) {
            emit({CompareEvent::Kind::Battery, e.slot, {}, e, {}});
        }, stop);
        doc.battery = std::move(outcome.run);
        doc.speed = std::move(outcome.speed);
        doc.cancelled = outcome.cancelled;
        doc.stoppedReason = outcome.stoppedReason;
    }
    if (s.quality && !stop.stop_requested() && doc.stoppedReason.empty()) {
        auto quality = runQuality(*loaded[0].engine, loaded[1].engine.get(), *s.quality, [&](const QualityEvent& e) {
            emit({CompareEvent::Kind::Quality, e.slot, {}, {}, e});
        }, stop);
        doc.quality = std::move(quality.value);
        doc.cancelled = doc.cancelled || quality.cancelled;
    }
    if (s.timeline && !stop.stop_requested() && doc.stoppedReason.empty()) {
        auto timeline = runDecodeTimeline({&loaded[0], &loaded[1]}, *s.timeline, [&](const std::string& stage) {
            emit({CompareEvent::Kind::Timeline, stage == "ceilings" ? std::string() : stage, stage, {}, {}});
        }, stop);
        doc.timeline = std::move(timeline.value);
        doc.cancelled = doc.cancelled || timeline.cancelled;
    }
    doc.cancelled = doc.cancelled || stop.stop_requested();
    emit({CompareEvent::Kind::Finished, {}, doc.cancelled ? "cancelled" : "finished", {}, {}});
    return doc;
}

}  // namespace awq
