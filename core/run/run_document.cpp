#include "core/run/run_document.h"

#include "core/run/quantization_json.h"
#include "core/run/sweep_words.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/read_file.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <type_traits>
#include <utility>

namespace awq {
namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keys in the order of docs/run-format.md

LatencyStats latencyStats(std::vector<double> v) {
    LatencyStats s;
    if (v.empty()) return s;
    std::sort(v.begin(), v.end());
    double sum = 0;
    for (double x : v) sum += x;
    s.mean = sum / double(v.size());
    // Nearest rank: the smallest value with at least q of the values at or below it.
    const auto rank = [&](double q) { return v[std::min(v.size() - 1, std::size_t(std::max(1.0, std::ceil(q * double(v.size())))) - 1)]; };
    s.p50 = rank(0.50);
    s.p95 = rank(0.95);
    s.p99 = rank(0.99);
    return s;
}

namespace {

// ---------- writing

json statsJson(const LatencyStats& s) { return {{"mean", s.mean}, {"p50", s.p50}, {"p95", s.p95}, {"p99", s.p99}}; }
json statsJson(const std::optional<LatencyStats>& s) { return s ? statsJson(*s) : json(nullptr); }

json modelJson(const RunModel& m) {
    json fit = json::array();
    for (const auto& f : m.fit) fit.push_back({{"gpu_gib", f.gpuGib}, {"fits", f.fits}, {"max_context_tokens", f.maxContextTokens}});
    // An endpoint's sizes, load time and memory are its server's: unknown here, written as null (never 0).
    const bool endpoint = m.isEndpoint();
    const auto known = [endpoint](auto v) { return endpoint ? json(nullptr) : json(v); };
    json j = {{"name", m.name},
              {"path", m.path},
              {"architecture", m.architecture},
              {"fingerprint", m.fingerprint},
              {"parameters", known(m.parameters)},
              {"weight_bytes", known(m.weightBytes)},
              {"file_bytes", known(m.fileBytes)},
              {"quantization", quantizationJson(m.quantization)},
              {"source_fingerprint", jsonOrNull(m.sourceFingerprint)},
              {"compute_dtype", m.computeDtype},
              {"load_seconds", known(m.loadSeconds)},
              {"memory", endpoint ? json(nullptr)
                                  : json{{"weights_bytes", m.memoryWeightsBytes}, {"kv_cache_bytes_per_token", m.kvCacheBytesPerToken}, {"fit", fit}}}};
    if (!m.quantizationSource.empty()) j["quantization_source"] = m.quantizationSource;
    if (m.loraAdapter) j["lora_adapter"] = *m.loraAdapter;  // only when one was applied: older readers see no new key
    return j;
}

json settingsJson(const RunSettings& s) {
    return {{"device", s.device},           {"dtype", s.dtype}, {"max_new_tokens", s.maxNewTokens},
            {"greedy", s.greedy},           {"temperature", s.temperature}, {"top_k", s.topK},
            {"top_p", s.topP},              {"repetition_penalty", s.repetitionPenalty}, {"seed", s.seed}};
}

json resultJson(const TestResult& r) {
    return {{"text", r.text},       {"output_tokens", r.outputTokens}, {"finish", r.finish},
            {"seconds", r.seconds}, {"ttft_ms", r.ttftMs},             {"tpot_ms", jsonOrNull(r.tpotMs)},
            {"loop_detected", r.loopDetected}, {"substantive", r.substantive},
            {"exact_match", jsonOrNull(r.exactMatch)}, {"notes", r.notes}};
}

json totalsJson(const BatteryTotals& t) {
    return {{"tests", t.tests},
            {"total_seconds", t.totalSeconds},
            {"avg_seconds", t.avgSeconds},
            {"loop_detections", t.loopDetections},
            {"substantive", t.substantive},
            {"with_reference", t.withReference},
            {"exact_matches", t.exactMatches}};
}

json batteryJson(const BatteryRun& b) {
    json tests = json::array();
    for (const auto& t : b.tests) {
        json results = json::object();
        for (const auto& [slot, r] : t.results) results[slot] = resultJson(r);
        tests.push_back({{"id", t.id}, {"category", t.category}, {"prompt", t.prompt}, {"reference", jsonOrNull(t.reference)}, {"results", results}});
    }
    json totals = json::object();
    for (const auto& [slot, t] : b.totals) totals[slot] = totalsJson(t);
    json j = {{"name", b.name}, {"source", b.source}, {"tests", tests}, {"totals", totals}};
    if (b.plannedTests > 0) j["planned_tests"] = b.plannedTests;
    if (b.warmupGenerations > 0) j["warmup_generations"] = b.warmupGenerations;
    return j;
}

json speedJson(const SpeedStats& s) {
    return {{"requests", s.requests},         {"output_tokens", s.outputTokens}, {"output_tokens_per_s", s.outputTokensPerS},
            {"ttft_ms", statsJson(s.ttftMs)}, {"tpot_ms", statsJson(s.tpotMs)},  {"itl_ms", statsJson(s.itlMs)},
            {"e2e_ms", statsJson(s.e2eMs)},   {"peak_memory_bytes", s.peakMemoryBytes}};
}

json qualityJson(const QualityRun& q) {
    json j = {{"text", q.text}, {"ctx", q.ctx}, {"stride", q.stride}, {"windows", q.windows}};
    for (const auto& [slot, m] : q.models) {
        json mj = {{"perplexity", m.perplexity}, {"tokens", m.tokens}};
        if (m.kldVsA) mj["kld_vs_a"] = *m.kldVsA;
        if (m.top1VsA) mj["top1_vs_a"] = *m.top1VsA;
        j[slot] = mj;
    }
    if (!q.notes.empty()) j["notes"] = q.notes;
    return j;
}

json sweepJson(const SweepRun& s) {
    json j = {{"max_new_tokens", s.maxNewTokens}, {"prompt", s.prompt}, {"slo_p95_ms", jsonOrNull(s.sloP95Ms)},
              {"gpu_hourly_usd", jsonOrNull(s.gpuHourlyUsd)}};
    if (s.sloTtftMs) j["slo_ttft_ms"] = *s.sloTtftMs;
    if (s.sloTpotMs) j["slo_tpot_ms"] = *s.sloTpotMs;
    if (!s.endpoint.empty()) j["endpoint"] = s.endpoint;
    if (!s.notes.empty()) j["notes"] = s.notes;
    for (const auto& [slot, m] : s.models) {
        json points = json::array();
        for (const auto& p : m.points) {
            json pj = {{"concurrency", p.concurrency}, {"output_tokens_per_s", p.outputTokensPerS}, {"requests", p.requests},
                       {"latency_ms", statsJson(p.latencyMs)}, {"ttft_ms", statsJson(p.ttftMs)}};
            if (p.outputTokens) pj["output_tokens"] = *p.outputTokens;  // absent when not counted (older documents)
            if (p.outputTokensMin) pj["output_tokens_min"] = *p.outputTokensMin;
            if (p.outputTokensMax) pj["output_tokens_max"] = *p.outputTokensMax;
            if (p.serving) {
                const auto& v = *p.serving;
                pj["serving"] = {{"request_rate", jsonOrNull(v.requestRate)},  {"completed", v.completed},
                                 {"failed", v.failed},                       {"duration_seconds", v.durationSeconds},
                                 {"request_throughput", v.requestThroughput}, {"tpot_ms", statsJson(v.tpotMs)},
                                 {"itl_ms", statsJson(v.itlMs)},             {"goodput", jsonOrNull(v.goodput)}};
                if (!v.tokensCountedFrom.empty()) pj["serving"]["tokens_counted_from"] = v.tokensCountedFrom;
            }
            points.push_back(pj);
        }
        j[slot] = {{"points", points},
                   {"knee_concurrency", jsonOrNull(m.kneeConcurrency)},
                   {"max_concurrency_under_slo", jsonOrNull(m.maxConcurrencyUnderSlo)},
                   {"cost_per_million_tokens_usd", jsonOrNull(m.costPerMillionTokensUsd)}};
    }
    return j;
}

json timelineJson(const TimelineRun& t) {
    json j = {{"prompt", t.prompt}, {"prompt_tokens", t.promptTokens}, {"steps", t.steps}, {"batch", t.batch}};
    if (!t.verdict.empty()) j["verdict"] = t.verdict;
    for (const auto& [slot, m] : t.models) {
        json categories = json::object();
        for (int c = 0; c < 4; ++c) categories[kTimelineCategoryKeys[c]] = m.categoryUs[c];
        json top = json::array();
        for (const auto& k : m.top)
            top.push_back({{"name", k.name}, {"category", k.category}, {"calls_per_step", k.callsPerStep}, {"us_per_step", k.usPerStep}});
        const auto& c = m.ceilings;
        json mj = {{"device", m.device},
                   {"recorded", m.recorded},
                   {"steps", m.steps},
                   {"step_us", m.stepUs},
                   {"busy_us", m.busyUs},
                   {"idle_us", m.idleUs},
                   {"category_us", categories},
                   {"top", top},
                   {"weight_bytes_per_step", m.weightBytesPerStep},
                   {"matmul_flops_per_step", m.matmulFlopsPerStep},
                   {"ceilings",
                    {{"device", c.device}, {"dtype", c.dtype}, {"read_gb_s", c.readGBs}, {"compute_gflop_s", c.computeGFlops},
                     {"read_bytes", c.readBytes}, {"matmul_n", c.matmulN}}}};
        if (!m.traceFile.empty()) mj["trace_file"] = m.traceFile;
        j[slot] = mj;
    }
    return j;
}

// Overlays `known` on `base`: objects merge key by key, arrays of equal length element by element,
// anything else is replaced. Keys only in `base` (written by a newer version) survive.
void overlay(json& base, const json& known) {
    if (base.is_object() && known.is_object()) {
        for (auto it = known.begin(); it != known.end(); ++it) {
            if (base.contains(it.key())) overlay(base[it.key()], it.value());
            else base[it.key()] = it.value();
        }
    } else if (base.is_array() && known.is_array() && base.size() == known.size()) {
        for (std::size_t i = 0; i < known.size(); ++i) overlay(base[i], known[i]);
    } else {
        base = known;
    }
}

// ---------- reading

constexpr const char* kFix = "re-save the run from the workbench, or fix the file by hand (docs/run-format.md)";

// Typed access with the key's path in every error, so a hand-edited file says what is wrong where.
// `at` is the path of the object read from ("" for the document, "models.A", "battery.tests[2]");
// the error names at.key. A key that is absent or null leaves the field as it is (its zero value or
// an explicit default).
class Reader {
public:
    explicit Reader(fs::path file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw Error("run document: `" + where + "` " + what, file_, kFix);
    }

