#include "core/util/remove_tree.h"

#include <cstdio>
#include <ftw.h>

namespace awq {

void removeTree(const std::filesystem::path& dir) {
    auto removeOne = [](const char* path, const struct stat*, int, struct FTW*) {
        std::remove(path);  // keep going past anything that cannot be removed
        return 0;
    };
    nftw(dir.c_str(), removeOne, 16, FTW_DEPTH | FTW_PHYS);
}

}  // namespace awq
