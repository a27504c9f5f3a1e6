// The fused decode kernels (kernels/cuda/decode_ops.h) against plain float32 references written
// here, on fresh random fp16 inputs, with outputs poisoned before each launch and cache rows that
// must stay untouched checked too.
#include "kernels/cpu/half.h"
#include "kernels/cuda/decode_ops.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <tuple>
#include <vector>

using namespace awq::kernels;

namespace {

using Halves = std::vector<std::uint16_t>;

template <typename T>
struct DeviceBuffer {
    T* ptr = nullptr;
    std::size_t count = 0;
    explicit DeviceBuffer(std::size_t n) : count(n) { EXPECT_EQ(cudaMalloc(&ptr, std::max<std::size_t>(n, 1) * sizeof(T)), cudaSuccess); }
    template <typename U>
    explicit DeviceBuffer(const std::vector<U>& host) : DeviceBuffer(host.size()) {
        static_assert(sizeof(U) == sizeof(T));
        EXPECT_EQ(cudaMemcpy(ptr, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
    }
    ~DeviceBuffer() { cudaFree(ptr); }
    template <typename U>
    std::vector<U> download() const {
        std::vector<U> host(count);
        EXPECT_EQ(cudaMemcpy(host.data(), ptr, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
        return host;
    }
};

__half* halves(DeviceBuffer<std::uint16_t>& b) { return reinterpret_cast<__half*>(b.ptr); }

Halves randomHalves(std::mt19937& rng, std::size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> u(lo, hi);
    Halves v(n);
    for (auto& x : v) x = floatToHalf(u(rng));
    return v;
}

float h2f(std::uint16_t h) { return halfToFloat(h); }
float roundHalf(float f) { return halfToFloat(floatToHalf(f)); }

constexpr std::uint16_t kPoison = 0x7E00;  // fp16 NaN

void expectClose(const Halves& got, const std::vector<float>& want, float relTol, const char* what) {
    ASSERT_EQ(got.size(), want.size());
    float maxRef = 0;
    for (float w : want) maxRef = std::max(maxRef, std::fabs(w));
    for (std::size_t i = 0; i < want.size(); ++i) {
        const float g = h2f(got[i]);
        ASSERT_FALSE(std::isnan(g)) << what << ": element " << i << " not written";
        ASSERT_NEAR(g, want[i], relTol * std::max(1.0f, maxRef)) << what << ": element " << i;
    }
}

}  // namespace

TEST(DecodeOpsCuda, RmsNormWithResidualMatchesReference) {
    std::mt19937 rng(1);
    for (const int dim : {64, 128, 4096}) {  // 64 and 128: a warp a row, 8 rows a block (19 rows: a partial block)
        const int rows = dim == 4096 ? 5 : 19;
        const auto x = randomHalves(rng, std::size_t(rows) * dim, -2, 2), delta = randomHalves(rng, x.size(), -1, 1);
        const auto w = randomHalves(rng, std::size_t(dim), 0.5f, 1.5f);
        for (const bool withDelta : {false, true}) {
            DeviceBuffer<std::uint16_t> dx(x), dd(delta), dw(w), dout(Halves(x.size(), kPoison));
            ASSERT_EQ(rmsNormResidual(halves(dx), withDelta ? halves(dd) : nullptr, halves(dw), halves(dout), rows, dim, 1e-6f, nullptr),
                      cudaSuccess);
            ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
            std::vector<float> wantX(x.size()), wantOut(x.size());
            for (int r = 0; r < rows; ++r) {
                double ss = 0;
                for (int d = 0; d < dim; ++d) {
                    const std::size_t i = std::size_t(r) * dim + d;
                    wantX[i] = withDelta ? roundHalf(h2f(x[i]) + h2f(delta[i])) : h2f(x[i]);
                    ss += double(wantX[i]) * wantX[i];
                }
                const float inv = float(1.0 / std::sqrt(ss / dim + 1e-6));
                for (int d = 0; d < dim; ++d) {
                    const std::size_t i = std::size_t(r) * dim + d;
                    wantOut[i] = roundHalf(h2f(w[d]) * roundHalf(wantX[i] * inv));
                }
            }
            expectClose(dx.download<std::uint16_t>(), wantX, 1e-3f, "residual");
            expectClose(dout.download<std::uint16_t>(), wantOut, 2e-3f, "normed");
        }
    }
}

TEST(DecodeOpsCuda, RopeAndKvWriteMatchReference) {
    std::mt19937 rng(2);
    const int B = 3, H = 8, KvH = 2, capacity = 40, maxPos = 64;
    // tokensPerSequence 1: decode (a row a sequence); 3: prefill (the three rows are one prompt).
    for (const auto& [D, qkNorm, tokensPerSequence] : {std::tuple{64, false, 1}, std::tuple{64, true, 1}, std::tuple{128, false, 1},
                                                       std::tuple{128, true, 1}, std::tuple{128, true, 3}}) {
        {
            const int all = H + 2 * KvH, sequences = B / tokensPerSequence;
            const auto qkv = randomHalves(rng, std::size_t(B) * all * D, -2, 2);
            const auto qn = randomHalves(rng, std::size_t(D), 0.5f, 1.5f), kn = randomHalves(rng, std::size_t(D), 0.5f, 1.5f);
            std::vector<float> cosT(std::size_t(maxPos) * D), sinT(cosT.size());
            for (int p = 0; p < maxPos; ++p)
                for (int i = 0; i < D / 2; ++i) {
                    const double f = p * std::pow(10000.0, -2.0 * i / D);
                    cosT[std::size_t(p) * D + i] = cosT[std::size_t(p) * D + i + D / 2] = float(std::cos(f));
                    sinT[std::size_t(p) * D + i] = sinT[std::size_t(p) * D + i + D / 2] = float(std::sin(f));
                }
            const std::vector<std::int32_t> positions = {0, 17, capacity - 1};
            const Halves cacheInit = randomHalves(rng, std::size_t(sequences) * KvH * capacity * D, -1, 1);
            DeviceBuffer<std::uint16_t> dqkv(qkv), dqn(qn), dkn(kn), dq(Halves(std::size_t(B) * H * D, kPoison)), dk(cacheInit), dv(cacheInit);
            DeviceBuffer<float> dcos(cosT), dsin(sinT);
            DeviceBuffer<std::int32_t> dpos(positions);
            RopeKvArgs<__half> args{halves(dqkv), qkNorm ? halves(dqn) : nullptr, qkNorm ? halves(dkn) : nullptr, 1e-6f, dcos.ptr, dsin.ptr,
                                    dpos.ptr, halves(dq), halves(dk), halves(dv), B, H, KvH, D, capacity, tokensPerSequence};
            ASSERT_EQ(ropeKvWrite(args, nullptr), cudaSuccess);
            ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

            auto rotated = [&](int b, int head, const Halves& norm) {
                std::vector<float> v(static_cast<std::size_t>(D)), out(static_cast<std::size_t>(D));
                for (int d = 0; d < D; ++d) v[d] = h2f(qkv[(std::size_t(b) * all + head) * D + d]);
                if (qkNorm) {
                    double ss = 0;
                    for (float f : v) ss += double(f) * f;
                    const float inv = float(1.0 / std::sqrt(ss / D + 1e-6));
                    for (int d = 0; d < D; ++d) v[d] = roundHalf(h2f(norm[d]) * roundHalf(v[d] * inv));
                }
                const int p = positions[b];
                for (int d = 0; d < D; ++d) {
                    const float partner = d < D / 2 ? -v[d + D / 2] : v[d - D / 2];
                    out[d] = roundHalf(roundHalf(v[d] * roundHalf(cosT[std::size_t(p) * D + d])) +
                                       roundHalf(partner * roundHalf(sinT[std::size_t(p) * D + d])));
                }
                return out;
            };
            std::vector<float> wantQ;
            for (int b = 0; b < B; ++b)
                for (int h = 0; h < H; ++h) {
                    const auto r = rotated(b, h, qn);
                    wantQ.insert(wantQ.end(), r.begin(), r.end());
                }
            expectClose(dq.download<std::uint16_t>(), wantQ, 2e-3f, "q");
            std::vector<float> wantK(cacheInit.size()), wantV(cacheInit.size());
            for (std::size_t i = 0; i < cacheInit.size(); ++i) wantK[i] = wantV[i] = h2f(cacheInit[i]);
            for (int b = 0; b < B; ++b)
                for (int kvh = 0; kvh < KvH; ++kvh) {
                    const auto r = rotated(b, H + kvh, kn);
                    for (int d = 0; d < D; ++d) {
                        const std::size_t at = ((std::size_t(b / tokensPerSequence) * KvH + kvh) * capacity + positions[b]) * D + d;
                        wantK[at] = r[d];
                        wantV[at] = h2f(qkv[(std::size_t(b) * all + H + KvH + kvh) * D + d]);
                    }
                }
            expectClose(dk.download<std::uint16_t>(), wantK, 2e-3f, "key cache");
            expectClose(dv.download<std::uint16_t>(), wantV, 0.0f, "value cache");
        }
    }
}

TEST(DecodeOpsCuda, AttentionMatchesReferenceForEverySplitAndWindow) {
    std::mt19937 rng(3);
    const int B = 3, capacity = 300;
    struct Shape {
        int H, KvH, D;
    };
    for (const Shape s : {Shape{32, 8, 128}, Shape{16, 16, 64}, Shape{40, 4, 128}}) {
        const auto q = randomHalves(rng, std::size_t(B) * s.H * s.D, -1, 1);
        const auto k = randomHalves(rng, std::size_t(B) * s.KvH * capacity * s.D, -1, 1);
        const auto v = randomHalves(rng, k.size(), -1, 1);
        const std::vector<std::int32_t> positions = {0, 130, capacity - 1};
        DeviceBuffer<std::uint16_t> dq(q), dk(k), dv(v);
        DeviceBuffer<std::int32_t> dpos(positions);
        const float scale = 1.0f / std::sqrt(float(s.D));
        for (const int window : {0, 50}) {
            std::vector<float> want(q.size());
            for (int b = 0; b < B; ++b)
                for (int h = 0; h < s.H; ++h) {
                    const int kvh = h / (s.H / s.KvH), p = positions[b];
                    const int lo = window > 0 ? std::max(0, p - window + 1) : 0;
                    std::vector<double> scores;
                    double m = -1e300;
                    for (int t = lo; t <= p; ++t) {
                        double dot = 0;
                        for (int d = 0; d < s.D; ++d)
                            dot += double(h2f(q[(std::size_t(b) * s.H + h) * s.D + d])) *
                                   h2f(k[((std::size_t(b) * s.KvH + kvh) * capacity + t) * s.D + d]);
                        scores.push_back(dot * scale);
                        m = std::max(m, scores.back());
                    }
                    double sum = 0;
                    for (auto& x : scores) sum += (x = std::exp(x - m));
                    for (int d = 0; d < s.D; ++d) {
                        double acc = 0;
                        for (int t = lo; t <= p; ++t) acc += scores[std::size_t(t - lo)] * h2f(v[((std::size_t(b) * s.KvH + kvh) * capacity + t) * s.D + d]);
                        want[(std::size_t(b) * s.H + h) * s.D + d] = float(acc / sum);
                    }
                }
            for (const int splits : {1, 3, decodeAttentionSplits(B, s.KvH, capacity)}) {
                DeviceBuffer<std::uint16_t> dout(Halves(q.size(), kPoison));
                DeviceBuffer<float> ws(decodeAttentionWorkspaceBytes(B, s.H, s.D, splits) / sizeof(float));
                DecodeAttentionArgs<__half> args{halves(dq), halves(dk), halves(dv), dpos.ptr, halves(dout), splits > 1 ? ws.ptr : nullptr,
                                                 B, s.H, s.KvH, s.D, capacity, window, splits, scale};
                ASSERT_EQ(decodeAttention(args, nullptr), cudaSuccess);
                ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
                SCOPED_TRACE("H=" + std::to_string(s.H) + " KvH=" + std::to_string(s.KvH) + " D=" + std::to_string(s.D) +
                             " window=" + std::to_string(window) + " splits=" + std::to_string(splits));
                expectClose(dout.download<std::uint16_t>(), want, 2e-3f, "attention");
            }
        }
    }
}

// The decode step's attention with the rope / KV write folded in (decodeAttention with rope) gives
// the same bits as ropeKvWrite followed by decodeAttention: output and both caches, with and
// without Qwen3's q/k norm, a sliding window, one piece or several (on a 132-SM GPU both the
// one-query-head-a-block and the whole-group grids run).
TEST(DecodeOpsCuda, AttentionWithRopeFoldedInMatchesRopeThenAttention) {
    std::mt19937 rng(5);
    const int B = 3, capacity = 300;
    struct Shape {
        int H, KvH, D;
        bool qkNorm;
    };
    for (const Shape s : {Shape{32, 8, 128, false}, Shape{16, 2, 64, true}, Shape{40, 4, 128, true}}) {
        const int all = s.H + 2 * s.KvH;
        const auto qkv = randomHalves(rng, std::size_t(B) * all * s.D, -2, 2);
        const auto qn = randomHalves(rng, std::size_t(s.D), 0.5f, 1.5f), kn = randomHalves(rng, std::size_t(s.D), 0.5f, 1.5f);
        std::vector<float> cosT(std::size_t(capacity) * s.D), sinT(cosT.size());
        for (int p = 0; p < capacity; ++p)
            for (int i = 0; i < s.D / 2; ++i) {
                const double f = p * std::pow(10000.0, -2.0 * i / s.D);
                cosT[std::size_t(p) * s.D + i] = cosT[std::size_t(p) * s.D + i + s.D / 2] = float(std::cos(f));
                sinT[std::size_t(p) * s.D + i] = sinT[std::size_t(p) * s.D + i + s.D / 2] = float(std::sin(f));
            }
        const Halves cacheInit = randomHalves(rng, std::size_t(B) * s.KvH * capacity * s.D, -1, 1);
        const std::vector<std::int32_t> positions = {0, 130, capacity - 1};
        DeviceBuffer<std::uint16_t> dqkv(qkv), dqn(qn), dkn(kn);
        DeviceBuffer<float> dcos(cosT), dsin(sinT);
        DeviceBuffer<std::int32_t> dpos(positions);
        const float scale = 1.0f / std::sqrt(float(s.D));
        for (const int window : {0, 50})
            for (const int splits : {1, 3, decodeAttentionSplits(B, s.KvH, capacity)}) {
                SCOPED_TRACE("H=" + std::to_string(s.H) + " KvH=" + std::to_string(s.KvH) + " D=" + std::to_string(s.D) +
                             " window=" + std::to_string(window) + " splits=" + std::to_string(splits));
                Halves out[2], keys[2], values[2];
                for (const bool folded : {false, true}) {
                    DeviceBuffer<std::uint16_t> dq(Halves(std::size_t(B) * s.H * s.D, kPoison)), dk(cacheInit), dv(cacheInit);
                    DeviceBuffer<std::uint16_t> dout(Halves(std::size_t(B) * s.H * s.D, kPoison));
                    DeviceBuffer<float> ws(std::vector<float>(decodeAttentionWorkspaceBytes(B, s.H, s.D, splits) / sizeof(float), NAN));
                    const RopeKvArgs<__half> rope{halves(dqkv), s.qkNorm ? halves(dqn) : nullptr, s.qkNorm ? halves(dkn) : nullptr, 1e-6f,
                                                  dcos.ptr,     dsin.ptr,
                                                  dpos.ptr,     folded ? nullptr : halves(dq),
                                                  halves(dk),   halves(dv),
                                                  B,            s.H,
                                                  s.KvH,        s.D,
                                                  capacity,     1};
                    if (!folded) ASSERT_EQ(ropeKvWrite(rope, nullptr), cudaSuccess);
                    const DecodeAttentionArgs<__half> args{folded ? nullptr : halves(dq), halves(dk), halves(dv), dpos.ptr, halves(dout),
                                                           splits > 1 ? ws.ptr : nullptr, B, s.H, s.KvH, s.D, capacity, window, splits, scale};
                    ASSERT_EQ(decodeAttention(args, nullptr, folded ? &rope : nullptr), cudaSuccess);
                    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
                    out[folded] = dout.download<std::uint16_t>();
                    keys[folded] = dk.download<std::uint16_t>();
                    values[folded] = dv.download<std::uint16_t>();
                }
                for (const auto h : out[1]) ASSERT_FALSE(std::isnan(h2f(h))) << "an output not written";
                EXPECT_EQ(out[1], out[0]) << "attention output";
                EXPECT_EQ(keys[1], keys[0]) << "key cache";
                EXPECT_EQ(values[1], values[0]) << "value cache";
                EXPECT_NE(keys[1], cacheInit) << "this step's keys were not written";
            }
    }
}

// A cache sized for a long context (a server's slots) with short sequences: the grid has 64 pieces,
// a sequence uses one a 64 keys it sees, one a 32 up to 1024 keys (3000 keys: 47; 70: 3; 5: one,
// written without the merge; 200: 7), and leaves the workspace of the others untouched. The workspace starts as NaN, so a merge that read a piece
// no block wrote this call would show; a second call with the sequences further on reuses the
// workspace the first left (stale pieces from a longer split must not leak in either).
TEST(DecodeOpsCuda, AttentionOverALongCacheUsesThePiecesTheKeysNeed) {
    std::mt19937 rng(8);
    const int B = 2, H = 32, KvH = 8, D = 128, capacity = 8192, splits = 64;
    ASSERT_EQ(decodeAttentionSplits(1, KvH, capacity), splits);
    const auto q = randomHalves(rng, std::size_t(B) * H * D, -1, 1);
    const auto k = randomHalves(rng, std::size_t(B) * KvH * capacity * D, -1, 1);
    const auto v = randomHalves(rng, k.size(), -1, 1);
    DeviceBuffer<std::uint16_t> dq(q), dk(k), dv(v);
    const float scale = 1.0f / std::sqrt(float(D));
    DeviceBuffer<float> ws(std::vector<float>(decodeAttentionWorkspaceBytes(B, H, D, splits) / sizeof(float), NAN));
    for (const std::vector<std::int32_t>& positions : {std::vector<std::int32_t>{3000, 70}, std::vector<std::int32_t>{5, 200}}) {
        std::vector<float> want(q.size());
        for (int b = 0; b < B; ++b)
            for (int h = 0; h < H; ++h) {
                const int kvh = h / (H / KvH), p = positions[b];
                std::vector<double> scores;
                double m = -1e300;
                for (int t = 0; t <= p; ++t) {
                    double dot = 0;
                    for (int d = 0; d < D; ++d)
                        dot += double(h2f(q[(std::size_t(b) * H + h) * D + d])) * h2f(k[((std::size_t(b) * KvH + kvh) * capacity + t) * D + d]);
                    scores.push_back(dot * scale);
                    m = std::max(m, scores.back());
                }
                double sum = 0;
                for (auto& x : scores) sum += (x = std::exp(x - m));
                for (int d = 0; d < D; ++d) {
                    double acc = 0;
                    for (int t = 0; t <= p; ++t) acc += scores[std::size_t(t)] * h2f(v[((std::size_t(b) * KvH + kvh) * capacity + t) * D + d]);
                    want[(std::size_t(b) * H + h) * D + d] = float(acc / sum);
                }
            }
        DeviceBuffer<std::int32_t> dpos(positions);
        DeviceBuffer<std::uint16_t> dout(Halves(q.size(), kPoison));
        DecodeAttentionArgs<__half> args{halves(dq), halves(dk), halves(dv), dpos.ptr, halves(dout), ws.ptr, B, H, KvH, D, capacity, 0, splits, scale};
        ASSERT_EQ(decodeAttention(args, nullptr), cudaSuccess);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        SCOPED_TRACE("positions " + std::to_string(positions[0]) + ", " + std::to_string(positions[1]));
        expectClose(dout.download<std::uint16_t>(), want, 2e-3f, "attention");
        if (positions[0] != 3000) continue;
        // The pieces a sequence does not need are never written: after the first call the workspace
        // (values [pieces][D], then maxima [pieces], then sums [pieces], piece = (b * H + h) * splits
        // + split) still holds NaN exactly past each sequence's pieces (3001 keys: 47 of 64; 71: 3).
        const auto w = ws.download<float>();
        const std::size_t pieces = std::size_t(B) * H * splits;
        for (int b = 0; b < B; ++b)
            for (int h = 0; h < H; ++h)
                for (int split = 0; split < splits; ++split) {
                    const std::size_t piece = (std::size_t(b) * H + h) * splits + split;
                    const bool used = split < (b == 0 ? 47 : 3);
                    ASSERT_EQ(std::isnan(w[pieces * D + piece]), !used) << "maximum of b " << b << " h " << h << " piece " << split;
                    ASSERT_EQ(std::isnan(w[pieces * D + pieces + piece]), !used) << "sum of b " << b << " h " << h << " piece " << split;
                    ASSERT_EQ(std::isnan(w[piece * D]), !used) << "value of b " << b << " h " << h << " piece " << split;
                }
    }
}

TEST(DecodeOpsCuda, SiluMulMatchesReference) {
    std::mt19937 rng(4);
    const int rows = 4, inter = 14336;
    const auto gu = randomHalves(rng, std::size_t(rows) * 2 * inter, -6, 6);
    DeviceBuffer<std::uint16_t> dgu(gu), dout(Halves(std::size_t(rows) * inter, kPoison));
    ASSERT_EQ(siluMul(halves(dgu), halves(dout), rows, inter, nullptr), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    std::vector<float> want(std::size_t(rows) * inter);
    for (int r = 0; r < rows; ++r)
        for (int i = 0; i < inter; ++i) {
            const float g = h2f(gu[std::size_t(r) * 2 * inter + i]), u = h2f(gu[std::size_t(r) * 2 * inter + inter + i]);
            want[std::size_t(r) * inter + i] = roundHalf(roundHalf(g / (1.0f + std::exp(-g))) * u);
        }
    expectClose(dout.download<std::uint16_t>(), want, 2e-3f, "silu*up");
}

TEST(DecodeOpsCuda, ArgmaxRowsMatchesFirstMaximum) {
    std::mt19937 rng(5);
    const int rows = 5, cols = 128256;  // Llama-3's vocabulary
    std::uniform_real_distribution<float> value(-30.0f, 30.0f);
    std::vector<float> logits(std::size_t(rows) * cols);
    for (auto& v : logits) v = value(rng);
    auto at = [&](int r, int c) -> float& { return logits[std::size_t(r) * cols + c]; };
    at(1, 77) = at(1, 90001) = 100.0f;     // a tie: the first index wins
    at(2, cols - 1) = 100.0f;              // the last column
    at(3, 5) = NAN;                        // NaN never wins
    at(3, 6) = 100.0f;
    for (int c = 0; c < cols; ++c) at(4, c) = -INFINITY;  // nothing finite: index 0
    const std::vector<std::int64_t> want = {
        std::max_element(logits.begin(), logits.begin() + cols) - logits.begin(), 77, cols - 1, 6, 0};
    DeviceBuffer<float> dlogits(logits);
    DeviceBuffer<std::int64_t> dout(std::vector<std::int64_t>(rows, -1));
    DeviceBuffer<std::uint8_t> workspace(std::vector<std::uint8_t>(argmaxWorkspaceBytes(rows), 0));
    for (int call = 0; call < 2; ++call) {  // the second call checks that the first left the workspace re-armed
        ASSERT_EQ(argmaxRows(dlogits.ptr, rows, cols, dout.ptr, workspace.ptr, nullptr), cudaSuccess);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        EXPECT_EQ(dout.download<std::int64_t>(), want) << "call " << call;
    }
    const auto left = workspace.download<std::uint8_t>();  // the row counters (its last rows * 4 bytes) are zero again
    EXPECT_EQ(std::vector<std::uint8_t>(left.end() - rows * 4, left.end()), std::vector<std::uint8_t>(std::size_t(rows) * 4, 0));
}

// The greedy step reads the lm_head's fp16 output as it is: the same ids as over its fp32 copy.
// fp16 logits tie often (11 bits of mantissa): the first maximum must still win.
TEST(DecodeOpsCuda, ArgmaxRowsOfHalfLogitsMatchesFirstMaximum) {
    std::mt19937 rng(6);
    const int rows = 3, cols = 128256;
    auto logits = randomHalves(rng, std::size_t(rows) * cols, -12, 12);
    logits[std::size_t(2) * cols + 4] = kPoison;  // NaN never wins
    std::vector<float> asFloat(logits.size());
    for (std::size_t i = 0; i < logits.size(); ++i) asFloat[i] = h2f(logits[i]);
    std::vector<std::int64_t> want;
    for (int r = 0; r < rows; ++r) {
        const auto row = asFloat.begin() + std::ptrdiff_t(r) * cols;
        auto best = row;  // std::max_element with NaN skipped: the first of the largest
        for (auto it = row; it != row + cols; ++it)
            if (!std::isnan(*it) && (std::isnan(*best) || *it > *best)) best = it;
        want.push_back(best - row);
    }
    DeviceBuffer<std::uint16_t> dlogits(logits);
    DeviceBuffer<std::int64_t> dout(std::vector<std::int64_t>(rows, -1));
    DeviceBuffer<std::uint8_t> workspace(std::vector<std::uint8_t>(argmaxWorkspaceBytes(rows), 0));
    ASSERT_EQ(argmaxRows(halves(dlogits), rows, cols, dout.ptr, workspace.ptr, nullptr), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(dout.download<std::int64_t>(), want);
}

// The greedy step's bookkeeping in the argmax kernel: each row's position one on, at most the
// limit; the ids also in the slot of mapped host memory the row's cursor names, the cursor one on
// (a ring of 2 slots over 3 calls: the third call wraps to slot 0).
TEST(DecodeOpsCuda, ArgmaxRowsAdvancesPositionsAndFillsHostSlots) {
    const int rows = 3, cols = 1000, limit = 9, slotCount = 2;
    std::vector<float> logits(std::size_t(rows) * cols, 0.0f);
    for (int r = 0; r < rows; ++r) logits[std::size_t(r) * cols + 100 * r + 7] = 1.0f;
    DeviceBuffer<float> dlogits(logits);
    DeviceBuffer<std::int64_t> dout(std::vector<std::int64_t>(rows, -1));
    DeviceBuffer<std::int32_t> positions(std::vector<std::int32_t>{0, 8, 9});
    DeviceBuffer<std::int32_t> cursor(std::vector<std::int32_t>{0, 0, 0});
    DeviceBuffer<std::uint8_t> workspace(std::vector<std::uint8_t>(argmaxWorkspaceBytes(rows), 0));
    std::int64_t* host = nullptr;
    ASSERT_EQ(cudaHostAlloc(reinterpret_cast<void**>(&host), sizeof(std::int64_t) * rows * slotCount, cudaHostAllocMapped), cudaSuccess);
    std::fill(host, host + rows * slotCount, -1);
    std::int64_t* hostOnDevice = nullptr;
    ASSERT_EQ(cudaHostGetDevicePointer(reinterpret_cast<void**>(&hostOnDevice), host, 0), cudaSuccess);
    const ArgmaxBookkeeping bookkeeping{positions.ptr, limit, hostOnDevice, cursor.ptr, slotCount};
    ASSERT_EQ(argmaxRows(dlogits.ptr, rows, cols, dout.ptr, workspace.ptr, nullptr, bookkeeping), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const std::vector<std::int64_t> ids = {7, 107, 207};
    EXPECT_EQ(dout.download<std::int64_t>(), ids);
    EXPECT_EQ(positions.download<std::int32_t>(), (std::vector<std::int32_t>{1, 9, 9}));
    EXPECT_EQ(std::vector<std::int64_t>(host, host + rows), ids) << "slot 0";
    EXPECT_EQ(std::vector<std::int64_t>(host + rows, host + 2 * rows), std::vector<std::int64_t>(rows, -1)) << "slot 1 untouched";
    logits[7] = 0.0f;
    logits[8] = 1.0f;  // row 0 now picks 8
    ASSERT_EQ(cudaMemcpy(dlogits.ptr, logits.data(), logits.size() * sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
    for (int call = 2; call <= 3; ++call) {
        ASSERT_EQ(argmaxRows(dlogits.ptr, rows, cols, dout.ptr, workspace.ptr, nullptr, bookkeeping), cudaSuccess);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    }
    EXPECT_EQ(std::vector<std::int64_t>(host, host + rows), (std::vector<std::int64_t>{8, 107, 207})) << "slot 0 after the third call";
    EXPECT_EQ(std::vector<std::int64_t>(host + rows, host + 2 * rows), (std::vector<std::int64_t>{8, 107, 207})) << "slot 1";
    EXPECT_EQ(cursor.download<std::int32_t>(), (std::vector<std::int32_t>{3, 3, 3}));
    EXPECT_EQ(argmaxRows(dlogits.ptr, rows, cols, dout.ptr, workspace.ptr, nullptr, ArgmaxBookkeeping{nullptr, 0, hostOnDevice, nullptr, 2}),
              cudaErrorInvalidValue);
    cudaFreeHost(host);
}

// The step's embedding: the table's rows (zeros for an id outside the vocabulary) and the sums of
// squares over each 16 columns, as the RMSNorm fused into the next projection reads them.
TEST(DecodeOpsCuda, EmbedRowsCopiesRowsAndTheirTileSquares) {
    std::mt19937 rng(8);
    const int vocab = 50, dim = 4096 + 32, rows = 4;  // dim: more tiles than threads a block (256)
    const auto table = randomHalves(rng, std::size_t(vocab) * dim, -2, 2);
    const std::vector<std::int64_t> ids = {3, 49, -1, 50};
    DeviceBuffer<std::uint16_t> dtable(table);
    DeviceBuffer<std::int64_t> dids(ids);
    DeviceBuffer<std::uint16_t> dx(Halves(std::size_t(rows) * dim, kPoison));
    DeviceBuffer<float> squares(std::vector<float>(std::size_t(rows) * dim / 16, NAN));
    ASSERT_EQ(embedRows(halves(dtable), vocab, dids.ptr, halves(dx), squares.ptr, rows, dim, nullptr), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const auto x = dx.download<std::uint16_t>();
    const auto sums = squares.download<float>();
    for (int r = 0; r < rows; ++r) {
        const bool inVocab = ids[r] >= 0 && ids[r] < vocab;
        for (int c = 0; c < dim; ++c) {
            const std::uint16_t want = inVocab ? table[std::size_t(ids[r]) * dim + c] : floatToHalf(0.0f);
            ASSERT_EQ(x[std::size_t(r) * dim + c], want) << "row " << r << " column " << c;
        }
        for (int t = 0; t < dim / 16; ++t) {
            float want = 0;
            for (int c = 16 * t; c < 16 * t + 16; ++c) want += h2f(x[std::size_t(r) * dim + c]) * h2f(x[std::size_t(r) * dim + c]);
            ASSERT_NEAR(sums[std::size_t(r) * dim / 16 + t], want, 1e-5f * std::max(1.0f, want)) << "row " << r << " tile " << t;
        }
    }
    EXPECT_EQ(embedRows(halves(dtable), vocab, dids.ptr, halves(dx), squares.ptr, rows, 4104, nullptr), cudaErrorInvalidValue);  // not 16s
}

TEST(DecodeOpsCuda, RejectsShapesOutsideTheContract) {
    DecodeAttentionArgs<__half> bad{};
    bad.batch = 1;
    bad.heads = 8;
    bad.kvHeads = 3;  // not a divisor
    bad.headDim = 128;
    bad.capacity = 16;
    bad.splits = 1;
    EXPECT_EQ(decodeAttention(bad, nullptr), cudaErrorInvalidValue);
    bad.kvHeads = 8;
    bad.headDim = 80;  // not a multiple of 32
    EXPECT_EQ(decodeAttention(bad, nullptr), cudaErrorInvalidValue);
    bad.headDim = 128;
    RopeKvArgs<__half> prefillRows{};  // the folded rope takes one token a sequence, the attention's shapes
    prefillRows.batch = 1;
    prefillRows.heads = 8;
    prefillRows.kvHeads = 8;
    prefillRows.headDim = 128;
    prefillRows.capacity = 16;
    prefillRows.tokensPerSequence = 3;
    EXPECT_EQ(decodeAttention(bad, nullptr, &prefillRows), cudaErrorInvalidValue);
    EXPECT_EQ(siluMul<__half>(nullptr, nullptr, 1, 12, nullptr), cudaErrorInvalidValue);
}
