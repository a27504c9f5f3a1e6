#include "core/compare/run_document.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <type_traits>

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

template <class T>
json optJson(const std::optional<T>& v) { return v ? json(*v) : json(nullptr); }

json modelJson(const RunModel& m) {
    json fit = json::array();
    for (const auto& f : m.fit) fit.push_back({{"gpu_gib", f.gpuGib}, {"fits", f.fits}, {"max_context_tokens", f.maxContextTokens}});
    json q = nullptr;
    if (m.quantization)
        q = {{"method", m.quantization->method}, {"bits", m.quantization->bits}, {"group_size", m.quantization->groupSize},
             {"zero_point", m.quantization->zeroPoint}, {"version", m.quantization->version}};
    json j = {{"name", m.name},
              {"path", m.path},
              {"architecture", m.architecture},
              {"fingerprint", m.fingerprint},
              {"parameters", m.parameters},
              {"weight_bytes", m.weightBytes},
              {"file_bytes", m.fileBytes},
              {"quantization", q},
              {"source_fingerprint", optJson(m.sourceFingerprint)},
              {"compute_dtype", m.computeDtype},
              {"load_seconds", m.loadSeconds},
              {"memory", {{"weights_bytes", m.memoryWeightsBytes}, {"kv_cache_bytes_per_token", m.kvCacheBytesPerToken}, {"fit", fit}}}};
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
            {"seconds", r.seconds}, {"ttft_ms", r.ttftMs},             {"tpot_ms", r.tpotMs},
            {"loop_detected", r.loopDetected}, {"substantive", r.substantive},
            {"exact_match", optJson(r.exactMatch)}, {"notes", r.notes}};
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
        tests.push_back({{"id", t.id}, {"category", t.category}, {"prompt", t.prompt}, {"reference", optJson(t.reference)}, {"results", results}});
    }
    json totals = json::object();
    for (const auto& [slot, t] : b.totals) totals[slot] = totalsJson(t);
    return {{"name", b.name}, {"source", b.source}, {"tests", tests}, {"totals", totals}};
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
    json j = {{"max_new_tokens", s.maxNewTokens}, {"prompt", s.prompt}, {"slo_p95_ms", optJson(s.sloP95Ms)},
              {"gpu_hourly_usd", optJson(s.gpuHourlyUsd)}};
    if (!s.endpoint.empty()) j["endpoint"] = s.endpoint;
    for (const auto& [slot, m] : s.models) {
        json points = json::array();
        for (const auto& p : m.points) {
            json pj = {{"concurrency", p.concurrency}, {"output_tokens_per_s", p.outputTokensPerS}, {"requests", p.requests},
                       {"latency_ms", statsJson(p.latencyMs)}, {"ttft_ms", statsJson(p.ttftMs)}};
            if (p.serving) {
                const auto& v = *p.serving;
                pj["serving"] = {{"request_rate", optJson(v.requestRate)},  {"completed", v.completed},
                                 {"failed", v.failed},                       {"duration_seconds", v.durationSeconds},
                                 {"request_throughput", v.requestThroughput}, {"tpot_ms", statsJson(v.tpotMs)},
                                 {"itl_ms", statsJson(v.itlMs)},             {"goodput", optJson(v.goodput)}};
            }
            points.push_back(pj);
        }
        j[slot] = {{"points", points},
                   {"knee_concurrency", optJson(m.kneeConcurrency)},
                   {"max_concurrency_under_slo", optJson(m.maxConcurrencyUnderSlo)},
                   {"cost_per_million_tokens_usd", optJson(m.costPerMillionTokensUsd)}};
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

// A number that does not fit its field (nlohmann would cast it unchecked: undefined behaviour).
struct FieldOutOfRange {
    std::string key;
};

template <class T>
T valueOf(const json& value, const char* key) {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        if (value.is_number()) {
            if (const auto v = jsonInteger<json, T>(value)) return *v;
            throw FieldOutOfRange{key};
        }
    }
    return value.get<T>();  // other types, and wrong kinds (json::type_error)
}
template <class T>
T get(const json& j, const char* key, T fallback = {}) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    return valueOf<T>(*it, key);
}
template <class T>
std::optional<T> getOpt(const json& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    return valueOf<T>(*it, key);
}
const json& child(const json& j, const char* key) {
    static const json empty = json::object();
    const auto it = j.find(key);
    return it != j.end() && it->is_object() ? *it : empty;
}

