#include "core/serve/endpoint_sweep.h"

#include "core/compare/compare_runner.h"
#include "core/serve/endpoint_compare.h"
#include "core/util/error.h"

#include <algorithm>

namespace awq::serve {

JobResult<SweepModel> runEndpointSweep(const Endpoint& e, const SweepSettings& s, LoadSettings load, const ServingSlo& slo, const std::string& slot,
                                       const SweepCallback& onEvent, std::stop_token stop) {
    std::vector<int> levels = s.concurrency;
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    if (levels.empty() || levels.front() < 1) throw Error("concurrency levels must be positive", {}, "pass e.g. --concurrency 1,4,16");
    load.maxTokens = s.maxNewTokens;
    load.prompt = s.prompt;
    // One untimed request: connection set-up, the server's first-request costs.
    if (const auto warm = timedCompletion(e, load.prompt, std::min(load.maxTokens, 4)); !warm.ok)
        throw Error(e.url + ": the warm-up request failed: " + warm.error);
    SweepModel model;
    for (int c : levels) {
        if (stop.stop_requested()) break;
        load.maxConcurrency = c;
        double seconds = 0;
        const auto timings = runLoad(e, load, seconds, [&](int done, int total) {
            if (onEvent) onEvent({slot, c, done, total, std::nullopt});
        }, stop);
        auto point = servingPoint(timings, seconds, c, load.requestRate, slo);
        if (point.requests == 0) {
            if (stop.stop_requested()) break;
            std::string why;
            for (const auto& t : timings)
                if (!t.ok) why = t.error;
            throw Error(e.url + ": every request at concurrency " + std::to_string(c) + " failed: " + why);
        }
        model.points.push_back(point);
        if (onEvent) onEvent({slot, c, load.numPrompts, load.numPrompts, point});
    }
    deriveSweepFigures(model, s);
    return {std::move(model), stop.stop_requested()};
}

RunDocument runEndpointSweepDocument(std::vector<Endpoint> endpoints, const SweepSettings& s, LoadSettings load, const ServingSlo& slo,
                                     const SweepCallback& onEvent, std::stop_token stop) {
    if (endpoints.empty() || endpoints.size() > 2) throw Error("a sweep takes one or two endpoints");
    std::vector<int> levels = s.concurrency;
    std::sort(levels.begin(), levels.end());
    levels.erase(std::unique(levels.begin(), levels.end()), levels.end());
    if (levels.empty() || levels.front() < 1) throw Error("concurrency levels must be positive", {}, "pass e.g. --concurrency 1,4,16");

    RunSettings run;
    run.device = "endpoint";
    run.maxNewTokens = s.maxNewTokens;
    run.greedy = true;
    auto doc = newRunDocument("sweep", run);
    doc.host = HostInfo{endpoints[0].url, "", 0};  // the hardware is the server's, unknown here
    doc.sweep = SweepRun{s.maxNewTokens, s.prompt, s.sloP95Ms, s.gpuHourlyUsd, {}, endpoints[0].url};
    doc.sweep->sloTtftMs = slo.ttftMs;   // the SLOs behind goodput, recorded with it
    doc.sweep->sloTpotMs = slo.tpotMs;

    for (std::size_t i = 0; i < endpoints.size() && !doc.cancelled; ++i) {
        const std::string slot = i == 0 ? "A" : "B";
        auto& e = endpoints[i];
        resolveServedModel(e);
        doc.models[slot] = endpointIdentity(e);

        auto model = runEndpointSweep(e, s, load, slo, slot, onEvent, stop);
        doc.cancelled = model.cancelled;
        doc.sweep->models[slot] = std::move(model.value);
    }
    return doc;
}

}  // namespace awq::serve
