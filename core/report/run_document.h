#pragma once
// A saved comparison / sweep run (RUN.json, docs/run-format.md) as plain value structs: what the
// report renderers read. Only `format` and `version` are required; every other section is optional
// and simply left out of the report when absent.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace awq::report {

inline constexpr const char* kRunFormat = "awqbench-run";
inline constexpr int kRunFormatVersion = 1;

struct Percentiles {
    std::optional<double> mean, p50, p95, p99;
};

struct QuantSettings {
    std::string method;               // "awq", ...
    std::optional<int> bits, groupSize;
    std::optional<bool> zeroPoint;
    std::string version;              // "gemm"
};

struct MemoryFit {
    double gpuGib = 0;
    bool fits = false;
    std::optional<std::int64_t> maxContextTokens;
};

struct ModelMemory {
    std::optional<std::uint64_t> weightsBytes, kvCacheBytesPerToken;
    std::vector<MemoryFit> fit;
};

struct RunModel {
    std::string slot;                 // "A" or "B"
    std::string name, path, architecture, fingerprint, sourceFingerprint, computeDtype;
    std::string loraAdapter;          // lora_adapter: the PEFT adapter applied on top ("" none)
    std::optional<std::uint64_t> parameters, weightBytes, fileBytes;
    std::optional<QuantSettings> quantization;  // absent: not quantized
    std::optional<double> loadSeconds;
    std::optional<ModelMemory> memory;
};

struct TestResult {
    std::string text, finish, notes;
    std::optional<std::int64_t> outputTokens;
    std::optional<double> seconds, ttftMs, tpotMs;
    std::optional<bool> loopDetected, substantive, exactMatch;
};

struct BatteryTest {
    std::string id, category, prompt;
    std::optional<std::string> reference;
    std::map<std::string, TestResult> results;  // by slot
};

struct BatteryTotals {
    std::optional<int> tests, loopDetections, substantive, withReference, exactMatches;
    std::optional<double> totalSeconds, avgSeconds;
};

struct Battery {
    std::string name, source;
    std::vector<BatteryTest> tests;
    std::map<std::string, BatteryTotals> totals;  // by slot; computed from the tests when absent
};

struct SpeedStats {
    std::optional<std::int64_t> requests, outputTokens;
    std::optional<double> outputTokensPerS;
    std::optional<Percentiles> ttftMs, tpotMs, itlMs, e2eMs;
    std::optional<std::uint64_t> peakMemoryBytes;
};

struct QualityResult {
    std::optional<double> perplexity, kldVsA, top1VsA;
    std::optional<std::int64_t> tokens;
};

struct Quality {
    std::string text;
    std::optional<int> ctx, stride, windows;
    std::map<std::string, QualityResult> results;  // by slot
};

struct SweepPoint {
    int concurrency = 0;
    std::optional<double> outputTokensPerS;
    std::optional<std::int64_t> requests;
    std::optional<Percentiles> latencyMs, ttftMs;
};

struct SweepModel {
    std::vector<SweepPoint> points;  // sorted by concurrency
    std::optional<int> kneeConcurrency, maxConcurrencyUnderSlo;
    std::optional<double> costPerMillionTokensUsd;
};

struct Sweep {
    std::optional<int> maxNewTokens;
    std::string prompt;
    std::optional<double> sloP95Ms, gpuHourlyUsd;
    std::map<std::string, SweepModel> models;  // by slot
};

struct Arena {                       // arena: the chat's votes on this A/B
    int aBetter = 0, bBetter = 0, tie = 0, bothBad = 0;
    int conversations = 0;
};

struct TimelineKernel {              // timeline.X.top[]
    std::string name, category;
    std::optional<double> callsPerStep, usPerStep;
};

struct TimelineCeilings {            // timeline.X.ceilings: measured on the same device in the same run
    std::string device, dtype;
    std::optional<double> readGBs, computeGFlops;
};

struct TimelineModel {               // timeline.X: a decode step of one model
    std::string device, recorded, traceFile;
    std::optional<int> steps;
    std::optional<double> stepUs, busyUs, idleUs;
    std::optional<double> categoryUs[4];  // GEMM/GEMV, attention, norms, other
    std::vector<TimelineKernel> top;
    std::optional<std::uint64_t> weightBytesPerStep;
    std::optional<double> matmulFlopsPerStep;
    std::optional<TimelineCeilings> ceilings;
};

struct Timeline {                    // timeline
    std::string prompt, verdict;
    std::optional<int> promptTokens, steps, batch;
    std::map<std::string, TimelineModel> models;  // by slot
};

struct Host {
    std::string device, gpuName;
    std::optional<std::uint64_t> gpuTotalBytes;
};

struct RunDocument {
    std::filesystem::path file;       // where it was loaded from (empty when parsed from text)
    int version = kRunFormatVersion;
    std::string kind, created, toolVersion;
    std::optional<Host> host;
    std::vector<RunModel> models;     // slot order: A, then B
    std::vector<std::pair<std::string, std::string>> settings;  // key, display value
    std::optional<Battery> battery;
    std::map<std::string, SpeedStats> speed;  // by slot
    std::optional<Quality> quality;
    std::optional<Sweep> sweep;
    std::optional<Arena> arena;
    std::optional<Timeline> timeline;
    std::vector<std::string> notes;   // what could not be measured and why
    std::string normalizedJson;       // the whole document (unknown keys kept), pretty-printed

    const RunModel* model(const std::string& slot) const;
    std::string modelName(const std::string& slot) const;  // the model's name, else the slot
    std::vector<std::string> slots() const;                // slots that appear anywhere, A first
};

// Reads and validates a RUN.json. Throws awq::Error naming the file for unreadable files, bad JSON
// (with line and column), a different `format` or an unsupported `version`.
RunDocument loadRunDocument(const std::filesystem::path& file);
// The same for text already in memory; `file` only names the source in errors.
RunDocument parseRunDocument(const std::string& text, const std::filesystem::path& file = {});

}  // namespace awq::report
