#pragma once
// The saved run document (RUN.json) of a comparison or a sweep: every key of docs/run-format.md as
// plain structs, with the one JSON reader and writer. Written by compare / sweep (core/compare,
// core/serve, the Compare page, `awqbench-cli compare|sweep`), read by the reports (core/report,
// the Reports page, `awqbench-cli report`). Slots are named "A" and "B" (a sweep of one model: "A").
//
// Presence: the optional sections (host, battery, speed, quality, sweep, arena, timeline, notes) are
// std::optional or empty when absent; a key the format allows to be null is std::optional; any other
// key missing from a hand-edited file reads as its zero value (the writer always writes it).
// Torch-free and Qt-free: only nlohmann-json inside the .cpp.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

inline constexpr const char* kRunFormat = "awqbench-run";  // "format"
inline constexpr int kRunFormatVersion = 1;                 // the "version" this build reads and writes

struct LatencyStats {       // {"mean", "p50", "p95", "p99"} in milliseconds
    double mean = 0, p50 = 0, p95 = 0, p99 = 0;
};
// Mean and nearest-rank percentiles of `values` (all zero when empty).
LatencyStats latencyStats(std::vector<double> values);

struct HostInfo {                          // host
    std::string device = "cpu";            // "cpu" or "cuda:0"; an endpoint run: the server's URL
    std::string gpuName;                   // "" when none (written as absent)
    std::uint64_t gpuTotalBytes = 0;
    std::string cpuName;                   // a CPU run: /proc/cpuinfo's model name ("" unknown, written as absent)
    int cpuThreads = 0;                    // a CPU run: the threads the engine computed with (0 unknown)
};

struct RunQuantization {                   // models.X.quantization (null when not quantized)
    std::string method;                    // the checkpoint format, config.json's quant_method: "awq", "gptq", ...
    int bits = 0;
    int groupSize = 0;
    bool zeroPoint = false;
    std::string version;
    // made_with: how the weights were quantized, as our quantizer recorded it beside them
    // (awqbench_quantization.json's settings.method, lower case: "rtn", "awq", "gptq"). RTN writes
    // AWQ's layout, so `method` alone says "awq" for it. "" (absent) when the model has no record
    // (made elsewhere, or a document written before this key): then only `method` is known.
    std::string madeWith;
};

struct GpuFit {                            // models.X.memory.fit[]
    int gpuGib = 0;
    bool fits = false;
    std::int64_t maxContextTokens = 0;
};

// An endpoint's side of a run (models.X.path is its URL, http:// or https://): its parameters, weights,
// files, load time and memory are the server's and unknown here. The writer writes them as null and
// the reader reads null (and the 0 older documents wrote) as 0; whatever shows a run asks
// isEndpoint() and says "unknown (endpoint)" instead of showing the 0.
bool isEndpointPath(std::string_view path);

struct RunModel {                          // models.A / models.B
    std::string name, path, architecture, fingerprint;
    std::uint64_t parameters = 0;          // 0 for an endpoint: unknown (written null)
    std::uint64_t weightBytes = 0;         // as loaded by the engine
    std::uint64_t fileBytes = 0;
    std::optional<RunQuantization> quantization;  // an endpoint's: null unless its server reported one
    // quantization_source: "server" when an endpoint's /v1/models entry stated its quantization (then
    // a null quantization means the server says it is not quantized); "" otherwise, and then an
    // endpoint's null quantization means unknown.
    std::string quantizationSource;
    std::optional<std::string> sourceFingerprint;
    std::optional<std::string> loraAdapter;  // lora_adapter: the PEFT adapter folder applied on top (absent: none)
    std::string computeDtype;
    double loadSeconds = 0;
    std::uint64_t memoryWeightsBytes = 0;  // memory.weights_bytes
    std::uint64_t kvCacheBytesPerToken = 0;
    std::vector<GpuFit> fit;

