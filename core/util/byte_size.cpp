#include "core/util/byte_size.h"

#include "core/util/error.h"
#include "core/util/format.h"

#include <cctype>
#include <cmath>
#include <regex>

namespace awq {

namespace {

// "--gpu-memory: " (nothing for a rule without a name: CLI11 puts the flag's name in front itself).
std::string named(const ByteSizeRule& rule) { return rule.name.empty() ? std::string() : rule.name + ": "; }

const std::string kUnits = "24GiB, 24GB or 24G (K, M, G, T and P are binary: 24GB = 24 GiB)";

// Exact when the value is whole (ldexp and the comparison below are exact for doubles that fit):
// 10000000T was clamped to 2^63 bytes by llround.
std::uint64_t checkedBytes(double value, int shift, const std::string& text, const ByteSizeRule& rule) {
    const double bytes = std::ldexp(value, shift);
    if (!(bytes <= double(rule.most)))
        throw Error(named(rule) + text + " is more than " + format::bytes(rule.most) + ", not a plausible size", {},
                    "check the number and its unit, e.g. " + kUnits);
    const auto n = std::uint64_t(std::llround(bytes));
    if (n == 0 && rule.zeroAllowed) return 0;
    if (n < rule.least)
        throw Error(named(rule) + text + " is less than " + format::bytes(rule.least) + ", not a plausible size", {},
                    "check the unit, e.g. " + kUnits + (rule.zeroAllowed ? "; 0 means none" : ""));
    return n;
}

}  // namespace

std::uint64_t parseByteSize(const std::string& text, const ByteSizeRule& rule) {
    static const std::regex re(R"(\s*([0-9]+(?:\.[0-9]+)?)\s*(?:([KkMmGgTtPp])(?:i?[Bb])?|([Bb]))?\s*)");
    std::smatch m;
    if (!std::regex_match(text, m, re)) throw Error(named(rule) + "'" + text + "' is not a size", {}, "write e.g. " + kUnits);
    const double value = std::stod(m[1].str());
    if (m[2].matched) {
        const char unit = char(std::toupper(static_cast<unsigned char>(m[2].str()[0])));
        const int shift = unit == 'K' ? 10 : unit == 'M' ? 20 : unit == 'G' ? 30 : unit == 'T' ? 40 : 50;
        return checkedBytes(value, shift, text, rule);
    }
    if (m[3].matched) return checkedBytes(value, 0, text, rule);  // "B": bytes, as written
    if (value == 0 && rule.zeroAllowed) return 0;                  // 0 is 0 in every unit
    if (rule.bareNumberShift >= 0) return checkedBytes(value, rule.bareNumberShift, text, rule);
    throw Error(named(rule) + text + " has no unit", {}, "write a unit: " + kUnits + (rule.zeroAllowed ? "; 0 means none" : ""));
}

ByteSizeRule gpuMemoryRule(std::string name) { return {std::move(name), 256ull << 20, 1ull << 50, false, -1}; }

ByteSizeRule poolBudgetRule(std::string name) { return {std::move(name), 1ull << 20, 1ull << 60, true, -1}; }

}  // namespace awq