LatencyStats statsFrom(const json& j) {
    return {get<double>(j, "mean"), get<double>(j, "p50"), get<double>(j, "p95"), get<double>(j, "p99")};
}

RunModel modelFrom(const json& j) {
    RunModel m;
    m.name = get<std::string>(j, "name");
    m.path = get<std::string>(j, "path");
    m.architecture = get<std::string>(j, "architecture");
    m.fingerprint = get<std::string>(j, "fingerprint");
    m.parameters = get<std::uint64_t>(j, "parameters");
    m.weightBytes = get<std::uint64_t>(j, "weight_bytes");
    m.fileBytes = get<std::uint64_t>(j, "file_bytes");
    if (const auto it = j.find("quantization"); it != j.end() && it->is_object())
        m.quantization = RunQuantization{get<std::string>(*it, "method"), get<int>(*it, "bits"), get<int>(*it, "group_size"),
                                         get<bool>(*it, "zero_point"), get<std::string>(*it, "version")};
    m.sourceFingerprint = getOpt<std::string>(j, "source_fingerprint");
    m.loraAdapter = getOpt<std::string>(j, "lora_adapter");
    m.computeDtype = get<std::string>(j, "compute_dtype");
    m.loadSeconds = get<double>(j, "load_seconds");
    const auto& mem = child(j, "memory");
    m.memoryWeightsBytes = get<std::uint64_t>(mem, "weights_bytes");
    m.kvCacheBytesPerToken = get<std::uint64_t>(mem, "kv_cache_bytes_per_token");
    if (const auto it = mem.find("fit"); it != mem.end() && it->is_array())
        for (const auto& f : *it) m.fit.push_back({get<int>(f, "gpu_gib"), get<bool>(f, "fits"), get<std::int64_t>(f, "max_context_tokens")});
    return m;
}

TestResult resultFrom(const json& j) {
    TestResult r;
    r.text = get<std::string>(j, "text");
    r.outputTokens = get<int>(j, "output_tokens");
    r.finish = get<std::string>(j, "finish");
    r.seconds = get<double>(j, "seconds");
    r.ttftMs = get<double>(j, "ttft_ms");
    r.tpotMs = get<double>(j, "tpot_ms");
    r.loopDetected = get<bool>(j, "loop_detected");
    r.substantive = get<bool>(j, "substantive");
    r.exactMatch = getOpt<bool>(j, "exact_match");
    r.notes = get<std::string>(j, "notes");
    return r;
}

BatteryRun batteryFrom(const json& j) {
    BatteryRun b;
    b.name = get<std::string>(j, "name");
    b.source = get<std::string>(j, "source");
    if (const auto it = j.find("tests"); it != j.end() && it->is_array())
        for (const auto& t : *it) {
            TestRecord r{get<std::string>(t, "id"), get<std::string>(t, "category"), get<std::string>(t, "prompt"),
                         getOpt<std::string>(t, "reference"), {}};
            for (const auto& [slot, res] : child(t, "results").items()) r.results[slot] = resultFrom(res);
            b.tests.push_back(std::move(r));
        }
    for (const auto& [slot, t] : child(j, "totals").items())
        b.totals[slot] = {get<int>(t, "tests"),         get<double>(t, "total_seconds"), get<double>(t, "avg_seconds"),
                          get<int>(t, "loop_detections"), get<int>(t, "substantive"),     get<int>(t, "with_reference"),
                          get<int>(t, "exact_matches")};
    return b;
}

bool isSlot(const std::string& key) { return key.size() == 1 && key[0] >= 'A' && key[0] <= 'Z'; }

json arenaJson(const ArenaRun& a) {
    json conversations = json::array();
    int totals[4] = {0, 0, 0, 0};
    for (const auto& c : a.conversations) {
        conversations.push_back({{"file", c.file}, {"a_better", c.aBetter}, {"b_better", c.bBetter}, {"tie", c.tie}, {"both_bad", c.bothBad}});
        totals[0] += c.aBetter, totals[1] += c.bBetter, totals[2] += c.tie, totals[3] += c.bothBad;
    }
    return {{"totals",
             {{"a_better", totals[0]}, {"b_better", totals[1]}, {"tie", totals[2]}, {"both_bad", totals[3]},
              {"votes", totals[0] + totals[1] + totals[2] + totals[3]}}},
            {"conversations", conversations}};
}

}  // namespace

