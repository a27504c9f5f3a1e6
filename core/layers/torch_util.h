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

// Raises torch's intra-op threads (CPU forward passes, the quantizer's searches) to the physical
// cores this process may run on (sched_getaffinity, sysfs topology) where torch starts with fewer,
// unless OMP_NUM_THREADS sets them. Why: Debian's libtorch 1.13 counts cores with cpuinfo, which
// can see fewer than the process has (1 on the 2-core CI machine), and then runs everything but
// the BLAS matmuls on one core (demo model, 64 tokens greedy on that machine: 393-426 tok/s with 1
// thread, 432-476 with 2).
// Call at the start of a job, in the thread that runs it; threads that start later inherit it.
// Returns the threads torch computes with afterwards.
int useAvailableCpuThreads();

// Bytes of t's elements (0 for an undefined tensor).
inline std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }

// A tensor of the store as `target` type on `device`. CPU tensors whose type already matches alias
// the memory map (read-only, never written), so a CPU model costs no extra copy.
at::Tensor loadTensor(const TensorStore& store, const TensorInfo& info, at::ScalarType target, const at::Device& device);
// The same over the bytes of one tensor of any safetensors file (e.g. a LoRA adapter's).
at::Tensor loadTensor(std::span<const std::byte> bytes, const TensorInfo& info, at::ScalarType target, const at::Device& device);

}  // namespace awq::engine
