#include "core/util/format.h"

#include <fmt/format.h>

namespace awq::format {
namespace {
std::string scaled(double v, const char* const* units, int nUnits, double step, int decimals) {
    int u = 0;
    while (v >= step && u + 1 < nUnits) {
        v /= step;
        ++u;
    }
    return fmt::format("{:.{}f} {}", v, decimals, units[u]);
}
}  // namespace

std::string bytes(std::uint64_t n) {
    static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    if (n < 1024) return std::to_string(n) + " B";
    return scaled(double(n), units, 7, 1024.0, 1);
}

std::string gib(std::uint64_t n) {
    return fmt::format("{:.2f} GiB", double(n) / double(1ull << 30));
}

std::string counted(std::uint64_t n, const std::string& noun, const std::string& plural) {
    return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

std::string count(std::uint64_t n) {
    static const char* const units[] = {"", "K", "M", "B", "T"};
    if (n < 1000) return std::to_string(n);
    double v = double(n);
    int u = 0;
    while (v >= 999.5 && u < 4) {
        v /= 1000.0;
        ++u;
    }
    // Three significant digits: 656K, 14.7M, 7.35M.
    return fmt::format("{:.{}f}{}", v, v >= 99.95 ? 0 : v >= 9.995 ? 1 : 2, units[u]);
}

}  // namespace awq::format
