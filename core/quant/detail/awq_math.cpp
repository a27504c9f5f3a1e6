#include "core/quant/detail/awq_math.h"

#include <cmath>
#include <limits>

namespace awq::quant {

GroupQuantized pseudoQuantize(const at::Tensor& w, int groupSize) {
    const int64_t N = w.size(0), K = w.size(1);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const auto wg = w.reshape({-1, G});
    const auto maxVal = wg.amax(1, true);
    const auto minVal = wg.amin(1, true);
    // Scales are stored in fp16: quantize against the stored value so that q, z and s agree.
    const auto scales = ((maxVal - minVal).clamp_min(1e-5) / 15.0).to(at::kHalf).to(w.scalar_type());
    const auto zeros = (-at::round(minVal / scales)).clamp(0, 15);
    const auto q = at::clamp(at::round(wg / scales) + zeros, 0, 15);
    return {((q - zeros) * scales).reshape({N, K}), q.reshape({N, K}), scales.view({N, -1}), zeros.view({N, -1})};
}

at::Tensor forwardChunked(const BlockForward& block, const at::Tensor& input, int chunkBlocks) {
    const int64_t n = input.size(0);
    if (n <= chunkBlocks) return block(input);
    std::vector<at::Tensor> parts;
    for (int64_t start = 0; start < n; start += chunkBlocks)
        parts.push_back(block(input.narrow(0, start, std::min<int64_t>(chunkBlocks, n - start))));
    return at::cat(parts, 0);
}

namespace {
double mse(const at::Tensor& a, const at::Tensor& b) { return (a.to(at::kFloat) - b.to(at::kFloat)).pow(2).mean().item<double>(); }
}  // namespace

ScaleSearchResult searchBestScale(const at::Tensor& input, const std::vector<at::Tensor*>& weights, const BlockForward& block,
                                  int groupSize, int chunkBlocks) {
    const int64_t K = input.size(-1);
    const auto xMean = input.abs().view({-1, K}).to(at::kFloat).mean(0).to(input.scalar_type()).to(at::kFloat);
    std::vector<at::Tensor> all;
    for (const at::Tensor* w : weights) all.push_back(*w);
    const auto stacked = at::cat(all, 0);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const auto grouped = stacked.view({-1, G}).abs();
    const auto wMean = (grouped / (grouped.amax(1, true) + 1e-6)).view(stacked.sizes()).to(at::kFloat).mean(0);

    const auto reference = forwardChunked(block, input, chunkBlocks);
    std::vector<at::Tensor> originals;
    for (const at::Tensor* w : weights) originals.push_back(w->clone());

    ScaleSearchResult best;
    best.loss = std::numeric_limits<double>::infinity();
    constexpr int kGrid = 20;
    for (int i = 0; i < kGrid; ++i) {
        const double ratio = double(i) / kGrid;
        auto s = (xMean.pow(ratio) / (wMean.pow(1 - ratio) + 1e-4)).clamp_min(1e-4);
        s = s / (s.max() * s.min()).sqrt();
        s = at::where(at::isfinite(s), s, at::ones_like(s));
        const auto view = s.view({1, -1}).to(input.scalar_type());
        for (std::size_t j = 0; j < weights.size(); ++j)
            *weights[j] = pseudoQuantize(originals[j] * view, groupSize).dequantized / view;
        const double loss = mse(reference, forwardChunked(block, input, chunkBlocks));
        if (loss < best.loss) {
            best = {s.clone(), ratio, loss};
        }
    }
    for (std::size_t j = 0; j < weights.size(); ++j) *weights[j] = originals[j];
    if (!best.scales.defined()) best = {at::ones({K}, at::kFloat).to(input.device()), 0.0, 0.0};  // every loss was NaN
    return best;
}

at::Tensor searchBestClip(const at::Tensor& weight, const at::Tensor& input, int groupSize) {
    const int64_t N = weight.size(0), K = weight.size(1);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const int64_t groups = K / G;
    auto x = input.reshape({-1, K});
    constexpr int64_t kSampleTokens = 512;
    const int64_t step = std::max<int64_t>(1, x.size(0) / kSampleTokens);
    x = x.slice(0, 0, x.size(0), step);                       // [T, K]
    const int64_t T = x.size(0);
    const auto xg = x.view({T, groups, G}).permute({1, 0, 2});  // [g, T, G]

    const int64_t batch = N % 256 == 0 ? 256 : N % 64 == 0 ? 64 : N;
    std::vector<at::Tensor> bestAll;
    for (int64_t b0 = 0; b0 < N; b0 += batch) {
        const auto w = weight.narrow(0, b0, batch).view({batch, groups, G});
        const auto orgMax = w.abs().amax(-1, true);                     // [c, g, 1]
        auto bestMax = orgMax.clone();
        auto minErr = at::full(orgMax.sizes(), 1e9, orgMax.options().dtype(at::kFloat));  // 1e9 overflows fp16
        // out[g, T, c] = sum_k x[g, T, k] * w[c, g, k]
        auto outOf = [&](const at::Tensor& ww) { return at::bmm(xg, ww.permute({1, 2, 0})); };
        const auto orgOut = outOf(w);
        constexpr int kGrid = 20;
        for (int i = 0; i < kGrid / 2; ++i) {  // shrink down to 0.55 of the max, as AutoAWQ
            const auto maxVal = orgMax * (1.0 - double(i) / kGrid);
            const auto clipped = at::max(at::min(w, maxVal), -maxVal);
            const auto qw = pseudoQuantize(clipped.reshape({batch, K}), groupSize).dequantized.view({batch, groups, G});
            const auto err = (outOf(qw) - orgOut).to(at::kFloat).pow(2).mean(1).transpose(0, 1).unsqueeze(-1);  // [c, g, 1]
            const auto better = err < minErr;
            minErr = at::where(better, err, minErr);
            bestMax = at::where(better, maxVal, bestMax);
        }
        bestAll.push_back(bestMax);
    }
    return at::cat(bestAll, 0).squeeze(-1);  // [N, g]
}

void applyClip(at::Tensor& weight, const at::Tensor& maxValues, int groupSize) {
    const int64_t N = weight.size(0), K = weight.size(1);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const auto m = maxValues.view({N, K / G, 1}).to(weight.scalar_type());
    weight = at::max(at::min(weight.view({N, K / G, G}), m), -m).reshape({N, K});
}

}  // namespace awq::quant
