#include "core/engine/decode_profile.h"

#include "core/util/error.h"

#include <algorithm>
#include <map>

namespace awq {
namespace {

struct Recorded {
    std::vector<KernelRecord> records;
    GenerationMetrics metrics;
};

Recorded recordGeneration(Engine& engine, const std::vector<int>& promptIds, int newTokens) {
    GenerationRequest r;
    r.promptIds = promptIds;
    r.maxNewTokens = newTokens;
    r.stopIds = {-1};  // never stop early: exactly newTokens tokens
    Recorded out;
    if (engine.options().device == DeviceKind::Cuda) {
        KernelTimelineRecorder recorder;
        out.metrics = engine.generate({r})[0].metrics;
        out.records = recorder.stop();
    } else {
        TorchOpRecorder recorder;
        out.metrics = engine.generate({r})[0].metrics;
        out.records = recorder.stop();
    }
    return out;
}

}  // namespace

DecodeStepProfile profileDecodeSteps(Engine& engine, const std::vector<int>& promptIds, int steps) {
    if (steps < 1) throw Error("profiling needs at least one decode step");
    if (promptIds.empty()) throw Error("profiling needs a prompt");
    recordGeneration(engine, promptIds, 2);  // warm-up: allocator pools, graph capture, first-call costs
    const Recorded prefill = recordGeneration(engine, promptIds, 1);
    Recorded full = recordGeneration(engine, promptIds, 1 + steps);
    const TimelineSummary a = summarizeTimeline(prefill.records), b = summarizeTimeline(full.records);

    DecodeStepProfile p;
    p.device = engine.options().device == DeviceKind::Cuda ? "cuda" : "cpu";
    p.steps = steps;
    p.stepUs = (full.metrics.e2eMs - full.metrics.ttftMs) * 1000.0 / steps;
    p.busyUs = std::max(0.0, (b.busyUs - a.busyUs) / steps);
    for (int c = 0; c < 4; ++c) p.categoryUs[c] = std::max(0.0, (b.categoryUs[c] - a.categoryUs[c]) / steps);
    std::map<std::string, const KernelTotal*> before;
    for (const auto& k : a.kernels) before[k.name] = &k;
    for (const auto& k : b.kernels) {
        double calls = double(k.calls), us = k.totalUs;
        if (const auto it = before.find(k.name); it != before.end()) {
            calls -= double(it->second->calls);
            us -= it->second->totalUs;
        }
        if (calls > 0 && us > 0) p.kernels.push_back({k.name, k.category, calls / steps, us / steps});
    }
    std::sort(p.kernels.begin(), p.kernels.end(), [](const StepKernel& x, const StepKernel& y) { return x.usPerStep > y.usPerStep; });
    p.records = std::move(full.records);
    return p;
}

}  // namespace awq