    static const json* child(const json& parent, const std::string& key) {
        if (!parent.is_object()) return nullptr;
        const auto it = parent.find(key);
        return it == parent.end() || it->is_null() ? nullptr : &*it;
    }
    const json* object(const json& parent, const std::string& key, const std::string& at) const {
        const json* j = child(parent, key);
        if (j && !j->is_object()) fail(path(at, key), "should be an object");
        return j;
    }
    const json* list(const json& parent, const std::string& key, const std::string& at) const {
        const json* j = child(parent, key);
        if (j && !j->is_array()) fail(path(at, key), "should be a list");
        return j;
    }
    // The i-th element of a list, which must be an object; `where` is its path ("battery.tests[2]").
    const json& element(const json& list, std::size_t i, const std::string& where) const {
        if (!list[i].is_object()) fail(where, "should be an object");
        return list[i];
    }

    template <class T>
    void read(const json& parent, const std::string& key, const std::string& at, T& out) const {
        if (const json* j = child(parent, key)) out = checked(value<T>(*j, path(at, key)), key, path(at, key));
    }
    template <class T>
    void read(const json& parent, const std::string& key, const std::string& at, std::optional<T>& out) const {
        const json* j = child(parent, key);
        out = j ? std::optional<T>(checked(value<T>(*j, path(at, key)), key, path(at, key))) : std::nullopt;
    }
    // A number the format requires (a perplexity, a speed): null is refused rather than read as 0,
    // which a report showed as a measured "0.000" (and "-100%" against the other model).
    void readNumber(const json& parent, const std::string& key, const std::string& at, double& out) const {
        if (parent.is_object() && parent.contains(key) && parent.at(key).is_null()) fail(path(at, key), "should be a number, not null");
        read(parent, key, at, out);
    }
    void read(const json& parent, const std::string& key, const std::string& at, LatencyStats& out) const {
        if (const json* j = object(parent, key, at)) {
            const std::string where = path(at, key);
            read(*j, "mean", where, out.mean);
            read(*j, "p50", where, out.p50);
            read(*j, "p95", where, out.p95);
            read(*j, "p99", where, out.p99);
        }
    }

