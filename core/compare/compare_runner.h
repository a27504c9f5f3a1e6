#pragma once
// Side-by-side comparison of two models on the built-in engine: both loaded at once, the battery
// run on each (streamed token by token), speed statistics, optional perplexity / KLD, and the run
// document that records it all. Long calls follow the job contract (core/util/job.h): a plain
// callback (called on the working thread), a std::stop_token, and `cancelled` in the result.
#include "core/compare/battery.h"
#include "core/run/run_document.h"
#include "core/engine/engine.h"
#include "core/engine/evaluation.h"
#include "core/util/job.h"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

// One loaded model and its identity for the run document.
struct LoadedModel {
    std::string slot;                  // "A" or "B"
    std::unique_ptr<Engine> engine;
    RunModel identity;
};

// EngineOptions for `settings.device` / `settings.dtype` (throws awq::Error for a bad device).
EngineOptions engineOptionsFor(const RunSettings& settings, int maxBatch = 16);
// Loads a model and fills its identity: describeModel facts incl. fingerprint, source_fingerprint
// from awqbench_quantization.json (when we made it), quantization, load time, memory plan for
// 8/16/24/40/80 GiB cards. Throws awq::Error naming the folder.
LoadedModel loadModelForRun(const std::string& slot, const std::filesystem::path& folder, const EngineOptions& options);
// Throws awq::Error naming `folder` when the model folder has no tokenizer.json: a headless
// comparison or sweep encodes every prompt and text with each model's own, so it refuses before
// loading rather than after the other model's first test. (The Compare page loads such a model and
// reports each failed reply.)
void requireTokenizerForRun(const std::filesystem::path& folder);
// Throws awq::Error naming `folder`'s config.json when a perplexity window of `context` tokens is
// longer than the model's context (max_position_embeddings, or the architecture's default): the
// comparison refuses before loading instead of failing after its battery.
void requireQualityWindowFits(const std::filesystem::path& folder, int context);
// A perplexity window of `context` tokens is one prefill of that length (on the CPU its attention
// scores alone are heads x context^2): refused (awq::Error, the figures and the fix) when its KV
// cache and activations exceed the memory free beside the weights the engine already holds.
void requireWindowFitsMemory(const Engine& engine, int context);
// The model's identity without loading it into an engine (loadSeconds 0, computeDtype "").
RunModel describeRunModel(const std::filesystem::path& folder);
// A model config's quantization as the run document spells it; nullopt when it is not quantized.
// made_with stays "" (unknown): only the model folder's record says how it was made.
std::optional<RunQuantization> runQuantizationOf(const QuantizationConfig& q);
// The same with made_with from the model's quantization record (awqbench_quantization.json) where
// it has one: "rtn" for our RTN model, whose config.json says "awq". Every run document of a model
// folder (compare, sweep, the Compare page) and serve's /v1/models entries take it from here.
std::optional<RunQuantization> runQuantizationOf(const ModelInfo& info);
// Host facts for the run document (GPU name and memory through NVML when device is "cuda").
HostInfo describeHost(const RunSettings& settings);
// A fresh document (format, version, created, tool_version, host, settings) of `kind`.
RunDocument newRunDocument(const std::string& kind, const RunSettings& settings);

// Generation request settings shared by both models (sampling, max new tokens).
GenerationRequest requestFor(const RunSettings& settings, std::vector<int> promptIds, int maxNewTokens = 0);

// ---- battery

struct BatteryEvent {
    enum class Kind { TestStarted, Token, TestFinished, WarmUp };  // WarmUp: a side's discarded warm-up generation ran
    Kind kind = Kind::Token;
    std::string slot;                  // "A" / "B"
    int test = 0;                      // index into the battery
    int tests = 0;
    std::string testId;
    std::string textDelta;             // Token: the new text (never splits UTF-8)
    TestResult result;                 // TestFinished: the judged result
};
using BatteryCallback = std::function<void(const BatteryEvent&)>;

struct BatteryOutcome {
    BatteryRun run;                    // tests with results per slot, and totals
    std::map<std::string, SpeedStats> speed;
    bool cancelled = false;            // stopped before the end (by `stop`, or by a failed test: stoppedReason)
    std::string stoppedReason;         // why a side failed mid-battery ("" when cancelled by `stop` or not stopped)
};

// One side of a battery: answers one test, streaming its text to onText. The built-in engine
// (engineSide) and an OpenAI endpoint (core/serve/endpoint_compare.h) answer the same battery,
// judged and timed the same way, so a model folder can be compared with a deployed server.
struct SideAnswer {
    GenerationResult result;           // text, finish (Cancelled: stopped), metrics; newIds may be empty
    int outputTokens = 0;              // tokens generated (the engine's ids, or the server's usage)
    std::vector<double> itlMs;         // gaps between streamed tokens
    double seconds = 0;                // wall time of the test
    std::string note;                  // about the test's input on this side (the chat fallback), or ""
};
using TextSink = std::function<void(const std::string&)>;
struct BatterySide {
    std::string slot;                  // "A" / "B"
    std::function<SideAnswer(const BatteryTest&, const TextSink& onText, std::stop_token)> answer;
    // A short discarded generation before the side's first timed test (the first generation pays
    // for allocations, lazy initialisation and cold caches; the first connection to an endpoint for
    // its handshake). Empty: no warm-up.
    std::function<void(std::stop_token)> warmUp;
};
// The warm-up every side of a battery runs before its timed tests: generations and their length.
inline constexpr int kBatteryWarmupGenerations = 1;
inline constexpr int kBatteryWarmupTokens = 8;
// The engine's side: prompts encoded as plain text with special tokens (story continuation), or
// through the chat template for tests marked "chat"; `model` must outlive the side.
BatterySide engineSide(LoadedModel& model, const RunSettings& settings);

