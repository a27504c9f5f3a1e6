#include "core/run/sweep_words.h"

#include <algorithm>
#include <cmath>
#include <set>
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

namespace {

struct TokenTally {
    bool counted = false;                  // some point recorded its output tokens
    std::int64_t tokens = 0;
    std::int64_t requests = 0;
    int fewest = 0, most = 0;
    std::set<std::string> sources;         // serving.tokens_counted_from of the counted points
};

TokenTally tally(const std::vector<SweepPoint>& points, TokenTally t = {}) {
    for (const auto& p : points) {
        if (!p.outputTokens || !p.outputTokensMin || !p.outputTokensMax) continue;
        t.fewest = t.counted ? std::min(t.fewest, *p.outputTokensMin) : *p.outputTokensMin;
        t.most = t.counted ? std::max(t.most, *p.outputTokensMax) : *p.outputTokensMax;
        t.counted = true;
        t.tokens += *p.outputTokens;
        t.requests += p.requests;
        if (p.serving && !p.serving->tokensCountedFrom.empty()) t.sources.insert(p.serving->tokensCountedFrom);
    }
    return t;
}

// "counted from the server's usage.completion_tokens"; "" where nothing says how (the built-in engine).
std::string countedFrom(const TokenTally& t) {
    if (t.sources.empty()) return {};
    if (t.sources.size() == 1 && t.sources.count("usage")) return "counted from the server's usage.completion_tokens";
    if (t.sources.size() == 1 && t.sources.count("stream"))
        return "counted as the streamed chunks with text, as the server sent no usage; an end-of-text token has no text and is not counted";
    return "counted from the server's usage.completion_tokens where it sent it, else as the streamed chunks with text";
}

}  // namespace

std::string sweepTokensEachText(const SweepRun& s) {
    const std::string n = std::to_string(s.maxNewTokens);
    TokenTally all;
    for (const auto& [_, m] : s.models) all = tally(m.points, all);
    const bool endpoint = !s.endpoint.empty();
    if (!all.counted) return endpoint ? n + " new tokens asked of each (what the server produced was not counted in this run)" : n + " new tokens each";
    if (all.fewest < s.maxNewTokens) return n + " new tokens asked of each";
    const std::string how = countedFrom(all);
    return n + " new tokens each" + (how.empty() ? std::string() : " (every request produced all " + n + ", " + how + ")");
}

std::optional<std::string> tokenShortfallText(const SweepRun& s, const SweepModel& m) {
    const TokenTally t = tally(m.points);
    if (!t.counted || t.fewest >= s.maxNewTokens || t.requests <= 0) return std::nullopt;
    const bool endpoint = !s.endpoint.empty();
    const std::string who = endpoint ? "the server" : "the engine";
    const std::string how = countedFrom(t);
    const std::string range = t.fewest == t.most ? std::to_string(t.fewest) : std::to_string(t.fewest) + " to " + std::to_string(t.most);
    return who + " produced fewer tokens than the " + std::to_string(s.maxNewTokens) + " asked of each request: " + range + " per request, " +
           fmt::format("{:.1f}", double(t.tokens) / double(t.requests)) + " on average over " + std::to_string(t.requests) + " requests" + (how.empty() ? std::string() : " (" + how + ")") + ". " +
           (endpoint ? "It stopped them early (at end-of-text where it does not honour ignore_eos, or at a limit of its own); " : "") +
           "output tok/s and TPOT are over the tokens produced, not " + std::to_string(s.maxNewTokens) + " each";
}

std::string pointTokensText(const SweepPoint& p) {
    if (!p.outputTokens || !p.outputTokensMin || !p.outputTokensMax) return "-";
    if (*p.outputTokensMin == *p.outputTokensMax) return std::to_string(*p.outputTokensMin);
    return std::to_string(*p.outputTokensMin) + "-" + std::to_string(*p.outputTokensMax) + " (mean " +
           fmt::format("{:.1f}", p.requests > 0 ? double(*p.outputTokens) / p.requests : 0.0) + ")";
}

}  // namespace awq