    void read(const json& parent, const std::string& key, const std::string& at, std::optional<LatencyStats>& out) const {
        out.reset();
        if (child(parent, key)) read(parent, key, at, out.emplace());
    }

    static std::string path(const std::string& at, const std::string& key) { return at.empty() ? key : at + "." + key; }

private:
    // Speeds, times, sizes, costs and perplexities cannot be negative: a hand-edited "-5.0" tok/s
    // was shown as such. (Integers: unsigned fields refuse a sign already, counts below.)
    static bool nonNegativeKey(const std::string& key) {
        const auto ends = [&](std::string_view suffix) { return key.size() >= suffix.size() && key.ends_with(suffix); };
        static const std::set<std::string> exact = {"mean", "p50", "p95", "p99", "seconds", "perplexity", "goodput", "request_throughput",
                                                    "request_rate", "total_seconds", "avg_seconds", "load_seconds", "duration_seconds",
                                                    "output_tokens", "output_tokens_min", "output_tokens_max", "requests", "tokens", "completed", "failed", "windows", "calls_per_step"};
        return exact.count(key) || ends("_per_s") || ends("_ms") || ends("_us") || ends("_usd") || ends("_gb_s") || ends("_gflop_s") ||
               ends("_per_step") || ends("_bytes");
    }
    template <class T>
    T checked(T v, const std::string& key, const std::string& where) const {
        if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>)
            if (v < T(0) && nonNegativeKey(key)) fail(where, "should not be negative");
        return v;
    }

    template <class T>
    T value(const json& j, const std::string& where) const {
        if constexpr (std::is_same_v<T, std::string>) {
            if (!j.is_string()) fail(where, "should be a string");
            return j.get<std::string>();
        } else if constexpr (std::is_same_v<T, bool>) {
            if (!j.is_boolean()) fail(where, "should be true or false");
            return j.get<bool>();
        } else if constexpr (std::is_floating_point_v<T>) {
            if (!j.is_number()) fail(where, "should be a number");
            return j.get<T>();
        } else {
            static_assert(std::is_integral_v<T>);
            if (!j.is_number()) fail(where, "should be a whole number");
            if (std::is_unsigned_v<T> && j.is_number() && j.get<double>() < 0) fail(where, "should not be negative");
            const auto v = jsonInteger<json, T>(j);  // nlohmann would cast an out-of-range number unchecked
            if (!v) fail(where, "is out of range");
            return *v;
        }
    }