std::string runDocumentToJson(const RunDocument& d) {
    json j = {{"format", "awqbench-run"}, {"version", d.version}, {"kind", d.kind}, {"created", d.created}, {"tool_version", d.toolVersion}};
    json host = {{"device", d.host.device}};
    if (!d.host.gpuName.empty()) {
        host["gpu_name"] = d.host.gpuName;
        host["gpu_total_bytes"] = d.host.gpuTotalBytes;
    }
    j["host"] = host;
    json models = json::object();
    for (const auto& [slot, m] : d.models) models[slot] = modelJson(m);
    j["models"] = models;
    j["settings"] = settingsJson(d.settings);
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
    return j.dump(2) + "\n";
}

RunDocument runDocumentFromJson(std::string_view text, const fs::path& origin) {
    const json j = parseOrderedJson(text, {origin, "save the run again"});
    if (!j.is_object() || get<std::string>(j, "format") != "awqbench-run")
        throw Error("not an awqbench run document (\"format\" is not \"awqbench-run\")", origin, "open a RUN.json saved by the workbench");
    RunDocument d;
    try {
        d.version = get<int>(j, "version");
        if (d.version != 1)
            throw Error("run document version " + std::to_string(d.version) + " is not supported", origin, "update awqbench");
        d.kind = get<std::string>(j, "kind");
        d.created = get<std::string>(j, "created");
        d.toolVersion = get<std::string>(j, "tool_version");
        const auto& host = child(j, "host");
        d.host = {get<std::string>(host, "device", "cpu"), get<std::string>(host, "gpu_name"), get<std::uint64_t>(host, "gpu_total_bytes")};
        for (const auto& [slot, m] : child(j, "models").items()) d.models[slot] = modelFrom(m);
        const auto& s = child(j, "settings");
        d.settings = {get<std::string>(s, "device", "cpu"), get<std::string>(s, "dtype", "auto"), get<int>(s, "max_new_tokens", 96),
                      get<bool>(s, "greedy", true),         get<double>(s, "temperature", 1.0),    get<int>(s, "top_k"),
                      get<double>(s, "top_p", 1.0),         get<double>(s, "repetition_penalty", 1.0), get<std::uint64_t>(s, "seed")};
        if (j.contains("battery")) d.battery = batteryFrom(child(j, "battery"));
        if (j.contains("notes")) d.notes = get<std::vector<std::string>>(j, "notes");
        if (j.contains("arena")) {
            d.arena.emplace();
            for (const auto& c : child(j, "arena").value("conversations", json::array()))
                d.arena->conversations.push_back({get<std::string>(c, "file"), get<int>(c, "a_better"), get<int>(c, "b_better"),
                                                  get<int>(c, "tie"), get<int>(c, "both_bad")});
        }
        for (const auto& [slot, sp] : child(j, "speed").items())
            d.speed[slot] = {get<int>(sp, "requests"),
                             get<std::int64_t>(sp, "output_tokens"),
                             get<double>(sp, "output_tokens_per_s"),
                             statsFrom(child(sp, "ttft_ms")),
                             statsFrom(child(sp, "tpot_ms")),
                             statsFrom(child(sp, "itl_ms")),
                             statsFrom(child(sp, "e2e_ms")),
                             get<std::uint64_t>(sp, "peak_memory_bytes")};
        if (j.contains("quality")) {
            const auto& q = child(j, "quality");
            QualityRun r{get<std::string>(q, "text"), get<int>(q, "ctx", 256), get<int>(q, "stride", 256), get<int>(q, "windows"), {},
                         get<std::string>(q, "notes")};
            for (const auto& [key, m] : q.items())
                if (isSlot(key) && m.is_object())
                    r.models[key] = {get<double>(m, "perplexity"), get<std::int64_t>(m, "tokens"), getOpt<double>(m, "kld_vs_a"),
                                     getOpt<double>(m, "top1_vs_a")};
            d.quality = std::move(r);
        }
        if (j.contains("sweep")) {
            const auto& s2 = child(j, "sweep");
            SweepRun r{get<int>(s2, "max_new_tokens"), get<std::string>(s2, "prompt"), getOpt<double>(s2, "slo_p95_ms"),
                       getOpt<double>(s2, "gpu_hourly_usd"), {}, get<std::string>(s2, "endpoint")};
            for (const auto& [key, m] : s2.items()) {
                if (!isSlot(key) || !m.is_object()) continue;
                SweepModel sm;
                if (const auto it = m.find("points"); it != m.end() && it->is_array())
                    for (const auto& p : *it) {
                        sm.points.push_back({get<int>(p, "concurrency"), get<double>(p, "output_tokens_per_s"), get<int>(p, "requests"),
                                             statsFrom(child(p, "latency_ms")), statsFrom(child(p, "ttft_ms")), std::nullopt});
                        if (p.contains("serving") && p["serving"].is_object()) {
                            const auto& v = p["serving"];
                            sm.points.back().serving =
                                ServingStats{getOpt<double>(v, "request_rate"), get<int>(v, "completed"), get<int>(v, "failed"),
                                             get<double>(v, "duration_seconds"), get<double>(v, "request_throughput"),
                                             statsFrom(child(v, "tpot_ms")), statsFrom(child(v, "itl_ms")), getOpt<double>(v, "goodput")};
                        }
                    }
                sm.kneeConcurrency = getOpt<int>(m, "knee_concurrency");
                sm.maxConcurrencyUnderSlo = getOpt<int>(m, "max_concurrency_under_slo");
                sm.costPerMillionTokensUsd = getOpt<double>(m, "cost_per_million_tokens_usd");
                r.models[key] = std::move(sm);
            }
            d.sweep = std::move(r);
        }
        if (j.contains("timeline")) {
            const auto& t = child(j, "timeline");
            TimelineRun r{get<std::string>(t, "prompt"), get<int>(t, "prompt_tokens"), get<int>(t, "steps"), get<int>(t, "batch", 1), {},
                          get<std::string>(t, "verdict")};
            for (const auto& [key, m] : t.items()) {
                if (!isSlot(key) || !m.is_object()) continue;
                TimelineModel tm;
                tm.device = get<std::string>(m, "device");
                tm.recorded = get<std::string>(m, "recorded");
                tm.steps = get<int>(m, "steps");
                tm.stepUs = get<double>(m, "step_us");
                tm.busyUs = get<double>(m, "busy_us");
                tm.idleUs = get<double>(m, "idle_us");
                const auto& categories = child(m, "category_us");
                for (int c = 0; c < 4; ++c) tm.categoryUs[c] = get<double>(categories, kTimelineCategoryKeys[c]);
                if (const auto it = m.find("top"); it != m.end() && it->is_array())
                    for (const auto& k : *it)
                        tm.top.push_back({get<std::string>(k, "name"), get<std::string>(k, "category"), get<double>(k, "calls_per_step"),
                                          get<double>(k, "us_per_step")});
                tm.weightBytesPerStep = get<std::uint64_t>(m, "weight_bytes_per_step");
                tm.matmulFlopsPerStep = get<double>(m, "matmul_flops_per_step");
                const auto& c = child(m, "ceilings");
                tm.ceilings = {get<std::string>(c, "device"), get<std::string>(c, "dtype"), get<double>(c, "read_gb_s"),
                               get<double>(c, "compute_gflop_s"), get<std::uint64_t>(c, "read_bytes"), get<int>(c, "matmul_n")};
                tm.traceFile = get<std::string>(m, "trace_file");
                r.models[key] = std::move(tm);
            }
            d.timeline = std::move(r);
        }
        d.cancelled = get<bool>(j, "cancelled");
    } catch (const json::exception& e) {
        throw Error(std::string("a run document field has the wrong type (") + e.what() + ")", origin, "save the run again");
    } catch (const FieldOutOfRange& e) {
        throw Error("the run document field \"" + e.key + "\" is out of range", origin, "save the run again");
    }
    d.preservedJson = std::string(text);
    return d;
}

void saveRunDocument(const RunDocument& doc, const fs::path& file) { writeFileAtomically(file, runDocumentToJson(doc)); }

RunDocument loadRunDocument(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read the run document", file, "check the path");
    return runDocumentFromJson(std::string(std::istreambuf_iterator<char>(in), {}), file);
}

}  // namespace awq
