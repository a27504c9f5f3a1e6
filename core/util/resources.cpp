#include "core/util/resources.h"

#include <system_error>

namespace awq {
namespace fs = std::filesystem;

std::vector<fs::path> resourcePlaces(const fs::path& relative, const fs::path& executableDir) {
    std::vector<fs::path> places;
    if (!executableDir.empty()) places.push_back(executableDir / ".." / AWQBENCH_INSTALL_DATADIR / "awqbench" / relative);
    places.push_back(fs::path(AWQBENCH_SOURCE_RESOURCES) / relative);
    return places;
}

fs::path findResourceFile(const fs::path& relative) {
    std::error_code ec;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    for (const auto& p : resourcePlaces(relative, ec ? fs::path() : exe.parent_path()))
        if (fs::is_regular_file(p, ec)) return p;
    return {};
}

}  // namespace awq
