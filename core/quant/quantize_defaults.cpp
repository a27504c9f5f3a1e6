#include "core/quant/quantize_defaults.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace awq {

QuantizeDefaults quantizeDefaults(const std::string& device) {
    if (device == "cpu") return {32, 256, 10};
    return kAutoAwqDefaults;
}

FittedSeqlen defaultSeqlenFor(const ModelConfig& c, const std::string& device) {
    const int byDevice = quantizeDefaults(device).seqlen;
    int context = vllmDerivedMaxModelLen(c);
    if (const auto limit = ropeSequenceLimit(c); limit && *limit > 0) context = context > 0 ? std::min(context, *limit) : *limit;
    if (context <= 0 || byDevice <= context) return {byDevice, {}};
    return {context, "--seqlen defaults to " + std::to_string(byDevice) + " tokens on " + device + "; the model's context is " +
                         std::to_string(context) + " tokens, so the calibration blocks are " + std::to_string(context) + " tokens"};
}

std::string tradeAgainstAutoAwq(const QuantizeSettings& s, std::uint64_t calibrationTokens) {
    if (s.method != QuantMethodChoice::Awq) return {};
    const double full = double(kAutoAwqDefaults.samples) * kAutoAwqDefaults.seqlen;
    const double ours = calibrationTokens > 0 ? double(calibrationTokens) : double(s.samples) * s.seqlen;
    std::string out;
    // AutoAWQ's own settings trade nothing: the same texts give both the same tokens.
    const bool autoAwqSettings = s.samples >= kAutoAwqDefaults.samples && s.seqlen >= kAutoAwqDefaults.seqlen;
    if (ours < full && !autoAwqSettings) {
        char factor[32];
        const double f = full / std::max(1.0, ours);
        std::snprintf(factor, sizeof factor, f >= 10 || std::abs(f - std::round(f)) < 0.05 ? "%.0fx" : "%.1fx", f);
        out = std::string(factor) + " fewer calibration tokens (" + std::to_string(std::int64_t(ours)) + " vs up to " +
              std::to_string(std::int64_t(full)) + ")";
    }
    if (s.gridRatios < kAutoAwqDefaults.gridRatios)
        out += (out.empty() ? "" : " and ") + std::to_string(s.gridRatios) + " scale ratios instead of " +
               std::to_string(kAutoAwqDefaults.gridRatios);
    return out;
}

}  // namespace awq
