#pragma once
// The torch helpers of awq_layers: the one place that includes ATen. Only torch-side code (core/layers,
// core/engine, core/quant sources and their private headers) includes it; never a std-only public header.
#include "core/model/dtype.h"
#include "core/model/safetensors.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <cstdint>
#include <string>

namespace awq::engine {

at::ScalarType scalarTypeOf(DType t);         // throws awq::Error for types torch cannot hold
at::ScalarType parseComputeDtype(const std::string& name);  // "float32", "float16", "bfloat16"
std::string computeDtypeName(at::ScalarType t);

// Bytes of t's elements (0 for an undefined tensor).
inline std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }

// A tensor of the store as `target` type on `device`. CPU tensors whose type already matches alias
// the memory map (read-only, never written), so a CPU model costs no extra copy.
at::Tensor loadTensor(const TensorStore& store, const TensorInfo& info, at::ScalarType target, const at::Device& device);
// The same over the bytes of one tensor of any safetensors file (e.g. a LoRA adapter's).
at::Tensor loadTensor(std::span<const std::byte> bytes, const TensorInfo& info, at::ScalarType target, const at::Device& device);

}  // namespace awq::engine
