#include "core/serve/endpoint_compare.h"

#include "core/util/error.h"

#include <algorithm>
#include <memory>

namespace awq::serve {

void resolveServedModel(Endpoint& e) {
    const auto served = endpointModelEntries(e);
    if (e.model.empty()) {
        if (served.empty()) throw Error(e.url + " serves no model");
        e.model = served.front().id;
    }
    const auto it = std::find_if(served.begin(), served.end(), [&](const ServedModelEntry& m) { return m.id == e.model; });
    if (it == served.end()) {
        std::string list;
        for (const auto& m : served) list += (list.empty() ? "" : ", ") + m.id;
        throw Error(e.url + " does not serve '" + e.model + "' (it serves: " + list + ")", {}, "pass one of those names");
    }
    e.quantizationReported = it->quantizationReported;
    e.quantization = it->quantization;
}

RunModel endpointIdentity(const Endpoint& e) {
    RunModel identity;
    identity.name = e.model;
    identity.path = e.url;
    // The rest (parameters, sizes, load time, memory) is the server's: unknown here, written as null.
    if (e.quantizationReported) {
        identity.quantization = e.quantization;
        identity.quantizationSource = "server";
    }
    return identity;
}

std::string endpointNote(const std::string& slot, const Endpoint& e, bool qualityAsked) {
    std::string note = slot + " (" + e.url + ", " + e.model + ") is an OpenAI endpoint: ";
    note += qualityAsked ? "no perplexity, KLD or top-1 agreement for it (they need the model's logits, which a server does not give)"
                         : "perplexity and KLD cannot be measured for it (they need the model's logits, which a server does not give)";
    return note + "; its weights, load time and memory are the server's and not measured here.";
}

std::string endpointQualityNote(const std::string& endpointSlot) {
    return "KLD and top-1 agreement need the logits of both models; " + endpointSlot + " is an endpoint, which gives none";
}

BatterySide endpointSide(const Endpoint& endpoint, const std::string& slot, const RunSettings& run) {
    // The warm-up: a few tokens, discarded, so the first timed test does not pay for the connection
    // (and whatever the server does on its first request).
    auto warmUp = [endpoint, run](std::stop_token) {
        CompletionCall call;
        call.prompt = "Once upon a time";
        call.maxTokens = kBatteryWarmupTokens;
        call.temperature = run.greedy ? 0 : run.temperature;
        call.topP = run.topP;
        const auto s = streamCompletion(endpoint, call, {});
        if (!s.timing.ok) throw Error(endpoint.url + ": warm-up request: " + s.timing.error);
    };
    return {slot, [endpoint, run](const BatteryTest& test, const TextSink& onText, std::stop_token) {
        CompletionCall call;
        call.chat = test.chat;
        call.prompt = test.prompt;
        call.maxTokens = test.maxNewTokens > 0 ? test.maxNewTokens : run.maxNewTokens;
        call.temperature = run.greedy ? 0 : run.temperature;
        call.topP = run.topP;
        if (!run.greedy) call.seed = run.seed;
        const auto s = streamCompletion(endpoint, call, onText);
        if (!s.timing.ok) throw Error(endpoint.url + ": test " + test.id + ": " + s.timing.error);
        SideAnswer a;
        a.result.text = s.text;
        a.result.finish = s.finishReason == "length" ? FinishReason::Length : FinishReason::StopToken;
        auto& m = a.result.metrics;
        m.promptTokens = s.timing.promptTokens;
        m.newTokens = s.timing.outputTokens;
        m.ttftMs = s.timing.ttftMs;
        m.e2eMs = s.timing.e2elMs;
        if (m.newTokens > 1) m.tpotMs = (m.e2eMs - m.ttftMs) / (m.newTokens - 1);
        m.tokensPerSecond = m.e2eMs > 0 ? m.newTokens / (m.e2eMs / 1000.0) : 0;
        a.outputTokens = m.newTokens;   // the server's count (usage): no token ids here
        a.itlMs = s.timing.itlMs;
        a.seconds = m.e2eMs / 1000.0;
        return a;
    }, warmUp};
}

RunDocument runMixedComparison(std::array<CompareSide, 2> sides, const std::optional<Battery>& battery,
                               const std::optional<QualityOptions>& quality, const RunSettings& run, const CompareCallback& onEvent,
                               std::stop_token stop) {
    const auto emit = [&](CompareEvent e) {
        if (onEvent) onEvent(e);
    };
    if (!sides[0].endpoint && !sides[1].endpoint)
        return runComparison({sides[0].folder, sides[1].folder, sides[0].lora, sides[1].lora, run, battery, quality}, onEvent, stop);
    const bool anyLocal = !sides[0].endpoint || !sides[1].endpoint;
    auto settings = run;
    if (!anyLocal) {   // nothing runs here: the device and dtype are the servers'
        settings.device = "endpoint";
        settings.dtype = "";
    }
    auto doc = newRunDocument("compare", settings);
    const std::string slots[2] = {"A", "B"};
    std::array<std::unique_ptr<LoadedModel>, 2> loaded;
    std::vector<BatterySide> batterySides;
    for (const auto& side : sides) {  // before anything loads or is asked, as runComparison checks
        if (side.endpoint) continue;
        requireTokenizerForRun(side.folder);
        if (quality) requireQualityWindowFits(side.folder, quality->perplexity.context);
    }
    for (int i = 0; i < 2; ++i) {
        auto& side = sides[std::size_t(i)];
        const auto& slot = slots[i];
        if (side.endpoint) {
            emit({CompareEvent::Kind::Loading, slot, side.endpoint->url, {}, {}});
            resolveServedModel(*side.endpoint);
            doc.models[slot] = endpointIdentity(*side.endpoint);
            doc.notes.push_back(endpointNote(slot, *side.endpoint, quality.has_value()));
            batterySides.push_back(endpointSide(*side.endpoint, slot, run));
        } else {
            emit({CompareEvent::Kind::Loading, slot, side.folder.filename().string(), {}, {}});
            auto options = engineOptionsFor(run);
            options.lora = side.lora;
            loaded[std::size_t(i)] = std::make_unique<LoadedModel>(loadModelForRun(slot, side.folder, options));
            auto& identity = loaded[std::size_t(i)]->identity;
            if (!side.lora.empty()) identity.loraAdapter = std::filesystem::absolute(side.lora).string();
            doc.models[slot] = identity;
            batterySides.push_back(engineSide(*loaded[std::size_t(i)], run));
        }
        emit({CompareEvent::Kind::Loaded, slot, doc.models[slot].name, {}, {}});
    }
    if (!anyLocal) doc.host = HostInfo{sides[0].endpoint->url, "", 0};   // the hardware is the servers', unknown here

    if (battery && !stop.stop_requested()) {
        auto outcome = runBatterySides(batterySides, *battery, [&](const BatteryEvent& e) {
            emit({CompareEvent::Kind::Battery, e.slot, {}, e, {}});
        }, stop);
        doc.battery = std::move(outcome.run);
        doc.speed = std::move(outcome.speed);
        doc.cancelled = outcome.cancelled;
        doc.stoppedReason = outcome.stoppedReason;
    }
    if (quality && anyLocal && !stop.stop_requested() && doc.stoppedReason.empty()) {
        // Perplexity of the folder side alone (its slot kept); KLD needs both models' logits.
        const int local = loaded[0] ? 0 : 1;
        auto q = runQualityAlone(*loaded[std::size_t(local)]->engine, slots[local], *quality, endpointQualityNote(slots[1 - local]),
                                 [&](const QualityEvent& e) { emit({CompareEvent::Kind::Quality, e.slot, {}, {}, e}); }, stop);
        doc.quality = std::move(q.value);
        doc.cancelled = doc.cancelled || q.cancelled;
    }
    doc.cancelled = doc.cancelled || stop.stop_requested();
    emit({CompareEvent::Kind::Finished, {}, doc.cancelled ? "cancelled" : "finished", {}, {}});
    return doc;
}

}  // namespace awq::serve
