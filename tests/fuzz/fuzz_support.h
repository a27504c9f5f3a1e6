#pragma once
// Shared by the fuzz harnesses (tests/fuzz/*.cpp): each harness defines LLVMFuzzerTestOneInput and
// is linked either with libFuzzer (AWQBENCH_BUILD_FUZZERS, clang) or with replay_main.cpp (every
// build: CTest replays the seed corpus and the committed crash inputs).
//
// The contract every harness checks: a parser given any bytes returns a value or throws awq::Error.
// Anything else (another exception, a crash, a sanitizer report, a hang) is a bug.
#include "core/util/error.h"

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace awq::fuzz {

// A folder private to this process (under /dev/shm when there is one: the file-based parsers are
// then fuzzed without disk I/O), created on first use. Never removed: its content is rewritten on
// every input and a few kB are left behind per fuzzing process.
const std::filesystem::path& scratchDir();

// Writes `bytes` to `path` (replacing it).
void writeFile(const std::filesystem::path& path, std::string_view bytes);

// The input split at NUL bytes into at most `parts` pieces (the last one takes the rest). JSON and
// templates never contain a raw NUL, so the seeds use it to carry several files in one input.
std::vector<std::string_view> splitAtNul(std::string_view input, std::size_t parts);

inline std::string_view asText(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

}  // namespace awq::fuzz
