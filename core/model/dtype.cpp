#include "core/model/dtype.h"

#include <array>
#include <utility>

namespace awq {
namespace {
struct DTypeFacts {
    DType type;
    std::string_view name;
    std::size_t size;
    bool floating;
};
constexpr std::array<DTypeFacts, 15> kFacts{{
    {DType::F64, "F64", 8, true},     {DType::F32, "F32", 4, true},       {DType::F16, "F16", 2, true},
    {DType::BF16, "BF16", 2, true},   {DType::F8_E4M3, "F8_E4M3", 1, true}, {DType::F8_E5M2, "F8_E5M2", 1, true},
    {DType::I64, "I64", 8, false},    {DType::I32, "I32", 4, false},      {DType::I16, "I16", 2, false},
    {DType::I8, "I8", 1, false},      {DType::U64, "U64", 8, false},      {DType::U32, "U32", 4, false},
    {DType::U16, "U16", 2, false},    {DType::U8, "U8", 1, false},        {DType::Bool, "BOOL", 1, false},
}};
const DTypeFacts& facts(DType t) noexcept { return kFacts[static_cast<std::size_t>(t)]; }
}  // namespace

std::size_t dtypeSize(DType t) noexcept { return facts(t).size; }
std::string_view dtypeName(DType t) noexcept { return facts(t).name; }
bool isFloatingPoint(DType t) noexcept { return facts(t).floating; }

std::optional<DType> parseDType(std::string_view name) noexcept {
    for (const auto& f : kFacts)
        if (f.name == name) return f.type;
    return std::nullopt;
}

}  // namespace awq
