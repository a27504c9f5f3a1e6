#include "core/quant/detail/awq_math.h"

#include "core/quant/detail/search_kernels.h"

#include <cmath>
#include <limits>
#include <stdexcept>

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

at::Tensor scaledFakeQuantize(const at::Tensor& w, const at::Tensor& columnScales, int groupSize) {
    // One kernel on a GPU where the torch ops below take ~10 passes over the weight (Qwen3-8B shapes
    // on an H200: ~0.4 s a layer of the scale search); the same bits.
    if (fusedFakeQuantizeApplies(w, columnScales, groupSize)) return fusedFakeQuantize(w, columnScales, groupSize);
    return pseudoQuantize(w * columnScales, groupSize).dequantized / columnScales;
}

at::Tensor squaredErrorSum(const at::Tensor& a, const at::Tensor& b) {
    // One pass on a GPU where the torch ops write two float32 copies of the outputs (Qwen3-8B shapes on
    // an H200: ~0.2 s a layer of the scale search).
    if (fusedSquaredErrorApplies(a, b)) return fusedSquaredError(a, b);
    return (a.to(at::kFloat) - b.to(at::kFloat)).square().sum();
}

at::Tensor forwardChunked(const BlockForward& block, const at::Tensor& input, int chunkBlocks, const std::stop_token& stop) {
    const int64_t n = input.size(0);
    if (n <= chunkBlocks) return block(input);
    std::vector<at::Tensor> parts;
    for (int64_t start = 0; start < n; start += chunkBlocks) {
        throwIfStopped(stop);
        parts.push_back(block(input.narrow(0, start, std::min<int64_t>(chunkBlocks, n - start))));
    }
    return at::cat(parts, 0);
}

void InputStats::add(const at::Tensor& chunk) {
    const int64_t K = chunk.size(-1);
    const int64_t G = groupSize_ > 0 ? groupSize_ : K;
    const auto flat = chunk.reshape({-1, K});
    // As AutoAWQ: the mean of |x| in the activation dtype's values, accumulated in float32.
    const auto sum = flat.abs().to(at::kFloat).sum(0);
    absSum_ = absSum_.defined() ? absSum_ + sum : sum;
    const auto xg = flat.to(at::kFloat).view({-1, K / G, G}).permute({1, 0, 2});  // [g, T, G]
    const auto gram = at::bmm(xg.transpose(1, 2), xg);                             // [g, G, G]
    gram_ = gram_.defined() ? gram_ + gram : gram;
    tokens_ += flat.size(0);
}

at::Tensor InputStats::mean() const { return absSum_ / double(std::max<std::int64_t>(1, tokens_)); }

void InputStats::divideInputs(const at::Tensor& scales) {
    const auto s = scales.to(at::kFloat).view({gram_.size(0), gram_.size(1)});  // [g, G]
    gram_ = gram_ / (s.unsqueeze(2) * s.unsqueeze(1));
}

namespace {
at::Tensor weightMean(const std::vector<at::Tensor>& weights, int groupSize) {
    const auto stacked = at::cat(weights, 0);
    const int64_t K = stacked.size(1);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const auto grouped = stacked.view({-1, G}).abs();
    return (grouped / (grouped.amax(1, true) + 1e-6)).view(stacked.sizes()).to(at::kFloat).mean(0);
}
}  // namespace

ScaleSearch::ScaleSearch(std::vector<at::Tensor*> weights, BlockForward block, const at::Tensor& xMean, int groupSize, int subChunkBlocks,
                         int gridRatios, std::stop_token stop, ScaleScoring scoring)
    : weights_(std::move(weights)), block_(std::move(block)), squaredError_(std::max(1, gridRatios), 0.0),
      chunkErrors_(squaredError_.size()), groupSize_(groupSize),
      subChunkBlocks_(subChunkBlocks), stop_(std::move(stop)), scoring_(scoring) {
    if (scoring_ == ScaleScoring::LinearGram && weights_.size() != 1) throw std::logic_error("LinearGram scoring needs exactly one linear");
    const int grid = int(squaredError_.size());
    for (const at::Tensor* w : weights_) originals_.push_back(w->clone());
    const auto wMean = weightMean(originals_, groupSize);
    // x_mean goes through the activation dtype first, as AutoAWQ's does.
    const auto x = xMean.to(originals_.front().scalar_type()).to(at::kFloat);
    for (int i = 0; i < grid; ++i) {
        const double ratio = double(i) / grid;
        auto s = (x.pow(ratio) / (wMean.pow(1 - ratio) + 1e-4)).clamp_min(1e-4);
        s = s / (s.max() * s.min()).sqrt();
        candidates_.push_back(at::where(at::isfinite(s), s, at::ones_like(s)));
    }
}

