#include "core/layers/torch_util.h"

#include "core/util/error.h"

#include <ATen/Parallel.h>

#include <sched.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace awq::engine {

namespace {
// The physical cores among the CPUs this process may run on (sibling hyperthreads count once, as
// torch counts them: two threads on one core's execution units rarely speed up its GEMMs); the
// CPU count where sysfs does not say.
int availablePhysicalCores() {
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0) return 0;
    std::set<std::pair<long, long>> cores;  // (package, core)
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
        if (!CPU_ISSET(cpu, &allowed)) continue;
        const std::string topology = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        long package = -1, core = -1;
        std::ifstream(topology + "physical_package_id") >> package;
        std::ifstream(topology + "core_id") >> core;
        if (package < 0 || core < 0) return CPU_COUNT(&allowed);
        cores.emplace(package, core);
    }
    return int(cores.size());
}
}  // namespace

int useAvailableCpuThreads() {
    if (std::getenv("OMP_NUM_THREADS")) return at::get_num_threads();  // the user's choice
    static const int cores = availablePhysicalCores();
    if (cores > at::get_num_threads()) at::set_num_threads(cores);
    return at::get_num_threads();
}

at::ScalarType scalarTypeOf(DType t) {
    switch (t) {
        case DType::F64: return at::kDouble;
        case DType::F32: return at::kFloat;
        case DType::F16: return at::kHalf;
        case DType::BF16: return at::kBFloat16;
        case DType::I64: return at::kLong;
        case DType::I32: return at::kInt;
        case DType::I16: return at::kShort;
        case DType::I8: return at::kChar;
        case DType::U8: return at::kByte;
        case DType::Bool: return at::kBool;
        default: break;
    }
    throw Error(std::string("tensors of type ") + std::string(dtypeName(t)) + " are not supported by the engine", {},
                "convert the model to f16/bf16/f32 or AWQ");
}

at::ScalarType parseComputeDtype(const std::string& name) {
    if (name == "float32" || name == "f32" || name == "fp32") return at::kFloat;
    if (name == "float16" || name == "f16" || name == "fp16" || name == "half") return at::kHalf;
    if (name == "bfloat16" || name == "bf16") return at::kBFloat16;
    throw Error("unknown compute dtype '" + name + "'", {}, "use float32, float16 or bfloat16");
}

std::string computeDtypeName(at::ScalarType t) {
    switch (t) {
        case at::kFloat: return "float32";
        case at::kHalf: return "float16";
        case at::kBFloat16: return "bfloat16";
        default: return std::string(c10::toString(t));
    }
}

at::Tensor loadTensor(const TensorStore& store, const TensorInfo& info, at::ScalarType target, const at::Device& device) {
    return loadTensor(store.data(info), info, target, device);
}

at::Tensor loadTensor(std::span<const std::byte> bytes, const TensorInfo& info, at::ScalarType target, const at::Device& device) {
    std::vector<int64_t> shape(info.shape.begin(), info.shape.end());
    // from_blob wants a mutable pointer; the mapping is read-only and the engine never writes weights.
    auto view = at::from_blob(const_cast<std::byte*>(bytes.data()), shape, at::TensorOptions().dtype(scalarTypeOf(info.dtype)));
    if (view.scalar_type() == target && device.is_cpu()) return view;
    return view.to(device, target, /*non_blocking=*/false, /*copy=*/true);
}

}  // namespace awq::engine