    fs::path file_;
};

bool isSlot(const std::string& key) { return key.size() == 1 && key[0] >= 'A' && key[0] <= 'Z'; }

// The slot keys of an object ("A", "B"), sorted; other keys are left to preservedJson.
std::vector<std::string> slotKeys(const json& j) {
    std::vector<std::string> out;
    for (auto it = j.begin(); it != j.end(); ++it)
        if (isSlot(it.key())) out.push_back(it.key());
    std::sort(out.begin(), out.end());
    return out;
}

// Calls f(slot, object, path) for each slot key of parent[key] (an object of slots).
template <class F>
void forEachSlot(const Reader& r, const json* parent, const std::string& where, F&& f) {
    if (!parent) return;
    for (const auto& slot : slotKeys(*parent))
        if (const json* x = r.object(*parent, slot, where)) f(slot, *x, where + "." + slot);
}

RunModel modelFrom(const Reader& r, const json& j, const std::string& w) {
    RunModel m;
    r.read(j, "name", w, m.name);
    r.read(j, "path", w, m.path);
    r.read(j, "architecture", w, m.architecture);
    r.read(j, "fingerprint", w, m.fingerprint);
    r.read(j, "parameters", w, m.parameters);
    r.read(j, "weight_bytes", w, m.weightBytes);
    r.read(j, "file_bytes", w, m.fileBytes);
    if (const json* q = r.object(j, "quantization", w)) {
        const std::string qw = w + ".quantization";
        RunQuantization s;
        r.read(*q, "method", qw, s.method);
        r.read(*q, "bits", qw, s.bits);
        r.read(*q, "group_size", qw, s.groupSize);
        r.read(*q, "zero_point", qw, s.zeroPoint);
        r.read(*q, "version", qw, s.version);
        r.read(*q, "made_with", qw, s.madeWith);  // absent before it was recorded: unknown
        m.quantization = s;
    }
    r.read(j, "quantization_source", w, m.quantizationSource);
    r.read(j, "source_fingerprint", w, m.sourceFingerprint);
    r.read(j, "lora_adapter", w, m.loraAdapter);
    r.read(j, "compute_dtype", w, m.computeDtype);
    r.read(j, "load_seconds", w, m.loadSeconds);
    if (const json* mem = r.object(j, "memory", w)) {
        const std::string mw = w + ".memory";
        r.read(*mem, "weights_bytes", mw, m.memoryWeightsBytes);
        r.read(*mem, "kv_cache_bytes_per_token", mw, m.kvCacheBytesPerToken);
        if (const json* fit = r.list(*mem, "fit", mw))
            for (std::size_t i = 0; i < fit->size(); ++i) {
                const std::string fw = mw + ".fit[" + std::to_string(i) + "]";
                const json& f = r.element(*fit, i, fw);
                GpuFit g;
                r.read(f, "gpu_gib", fw, g.gpuGib);
                r.read(f, "fits", fw, g.fits);
                r.read(f, "max_context_tokens", fw, g.maxContextTokens);
                m.fit.push_back(g);
            }
    }
    return m;
}

RunSettings settingsFrom(const Reader& r, const json& s) {
    RunSettings out;  // a key left out keeps its default
    r.read(s, "device", "settings", out.device);
    r.read(s, "dtype", "settings", out.dtype);
    r.read(s, "max_new_tokens", "settings", out.maxNewTokens);
    r.read(s, "greedy", "settings", out.greedy);
    r.read(s, "temperature", "settings", out.temperature);
    r.read(s, "top_k", "settings", out.topK);
    r.read(s, "top_p", "settings", out.topP);
    r.read(s, "repetition_penalty", "settings", out.repetitionPenalty);
    r.read(s, "seed", "settings", out.seed);
    return out;
}

TestResult resultFrom(const Reader& r, const json& j, const std::string& w) {
    TestResult t;
    r.read(j, "text", w, t.text);
    r.read(j, "output_tokens", w, t.outputTokens);
    r.read(j, "finish", w, t.finish);
    r.read(j, "seconds", w, t.seconds);
    r.read(j, "ttft_ms", w, t.ttftMs);
    r.read(j, "tpot_ms", w, t.tpotMs);
    r.read(j, "loop_detected", w, t.loopDetected);
    r.read(j, "substantive", w, t.substantive);
    r.read(j, "exact_match", w, t.exactMatch);
    r.read(j, "notes", w, t.notes);
    return t;
}

// Older or partial documents may carry only the tests: a slot's totals follow from them.
BatteryTotals totalsOf(const BatteryRun& b, const std::string& slot) {
    BatteryTotals t;
    for (const auto& test : b.tests) {
        const auto it = test.results.find(slot);
        if (it == test.results.end()) continue;
        const TestResult& x = it->second;
        ++t.tests;
        t.totalSeconds += x.seconds;
        t.loopDetections += x.loopDetected ? 1 : 0;
        t.substantive += x.substantive ? 1 : 0;
        t.withReference += test.reference ? 1 : 0;
        t.exactMatches += x.exactMatch.value_or(false) ? 1 : 0;
    }
    t.avgSeconds = t.tests ? t.totalSeconds / t.tests : 0;
    return t;
}

BatteryRun batteryFrom(const Reader& r, const json& j) {
    BatteryRun b;
    r.read(j, "name", "battery", b.name);
    r.read(j, "source", "battery", b.source);
    r.read(j, "planned_tests", "battery", b.plannedTests);
    r.read(j, "warmup_generations", "battery", b.warmupGenerations);
    if (const json* tests = r.list(j, "tests", "battery"))
        for (std::size_t i = 0; i < tests->size(); ++i) {
            const std::string w = "battery.tests[" + std::to_string(i) + "]";
            const json& t = r.element(*tests, i, w);
            TestRecord rec;
            r.read(t, "id", w, rec.id);
            r.read(t, "category", w, rec.category);
            r.read(t, "prompt", w, rec.prompt);
            r.read(t, "reference", w, rec.reference);
            forEachSlot(r, r.object(t, "results", w), w + ".results",
                        [&](const std::string& slot, const json& x, const std::string& rw) { rec.results[slot] = resultFrom(r, x, rw); });
            b.tests.push_back(std::move(rec));
        }
    forEachSlot(r, r.object(j, "totals", "battery"), "battery.totals", [&](const std::string& slot, const json& t, const std::string& w) {
        BatteryTotals& bt = b.totals[slot];
        r.read(t, "tests", w, bt.tests);
        r.read(t, "total_seconds", w, bt.totalSeconds);
        r.read(t, "avg_seconds", w, bt.avgSeconds);
        r.read(t, "loop_detections", w, bt.loopDetections);
        r.read(t, "substantive", w, bt.substantive);
        r.read(t, "with_reference", w, bt.withReference);
        r.read(t, "exact_matches", w, bt.exactMatches);
    });
    for (const auto& t : b.tests)
        for (const auto& [slot, _] : t.results)
            if (!b.totals.count(slot)) b.totals[slot] = totalsOf(b, slot);
    return b;
}

SpeedStats speedFrom(const Reader& r, const json& j, const std::string& w) {
    SpeedStats s;
    r.read(j, "requests", w, s.requests);
    r.read(j, "output_tokens", w, s.outputTokens);
    r.readNumber(j, "output_tokens_per_s", w, s.outputTokensPerS);
    r.read(j, "ttft_ms", w, s.ttftMs);
    r.read(j, "tpot_ms", w, s.tpotMs);
    r.read(j, "itl_ms", w, s.itlMs);
    r.read(j, "e2e_ms", w, s.e2eMs);
    r.read(j, "peak_memory_bytes", w, s.peakMemoryBytes);
    return s;
}

QualityRun qualityFrom(const Reader& r, const json& j) {
    QualityRun q;
    r.read(j, "text", "quality", q.text);
    r.read(j, "ctx", "quality", q.ctx);
    r.read(j, "stride", "quality", q.stride);
    r.read(j, "windows", "quality", q.windows);
    r.read(j, "notes", "quality", q.notes);
    forEachSlot(r, &j, "quality", [&](const std::string& slot, const json& x, const std::string& w) {
        QualityModel& m = q.models[slot];
        r.readNumber(x, "perplexity", w, m.perplexity);
        r.read(x, "tokens", w, m.tokens);
        r.read(x, "kld_vs_a", w, m.kldVsA);
        r.read(x, "top1_vs_a", w, m.top1VsA);
    });
    return q;
}

SweepPoint pointFrom(const Reader& r, const json& p, const std::string& w) {
    SweepPoint sp;
    r.read(p, "concurrency", w, sp.concurrency);
    if (sp.concurrency <= 0) r.fail(w + ".concurrency", "should be a positive number");
    r.readNumber(p, "output_tokens_per_s", w, sp.outputTokensPerS);
    r.read(p, "requests", w, sp.requests);
    r.read(p, "latency_ms", w, sp.latencyMs);
    r.read(p, "ttft_ms", w, sp.ttftMs);
    r.read(p, "output_tokens", w, sp.outputTokens);
    r.read(p, "output_tokens_min", w, sp.outputTokensMin);
    r.read(p, "output_tokens_max", w, sp.outputTokensMax);
    if (sp.outputTokensMin && sp.outputTokensMax && *sp.outputTokensMin > *sp.outputTokensMax)
        r.fail(w + ".output_tokens_min", "is more than output_tokens_max");
    if (sp.outputTokens && sp.outputTokensMax && *sp.outputTokens < *sp.outputTokensMax)
        r.fail(w + ".output_tokens", "is less than output_tokens_max (one request's)");
    if (const json* v = r.object(p, "serving", w)) {
        ServingStats s;
        const std::string sw = w + ".serving";
        r.read(*v, "request_rate", sw, s.requestRate);
        r.read(*v, "completed", sw, s.completed);
        r.read(*v, "failed", sw, s.failed);
        r.read(*v, "duration_seconds", sw, s.durationSeconds);
        r.read(*v, "request_throughput", sw, s.requestThroughput);
        r.read(*v, "tpot_ms", sw, s.tpotMs);
        r.read(*v, "itl_ms", sw, s.itlMs);
        r.read(*v, "goodput", sw, s.goodput);
        r.read(*v, "tokens_counted_from", sw, s.tokensCountedFrom);
        sp.serving = s;
    }
    return sp;
}

SweepRun sweepFrom(const Reader& r, const json& j) {
    SweepRun s;
    r.read(j, "max_new_tokens", "sweep", s.maxNewTokens);
    r.read(j, "prompt", "sweep", s.prompt);
    r.read(j, "slo_p95_ms", "sweep", s.sloP95Ms);
    r.read(j, "gpu_hourly_usd", "sweep", s.gpuHourlyUsd);
    r.read(j, "slo_ttft_ms", "sweep", s.sloTtftMs);
    r.read(j, "slo_tpot_ms", "sweep", s.sloTpotMs);
    if (const json* notes = r.list(j, "notes", "sweep"))  // absent in documents before it
        for (std::size_t i = 0; i < notes->size(); ++i) {
            if (!(*notes)[i].is_string()) r.fail("sweep.notes[" + std::to_string(i) + "]", "should be a string");
            s.notes.push_back((*notes)[i].get<std::string>());
        }
    r.read(j, "endpoint", "sweep", s.endpoint);
    forEachSlot(r, &j, "sweep", [&](const std::string& slot, const json& x, const std::string& w) {
        SweepModel& m = s.models[slot];
        if (const json* pts = r.list(x, "points", w))
            for (std::size_t i = 0; i < pts->size(); ++i) {
                const std::string pw = w + ".points[" + std::to_string(i) + "]";
                m.points.push_back(pointFrom(r, r.element(*pts, i, pw), pw));
            }
        // Written in ascending order; a hand-edited file may not be (stable: equal levels keep their order).
        std::stable_sort(m.points.begin(), m.points.end(), [](const auto& a, const auto& b) { return a.concurrency < b.concurrency; });
        r.read(x, "knee_concurrency", w, m.kneeConcurrency);
        // Derived from the points: an older document's knee (the first level whose next one added
        // < 15%, which read a one-level dip as the end of scaling) is replaced by today's rule.
        if (!m.points.empty()) m.kneeConcurrency = kneeConcurrencyOf(m.points);
        r.read(x, "max_concurrency_under_slo", w, m.maxConcurrencyUnderSlo);
        r.read(x, "cost_per_million_tokens_usd", w, m.costPerMillionTokensUsd);
    });
    return s;
}

ArenaRun arenaFrom(const Reader& r, const json& j) {
    ArenaRun a;  // "totals" is not read: it is the sum of the conversations, written from them
    if (const json* list = r.list(j, "conversations", "arena"))
        for (std::size_t i = 0; i < list->size(); ++i) {
            const std::string w = "arena.conversations[" + std::to_string(i) + "]";
            const json& c = r.element(*list, i, w);
            ArenaConversation conv;
            r.read(c, "file", w, conv.file);
            r.read(c, "a_better", w, conv.aBetter);
            r.read(c, "b_better", w, conv.bBetter);
            r.read(c, "tie", w, conv.tie);
            r.read(c, "both_bad", w, conv.bothBad);
            a.conversations.push_back(std::move(conv));
        }
    return a;
}

TimelineModel timelineModelFrom(const Reader& r, const json& x, const std::string& w) {
    TimelineModel m;
    r.read(x, "device", w, m.device);
    r.read(x, "recorded", w, m.recorded);
    r.read(x, "steps", w, m.steps);
    r.read(x, "step_us", w, m.stepUs);
    r.read(x, "busy_us", w, m.busyUs);
    r.read(x, "idle_us", w, m.idleUs);
    if (const json* c = r.object(x, "category_us", w))
        for (int i = 0; i < 4; ++i) r.read(*c, kTimelineCategoryKeys[i], w + ".category_us", m.categoryUs[i]);
    if (const json* top = r.list(x, "top", w))
        for (std::size_t i = 0; i < top->size(); ++i) {
            const std::string kw = w + ".top[" + std::to_string(i) + "]";
            const json& k = r.element(*top, i, kw);
            TimelineKernel kernel;
            r.read(k, "name", kw, kernel.name);
            r.read(k, "category", kw, kernel.category);
            r.read(k, "calls_per_step", kw, kernel.callsPerStep);
            r.read(k, "us_per_step", kw, kernel.usPerStep);
            m.top.push_back(std::move(kernel));
        }
    r.read(x, "weight_bytes_per_step", w, m.weightBytesPerStep);
    r.read(x, "matmul_flops_per_step", w, m.matmulFlopsPerStep);
    if (const json* c = r.object(x, "ceilings", w)) {
        const std::string cw = w + ".ceilings";
        r.read(*c, "device", cw, m.ceilings.device);
        r.read(*c, "dtype", cw, m.ceilings.dtype);
        r.read(*c, "read_gb_s", cw, m.ceilings.readGBs);
        r.read(*c, "compute_gflop_s", cw, m.ceilings.computeGFlops);
        r.read(*c, "read_bytes", cw, m.ceilings.readBytes);
        r.read(*c, "matmul_n", cw, m.ceilings.matmulN);
    }
    r.read(x, "trace_file", w, m.traceFile);
    return m;
}

TimelineRun timelineFrom(const Reader& r, const json& j) {
    TimelineRun t;
    r.read(j, "prompt", "timeline", t.prompt);
    r.read(j, "prompt_tokens", "timeline", t.promptTokens);
    r.read(j, "steps", "timeline", t.steps);
    r.read(j, "batch", "timeline", t.batch);
    r.read(j, "verdict", "timeline", t.verdict);
    forEachSlot(r, &j, "timeline", [&](const std::string& slot, const json& x, const std::string& w) { t.models[slot] = timelineModelFrom(r, x, w); });
    return t;
}

json arenaJson(const ArenaRun& a) {
    json conversations = json::array();
    for (const auto& c : a.conversations)
        conversations.push_back({{"file", c.file}, {"a_better", c.aBetter}, {"b_better", c.bBetter}, {"tie", c.tie}, {"both_bad", c.bothBad}});
    const ArenaConversation t = a.totals();
    return {{"totals",
             {{"a_better", t.aBetter}, {"b_better", t.bBetter}, {"tie", t.tie}, {"both_bad", t.bothBad},
              {"votes", t.aBetter + t.bBetter + t.tie + t.bothBad}}},
            {"conversations", conversations}};
}

}  // namespace

