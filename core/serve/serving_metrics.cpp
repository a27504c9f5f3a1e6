#include "core/serve/serving_metrics.h"

#include <algorithm>

namespace awq::serve {

SweepPoint servingPoint(const std::vector<RequestTiming>& requests, double durationSeconds, int maxConcurrency,
                        std::optional<double> requestRate, const ServingSlo& slo) {
    std::vector<double> ttft, tpot, itl, e2el;
    std::int64_t tokens = 0;
    int completed = 0, failed = 0, good = 0, fromUsage = 0;
    std::optional<int> fewest, most;
    for (const auto& r : requests) {
        if (!r.ok) {
            ++failed;
            continue;
        }
        ++completed;
        tokens += r.outputTokens;
        fewest = std::min(fewest.value_or(r.outputTokens), r.outputTokens);
        most = std::max(most.value_or(r.outputTokens), r.outputTokens);
        if (r.tokensFromUsage) ++fromUsage;
        ttft.push_back(r.ttftMs);
        e2el.push_back(r.e2elMs);
        itl.insert(itl.end(), r.itlMs.begin(), r.itlMs.end());
        const double requestTpot = r.outputTokens > 1 ? (r.e2elMs - r.ttftMs) / (r.outputTokens - 1) : 0;
        if (r.outputTokens > 1) tpot.push_back(requestTpot);
        if ((!slo.ttftMs || r.ttftMs <= *slo.ttftMs) && (!slo.tpotMs || requestTpot <= *slo.tpotMs) && (!slo.e2elMs || r.e2elMs <= *slo.e2elMs))
            ++good;
    }
    SweepPoint p;
    p.concurrency = maxConcurrency;
    p.requests = completed;
    p.outputTokensPerS = durationSeconds > 0 ? double(tokens) / durationSeconds : 0;
    if (completed > 0) {
        p.outputTokens = tokens;
        p.outputTokensMin = fewest;
        p.outputTokensMax = most;
    }
    p.latencyMs = latencyStats(e2el);
    p.ttftMs = latencyStats(ttft);
    ServingStats s;
    s.requestRate = requestRate;
    s.completed = completed;
    s.failed = failed;
    s.durationSeconds = durationSeconds;
    s.requestThroughput = durationSeconds > 0 ? completed / durationSeconds : 0;
    if (!tpot.empty()) s.tpotMs = latencyStats(tpot);   // no request gave two tokens: not measured (null)
    if (!itl.empty()) s.itlMs = latencyStats(itl);
    if (completed > 0) s.tokensCountedFrom = fromUsage == completed ? "usage" : fromUsage == 0 ? "stream" : "usage and stream";
    if (slo.any()) s.goodput = durationSeconds > 0 ? good / durationSeconds : 0;
    p.serving = s;
    return p;
}

}  // namespace awq::serve
