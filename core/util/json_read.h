#pragma once
// The one way core reads JSON that comes from outside (model folders, users, documents we saved
// before): every parse goes through here, bounded in size and nesting depth. nlohmann's parser
// and the code walking its result recurse once per level, so a file of a million nested arrays
// (a few MB) overflows the stack; no real config, tokenizer, index or document nests deeper than
// a few dozen levels. Errors are awq::Error naming the file and the fix.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

namespace awq {

inline constexpr int kMaxJsonDepth = 512;                  // levels of nested arrays and objects
inline constexpr std::uint64_t kMaxJsonBytes = 256ull << 20;  // the largest tokenizer.json is ~30 MB

// Where the text came from, for errors: the file (may be empty for a command-line value), the fix
// to give, and optionally the part of the file ("header", "line 3") the text is.
struct JsonSource {
    std::filesystem::path file;
    std::string fix;
    std::string part = {};
};

// Throws when `text` is larger than `maxBytes` or nests deeper than kMaxJsonDepth. A linear scan
// that skips strings (and their escapes), so brackets inside strings do not count.
void checkJsonBounds(std::string_view text, const JsonSource& source, std::uint64_t maxBytes = kMaxJsonBytes);

// checkJsonBounds(), then parse; a syntax error becomes "not valid JSON (<where and why>)".
nlohmann::json parseJson(std::string_view text, const JsonSource& source, std::uint64_t maxBytes = kMaxJsonBytes);
nlohmann::ordered_json parseOrderedJson(std::string_view text, const JsonSource& source, std::uint64_t maxBytes = kMaxJsonBytes);

// Reads `source.file` (refusing one larger than `maxBytes` before reading it) and parses it.
nlohmann::json readJsonFile(const JsonSource& source, std::uint64_t maxBytes = kMaxJsonBytes);

// A JSON number as the integer type T (a float truncated toward zero, as a C++ cast would), or
// nullopt when it is not a number or does not fit T. nlohmann's get<T>() casts floats unchecked,
// which is undefined behaviour out of range: the long fuzz run found 3.3e134 as a byte count in a
// run document.
template <typename Json, typename T>
std::optional<T> jsonInteger(const Json& j) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
    if (j.is_number_unsigned()) {
        const auto v = j.template get<std::uint64_t>();
        return std::in_range<T>(v) ? std::optional<T>(T(v)) : std::nullopt;
    }
    if (j.is_number_integer()) {
        const auto v = j.template get<std::int64_t>();
        return std::in_range<T>(v) ? std::optional<T>(T(v)) : std::nullopt;
    }
    if (!j.is_number_float()) return std::nullopt;
    const double d = j.template get<double>();
    if (!(d > -9.2e18 && d < 9.2e18)) return std::nullopt;  // also NaN; inside int64 either way
    const auto v = static_cast<std::int64_t>(d);
    return std::in_range<T>(v) ? std::optional<T>(T(v)) : std::nullopt;
}

}  // namespace awq