void ScaleSearch::addChunk(const at::Tensor& input, const std::function<void()>& afterCandidate) {
    if (scoring_ == ScaleScoring::LinearGram) {
        throwIfStopped(stop_);
        const int64_t K = input.size(-1);
        const auto x = input.reshape({-1, K}).to(at::kFloat);
        if (!gram_.defined()) gram_ = at::zeros({K, K}, x.options());
        gram_.addmm_(x.t(), x);
        outputs_ += double(x.size(0)) * double(originals_.front().size(0));
        if (afterCandidate)
            for (std::size_t i = 0; i < candidates_.size(); ++i) afterCandidate();
        return;
    }
    const auto reference = forwardChunked(block_, input, subChunkBlocks_, stop_);
    outputs_ += double(reference.numel());
    const int64_t n = input.size(0);
    auto restore = [&] {
        for (std::size_t j = 0; j < weights_.size(); ++j) *weights_[j] = originals_[j];
    };
    try {
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            const auto view = candidates_[i].view({1, -1}).to(input.scalar_type());
            for (std::size_t j = 0; j < weights_.size(); ++j)
                *weights_[j] = scaledFakeQuantize(originals_[j], view, groupSize_);
            // Scored sub-chunk by sub-chunk: float32 copies of whole-chunk outputs would cost more than the chunk.
            for (int64_t start = 0; start < n; start += subChunkBlocks_) {
                throwIfStopped(stop_);
                const int64_t len = std::min<int64_t>(subChunkBlocks_, n - start);
                // Kept on the device: reading each sum back stalled the GPU once a sub-chunk (22% idle).
                chunkErrors_[i].push_back(squaredErrorSum(block_(input.narrow(0, start, len)), reference.narrow(0, start, len)));
            }
            if (afterCandidate) afterCandidate();
        }
    } catch (const Cancelled&) {
        restore();
        throw;
    }
    restore();
}

std::vector<double> ScaleSearch::losses() {
    for (std::size_t i = 0; i < chunkErrors_.size(); ++i)
        if (!chunkErrors_[i].empty()) {
            squaredError_[i] += at::stack(chunkErrors_[i]).to(at::kDouble).sum().item<double>();
            chunkErrors_[i].clear();
        }
    if (scoring_ == ScaleScoring::LinearGram && gram_.defined()) {
        // The candidate's weight exactly as the forward path sets it, its change against the
        // original in float32, and the output error over all tokens: sum((dW G) .* dW) = trace(dW G dW^T).
        const at::Tensor& original = originals_.front();
        for (std::size_t i = 0; i < candidates_.size(); ++i) {
            throwIfStopped(stop_);
            const auto view = candidates_[i].view({1, -1}).to(original.scalar_type());
            const auto dw = (scaledFakeQuantize(original, view, groupSize_) - original).to(at::kFloat);
            squaredError_[i] = (at::mm(dw, gram_) * dw).sum().item<double>();
        }
        gram_ = at::Tensor();
    }
    std::vector<double> out;
    for (double e : squaredError_) out.push_back(e / std::max(1.0, outputs_));
    return out;
}

ScaleSearchResult ScaleSearch::best() {
    const auto loss = losses();
    ScaleSearchResult best;
    best.loss = std::numeric_limits<double>::infinity();
    const int grid = int(candidates_.size());
    for (int i = 0; i < grid; ++i)
        if (loss[i] < best.loss) best = {candidates_[i], double(i) / grid, loss[i]};
    if (!best.scales.defined()) best = {at::ones_like(candidates_.front()), 0.0, 0.0};  // every loss was NaN
    return best;
}

namespace {
// Output channels scored at once by searchBestClip (the result does not depend on it).
int64_t clipRowsPerBatch(int64_t rows, int64_t K, bool cuda) {
    const int64_t cpuRows = rows % 256 == 0 ? 256 : rows % 64 == 0 ? 64 : rows;
    if (!cuda) return cpuRows;
    // On a GPU 256 rows a batch left the search launch-bound (Qwen3-8B shapes on an H200: ~40K small
    // kernels a layer, 0.95 s). Up to 2^24 weights a batch (~0.4 GB of float32 temporaries).
    const int64_t limit = std::max<int64_t>(64, (int64_t(1) << 24) / std::max<int64_t>(1, K));
    if (rows <= limit) return rows;
    for (int64_t b = limit / 64 * 64; b >= 64; b -= 64)
        if (rows % b == 0) return b;
    return cpuRows;
}
}  // namespace

at::Tensor searchBestClip(const at::Tensor& weight, const at::Tensor& gram, int groupSize, const std::stop_token& stop) {
    const int64_t N = weight.size(0), K = weight.size(1);
    const int64_t G = groupSize > 0 ? groupSize : K;
    const int64_t groups = K / G;
    const int64_t batch = clipRowsPerBatch(N, K, weight.is_cuda());
    std::vector<at::Tensor> bestAll;
    for (int64_t b0 = 0; b0 < N; b0 += batch) {
        const auto w = weight.narrow(0, b0, batch).view({batch, groups, G});
        const auto orgMax = w.abs().amax(-1, true);  // [c, g, 1]
        auto bestMax = orgMax.clone();
        auto minErr = at::full(orgMax.sizes(), std::numeric_limits<float>::infinity(), orgMax.options().dtype(at::kFloat));
        // 20 thresholds from the max down to half of it. AutoAWQ stops at 0.55 in steps of 0.05 and
        // scores 512 sampled tokens; the finer grid over every token lowered the demo model's KL
        // divergence against the original from 0.00780 to 0.00743 (RTN: 0.00861).
        constexpr int kSteps = 20;
        for (int i = 0; i < kSteps; ++i) {
            throwIfStopped(stop);
            const auto maxVal = orgMax * (1.0 - 0.5 * double(i) / (kSteps - 1));
            const auto clipped = at::max(at::min(w, maxVal), -maxVal);
            const auto qw = pseudoQuantize(clipped.reshape({batch, K}), groupSize).dequantized.view({batch, groups, G});
            const auto d = (qw - w).to(at::kFloat).permute({1, 0, 2});                    // [g, c, G]
            const auto err = (at::bmm(d, gram) * d).sum(-1).transpose(0, 1).unsqueeze(-1);  // [c, g, 1] = d^T H d
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