    bool isEndpoint() const { return isEndpointPath(path); }
    // Whether the quantization is known: always for a model folder; for an endpoint only when its
    // server reported it (a quantization object alone, from a hand-made document, counts too).
    bool quantizationKnown() const { return !isEndpoint() || quantization || quantizationSource == "server"; }
};

// Whether `quantized` was quantized from `original`: its recorded source fingerprint is the
// original's fingerprint (quantized, the original not). Reports and the speed note both ask.
bool quantizedFrom(const RunModel& quantized, const RunModel& original);

struct RunSettings {                       // settings
    std::string device = "cpu", dtype = "auto";
    int maxNewTokens = 96;
    bool greedy = true;
    double temperature = 1.0;
    int topK = 0;
    double topP = 1.0;
    double repetitionPenalty = 1.0;
    std::uint64_t seed = 0;
};

struct TestResult {                        // battery.tests[].results.X
    std::string text;
    int outputTokens = 0;
    std::string finish;                    // finishReasonName(): "length", "stop_token", ...
    double seconds = 0, ttftMs = 0;
    std::optional<double> tpotMs;          // null for an answer of one token (no time between tokens)
    bool loopDetected = false;
    bool substantive = false;
    std::optional<bool> exactMatch;        // only with a reference
    std::string notes;
};

struct TestRecord {                        // battery.tests[]
    std::string id, category, prompt;
    std::optional<std::string> reference;
    std::map<std::string, TestResult> results;  // by slot
};

struct BatteryTotals {                     // battery.totals.X
    int tests = 0;
    double totalSeconds = 0, avgSeconds = 0;
    int loopDetections = 0, substantive = 0, withReference = 0, exactMatches = 0;
};

struct BatteryRun {                        // battery
    std::string name, source;
    std::vector<TestRecord> tests;         // a cancelled run keeps a test one side finished, listed, not totalled
    std::map<std::string, BatteryTotals> totals;  // over the tests every side finished: like with like
    int plannedTests = 0;                  // planned_tests: the battery's size (0: not recorded, older documents)
    int warmupGenerations = 0;             // warmup_generations: discarded generations each side ran before its timed tests (0: none or not recorded)

    // Tests with a result from every side of `totals` (what the totals count).
    int testsEverySideFinished() const;
    // Stopped before every planned test ran on every side: totals and speed cover fewer tests
    // than the battery has, and whatever shows them must say so.
    bool partial() const { return plannedTests > 0 && testsEverySideFinished() < plannedTests; }
};

struct SpeedStats {                        // speed.X
    int requests = 0;
    std::int64_t outputTokens = 0;
    double outputTokensPerS = 0;
    LatencyStats ttftMs;
    // Null when nothing measured them: every answer was one token long (TPOT needs two tokens of a
    // request, ITL a gap between two streamed tokens). Shown as "n/a", never as 0.
    std::optional<LatencyStats> tpotMs, itlMs;
    LatencyStats e2eMs;
    std::uint64_t peakMemoryBytes = 0;
};

struct QualityModel {                      // quality.X
    double perplexity = 0;
    std::int64_t tokens = 0;               // scored tokens
    std::optional<double> kldVsA, top1VsA; // B only
};

struct QualityRun {                        // quality
    std::string text;
    int ctx = 256, stride = 256, windows = 0;
    std::map<std::string, QualityModel> models;
    std::string notes;                     // e.g. why KLD is missing ("different tokenizers")
};

// An endpoint sweep's figures as vLLM's benchmark_serving defines them (sweep.X.points[].serving);
// TTFT and E2EL are the point's ttft_ms and latency_ms.
struct ServingStats {
    std::optional<double> requestRate;     // request_rate: Poisson arrivals per second; null: all at once ("inf")
    int completed = 0, failed = 0;
    double durationSeconds = 0;            // first request sent to last response done
    double requestThroughput = 0;          // completed requests / duration
    std::optional<LatencyStats> tpotMs, itlMs;  // per request (E2EL - TTFT) / (tokens - 1); gaps between streamed chunks (null: no request gave 2 tokens)
    std::optional<double> goodput;         // requests / s meeting every SLO (only with SLOs)
    // tokens_counted_from: how each request's output tokens were counted: "usage" (the server's
    // usage.completion_tokens, every request), "stream" (no usage sent: the streamed chunks with
    // text, one token each as OpenAI-style servers stream them; an end-of-text token has no text,
    // so a request that stopped there counts one fewer than usage would), "usage and stream" (some of each);
    // "" (absent) in documents written before tokens were counted.
    std::string tokensCountedFrom;
};

