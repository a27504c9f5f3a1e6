#pragma once
// Calibration and search settings that fit the device. AutoAWQ's defaults (128 samples x 512
// tokens, a 20-ratio scale grid) take ~30 minutes for even the 7M demo model on a 2-core CPU, so
// CPU jobs default to a quarter of the tokens and half the grid (~1 minute for the demo model);
// GPU jobs keep AutoAWQ's. Every value stays overridable (--samples / --seqlen / --grid, the GUI).
#include "core/quant/quantize_job.h"

#include <string>

namespace awq {

struct QuantizeDefaults {
    int samples = 128;     // calibration texts
    int seqlen = 512;      // tokens per calibration block
    int gridRatios = 20;   // AWQ scale-search ratios
};

// AutoAWQ 0.2.9's defaults: the reference the CPU defaults are traded against.
inline constexpr QuantizeDefaults kAutoAwqDefaults{128, 512, 20};

// "cpu": 32 x 256 tokens, 10 ratios; anything else (cuda): AutoAWQ's.
QuantizeDefaults quantizeDefaults(const std::string& device);

// What `s` gives up against AutoAWQ's defaults, in words ("8x fewer calibration tokens (8192 vs
// 65536) and 10 scale ratios instead of 20"); empty when it matches or exceeds them. RTN has no
// calibration search, so nothing is traded.
std::string tradeAgainstAutoAwq(const QuantizeSettings& s);

}  // namespace awq
