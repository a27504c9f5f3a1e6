#include "core/run/sweep_words.h"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace awq {

namespace {

// Points by concurrency, as a sweep measures them (a document may list them in any order).
std::vector<SweepPoint> byConcurrency(std::vector<SweepPoint> points) {
    std::sort(points.begin(), points.end(), [](const SweepPoint& a, const SweepPoint& b) { return a.concurrency < b.concurrency; });
    return points;
}

}  // namespace

bool kneeTooNoisy(const std::vector<SweepPoint>& unsorted, double minGain) {
    const auto points = byConcurrency(unsorted);
    double best = 0;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const double t = points[i].outputTokensPerS;
        if (best > 0 && t <= best * (1.0 - minGain))
            for (std::size_t j = i + 1; j < points.size(); ++j)
                if (points[j].outputTokensPerS >= best) return true;
        best = std::max(best, t);
    }
    return false;
}

std::optional<int> kneeConcurrencyOf(const std::vector<SweepPoint>& unsorted, double minGain) {
    if (kneeTooNoisy(unsorted, minGain)) return std::nullopt;
    const auto points = byConcurrency(unsorted);
    double best = 0;
    for (std::size_t i = 0; i + 1 < points.size(); ++i) {
        best = std::max(best, points[i].outputTokensPerS);
        bool laterGains = false;
        for (std::size_t j = i + 1; j < points.size(); ++j) laterGains = laterGains || points[j].outputTokensPerS >= best * (1.0 + minGain);
        if (!laterGains) return points[i].concurrency;
    }
    return std::nullopt;
}

std::string kneeText(const SweepModel& m) {
    if (m.kneeConcurrency) return std::to_string(*m.kneeConcurrency);
    if (kneeTooNoisy(m.points))
        return "not placed (throughput fell 15% or more at one level and recovered at a higher one: too noisy; rerun with more --min-requests)";
    return "not reached (throughput still grows)";
}

bool capacityIsHighestTested(const SweepModel& m) {
    if (!m.maxConcurrencyUnderSlo || m.points.empty()) return false;
    int highest = 0;
    for (const auto& p : m.points) highest = std::max(highest, p.concurrency);
    return *m.maxConcurrencyUnderSlo == highest;
}

std::string capacityUnderSloText(const SweepModel& m) {
    if (!m.maxConcurrencyUnderSlo) return "none";
    const std::string n = std::to_string(*m.maxConcurrencyUnderSlo);
    return capacityIsHighestTested(m) ? "at least " + n + " (the highest level tested)" : n;
}

std::string costComparisonText(double costA, double costB) {
    if (!(costA > 0) || !(costB >= 0)) return {};
    const double change = (costB - costA) / costA;
    const std::string pct = fmt::format("{:.1f}%", std::abs(change) * 100);
    if (pct == "0.0%") return "B costs the same per 1M output tokens as A";
    return "B costs " + pct + (change < 0 ? " less" : " more") + " per 1M output tokens than A";
}

}  // namespace awq
