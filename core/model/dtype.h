#pragma once
// Element types of safetensors tensors (names as the safetensors format spells them).
#include <cstddef>
#include <optional>
#include <string_view>

namespace awq {

enum class DType { F64, F32, F16, BF16, F8_E4M3, F8_E5M2, I64, I32, I16, I8, U64, U32, U16, U8, Bool };

std::size_t dtypeSize(DType t) noexcept;
std::string_view dtypeName(DType t) noexcept;               // "F32", "BF16", ...
std::optional<DType> parseDType(std::string_view name) noexcept;
bool isFloatingPoint(DType t) noexcept;

}  // namespace awq
