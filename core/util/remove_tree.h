#pragma once
// Deletes a folder and everything in it (best effort, links not followed). Used instead of
// std::filesystem::remove_all, which jumps to a null pointer in processes that load PyTorch 2.11's
// libtorch wheel (seen on the GPU machine).
#include <filesystem>

namespace awq {

void removeTree(const std::filesystem::path& dir);

}  // namespace awq
