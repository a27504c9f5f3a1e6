#include "core/report/report_content.h"

#include "core/report/decode_roofline.h"
#include "core/run/battery_scope.h"
#include "core/run/sweep_words.h"
#include "core/util/format.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>

namespace awq::report {

namespace fmt {
std::string fixed(double v, int decimals) {
    return ::fmt::format("{:.{}f}", v, decimals);
}
std::string ms(double v) { return fixed(v, 1); }
std::string percent(double fraction, int decimals) { return fixed(fraction * 100.0, decimals) + "%"; }
std::string usd(double v) { return "$" + fixed(v, 2); }
std::string signedPercent(double change) { return (change >= 0 ? "+" : "") + fixed(change * 100.0, 1) + "%"; }
}  // namespace fmt

namespace {

constexpr std::size_t kMaxOutputChars = 1200;  // per answer in the side-by-side table; JSON keeps all
const std::string kDash = "-";

std::string withThousands(std::int64_t v) {
    std::string digits = std::to_string(v < 0 ? -v : v);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return v < 0 ? "-" + out : out;
}

template <typename T, typename F>
std::string opt(const std::optional<T>& v, F&& f) {
    return v ? f(*v) : kDash;
}

std::string seconds(double s) { return fmt::fixed(s, 2) + " s"; }

// An endpoint's figures that are its server's (sizes, load time, memory, compute dtype): never a 0.
const std::string kUnknownAtEndpoint = "unknown (endpoint)";
// A latency nothing measured (TPOT / ITL when every answer was one token long): never shown as 0.
const std::string kNotMeasured = "n/a";

std::string quantLabel(const RunModel& m) {
    // The compute dtype has its own row; next to "none" it read as the stored dtype ("none (float32)"
    // for a bfloat16 model computed in float32 on CPU).
    if (!m.quantizationKnown()) return "unknown (the endpoint does not report it)";
    const std::string reported = m.isEndpoint() ? " (as the server reports)" : "";
    if (!m.quantization) return "none" + reported;
    const auto& q = *m.quantization;
    const auto upper = [](std::string s) {
        for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return s;
    };
    // Led by how it was made where the model's record says so: config.json says "awq" for our RTN
    // model too (AWQ's layout), which read as AWQ calibration. As `models show` words it.
    const bool otherLayout = !q.madeWith.empty() && !q.method.empty() && q.madeWith != q.method;
    std::string s = upper(!q.madeWith.empty() ? q.madeWith : q.method.empty() ? "quantized" : q.method);
    if (q.bits) s += " " + std::to_string(q.bits) + "-bit";
    if (q.groupSize) s += ", group " + std::to_string(q.groupSize);
    s += q.zeroPoint ? ", zero point" : ", symmetric";
    if (!q.version.empty()) s += ", " + q.version;
    if (otherLayout) s += " (" + upper(q.method) + " layout)";
    return s + reported;
}

std::string shortFingerprint(const std::string& fp) { return fp.size() > 12 ? fp.substr(0, 12) + "..." : fp; }

std::string headerFor(const RunDocument& d, const std::string& slot) { return slot + ": " + d.modelName(slot); }

// B relative to A, e.g. "-16.3%"; empty when either side is missing or A is zero.
std::string change(std::optional<double> a, std::optional<double> b) {
    if (!a || !b || *a == 0) return "";
    return fmt::signedPercent((*b - *a) / *a);
}

ReportBlock heading(std::string text, int level = 2, std::string anchor = {}) {
    ReportBlock b;
    b.type = ReportBlock::Type::Heading;
    b.text = std::move(text);
    b.level = level;
    b.anchor = std::move(anchor);
    return b;
}

ReportBlock paragraph(std::string text, std::string link = {}) {
    ReportBlock b;
    b.type = ReportBlock::Type::Paragraph;
    b.text = std::move(text);
    b.link = std::move(link);
    return b;
}

ReportBlock warning(std::string text, std::string link = {}) {
    ReportBlock b = paragraph(std::move(text), std::move(link));
    b.type = ReportBlock::Type::Warning;
    return b;
}

ReportBlock table(ReportTable t) {
    ReportBlock b;
    b.type = ReportBlock::Type::Table;
    b.table = std::move(t);
    return b;
}

ReportBlock chart(ChartKind k) {
    ReportBlock b;
    b.type = ReportBlock::Type::Chart;
    b.chart = k;
    return b;
}

// A "metric | A | B | B vs A" table, the shape most sections use.
class SideBySide {
public:
    SideBySide(const RunDocument& d, std::vector<std::string> slots, std::string first = "Metric")
        : slots_(std::move(slots)) {
        t_.header.push_back(std::move(first));
        for (const auto& s : slots_) t_.header.push_back(headerFor(d, s));
        if (slots_.size() == 2) t_.header.push_back(slots_[1] + " vs " + slots_[0]);
        t_.rightAligned.assign(t_.header.size(), true);
        t_.rightAligned[0] = false;
    }

    // `value(slot)` gives the number (absent: "-"), `show` formats it. `unknown(slot)`, when given and
    // it returns a text, replaces that slot's number (an endpoint's weights are not 0 but unknown):
    // the cell shows the text and the row shows no change against it.
    void add(const std::string& label, const std::function<std::optional<double>(const std::string&)>& value,
             const std::function<std::string(double)>& show, bool withChange = true,
             const std::function<std::optional<std::string>(const std::string&)>& unknown = {}) {
        std::vector<std::string> row{label};
        std::vector<std::optional<double>> values;
        bool any = false;
        for (const auto& s : slots_) {
            if (const auto text = unknown ? unknown(s) : std::nullopt) {
                values.emplace_back();
                any = true;
                row.push_back(*text);
                continue;
            }
            values.push_back(value(s));
            any = any || values.back().has_value();
            row.push_back(values.back() ? show(*values.back()) : kDash);
        }
        if (!any) return;
        if (slots_.size() == 2) row.push_back(withChange ? change(values[0], values[1]) : "");
        t_.rows.push_back(std::move(row));
    }

    void addText(const std::string& label, const std::function<std::string(const std::string&)>& value) {
        std::vector<std::string> row{label};
        bool any = false;
        for (const auto& s : slots_) {
            row.push_back(value(s));
            any = any || (row.back() != kDash && !row.back().empty());
        }
        if (!any) return;
        if (slots_.size() == 2) row.push_back("");
        t_.rows.push_back(std::move(row));
    }

