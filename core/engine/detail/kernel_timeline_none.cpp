// KernelTimelineRecorder in builds without CUDA's profiling interface (CUPTI): never available.
#include "core/engine/kernel_timeline.h"

#include "core/util/error.h"

namespace awq {

bool KernelTimelineRecorder::available() { return false; }

KernelTimelineRecorder::KernelTimelineRecorder() {
    throw Error("recording GPU kernels needs a CUDA build with CUPTI", {}, "build with -DAWQBENCH_ENABLE_CUDA=ON where the CUDA toolkit's CUPTI is installed");
}

KernelTimelineRecorder::~KernelTimelineRecorder() = default;

std::vector<KernelRecord> KernelTimelineRecorder::stop() { return {}; }

}  // namespace awq
