#pragma once
// Byte sizes typed by a user (--gpu-memory 24GiB, --budget 50G). A number without a unit is refused:
// `--gpu-memory 24` was read as 24 bytes and shown as "0.00 GiB", which nobody meant.
#include <cstdint>
#include <string>

namespace awq {

// What one size setting accepts (each flag has its own plausible range: a GPU has neither 24 bytes
// nor 10 EiB of memory).
struct ByteSizeRule {
    std::string name;                      // how errors name the setting: "--gpu-memory"
    std::uint64_t least = 1;               // smallest plausible size (0 is separate: zeroAllowed)
    std::uint64_t most = 1ull << 50;       // largest plausible size (default 1 PiB)
    bool zeroAllowed = false;              // "0" (no unit needed) means none / automatic
    // -1: a number without a unit is refused. 30: read as GiB, for a flag that states its unit in
    // its name and help (quantize --max-gpu-memory takes GiB), so scripts that wrote `20` keep working.
    int bareNumberShift = -1;
};

// "24GiB", "24GB", "24G", "512M", "1.5T", "0" (when zeroAllowed): K, M, G, T and P, with or without
// "B" / "iB", are binary units (24GB = 24 GiB: a "24 GB" GPU has 24 GiB; print sizes back with
// format::bytes). Throws awq::Error naming rule.name and the accepted units for text that is
// not a size, a number without a unit, and a size outside [least, most] (overflow included).
std::uint64_t parseByteSize(const std::string& text, const ByteSizeRule& rule);

// The rules of the size flags the CLI and the GUI share.
ByteSizeRule gpuMemoryRule(std::string name);    // 256 MiB .. 1 PiB per GPU
ByteSizeRule poolBudgetRule(std::string name);   // 0 (none), or 1 MiB .. 1 EiB

}  // namespace awq
