#pragma once
// Where a decode step's time goes, on the engine's own device: on CUDA the GPU kernels (CUPTI), on
// the CPU the torch operators and the engine's named steps (kernel_timeline.h). A greedy
// generation of 1 + steps new tokens after the prompt is recorded; its records past those of a
// 1-token generation (the prefill and the first token) are the decode steps, divided by steps.
#include "core/engine/engine.h"
#include "core/engine/kernel_timeline.h"

#include <string>
#include <stop_token>
#include <vector>

namespace awq {

struct StepKernel {
    std::string name;
    KernelCategory category = KernelCategory::Other;
    double callsPerStep = 0, usPerStep = 0;
};

struct DecodeStepProfile {
    std::string device;                 // "cuda" (kernels) or "cpu" (torch operators)
    int steps = 0;
    double stepUs = 0;                  // a decode step on the host clock: (E2E - TTFT) / steps
    double busyUs = 0;                  // of which kernels (operators) ran
    double categoryUs[4] = {0, 0, 0, 0};  // by KernelCategory, per step
    std::vector<StepKernel> kernels;    // largest time first
    bool cancelled = false;             // stopped through `stop`: nothing measured (the figures are whole runs or none)
    std::vector<KernelRecord> records;  // the longer generation, for chromeTraceJson
};

// The most decode steps the model's context holds after a prompt of `promptTokens` tokens (the
// prompt, the first new token, then the steps); 0 when none fit.
int decodeStepsThatFit(const Engine& engine, std::size_t promptTokens);

// 1 <= steps <= decodeStepsThatFit(engine, promptIds.size()): a generation cut short by the context
// would be divided by steps it never ran (2000 steps asked of a 1024-token context read 2.5x too
// fast); callers cap with decodeStepsThatFit and say so. Throws awq::Error for steps out of that
// range, where the device cannot be recorded (CUDA without CUPTI, another profiler attached) and
// whatever generate() throws. A stop request through `stop` ends it early with `cancelled` set.
DecodeStepProfile profileDecodeSteps(Engine& engine, const std::vector<int>& promptIds, int steps, std::stop_token stop = {});

}  // namespace awq
