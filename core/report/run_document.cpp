#include "core/report/run_document.h"

#include "core/util/error.h"
#include "core/util/json_read.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

namespace awq::report {
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFix = "re-save the run from the workbench, or fix the file by hand (docs/run-format.md)";

// Typed access with the key's path in every error, so a hand-edited file says what is wrong where.
class Reader {
public:
    explicit Reader(fs::path file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& where, const std::string& what) const {
        throw Error("run document: `" + where + "` " + what, file_, kFix);
    }

    const json* child(const json& parent, const std::string& key) const {
        if (!parent.is_object()) return nullptr;
        auto it = parent.find(key);
        if (it == parent.end() || it->is_null()) return nullptr;
        return &*it;
    }

    const json* object(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = child(parent, key);
        if (j && !j->is_object()) fail(where, "should be an object");
        return j;
    }

    std::string str(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = child(parent, key);
        if (!j) return {};
        if (!j->is_string()) fail(where, "should be a string");
        return j->get<std::string>();
    }

    std::optional<double> num(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = child(parent, key);
        if (!j) return std::nullopt;
        if (!j->is_number()) fail(where, "should be a number");
        return j->get<double>();
    }

    std::optional<std::int64_t> integer(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = child(parent, key);
        if (!j) return std::nullopt;
        if (!j->is_number()) fail(where, "should be a whole number");
        const auto v = jsonInteger<json, std::int64_t>(*j);
        if (!v) fail(where, "is out of range");
        return v;
    }

    std::optional<int> int32(const json& parent, const std::string& key, const std::string& where) const {
        auto v = integer(parent, key, where);
        if (v && !std::in_range<int>(*v)) fail(where, "is out of range");
        return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
    }

    std::optional<std::uint64_t> bytes(const json& parent, const std::string& key, const std::string& where) const {
        auto v = integer(parent, key, where);
        if (v && *v < 0) fail(where, "should not be negative");
        return v ? std::optional<std::uint64_t>(static_cast<std::uint64_t>(*v)) : std::nullopt;
    }

    std::optional<bool> boolean(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = child(parent, key);
        if (!j) return std::nullopt;
        if (!j->is_boolean()) fail(where, "should be true or false");
        return j->get<bool>();
    }

