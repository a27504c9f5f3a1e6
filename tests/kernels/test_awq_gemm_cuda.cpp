// The W4A16 GEMM kernels (kernels/cuda/awq_gemm.h on the AutoAWQ layout, awq_repacked.h on the
// decode layout repacked on the GPU) against the CPU reference: dequantizeAwqGemmRef,
// rounded to fp16 as the kernel and AutoAWQ round it, times fp16 activations, accumulated in double.
// On the AutoAWQ-packed fixture linears and on Llama-3-8B shapes, for M from 1 (decode) to 512
// (prefill), fp16 and bf16, with and without the split-K workspace; the decode and prefill kernels'
// in-kernel split reductions bit for bit against the reduction kernel. Fresh random inputs per case;
// the output is poisoned with NaN before every launch so unwritten elements fail.
#include "kernels/cpu/awq_dequant_ref.h"
#include "kernels/cpu/half.h"
#include "kernels/cuda/awq_gemm.h"
#include "kernels/cuda/awq_repacked.h"
#include "kernels/cuda/awq_repacked_prefill_detail.h"  // wgmmaPermutedXBytes: whether a case splits K
#include "kernels/cuda/decode_ops.h"
#include "tests/kernels/awq_fixture.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <type_traits>

using namespace awq;
using namespace awq::kernels;