    bool empty() const { return t_.rows.empty(); }
    ReportTable take() { return std::move(t_); }

private:
    std::vector<std::string> slots_;
    ReportTable t_;
};

std::string truncated(const std::string& text) {
    if (text.size() <= kMaxOutputChars) return text;
    std::size_t cut = kMaxOutputChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    return text.substr(0, cut) + " [... " + std::to_string(text.size() - cut) + " more bytes in the JSON]";
}

// "unknown (endpoint)" for a slot whose model is an endpoint: its server's figures are not known here.
std::function<std::optional<std::string>(const std::string&)> unknownAtEndpoint(const RunDocument& d) {
    return [&d](const std::string& slot) -> std::optional<std::string> {
        const RunModel* m = d.model(slot);
        return m && m->isEndpoint() ? std::optional(kUnknownAtEndpoint) : std::nullopt;
    };
}

std::string atEndpoint(const std::string& url) { return "the endpoint " + url + " (on the server's hardware, not recorded here)"; }

// The device every speed and cost figure was measured on, as the report names it: "NVIDIA H100
// 80GB HBM3 (cuda:0)", "the CPU", "the endpoint URL (on the server's hardware ...)" for a run of
// endpoints only, or "an unrecorded device" for a document without a host.
std::string measuredOn(const RunDocument& d) {
    if (!d.host || d.host->device.empty()) return "an unrecorded device";
    if (isEndpointPath(d.host->device)) return atEndpoint(d.host->device);
    if (d.host->device.rfind("cuda", 0) == 0) return (d.host->gpuName.empty() ? std::string("a GPU") : d.host->gpuName) + " (" + d.host->device + ")";
    return d.host->device == "cpu" ? std::string("the CPU") : d.host->device;
}

// Where one slot's speed was measured: an endpoint's at its server, a model folder's on this run's host.
std::string measuredOn(const RunDocument& d, const std::string& slot) {
    const RunModel* m = d.model(slot);
    return m && m->isEndpoint() ? atEndpoint(m->path) : measuredOn(d);
}

// Where the figures of `slots` were measured: one device for all ("the CPU"), or each slot's
// ("A at the endpoint URL (...), B on the CPU") when an endpoint takes part.
bool oneDevice(const RunDocument& d, const std::vector<std::string>& slots) {
    return std::all_of(slots.begin(), slots.end(), [&](const std::string& s) { return measuredOn(d, s) == measuredOn(d, slots.front()); });
}

std::string measuredOnEach(const RunDocument& d, const std::vector<std::string>& slots) {
    const auto placed = [](const std::string& where) { return (where.starts_with("the endpoint") ? "at " : "on ") + where; };
    if (slots.empty()) return placed(measuredOn(d));
    if (oneDevice(d, slots)) return placed(measuredOn(d, slots.front()));
    std::string out;
    for (std::size_t i = 0; i < slots.size(); ++i) out += (i ? ", " : "") + slots[i] + " " + placed(measuredOn(d, slots[i]));
    return out;
}

// Whether any slot's model is an endpoint.
bool anyEndpoint(const RunDocument& d) {
    return std::any_of(d.models.begin(), d.models.end(), [](const auto& m) { return m.second.isEndpoint(); });
}

void addOverview(const RunDocument& d, ReportContent& c) {
    std::string line = "Saved run";
    if (!d.kind.empty()) line = (d.kind == "sweep" ? "Concurrency sweep" : d.kind == "compare" ? "Side-by-side comparison" : d.kind) + std::string(" run");
    if (!d.created.empty()) line += " of " + d.created;
    if (!d.toolVersion.empty()) line += ", AWQ Workbench " + d.toolVersion;
    line += ".";
    if (d.host && isEndpointPath(d.host->device)) {
        line += " Measured at " + atEndpoint(d.host->device) + ".";
    } else if (d.host) {
        std::string host = " Host: " + (d.host->device.empty() ? std::string("unknown device") : d.host->device);
        if (!d.host->gpuName.empty()) host += ", " + d.host->gpuName;
        if (d.host->gpuTotalBytes) host += " (" + format::gib(d.host->gpuTotalBytes) + ")";
        if (!d.host->cpuName.empty()) host += ", " + d.host->cpuName;
        if (d.host->cpuThreads > 0) host += ", " + format::counted(std::uint64_t(d.host->cpuThreads), "thread");
        line += host + ".";
    }
    c.blocks.push_back(paragraph(line));
    if (d.cancelled)
        c.blocks.push_back(paragraph(std::string(d.stoppedReason.empty() ? "Stopped before it finished (cancelled)" : "Stopped before it finished (" + d.stoppedReason + ")") + ": what follows covers only the parts that completed; "
                                     "tests, windows and levels that did not run are left out, not counted."));
    for (const auto& note : d.notes) c.blocks.push_back(paragraph("Not measured: " + note));
    if (!d.file.empty()) c.blocks.push_back(paragraph("Run document: " + d.file.string()));
}

void addModels(const RunDocument& d, ReportContent& c) {
    if (d.models.empty()) return;
    std::vector<std::string> slots;
    for (const auto& [slot, _] : d.models) slots.push_back(slot);
    c.blocks.push_back(heading("Models", 2, "models"));
    SideBySide t(d, slots, "");
    auto text = [&](std::function<std::string(const RunModel&)> f) {
        return [&d, f](const std::string& s) {
            const RunModel* m = d.model(s);
            return m ? f(*m) : kDash;
        };
    };
    auto num = [&](std::function<std::optional<double>(const RunModel&)> f) {
        return [&d, f](const std::string& s) -> std::optional<double> {
            const RunModel* m = d.model(s);
            return m ? f(*m) : std::nullopt;
        };
    };
    // An endpoint's identity beyond its URL and served name is its server's: "unknown (endpoint)", not 0.
    const auto unknown = unknownAtEndpoint(d);
    const auto orUnknown = [](const RunModel& m, const std::string& v) { return !v.empty() ? v : m.isEndpoint() ? kUnknownAtEndpoint : kDash; };
    t.addText("Architecture", text([&](const RunModel& m) { return orUnknown(m, m.architecture); }));
    t.add("Parameters", num([&](const RunModel& m) { return double(m.parameters); }),
          [](double v) { return format::count(std::uint64_t(v)); }, false, unknown);
    // What the engine held in memory, in its compute dtype (on a CPU an AWQ model is dequantized at load).
    t.add("Weights held by the engine (compute dtype below)", num([&](const RunModel& m) { return double(m.weightBytes); }),
          [](double v) { return format::bytes(std::uint64_t(v)); }, true, unknown);
    t.add("Files on disk", num([&](const RunModel& m) { return double(m.fileBytes); }),
          [](double v) { return format::bytes(std::uint64_t(v)); }, true, unknown);
    t.addText("Quantization", text([](const RunModel& m) { return quantLabel(m); }));
    if (std::any_of(d.models.begin(), d.models.end(), [](const auto& m) { return m.second.loraAdapter.has_value(); }))
        t.addText("LoRA adapter", text([](const RunModel& m) { return m.loraAdapter.value_or(kDash); }));
    t.addText("Compute dtype", text([&](const RunModel& m) { return orUnknown(m, m.computeDtype); }));
    t.add("Load time", num([](const RunModel& m) { return m.loadSeconds; }), seconds, false, unknown);
    t.addText("Path", text([](const RunModel& m) { return m.path.empty() ? kDash : m.path; }));
    c.blocks.push_back(table(t.take()));
    for (const auto& [slot, m] : d.models)
        if (m.isEndpoint())
            c.blocks.push_back(paragraph(headerFor(d, slot) + " is the endpoint " + m.path + ", measured over HTTP: its parameters, "
                                         "weights, files, load time, compute dtype and memory are the server's and unknown here" +
                                         (m.quantizationKnown() ? std::string() : ", and so is its quantization (the server does not report it)") +
                                         "; its speed was measured at the endpoint, on the server's hardware."));

    // Identity: full fingerprints, and whether a quantized model was made from the other one.
    c.blocks.push_back(heading("Fingerprints", 3, "fingerprints"));
    ReportTable fp;
    fp.header = {"Model", "Fingerprint (SHA-256 of the tensors)", "Source fingerprint (quantized from)"};
    fp.monospace = true;
    for (const auto& [slot, m] : d.models)
        fp.rows.push_back({headerFor(d, slot), !m.fingerprint.empty() ? m.fingerprint : m.isEndpoint() ? kUnknownAtEndpoint : kDash,
                           m.sourceFingerprint.value_or("").empty() ? kDash : *m.sourceFingerprint});
    c.blocks.push_back(table(std::move(fp)));
    for (const auto& [slot, m] : d.models) {
        const std::string sourceFp = m.sourceFingerprint.value_or("");
        if (sourceFp.empty()) continue;
        const std::string* source = nullptr;  // the slot it was quantized from
        for (const auto& [otherSlot, other] : d.models)
            if (otherSlot != slot && quantizedFrom(m, other)) source = &otherSlot;
        if (source) {
            c.blocks.push_back(paragraph(headerFor(d, slot) + " was quantized from " + headerFor(d, *source) +
                                             ": its recorded source fingerprint " + shortFingerprint(sourceFp) +
                                             " matches " + *source + "'s fingerprint.",
                                         "fingerprints"));
            continue;
        }
        const std::pair<const std::string, RunModel>* unquantized = nullptr;
        for (const auto& other : d.models)  // known to be unquantized, with a fingerprint to hold against (not an endpoint)
            if (other.first != slot && !other.second.quantization && !other.second.isEndpoint() && !other.second.fingerprint.empty())
                unquantized = &other;
        if (unquantized)
            c.blocks.push_back(warning(headerFor(d, slot) + " records source fingerprint " + shortFingerprint(sourceFp) +
                                           ", which differs from " + headerFor(d, unquantized->first) + "'s fingerprint " +
                                           shortFingerprint(unquantized->second.fingerprint) +
                                           ": it was not quantized from that model, so the comparison is not like for like.",
                                       "fingerprints"));
        else
            c.blocks.push_back(paragraph(headerFor(d, slot) + " was quantized from a model with fingerprint " +
                                             shortFingerprint(sourceFp) + " (not part of this run).",
                                         "fingerprints"));
    }
}

// The settings as the document spells them, by key name: `"cuda"` shows as cuda, 1.0 as 1.0. A
// greedy run's sampling settings did nothing: they say so instead of a value (a "temperature 1.0"
// beside "greedy true" read as a contradiction).
std::vector<std::pair<std::string, std::string>> settingRows(const RunSettings& s) {
    const auto number = [](auto v) { return nlohmann::json(v).dump(); };  // JSON's spelling, as in the file
    const auto sampling = [&](auto v) { return s.greedy ? std::string("unused (greedy)") : number(v); };
    return {{"device", s.device},
            {"dtype", s.dtype},
            {"greedy", s.greedy ? "true" : "false"},
            {"max_new_tokens", number(s.maxNewTokens)},
            {"repetition_penalty", number(s.repetitionPenalty)},
            {"seed", sampling(s.seed)},
            {"temperature", sampling(s.temperature)},
            {"top_k", sampling(s.topK)},
            {"top_p", sampling(s.topP)}};
}

void addSettings(const RunDocument& d, ReportContent& c) {
    if (!d.settings) return;
    c.blocks.push_back(heading("Generation settings", 2, "settings"));
    ReportTable t;
    t.header = {"Setting", "Value"};
    for (const auto& [k, v] : settingRows(*d.settings)) t.rows.push_back({k, v});
    c.blocks.push_back(table(std::move(t)));
}

void addMemory(const RunDocument& d, ReportContent& c) {
    // Every model once a model folder has memory figures (a hand-made document may have none); an
    // endpoint's are its server's, shown as unknown (older documents wrote 0 for them).
    std::vector<std::pair<std::string, const RunModel*>> withMemory;
    for (const auto& [slot, m] : d.models) withMemory.emplace_back(slot, &m);
    if (std::none_of(d.models.begin(), d.models.end(), [](const auto& m) {
            return !m.second.isEndpoint() && (m.second.memoryWeightsBytes || m.second.kvCacheBytesPerToken || !m.second.fit.empty());
        }))
        return;
    c.blocks.push_back(heading("Memory", 2, "memory"));
    c.blocks.push_back(paragraph("What serving each model on a GPU takes: its weights as stored (4-bit for AWQ) and an fp16 KV "
                                 "cache, whatever device this run measured on (the Models table's weights are the engine's copy in "
                                 "its compute dtype on that device)."));
    ReportTable t;
    t.header = {"Model", "Weights on a GPU", "KV cache per token", "KV cache per 1K tokens"};
    t.rightAligned = {false, true, true, true};
    for (const auto& [slot, m] : withMemory)
        t.rows.push_back(m->isEndpoint() ? std::vector<std::string>{headerFor(d, slot), kUnknownAtEndpoint, kUnknownAtEndpoint, kUnknownAtEndpoint}
                                         : std::vector<std::string>{headerFor(d, slot), format::bytes(m->memoryWeightsBytes),
                                                                    format::bytes(m->kvCacheBytesPerToken),
                                                                    format::bytes(m->kvCacheBytesPerToken * 1000)});
    c.blocks.push_back(table(std::move(t)));

    std::set<double> sizes;
    for (const auto& [_, m] : withMemory)
        for (const auto& f : m->fit) sizes.insert(f.gpuGib);
    if (sizes.empty()) return;
    ReportTable fit;
    fit.header = {"GPU memory"};
    for (const auto& [slot, _] : withMemory) fit.header.push_back(headerFor(d, slot));
    fit.rightAligned.assign(fit.header.size(), true);
    for (double gib : sizes) {
        std::vector<std::string> row{fmt::fixed(gib, gib == std::floor(gib) ? 0 : 1) + " GiB"};
        for (const auto& [_, m] : withMemory) {
            std::string cell = m->isEndpoint() ? kUnknownAtEndpoint : kDash;
            for (const auto& f : m->fit)
                if (f.gpuGib == gib)
                    cell = !f.fits ? "does not fit"
                           : f.maxContextTokens ? "fits, " + withThousands(f.maxContextTokens) + " tokens of KV cache"
                                                : "fits";
            row.push_back(cell);
        }
        fit.rows.push_back(std::move(row));
    }
    // The assumptions of the plan behind the figures (MemoryPlanInput's defaults in
    // core/system/memory_plan.h, as `models show` states them): without them "left after the weights"
    // read as the whole card less the weights.
    c.blocks.push_back(paragraph("Fit per GPU size: tokens of fp16 KV cache left after the weights, planned as vLLM does with "
                                 "--gpu-memory-utilization 0.9 and 1 GiB for the CUDA context, activations and allocator slack "
                                 "(a 16 GiB card: 0.9 x 16 GiB - 1 GiB - the weights):"));
    c.blocks.push_back(table(std::move(fit)));
    c.blocks.push_back(chart(ChartKind::MemoryFit));
}

void addSpeed(const RunDocument& d, ReportContent& c) {
    if (d.speed.empty()) return;
    std::vector<std::string> slots;
    for (const auto& [s, _] : d.speed) slots.push_back(s);
    c.blocks.push_back(heading("Speed", 2, "speed"));
    const bool endpoint = anyEndpoint(d);
    c.blocks.push_back(paragraph("Over the battery's generations" + std::string(oneDevice(d, slots) ? " " : ": ") + measuredOnEach(d, slots) +
                                 (endpoint ? std::string(" (each side's figures hold for its own device only, and an endpoint's include "
                                                         "the HTTP round trip: B vs A compares the two setups, not the models alone), ")
                                           : std::string(" (the figures hold for that device only), ")) +
                                 "with the metric names of vLLM's serving benchmark "
                                 "(TTFT: time to first token, TPOT: time per output token, ITL: inter-token latency, "
                                 "E2EL: end-to-end request latency)."));
    SideBySide t(d, slots);
    auto field = [&](std::function<std::optional<double>(const SpeedStats&)> f) {
        return [&d, f](const std::string& s) -> std::optional<double> {
            auto it = d.speed.find(s);
            return it == d.speed.end() ? std::nullopt : f(it->second);
        };
    };
    t.add("Successful requests", field([](const SpeedStats& s) { return double(s.requests); }),
          [](double v) { return withThousands(std::int64_t(v)); }, false);
    t.add("Total generated tokens", field([](const SpeedStats& s) { return double(s.outputTokens); }),
          [](double v) { return withThousands(std::int64_t(v)); }, false);
    t.add("Output token throughput (tok/s)", field([](const SpeedStats& s) { return s.outputTokensPerS; }),
          [](double v) { return fmt::fixed(v, 1); });
    // TPOT and ITL are null where nothing measured them (every answer one token long): n/a, not 0.
    using Getter = const LatencyStats* (*)(const SpeedStats&);
    const std::pair<const char*, Getter> metrics[] = {
        {"TTFT", [](const SpeedStats& s) -> const LatencyStats* { return &s.ttftMs; }},
        {"TPOT", [](const SpeedStats& s) -> const LatencyStats* { return s.tpotMs ? &*s.tpotMs : nullptr; }},
        {"ITL", [](const SpeedStats& s) -> const LatencyStats* { return s.itlMs ? &*s.itlMs : nullptr; }},
        {"E2EL", [](const SpeedStats& s) -> const LatencyStats* { return &s.e2eMs; }}};
    const auto notMeasured = [&d](Getter get) {
        return [&d, get](const std::string& s) -> std::optional<std::string> {
            const auto it = d.speed.find(s);
            if (it == d.speed.end() || get(it->second)) return std::nullopt;
            return std::string(kNotMeasured);
        };
    };
    for (const auto& [name, member] : metrics) {
        using Stat = double LatencyStats::*;
        const std::pair<const char*, Stat> stats[] = {
            {"Mean", &LatencyStats::mean}, {"P50", &LatencyStats::p50}, {"P95", &LatencyStats::p95}, {"P99", &LatencyStats::p99}};
        for (const auto& [statName, stat] : stats) {
            const Getter get = member;
            const Stat st = stat;
            t.add(std::string(statName) + " " + name + " (ms)",
                  field([get, st](const SpeedStats& s) -> std::optional<double> {
                      const LatencyStats* l = get(s);
                      return l ? std::optional<double>(l->*st) : std::nullopt;
                  }),
                  fmt::ms, true, notMeasured(get));
        }
    }
    // The engine reports its process's peak, and a comparison loads A and B into one process.
    // An endpoint's memory is its server's (unknown), and with one the process here loaded one model only.
    const bool gpu = d.host && d.host->device.rfind("cuda", 0) == 0;
    const std::string both = d.kind == "compare" && !endpoint ? " (A and B loaded)" : "";
    // One process-wide figure (its peak so far when each model's tests ended), not each model's own
    // memory: no "B vs A" change beside it, which read as B using that much more or less.
    t.add(gpu ? "Peak GPU memory allocated by the process" + both + ", not per model" : "Peak RSS of the process" + both + ", not per model",
          field([](const SpeedStats& s) { return double(s.peakMemoryBytes); }),
          [](double v) { return format::bytes(std::uint64_t(v)); }, false, unknownAtEndpoint(d));
    c.blocks.push_back(table(t.take()));
    if (std::any_of(d.speed.begin(), d.speed.end(), [](const auto& s) { return !s.second.tpotMs || !s.second.itlMs; }))
        c.blocks.push_back(paragraph("n/a: not measured. TPOT needs an answer of two tokens or more, ITL a gap between two streamed "
                                     "tokens; every answer of that model was one token long."));
}

std::string verdict(const TestResult& r, bool hasReference) {
    std::vector<std::string> parts;
    if (r.loopDetected) parts.push_back("LOOP");
    if (!r.substantive) parts.push_back("not substantive");
    if (hasReference && r.exactMatch) parts.push_back(*r.exactMatch ? "exact match" : "differs from reference");
    if (parts.empty()) parts.push_back("ok");
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : ", ") + p;
    if (r.outputTokens) s += " (" + std::to_string(r.outputTokens) + " tok" + (r.finish.empty() ? "" : ", " + r.finish) + ")";
    return s;
}

void addBattery(const RunDocument& d, ReportContent& c) {
    if (!d.battery) return;
    const BatteryRun& b = *d.battery;
    std::vector<std::string> slots;
    for (const auto& [s, _] : b.totals) slots.push_back(s);
    // A cancelled battery says so where its totals are read: they cover the tests every model finished.
    const std::string partial = partialBatteryNote(b, d.stoppedReason);
    const std::string count = partial.empty() ? format::counted(b.tests.size(), "test")
                                              : std::to_string(b.testsEverySideFinished()) + " of " + std::to_string(b.plannedTests) + " tests, partial";
    c.blocks.push_back(heading("Battery" + (b.name.empty() ? std::string() : ": " + b.name) + " (" + count + ")", 2, "battery"));
    if (!partial.empty()) c.blocks.push_back(warning("Partial run: " + partial + "."));
    if (!b.source.empty()) c.blocks.push_back(paragraph("Source: " + b.source + "."));
    if (b.warmupGenerations > 0)
        c.blocks.push_back(paragraph("Each model was warmed up with " + format::counted(std::uint64_t(b.warmupGenerations), "discarded generation") +
                                     " before its timed tests, so the first test does not pay for the cold start."));

    // The totals, as the team in the seeds compared their 4B and 8B models.
    SideBySide t(d, slots);
    auto total = [&](std::function<std::optional<double>(const BatteryTotals&)> f) {
        return [&b, f](const std::string& s) -> std::optional<double> {
            auto it = b.totals.find(s);
            return it == b.totals.end() ? std::nullopt : f(it->second);
        };
    };
    t.add("Total time", total([](const BatteryTotals& x) { return x.totalSeconds; }), seconds);
    t.add("Avg per test", total([](const BatteryTotals& x) { return x.avgSeconds; }), seconds);
    auto outOf = [&](const std::string& label, std::function<std::optional<int>(const BatteryTotals&)> part,
                     std::function<std::optional<int>(const BatteryTotals&)> whole) {
        t.addText(label, [&b, part, whole](const std::string& s) {
            auto it = b.totals.find(s);
            if (it == b.totals.end() || !part(it->second)) return kDash;
            const auto w = whole(it->second);
            return std::to_string(*part(it->second)) + (w ? "/" + std::to_string(*w) : std::string());
        });
    };
    outOf("Loop detections", [](const BatteryTotals& x) { return x.loopDetections; }, [](const BatteryTotals& x) { return x.tests; });
    outOf("Substantive responses", [](const BatteryTotals& x) { return x.substantive; }, [](const BatteryTotals& x) { return x.tests; });
    outOf("Exact matches (tests with a reference)", [](const BatteryTotals& x) { return x.exactMatches; },
          [](const BatteryTotals& x) { return x.withReference; });
    c.blocks.push_back(table(t.take()));
    if (b.tests.empty()) return;
    c.blocks.push_back(chart(ChartKind::BatteryTimes));

    ReportTable per;
    per.header = {"#", "Test", "Category"};
    for (const auto& s : slots) {
        per.header.push_back(s + " time");
        per.header.push_back(s + " result");
    }
    per.header.push_back("Failure notes");
    per.rightAligned.assign(per.header.size(), false);
    per.rightAligned[0] = true;
    for (std::size_t i = 0; i < slots.size(); ++i) per.rightAligned[3 + 2 * i] = true;
    for (std::size_t i = 0; i < b.tests.size(); ++i) {
        const auto& test = b.tests[i];
        std::vector<std::string> row{std::to_string(i + 1), test.id, test.category.empty() ? kDash : test.category};
        std::string notes;
        for (const auto& s : slots) {
            auto it = test.results.find(s);
            if (it == test.results.end()) {
                row.push_back(kDash);
                row.push_back("not run");
                continue;
            }
            row.push_back(seconds(it->second.seconds));
            row.push_back(verdict(it->second, test.reference.has_value()));
            if (!it->second.notes.empty()) notes += (notes.empty() ? "" : "; ") + s + ": " + it->second.notes;
        }
        row.push_back(notes.empty() ? kDash : notes);
        per.rows.push_back(std::move(row));
    }
    c.blocks.push_back(table(std::move(per)));

    c.blocks.push_back(heading("Answers side by side", 3, "answers"));
    ReportTable answers;
    answers.header = {"Test"};
    for (const auto& s : slots) answers.header.push_back(headerFor(d, s));
    answers.monospace = true;
    for (const auto& test : b.tests) {
        std::string first = test.id + "\nPrompt: " + truncated(test.prompt);
        if (test.reference) first += "\nReference: " + truncated(*test.reference);
        std::vector<std::string> row{first};
        for (const auto& s : slots) {
            auto it = test.results.find(s);
            row.push_back(it == test.results.end() ? kDash : it->second.text.empty() ? "(empty answer)" : truncated(it->second.text));
        }
        answers.rows.push_back(std::move(row));
    }
    c.blocks.push_back(table(std::move(answers)));
}

void addQuality(const RunDocument& d, ReportContent& c) {
    if (!d.quality || d.quality->models.empty()) return;
    const QualityRun& q = *d.quality;
    std::vector<std::string> slots;
    for (const auto& [s, _] : q.models) slots.push_back(s);
    c.blocks.push_back(heading("Quality", 2, "quality"));
    std::string how = "Perplexity";
    if (!q.text.empty()) how += " over " + q.text;
    std::vector<std::string> params;
    if (q.ctx) params.push_back("context " + std::to_string(q.ctx));
    if (q.stride) params.push_back("stride " + std::to_string(q.stride));
    if (q.windows) params.push_back(format::counted(std::uint64_t(q.windows), "window"));
    if (!params.empty()) {
        how += " (";
        for (std::size_t i = 0; i < params.size(); ++i) how += (i ? ", " : "") + params[i];
        how += ")";
    }
    how += "; KL divergence and top-1 agreement of each model's next-token distribution against A's, as llama-perplexity reports them.";
    c.blocks.push_back(paragraph(how));
    if (!q.notes.empty()) c.blocks.push_back(paragraph("Note: " + q.notes + "."));
    SideBySide t(d, slots);
    auto field = [&](std::function<std::optional<double>(const QualityModel&)> f) {
        return [&q, f](const std::string& s) -> std::optional<double> {
            auto it = q.models.find(s);
            return it == q.models.end() ? std::nullopt : f(it->second);
        };
    };
    t.add("Perplexity", field([](const QualityModel& r) { return r.perplexity; }), [](double v) { return fmt::fixed(v, 3); });
    t.add("Scored tokens", field([](const QualityModel& r) { return double(r.tokens); }),
          [](double v) { return withThousands(std::int64_t(v)); }, false);
    t.add("KLD vs A (mean)", field([](const QualityModel& r) { return r.kldVsA; }), [](double v) { return fmt::fixed(v, 4); }, false);
    t.add("Top-1 agreement vs A", field([](const QualityModel& r) { return r.top1VsA; }), [](double v) { return fmt::percent(v, 1); },
          false);
    c.blocks.push_back(table(t.take()));
}

// The goodput SLOs of an endpoint sweep in words: "TTFT <= 50 ms and TPOT <= 10 ms"; "" without any.
std::string goodputSlos(const SweepRun& s) {
    std::string out;
    if (s.sloTtftMs) out += "TTFT <= " + fmt::ms(*s.sloTtftMs) + " ms";
    if (s.sloTpotMs) out += (out.empty() ? "" : " and ") + std::string("TPOT <= ") + fmt::ms(*s.sloTpotMs) + " ms";
    return out;
}

// An endpoint sweep's serving figures (vLLM benchmark_serving's), as `sweep` prints them: requests
// done / failed, request throughput, TTFT / TPOT / ITL / E2EL percentiles and goodput with its SLOs.
void addServing(const RunDocument& d, ReportContent& c) {
    const SweepRun& s = *d.sweep;
    const bool any = std::any_of(s.models.begin(), s.models.end(), [](const auto& m) {
        return std::any_of(m.second.points.begin(), m.second.points.end(), [](const SweepPoint& p) { return p.serving.has_value(); });
    });
    if (!any) return;
    c.blocks.push_back(heading("Serving metrics", 3, "serving"));
    const std::string slos = goodputSlos(s);
    c.blocks.push_back(paragraph("Per max concurrency, with the metric names of vLLM's serving benchmark (TTFT: time to first token, "
                                 "TPOT: time per output token, ITL: inter-token latency, E2EL: end-to-end request latency; p50 / p99 in ms). " +
                                 (slos.empty() ? std::string("No goodput SLO was given (sweep --slo-ttft-ms / --slo-tpot-ms), so no goodput.")
                                               : "Goodput: requests per second that met " + slos + ".")));
    ReportTable t;
    t.header = {"Model", "Max concurrency", "Done / failed", "Req/s", "TTFT p50 / p99", "TPOT p50 / p99", "ITL p50 / p99", "E2EL p50 / p99",
                slos.empty() ? std::string("Goodput (req/s)") : "Goodput (req/s, " + slos + ")"};
    t.rightAligned = std::vector<bool>(t.header.size(), true);
    t.rightAligned[0] = false;
    const auto pair = [](const std::optional<LatencyStats>& l) { return l ? fmt::ms(l->p50) + " / " + fmt::ms(l->p99) : kNotMeasured; };
    for (const auto& [slot, m] : s.models)
        for (const auto& p : m.points) {
            if (!p.serving) continue;
            const ServingStats& v = *p.serving;
            t.rows.push_back({headerFor(d, slot), std::to_string(p.concurrency), std::to_string(v.completed) + " / " + std::to_string(v.failed),
                              fmt::fixed(v.requestThroughput, 2), pair(p.ttftMs), pair(v.tpotMs), pair(v.itlMs), pair(p.latencyMs),
                              v.goodput ? fmt::fixed(*v.goodput, 2) : kDash});
        }
    c.blocks.push_back(table(std::move(t)));
}

void addSweep(const RunDocument& d, ReportContent& c) {
    if (!d.sweep || d.sweep->models.empty()) return;
    const SweepRun& s = *d.sweep;
    c.blocks.push_back(heading("Concurrency sweep", 2, "sweep"));
    std::string how = "Concurrent requests";
    if (!s.prompt.empty()) how += " of the prompt \"" + s.prompt + "\"";
    // What the requests produced, counted, not --max-new taken on trust: a server that ignores
    // ignore_eos stops at end-of-text (sweepTokensEachText / tokenShortfallText).
    if (s.maxNewTokens) how += ", " + sweepTokensEachText(s);
    how += ".";
    if (s.sloP95Ms) how += " Latency SLO: p95 under " + fmt::fixed(*s.sloP95Ms, 0) + " ms.";
    std::vector<std::string> sweptSlots;
    for (const auto& [slot, _] : s.models) sweptSlots.push_back(slot);
    how += " Measured " + measuredOnEach(d, sweptSlots) + "; throughput and cost hold for that device only.";
    c.blocks.push_back(paragraph(how));
    for (const auto& [slot, m] : s.models)
        if (const auto shortfall = tokenShortfallText(s, m)) c.blocks.push_back(warning(headerFor(d, slot) + ": " + *shortfall + "."));
    c.blocks.push_back(chart(ChartKind::SweepThroughput));
    c.blocks.push_back(chart(ChartKind::SweepLatency));
    ReportTable t;
    t.header = {"Model", "Concurrency", "Output tok/s", "P50 latency (ms)", "P95 latency (ms)", "P99 latency (ms)", "P95 TTFT (ms)",
                "Requests"};
    // The tokens each request produced, where counted (documents before the count have none).
    const bool counted = std::any_of(s.models.begin(), s.models.end(), [](const auto& m) {
        return std::any_of(m.second.points.begin(), m.second.points.end(), [](const SweepPoint& p) { return p.outputTokens.has_value(); });
    });
    if (counted) t.header.push_back("Tokens per request");
    t.rightAligned.assign(t.header.size(), true);
    t.rightAligned[0] = false;
    for (const auto& [slot, m] : s.models)
        for (const auto& p : m.points) {
            t.rows.push_back({headerFor(d, slot), std::to_string(p.concurrency), fmt::fixed(p.outputTokensPerS, 1), fmt::ms(p.latencyMs.p50),
                              fmt::ms(p.latencyMs.p95), fmt::ms(p.latencyMs.p99), fmt::ms(p.ttftMs.p95), std::to_string(p.requests)});
            if (counted) t.rows.back().push_back(pointTokensText(p));
        }
    c.blocks.push_back(table(std::move(t)));
    addServing(d, c);

    // Capacity and cost: what a product team asks of the sweep.
    c.blocks.push_back(heading("Capacity and cost", 2, "capacity"));
    // Without a latency SLO there is no "max concurrency under it" to state (a trial found "misses
    // the p95 SLO of the SLO" for a run that set none).
    const std::optional<std::string> slo = s.sloP95Ms ? std::optional(fmt::fixed(*s.sloP95Ms, 0) + " ms") : std::nullopt;
    ReportTable cap;
    cap.header = {"Model", "Knee (concurrency)"};
    if (slo) cap.header.push_back("Max concurrency under p95 " + *slo);
    // The price is of the hardware measured on: an endpoint's is its server's.
    cap.header.push_back("Cost per 1M output tokens" +
                         (!s.gpuHourlyUsd ? std::string(" (no price given)")
                          : oneDevice(d, sweptSlots) ? " at " + fmt::usd(*s.gpuHourlyUsd) + "/h of " + measuredOn(d, sweptSlots.front())
                                                     : " at " + fmt::usd(*s.gpuHourlyUsd) + "/h of each model's device"));
    cap.rightAligned = std::vector<bool>(cap.header.size(), true);
    cap.rightAligned[0] = false;
    for (const auto& [slot, m] : s.models) {
        const std::string knee = m.kneeConcurrency ? std::to_string(*m.kneeConcurrency)
                                 : kneeTooNoisy(m.points) ? "not placed (too noisy)"
                                                          : "not reached (still scaling)";
        std::vector<std::string> row = {headerFor(d, slot), knee};
        if (slo) row.push_back(capacityUnderSloText(m));
        row.push_back(opt(m.costPerMillionTokensUsd, fmt::usd));
        cap.rows.push_back(std::move(row));
    }
    c.blocks.push_back(table(std::move(cap)));
    for (const auto& [slot, m] : s.models) {
        std::vector<std::string> parts;
        if (slo && m.maxConcurrencyUnderSlo)
            parts.push_back(capacityIsHighestTested(m)
                                ? "serves at least " + std::to_string(*m.maxConcurrencyUnderSlo) +
                                      " concurrent requests within the p95 SLO of " + *slo + " (the highest level tested; higher levels were not tried)"
                                : "serves up to " + std::to_string(*m.maxConcurrencyUnderSlo) + " concurrent requests within the p95 SLO of " + *slo);
        else if (slo)
            parts.push_back("misses the p95 SLO of " + *slo + " even at concurrency 1");
        if (m.costPerMillionTokensUsd)
            parts.push_back(fmt::usd(*m.costPerMillionTokensUsd) + " per 1M output tokens" + (slo && m.maxConcurrencyUnderSlo ? "" : " at its best point"));
        if (m.kneeConcurrency)
            parts.push_back("throughput stops scaling at concurrency " + std::to_string(*m.kneeConcurrency) +
                            " (no higher level adds 15% or more over the best up to it)");
        else if (kneeTooNoisy(m.points))
            parts.push_back("no knee is placed: throughput fell 15% or more at one level and recovered at a higher one, too noisy to tell "
                            "where scaling ends (rerun with more --min-requests)");
        if (parts.empty()) continue;
        std::string line = headerFor(d, slot) + ": " + parts.front();
        for (std::size_t i = 1; i < parts.size(); ++i) line += "; " + parts[i];
        c.blocks.push_back(paragraph(line + "."));
    }
    if (!slo)
        c.blocks.push_back(paragraph(std::string(s.sloTtftMs || s.sloTpotMs ? "No p95 latency SLO was given (sweep --slo-p95-ms; the goodput "
                                                                              "SLOs above are per request), so no capacity under one is stated."
                                                                            : "No latency SLO was given (sweep --slo-p95-ms), so no capacity under one is stated.")));
    auto a = s.models.find("A");
    auto b = s.models.find("B");
    if (a != s.models.end() && b != s.models.end() && a->second.costPerMillionTokensUsd && b->second.costPerMillionTokensUsd)
        if (const auto text = costComparisonText(*a->second.costPerMillionTokensUsd, *b->second.costPerMillionTokensUsd); !text.empty())
            c.blocks.push_back(paragraph(text + "."));
    // Beside the cost verdict: why the figures may not be what the hardware served with would give.
    for (const auto& note : s.notes) c.blocks.push_back(paragraph("Note: " + note));
}

}  // namespace

