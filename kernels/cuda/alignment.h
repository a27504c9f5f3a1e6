#pragma once
// The 16-byte alignment the kernels' vector loads and stores (uint4, float4) need.
#include <cstdint>

namespace awq::kernels {

inline bool aligned16(const void* p) { return (reinterpret_cast<std::uintptr_t>(p) & 15u) == 0; }

}  // namespace awq::kernels
