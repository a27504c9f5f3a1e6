#include "tests/support/test_paths.h"

#include <cstdlib>

namespace awq::test {
namespace {
std::filesystem::path fromEnv(const char* var, const char* fallback) {
    const char* v = std::getenv(var);
    return std::filesystem::path(v && *v ? v : fallback);
}
}  // namespace

std::filesystem::path sharedDir() { return fromEnv("AWQBENCH_SHARED", AWQBENCH_DEFAULT_SHARED); }
std::filesystem::path modelDir(const char* name) { return sharedDir() / "models" / name; }
std::filesystem::path dataFile(const char* name) { return sharedDir() / "data" / name; }
std::filesystem::path sourceDir() { return fromEnv("AWQBENCH_SOURCE", AWQBENCH_DEFAULT_SOURCE); }

}  // namespace awq::test
