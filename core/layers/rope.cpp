#include "core/layers/rope.h"

#include "core/util/error.h"

#include <ATen/record_function.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

namespace awq::engine {
namespace {

// base ** (arange(0, dim, 2) / dim) in float32, the shared term of every rope type.
at::Tensor frequencyExponents(int64_t dim, double base) {
    return at::pow(base, at::arange(0, dim, 2, at::kLong).to(at::kFloat) / double(dim));
}

at::Tensor defaultInverseFrequencies(int64_t dim, double base) { return 1.0 / frequencyExponents(dim, base); }

// _compute_llama3_parameters: long wavelengths divided by factor, short ones kept, a smooth blend between.
at::Tensor llama3InverseFrequencies(int64_t dim, const RopeConfig& rope) {
    const auto invFreq = defaultInverseFrequencies(dim, rope.theta);
    const double oldContext = rope.originalMaxPositions;
    const double lowFreqWavelen = oldContext / rope.lowFreqFactor;
    const double highFreqWavelen = oldContext / rope.highFreqFactor;
    const auto wavelen = 2.0 * M_PI / invFreq;
    auto scaled = at::where(wavelen > lowFreqWavelen, invFreq / rope.factor, invFreq);
    const auto smooth = (oldContext / wavelen - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
    const auto smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
    const auto medium = at::logical_and(wavelen >= highFreqWavelen, wavelen <= lowFreqWavelen);
    return at::where(medium, smoothed, scaled);
}

// YaRN's inverse dimension formula: the dimension whose wavelength makes `rotations` turns over the
// original context (_compute_yarn_parameters.find_correction_dim).
double yarnCorrectionDim(double rotations, int64_t dim, double base, double originalContext) {
    return (double(dim) * std::log(originalContext / (rotations * 2 * M_PI))) / (2 * std::log(base));
}

// _compute_yarn_parameters: dimensions below `low` extrapolate (keep their frequency), above `high`
// interpolate (frequency / factor), a linear ramp in between.
at::Tensor yarnInverseFrequencies(int64_t dim, const RopeConfig& rope) {
    double low = yarnCorrectionDim(rope.betaFast, dim, rope.theta, rope.originalMaxPositions);
    double high = yarnCorrectionDim(rope.betaSlow, dim, rope.theta, rope.originalMaxPositions);
    if (rope.truncate) {
        low = std::floor(low);
        high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, double(dim - 1));
    if (low == high) high += 0.001;  // transformers' guard against a zero-width ramp

    const auto posFreqs = frequencyExponents(dim, rope.theta);
    const auto extrapolation = 1.0 / posFreqs;
    const auto interpolation = 1.0 / (rope.factor * posFreqs);
    const auto ramp = at::clamp((at::arange(dim / 2, at::kFloat) - low) / (high - low), 0, 1);
    const auto extrapolationFactor = 1 - ramp;
    return interpolation * (1 - extrapolationFactor) + extrapolation * extrapolationFactor;
}

// _compute_longrope_parameters: 1 / (ext_factors * base ** (arange(0, dim, 2) / dim)).
at::Tensor longropeInverseFrequencies(int64_t dim, double base, const std::vector<double>& extFactors) {
    const std::vector<float> factors(extFactors.begin(), extFactors.end());
    const auto ext = at::tensor(at::ArrayRef<float>(factors), at::kFloat);
    return 1.0 / (ext * frequencyExponents(dim, base));
}

at::Tensor inverseFrequencies(const ModelConfig& c, const std::vector<double>& longropeFactors) {
    const int64_t dim = c.headDim;
    const auto& rope = c.rope;
    const auto& t = rope.type;
    // dynamic: transformers' base * (factor * seq_len / max_pos - (factor - 1)) ** (dim / (dim - 2))
    // with seq_len = max_position_embeddings is the plain base (buildRope keeps within it).
    if (t == "default" || t == "dynamic") return defaultInverseFrequencies(dim, rope.theta);
    if (t == "linear") return defaultInverseFrequencies(dim, rope.theta) / rope.factor;
    if (t == "llama3") return llama3InverseFrequencies(dim, rope);
    if (t == "yarn") return yarnInverseFrequencies(dim, rope);
    if (t == "longrope") return longropeInverseFrequencies(dim, rope.theta, longropeFactors);
    throw Error("rope type '" + t + "' is not supported", {}, "supported: default, linear, dynamic, yarn, llama3, longrope");
}

// cos / sin of position * inv_freq for positions [first, first + count), halves duplicated.
std::pair<at::Tensor, at::Tensor> rotaryRows(const at::Tensor& invFreq, int64_t first, int64_t count) {
    const auto positions = at::arange(first, first + count, at::kLong).to(at::kFloat);
    const auto freqs = at::outer(positions, invFreq);  // [count, D/2]
    const auto emb = at::cat({freqs, freqs}, -1);
    return {emb.cos(), emb.sin()};
}

}  // namespace

at::Tensor ropeInverseFrequencies(const ModelConfig& config) { return inverseFrequencies(config, config.rope.shortFactor); }

RopeTables buildRope(const ModelConfig& c, int maxPositions, const at::Device& device) {
    const auto& rope = c.rope;
    checkRopeCovers(c, maxPositions, "config.json");

    at::Tensor cos, sin;
    const bool longTail = rope.type == "longrope" && maxPositions > rope.originalMaxPositions;
    if (longTail) {
        const int64_t shortRows = rope.originalMaxPositions;
        auto [cosShort, sinShort] = rotaryRows(inverseFrequencies(c, rope.shortFactor), 0, shortRows);
        auto [cosLong, sinLong] = rotaryRows(inverseFrequencies(c, rope.longFactor), shortRows, maxPositions - shortRows);
        cos = at::cat({cosShort, cosLong}, 0);
        sin = at::cat({sinShort, sinLong}, 0);
    } else {
        std::tie(cos, sin) = rotaryRows(ropeInverseFrequencies(c), 0, maxPositions);
    }
    const double attentionScaling = ropeAttentionFactor(rope);
    if (attentionScaling != 1.0) {
        cos = cos * attentionScaling;
        sin = sin * attentionScaling;
    }
    return {cos.to(device), sin.to(device)};
}

at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    RECORD_USER_SCOPE("awq::rope");  // a named step in decode timelines (kernel_timeline.h)
    const int64_t half = x.size(-1) / 2;
    const auto x1 = x.narrow(-1, 0, half);
    const auto x2 = x.narrow(-1, half, half);
    return x * cos + at::cat({-x2, x1}, -1) * sin;
}

}  // namespace awq::engine
