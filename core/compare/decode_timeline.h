#pragma once
// The decode timeline of a comparison, FP16 vs INT4 (or any A/B): each loaded model's decode steps
// profiled on the run's device (core/engine/decode_profile.h: CUDA kernels, or torch operators on
// the CPU), the device's read-bandwidth and matmul ceilings measured in the same run
// (core/engine/device_ceilings.h), and the roofline verdict (core/report/decode_roofline.h) of B
// against A. Recorded as the run document's `timeline` section; the Chrome traces are written
// beside the run document (saveTimelineTraces).
#include "core/compare/compare_runner.h"
#include "core/run/run_document.h"
#include "core/report/decode_roofline.h"

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

// Profiles each model (A then B, one at a time; TimelineOptions in compare_runner.h), measuring
// the ceilings once per device and compute dtype, before the first model that needs them.
// `onStage` gets "ceilings" or the slot before each part. Stops between parts on `stop` (the models
// done so far are kept, cancelled = true). Throws awq::Error where a device cannot be recorded (CUDA without CUPTI).
JobResult<TimelineRun> runDecodeTimeline(const std::vector<LoadedModel*>& models, const TimelineOptions& options,
                                         const std::function<void(const std::string& stage)>& onStage = {}, std::stop_token stop = {});

// The roofline inputs of one model's section, and the verdict of the run's A against B ("" unless
// both are there). B is named "INT4" when `b4bit`.
RooflineInput rooflineInputOf(const TimelineModel& m);
std::string timelineVerdict(const TimelineRun& run, bool b4bit);

// Writes each model's pending Chrome trace beside `runFile` as timelineTraceFileName()
// (atomically), records the name in trace_file and drops the pending text. Throws awq::Error when
// a file cannot be written.
void saveTimelineTraces(TimelineRun& run, const std::filesystem::path& runFile);

}  // namespace awq
