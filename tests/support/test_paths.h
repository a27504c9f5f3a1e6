#pragma once
// Where the tests find the shared fixtures (../shared) and the source tree: from the environment
// CTest sets, else the paths configured at build time, so a test run from any folder works.
#include <filesystem>

namespace awq::test {

std::filesystem::path sharedDir();                  // ../shared (AWQBENCH_SHARED)
std::filesystem::path modelDir(const char* name);   // ../shared/models/<name>
std::filesystem::path dataFile(const char* name);   // ../shared/data/<name>
std::filesystem::path sourceDir();                  // the project root (AWQBENCH_SOURCE)

}  // namespace awq::test