std::string runDocumentToJson(const RunDocument& d) {
    json j = {{"format", kRunFormat}, {"version", d.version}, {"kind", d.kind}, {"created", d.created}, {"tool_version", d.toolVersion}};
    const HostInfo h = d.host.value_or(HostInfo{});
    json host = {{"device", h.device}};
    if (!h.gpuName.empty()) {
        host["gpu_name"] = h.gpuName;
        host["gpu_total_bytes"] = h.gpuTotalBytes;
    }
    if (!h.cpuName.empty()) host["cpu_name"] = h.cpuName;
    if (h.cpuThreads > 0) host["cpu_threads"] = h.cpuThreads;
    j["host"] = host;
    json models = json::object();
    for (const auto& [slot, m] : d.models) models[slot] = modelJson(m);
    j["models"] = models;
    j["settings"] = settingsJson(d.settings.value_or(RunSettings{}));
    if (d.battery) j["battery"] = batteryJson(*d.battery);
    if (!d.speed.empty()) {
        json speed = json::object();
        for (const auto& [slot, s] : d.speed) speed[slot] = speedJson(s);
        j["speed"] = speed;
    }
    if (d.quality) j["quality"] = qualityJson(*d.quality);
    if (d.sweep) j["sweep"] = sweepJson(*d.sweep);
    if (d.arena) j["arena"] = arenaJson(*d.arena);
    if (d.timeline) j["timeline"] = timelineJson(*d.timeline);
    if (d.cancelled) j["cancelled"] = true;
    if (!d.stoppedReason.empty()) j["stopped_reason"] = d.stoppedReason;
    if (!d.notes.empty()) j["notes"] = d.notes;
    if (!d.preservedJson.empty()) {
        json base;
        try {
            base = parseOrderedJson(d.preservedJson, {{}, "save the run again"});
        } catch (const Error&) {
            // The preserved text was parsed when the document was read; unparsable now means nothing to keep.
        }
        if (base.is_object()) {
            overlay(base, j);
            j = std::move(base);
        }
    }
    return jsonText(j, 2) + "\n";
}

