#pragma once
// Where a decode step's time goes, on the engine's own device: on CUDA the GPU kernels (CUPTI), on
// the CPU the torch operators and the engine's named steps (kernel_timeline.h). A greedy
// generation of 1 + steps new tokens after the prompt is recorded; its records past those of a
// 1-token generation (the prefill and the first token) are the decode steps, divided by steps.
#include "core/engine/engine.h"
#include "core/engine/kernel_timeline.h"

#include <string>
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
    std::vector<KernelRecord> records;  // the longer generation, for chromeTraceJson
};

// steps >= 1; promptIds non-empty. Throws awq::Error where the device cannot be recorded (CUDA
// without CUPTI, another profiler attached) and whatever generate() throws.
DecodeStepProfile profileDecodeSteps(Engine& engine, const std::vector<int>& promptIds, int steps);

}  // namespace awq
