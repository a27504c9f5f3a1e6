#include "core/engine/decode_profile.h"

#include "core/util/error.h"
#include "core/util/format.h"

#include <algorithm>
#include <climits>

namespace awq {
namespace {

struct Recorded {
    std::vector<KernelRecord> records;
    GenerationMetrics metrics;
};

Recorded recordGeneration(Engine& engine, const std::vector<int>& promptIds, int newTokens, std::stop_token stop) {
    GenerationRequest r;
    r.promptIds = promptIds;
    r.maxNewTokens = newTokens;
    r.stopIds = {-1};  // never stop early: exactly newTokens tokens
    Recorded out;
    if (engine.options().device == DeviceKind::Cuda) {
        KernelTimelineRecorder recorder;
        out.metrics = engine.generate({r}, {}, stop)[0].metrics;
        out.records = recorder.stop();
    } else {
        TorchOpRecorder recorder;
        out.metrics = engine.generate({r}, {}, stop)[0].metrics;
        out.records = recorder.stop();
    }
    return out;
}

}  // namespace

int decodeStepsThatFit(const Engine& engine, std::size_t promptTokens) {
    return std::max(0, engine.maxContext() - int(std::min<std::size_t>(promptTokens, INT_MAX / 2)) - 1);
}

DecodeStepProfile profileDecodeSteps(Engine& engine, const std::vector<int>& promptIds, int steps, std::stop_token stop) {
    if (steps < 1) throw Error("profiling needs at least one decode step");
    if (promptIds.empty()) throw Error("profiling needs a prompt");
    if (const int fit = decodeStepsThatFit(engine, promptIds.size()); steps > fit)
        throw Error(format::counted(std::uint64_t(steps), "decode step") + " after a prompt of " + format::counted(promptIds.size(), "token") +
                        " exceed the model's context of " + format::counted(std::uint64_t(engine.maxContext()), "token"),
                    {}, fit > 0 ? "profile at most " + format::counted(std::uint64_t(fit), "step") : "use a shorter prompt");
    // Warm-up at the measured length: the same KV cache (and, on CUDA, its captured graphs) serves
    // the measured run, so no allocation or capture lands in it.
    recordGeneration(engine, promptIds, 1 + steps, stop);
    // The 1-token generation runs exactly the measured run's first kernels (operators): its count
    // marks where the measured run's decode steps begin. Cutting there, rather than subtracting the
    // two runs' times, keeps one run's figures together (a noisy machine made the difference larger
    // than the step).
    const std::size_t prefillRecords = recordGeneration(engine, promptIds, 1, stop).records.size();
    Recorded full = recordGeneration(engine, promptIds, 1 + steps, stop);
    if (stop.stop_requested()) {
        DecodeStepProfile cancelled;
        cancelled.device = engine.options().device == DeviceKind::Cuda ? "cuda" : "cpu";
        cancelled.cancelled = true;
        return cancelled;
    }
    if (full.metrics.newTokens != 1 + steps)  // never divide by steps that did not run
        throw Error("the profiled generation stopped after " + std::to_string(full.metrics.newTokens) + " of " + std::to_string(1 + steps) + " tokens");
    const std::vector<KernelRecord> decode(full.records.begin() + std::ptrdiff_t(std::min(prefillRecords, full.records.size())),
                                           full.records.end());
    const TimelineSummary d = summarizeTimeline(decode);

    DecodeStepProfile p;
    p.device = engine.options().device == DeviceKind::Cuda ? "cuda" : "cpu";
    p.steps = steps;
    p.stepUs = (full.metrics.e2eMs - full.metrics.ttftMs) * 1000.0 / steps;
    p.busyUs = d.busyUs / steps;
    for (int c = 0; c < 4; ++c) p.categoryUs[c] = d.categoryUs[c] / steps;
    for (const auto& k : d.kernels) p.kernels.push_back({k.name, k.category, double(k.calls) / steps, k.totalUs / steps});
    p.records = std::move(full.records);
    return p;
}

}  // namespace awq