RunDocument runDocumentFromJson(std::string_view text, const fs::path& origin) {
    const json j = parseOrderedJson(text, {origin, "the file is damaged or was cut short: save or export the run again"});
    const Reader r(origin);
    if (!j.is_object()) r.fail("(document)", "should be a JSON object");
    const json* format = Reader::child(j, "format");
    const std::string name = format && format->is_string() ? format->get<std::string>() : "";
    if (name != kRunFormat)
        throw Error("not a saved run: `format` is " +
                        (!format ? std::string("missing") : format->is_string() ? "\"" + name + "\"" : format->dump()) + ", expected \"" +
                        kRunFormat + "\"",
                    origin, "pick a RUN.json saved by the Compare page, `awqbench-cli compare` or `awqbench-cli sweep`");
    std::optional<std::int64_t> version;
    r.read(j, "version", "", version);
    if (!version) r.fail("version", "is missing");
    if (*version < 1 || *version > kRunFormatVersion)
        throw Error("run document version " + std::to_string(*version) + " is not supported (this build reads version " +
                        std::to_string(kRunFormatVersion) + ")",
                    origin, "update AWQ Workbench to read newer run documents");

    RunDocument d;
    d.version = int(*version);
    d.kind.clear();  // absent: not said (a hand-made file)
    r.read(j, "kind", "", d.kind);
    r.read(j, "created", "", d.created);
    r.read(j, "tool_version", "", d.toolVersion);
    if (const json* h = r.object(j, "host", "")) {
        HostInfo host;
        r.read(*h, "device", "host", host.device);
        r.read(*h, "gpu_name", "host", host.gpuName);
        r.read(*h, "gpu_total_bytes", "host", host.gpuTotalBytes);
        r.read(*h, "cpu_name", "host", host.cpuName);
        r.read(*h, "cpu_threads", "host", host.cpuThreads);
        d.host = host;
    }
    forEachSlot(r, r.object(j, "models", ""), "models",
                [&](const std::string& slot, const json& m, const std::string& w) { d.models[slot] = modelFrom(r, m, w); });
    if (const json* s = r.object(j, "settings", "")) d.settings = settingsFrom(r, *s);
    if (const json* b = r.object(j, "battery", "")) d.battery = batteryFrom(r, *b);
    forEachSlot(r, r.object(j, "speed", ""), "speed",
                [&](const std::string& slot, const json& x, const std::string& w) { d.speed[slot] = speedFrom(r, x, w); });
    if (const json* q = r.object(j, "quality", "")) d.quality = qualityFrom(r, *q);
    if (const json* s = r.object(j, "sweep", "")) d.sweep = sweepFrom(r, *s);
    if (const json* a = r.object(j, "arena", "")) d.arena = arenaFrom(r, *a);
    if (const json* t = r.object(j, "timeline", "")) d.timeline = timelineFrom(r, *t);
    r.read(j, "cancelled", "", d.cancelled);
    r.read(j, "stopped_reason", "", d.stoppedReason);
    if (const json* notes = r.list(j, "notes", ""))
        for (std::size_t i = 0; i < notes->size(); ++i) {
            if (!(*notes)[i].is_string()) r.fail("notes[" + std::to_string(i) + "]", "should be a string");
            d.notes.push_back((*notes)[i].get<std::string>());
        }
    d.preservedJson = std::string(text);
    return d;
}

