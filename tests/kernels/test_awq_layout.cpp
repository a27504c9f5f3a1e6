// The AutoAWQ GEMM packing, checked on the CPU: a hand-computed word, a round trip, and the real
// AutoAWQ-packed fixture against the bf16 weights it was made from; and the repacked layout's index
// maps against the tensor-core fragment layout.
#include "kernels/awq_layout.h"
#include "kernels/cpu/awq_dequant_ref.h"
#include "kernels/cpu/half.h"
#include "kernels/repacked_layout.h"
#include "tests/kernels/awq_fixture.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

using namespace awq;
using namespace awq::kernels;

TEST(AwqLayout, PacksColumnsInAutoAwqOrder) {
    // Columns 0..7 holding the values 0..7: nibble i holds column [0,2,4,6,1,3,5,7][i].
    const std::uint8_t values[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    std::int32_t packed = 0;
    packAwqGemm(values, 1, 8, &packed);
    EXPECT_EQ(static_cast<std::uint32_t>(packed), 0x75316420u);
    for (int c = 0; c < 8; ++c) EXPECT_EQ(awqNibble(static_cast<std::uint32_t>(packed), c), std::uint32_t(c));
}

TEST(AwqLayout, PackThenDequantizeRoundTrips) {
    const int K = 256, N = 64, G = 128;
    std::mt19937 rng(7);
    std::vector<std::uint8_t> q(K * N), z((K / G) * N);
    for (auto& v : q) v = std::uint8_t(rng() % 16);
    for (auto& v : z) v = std::uint8_t(rng() % 16);
    std::vector<std::uint16_t> s((K / G) * N);
    for (auto& v : s) v = floatToHalf(0.001f + float(rng() % 1000) * 1e-4f);
    std::vector<std::int32_t> qw(K * N / 8), qz((K / G) * N / 8);
    packAwqGemm(q.data(), K, N, qw.data());
    packAwqGemm(z.data(), K / G, N, qz.data());
    std::vector<float> w(K * N);
    dequantizeAwqGemmRef(qw.data(), qz.data(), s.data(), K, N, G, w.data());
    for (int k = 0; k < K; ++k)
        for (int n = 0; n < N; ++n) {
            const int g = k / G;
            const float expected = (float(q[k * N + n]) - float(z[g * N + n])) * halfToFloat(s[g * N + n]);
            ASSERT_EQ(w[k * N + n], expected) << "k=" << k << " n=" << n;
        }
}

TEST(AwqLayout, HalfConversionRoundTripsEveryFiniteHalf) {
    for (std::uint32_t h = 0; h < 0x10000; ++h) {
        if (((h >> 10) & 0x1F) == 0x1F) continue;  // inf / nan
        ASSERT_EQ(floatToHalf(halfToFloat(std::uint16_t(h))), h) << std::hex << h;
    }
    EXPECT_EQ(floatToHalf(1.0f), 0x3C00);
    EXPECT_EQ(floatToHalf(65504.0f), 0x7BFF);
    EXPECT_EQ(floatToHalf(1e6f), 0x7C00);
    EXPECT_EQ(floatToHalf(1.0f + 1.0f / 2048), 0x3C00);  // tie rounds to even
}

// The fixture was packed by AutoAWQ from round-to-nearest weights of qwen2-random: dequantizing it
// must land within one quantization step of the original (transposed: qweight is [in, out]).
TEST(AwqLayout, FixtureDequantizesCloseToItsSource) {
    const auto awqStore = TensorStore::openFolder(test::modelDir("qwen2-random-awq"));
    const auto srcStore = TensorStore::openFolder(test::modelDir("qwen2-random"));
    const auto linears = test::loadAwqLinears(awqStore, 128);
    ASSERT_EQ(linears.size(), 2u * 7u);  // 2 layers x (q, k, v, o, gate, up, down)
    for (const auto& l : linears) {
        const TensorInfo* src = srcStore.find(l.prefix + ".weight");
        ASSERT_NE(src, nullptr) << l.prefix;
        ASSERT_EQ(src->dtype, DType::BF16);
        ASSERT_EQ(src->shape, (std::vector<std::int64_t>{l.N, l.K})) << l.prefix;
        const auto orig = test::copyTensor<std::uint16_t>(srcStore, *src);
        std::vector<float> w(std::size_t(l.K) * l.N);
        dequantizeAwqGemmRef(l.qweight.data(), l.qzeros.data(), l.scales.data(), l.K, l.N, l.groupSize, w.data());
        double sumRelErr = 0;
        for (int k = 0; k < l.K; ++k)
            for (int n = 0; n < l.N; ++n) {
                const float s = halfToFloat(l.scales[(k / l.groupSize) * l.N + n]);
                const float err = std::fabs(w[std::size_t(k) * l.N + n] - bf16ToFloat(orig[std::size_t(n) * l.K + k]));
                ASSERT_LE(err, s * 1.001f + 1e-6f) << l.prefix << " k=" << k << " n=" << n;
                sumRelErr += err / s;
            }
        // Rounding error is uniform in [0, s/2]: its mean is s/4. A wrong nibble order gives ~5 s.
        EXPECT_LT(sumRelErr / (double(l.K) * l.N), 0.3) << l.prefix;
    }
}

TEST(AwqLayout, NibbleOfColumnInvertsPackOrder) {
    for (int i = 0; i < 8; ++i) EXPECT_EQ(awqNibbleOfColumn(kAwqPackOrder[i]), i);
}

// The repacked layout's two maps (repacked_layout.h) against PTX's mma.m16n8k16 / wgmma A fragment
// (lane g = lane / 4, t = lane % 4; register r holds row g + 8 (r & 1), k positions 2t + 8 (r >> 1)
// and + 1, the low half first; nibble r of a word is the low half of register r, nibble r + 4 the
// high half): the input the repack puts at a fragment element must be the input the prefill GEMM
// stages at that product's k position, or the wgmma kernel multiplies weights by the wrong inputs.
TEST(RepackedLayout, ProductOrderPairsEachFragmentElementWithItsInput) {
    for (int t = 0; t < 4; ++t)
        for (int j = 0; j < 4; ++j)
            for (int r = 0; r < 4; ++r)
                for (int half = 0; half < 2; ++half) {
                    const int nibble = r + 4 * half;
                    const int kk = 2 * t + 8 * (r >> 1) + half;
                    EXPECT_EQ(repackedInput(0, j, t, nibble), productOrderInput(16 * j + kk)) << "t " << t << " word " << j << " nibble " << nibble;
                    EXPECT_EQ(repackedInput(3, j, t, nibble), 3 * 64 + productOrderInput(16 * j + kk));
                }
    for (int g = 0; g < 8; ++g)
        for (int nibble = 0; nibble < 8; ++nibble) {
            const int r = nibble % 4;  // the register whose half the nibble is
            EXPECT_EQ(repackedColumn(2, g, nibble), 2 * 16 + g + 8 * (r & 1));
        }
}

TEST(RepackedLayout, ProductOrderIsAPermutationOfTheBlockWithAdjacentPairs) {
    bool seen[64] = {};
    for (int p = 0; p < 64; ++p) {
        const int input = productOrderInput(p);
        ASSERT_GE(input, 0);
        ASSERT_LT(input, 64);
        EXPECT_FALSE(seen[input]) << "input " << input << " twice";
        seen[input] = true;
        // The permuting pass copies 4-byte pairs: positions 2q, 2q + 1 hold adjacent inputs.
        if (p % 2 == 1) {
            EXPECT_EQ(input, productOrderInput(p - 1) + 1);
        }
    }
    // Lane 1's first register pair of product 2 (k positions 2, 3) holds inputs 16 + 8, 16 + 9.
    EXPECT_EQ(productOrderInput(16 * 2 + 2), 24);
    EXPECT_EQ(productOrderInput(16 * 2 + 3), 25);
}