    std::optional<Percentiles> percentiles(const json& parent, const std::string& key, const std::string& where) const {
        const json* j = object(parent, key, where);
        if (!j) return std::nullopt;
        Percentiles p;
        p.mean = num(*j, "mean", where + ".mean");
        p.p50 = num(*j, "p50", where + ".p50");
        p.p95 = num(*j, "p95", where + ".p95");
        p.p99 = num(*j, "p99", where + ".p99");
        return p;
    }

private:
    fs::path file_;
};

bool isSlot(const std::string& key) { return key.size() == 1 && key[0] >= 'A' && key[0] <= 'Z'; }

// The slot keys of an object ("A", "B"), in order.
std::vector<std::string> slotKeys(const json& j) {
    std::vector<std::string> out;
    if (!j.is_object()) return out;
    for (auto it = j.begin(); it != j.end(); ++it)
        if (isSlot(it.key())) out.push_back(it.key());
    std::sort(out.begin(), out.end());
    return out;
}

RunModel readModel(const Reader& r, const json& j, const std::string& slot) {
    const std::string w = "models." + slot;
    RunModel m;
    m.slot = slot;
    m.name = r.str(j, "name", w + ".name");
    m.path = r.str(j, "path", w + ".path");
    m.architecture = r.str(j, "architecture", w + ".architecture");
    m.fingerprint = r.str(j, "fingerprint", w + ".fingerprint");
    m.sourceFingerprint = r.str(j, "source_fingerprint", w + ".source_fingerprint");
    m.loraAdapter = r.str(j, "lora_adapter", w + ".lora_adapter");
    m.computeDtype = r.str(j, "compute_dtype", w + ".compute_dtype");
    m.parameters = r.bytes(j, "parameters", w + ".parameters");
    m.weightBytes = r.bytes(j, "weight_bytes", w + ".weight_bytes");
    m.fileBytes = r.bytes(j, "file_bytes", w + ".file_bytes");
    m.loadSeconds = r.num(j, "load_seconds", w + ".load_seconds");
    if (const json* q = r.object(j, "quantization", w + ".quantization")) {
        QuantSettings s;
        s.method = r.str(*q, "method", w + ".quantization.method");
        s.bits = r.int32(*q, "bits", w + ".quantization.bits");
        s.groupSize = r.int32(*q, "group_size", w + ".quantization.group_size");
        s.zeroPoint = r.boolean(*q, "zero_point", w + ".quantization.zero_point");
        s.version = r.str(*q, "version", w + ".quantization.version");
        m.quantization = s;
    }
    if (const json* mem = r.object(j, "memory", w + ".memory")) {
        ModelMemory mm;
        mm.weightsBytes = r.bytes(*mem, "weights_bytes", w + ".memory.weights_bytes");
        mm.kvCacheBytesPerToken = r.bytes(*mem, "kv_cache_bytes_per_token", w + ".memory.kv_cache_bytes_per_token");
        if (const json* fit = r.child(*mem, "fit")) {
            if (!fit->is_array()) r.fail(w + ".memory.fit", "should be a list");
            for (std::size_t i = 0; i < fit->size(); ++i) {
                const std::string fw = w + ".memory.fit[" + std::to_string(i) + "]";
                const json& f = (*fit)[i];
                if (!f.is_object()) r.fail(fw, "should be an object");
                MemoryFit mf;
                mf.gpuGib = r.num(f, "gpu_gib", fw + ".gpu_gib").value_or(0);
                mf.fits = r.boolean(f, "fits", fw + ".fits").value_or(false);
                mf.maxContextTokens = r.integer(f, "max_context_tokens", fw + ".max_context_tokens");
                mm.fit.push_back(mf);
            }
        }
        m.memory = mm;
    }
    return m;
}

std::string displayValue(const json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return "-";
    return v.dump();
}

Battery readBattery(const Reader& r, const json& j) {
    Battery b;
    b.name = r.str(j, "name", "battery.name");
    b.source = r.str(j, "source", "battery.source");
    if (const json* tests = r.child(j, "tests")) {
        if (!tests->is_array()) r.fail("battery.tests", "should be a list");
        for (std::size_t i = 0; i < tests->size(); ++i) {
            const std::string w = "battery.tests[" + std::to_string(i) + "]";
            const json& t = (*tests)[i];
            if (!t.is_object()) r.fail(w, "should be an object");
            BatteryTest bt;
            bt.id = r.str(t, "id", w + ".id");
            bt.category = r.str(t, "category", w + ".category");
            bt.prompt = r.str(t, "prompt", w + ".prompt");
            if (r.child(t, "reference")) bt.reference = r.str(t, "reference", w + ".reference");
            if (const json* res = r.object(t, "results", w + ".results")) {
                for (const auto& slot : slotKeys(*res)) {
                    const std::string rw = w + ".results." + slot;
                    const json* x = r.object(*res, slot, rw);
                    if (!x) continue;
                    TestResult tr;
                    tr.text = r.str(*x, "text", rw + ".text");
                    tr.finish = r.str(*x, "finish", rw + ".finish");
                    tr.notes = r.str(*x, "notes", rw + ".notes");
                    tr.outputTokens = r.integer(*x, "output_tokens", rw + ".output_tokens");
                    tr.seconds = r.num(*x, "seconds", rw + ".seconds");
                    tr.ttftMs = r.num(*x, "ttft_ms", rw + ".ttft_ms");
                    tr.tpotMs = r.num(*x, "tpot_ms", rw + ".tpot_ms");
                    tr.loopDetected = r.boolean(*x, "loop_detected", rw + ".loop_detected");
                    tr.substantive = r.boolean(*x, "substantive", rw + ".substantive");
                    tr.exactMatch = r.boolean(*x, "exact_match", rw + ".exact_match");
                    bt.results[slot] = tr;
                }
            }
            b.tests.push_back(std::move(bt));
        }
    }
    if (const json* totals = r.object(j, "totals", "battery.totals")) {
        for (const auto& slot : slotKeys(*totals)) {
            const std::string w = "battery.totals." + slot;
            const json* t = r.object(*totals, slot, w);
            if (!t) continue;
            BatteryTotals bt;
            bt.tests = r.int32(*t, "tests", w + ".tests");
            bt.totalSeconds = r.num(*t, "total_seconds", w + ".total_seconds");
            bt.avgSeconds = r.num(*t, "avg_seconds", w + ".avg_seconds");
            bt.loopDetections = r.int32(*t, "loop_detections", w + ".loop_detections");
            bt.substantive = r.int32(*t, "substantive", w + ".substantive");
            bt.withReference = r.int32(*t, "with_reference", w + ".with_reference");
            bt.exactMatches = r.int32(*t, "exact_matches", w + ".exact_matches");
            b.totals[slot] = bt;
        }
    }
    // Older or partial documents may carry only the tests: the totals follow from them.
    std::vector<std::string> slots;
    for (const auto& t : b.tests)
        for (const auto& [slot, _] : t.results)
            if (std::find(slots.begin(), slots.end(), slot) == slots.end()) slots.push_back(slot);
    for (const auto& slot : slots) {
        if (b.totals.count(slot)) continue;
        BatteryTotals bt;
        int n = 0, loops = 0, subst = 0, withRef = 0, exact = 0;
        double total = 0;
        for (const auto& t : b.tests) {
            auto it = t.results.find(slot);
            if (it == t.results.end()) continue;
            const auto& x = it->second;
            ++n;
            total += x.seconds.value_or(0);
            loops += x.loopDetected.value_or(false) ? 1 : 0;
            subst += x.substantive.value_or(false) ? 1 : 0;
            if (t.reference) ++withRef;
            exact += x.exactMatch.value_or(false) ? 1 : 0;
        }
        bt.tests = n;
        bt.totalSeconds = total;
        bt.avgSeconds = n ? total / n : 0;
        bt.loopDetections = loops;
        bt.substantive = subst;
        bt.withReference = withRef;
        bt.exactMatches = exact;
        b.totals[slot] = bt;
    }
    return b;
}

SpeedStats readSpeed(const Reader& r, const json& j, const std::string& w) {
    SpeedStats s;
    s.requests = r.integer(j, "requests", w + ".requests");
    s.outputTokens = r.integer(j, "output_tokens", w + ".output_tokens");
    s.outputTokensPerS = r.num(j, "output_tokens_per_s", w + ".output_tokens_per_s");
    s.ttftMs = r.percentiles(j, "ttft_ms", w + ".ttft_ms");
    s.tpotMs = r.percentiles(j, "tpot_ms", w + ".tpot_ms");
    s.itlMs = r.percentiles(j, "itl_ms", w + ".itl_ms");
    s.e2eMs = r.percentiles(j, "e2e_ms", w + ".e2e_ms");
    s.peakMemoryBytes = r.bytes(j, "peak_memory_bytes", w + ".peak_memory_bytes");
    return s;
}

Quality readQuality(const Reader& r, const json& j) {
    Quality q;
    q.text = r.str(j, "text", "quality.text");
    q.ctx = r.int32(j, "ctx", "quality.ctx");
    q.stride = r.int32(j, "stride", "quality.stride");
    q.windows = r.int32(j, "windows", "quality.windows");
    for (const auto& slot : slotKeys(j)) {
        const std::string w = "quality." + slot;
        const json* x = r.object(j, slot, w);
        if (!x) continue;
        QualityResult res;
        res.perplexity = r.num(*x, "perplexity", w + ".perplexity");
        res.tokens = r.integer(*x, "tokens", w + ".tokens");
        res.kldVsA = r.num(*x, "kld_vs_a", w + ".kld_vs_a");
        res.top1VsA = r.num(*x, "top1_vs_a", w + ".top1_vs_a");
        q.results[slot] = res;
    }
    return q;
}

Sweep readSweep(const Reader& r, const json& j) {
    Sweep s;
    s.maxNewTokens = r.int32(j, "max_new_tokens", "sweep.max_new_tokens");
    s.prompt = r.str(j, "prompt", "sweep.prompt");
    s.sloP95Ms = r.num(j, "slo_p95_ms", "sweep.slo_p95_ms");
    s.gpuHourlyUsd = r.num(j, "gpu_hourly_usd", "sweep.gpu_hourly_usd");
    for (const auto& slot : slotKeys(j)) {
        const std::string w = "sweep." + slot;
        const json* x = r.object(j, slot, w);
        if (!x) continue;
        SweepModel m;
        if (const json* pts = r.child(*x, "points")) {
            if (!pts->is_array()) r.fail(w + ".points", "should be a list");
            for (std::size_t i = 0; i < pts->size(); ++i) {
                const std::string pw = w + ".points[" + std::to_string(i) + "]";
                const json& p = (*pts)[i];
                if (!p.is_object()) r.fail(pw, "should be an object");
                SweepPoint sp;
                sp.concurrency = r.int32(p, "concurrency", pw + ".concurrency").value_or(0);
                if (sp.concurrency <= 0) r.fail(pw + ".concurrency", "should be a positive number");
                sp.outputTokensPerS = r.num(p, "output_tokens_per_s", pw + ".output_tokens_per_s");
                sp.requests = r.integer(p, "requests", pw + ".requests");
                sp.latencyMs = r.percentiles(p, "latency_ms", pw + ".latency_ms");
                sp.ttftMs = r.percentiles(p, "ttft_ms", pw + ".ttft_ms");
                m.points.push_back(sp);
            }
        }
        std::sort(m.points.begin(), m.points.end(), [](const auto& a, const auto& b) { return a.concurrency < b.concurrency; });
        m.kneeConcurrency = r.int32(*x, "knee_concurrency", w + ".knee_concurrency");
        m.maxConcurrencyUnderSlo = r.int32(*x, "max_concurrency_under_slo", w + ".max_concurrency_under_slo");
        m.costPerMillionTokensUsd = r.num(*x, "cost_per_million_tokens_usd", w + ".cost_per_million_tokens_usd");
        s.models[slot] = std::move(m);
    }
    return s;
}

constexpr const char* kCategoryKeys[4] = {"GEMM/GEMV", "attention", "norms", "other"};

Timeline readTimeline(const Reader& r, const json& j) {
    Timeline t;
    t.prompt = r.str(j, "prompt", "timeline.prompt");
    t.verdict = r.str(j, "verdict", "timeline.verdict");
    t.promptTokens = r.int32(j, "prompt_tokens", "timeline.prompt_tokens");
    t.steps = r.int32(j, "steps", "timeline.steps");
    t.batch = r.int32(j, "batch", "timeline.batch");
    for (const auto& slot : slotKeys(j)) {
        const std::string w = "timeline." + slot;
        const json* x = r.object(j, slot, w);
        if (!x) continue;
        TimelineModel m;
        m.device = r.str(*x, "device", w + ".device");
        m.recorded = r.str(*x, "recorded", w + ".recorded");
        m.traceFile = r.str(*x, "trace_file", w + ".trace_file");
        m.steps = r.int32(*x, "steps", w + ".steps");
        m.stepUs = r.num(*x, "step_us", w + ".step_us");
        m.busyUs = r.num(*x, "busy_us", w + ".busy_us");
        m.idleUs = r.num(*x, "idle_us", w + ".idle_us");
        if (const json* c = r.object(*x, "category_us", w + ".category_us"))
            for (int i = 0; i < 4; ++i) m.categoryUs[i] = r.num(*c, kCategoryKeys[i], w + ".category_us." + kCategoryKeys[i]);
        if (const json* top = r.child(*x, "top")) {
            if (!top->is_array()) r.fail(w + ".top", "should be a list");
            for (std::size_t i = 0; i < top->size(); ++i) {
                const std::string kw = w + ".top[" + std::to_string(i) + "]";
                const json& k = (*top)[i];
                if (!k.is_object()) r.fail(kw, "should be an object");
                m.top.push_back({r.str(k, "name", kw + ".name"), r.str(k, "category", kw + ".category"),
                                 r.num(k, "calls_per_step", kw + ".calls_per_step"), r.num(k, "us_per_step", kw + ".us_per_step")});
            }
        }
        m.weightBytesPerStep = r.bytes(*x, "weight_bytes_per_step", w + ".weight_bytes_per_step");
        m.matmulFlopsPerStep = r.num(*x, "matmul_flops_per_step", w + ".matmul_flops_per_step");
        if (const json* c = r.object(*x, "ceilings", w + ".ceilings"))
            m.ceilings = TimelineCeilings{r.str(*c, "device", w + ".ceilings.device"), r.str(*c, "dtype", w + ".ceilings.dtype"),
                                          r.num(*c, "read_gb_s", w + ".ceilings.read_gb_s"),
                                          r.num(*c, "compute_gflop_s", w + ".ceilings.compute_gflop_s")};
        t.models[slot] = std::move(m);
    }
    return t;
}

}  // namespace