int BatteryRun::testsEverySideFinished() const {
    int n = 0;
    for (const auto& t : tests) {
        bool all = !totals.empty();
        for (const auto& [slot, _] : totals) all = all && t.results.count(slot);
        n += all ? 1 : 0;
    }
    return n;
}

ArenaConversation ArenaRun::totals() const {
    ArenaConversation t;
    for (const auto& c : conversations) t.aBetter += c.aBetter, t.bBetter += c.bBetter, t.tie += c.tie, t.bothBad += c.bothBad;
    return t;
}

bool isEndpointPath(std::string_view path) { return path.starts_with("http://") || path.starts_with("https://"); }

bool quantizedFrom(const RunModel& quantized, const RunModel& original) {
    return quantized.quantization && !original.quantization && !original.fingerprint.empty() &&
           quantized.sourceFingerprint.value_or("") == original.fingerprint;
}

const RunModel* RunDocument::model(const std::string& slot) const {
    const auto it = models.find(slot);
    return it == models.end() ? nullptr : &it->second;
}

std::string RunDocument::modelName(const std::string& slot) const {
    const RunModel* m = model(slot);
    return m && !m->name.empty() ? m->name : "model " + slot;
}

std::vector<std::string> RunDocument::slots() const {
    std::set<std::string> out;
    const auto add = [&](const auto& bySlot) {
        for (const auto& [slot, _] : bySlot) out.insert(slot);
    };
    add(models);
    add(speed);
    if (battery) add(battery->totals);
    if (quality) add(quality->models);
    if (sweep) add(sweep->models);
    if (timeline) add(timeline->models);
    return {out.begin(), out.end()};
}

void saveRunDocument(const RunDocument& doc, const fs::path& file) { writeFileAtomically(file, runDocumentToJson(doc)); }

std::string timelineTraceFileName(const fs::path& runFile, const std::string& slot) {
    return runFile.stem().string() + ".timeline-" + slot + ".json";
}

bool isTimelineTraceFile(const fs::path& file) {
    const std::string name = file.filename().string();
    return name.size() > 5 && name.compare(name.size() - 5, 5, ".json") == 0 && name.find(".timeline-") != std::string::npos;
}

RunDocument loadRunDocument(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw Error("no such run document", file, "check the path to the RUN.json");
    RunDocument d = runDocumentFromJson(readFile(file, "run document", "check the file's permissions"), file);
    d.file = file;
    return d;
}

}  // namespace awq
