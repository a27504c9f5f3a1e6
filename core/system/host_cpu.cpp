#include "core/system/host_cpu.h"

#include <algorithm>
#include <cctype>
#include <fstream>

namespace awq {

std::string cleanCpuModelName(std::string name) {
    for (const char* mark : {"(r)", "(tm)"}) {
        const std::string m = mark;
        for (std::size_t at = 0; at + m.size() <= name.size();) {
            const bool found = std::equal(m.begin(), m.end(), name.begin() + std::ptrdiff_t(at),
                                          [](char a, char b) { return a == std::tolower(static_cast<unsigned char>(b)); });
            if (found)
                name.erase(at, m.size());
            else
                ++at;
        }
    }
    std::string out;
    for (char c : name) {
        const bool space = std::isspace(static_cast<unsigned char>(c)) != 0;
        if (space && (out.empty() || out.back() == ' ')) continue;
        out += space ? ' ' : c;
    }
    if (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string cpuModelName() {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
        if (line.rfind("model name", 0) != 0) continue;
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        return cleanCpuModelName(line.substr(colon + 1));
    }
    return {};
}

}  // namespace awq