// Runs every test on every side, test by test (A then B, one at a time so timings don't
// interfere), after warming each side up (BatterySide::warmUp, a WarmUp event per side; recorded as
// run.warmupGenerations). A side that throws ends the battery like a cancel (the finished tests
// kept), with the error in stoppedReason. Stops between tokens on `stop` and returns what finished (cancelled = true): a test
// some sides finished is kept in run.tests, but the totals and the speed statistics cover only the
// tests every side finished, so that A and B are compared over the same tests (run.partial()).
BatteryOutcome runBatterySides(const std::vector<BatterySide>& sides, const Battery& battery, const BatteryCallback& onEvent = {},
                               std::stop_token stop = {});
// runBatterySides over engineSide of each model.
BatteryOutcome runBattery(const std::vector<LoadedModel*>& models, const Battery& battery, const RunSettings& settings,
                          const BatteryCallback& onEvent = {}, std::stop_token stop = {});

// Totals of one slot, recomputed from the per-test results.
BatteryTotals batteryTotals(const std::vector<TestRecord>& tests, const std::string& slot);
// Judges one generation against its test: loop detector, substantive, exact match, notes.
TestResult judgeResult(const BatteryTest& test, const GenerationResult& generated, double seconds);
// Speed statistics over generations (one request each, run one after another): TTFT / TPOT / e2e
// percentiles over requests, ITL over `itlMs` (every gap between two streamed tokens of a request),
// output tok/s = all output tokens / summed end-to-end time, the highest peak memory.
SpeedStats speedStats(const std::vector<GenerationMetrics>& metrics, const std::vector<double>& itlMs);

// ---- quality

struct QualityOptions {
    std::filesystem::path text;        // UTF-8 text file
    PerplexityOptions perplexity{.context = 256, .stride = 256, .maxWindows = 64};
};
struct QualityEvent {
    std::string slot;                  // which model is being evaluated
    int window = 0, windows = 0;
};
using QualityCallback = std::function<void(const QualityEvent&)>;

// Perplexity of A and of B on the text, and KLD / top-1 agreement of B against A (when both use
// the same token ids for the text). `b` may be null (A only). Throws awq::Error for an unreadable
// text. result.notes tells why KLD is missing. Stopped: the windows scored so far, cancelled = true.
JobResult<QualityRun> runQuality(Engine& a, Engine* b, const QualityOptions& options, const QualityCallback& onProgress = {},
                                 std::stop_token stop = {});

// Perplexity of one model alone, recorded in `slot` ("A" or "B"), when the other side gives no
// logits (an endpoint): no KLD, and `notes` say why.
JobResult<QualityRun> runQualityAlone(Engine& engine, const std::string& slot, const QualityOptions& options, const std::string& notes,
                                      const QualityCallback& onProgress = {}, std::stop_token stop = {});

// ---- decode timeline (core/compare/decode_timeline.h)

struct TimelineOptions {
    int steps = 16;                          // decode steps measured (>= 1)
    std::string prompt = "Once upon a time"; // encoded as plain text with special tokens
    int topKernels = 15;                     // kernels / operators kept per model
};

// ---- the whole comparison (what `awqbench-cli compare` runs)

struct CompareSettings {
    std::filesystem::path modelA, modelB;
    std::filesystem::path loraA, loraB;            // PEFT LoRA adapter folders on top of A / B ("" none)
    RunSettings run;
    std::optional<Battery> battery;                // none: no battery section
    std::optional<QualityOptions> quality;         // none: no quality section
    std::optional<TimelineOptions> timeline;       // none: no timeline section
};

struct CompareEvent {
    enum class Kind { Loading, Loaded, Battery, Quality, Timeline, Finished };
    Kind kind = Kind::Loading;
    std::string slot;
    std::string message;               // Loading / Loaded: the model's name; Timeline: "ceilings" or the slot profiled
    BatteryEvent battery;              // Kind::Battery
    QualityEvent quality;              // Kind::Quality
};
using CompareCallback = std::function<void(const CompareEvent&)>;

// Loads A and B (both stay loaded), runs the battery, the quality check and the decode timeline
// (its traces pending: saveTimelineTraces), and returns the run
// document (kind "compare"). On cancellation the document holds what finished and cancelled = true.
RunDocument runComparison(const CompareSettings& settings, const CompareCallback& onEvent = {}, std::stop_token stop = {});

}  // namespace awq
