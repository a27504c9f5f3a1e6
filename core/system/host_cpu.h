#pragma once
// The CPU of this machine, as figures measured on it are labelled.
#include <string>

namespace awq {

// The "model name" line of /proc/cpuinfo as a label reads it ("Intel(R) Xeon(R) Platinum 8480+"
// -> "Intel Xeon Platinum 8480+", see cleanCpuModelName), or "" where the file is missing or has
// none (some ARM kernels).
std::string cpuModelName();

// A /proc/cpuinfo model name without the trademark marks "(R)", "(TM)" (any case) and with runs
// of spaces made one: labels put the name in parentheses, "CPU (Intel(R) Xeon(R) ...)" nested
// them (and broke the CLI test's pattern).
std::string cleanCpuModelName(std::string name);

}  // namespace awq
