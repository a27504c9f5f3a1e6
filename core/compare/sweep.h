#pragma once
// Concurrency sweep (the seeds' capacity study): for each concurrency c, batches of c concurrent
// sequences on the engine, measuring output tokens/s and latency percentiles; then the knee, the
// highest concurrency under a p95 latency SLO and the cost per million output tokens.
#include "core/compare/compare_runner.h"
#include "core/util/job.h"

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

struct SweepSettings {
    std::vector<int> concurrency{1, 2, 4, 8};
    int maxNewTokens = 64;             // every sequence generates exactly this many (EOS ignored, as vLLM's --ignore-eos)
    std::string prompt = "Once upon a time";
    int minRequests = 8;               // per point: rounds = max(minRounds, ceil(minRequests / c)) batches of c
    int minRounds = 2;
    int warmupRounds = 1;              // untimed batch of c=1 before the first point (allocator, caches)
    std::optional<double> sloP95Ms;    // p95 latency target
    std::optional<double> gpuHourlyUsd;
};

struct SweepEvent {
    std::string slot;
    int concurrency = 0;
    int round = 0, rounds = 0;         // round finished, of rounds at this concurrency
    std::optional<SweepPoint> point;   // set once the concurrency level is done
};
using SweepCallback = std::function<void(const SweepEvent&)>;

// Runs the sweep on one loaded engine. Latency of a request: from the start of its batch to its
// last token; TTFT: to its first token; throughput: all output tokens / wall time of the point.
// The engine's maxBatch must cover the largest concurrency (engineOptionsFor(settings, max c)).
// Stopped: the levels measured so far, cancelled = true.
JobResult<SweepModel> runSweep(Engine& engine, const SweepSettings& settings, const std::string& slot = "A",
                               const SweepCallback& onEvent = {}, std::stop_token stop = {});

// Derived figures from measured points (sorted by concurrency); exposed for tests and the UI:
// knee: kneeConcurrencyOf (core/run/sweep_words.h): the first level after which no later level adds >= 15%
// over the best so far (none: still scaling, or too noisy to place);
// max under SLO: the highest level with p95 latency <= slo (none when even the lowest misses);
// cost: hourly price / (tokens/s * 3600) * 1e6 at the max-under-SLO level, else at the best throughput.
std::optional<int> kneeConcurrency(const std::vector<SweepPoint>& points, double minGain = 0.15);
std::optional<int> maxConcurrencyUnderSlo(const std::vector<SweepPoint>& points, double sloP95Ms);
std::optional<double> costPerMillionTokens(const std::vector<SweepPoint>& points, std::optional<int> atConcurrency, double hourlyUsd);
void deriveSweepFigures(SweepModel& model, const SweepSettings& settings);

// How to read a finished sweep's figures, for SweepRun::notes: where the quantized model of A/B came
// out slower on the CPU, why (pairSpeedNote, on each model's best output tokens/s). Needs the
// document's host and models.
std::vector<std::string> sweepNotes(const RunDocument& doc);

// Loads each model (slot "A", then "B" when given), sweeps it, and returns the run document
// (kind "sweep") with models, settings and the sweep section.
RunDocument runSweepDocument(const std::vector<std::filesystem::path>& models, const RunSettings& run, const SweepSettings& settings,
                             const SweepCallback& onEvent = {}, std::stop_token stop = {});

}  // namespace awq
