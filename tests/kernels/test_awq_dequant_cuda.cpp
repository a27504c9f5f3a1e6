// The CUDA dequantize kernel against the CPU reference, bit for bit, on the AutoAWQ-packed fixture
// and on an 8B-sized random weight.
#include "kernels/cpu/awq_dequant_ref.h"
#include "kernels/cpu/half.h"
#include "kernels/cuda/awq_dequant.h"
#include "tests/kernels/awq_fixture.h"
#include "tests/support/test_paths.h"

#include <gtest/gtest.h>

#include <random>

using namespace awq;
using namespace awq::kernels;

namespace {

template <typename T>
struct DeviceBuffer {
    T* ptr = nullptr;
    explicit DeviceBuffer(std::size_t n) { EXPECT_EQ(cudaMalloc(&ptr, n * sizeof(T)), cudaSuccess); }
    ~DeviceBuffer() { cudaFree(ptr); }
};

void expectKernelMatchesReference(const test::HostAwqLinear& l) {
    DeviceBuffer<std::int32_t> qw(l.qweight.size()), qz(l.qzeros.size());
    DeviceBuffer<__half> sc(l.scales.size()), out(std::size_t(l.K) * l.N);
    ASSERT_EQ(cudaMemcpy(qw.ptr, l.qweight.data(), l.qweight.size() * 4, cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(qz.ptr, l.qzeros.data(), l.qzeros.size() * 4, cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(cudaMemcpy(sc.ptr, l.scales.data(), l.scales.size() * 2, cudaMemcpyHostToDevice), cudaSuccess);
    ASSERT_EQ(dequantizeAwqGemm(qw.ptr, qz.ptr, sc.ptr, l.K, l.N, l.groupSize, out.ptr, nullptr), cudaSuccess);
    std::vector<std::uint16_t> gpu(std::size_t(l.K) * l.N);
    ASSERT_EQ(cudaMemcpy(gpu.data(), out.ptr, gpu.size() * 2, cudaMemcpyDeviceToHost), cudaSuccess);

    std::vector<float> ref(gpu.size());
    dequantizeAwqGemmRef(l.qweight.data(), l.qzeros.data(), l.scales.data(), l.K, l.N, l.groupSize, ref.data());
    for (std::size_t i = 0; i < ref.size(); ++i)
        ASSERT_EQ(gpu[i], floatToHalf(ref[i])) << l.prefix << " element " << i;
}

}  // namespace

TEST(AwqDequantCuda, MatchesReferenceOnAutoAwqFixture) {
    const auto store = TensorStore::openFolder(test::modelDir("tinystories-qwen3-7m-awq"));
    const auto linears = test::loadAwqLinears(store, 128);
    ASSERT_EQ(linears.size(), 8u * 7u);
    for (const auto& l : linears) expectKernelMatchesReference(l);
}

TEST(AwqDequantCuda, MatchesReferenceOnLlama8bShape) {
    test::HostAwqLinear l;
    l.prefix = "random 4096x14336";
    l.K = 4096;
    l.N = 14336;
    l.groupSize = 128;
    std::mt19937 rng(1);
    l.qweight.resize(std::size_t(l.K) * l.N / 8);
    l.qzeros.resize(std::size_t(l.K / 128) * l.N / 8);
    l.scales.resize(std::size_t(l.K / 128) * l.N);
    for (auto& v : l.qweight) v = std::int32_t(rng());
    for (auto& v : l.qzeros) v = std::int32_t(rng());
    for (auto& v : l.scales) v = floatToHalf(float(rng() % 10000) * 1e-6f);
    expectKernelMatchesReference(l);
}

TEST(AwqDequantCuda, RejectsBadShapes) {
    EXPECT_EQ(dequantizeAwqGemm(nullptr, nullptr, nullptr, 100, 64, 128, nullptr, nullptr), cudaErrorInvalidValue);
    EXPECT_EQ(dequantizeAwqGemm(nullptr, nullptr, nullptr, 128, 60, 128, nullptr, nullptr), cudaErrorInvalidValue);
}
