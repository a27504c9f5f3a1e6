#include "core/compare/decode_timeline.h"

#include "core/compare/device_label.h"
#include "core/engine/decode_profile.h"
#include "core/engine/device_ceilings.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <algorithm>
#include <map>

namespace awq {
namespace fs = std::filesystem;
namespace {

// Weight bytes a decode step reads and the matmul parameters it multiplies by: everything the
// engine holds, less an untied embedding table (a step gathers one row of it). A tied table is
// lm_head's matrix and is read whole. Norm weights are counted in; they are a rounding error.
struct MatmulWeights {
    std::uint64_t bytes = 0;
    double parameters = 0;
};
MatmulWeights matmulWeights(const Engine& engine, const RunModel& identity) {
    const auto& cfg = engine.model().config;
    const double embedParams = cfg.tieWordEmbeddings ? 0.0 : double(cfg.vocabSize) * double(cfg.hiddenSize);
    const double elementBytes = engine.computeDtype() == "float32" ? 4.0 : 2.0;
    MatmulWeights w;
    const double held = double(engine.weightMemoryBytes());
    w.bytes = std::uint64_t(std::max(0.0, held - embedParams * elementBytes));
    w.parameters = std::max(0.0, double(identity.parameters) - embedParams);
    return w;
}

}  // namespace

JobResult<TimelineRun> runDecodeTimeline(const std::vector<LoadedModel*>& models, const TimelineOptions& options,
                                         const std::function<void(const std::string&)>& onStage, std::stop_token stop) {
    TimelineRun run;
    run.prompt = options.prompt;
    run.batch = 1;
    // Both models measure the same number of steps: as many as asked where every model's context
    // holds them after the prompt, else as many as the smallest holds (a generation cut short by
    // the context was divided by steps it never ran).
    run.steps = options.steps;
    for (const LoadedModel* m : models)
        run.steps = std::min(run.steps, decodeStepsThatFit(*m->engine, m->engine->encode(options.prompt, true).size()));
    if (run.steps < 1) throw Error("the timeline's prompt leaves no room for a decode step in a model's context", {}, "use a shorter prompt");
    std::map<std::string, TimelineCeilings> ceilings;  // by "device|dtype"
    for (LoadedModel* m : models) {
        if (stop.stop_requested()) break;
        Engine& engine = *m->engine;
        const std::string device = engine.options().device == DeviceKind::Cuda ? "cuda" : "cpu";
        const std::string label = deviceLabel(thisHost(device));
        const std::string key = device + "|" + engine.computeDtype();
        if (!ceilings.count(key)) {
            if (onStage) onStage("ceilings");
            const DeviceCeilings c = measureDeviceCeilings(engine.options().device, engine.computeDtype(), engine.options().cudaDevice);
            ceilings[key] = {label, c.dtype, c.readGBs, c.computeGFlops, c.readBytes, c.matmulN};
        }
        if (stop.stop_requested()) break;
        if (onStage) onStage(m->slot);
        const auto ids = engine.encode(options.prompt, true);
        run.promptTokens = int(ids.size());
        const DecodeStepProfile p = profileDecodeSteps(engine, ids, run.steps);
        TimelineModel t;
        t.device = label;
        t.recorded = p.device == "cuda" ? "kernels" : "operators";
        t.steps = p.steps;
        t.stepUs = p.stepUs;
        t.busyUs = p.busyUs;
        t.idleUs = std::max(0.0, p.stepUs - p.busyUs);
        for (int c = 0; c < 4; ++c) t.categoryUs[c] = p.categoryUs[c];
        for (std::size_t i = 0; i < p.kernels.size() && int(i) < options.topKernels; ++i)
            t.top.push_back({p.kernels[i].name, kernelCategoryName(p.kernels[i].category), p.kernels[i].callsPerStep, p.kernels[i].usPerStep});
        const MatmulWeights w = matmulWeights(engine, m->identity);
        t.weightBytesPerStep = w.bytes;
        t.matmulFlopsPerStep = 2.0 * w.parameters * run.batch;
        t.ceilings = ceilings[key];
        t.pendingTrace = chromeTraceJson(p.records, m->identity.name + " (" + m->slot + ") on " + label);
        run.models[m->slot] = std::move(t);
    }
    bool b4bit = false;
    for (LoadedModel* m : models)
        if (m->slot == "B" && m->identity.quantization && m->identity.quantization->bits == 4) b4bit = true;
    run.verdict = timelineVerdict(run, b4bit);
    return {std::move(run), stop.stop_requested()};
}

RooflineInput rooflineInputOf(const TimelineModel& m) {
    return {m.stepUs, m.categoryUs[0], double(m.weightBytesPerStep), m.matmulFlopsPerStep, m.ceilings.readGBs, m.ceilings.computeGFlops};
}

std::string timelineVerdict(const TimelineRun& run, bool b4bit) {
    const auto a = run.models.find("A"), b = run.models.find("B");
    if (a == run.models.end() || b == run.models.end()) return {};
    return rooflineVerdict(rooflineInputOf(a->second), rooflineInputOf(b->second), b4bit ? "INT4" : "B");
}

void saveTimelineTraces(TimelineRun& run, const fs::path& runFile) {
    for (auto& [slot, m] : run.models) {
        if (m.pendingTrace.empty()) continue;
        const std::string name = timelineTraceFileName(runFile, slot);
        writeFileAtomically(runFile.parent_path() / name, m.pendingTrace);
        m.traceFile = name;
        m.pendingTrace.clear();
    }
}

}  // namespace awq
