#include "core/engine/detail/rope.h"

#include "core/util/error.h"

#include <cmath>

namespace awq::engine {

RopeTables buildRope(const ModelConfig& c, int maxPositions, const at::Device& device) {
    const int64_t dim = c.headDim;
    const auto& rope = c.rope;
    auto invFreq = 1.0 / at::pow(rope.theta, at::arange(0, dim, 2, at::kLong).to(at::kFloat) / double(dim));
    if (rope.type == "linear") {
        invFreq = invFreq / rope.factor;
    } else if (rope.type == "llama3") {
        const double oldContext = rope.originalMaxPositions > 0 ? rope.originalMaxPositions : 8192;
        const double lowFreqWavelen = oldContext / rope.lowFreqFactor;
        const double highFreqWavelen = oldContext / rope.highFreqFactor;
        const auto wavelen = 2.0 * M_PI / invFreq;
        auto scaled = at::where(wavelen > lowFreqWavelen, invFreq / rope.factor, invFreq);
        const auto smooth = (oldContext / wavelen - rope.lowFreqFactor) / (rope.highFreqFactor - rope.lowFreqFactor);
        const auto smoothed = (1 - smooth) * scaled / rope.factor + smooth * scaled;
        const auto medium = at::logical_and(wavelen >= highFreqWavelen, wavelen <= lowFreqWavelen);
        invFreq = at::where(medium, smoothed, scaled);
    } else if (rope.type != "default") {
        throw Error("rope type '" + rope.type + "' is not supported yet", {}, "supported: default, linear, llama3");
    }
    const auto positions = at::arange(maxPositions, at::kLong).to(at::kFloat);
    const auto freqs = at::outer(positions, invFreq);  // [P, D/2]
    const auto emb = at::cat({freqs, freqs}, -1);
    return {emb.cos().to(device), emb.sin().to(device)};
}

at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
    const int64_t half = x.size(-1) / 2;
    const auto x1 = x.narrow(-1, 0, half);
    const auto x2 = x.narrow(-1, half, half);
    return x * cos + at::cat({-x2, x1}, -1) * sin;
}

}  // namespace awq::engine
