// KernelTimelineRecorder on CUPTI's activity API (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL: kernels
// that run concurrently are reported as such, graph replays included). CUPTI hands us buffers to
// fill and gives them back full (or on flush); we keep only the kernel records.
#include "core/engine/kernel_timeline.h"

#include "core/util/error.h"

#include <cuda_runtime_api.h>
#include <cupti.h>

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

namespace awq {
namespace {

#if CUPTI_API_VERSION >= 130000
using KernelActivity = CUpti_ActivityKernel10;
#else
using KernelActivity = CUpti_ActivityKernel9;
#endif

constexpr std::size_t kBufferBytes = std::size_t(8) << 20;

std::mutex recordsMutex;
std::vector<KernelRecord> recorded;
bool recorderActive = false;  // guarded by recordsMutex

void check(CUptiResult result, const char* call) {
    if (result == CUPTI_SUCCESS) return;
    const char* text = nullptr;
    cuptiGetResultString(result, &text);
    throw Error(std::string("recording GPU kernels: ") + call + " failed: " + (text ? text : "unknown CUPTI error"), {},
                "run without --timeline; another profiler (ncu, nsys) may hold the GPU's profiling interface");
}

// "void ns::kernel<T, 4>(Args)" -> "ns::kernel<T, 4>": demangled, return type and parameters dropped.
std::string shortName(const char* mangled) {
    if (!mangled) return "?";
    int status = 0;
    std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
    std::string name = status == 0 && demangled ? demangled.get() : mangled;
    const std::string anonymous = "(anonymous namespace)::";
    for (auto at = name.find(anonymous); at != std::string::npos; at = name.find(anonymous)) name.erase(at, anonymous.size());
    int depth = 0;
    for (std::size_t i = 0; i < name.size(); ++i) {  // cut at the parameter list (outside template brackets)
        if (name[i] == '<') ++depth;
        else if (name[i] == '>') --depth;
        else if (name[i] == '(' && depth == 0 && i > 0) {
            name.resize(i);
            break;
        }
    }
    if (name.rfind("void ", 0) == 0) name.erase(0, 5);
    return name;
}

void CUPTIAPI bufferRequested(std::uint8_t** buffer, std::size_t* size, std::size_t* maxNumRecords) {
    *buffer = static_cast<std::uint8_t*>(std::aligned_alloc(8, kBufferBytes));
    *size = *buffer ? kBufferBytes : 0;
    *maxNumRecords = 0;
}

void CUPTIAPI bufferCompleted(CUcontext, std::uint32_t, std::uint8_t* buffer, std::size_t, std::size_t validSize) {
    CUpti_Activity* record = nullptr;
    std::vector<KernelRecord> found;
    while (cuptiActivityGetNextRecord(buffer, validSize, &record) == CUPTI_SUCCESS) {
        if (record->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL && record->kind != CUPTI_ACTIVITY_KIND_KERNEL) continue;
        const auto* k = reinterpret_cast<const KernelActivity*>(record);
        found.push_back({shortName(k->name), k->start, k->end, k->streamId});
    }
    std::free(buffer);
    const std::lock_guard lock(recordsMutex);
    if (recorderActive) recorded.insert(recorded.end(), found.begin(), found.end());
}

}  // namespace

bool KernelTimelineRecorder::available() { return true; }

KernelTimelineRecorder::KernelTimelineRecorder() {
    {
        const std::lock_guard lock(recordsMutex);
        if (recorderActive) throw Error("recording GPU kernels: a recording is already running in this process");
        recorderActive = true;
        recorded.clear();
    }
    try {
        cudaDeviceSynchronize();  // earlier work stays out of the recording
        check(cuptiActivityRegisterCallbacks(bufferRequested, bufferCompleted), "cuptiActivityRegisterCallbacks");
        check(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), "cuptiActivityEnable");
    } catch (...) {
        const std::lock_guard lock(recordsMutex);
        recorderActive = false;
        throw;
    }
    recording_ = true;
}

KernelTimelineRecorder::~KernelTimelineRecorder() {
    if (!recording_) return;
    try {
        stop();
    } catch (...) {  // a destructor must not throw; the records are dropped
    }
}

std::vector<KernelRecord> KernelTimelineRecorder::stop() {
    if (!recording_) return {};
    recording_ = false;
    cudaDeviceSynchronize();
    const CUptiResult flushed = cuptiActivityFlushAll(CUPTI_ACTIVITY_FLAG_FLUSH_FORCED);
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    std::vector<KernelRecord> out;
    {
        const std::lock_guard lock(recordsMutex);
        recorderActive = false;
        out.swap(recorded);
    }
    check(flushed, "cuptiActivityFlushAll");
    std::sort(out.begin(), out.end(), [](const KernelRecord& a, const KernelRecord& b) { return a.startNs < b.startNs; });
    return out;
}

}  // namespace awq
