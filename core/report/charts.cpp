#include "core/report/chart_canvas.h"

#include "core/util/format.h"
#include "core/util/html_escape.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

namespace awq::report {

std::string Color::hex() const {
    return ::fmt::format("#{:02x}{:02x}{:02x}", r, g, b);
}

namespace {

constexpr Color kAxis{0x55, 0x55, 0x55};
constexpr Color kGrid{0xe3, 0xe3, 0xe3};
constexpr Color kText{0x22, 0x22, 0x22};
constexpr Color kRed{0xc6, 0x28, 0x28};
constexpr double kLeft = 64, kRight = 24, kTop = 54, kBottom = 44;  // legend between title and plot
constexpr double kSmallText = 9;   // axis titles, tick labels and the SLO label (their height, about)

Color slotColor(const std::string& slot) {
    if (slot == "A") return {0x1f, 0x77, 0xb4};
    if (slot == "B") return {0xff, 0x7f, 0x0e};
    return {0x2c, 0xa0, 0x2c};
}

// 1, 2 or 5 times a power of ten, so axis labels read well.
double niceStep(double range, int ticks = 5) {
    if (range <= 0) return 1;
    const double raw = range / ticks;
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    const double f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

std::string tickLabel(double v) {
    // Past 1e18 (or infinite: a broken or hostile run document) a double no longer converts to a
    // 64-bit count: scientific notation instead of an out-of-range cast.
    if (v >= 1e18) {
        return ::fmt::format("{:.2e}", v);
    }
    if (v >= 10000) return format::count(static_cast<std::uint64_t>(v));
    if (v == std::floor(v)) return fmt::fixed(v, 0);
    return fmt::fixed(v, v < 1 ? 2 : 1);
}

void title(ChartCanvas& c, double width, ChartKind kind) { c.text(width / 2, 18, chartTitle(kind), 13, kText, TextAnchor::Middle, true); }

void legend(ChartCanvas& c, double width, const RunDocument& d, const std::vector<std::string>& slots) {
    double x = width - kRight;
    for (auto it = slots.rbegin(); it != slots.rend(); ++it) {
        const std::string label = *it + ": " + d.modelName(*it);
        const double w = 10 + 6.0 * label.size();
        x -= w + 12;
        c.rect(x, 26, 9, 9, slotColor(*it));
        c.text(x + 13, 34, label, 10, kText, TextAnchor::Start);
    }
}

// A y axis from 0 to a nice maximum; returns the maximum.
double yAxis(ChartCanvas& c, double width, double height, double maxValue, const std::string& label) {
    const double step = niceStep(maxValue > 0 ? maxValue : 1);
    const double top = std::max(step, std::ceil(maxValue / step) * step);
    const double plotH = height - kTop - kBottom;
    for (double v = 0; v <= top + step / 2; v += step) {
        const double y = kTop + plotH * (1 - v / top);
        c.line(kLeft, y, width - kRight, y, kGrid, 0.8);
        c.text(kLeft - 6, y + 3.5, tickLabel(v), 9, kAxis, TextAnchor::End);
    }
    c.line(kLeft, kTop, kLeft, height - kBottom, kAxis, 1);
    c.line(kLeft, height - kBottom, width - kRight, height - kBottom, kAxis, 1);
    c.text(kLeft, kTop - 6, label, 9, kAxis, TextAnchor::Start);
    return top;
}

void drawSweep(const RunDocument& d, bool latency, ChartCanvas& c, double width, double height) {
    const SweepRun& s = *d.sweep;
    std::vector<int> xs;
    double maxY = 0;
    std::vector<std::string> slots;
    for (const auto& [slot, m] : s.models) {
        slots.push_back(slot);
        for (const auto& p : m.points) {
            xs.push_back(p.concurrency);
            const double v = latency ? p.latencyMs.p95 : p.outputTokensPerS;
            maxY = std::max(maxY, v);
        }
    }
    if (latency && s.sloP95Ms) maxY = std::max(maxY, *s.sloP95Ms);
    std::sort(xs.begin(), xs.end());
    xs.erase(std::unique(xs.begin(), xs.end()), xs.end());
    legend(c, width, d, slots);
    const double top = yAxis(c, width, height, maxY, latency ? "p95 request latency (ms)" : "output tokens/s");
    const double plotW = width - kLeft - kRight, plotH = height - kTop - kBottom;
    // Concurrency doubles from point to point: a log2 axis spaces the points evenly.
    const double lo = xs.empty() ? 0 : std::log2(xs.front()), hi = xs.empty() ? 1 : std::log2(xs.back());
    auto px = [&](int x) { return kLeft + 16 + (hi > lo ? (std::log2(x) - lo) / (hi - lo) : 0.5) * (plotW - 32); };
    auto py = [&](double v) { return kTop + plotH * (1 - v / top); };
    for (int x : xs) {
        c.line(px(x), height - kBottom, px(x), height - kBottom + 4, kAxis, 1);
        c.text(px(x), height - kBottom + 15, std::to_string(x), 9, kAxis, TextAnchor::Middle);
    }
    c.text(kLeft + plotW / 2, height - 8, "concurrent requests", 10, kAxis, TextAnchor::Middle);
    if (latency && s.sloP95Ms) {
        c.line(kLeft, py(*s.sloP95Ms), width - kRight, py(*s.sloP95Ms), kRed, 1.2, true);
        // Labelled at the left, where latency is lowest and the curves stay clear of it: above the
        // line, unless that reaches above the plot's top, where the axis title is (an SLO at the
        // top of the axis drew its label over the title): then below it.
        const double y = py(*s.sloP95Ms);
        const double labelY = y - 4 - kSmallText < kTop + 1 ? y + 4 + kSmallText : y - 4;
        c.text(kLeft + 6, labelY, "SLO p95 " + fmt::fixed(*s.sloP95Ms, 0) + " ms", kSmallText, kRed, TextAnchor::Start);
    }
    for (const auto& [slot, m] : s.models) {
        std::vector<std::pair<double, double>> pts;
        for (const auto& p : m.points) {
            // A latency of 0 was not recorded (a hand-made document): no point rather than one on the axis.
            if (latency && p.latencyMs.p95 <= 0) continue;
            pts.emplace_back(px(p.concurrency), py(latency ? p.latencyMs.p95 : p.outputTokensPerS));
        }
        if (pts.size() > 1) c.polyline(pts, slotColor(slot), 2);
        for (const auto& [x, y] : pts) c.circle(x, y, 3, slotColor(slot));
        if (!latency && m.kneeConcurrency)
            for (const auto& p : m.points)
                if (p.concurrency == *m.kneeConcurrency)
                    c.text(px(p.concurrency), py(p.outputTokensPerS) - 8, "knee", 9, slotColor(slot), TextAnchor::Middle);
    }
}

std::vector<std::string> batterySlots(const BatteryRun& b) {
    std::vector<std::string> slots;
    for (const auto& [s, _] : b.totals) slots.push_back(s);
    return slots;
}

constexpr double kBarH = 9, kRowGap = 8;

void drawBattery(const RunDocument& d, ChartCanvas& c, double width, double height) {
    const BatteryRun& b = *d.battery;
    const auto slots = batterySlots(b);
    legend(c, width, d, slots);
    double maxS = 0;
    for (const auto& t : b.tests)
        for (const auto& [_, r] : t.results) maxS = std::max(maxS, r.seconds);
    const double labelW = 130;
    const double x0 = labelW, plotW = width - labelW - kRight - 40;
    const double step = niceStep(maxS > 0 ? maxS : 1);
    const double top = std::max(step, std::ceil(maxS / step) * step);
    const double plotBottom = height - kBottom;
    for (double v = 0; v <= top + step / 2; v += step) {
        const double x = x0 + plotW * v / top;
        c.line(x, kTop, x, plotBottom, kGrid, 0.8);
        c.text(x, plotBottom + 14, tickLabel(v), 9, kAxis, TextAnchor::Middle);
    }
    c.text(x0 + plotW / 2, height - 8, "seconds per test", 10, kAxis, TextAnchor::Middle);
    double y = kTop + 4;
    for (const auto& t : b.tests) {
        const double rowH = slots.size() * kBarH;
        std::string label = t.id.size() > 22 ? t.id.substr(0, 21) + "~" : t.id;
        c.text(x0 - 6, y + rowH / 2 + 3.5, label, 9, kText, TextAnchor::End);
        for (std::size_t i = 0; i < slots.size(); ++i) {
            auto it = t.results.find(slots[i]);
            const double by = y + i * kBarH;
            if (it == t.results.end()) continue;
            const double secs = it->second.seconds;
            const double w = plotW * secs / top;
            c.rect(x0, by, std::max(0.5, w), kBarH - 1.5, slotColor(slots[i]));
            std::string note = fmt::fixed(secs, 2);
            if (it->second.loopDetected) note += " loop";
            c.text(x0 + w + 4, by + kBarH - 2.5, note, 8, it->second.loopDetected ? kRed : kAxis, TextAnchor::Start);
        }
        y += rowH + kRowGap;
    }
    c.line(x0, kTop, x0, plotBottom, kAxis, 1);
}

// One horizontal bar per model, stacked by category and then the time nothing ran: a bar's length
// is the model's decode step.
void drawTimeline(const RunDocument& d, ChartCanvas& c, double width, double height) {
    const TimelineRun& tl = *d.timeline;
    static const char* const names[5] = {"GEMM/GEMV", "attention", "norms", "other", "nothing running"};
    static const Color colors[5] = {{0x3b, 0x6f, 0xb6}, {0xd0, 0x6b, 0x1f}, {0x4c, 0x9a, 0x5b}, {0x8c, 0x8c, 0x8c}, {0xd8, 0xd8, 0xd8}};
    const auto segment = [](const TimelineModel& m, int i) { return std::max(0.0, i < 4 ? m.categoryUs[i] : m.idleUs); };
    double x = kLeft;
    for (int i = 0; i < 5; ++i) {   // legend: the segments, left to right as stacked
        c.rect(x, 26, 9, 9, colors[i]);
        c.text(x + 13, 34, names[i], 10, kText, TextAnchor::Start);
        x += 30 + 6.5 * double(std::string(names[i]).size());
    }
    double longest = 0;
    for (const auto& [_, m] : tl.models) {
        double sum = 0;
        for (int i = 0; i < 5; ++i) sum += segment(m, i);
        longest = std::max(longest, std::max(sum, m.stepUs));
    }
    const double x0 = kLeft, plotW = width - kLeft - kRight - 40, plotBottom = height - kBottom;
    const double step = niceStep(longest > 0 ? longest : 1);
    const double top = std::max(step, std::ceil(longest / step) * step);
    for (double v = 0; v <= top + step / 2; v += step) {
        const double gx = x0 + plotW * v / top;
        c.line(gx, kTop, gx, plotBottom, kGrid, 0.8);
        c.text(gx, plotBottom + 14, tickLabel(v), 9, kAxis, TextAnchor::Middle);
    }
    c.text(x0 + plotW / 2, height - 8, "microseconds a decode step", 10, kAxis, TextAnchor::Middle);
    const double barH = 22;
    double y = kTop + 10;
    for (const auto& [slot, m] : tl.models) {
        c.text(x0 - 6, y + barH / 2 + 3.5, slot, 10, kText, TextAnchor::End, true);
        double at = x0;
        for (int i = 0; i < 5; ++i) {
            const double w = plotW * segment(m, i) / top;
            c.rect(at, y, w, barH, colors[i]);
            at += w;
        }
        if (m.stepUs) c.text(at + 4, y + barH / 2 + 3.5, fmt::fixed(m.stepUs / 1000.0, 2) + " ms", 9, kAxis, TextAnchor::Start);
        y += barH + 14;
    }
    c.line(x0, kTop, x0, plotBottom, kAxis, 1);
}

void drawMemoryFit(const RunDocument& d, ChartCanvas& c, double width, double height) {
    std::vector<const RunModel*> models;
    std::vector<std::string> slots;
    std::vector<double> sizes;
    double maxTokens = 0;
    for (const auto& [slot, m] : d.models) {
        if (m.fit.empty()) continue;
        models.push_back(&m);
        slots.push_back(slot);
        for (const auto& f : m.fit) {
            if (std::find(sizes.begin(), sizes.end(), f.gpuGib) == sizes.end()) sizes.push_back(f.gpuGib);
            if (f.fits) maxTokens = std::max(maxTokens, double(f.maxContextTokens));
        }
    }
    std::sort(sizes.begin(), sizes.end());
    legend(c, width, d, slots);
    const double top = yAxis(c, width, height, maxTokens, "tokens of KV cache that fit");
    const double plotW = width - kLeft - kRight, plotH = height - kTop - kBottom;
    const double groupW = sizes.empty() ? plotW : plotW / sizes.size();
    const double barW = std::min(40.0, (groupW - 20) / std::max<std::size_t>(1, models.size()));
    for (std::size_t g = 0; g < sizes.size(); ++g) {
        const double gx = kLeft + g * groupW + (groupW - barW * models.size()) / 2;
        c.text(kLeft + g * groupW + groupW / 2, height - kBottom + 15, tickLabel(sizes[g]) + " GiB", 9, kAxis, TextAnchor::Middle);
        for (std::size_t i = 0; i < models.size(); ++i) {
            const double x = gx + i * barW;
            const GpuFit* fit = nullptr;
            for (const auto& f : models[i]->fit)
                if (f.gpuGib == sizes[g]) fit = &f;
            if (!fit) continue;
            if (!fit->fits) {
                c.text(x + barW / 2, height - kBottom - 4, "no fit", 8, kRed, TextAnchor::Middle);
                continue;
            }
            const double v = double(fit->maxContextTokens);
            const double h = plotH * v / top;
            c.rect(x + 1, height - kBottom - h, barW - 2, h, slotColor(slots[i]));
            if (barW >= 30) c.text(x + barW / 2, height - kBottom - h - 3, tickLabel(v), 8, kAxis, TextAnchor::Middle);  // else the table has them
        }
    }
    c.text(kLeft + plotW / 2, height - 8, "GPU memory", 10, kAxis, TextAnchor::Middle);
}

std::string num(double v) { return fmt::fixed(v, 1); }

class SvgCanvas : public ChartCanvas {
public:
    std::string body;
    void rect(double x, double y, double w, double h, Color fill) override {
        body += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\" fill=\"" + fill.hex() + "\"/>";
    }
    void line(double x1, double y1, double x2, double y2, Color stroke, double width, bool dashed) override {
        body += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\" stroke=\"" +
                stroke.hex() + "\" stroke-width=\"" + num(width) + "\"" + (dashed ? " stroke-dasharray=\"6 4\"" : "") + "/>";
    }
    void polyline(const std::vector<std::pair<double, double>>& points, Color stroke, double width) override {
        body += "<polyline fill=\"none\" stroke=\"" + stroke.hex() + "\" stroke-width=\"" + num(width) + "\" points=\"";
        for (const auto& [x, y] : points) body += num(x) + "," + num(y) + " ";
        body += "\"/>";
    }
    void circle(double cx, double cy, double r, Color fill) override {
        body += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" + fill.hex() + "\"/>";
    }
    void text(double x, double y, const std::string& t, double size, Color color, TextAnchor anchor, bool bold) override {
        const char* a = anchor == TextAnchor::Start ? "start" : anchor == TextAnchor::Middle ? "middle" : "end";
        body += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\" fill=\"" + color.hex() +
                "\" text-anchor=\"" + a + "\"" + (bold ? " font-weight=\"bold\"" : "") + ">" + htmlEscape(t) + "</text>";
    }
};

}  // namespace

std::string chartTitle(ChartKind kind) {
    switch (kind) {
    case ChartKind::SweepThroughput: return "Output throughput vs concurrency";
    case ChartKind::SweepLatency: return "P95 request latency vs concurrency";
    case ChartKind::BatteryTimes: return "Time per battery test";
    case ChartKind::MemoryFit: return "KV cache that fits per GPU size";
    case ChartKind::DecodeTimeline: return "A decode step by category";
    }
    return {};
}

double chartHeight(const RunDocument& d, ChartKind kind) {
    if (kind == ChartKind::BatteryTimes && d.battery) {
        const double rows = double(d.battery->tests.size());
        const double perRow = std::max<std::size_t>(1, batterySlots(*d.battery).size()) * kBarH + kRowGap;
        return kTop + 8 + rows * perRow + kBottom;
    }
    if (kind == ChartKind::DecodeTimeline && d.timeline) return kTop + 10 + double(d.timeline->models.size()) * 36 + kBottom;
    return 280;
}

void drawChart(const RunDocument& d, ChartKind kind, ChartCanvas& c, double width) {
    const double height = chartHeight(d, kind);
    title(c, width, kind);
    switch (kind) {
    case ChartKind::SweepThroughput:
    case ChartKind::SweepLatency:
        if (d.sweep) drawSweep(d, kind == ChartKind::SweepLatency, c, width, height);
        break;
    case ChartKind::BatteryTimes:
        if (d.battery) drawBattery(d, c, width, height);
        break;
    case ChartKind::MemoryFit: drawMemoryFit(d, c, width, height); break;
    case ChartKind::DecodeTimeline:
        if (d.timeline) drawTimeline(d, c, width, height);
        break;
    }
}

std::string chartSvg(const RunDocument& d, ChartKind kind, double width) {
    SvgCanvas canvas;
    drawChart(d, kind, canvas, width);
    const double height = chartHeight(d, kind);
    return "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 " + num(width) + " " + num(height) + "\" width=\"" + num(width) +
           "\" height=\"" + num(height) + "\" font-family=\"sans-serif\"><title>" + htmlEscape(chartTitle(kind)) + "</title>" +
           canvas.body + "</svg>";
}

}  // namespace awq::report
