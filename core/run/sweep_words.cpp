#include "core/run/sweep_words.h"

#include <cmath>
#include <fmt/format.h>

namespace awq {

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
