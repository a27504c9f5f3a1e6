#include "core/util/resources.h"

#include <system_error>
#include <vector>

namespace awq {
namespace fs = std::filesystem;

fs::path findResourceFile(const fs::path& relative) {
    std::error_code ec;
    std::vector<fs::path> places;
    const auto exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) places.push_back(exe.parent_path() / ".." / AWQBENCH_INSTALL_DATADIR / "awqbench" / relative);
    places.push_back(fs::path(AWQBENCH_SOURCE_RESOURCES) / relative);
    for (const auto& p : places)
        if (fs::is_regular_file(p, ec)) return p;
    return {};
}

}  // namespace awq