const RunModel* RunDocument::model(const std::string& slot) const {
    for (const auto& m : models)
        if (m.slot == slot) return &m;
    return nullptr;
}

std::string RunDocument::modelName(const std::string& slot) const {
    const RunModel* m = model(slot);
    return m && !m->name.empty() ? m->name : "model " + slot;
}

std::vector<std::string> RunDocument::slots() const {
    std::vector<std::string> out;
    auto add = [&](const std::string& s) {
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
    };
    for (const auto& m : models) add(m.slot);
    for (const auto& [s, _] : speed) add(s);
    if (battery)
        for (const auto& [s, _] : battery->totals) add(s);
    if (quality)
        for (const auto& [s, _] : quality->results) add(s);
    if (sweep)
        for (const auto& [s, _] : sweep->models) add(s);
    if (timeline)
        for (const auto& [s, _] : timeline->models) add(s);
    std::sort(out.begin(), out.end());
    return out;
}

RunDocument parseRunDocument(const std::string& text, const fs::path& file) {
    const json j = parseJson(text, {file, "the file is damaged or was cut short: export the run again"});
    const Reader r(file);
    if (!j.is_object()) r.fail("(document)", "should be a JSON object");
    const std::string format = r.child(j, "format") && j["format"].is_string() ? j["format"].get<std::string>() : "";
    if (format != kRunFormat)
        throw Error("not a saved run: `format` is " + (format.empty() ? std::string("missing") : "\"" + format + "\"") +
                        ", expected \"" + kRunFormat + "\"",
                    file, "pick a RUN.json saved by the Compare page, `awqbench-cli compare` or `awqbench-cli sweep`");
    const auto version = r.integer(j, "version", "version");
    if (!version) r.fail("version", "is missing");
    if (*version < 1 || *version > kRunFormatVersion)
        throw Error("run document version " + std::to_string(*version) + " is not supported (this build reads version " +
                        std::to_string(kRunFormatVersion) + ")",
                    file, "update AWQ Workbench to read newer run documents");

    RunDocument d;
    d.file = file;
    d.version = static_cast<int>(*version);
    d.kind = r.str(j, "kind", "kind");
    d.created = r.str(j, "created", "created");
    d.toolVersion = r.str(j, "tool_version", "tool_version");
    if (const json* h = r.object(j, "host", "host")) {
        Host host;
        host.device = r.str(*h, "device", "host.device");
        host.gpuName = r.str(*h, "gpu_name", "host.gpu_name");
        host.gpuTotalBytes = r.bytes(*h, "gpu_total_bytes", "host.gpu_total_bytes");
        d.host = host;
    }
    if (const json* models = r.object(j, "models", "models"))
        for (const auto& slot : slotKeys(*models))
            if (const json* m = r.object(*models, slot, "models." + slot)) d.models.push_back(readModel(r, *m, slot));
    if (const json* s = r.object(j, "settings", "settings"))
        for (auto it = s->begin(); it != s->end(); ++it) d.settings.emplace_back(it.key(), displayValue(it.value()));
    if (const json* b = r.object(j, "battery", "battery")) d.battery = readBattery(r, *b);
    if (const json* s = r.object(j, "speed", "speed"))
        for (const auto& slot : slotKeys(*s))
            if (const json* x = r.object(*s, slot, "speed." + slot)) d.speed[slot] = readSpeed(r, *x, "speed." + slot);
    if (const json* q = r.object(j, "quality", "quality")) d.quality = readQuality(r, *q);
    if (const json* s = r.object(j, "sweep", "sweep")) d.sweep = readSweep(r, *s);
    if (const json* a = r.object(j, "arena", "arena")) {
        Arena arena;
        if (const json* t = r.object(*a, "totals", "arena.totals")) {
            arena.aBetter = int(r.integer(*t, "a_better", "arena.totals.a_better").value_or(0));
            arena.bBetter = int(r.integer(*t, "b_better", "arena.totals.b_better").value_or(0));
            arena.tie = int(r.integer(*t, "tie", "arena.totals.tie").value_or(0));
            arena.bothBad = int(r.integer(*t, "both_bad", "arena.totals.both_bad").value_or(0));
        }
        if (const auto list = a->find("conversations"); list != a->end()) {
            if (!list->is_array()) r.fail("arena.conversations", "should be a list");
            arena.conversations = int(list->size());
        }
        d.arena = arena;
    }
    if (const json* t = r.object(j, "timeline", "timeline")) d.timeline = readTimeline(r, *t);
    if (const auto n = j.find("notes"); n != j.end()) {
        if (!n->is_array()) r.fail("notes", "should be a list");
        for (const auto& note : *n)
            if (note.is_string()) d.notes.push_back(note.get<std::string>());
    }
    d.normalizedJson = j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
    return d;
}

RunDocument loadRunDocument(const fs::path& file) {
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) throw Error("no such run document", file, "check the path to the RUN.json");
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read the run document", file, "check the file's permissions");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parseRunDocument(ss.str(), file);
}

}  // namespace awq::report
