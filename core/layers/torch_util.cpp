#include "core/layers/torch_util.h"

#include "core/util/error.h"

namespace awq::engine {

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
