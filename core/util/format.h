#pragma once
// Human-readable numbers shared by the CLI tables and the GUI.
#include <cstdint>
#include <string>

namespace awq::format {

// Every byte size the CLI and the GUI show is in binary units with the binary suffix, so one model's
// size reads the same everywhere (it was "14.7 MB" in one command and "14.0 MiB" in another).
// "14.0 MiB" (KiB to EiB): also the units sizes typed as 10M / 50G are read in (awq::parseByteSize),
// so a budget prints back as it was given.
std::string bytes(std::uint64_t n);
std::string gib(std::uint64_t n);          // "7.00 GiB": always GiB (GPU memory, as nvidia-smi's MiB / GiB)
std::string count(std::uint64_t n);        // three significant digits: "656K", "7.35M", "8.03B"
// "1 test", "3 tests": n and the noun in the number n asks for (plural: noun + "s" unless given).
std::string counted(std::uint64_t n, const std::string& noun, const std::string& plural = {});

}  // namespace awq::format