// The chat's arena-style votes: how often the user preferred each reply.
void addArena(const RunDocument& d, ReportContent& c) {
    if (!d.arena) return;
    const ArenaConversation a = d.arena->totals();
    c.blocks.push_back(heading("Chat votes", 2, "arena"));
    const int votes = a.aBetter + a.bBetter + a.tie + a.bothBad;
    c.blocks.push_back(paragraph("The user's verdict on each exchange of " + format::counted(d.arena->conversations.size(), "saved conversation") + ", " +
                                 format::counted(votes, "vote") + "."));
    ReportTable t;
    t.header = {d.modelName("A") + " better", d.modelName("B") + " better", "Tie", "Both bad"};
    t.rows.push_back({std::to_string(a.aBetter), std::to_string(a.bBetter), std::to_string(a.tie), std::to_string(a.bothBad)});
    t.rightAligned = {true, true, true, true};
    c.blocks.push_back(table(std::move(t)));
}

RooflineInput rooflineOf(const TimelineModel& m) {
    return {m.stepUs, m.categoryUs[0], double(m.weightBytesPerStep), m.matmulFlopsPerStep, m.ceilings.readGBs, m.ceilings.computeGFlops};
}

// Decode timeline: a step by category for each model, the roofline figures against the ceilings
// measured in the same run, the verdict (recomputed from the numbers), the top kernels and traces.
void addTimeline(const RunDocument& d, ReportContent& c) {
    if (!d.timeline || d.timeline->models.empty()) return;
    const TimelineRun& tl = *d.timeline;
    std::vector<std::string> slots;
    for (const auto& [s, _] : tl.models) slots.push_back(s);
    const TimelineModel& first = tl.models.begin()->second;
    c.blocks.push_back(heading("Decode timeline", 2, "timeline"));
    std::string how = "Where a greedy decode step's time goes on " + (first.device.empty() ? measuredOn(d) : first.device) + ": ";
    how += first.recorded == "kernels" ? "every GPU kernel (CUPTI)" : "the outermost torch operators and the engine's named steps";
    if (tl.steps) how += ", mean of " + std::to_string(tl.steps) + " steps";
    if (tl.promptTokens) how += " after a " + std::to_string(tl.promptTokens) + "-token prompt";
    if (tl.batch) how += ", batch " + std::to_string(tl.batch);
    how += ". Milliseconds a step; \"nothing running\" is the step's time with no " +
           std::string(first.recorded == "kernels" ? "kernel" : "operator") + " running. Achieved bandwidth and FLOP/s are the "
           "matmul weights read (and 2 x parameters x batch FLOPs) over the GEMM/GEMV time; above 100% of the read bandwidth the "
           "weights fit in the caches and were read from there.";
    c.blocks.push_back(paragraph(how));
    SideBySide t(d, slots);
    auto field = [&](std::function<std::optional<double>(const TimelineModel&)> f) {
        return [&tl, f](const std::string& s) -> std::optional<double> {
            auto it = tl.models.find(s);
            return it == tl.models.end() ? std::nullopt : f(it->second);
        };
    };
    // Times a step in ms, as TPOT is everywhere (the run keeps microseconds: *_us keys).
    const auto ms = [](double us) { return fmt::fixed(us / 1000.0, 3); };
    t.add("Step (ms)", field([](const TimelineModel& m) { return m.stepUs; }), ms);
    constexpr const char* kCategoryLabels[4] = {"GEMM/GEMV (ms)", "Attention (ms)", "Norms (ms)", "Other (ms)"};
    for (int i = 0; i < 4; ++i) t.add(kCategoryLabels[i], field([i](const TimelineModel& m) { return m.categoryUs[i]; }), ms);
    t.add("Nothing running (ms)", field([](const TimelineModel& m) { return m.idleUs; }), ms);
    auto point = [&](std::function<double(const RooflinePoint&)> f) {
        return field([f](const TimelineModel& m) -> std::optional<double> {
            if (m.stepUs == 0 || m.categoryUs[0] == 0) return std::nullopt;  // not recorded
            return f(rooflinePoint(rooflineOf(m)));
        });
    };
    t.add("Share of the step outside GEMMs", point([](const RooflinePoint& p) { return p.nonGemmShare; }),
          [](double v) { return fmt::percent(v, 1); }, false);
    t.add("Weight bytes a step", field([](const TimelineModel& m) { return double(m.weightBytesPerStep); }),
          [](double v) { return format::bytes(std::uint64_t(v)); });
    t.add("GEMM/GEMV GB/s", point([](const RooflinePoint& p) { return p.achievedGBs; }), [](double v) { return fmt::fixed(v, 1); });
    t.add("% of read bandwidth", point([](const RooflinePoint& p) { return p.bandwidthShare; }), [](double v) { return fmt::percent(v, 1); },
          false);
    t.add("GEMM/GEMV GFLOP/s", point([](const RooflinePoint& p) { return p.achievedGFlops; }), [](double v) { return fmt::fixed(v, 1); });
    t.add("% of compute peak", point([](const RooflinePoint& p) { return p.computeShare; }), [](double v) { return fmt::percent(v, 2); },
          false);
    c.blocks.push_back(table(t.take()));
    c.blocks.push_back(chart(ChartKind::DecodeTimeline));

    std::string verdict = tl.verdict;
    if (tl.models.count("A") && tl.models.count("B")) {
        const RunModel* b = d.model("B");
        const bool int4 = b && b->quantization && b->quantization->bits == 4;
        verdict = rooflineVerdict(rooflineOf(tl.models.at("A")), rooflineOf(tl.models.at("B")), int4 ? "INT4" : "B");
    }
    if (!verdict.empty()) c.blocks.push_back(paragraph("Verdict: " + verdict));

    ReportTable ceilings;
    ceilings.header = {"Model", "Device", "Dtype", "Read bandwidth (GB/s)", "Matmul (GFLOP/s)"};
    ceilings.rightAligned = {false, false, false, true, true};
    for (const auto& [slot, m] : tl.models)
        if (!m.ceilings.device.empty() || m.ceilings.readGBs > 0 || m.ceilings.computeGFlops > 0)  // measured
            ceilings.rows.push_back({headerFor(d, slot), m.ceilings.device.empty() ? kDash : m.ceilings.device, m.ceilings.dtype,
                                     fmt::fixed(m.ceilings.readGBs, 1), fmt::fixed(m.ceilings.computeGFlops, 1)});
    if (!ceilings.rows.empty()) {
        c.blocks.push_back(paragraph("Ceilings, measured on the same device in the same run (a read of a buffer far larger than the "
                                     "caches; a square matmul in the compute dtype):"));
        c.blocks.push_back(table(std::move(ceilings)));
    }

    ReportTable top;
    top.header = {"Model", tl.models.begin()->second.recorded == "kernels" ? "Kernel" : "Operator", "Category", "Calls a step", "ms a step"};
    top.rightAligned = {false, false, false, true, true};
    top.monospace = true;
    for (const auto& [slot, m] : tl.models)
        for (std::size_t i = 0; i < m.top.size() && i < 8; ++i)
            top.rows.push_back({slot, m.top[i].name, m.top[i].category, fmt::fixed(m.top[i].callsPerStep, 1), fmt::fixed(m.top[i].usPerStep / 1000.0, 3)});
    if (!top.rows.empty()) c.blocks.push_back(table(std::move(top)));
    std::string traces;
    for (const auto& [slot, m] : tl.models)
        if (!m.traceFile.empty()) traces += (traces.empty() ? "" : ", ") + slot + ": " + m.traceFile;
    if (!traces.empty()) c.blocks.push_back(paragraph("Chrome traces beside the run document (chrome://tracing, ui.perfetto.dev): " + traces + "."));
}

ReportContent buildReportContent(const RunDocument& d) {
    ReportContent c;
    const auto slots = d.slots();
    if (d.kind == "sweep" && slots.size() >= 2)
        c.title = "Concurrency sweep: " + d.modelName(slots[0]) + " vs " + d.modelName(slots[1]);
    else if (d.kind == "sweep" || slots.size() == 1)
        c.title = (d.kind == "sweep" ? "Concurrency sweep: " : "Run: ") + d.modelName(slots.empty() ? "A" : slots[0]);
    else if (slots.size() >= 2)
        c.title = "Comparison: " + d.modelName(slots[0]) + " vs " + d.modelName(slots[1]);
    else
        c.title = "Run report";
    if (d.cancelled) c.title += " (stopped early)";
    addOverview(d, c);
    addModels(d, c);
    addSettings(d, c);
    addMemory(d, c);
    addSpeed(d, c);
    addBattery(d, c);
    addQuality(d, c);
    addSweep(d, c);
    addArena(d, c);
    addTimeline(d, c);
    if (c.blocks.size() <= 2) c.blocks.push_back(paragraph("The run document holds no measurements yet."));
    return c;
}

}  // namespace awq::report
