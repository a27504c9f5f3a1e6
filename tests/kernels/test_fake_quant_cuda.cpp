// The scale search's fused kernels (kernels/cuda/quant_ops.h) against the torch ops they replace,
// evaluated by torch on the same GPU. Fake quantization: the same bits for fp16 and bf16, group
// sizes 128, 64 and a whole row, with and without column scales, on weights with an outlier
// column, a group of zeros and a constant group (the clamp of the range to 1e-5). Squared error:
// the float32 torch sum within 1e-5, odd sizes included.
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/search_kernels.h"

#include <gtest/gtest.h>

#include <cstdio>

using namespace awq;

namespace {

at::Tensor testWeight(int64_t N, int64_t K, at::ScalarType type) {
    auto w = at::randn({N, K}, at::TensorOptions().dtype(at::kFloat)) * 0.02;
    w.select(1, 7).mul_(40.0);           // an outlier input channel
    w.select(0, 1).narrow(0, 0, 64).zero_();                 // zeros
    w.select(0, 2).narrow(0, 0, 64).fill_(0.015625);         // constant: max - min = 0
    return w.to(type).to(at::kCUDA).contiguous();
}

// Column scales as the search makes them: x_mean^r / w_mean^(1-r), normalised, in w's dtype.
at::Tensor candidateScales(int64_t K, at::ScalarType type) {
    auto s = at::rand({1, K}, at::TensorOptions().dtype(at::kFloat)) * 4.0 + 0.05;
    s = s / (s.max() * s.min()).sqrt();
    return s.to(type).to(at::kCUDA).contiguous();
}

void expectSameBits(const at::Tensor& got, const at::Tensor& want, const char* what) {
    ASSERT_EQ(got.sizes(), want.sizes()) << what;
    ASSERT_EQ(got.scalar_type(), want.scalar_type()) << what;
    const auto differ = got.ne(want).logical_and(want.eq(want));  // NaN in both counts as equal
    const int64_t count = differ.sum().item<int64_t>();
    if (count > 0) {
        const auto idx = differ.nonzero().select(0, 0);
        const int64_t r = idx[0].item<int64_t>(), c = idx[1].item<int64_t>();
        std::printf("  %s: %lld of %lld differ; first at [%lld, %lld]: kernel %.8g, torch %.8g\n", what, static_cast<long long>(count),
                    static_cast<long long>(want.numel()), static_cast<long long>(r), static_cast<long long>(c),
                    got[r][c].item<double>(), want[r][c].item<double>());
    }
    EXPECT_EQ(count, 0) << what;
}

}  // namespace

TEST(FakeQuantizeCuda, MatchesTheTorchOpsBitForBit) {
    at::manual_seed(11);
    for (const auto type : {at::kHalf, at::kBFloat16}) {
        for (const int groupSize : {128, 64, -1}) {
            const int64_t N = 96, K = groupSize == -1 ? 512 : 4096;
            const auto w = testWeight(N, K, type);
            const auto s = candidateScales(K, type);
            ASSERT_TRUE(quant::fusedFakeQuantizeApplies(w, s, groupSize));
            char what[96];
            std::snprintf(what, sizeof what, "%s, group %d, scaled", type == at::kHalf ? "fp16" : "bf16", groupSize);
            expectSameBits(quant::fusedFakeQuantize(w, s, groupSize), quant::pseudoQuantize(w * s, groupSize).dequantized / s, what);
            std::snprintf(what, sizeof what, "%s, group %d, unscaled", type == at::kHalf ? "fp16" : "bf16", groupSize);
            expectSameBits(quant::fusedFakeQuantize(w, {}, groupSize), quant::pseudoQuantize(w, groupSize).dequantized, what);
            // The search's entry point takes the kernel here.
            expectSameBits(quant::scaledFakeQuantize(w, s, groupSize), quant::pseudoQuantize(w * s, groupSize).dequantized / s, "scaledFakeQuantize");
        }
    }
}

TEST(FakeQuantizeCuda, DeclinesWhatItCannotTake) {
    const auto w = testWeight(8, 4096, at::kHalf);
    EXPECT_FALSE(quant::fusedFakeQuantizeApplies(w.to(at::kFloat), {}, 128));          // float32
    EXPECT_FALSE(quant::fusedFakeQuantizeApplies(w.cpu(), {}, 128));                   // on the CPU
    EXPECT_FALSE(quant::fusedFakeQuantizeApplies(w, {}, 48));                          // not a multiple of 32
    EXPECT_FALSE(quant::fusedFakeQuantizeApplies(w.t(), {}, 128));                     // not contiguous
    EXPECT_FALSE(quant::fusedFakeQuantizeApplies(w, candidateScales(4096, at::kBFloat16), 128));  // scales of another dtype
    EXPECT_THROW(quant::fusedFakeQuantize(w, {}, 48), std::exception);
    // Where it declines, scaledFakeQuantize still answers (the torch ops).
    const auto s = candidateScales(4096, at::kHalf).to(at::kFloat);
    const auto wf = w.to(at::kFloat);
    EXPECT_TRUE(at::equal(quant::scaledFakeQuantize(wf, s, 128), quant::pseudoQuantize(wf * s, 128).dequantized / s));
}

TEST(SquaredErrorCuda, AgreesWithTheTorchSum) {
    at::manual_seed(12);
    for (const auto type : {at::kHalf, at::kBFloat16})
        for (const int64_t n : {int64_t(4096) * 4096, int64_t(1000003), int64_t(5)}) {
            const auto a = at::randn({n}, at::TensorOptions().dtype(type).device(at::kCUDA));
            const auto b = (a.to(at::kFloat) + at::randn({n}, a.options().dtype(at::kFloat)) * 0.01).to(type);
            ASSERT_TRUE(quant::fusedSquaredErrorApplies(a, b));
            const auto got = quant::fusedSquaredError(a, b);
            EXPECT_EQ(got.scalar_type(), at::kDouble);
            const double want = (a.to(at::kDouble) - b.to(at::kDouble)).square().sum().item<double>();
            const double torchFloat = (a.to(at::kFloat) - b.to(at::kFloat)).square().sum().item<double>();
            std::printf("  %s n %lld: kernel %.9g, float64 %.9g, torch float32 %.9g\n", type == at::kHalf ? "fp16" : "bf16",
                        static_cast<long long>(n), got.item<double>(), want, torchFloat);
            EXPECT_NEAR(got.item<double>(), want, 1e-5 * want);
            EXPECT_EQ(got.item<double>(), quant::fusedSquaredError(a, b).item<double>());  // deterministic
        }
    const auto a = at::zeros({64}, at::TensorOptions().dtype(at::kHalf).device(at::kCUDA));
    EXPECT_FALSE(quant::fusedSquaredErrorApplies(a, a.to(at::kBFloat16)));
    EXPECT_FALSE(quant::fusedSquaredErrorApplies(a, a.narrow(0, 1, 32)));
    EXPECT_FALSE(quant::fusedSquaredErrorApplies(a.narrow(0, 1, 32), a.narrow(0, 0, 32)));  // not 16-byte aligned
}
