#include "core/quant/detail/gptq_math.h"

#include "core/quant/detail/awq_math.h"
#include "core/util/error.h"

#include <string>

namespace awq::quant {

void HessianSum::add(const at::Tensor& chunk) {
    const auto x = chunk.reshape({-1, chunk.size(-1)}).to(at::kFloat);
    const auto xtx = at::matmul(x.t(), x);
    sum_ = sum_.defined() ? sum_.add_(xtx) : xtx;
    tokens_ += x.size(0);
}

at::Tensor HessianSum::hessian() const { return sum_ * (2.0 / double(std::max<std::int64_t>(1, tokens_))); }

namespace {

constexpr double kMaxQ = 15;

// Per row of x [N, C]: the asymmetric grid over [min(x, 0), max(x, 0)] (GPTQ's Quantizer.find_params,
// which always includes 0), the scale rounded to its stored fp16 value so that the stored q, zero
// and scale reproduce the weight the error feedback used, and the zero kept in 1..15 (see header).
// sym, as find_params does it: xmax = max(|xmin|, xmax), xmin = -xmax where xmin < 0 (a row without
// negative values keeps xmin = 0, so only half its range is used: the reference's quirk, kept so
// that the scales are the ones GPTQModel / AutoGPTQ compute), zero (maxq + 1) / 2 = 8.
std::pair<at::Tensor, at::Tensor> groupParams(const at::Tensor& x, bool sym) {
    auto xmin = x.amin(1).clamp_max(0);
    auto xmax = x.amax(1).clamp_min(0);
    if (sym) {
        xmax = at::maximum(xmin.abs(), xmax);
        xmin = at::where(xmin < 0, -xmax, xmin);
    }
    const auto flat = (xmin == 0) & (xmax == 0);
    xmin = at::where(flat, at::full_like(xmin, -1), xmin);
    xmax = at::where(flat, at::full_like(xmax, 1), xmax);
    const auto scale = ((xmax - xmin) / kMaxQ).to(at::kHalf).to(at::kFloat).clamp_min(1e-7);
    const auto zero = sym ? at::full_like(scale, (kMaxQ + 1) / 2) : at::round(-xmin / scale).clamp(1, kMaxQ);
    return {scale, zero};
}

// The Cholesky factor of the inverse, upper (GPTQ's Hinv): H + damp * mean(diag) * I must be
// positive definite; the damping grows x10 up to twice when it is not (as GPTQModel retries).
at::Tensor inverseCholeskyUpper(const at::Tensor& h, double& damp) {
    const int64_t K = h.size(0);
    const double meanDiag = h.diagonal().mean().item<double>();
    for (int attempt = 0; attempt < 3; ++attempt, damp *= 10) {
        const auto damped = h + at::eye(K, h.options()) * (damp * meanDiag);
        auto [lower, info] = at::linalg_cholesky_ex(damped);
        if (info.item<int>() != 0) continue;
        auto [upper, info2] = at::linalg_cholesky_ex(at::cholesky_inverse(lower), /*upper=*/true);
        if (info2.item<int>() == 0 && at::isfinite(upper).all().item<bool>()) return upper;
    }
    throw Error("the Hessian of a linear's inputs is not positive definite even with damping " + std::to_string(damp / 10), {},
                "use more calibration text (--samples), or a larger --damp");
}

}  // namespace

GptqResult gptqQuantize(const at::Tensor& w, const at::Tensor& hessian, const GptqOptions& o, const std::stop_token& stop) {
    const int64_t K = w.size(1);
    const int64_t G = o.groupSize > 0 ? o.groupSize : K;
    const int64_t B = std::max(o.blockSize, 1);
    auto W = w.to(at::kFloat).clone();
    auto H = hessian.to(W.device(), at::kFloat).clone();

    // Inputs that never fire carry no information: their weights quantize as 0 (GPTQ's dead columns).
    const auto dead = H.diagonal() == 0;
    H.diagonal().masked_fill_(dead, 1);
    W.masked_fill_(dead.unsqueeze(0), 0);

    at::Tensor perm, invperm;
    if (o.actOrder) {
        perm = at::argsort(H.diagonal(), /*dim=*/0, /*descending=*/true);
        W = W.index_select(1, perm);
        H = H.index_select(0, perm).index_select(1, perm);
        invperm = at::argsort(perm);
    }

    GptqResult r;
    r.dampUsed = o.dampPercent;
    const auto Hinv = inverseCholeskyUpper(H, r.dampUsed);
    H = at::Tensor();

    auto Q = at::zeros_like(W);
    std::vector<at::Tensor> scales, zeros;
    at::Tensor scale, zero;
    if (o.groupSize <= 0) {  // one grid per row over all of K, from the weights before any update (as GPTQ)
        std::tie(scale, zero) = groupParams(W, o.sym);
        scales.push_back(scale);
        zeros.push_back(zero);
    }
    for (int64_t i1 = 0; i1 < K; i1 += B) {
        throwIfStopped(stop);
        const int64_t i2 = std::min(i1 + B, K), count = i2 - i1;
        auto W1 = W.narrow(1, i1, count).clone();
        auto Err1 = at::zeros_like(W1);
        const auto Hinv1 = Hinv.narrow(0, i1, count).narrow(1, i1, count);
        for (int64_t i = 0; i < count; ++i) {
            if (o.groupSize > 0 && (i1 + i) % G == 0) {  // a new group: its grid from the weights as updated so far
                std::tie(scale, zero) = groupParams(W1.narrow(1, i, std::min(G, count - i)), o.sym);
                scales.push_back(scale);
                zeros.push_back(zero);
            }
            const auto col = W1.select(1, i);
            const auto q = at::clamp(at::round(col / scale) + zero, 0, kMaxQ);
            Q.select(1, i1 + i).copy_(q);
            const auto err = (col - scale * (q - zero)) / Hinv1[i][i];
            // The remaining columns of the block absorb the error through row i of Hinv.
            W1.narrow(1, i, count - i).sub_(at::outer(err, Hinv1[i].narrow(0, i, count - i)));
            Err1.select(1, i).copy_(err);
        }
        if (i2 < K) W.narrow(1, i2, K - i2).sub_(at::matmul(Err1, Hinv.narrow(0, i1, count).narrow(1, i2, K - i2)));
    }

    r.scales = at::stack(scales, 1);  // [N, groups], groups in quantization order
    r.zeros = at::stack(zeros, 1);
    r.gIdx = at::arange(K, at::TensorOptions(at::kLong).device(W.device())).div(G, "floor");
    if (o.actOrder) {
        Q = Q.index_select(1, invperm);
        r.gIdx = r.gIdx.index_select(0, invperm);
    }
    r.q = Q;
    const auto s = r.scales.index_select(1, r.gIdx), z = r.zeros.index_select(1, r.gIdx);
    r.dequantized = ((Q - z) * s).to(at::kHalf).to(w.scalar_type());  // rounded as the engine dequantizes
    return r;
}

engine::GptqTensors packGptqResult(const GptqResult& r) { return engine::packGptq(r.q, r.zeros, r.scales, r.gIdx); }

}  // namespace awq::quant
