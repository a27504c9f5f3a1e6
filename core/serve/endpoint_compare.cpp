#include "core/serve/endpoint_compare.h"

#include "core/util/error.h"

#include <algorithm>

namespace awq::serve {

void resolveServedModel(Endpoint& e) {
    const auto served = endpointModels(e);
    if (e.model.empty()) {
        if (served.empty()) throw Error(e.url + " serves no model");
        e.model = served.front();
    } else if (std::find(served.begin(), served.end(), e.model) == served.end()) {
        std::string list;
        for (const auto& m : served) list += (list.empty() ? "" : ", ") + m;
        throw Error(e.url + " does not serve '" + e.model + "' (it serves: " + list + ")", {}, "pass one of those names");
    }
}

RunDocument runEndpointComparison(std::vector<Endpoint> endpoints, const Battery& battery, const RunSettings& run,
                                  const BatteryCallback& onEvent, std::stop_token stop) {
    if (endpoints.size() != 2) throw Error("compare takes two endpoints");
    auto settings = run;
    settings.device = "endpoint";
    settings.dtype = "";
    auto doc = newRunDocument("compare", settings);
    doc.host = HostInfo{endpoints[0].url, "", 0};
    const std::string slots[2] = {"A", "B"};
    for (int i = 0; i < 2; ++i) {
        resolveServedModel(endpoints[std::size_t(i)]);
        RunModel identity;
        identity.name = endpoints[std::size_t(i)].model;
        identity.path = endpoints[std::size_t(i)].url;
        doc.models[slots[i]] = identity;
    }

    BatteryRun out;
    out.name = battery.name;
    out.source = battery.source;
    std::map<std::string, std::vector<GenerationMetrics>> metrics;
    std::map<std::string, std::vector<double>> itl;
    const int n = int(battery.tests.size());
    for (int t = 0; t < n && !doc.cancelled; ++t) {
        const auto& test = battery.tests[std::size_t(t)];
        TestRecord rec{test.id, test.category, test.prompt, test.reference, {}};
        for (int i = 0; i < 2; ++i) {
            if (stop.stop_requested()) {
                doc.cancelled = true;
                break;
            }
            const auto& slot = slots[i];
            if (onEvent) onEvent({BatteryEvent::Kind::TestStarted, slot, t, n, test.id, {}, {}});
            CompletionCall call;
            call.chat = test.chat;
            call.prompt = test.prompt;
            call.maxTokens = test.maxNewTokens > 0 ? test.maxNewTokens : run.maxNewTokens;
            call.temperature = run.greedy ? 0 : run.temperature;
            call.topP = run.topP;
            if (!run.greedy) call.seed = run.seed;
            const auto s = streamCompletion(endpoints[std::size_t(i)], call, [&](const std::string& text) {
                if (onEvent) onEvent({BatteryEvent::Kind::Token, slot, t, n, test.id, text, {}});
            });
            if (!s.timing.ok) throw Error(endpoints[std::size_t(i)].url + ": test " + test.id + ": " + s.timing.error);
            GenerationResult g;
            g.text = s.text;
            g.finish = s.finishReason == "length" ? FinishReason::Length : FinishReason::StopToken;
            auto& m = g.metrics;
            m.promptTokens = s.timing.promptTokens;
            m.newTokens = s.timing.outputTokens;
            m.ttftMs = s.timing.ttftMs;
            m.e2eMs = s.timing.e2elMs;
            m.tpotMs = m.newTokens > 1 ? (m.e2eMs - m.ttftMs) / (m.newTokens - 1) : 0;
            m.tokensPerSecond = m.e2eMs > 0 ? m.newTokens / (m.e2eMs / 1000.0) : 0;
            metrics[slot].push_back(m);
            itl[slot].insert(itl[slot].end(), s.timing.itlMs.begin(), s.timing.itlMs.end());
            auto judged = judgeResult(test, g, m.e2eMs / 1000.0);
            judged.outputTokens = m.newTokens;  // the server's count (usage), no ids here
            rec.results[slot] = judged;
            if (onEvent) onEvent({BatteryEvent::Kind::TestFinished, slot, t, n, test.id, {}, judged});
        }
        if (!rec.results.empty()) out.tests.push_back(std::move(rec));
    }
    for (const auto& slot : slots) {
        out.totals[slot] = batteryTotals(out.tests, slot);
        doc.speed[slot] = speedStats(metrics[slot], itl[slot]);
    }
    doc.battery = std::move(out);
    doc.cancelled = doc.cancelled || stop.stop_requested();
    return doc;
}

}  // namespace awq::serve
