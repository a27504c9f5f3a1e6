#pragma once
// vLLM benchmark_serving's figures from the timings of streamed requests (no HTTP here):
// TTFT (send to first streamed token), ITL (gaps between streamed chunks after the first), TPOT
// ((E2EL - TTFT) / (output tokens - 1), requests with 2+ tokens), E2EL (send to the end), request
// and output throughput over the run's wall time, goodput (requests meeting every SLO, per second).
#include "core/run/run_document.h"

#include <optional>
#include <string>
#include <vector>

namespace awq::serve {

struct RequestTiming {
    bool ok = false;
    std::string error;              // why it failed (HTTP status and body, connection error)
    double ttftMs = 0, e2elMs = 0;
    std::vector<double> itlMs;      // one per chunk after the first
    int outputTokens = 0;           // usage.completion_tokens, else the chunks with text
    int promptTokens = 0;
    bool tokensFromUsage = false;   // outputTokens is the server's usage.completion_tokens (false: chunks counted)
};

struct ServingSlo {                 // vLLM's --goodput ttft:X tpot:Y e2el:Z, in ms; unset: no limit
    std::optional<double> ttftMs, tpotMs, e2elMs;
    bool any() const { return ttftMs || tpotMs || e2elMs; }
};

// The sweep point of one run of requests (concurrency = the max concurrency it ran under). Output
// tokens/s, TPOT and the point's output_tokens (total, fewest and most of one request) are over the
// tokens each completed request was counted to produce, whatever max_tokens asked for;
// serving.tokens_counted_from says how they were counted.
SweepPoint servingPoint(const std::vector<RequestTiming>& requests, double durationSeconds, int maxConcurrency,
                        std::optional<double> requestRate, const ServingSlo& slo);

}  // namespace awq::serve