struct SweepPoint {                        // sweep.X.points[]
    int concurrency = 0;                   // endpoint sweeps: the max concurrency
    double outputTokensPerS = 0;           // outputTokens / the point's wall time
    int requests = 0;                      // requests completed
    LatencyStats latencyMs, ttftMs;
    std::optional<ServingStats> serving;   // endpoint sweeps only
    // (Last, so that brace-initialised points written before them still compile.)
    // The output tokens the point's completed requests produced, counted (not max_new_tokens times
    // requests): an endpoint may stop a request early (at end-of-text where it ignores ignore_eos).
    // output_tokens, output_tokens_min / _max (the fewest / most one request produced); absent
    // (nullopt) in documents written before they were counted.
    std::optional<std::int64_t> outputTokens;
    std::optional<int> outputTokensMin, outputTokensMax;
};

struct SweepModel {                        // sweep.X
    std::vector<SweepPoint> points;
    std::optional<int> kneeConcurrency;
    std::optional<int> maxConcurrencyUnderSlo;
    std::optional<double> costPerMillionTokensUsd;
};

struct SweepRun {                          // sweep
    int maxNewTokens = 64;
    std::string prompt;
    std::optional<double> sloP95Ms;
    std::optional<double> gpuHourlyUsd;
    std::map<std::string, SweepModel> models;
    std::string endpoint;                  // the URL swept (models.A.path too); "" for the built-in engine
    std::optional<double> sloTtftMs, sloTpotMs;  // slo_ttft_ms / slo_tpot_ms: an endpoint sweep's goodput SLOs (absent: none)
    // How to read the figures (e.g. why the quantized model came out slower on the CPU): shown beside
    // the cost verdict by the CLI and every report format; "notes", absent when empty.
    std::vector<std::string> notes;
};

struct ArenaConversation {                 // arena.conversations[]
    std::string file;                      // the saved conversation (core/compare/conversation.h)
    int aBetter = 0, bBetter = 0, tie = 0, bothBad = 0;  // its votes
};

struct ArenaRun {                          // arena: the chat's votes on this A/B ("totals" written from them)
    std::vector<ArenaConversation> conversations;
    ArenaConversation totals() const;      // the votes summed over the conversations (file "")
};

// The decode timeline of one model (timeline.X): where a greedy decode step's time goes on the
// run's device (core/engine/decode_profile.h) and the ceilings it is held against.
struct TimelineKernel {                    // timeline.X.top[]
    std::string name, category;            // category: kernelCategoryName() ("GEMM/GEMV", "attention", "norms", "other")
    double callsPerStep = 0, usPerStep = 0;
};

struct TimelineCeilings {                  // timeline.X.ceilings: measured on the same device in the same run
    std::string device;                    // deviceLabel(): "NVIDIA H200 (cuda:0)", "CPU (AMD EPYC 7B13, 2 threads)"
    std::string dtype;                     // the matmul's dtype (the model's compute dtype)
    double readGBs = 0;                    // read_gb_s: read bandwidth, 1e9 bytes/s
    double computeGFlops = 0;              // compute_gflop_s: matmul throughput
    std::uint64_t readBytes = 0;
    int matmulN = 0;
};

inline constexpr const char* kTimelineCategoryKeys[4] = {"GEMM/GEMV", "attention", "norms", "other"};  // KernelCategory order

