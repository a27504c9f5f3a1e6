#include "core/system/gpu_probe.h"

#include <dlfcn.h>

#include <mutex>

#if AWQBENCH_HAVE_NVML_H
#include <nvml.h>
#else
// The few stable NVML declarations we need when CUDA's nvml.h is not installed.
extern "C" {
typedef struct nvmlDevice_st* nvmlDevice_t;
typedef int nvmlReturn_t;
typedef struct {
    unsigned long long total;
    unsigned long long free;
    unsigned long long used;
} nvmlMemory_t;
}
#endif

namespace awq {
namespace {

// NVML is loaded once per process and never unloaded: nvmlShutdown while another thread probes
// would be a race, and the handle costs nothing to keep.
struct Nvml {
    void* lib = nullptr;
    std::string error;
    nvmlReturn_t (*init)() = nullptr;
    nvmlReturn_t (*deviceCount)(unsigned int*) = nullptr;
    nvmlReturn_t (*handleByIndex)(unsigned int, nvmlDevice_t*) = nullptr;
    nvmlReturn_t (*name)(nvmlDevice_t, char*, unsigned int) = nullptr;
    nvmlReturn_t (*memoryInfo)(nvmlDevice_t, nvmlMemory_t*) = nullptr;
    nvmlReturn_t (*driverVersion)(char*, unsigned int) = nullptr;
#if AWQBENCH_HAVE_NVML_H
    nvmlReturn_t (*processes)(nvmlDevice_t, unsigned int*, nvmlProcessInfo_t*) = nullptr;
#endif

    template <typename F>
    void bind(F& fn, const char* symbol) {
        fn = reinterpret_cast<F>(::dlsym(lib, symbol));
    }

    Nvml() {
        lib = ::dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
        if (!lib) {
            error = "no NVIDIA driver (libnvidia-ml.so.1 not found)";
            return;
        }
        bind(init, "nvmlInit_v2");
        bind(deviceCount, "nvmlDeviceGetCount_v2");
        bind(handleByIndex, "nvmlDeviceGetHandleByIndex_v2");
        bind(name, "nvmlDeviceGetName");
        bind(memoryInfo, "nvmlDeviceGetMemoryInfo");
        bind(driverVersion, "nvmlSystemGetDriverVersion");
#if AWQBENCH_HAVE_NVML_H
        bind(processes, "nvmlDeviceGetComputeRunningProcesses_v3");
#endif
        if (!init || !deviceCount || !handleByIndex || !memoryInfo) {
            error = "the NVIDIA driver's NVML library is too old";
            return;
        }
        if (const nvmlReturn_t rc = init(); rc != 0) error = "NVML failed to initialise (error " + std::to_string(rc) + ")";
    }
};

Nvml& nvml() {
    static Nvml instance;
    return instance;
}

}  // namespace

GpuProbeResult probeGpus() {
    static std::mutex mutex;
    std::lock_guard lock(mutex);
    GpuProbeResult r;
    Nvml& n = nvml();
    if (!n.error.empty()) {
        r.reason = n.error;
        return r;
    }
    char text[96] = {};
    if (n.driverVersion && n.driverVersion(text, sizeof text) == 0) r.driverVersion = text;
    unsigned int count = 0;
    if (n.deviceCount(&count) != 0 || count == 0) {
        r.reason = "no NVIDIA GPU found";
        return r;
    }
    for (unsigned int i = 0; i < count; ++i) {
        nvmlDevice_t dev{};
        if (n.handleByIndex(i, &dev) != 0) continue;
        GpuInfo g;
        g.index = static_cast<int>(i);
        if (n.name && n.name(dev, text, sizeof text) == 0) g.name = text;
        nvmlMemory_t mem{};
        if (n.memoryInfo(dev, &mem) == 0) {
            g.totalBytes = mem.total;
            g.usedBytes = mem.used;
            g.freeBytes = mem.free;
        }
#if AWQBENCH_HAVE_NVML_H
        if (n.processes) {
            nvmlProcessInfo_t infos[64];
            unsigned int nproc = 64;
            if (n.processes(dev, &nproc, infos) == 0)
                for (unsigned int p = 0; p < nproc; ++p) g.processes.push_back({infos[p].pid, infos[p].usedGpuMemory});
        }
#endif
        r.gpus.push_back(std::move(g));
    }
    r.available = !r.gpus.empty();
    if (!r.available) r.reason = "no NVIDIA GPU could be queried";
    return r;
}

}  // namespace awq