namespace {

template <typename T>
class DeviceBuffer {
public:
    explicit DeviceBuffer(std::size_t n) : n_(n) {
        if (n > 0 && cudaMalloc(&ptr_, n * sizeof(T)) != cudaSuccess) throw std::runtime_error("cudaMalloc failed");
    }
    ~DeviceBuffer() { cudaFree(ptr_); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    T* get() const { return ptr_; }
    void upload(const void* host) { ASSERT_EQ(cudaMemcpy(ptr_, host, n_ * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess); }

private:
    T* ptr_ = nullptr;
    std::size_t n_;
};

enum class Act { F16, BF16 };
enum class Kernel { AutoAwqLayout, Repacked, RepackedPrefill };

std::uint16_t toAct(float v, Act a) { return a == Act::F16 ? floatToHalf(v) : floatToBf16(v); }
float fromAct(std::uint16_t v, Act a) { return a == Act::F16 ? halfToFloat(v) : bf16ToFloat(v); }

// A weight on host and device, with its dequantized values as the kernel sees them.
struct Weight {
    test::HostAwqLinear host;
    std::vector<float> w;  // [K, N], (q - z) * s rounded to fp16 (bf16 activations: then to bf16)
    std::vector<float> wBf16;
    std::unique_ptr<DeviceBuffer<std::int32_t>> qweight, qzeros;
    std::unique_ptr<DeviceBuffer<__half>> scales;

    explicit Weight(test::HostAwqLinear l) : host(std::move(l)) {
        const int G = host.groupSize == -1 ? host.K : host.groupSize;
        w.resize(std::size_t(host.K) * host.N);
        dequantizeAwqGemmRef(host.qweight.data(), host.qzeros.data(), host.scales.data(), host.K, host.N, G, w.data());
        wBf16.resize(w.size());
        for (std::size_t i = 0; i < w.size(); ++i) {
            w[i] = halfToFloat(floatToHalf(w[i]));
            wBf16[i] = bf16ToFloat(floatToBf16(w[i]));
        }
        qweight = std::make_unique<DeviceBuffer<std::int32_t>>(host.qweight.size());
        qzeros = std::make_unique<DeviceBuffer<std::int32_t>>(host.qzeros.size());
        scales = std::make_unique<DeviceBuffer<__half>>(host.scales.size());
        qweight->upload(host.qweight.data());
        qzeros->upload(host.qzeros.data());
        scales->upload(host.scales.data());
        if (awqRepackSupported(host.K, host.N, host.groupSize)) {
            qpack = std::make_unique<DeviceBuffer<std::int32_t>>(host.qweight.size());
            scaleZeros = std::make_unique<DeviceBuffer<__half>>(host.scales.size() * 2);
            EXPECT_EQ(awqRepack(qweight->get(), qzeros->get(), scales->get(), host.K, host.N, host.groupSize, qpack->get(), scaleZeros->get(),
                                nullptr),
                      cudaSuccess);
        }
    }
    std::unique_ptr<DeviceBuffer<std::int32_t>> qpack;  // the decode layout, where the shape allows it
    std::unique_ptr<DeviceBuffer<__half>> scaleZeros;
};

test::HostAwqLinear randomLinear(int K, int N, int groupSize, std::uint32_t seed) {
    test::HostAwqLinear l;
    l.prefix = "random " + std::to_string(K) + "x" + std::to_string(N) + " g" + std::to_string(groupSize);
    l.K = K;
    l.N = N;
    l.groupSize = groupSize;
    const int groups = groupSize == -1 ? 1 : K / groupSize;
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> scale(0.002f, 0.02f);
    l.qweight.resize(std::size_t(K) * N / 8);
    l.qzeros.resize(std::size_t(groups) * N / 8);
    l.scales.resize(std::size_t(groups) * N);
    for (auto& v : l.qweight) v = std::int32_t(rng());
    for (auto& v : l.qzeros) v = std::int32_t(rng());
    for (auto& v : l.scales) v = floatToHalf(scale(rng));
    return l;
}

// Reference rows [rows] of y = x @ w in double, spread over the host's cores.
std::vector<double> referenceRows(const std::vector<std::uint16_t>& x, const std::vector<float>& w, const std::vector<int>& rows, int K,
                                  int N, Act act) {
    std::vector<double> out(rows.size() * std::size_t(N), 0.0);
    auto work = [&](std::size_t begin, std::size_t end) {
        std::vector<double> acc(N);
        for (std::size_t r = begin; r < end; ++r) {
            std::fill(acc.begin(), acc.end(), 0.0);
            const std::uint16_t* xr = x.data() + std::size_t(rows[r]) * K;
            for (int k = 0; k < K; ++k) {
                const double xv = fromAct(xr[k], act);
                const float* wr = w.data() + std::size_t(k) * N;
                for (int n = 0; n < N; ++n) acc[n] += xv * wr[n];
            }
            std::copy(acc.begin(), acc.end(), out.begin() + r * N);
        }
    };
    const std::size_t threads = std::max<std::size_t>(1, std::min<std::size_t>(std::thread::hardware_concurrency(), rows.size()));
    std::vector<std::future<void>> jobs;
    const std::size_t per = (rows.size() + threads - 1) / threads;
    for (std::size_t t = 0; t < threads; ++t) {
        const std::size_t b = t * per, e = std::min(rows.size(), b + per);
        if (b < e) jobs.push_back(std::async(std::launch::async, work, b, e));
    }
    for (auto& j : jobs) j.get();
    return out;
}

cudaError_t runGemm(Act act, const void* x, const Weight& wt, void* y, int M, void* ws, std::size_t wsBytes, Kernel kernel, int variant) {
    const auto& h = wt.host;
    if (kernel == Kernel::RepackedPrefill)  // fp16 only
        return awqRepackedPrefillGemm(static_cast<const __half*>(x), wt.qpack->get(), wt.scaleZeros->get(), static_cast<__half*>(y), M, h.K,
                                      h.N, h.groupSize, nullptr, ws, wsBytes, variant);
    if (kernel == Kernel::Repacked) {
        if (act == Act::F16)
            return awqRepackedGemm(static_cast<const __half*>(x), wt.qpack->get(), wt.scaleZeros->get(), static_cast<__half*>(y), M, h.K, h.N,
                                   h.groupSize, nullptr, ws, wsBytes);
        return awqRepackedGemm(static_cast<const __nv_bfloat16*>(x), wt.qpack->get(), wt.scaleZeros->get(), static_cast<__nv_bfloat16*>(y), M,
                               h.K, h.N, h.groupSize, nullptr, ws, wsBytes);
    }
    if (act == Act::F16)
        return awqGemm(static_cast<const __half*>(x), wt.qweight->get(), wt.qzeros->get(), wt.scales->get(), static_cast<__half*>(y), M,
                       h.K, h.N, h.groupSize, nullptr, ws, wsBytes);
    return awqGemm(static_cast<const __nv_bfloat16*>(x), wt.qweight->get(), wt.qzeros->get(), wt.scales->get(),
                   static_cast<__nv_bfloat16*>(y), M, h.K, h.N, h.groupSize, nullptr, ws, wsBytes);
}

// One case: fresh x, poisoned y, the kernel (with the workspace it asks for, or none), compared with
// the reference on every row for M <= 64 and on 16 rows (first, last, random) beyond that.
void checkCase(const Weight& wt, int M, Act act, bool useWorkspace, std::uint32_t seed, double* worstRel = nullptr,
               Kernel kernel = Kernel::AutoAwqLayout, int variant = -1) {
    const auto& h = wt.host;
    const int K = h.K, N = h.N;
    SCOPED_TRACE(h.prefix + " M=" + std::to_string(M) + (act == Act::F16 ? " fp16" : " bf16") + (useWorkspace ? " split-K" : " no workspace") +
                 (kernel == Kernel::Repacked ? " repacked" : kernel == Kernel::RepackedPrefill ? " repacked prefill variant " + std::to_string(variant) : ""));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    std::vector<std::uint16_t> x(std::size_t(M) * K);
    for (auto& v : x) v = toAct(uni(rng), act);

    DeviceBuffer<std::uint16_t> dx(x.size()), dy(std::size_t(M) * N);
    dx.upload(x.data());
    ASSERT_EQ(cudaMemset(dy.get(), 0xFF, std::size_t(M) * N * 2), cudaSuccess);  // NaN in fp16 and bf16
    const std::size_t wsBytes = !useWorkspace                  ? 0
                                : kernel == Kernel::Repacked        ? awqRepackedGemmWorkspaceBytes(M, K, N, h.groupSize)
                                : kernel == Kernel::RepackedPrefill ? awqRepackedPrefillWorkspaceBytes(M, K, N, h.groupSize, variant)
                                                                    : awqGemmWorkspaceBytes(M, K, N, h.groupSize);
    DeviceBuffer<std::uint8_t> ws(wsBytes);
    ASSERT_EQ(runGemm(act, dx.get(), wt, dy.get(), M, ws.get(), wsBytes, kernel, variant), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    std::vector<std::uint16_t> y(std::size_t(M) * N);
    ASSERT_EQ(cudaMemcpy(y.data(), dy.get(), y.size() * 2, cudaMemcpyDeviceToHost), cudaSuccess);

    // Deterministic: a second launch gives the same bits.
    ASSERT_EQ(cudaMemset(dy.get(), 0xFF, std::size_t(M) * N * 2), cudaSuccess);
    ASSERT_EQ(runGemm(act, dx.get(), wt, dy.get(), M, ws.get(), wsBytes, kernel, variant), cudaSuccess);
    std::vector<std::uint16_t> again(y.size());
    ASSERT_EQ(cudaMemcpy(again.data(), dy.get(), again.size() * 2, cudaMemcpyDeviceToHost), cudaSuccess);
    ASSERT_TRUE(again == y) << "two launches on the same input differ";

    for (std::size_t i = 0; i < y.size(); ++i)
        ASSERT_TRUE(std::isfinite(fromAct(y[i], act))) << "element " << i << " (row " << i / N << ") not written or not finite";

    std::vector<int> rows;
    if (M <= 64) {
        for (int m = 0; m < M; ++m) rows.push_back(m);
    } else {
        rows = {0, M - 1};
        std::uniform_int_distribution<int> pick(1, M - 2);
        while (rows.size() < 16) rows.push_back(pick(rng));
    }
    // The AutoAWQ-layout kernel rounds each weight to fp16 and, for bf16 activations, to bf16; the
    // repacked kernel multiplies exact (q - z) and applies the scale in fp32, so its reference is
    // the fp16-rounded weight whatever the activation type.
    const bool bf16Weights = act == Act::BF16 && kernel == Kernel::AutoAwqLayout;
    const auto ref = referenceRows(x, bf16Weights ? wt.wBf16 : wt.w, rows, K, N, act);
    double maxRef = 0, errSq = 0, refSq = 0;
    for (double v : ref) {
        maxRef = std::max(maxRef, std::fabs(v));
        refSq += v * v;
    }
    // fp32 accumulation in another order plus one rounding of the output to fp16 (bf16: 8 bits).
    const double outEps = act == Act::F16 ? 1.0 / 2048 : 1.0 / 256;
    double worst = 0;
    for (std::size_t r = 0; r < rows.size(); ++r)
        for (int n = 0; n < N; ++n) {
            const double want = ref[r * N + n];
            const double got = fromAct(y[std::size_t(rows[r]) * N + n], act);
            const double err = std::fabs(got - want);
            errSq += err * err;
            worst = std::max(worst, err / std::max(maxRef, 1e-30));
            const double tol = 1e-3 * maxRef + outEps * std::fabs(want) + 1e-4;
            ASSERT_LE(err, tol) << "row " << rows[r] << " col " << n << ": got " << got << ", want " << want << " (max |ref| " << maxRef << ")";
        }
    EXPECT_LT(std::sqrt(errSq / std::max(refSq, 1e-30)), act == Act::F16 ? 1e-3 : 5e-3);
    if (worstRel) *worstRel = std::max(*worstRel, worst);
}

const int kMs[] = {1, 2, 3, 8, 16, 33, 128, 512};

}  // namespace

TEST(AwqGemmCuda, MatchesReferenceOnAutoAwqFixture) {
    for (const char* fixture : {"tinystories-qwen3-7m-awq", "qwen2-random-awq"}) {
        const auto store = TensorStore::openFolder(test::modelDir(fixture));
        const auto linears = test::loadAwqLinears(store, 128);
        ASSERT_FALSE(linears.empty()) << fixture;
        std::uint32_t seed = 1;
        for (const auto& l : linears) {
            const Weight wt(l);
            for (int M : kMs) checkCase(wt, M, Act::F16, true, ++seed);
            checkCase(wt, 1, Act::F16, false, ++seed);
            checkCase(wt, 20, Act::BF16, true, ++seed);
        }
    }
}

TEST(AwqGemmCuda, MatchesReferenceOnLlama8bShapes) {
    struct Shape {
        int K, N;
    };
    std::uint32_t seed = 100;
    for (const Shape s : {Shape{4096, 4096}, Shape{4096, 1024}, Shape{4096, 14336}, Shape{14336, 4096}, Shape{4096, 6144}}) {
        const Weight wt(randomLinear(s.K, s.N, 128, ++seed));
        double worst = 0;
        for (int M : kMs) checkCase(wt, M, Act::F16, true, ++seed, &worst);
        checkCase(wt, 1, Act::F16, false, ++seed, &worst);
        checkCase(wt, 16, Act::F16, false, ++seed, &worst);
        std::printf("  %-24s fp16 worst |err| / max|ref| = %.2e\n", wt.host.prefix.c_str(), worst);
    }
}

TEST(AwqGemmCuda, OtherGroupSizesAndBf16) {
    std::uint32_t seed = 1000;
    for (const int G : {32, 64, -1}) {
        const Weight wt(randomLinear(2048, 1536, G, ++seed));
        for (int M : {1, 5, 16, 32, 77}) {
            checkCase(wt, M, Act::F16, true, ++seed);
            checkCase(wt, M, Act::BF16, true, ++seed);
        }
    }
}

TEST(AwqGemmCuda, OddShapes) {
    // N not a multiple of 32 (scalar loads of qweight), N not a multiple of the 64/128-column tiles,
    // K of a single chunk, and K not a multiple of the 64-deep prefill tile.
    std::uint32_t seed = 2000;
    struct Shape {
        int K, N, G;
    };
    for (const Shape s : {Shape{256, 8, 128}, Shape{128, 200, 32}, Shape{32, 96, 32}, Shape{1056, 1000, 32}, Shape{4096, 4104, 128}}) {
        const Weight wt(randomLinear(s.K, s.N, s.G, ++seed));
        for (int M : {1, 3, 17, 31, 32, 33, 100}) checkCase(wt, M, Act::F16, true, ++seed);
        checkCase(wt, 9, Act::BF16, false, ++seed);
    }
}

TEST(AwqGemmCuda, RejectsBadShapes) {
    const auto* p = reinterpret_cast<const std::int32_t*>(std::uintptr_t(256));
    const auto* s = reinterpret_cast<const __half*>(std::uintptr_t(256));
    auto* y = reinterpret_cast<__half*>(std::uintptr_t(256));
    EXPECT_EQ(awqGemm(s, p, p, s, y, 1, 100, 64, 128, nullptr), cudaErrorInvalidValue);   // K % G
    EXPECT_EQ(awqGemm(s, p, p, s, y, 1, 128, 60, 128, nullptr), cudaErrorInvalidValue);   // N % 8
    EXPECT_EQ(awqGemm(s, p, p, s, y, 1, 128, 64, 16, nullptr), cudaErrorInvalidValue);    // G % 32
    EXPECT_EQ(awqGemm(s, p, p, s, y, 1, 100, 64, -1, nullptr), cudaErrorInvalidValue);    // per-channel, K % 32
    EXPECT_EQ(awqGemm(s, p, p, s, y, -1, 128, 64, 128, nullptr), cudaErrorInvalidValue);  // M < 0
    EXPECT_EQ(awqGemm(s, p, p, s, y, 0, 128, 64, 128, nullptr), cudaSuccess);             // nothing to do
    EXPECT_EQ(awqGemm(s + 1, p, p, s, y, 1, 128, 64, 128, nullptr), cudaErrorMisalignedAddress);
    EXPECT_EQ(awqGemm(nullptr, p, p, s, y, 1, 128, 64, 128, nullptr), cudaErrorInvalidValue);
    EXPECT_EQ(awqGemmWorkspaceBytes(64, 4096, 4096, 128), 0u);  // the prefill path needs none
}

TEST(AwqRepackedCuda, MatchesReferenceOnFixturesAnd8bShapes) {
    std::uint32_t seed = 5000;
    int checked = 0;
    for (const char* fixture : {"tinystories-qwen3-7m-awq", "qwen2-random-awq"}) {
        const auto store = TensorStore::openFolder(test::modelDir(fixture));
        for (const auto& l : test::loadAwqLinears(store, 128)) {
            const Weight wt(l);
            if (!wt.qpack) continue;
            ++checked;
            for (int M : {1, 2, 8, 9, 32}) checkCase(wt, M, Act::F16, true, ++seed, nullptr, Kernel::Repacked);
            checkCase(wt, 3, Act::BF16, true, ++seed, nullptr, Kernel::Repacked);
            checkCase(wt, 1, Act::F16, false, ++seed, nullptr, Kernel::Repacked);
        }
    }
    EXPECT_GT(checked, 0) << "no fixture linear fits the repacked layout";
    struct Shape {
        int K, N, G;
    };
    for (const Shape s : {Shape{4096, 4096, 128}, Shape{4096, 6144, 128}, Shape{14336, 4096, 128}, Shape{4096, 28672, 128}, Shape{2048, 1536, 64},
                          Shape{1088, 2064, 64}, Shape{1024, 4112, -1}}) {
        const Weight wt(randomLinear(s.K, s.N, s.G, ++seed));
        ASSERT_TRUE(wt.qpack) << wt.host.prefix;
        double worst = 0;
        for (int M : {1, 2, 3, 8, 16, 17, 32}) checkCase(wt, M, Act::F16, true, ++seed, &worst, Kernel::Repacked);
        checkCase(wt, 5, Act::BF16, true, ++seed, &worst, Kernel::Repacked);
        checkCase(wt, 1, Act::F16, false, ++seed, &worst, Kernel::Repacked);
        std::printf("  %-28s repacked worst |err| / max|ref| = %.2e\n", wt.host.prefix.c_str(), worst);
    }
}

TEST(AwqRepackedCuda, PrefillGemmMatchesReference) {
    std::uint32_t seed = 7000;
    // Llama-3-8B's o_proj and down_proj shapes, a narrow one, a group over all of K, N not a
    // multiple of the block's 128 outputs; rows below, at and past the block's 128.
    for (const auto& [K, N, G] : {std::tuple{4096, 4096, 128}, std::tuple{14336, 4096, 128}, std::tuple{256, 768, 64},
                                  std::tuple{1024, 4112, -1}}) {
        const Weight wt(randomLinear(K, N, G, ++seed));
        ASSERT_TRUE(wt.qpack) << wt.host.prefix;
        double worst = 0;
        // Every kernel configuration (variant), and the one picked for M (-1).
        for (int variant = -1; variant < awqRepackedPrefillVariantCount(); ++variant) {
            for (int M : {9, 16, 33, 128, 200}) checkCase(wt, M, Act::F16, true, ++seed, &worst, Kernel::RepackedPrefill, variant);
            checkCase(wt, 77, Act::F16, false, ++seed, &worst, Kernel::RepackedPrefill, variant);
        }
        std::printf("  %-28s prefill worst |err| / max|ref| = %.2e\n", wt.host.prefix.c_str(), worst);
    }
}

TEST(AwqRepackedCuda, DequantizeMatchesReferenceBitForBit) {
    std::uint32_t seed = 6000;
    for (const auto& [K, N, G] : {std::tuple{256, 768, 128}, std::tuple{4096, 1024, 128}, std::tuple{1024, 4112, -1}}) {
        const Weight wt(randomLinear(K, N, G, ++seed));
        ASSERT_TRUE(wt.qpack);
        DeviceBuffer<__half> out(std::size_t(K) * N);
        ASSERT_EQ(cudaMemset(out.get(), 0xFF, std::size_t(K) * N * 2), cudaSuccess);
        ASSERT_EQ(awqRepackedDequantize(wt.qpack->get(), wt.scaleZeros->get(), K, N, G, out.get(), nullptr), cudaSuccess);
        std::vector<std::uint16_t> got(std::size_t(K) * N);
        ASSERT_EQ(cudaMemcpy(got.data(), out.get(), got.size() * 2, cudaMemcpyDeviceToHost), cudaSuccess);
        for (int n = 0; n < N; ++n)  // got is [N, K], wt.w [K, N]
            for (int k = 0; k < K; ++k)
                ASSERT_EQ(got[std::size_t(n) * K + k], floatToHalf(wt.w[std::size_t(k) * N + n]))
                    << wt.host.prefix << " output " << n << " input " << k;
    }
}

TEST(AwqRepackedCuda, RefusesShapesOutsideTheLayout) {
    EXPECT_FALSE(awqRepackSupported(4096, 4104, 128));  // N % 16
    EXPECT_FALSE(awqRepackSupported(4096, 4096, 32));   // group below one 64-row block
    EXPECT_FALSE(awqRepackSupported(4000, 4096, -1));   // K % 64
    const auto* p = reinterpret_cast<const std::int32_t*>(std::uintptr_t(256));
    const auto* s = reinterpret_cast<const __half*>(std::uintptr_t(256));
    auto* y = reinterpret_cast<__half*>(std::uintptr_t(256));
    EXPECT_EQ(awqRepackedGemm(s, p, s, y, kAwqRepackedMaxM + 1, 4096, 4096, 128, nullptr, nullptr, 0), cudaErrorInvalidValue);
}

namespace {

// Sets an environment variable for a scope and puts back what was there (a runner's own setting).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old;
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() { old_ ? (void)::setenv(name_, old_->c_str(), 1) : (void)::unsetenv(name_); }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

std::vector<std::uint16_t> download(const DeviceBuffer<std::uint16_t>& d, std::size_t n) {
    std::vector<std::uint16_t> h(n);
    EXPECT_EQ(cudaMemcpy(h.data(), d.get(), n * 2, cudaMemcpyDeviceToHost), cudaSuccess);
    return h;
}

template <typename T>
void checkSplitCounters(const Weight& wt, int M, std::uint32_t seed) {
    const auto& h = wt.host;
    const Act act = std::is_same_v<T, __half> ? Act::F16 : Act::BF16;
    SCOPED_TRACE(h.prefix + " M=" + std::to_string(M) + (act == Act::F16 ? " fp16" : " bf16"));
    if (awqRepackedGemmStreams(M, h.K, h.N, h.groupSize)) return;  // no K split there (test_awq_gemm_cuda_register_fed runs it)
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    std::vector<std::uint16_t> x(std::size_t(M) * h.K);
    for (auto& v : x) v = toAct(uni(rng), act);
    DeviceBuffer<std::uint16_t> dx(x.size()), dy(std::size_t(M) * h.N);
    dx.upload(x.data());
    const std::size_t wsBytes = awqRepackedGemmWorkspaceBytes(M, h.K, h.N, h.groupSize);
    ASSERT_GT(wsBytes, 0u) << "the shape should split K";
    DeviceBuffer<std::uint8_t> ws(wsBytes);
    const std::size_t counterCount = awqRepackedGemmCounterCount(h.N);
    DeviceBuffer<unsigned> counters(counterCount);
    ASSERT_EQ(cudaMemset(counters.get(), 0, counterCount * sizeof(unsigned)), cudaSuccess);
    auto launch = [&](unsigned* c) {
        ASSERT_EQ(cudaMemset(dy.get(), 0xFF, std::size_t(M) * h.N * 2), cudaSuccess);
        ASSERT_EQ(awqRepackedGemm(reinterpret_cast<const T*>(dx.get()), wt.qpack->get(), wt.scaleZeros->get(), reinterpret_cast<T*>(dy.get()),
                                  M, h.K, h.N, h.groupSize, nullptr, ws.get(), wsBytes, c),
                  cudaSuccess);
    };
    launch(nullptr);  // the reduction kernel
    const auto twoKernels = download(dy, std::size_t(M) * h.N);
    for (int round = 0; round < 3; ++round) {  // the counters re-arm themselves
        launch(counters.get());
        ASSERT_TRUE(download(dy, twoKernels.size()) == twoKernels) << "in-kernel split reduction differs, round " << round;
    }
    std::vector<unsigned> left(counterCount);
    ASSERT_EQ(cudaMemcpy(left.data(), counters.get(), counterCount * sizeof(unsigned), cudaMemcpyDeviceToHost), cudaSuccess);
    EXPECT_TRUE(std::all_of(left.begin(), left.end(), [](unsigned c) { return c == 0; })) << "split counters not re-armed";
}

}  // namespace

// The split counters (the last warp of a tile adds the K splits up) give the same bits as the
// reduction kernel, at every M (beyond two rows the kernel hands over to that kernel). Rows the
// streamed kernel takes (sm_90: no K split) are checked by test_awq_gemm_cuda_register_fed.
TEST(AwqRepackedCuda, InKernelSplitReductionMatchesTheReductionKernel) {
    std::uint32_t seed = 7000;
    struct Shape {
        int K, N, G;
    };
    for (const Shape s : {Shape{14336, 4096, 128}, Shape{4096, 6144, 128}, Shape{2048, 1536, 64}}) {
        const Weight wt(randomLinear(s.K, s.N, s.G, ++seed));
        ASSERT_TRUE(wt.qpack);
        for (int M : {1, 2, 3, 8, 32}) checkSplitCounters<__half>(wt, M, ++seed);
        for (int M : {1, 2}) checkSplitCounters<__nv_bfloat16>(wt, M, ++seed);
    }
}

// The prefill GEMM's counted K splits (AWQBENCH_PREFILL_COUNTED=1: the wgmma kernels' last split of
// an output block adds the splits up) give the same bits as the reduction kernel, which the same
// call takes when the workspace has no room for the counters; for every wgmma variant, and again
// with other x (the permuting pass re-arms the counters). Skipped where the wgmma kernels are not
// here (variants 3.. exist only on compute capability 9.0 with sm_90a code).
TEST(AwqRepackedCuda, PrefillCountedSplitsEqualTheReductionKernel) {
    if (awqRepackedPrefillVariantCount() <= 3) GTEST_SKIP() << "no wgmma prefill kernels on this device or build";
    std::uint32_t seed = 7500;
    for (const auto& [K, N, G] : {std::tuple{4096, 4096, 128}, std::tuple{14336, 4096, 128}, std::tuple{1024, 4112, -1}}) {
        const Weight wt(randomLinear(K, N, G, ++seed));
        ASSERT_TRUE(wt.qpack);
        for (int variant = 3; variant < awqRepackedPrefillVariantCount(); ++variant)
            for (int M : {16, 33, 64, 200}) {
                SCOPED_TRACE(wt.host.prefix + " M=" + std::to_string(M) + " variant " + std::to_string(variant));
                const std::size_t wsBytes = awqRepackedPrefillWorkspaceBytes(M, K, N, G, variant);
                if (wsBytes <= prefill_detail::wgmmaPermutedXBytes(M, K)) continue;  // K not split here
                DeviceBuffer<std::uint8_t> ws(wsBytes);
                DeviceBuffer<std::uint16_t> dx(std::size_t(M) * K), dy(std::size_t(M) * N);
                // The workspace is poisoned before each call (NaN partial sums), so a split added up
                // before another split's partials landed shows; its last 16 bytes hold a split counter
                // (they are rounded up to 16 bytes), which only the counted path zeroes: `countedRan`.
                bool countedRan = false;
                auto run = [&](bool counted, std::size_t bytes) {
                    const ScopedEnv env("AWQBENCH_PREFILL_COUNTED", counted ? "1" : "0");
                    EXPECT_EQ(cudaMemset(ws.get(), 0xFF, wsBytes), cudaSuccess);
                    EXPECT_EQ(cudaMemset(dy.get(), 0xFF, std::size_t(M) * N * 2), cudaSuccess);
                    EXPECT_EQ(awqRepackedPrefillGemm(reinterpret_cast<const __half*>(dx.get()), wt.qpack->get(), wt.scaleZeros->get(),
                                                     reinterpret_cast<__half*>(dy.get()), M, K, N, G, nullptr, ws.get(), bytes, variant),
                              cudaSuccess);
                    unsigned lastCounter = 0;
                    EXPECT_EQ(cudaMemcpy(&lastCounter, ws.get() + wsBytes - 16, 4, cudaMemcpyDeviceToHost), cudaSuccess);
                    countedRan = lastCounter == 0;
                    return download(dy, std::size_t(M) * N);
                };
                std::mt19937 rng(++seed);
                std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
                for (int round = 0; round < 2; ++round) {
                    std::vector<std::uint16_t> x(std::size_t(M) * K);
                    for (auto& v : x) v = floatToHalf(uni(rng));
                    dx.upload(x.data());
                    // One byte short of the counters: the partial sums still fit, so the reduction kernel.
                    const auto counted = run(true, wsBytes);
                    ASSERT_TRUE(countedRan) << "the counted path did not run (its split counters were not written)";
                    const auto reduced = run(true, wsBytes - 1);
                    ASSERT_FALSE(countedRan) << "no room for the counters, yet they were written";
                    ASSERT_TRUE(counted == reduced) << "counted splits differ from the reduction kernel, round " << round;
                    ASSERT_TRUE(run(false, wsBytes) == reduced) << "AWQBENCH_PREFILL_COUNTED=0 should take the reduction kernel";
                    ASSERT_FALSE(countedRan) << "AWQBENCH_PREFILL_COUNTED=0, yet the split counters were written";
                    for (std::uint16_t h : counted) ASSERT_TRUE(std::isfinite(halfToFloat(h))) << "an output not written";
                }
            }
    }
}

namespace {

// The decode step's fusions (AwqDecodeFusion) against the plain kernels they replace, on one
// weight: SiLU staged in (bit for bit: same inputs, same GEMM), the residual epilogue (the residual
// bit for bit as rmsNormResidual adds a delta; the per-tile sums of squares to float rounding), and
// the RMSNorm staged in from those sums (to the rounding of the norm's row scale).
void checkFusions(const Weight& wt, int M, std::uint32_t seed) {
    const auto& h = wt.host;
    SCOPED_TRACE(h.prefix + " M=" + std::to_string(M));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    auto randomHalves = [&](std::size_t n, float scale) {
        std::vector<std::uint16_t> v(n);
        for (auto& e : v) e = floatToHalf(scale * uni(rng));
        return v;
    };
    const std::size_t xn = std::size_t(M) * h.K, yn = std::size_t(M) * h.N;
    const std::size_t wsBytes = awqRepackedGemmWorkspaceBytes(M, h.K, h.N, h.groupSize);
    DeviceBuffer<std::uint8_t> ws(std::max<std::size_t>(wsBytes, 16));
    const std::size_t counterCount = awqRepackedGemmCounterCount(h.N);
    DeviceBuffer<unsigned> counters(counterCount);
    ASSERT_EQ(cudaMemset(counters.get(), 0, counterCount * sizeof(unsigned)), cudaSuccess);
    auto gemm = [&](const void* x, void* y, const AwqDecodeFusion<__half>& f = {}) {
        return awqRepackedGemm(static_cast<const __half*>(x), wt.qpack->get(), wt.scaleZeros->get(), static_cast<__half*>(y), M, h.K, h.N,
                               h.groupSize, nullptr, ws.get(), wsBytes, counters.get(), f);
    };

    // SiLU: gate|up [M, 2K] staged through silu(gate) * up.
    const auto gateUp = randomHalves(2 * xn, 3.0f);
    DeviceBuffer<std::uint16_t> dGateUp(2 * xn), dAct(xn), dPlain(yn), dFused(yn);
    dGateUp.upload(gateUp.data());
    ASSERT_EQ(siluMul(reinterpret_cast<const __half*>(dGateUp.get()), reinterpret_cast<__half*>(dAct.get()), M, h.K, nullptr), cudaSuccess);
    ASSERT_EQ(gemm(dAct.get(), dPlain.get()), cudaSuccess);
    ASSERT_EQ(cudaMemset(dFused.get(), 0xFF, yn * 2), cudaSuccess);
    AwqDecodeFusion<__half> silu;
    silu.input = AwqDecodeInput::siluMul;
    ASSERT_EQ(gemm(dGateUp.get(), dFused.get(), silu), cudaSuccess);
    EXPECT_TRUE(download(dFused, yn) == download(dPlain, yn)) << "SiLU staged in differs from siluMul + GEMM";
    const auto y = download(dPlain, yn);

    // Residual epilogue: residual += T(y) in place, sums of squares per column tile.
    const auto residual0 = randomHalves(yn, 4.0f);
    DeviceBuffer<std::uint16_t> dResidual(yn);
    dResidual.upload(residual0.data());
    DeviceBuffer<float> dSquares(std::size_t(M) * (h.N / 16));
    AwqDecodeFusion<__half> add;
    add.residual = reinterpret_cast<__half*>(dResidual.get());
    add.residualSumSquares = dSquares.get();
    ASSERT_EQ(gemm(dAct.get(), nullptr, add), cudaSuccess);
    const auto residual1 = download(dResidual, yn);
    std::vector<float> squares(std::size_t(M) * (h.N / 16));
    ASSERT_EQ(cudaMemcpy(squares.data(), dSquares.get(), squares.size() * 4, cudaMemcpyDeviceToHost), cudaSuccess);
    for (std::size_t i = 0; i < yn; ++i)
        ASSERT_EQ(residual1[i], floatToHalf(halfToFloat(residual0[i]) + halfToFloat(y[i]))) << "residual element " << i;
    for (int m = 0; m < M; ++m)
        for (int tile = 0; tile < h.N / 16; ++tile) {
            double want = 0.0;
            for (int c = 0; c < 16; ++c) want += std::pow(double(halfToFloat(residual1[std::size_t(m) * h.N + tile * 16 + c])), 2);
            ASSERT_NEAR(squares[std::size_t(m) * (h.N / 16) + tile], want, 1e-5 * want + 1e-6) << "row " << m << " tile " << tile;
        }

    // RMSNorm staged in: needs a square weight (the residual [M, N] is this GEMM's input [M, K]).
    if (h.K != h.N) return;
    const float eps = 1e-5f;
    const auto normWeight = randomHalves(h.K, 1.0f);
    DeviceBuffer<std::uint16_t> dNormWeight(h.K), dNormed(xn), dResidualCopy(xn);
    dNormWeight.upload(normWeight.data());
    dResidualCopy.upload(residual1.data());
    ASSERT_EQ(rmsNormResidual(reinterpret_cast<__half*>(dResidualCopy.get()), static_cast<const __half*>(nullptr),
                              reinterpret_cast<const __half*>(dNormWeight.get()), reinterpret_cast<__half*>(dNormed.get()), M, h.K, eps, nullptr),
              cudaSuccess);
    ASSERT_EQ(gemm(dNormed.get(), dPlain.get()), cudaSuccess);
    AwqDecodeFusion<__half> norm;
    norm.input = AwqDecodeInput::rmsNorm;
    norm.normWeight = reinterpret_cast<const __half*>(dNormWeight.get());
    norm.sumSquares = dSquares.get();
    norm.eps = eps;
    ASSERT_EQ(cudaMemset(dFused.get(), 0xFF, yn * 2), cudaSuccess);
    ASSERT_EQ(gemm(dResidual.get(), dFused.get(), norm), cudaSuccess);
    const auto plain = download(dPlain, yn), fused = download(dFused, yn);
    double maxAbs = 0.0, maxDiff = 0.0;
    for (std::size_t i = 0; i < yn; ++i) {
        ASSERT_TRUE(std::isfinite(halfToFloat(fused[i]))) << "element " << i << " not written";
        maxAbs = std::max(maxAbs, std::fabs(double(halfToFloat(plain[i]))));
        maxDiff = std::max(maxDiff, std::fabs(double(halfToFloat(plain[i])) - halfToFloat(fused[i])));
    }
    EXPECT_LE(maxDiff, 4e-3 * maxAbs) << "RMSNorm staged in: max |diff| " << maxDiff << " of max |y| " << maxAbs;
}

// The SiLU epilogue (AwqDecodeOutput::siluMul) bit for bit against the plain kernel's gate|up
// followed by siluMul, plain input and, on a square weight, with the RMSNorm staged in too. Only
// the streamed kernel (sm_90) takes it; elsewhere it is refused and nothing is written.
void checkSiluOutput(const Weight& wt, int M, std::uint32_t seed) {
    const auto& h = wt.host;
    SCOPED_TRACE(h.prefix + " SiLU epilogue M=" + std::to_string(M));
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    const std::size_t xn = std::size_t(M) * h.K, yn = std::size_t(M) * h.N, an = yn / 2;
    std::vector<std::uint16_t> x(xn);
    for (auto& e : x) e = floatToHalf(2.0f * uni(rng));
    DeviceBuffer<std::uint16_t> dX(xn), dGateUp(yn), dAct(an), dFused(an);
    dX.upload(x.data());
    const std::size_t wsBytes = awqRepackedGemmWorkspaceBytes(M, h.K, h.N, h.groupSize);
    DeviceBuffer<std::uint8_t> ws(std::max<std::size_t>(wsBytes, 16));
    auto gemm = [&](const void* in, void* y, const AwqDecodeFusion<__half>& f = {}) {
        return awqRepackedGemm(static_cast<const __half*>(in), wt.qpack->get(), wt.scaleZeros->get(), static_cast<__half*>(y), M, h.K, h.N,
                               h.groupSize, nullptr, ws.get(), wsBytes, nullptr, f);
    };
    const auto compare = [&](const AwqDecodeFusion<__half>& plainFusion, const char* what) {
        SCOPED_TRACE(what);
        ASSERT_EQ(gemm(dX.get(), dGateUp.get(), plainFusion), cudaSuccess);
        ASSERT_EQ(siluMul(reinterpret_cast<const __half*>(dGateUp.get()), reinterpret_cast<__half*>(dAct.get()), M, h.N / 2, nullptr), cudaSuccess);
        ASSERT_EQ(cudaMemset(dFused.get(), 0xFF, an * 2), cudaSuccess);
        AwqDecodeFusion<__half> fused = plainFusion;
        fused.output = AwqDecodeOutput::siluMul;
        const cudaError_t e = gemm(dX.get(), dFused.get(), fused);
        if (!awqRepackedGemmStreams(M, h.K, h.N, h.groupSize)) {
            EXPECT_EQ(e, cudaErrorNotSupported);
            return;
        }
        ASSERT_EQ(e, cudaSuccess);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        const auto want = download(dAct, an), got = download(dFused, an);
        for (std::size_t i = 0; i < an; ++i) ASSERT_EQ(got[i], want[i]) << "element " << i << " (row " << i / (h.N / 2) << ")";
    };
    compare({}, "plain input");
    if (h.K != h.N || M > kAwqDecodeFusionMaxM) return;
    // RMSNorm staged in from per-tile sums of squares of x (what a residual epilogue leaves).
    std::vector<float> squares(std::size_t(M) * (h.K / 16), 0.0f);
    for (std::size_t i = 0; i < xn; ++i) squares[i / 16] += halfToFloat(x[i]) * halfToFloat(x[i]);
    std::vector<std::uint16_t> normWeight(h.K);
    for (auto& e : normWeight) e = floatToHalf(uni(rng));
    DeviceBuffer<float> dSquares(squares.size());
    DeviceBuffer<std::uint16_t> dNormWeight(h.K);
    dSquares.upload(squares.data());
    dNormWeight.upload(normWeight.data());
    AwqDecodeFusion<__half> norm;
    norm.input = AwqDecodeInput::rmsNorm;
    norm.normWeight = reinterpret_cast<const __half*>(dNormWeight.get());
    norm.sumSquares = dSquares.get();
    norm.eps = 1e-5f;
    compare(norm, "RMSNorm staged in");
}

}  // namespace

TEST(AwqRepackedCuda, SiluEpilogueMatchesSiluMulAfterThePlainKernel) {
    std::uint32_t seed = 9500;
    // Llama-3-8B's gate|up, a square weight (the RMSNorm staged in too), group 64.
    for (const auto& [K, N, G] : {std::tuple{4096, 28672, 128}, std::tuple{4096, 4096, 128}, std::tuple{2048, 11008, 64}}) {
        const Weight wt(randomLinear(K, N, G, ++seed));
        ASSERT_TRUE(wt.qpack);
        for (int M : {1, 2, 3, 8}) checkSiluOutput(wt, M, ++seed);
    }
    // Not with a residual epilogue, nor beyond the streamed kernel's rows: refused, nothing written.
    const Weight wt(randomLinear(4096, 4096, 128, ++seed));
    DeviceBuffer<std::uint16_t> x(std::size_t(9) * 4096), y(std::size_t(9) * 4096);
    DeviceBuffer<float> squares(std::size_t(9) * 256);
    AwqDecodeFusion<__half> f;
    f.output = AwqDecodeOutput::siluMul;
    const auto run = [&](int M, const AwqDecodeFusion<__half>& fusion) {
        const std::size_t wsBytes = awqRepackedGemmWorkspaceBytes(M, 4096, 4096, 128);
        DeviceBuffer<std::uint8_t> ws(std::max<std::size_t>(wsBytes, 16));
        return awqRepackedGemm(reinterpret_cast<const __half*>(x.get()), wt.qpack->get(), wt.scaleZeros->get(), reinterpret_cast<__half*>(y.get()),
                               M, 4096, 4096, 128, nullptr, ws.get(), wsBytes, nullptr, fusion);
    };
    EXPECT_EQ(run(9, f), cudaErrorNotSupported);
    f.residual = reinterpret_cast<__half*>(y.get());
    f.residualSumSquares = squares.get();
    EXPECT_EQ(run(1, f), cudaErrorNotSupported);
}

TEST(AwqRepackedCuda, DecodeFusionsMatchThePlainKernels) {
    std::uint32_t seed = 9000;
    for (const auto& [K, N] : {std::pair{4096, 4096}, std::pair{14336, 4096}, std::pair{2048, 2048}}) {
        const Weight wt(randomLinear(K, N, 128, ++seed));
        ASSERT_TRUE(wt.qpack);
        for (int M : {1, 2}) checkFusions(wt, M, ++seed);
    }
    // Beyond two rows every fusion is refused (and nothing is written).
    const Weight wt(randomLinear(4096, 4096, 128, ++seed));
    const int M = 3;
    DeviceBuffer<std::uint16_t> x(std::size_t(2) * M * 4096), y(std::size_t(M) * 4096);
    DeviceBuffer<float> squares(std::size_t(M) * 256);
    const std::size_t wsBytes = awqRepackedGemmWorkspaceBytes(M, 4096, 4096, 128);
    DeviceBuffer<std::uint8_t> ws(wsBytes);
    DeviceBuffer<unsigned> counters(awqRepackedGemmCounterCount(4096));
    ASSERT_EQ(cudaMemset(counters.get(), 0, awqRepackedGemmCounterCount(4096) * sizeof(unsigned)), cudaSuccess);
    auto run = [&](const AwqDecodeFusion<__half>& f) {
        return awqRepackedGemm(reinterpret_cast<const __half*>(x.get()), wt.qpack->get(), wt.scaleZeros->get(), reinterpret_cast<__half*>(y.get()),
                               M, 4096, 4096, 128, nullptr, ws.get(), wsBytes, counters.get(), f);
    };
    AwqDecodeFusion<__half> f;
    f.residual = reinterpret_cast<__half*>(y.get());
    f.residualSumSquares = squares.get();
    EXPECT_EQ(run(f), cudaErrorNotSupported);
    f = {};
    f.input = AwqDecodeInput::rmsNorm;
    f.normWeight = reinterpret_cast<const __half*>(x.get());
    f.sumSquares = squares.get();
    EXPECT_EQ(run(f), cudaErrorNotSupported);
    f = {};
    f.input = AwqDecodeInput::siluMul;
    EXPECT_EQ(run(f), cudaErrorNotSupported);
}