struct TimelineModel {                     // timeline.X
    std::string device;                    // deviceLabel() of the device profiled
    std::string recorded;                  // "kernels" (CUDA, CUPTI) or "operators" (CPU, torch RecordFunction)
    int steps = 0;                         // decode steps measured
    double stepUs = 0, busyUs = 0, idleUs = 0;  // a step: wall time, time something ran, time nothing ran
    double categoryUs[4] = {0, 0, 0, 0};   // by kernelCategory, a step (kTimelineCategoryKeys)
    std::vector<TimelineKernel> top;       // largest time a step first
    std::uint64_t weightBytesPerStep = 0;  // weight bytes a step reads (every matmul weight once)
    double matmulFlopsPerStep = 0;         // 2 x matmul parameters x batch
    TimelineCeilings ceilings;
    std::string traceFile;                 // trace_file: the Chrome trace's file name, beside the run document ("" none)
    // The Chrome trace not yet written (not serialised): saveTimelineTraces writes it beside the
    // run document and sets traceFile.
    std::string pendingTrace;
};

struct TimelineRun {                       // timeline
    std::string prompt;
    int promptTokens = 0, steps = 0, batch = 1;
    std::map<std::string, TimelineModel> models;  // by slot
    std::string verdict;                   // rooflineVerdict() of A against B ("" with one model)
};

struct RunDocument {
    int version = kRunFormatVersion;
    std::string kind = "compare";          // "compare" | "sweep"; "" when a document read has none
    std::string created;                   // UTC ISO 8601
    std::string toolVersion;
    std::optional<HostInfo> host;          // written as HostInfo{} when unset; absent only in a hand-made file
                                           // (reports then say "an unrecorded device")
    std::map<std::string, RunModel> models;   // by slot
    std::optional<RunSettings> settings;   // always written (defaults when unset); absent only in hand-made files
    std::optional<BatteryRun> battery;
    std::map<std::string, SpeedStats> speed;  // empty: no "speed" section
    std::optional<QualityRun> quality;
    std::optional<SweepRun> sweep;
    std::optional<ArenaRun> arena;
    std::optional<TimelineRun> timeline;
    bool cancelled = false;                // written as "cancelled": true when the run was stopped
    // stopped_reason: why the run stopped early when it was not the user's cancel (an endpoint that
    // failed mid-battery); "" otherwise (absent). Set together with `cancelled`.
    std::string stoppedReason;
    // What could not be measured and why (e.g. KLD of an endpoint, which gives no logits); "notes",
    // absent when empty.
    std::vector<std::string> notes;
    // The document as read by runDocumentFromJson: keys this version does not know are kept and
    // written back by runDocumentToJson (writers never drop keys they read).
    std::string preservedJson;
    std::filesystem::path file;            // where loadRunDocument read it from (not serialised; "" otherwise)

    const RunModel* model(const std::string& slot) const;  // nullptr when the slot has no model
    std::string modelName(const std::string& slot) const;  // the model's name, else "model <slot>"
    std::vector<std::string> slots() const;                // slots that appear in any section, sorted (A first)
};

// Serialises every known key (docs/run-format.md), 2-space indented, merged over preservedJson.
std::string runDocumentToJson(const RunDocument& doc);
// Parses a run document. Throws awq::Error naming `origin` for malformed JSON (line and column), a
// wrong "format", an unsupported "version", or a key of the wrong type or out of range (the error
// names the key's path, e.g. `speed.A.ttft_ms.p95`). Battery totals absent from the file are
// computed from the tests; sweep points are ordered by concurrency.
RunDocument runDocumentFromJson(std::string_view json, const std::filesystem::path& origin = "run document");
void saveRunDocument(const RunDocument& doc, const std::filesystem::path& file);  // atomic write
// runDocumentFromJson of the file's text, with `file` set; also throws for a missing or unreadable file.
RunDocument loadRunDocument(const std::filesystem::path& file);

// The file name of a model's timeline Chrome trace beside its run document: "<stem>.timeline-<slot>.json".
std::string timelineTraceFileName(const std::filesystem::path& runFile, const std::string& slot);
// Whether a file beside run documents is such a trace (a folder listing of runs leaves them out).
bool isTimelineTraceFile(const std::filesystem::path& file);

}  // namespace awq
