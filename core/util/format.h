#pragma once
// Human-readable numbers shared by the CLI tables and the GUI.
#include <cstdint>
#include <string>

namespace awq::format {

std::string bytes(std::uint64_t n);        // "14.7 MB" (decimal units, as disks and HF report)
std::string gib(std::uint64_t n);          // "7.00 GiB" (binary units, as GPU memory is reported)
// "10.0 MiB" (binary units, KiB to TiB): the unit sizes typed as 10M / 50G are read in
// (deploy::parseByteSize), so a budget prints back as it was given.
std::string binaryBytes(std::uint64_t n);
std::string count(std::uint64_t n);        // three significant digits: "656K", "7.35M", "8.03B"
// "1 test", "3 tests": n and the noun in the number n asks for (plural: noun + "s" unless given).
std::string counted(std::uint64_t n, const std::string& noun, const std::string& plural = {});

}  // namespace awq::format
