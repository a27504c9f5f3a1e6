#include "core/compare/sweep.h"

#include "core/compare/device_label.h"
#include "core/run/sweep_words.h"
#include "core/system/batch_memory.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"

#include <algorithm>
#include <chrono>
#include <cmath>

namespace awq {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double msSince(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

std::vector<int> levels(const std::vector<int>& concurrency) {
    std::vector<int> c = concurrency;
    std::sort(c.begin(), c.end());
    c.erase(std::unique(c.begin(), c.end()), c.end());
    if (c.empty() || c.front() < 1) throw Error("concurrency levels must be positive", {}, "pass e.g. --concurrency 1,2,4,8");
    // The hard bound serve's --max-batch has: beyond it a level is a typo, whatever memory says.
    if (c.back() > kMaxBatchSequences)
        throw Error("concurrency " + std::to_string(c.back()) + " is more than the " + std::to_string(kMaxBatchSequences) +
                        " sequences a batch may hold",
                    {}, "pass levels of at most " + std::to_string(kMaxBatchSequences) + ", e.g. --concurrency 1,2,4,8");
    return c;
}

// Every request generates exactly maxNewTokens (EOS ignored), so prompt + max-new must fit the
// context, as eval ppl refuses a --ctx beyond it: the context would cut each request short while
// the run document and report claimed max-new tokens each.
void requireRequestFitsContext(const std::string& modelName, const std::filesystem::path& folder, int promptTokens, int maxNewTokens,
                               int context) {
    if (promptTokens + maxNewTokens <= context) return;
    const int room = context - promptTokens;
    throw Error("--max-new " + std::to_string(maxNewTokens) + " after the " + std::to_string(promptTokens) + "-token prompt needs " +
                    std::to_string(promptTokens + maxNewTokens) + " tokens, more than " + modelName + "'s context of " +
                    std::to_string(context) + " tokens",
                folder / "config.json",
                room >= 1 ? "use --max-new " + std::to_string(room) + " or less (or a shorter --prompt)" : "use a shorter --prompt");
}

// Before any model loads: each model's requests fit its context, and the highest level's KV cache
// and activations fit the memory free where it runs (a level past it was OOM-killed mid-sweep).
void preflightSweep(const std::vector<std::filesystem::path>& models, const RunSettings& run, const SweepSettings& s, int maxC) {
    const bool onGpu = parseDeviceKind(run.device) == DeviceKind::Cuda;
    for (const auto& folder : models) {
        const ModelInfo info = describeModel(folder);
        const int promptTokens = int(Tokenizer::load(folder).encode(s.prompt, true).size());
        requireRequestFitsContext(info.name, folder, promptTokens, s.maxNewTokens, std::max(info.config.maxPositions, 1));
        BatchShape shape;
        shape.sequences = shape.prefillSequences = maxC;
        shape.tokensPerSequence = promptTokens + s.maxNewTokens;
        shape.prefillTokens = promptTokens;
        shape.onGpu = onGpu;
        shape.elementBytes = computeElementBytes(info, onGpu, run.dtype);
        requireBatchFitsMemory(info, "concurrency " + std::to_string(maxC), shape, freeMemoryBytes(onGpu),
                               "pass lower --concurrency levels or a smaller --max-new, or free memory");
    }
}

// The GUI sweeps engines it loaded itself (no pre-flight before loading): the highest level's KV
// cache and activations must still fit in what is free beside the weights they hold.
void requireLevelFitsBesideEngine(const Engine& engine, int promptTokens, int maxNewTokens, int maxC) {
    const bool onGpu = engine.options().device == DeviceKind::Cuda;
    BatchShape shape;
    shape.sequences = shape.prefillSequences = maxC;
    shape.tokensPerSequence = promptTokens + maxNewTokens;
    shape.prefillTokens = promptTokens;
    shape.onGpu = onGpu;
    shape.elementBytes = computeElementBytes(engine.model(), onGpu, engine.computeDtype());
    shape.weightsLoaded = true;
    requireBatchFitsMemory(engine.model(), "concurrency " + std::to_string(maxC), shape, freeMemoryBytes(onGpu, engine.options().cudaDevice),
                           "use lower concurrency levels or fewer new tokens, or free memory");
}

// No token id is negative: the sequence runs to maxNewTokens (vLLM's --ignore-eos), so every
// request of every level does the same work.
const std::vector<int> kNoStop{-1};

}  // namespace

std::optional<int> kneeConcurrency(const std::vector<SweepPoint>& points, double minGain) { return kneeConcurrencyOf(points, minGain); }

std::optional<int> maxConcurrencyUnderSlo(const std::vector<SweepPoint>& points, double sloP95Ms) {
    std::optional<int> best;
    for (const auto& p : points)
        if (p.latencyMs.p95 <= sloP95Ms && (!best || p.concurrency > *best)) best = p.concurrency;
    return best;
}

std::optional<double> costPerMillionTokens(const std::vector<SweepPoint>& points, std::optional<int> at, double hourlyUsd) {
    const SweepPoint* chosen = nullptr;
    for (const auto& p : points) {
        if (at ? p.concurrency == *at : (!chosen || p.outputTokensPerS > chosen->outputTokensPerS)) chosen = &p;
    }
    if (!chosen || chosen->outputTokensPerS <= 0) return std::nullopt;
    return hourlyUsd / (chosen->outputTokensPerS * 3600.0) * 1e6;
}

void deriveSweepFigures(SweepModel& m, const SweepSettings& s) {
    m.kneeConcurrency = kneeConcurrency(m.points);
    m.maxConcurrencyUnderSlo = s.sloP95Ms ? maxConcurrencyUnderSlo(m.points, *s.sloP95Ms) : std::nullopt;
    m.costPerMillionTokensUsd = s.gpuHourlyUsd ? costPerMillionTokens(m.points, m.maxConcurrencyUnderSlo, *s.gpuHourlyUsd) : std::nullopt;
}

std::vector<std::string> sweepNotes(const RunDocument& d) {
    if (!d.sweep || !d.models.count("A") || !d.models.count("B") || !d.sweep->models.count("A") || !d.sweep->models.count("B")) return {};
    const auto best = [&](const std::string& slot) {
        double t = 0;
        for (const auto& p : d.sweep->models.at(slot).points) t = std::max(t, p.outputTokensPerS);
        return t;
    };
    if (auto note = pairSpeedNote(d.host.value_or(HostInfo{}), d.models.at("A"), d.models.at("B"), best("A"), best("B"),
                                  "best output tokens/s of each in this sweep"))
        return {*note};
    return {};
}

JobResult<SweepModel> runSweep(Engine& engine, const SweepSettings& s, const std::string& slot, const SweepCallback& onEvent,
                               std::stop_token stop) {
    if (s.maxNewTokens < 1) throw Error("the sweep needs at least one new token per request", {}, "pass --max-new 1 or more");
    const auto conc = levels(s.concurrency);
    if (conc.back() > engine.options().maxBatch)
        throw Error("concurrency " + std::to_string(conc.back()) + " exceeds the engine's batch limit of " +
                        std::to_string(engine.options().maxBatch),
                    {}, "load the engine with maxBatch >= the largest concurrency");
    const auto prompt = engine.encode(s.prompt, true);
    requireRequestFitsContext(engine.model().name, engine.model().folder, int(prompt.size()), s.maxNewTokens, engine.maxContext());
    requireLevelFitsBesideEngine(engine, int(prompt.size()), s.maxNewTokens, conc.back());
    GenerationRequest base;
    base.promptIds = prompt;
    base.maxNewTokens = s.maxNewTokens;
    base.stopIds = kNoStop;

    SweepModel model;
    bool stopped = false;
    for (int w = 0; w < s.warmupRounds && !stop.stop_requested(); ++w) {
        auto warm = base;
        warm.maxNewTokens = std::min(s.maxNewTokens, 8);
        engine.generate({warm}, {}, stop);
    }
    for (int c : conc) {
        if (stop.stop_requested()) {
            stopped = true;
            break;
        }
        const int rounds = std::max({1, s.minRounds, (s.minRequests + c - 1) / c});
        std::vector<double> latency, ttft;
        std::int64_t tokens = 0;
        std::optional<int> fewest, most;  // of one request: exactly maxNewTokens unless the engine stopped it
        double wallMs = 0;
        for (int r = 0; r < rounds; ++r) {
            const std::vector<GenerationRequest> batch(std::size_t(c), base);
            std::vector<std::optional<Clock::time_point>> first(static_cast<std::size_t>(c)), last(static_cast<std::size_t>(c));
            const auto start = Clock::now();
            const auto results = engine.generate(batch, [&](const StreamEvent& e) {
                if (e.tokenId < 0) return;
                const auto now = Clock::now();
                auto& f = first[std::size_t(e.request)];
                if (!f) f = now;
                last[std::size_t(e.request)] = now;
            }, stop);
            const auto end = Clock::now();
            if (std::any_of(results.begin(), results.end(), [](const GenerationResult& g) { return g.finish == FinishReason::Cancelled; })) {
                stopped = true;
                break;
            }
            wallMs += msSince(start, end);
            for (std::size_t i = 0; i < results.size(); ++i) {
                const int produced = int(results[i].newIds.size());
                tokens += produced;
                fewest = std::min(fewest.value_or(produced), produced);
                most = std::max(most.value_or(produced), produced);
                latency.push_back(last[i] ? msSince(start, *last[i]) : results[i].metrics.e2eMs);
                ttft.push_back(first[i] ? msSince(start, *first[i]) : results[i].metrics.ttftMs);
            }
            if (onEvent) onEvent({slot, c, r + 1, rounds, std::nullopt});
        }
        if (stopped) break;
        SweepPoint p;
        p.concurrency = c;
        p.requests = int(latency.size());
        p.outputTokensPerS = wallMs > 0 ? double(tokens) / (wallMs / 1000.0) : 0;
        p.outputTokens = tokens;
        p.outputTokensMin = fewest;
        p.outputTokensMax = most;
        p.latencyMs = latencyStats(latency);
        p.ttftMs = latencyStats(ttft);
        model.points.push_back(p);
        if (onEvent) onEvent({slot, c, rounds, rounds, p});
    }
    deriveSweepFigures(model, s);
    return {std::move(model), stopped};
}

RunDocument runSweepDocument(const std::vector<fs::path>& models, const RunSettings& run, const SweepSettings& s, const SweepCallback& onEvent,
                             std::stop_token stop) {
    if (models.empty() || models.size() > 2) throw Error("a sweep takes one or two models", {}, "pass --model DIR");
    auto doc = newRunDocument("sweep", run);
    doc.settings->maxNewTokens = s.maxNewTokens;  // newRunDocument set the settings
    doc.sweep = SweepRun{s.maxNewTokens, s.prompt, s.sloP95Ms, s.gpuHourlyUsd, {}};
    const int maxC = levels(s.concurrency).back();
    for (const auto& model : models) requireTokenizerForRun(model);  // before the first sweep, not after it
    preflightSweep(models, run, s, maxC);
    for (std::size_t i = 0; i < models.size() && !doc.cancelled; ++i) {
        const std::string slot = i == 0 ? "A" : "B";
        // One model at a time: a sweep measures capacity, so nothing else shares the device.
        auto loaded = loadModelForRun(slot, models[i], engineOptionsFor(run, maxC));
        doc.models[slot] = loaded.identity;
        auto swept = runSweep(*loaded.engine, s, slot, onEvent, stop);
        doc.sweep->models[slot] = std::move(swept.value);
        doc.cancelled = swept.cancelled;
    }
    doc.sweep->notes = sweepNotes(doc);
    return doc;
}

}  // namespace awq
