#pragma once
// Calibration and search settings that fit the device. AutoAWQ's defaults (128 samples x 512
// tokens, a 20-ratio scale grid) take ~30 minutes for even the 7M demo model on a 2-core CPU, so
// CPU jobs default to a quarter of the tokens and half the grid (~1 minute for the demo model);
// GPU jobs keep AutoAWQ's. Every value stays overridable (--samples / --seqlen / --grid, the GUI).
#include "core/model/hf_config.h"
#include "core/quant/quantize_job.h"

#include <cstdint>
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

// A default --seqlen fitted to the model: the device's default (512 on cuda) unless the model's
// context (vllmDerivedMaxModelLen, and a fixed rope table's limit) is shorter, then the context,
// with a note saying so. Only a default is fitted: a --seqlen the user gave that is too long stays
// the pre-flight's error (config.json named, with the longest that fits).
struct FittedSeqlen {
    int seqlen = 0;
    std::string note;  // "" when the device's default fits
};
FittedSeqlen defaultSeqlenFor(const ModelConfig& config, const std::string& device);

// What `s` gives up against AutoAWQ's defaults, in words ("8x fewer calibration tokens (8192 vs
// up to 65536) and 10 scale ratios instead of 20"); empty when it matches or exceeds them. RTN and
// GPTQ have no scale search to trade. calibrationTokens: the tokens the job will use as counted
// by the pre-flight (the texts cut into seqlen blocks, which is not samples x seqlen: short texts
// give fewer, long ones more); 0: samples x seqlen. AutoAWQ's side is its upper bound, 128 texts of
// at most 512 tokens.
std::string tradeAgainstAutoAwq(const QuantizeSettings& s, std::uint64_t calibrationTokens = 0);

}  // namespace awq
