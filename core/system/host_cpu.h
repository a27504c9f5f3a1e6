#pragma once
// The CPU of this machine, as figures measured on it are labelled.
#include <string>

namespace awq {

// The "model name" line of /proc/cpuinfo ("Intel(R) Xeon(R) Platinum 8480+"), or "" where the
// file is missing or has none (some ARM kernels).
std::string cpuModelName();

}  // namespace awq
