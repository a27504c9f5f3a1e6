#include "core/util/format.h"

#include <cstdio>

namespace awq::format {
namespace {
std::string scaled(double v, const char* const* units, int nUnits, double step, const char* fmt) {
    int u = 0;
    while (v >= step && u + 1 < nUnits) {
        v /= step;
        ++u;
    }
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v, units[u]);
    return buf;
}
}  // namespace

std::string bytes(std::uint64_t n) {
    static const char* const units[] = {"B", "kB", "MB", "GB", "TB"};
    if (n < 1000) return std::to_string(n) + " B";
    return scaled(double(n), units, 5, 1000.0, "%.1f %s");
}

std::string gib(std::uint64_t n) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f GiB", double(n) / double(1ull << 30));
    return buf;
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
    char buf[32];
    std::snprintf(buf, sizeof buf, v >= 99.95 ? "%.0f%s" : v >= 9.995 ? "%.1f%s" : "%.2f%s", v, units[u]);
    return buf;
}

}  // namespace awq::format
