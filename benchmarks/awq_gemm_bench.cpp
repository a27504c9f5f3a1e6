// W4A16 kernel time on the Llama-3-8B linear shapes for decode-sized M (the AutoAWQ-layout kernel
// and the decode-layout kernel the engine repacks to, kernels/cuda/awq_repacked.h), against cuBLAS fp16
// (cublasGemmEx, fp32 accumulation) on the same shapes, and the weight bandwidth each achieves as a
// share of the device's measured DRAM read bandwidth (a read-only kernel over 2 GB; the copy
// bandwidth, read + write, is printed beside it). Cold L2: each timing is a CUDA graph of 32
// launches replayed 15 times (median) that cycles through copies of the weights four times the
// size of the L2, so no launch finds its weights cached; inputs are random, never zeros.
//
// The prefill table (--prefill-m, M >= 16) times every configuration of the tensor-core prefill
// kernel (awqRepackedPrefillGemm variants; "auto" is the one the engine picks for M) against
// dequantize + cuBLAS and cuBLAS fp16, in TFLOPS (2 M K N / time).
//
//   awq_gemm_bench [--m 1,2,4,8,16,32,64] [--prefill-m 16,32,64,128,256,512] [--reps 15] [--shape NAME]
// (--shape: only the shapes whose name contains NAME, e.g. gate+up, for profiling one kernel).
#include "benchmarks/bandwidth_probe.h"
#include "core/util/int_list.h"
#include "kernels/cpu/half.h"
#include "kernels/cuda/awq_gemm.h"
#include "kernels/cuda/awq_repacked.h"

#include <CLI/CLI.hpp>

#include <cublas_v2.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace {

void check(cudaError_t e, const char* what) {
    if (e != cudaSuccess) {
        std::fprintf(stderr, "%s: %s\n", what, cudaGetErrorString(e));
        std::exit(1);
    }
}
void check(cublasStatus_t s, const char* what) {
    if (s != CUBLAS_STATUS_SUCCESS) {
        std::fprintf(stderr, "%s: cuBLAS status %d\n", what, int(s));
        std::exit(1);
    }
}

template <typename T>
T* deviceAlloc(std::size_t n) {
    T* p = nullptr;
    check(cudaMalloc(&p, n * sizeof(T)), "cudaMalloc");
    return p;
}

// Median time in microseconds of one call of `body(i)` (i cycles over the weight copies).
double timeUs(cudaStream_t stream, int reps, const std::function<void(int)>& body) {
    constexpr int kPerGraph = 32;
    for (int i = 0; i < 3; ++i) body(i);  // warm-up: module load, cuBLAS heuristics
    check(cudaStreamSynchronize(stream), "warm-up");
    cudaGraph_t graph;
    cudaGraphExec_t exec;
    check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "capture");
    for (int i = 0; i < kPerGraph; ++i) body(i);
    check(cudaStreamEndCapture(stream, &graph), "end capture");
    check(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
    cudaEvent_t a, b;
    check(cudaEventCreate(&a), "event");
    check(cudaEventCreate(&b), "event");
    check(cudaGraphLaunch(exec, stream), "graph warm-up");
    std::vector<double> us;
    for (int r = 0; r < reps; ++r) {
        check(cudaEventRecord(a, stream), "record");
        check(cudaGraphLaunch(exec, stream), "graph");
        check(cudaEventRecord(b, stream), "record");
        check(cudaEventSynchronize(b), "sync");
        float ms = 0;
        check(cudaEventElapsedTime(&ms, a, b), "elapsed");
        us.push_back(1000.0 * ms / kPerGraph);
    }
    std::sort(us.begin(), us.end());
    cudaEventDestroy(a);
    cudaEventDestroy(b);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(graph);
    return us[us.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    std::string msList = "1,2,4,8,16,32,64";
    std::string prefillList = "16,32,64,128,256,512";
    int reps = 15;
    std::string shapeFilter;
    CLI::App app{"W4A16 kernels against cuBLAS fp16 on the Llama-3-8B linear shapes (cold L2)"};
    app.add_option("--m", msList, "decode-sized M values, comma-separated")->capture_default_str();
    app.add_option("--prefill-m", prefillList, "prefill M values (>= 16), comma-separated")->capture_default_str();
    app.add_option("--reps", reps, "graph replays per timing (median; at least 3)")->capture_default_str();
    app.add_option("--shape", shapeFilter, "only the shapes whose name contains NAME (e.g. gate+up)");
    CLI11_PARSE(app, argc, argv);
    const std::vector<int> ms = awq::parseIntList(msList, "--m");
    const std::vector<int> prefillMs = awq::parseIntList(prefillList, "--prefill-m");
    reps = std::max(3, reps);
    int dev = 0;
    check(cudaGetDevice(&dev), "device");
    cudaDeviceProp prop{};
    check(cudaGetDeviceProperties(&prop, dev), "properties");
    cudaStream_t stream;
    check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "stream");
    cublasHandle_t blas;
    check(cublasCreate(&blas), "cublasCreate");
    check(cublasSetStream(blas, stream), "cublasSetStream");
    const std::size_t cublasWsBytes = 32u << 20;  // cuBLAS wants its own workspace under graph capture
    void* cublasWs = deviceAlloc<char>(cublasWsBytes);
    check(cublasSetWorkspace(blas, cublasWs, cublasWsBytes), "cublasSetWorkspace");

    const double readGBs = awq::bench::readBandwidthGBs(stream);
    const double copyGBs = awq::bench::copyBandwidthGBs(stream);
    std::printf("device: %s, %d SMs, L2 %d MB; DRAM read %.0f GB/s (read-only kernel), device-to-device copy %.0f GB/s (read + write)\n",
                prop.name, prop.multiProcessorCount, prop.l2CacheSize >> 20, readGBs, copyGBs);

    struct Shape {
        const char* name;
        int K, N;
    };
    const Shape shapes[] = {{"q/o_proj 4096->4096", 4096, 4096},     {"k/v_proj 4096->1024", 4096, 1024},
                            {"qkv fused 4096->6144", 4096, 6144},    {"gate/up 4096->14336", 4096, 14336},
                            {"gate+up 4096->28672", 4096, 28672},    {"down 14336->4096", 14336, 4096}};
    const int G = 128;
    std::mt19937 rng(7);

    std::printf("\n%-22s %4s | %9s %6s | %9s %9s %6s %6s | %9s %9s %6s | %7s\n", "shape (K->N)", "M", "AWQ us", "%read", "repack us", "GB/s", "%read",
                "%floor", "fp16 us", "fp16 GB/s", "%read", "speedup");
    std::printf("%s\n", std::string(125, '-').c_str());
    for (const auto& s : shapes) {
        if (std::string(s.name).find(shapeFilter) == std::string::npos) continue;
        const std::size_t qwN = std::size_t(s.K) * s.N / 8, qzN = std::size_t(s.K / G) * s.N / 8, scN = std::size_t(s.K / G) * s.N;
        const std::size_t awqBytes = qwN * 4 + qzN * 4 + scN * 2;
        const std::size_t denseBytes = std::size_t(s.K) * s.N * 2;
        // Enough copies that one pass over them is four times the L2.
        const std::size_t l2 = std::size_t(prop.l2CacheSize);
        const int awqCopies = int(std::max<std::size_t>(2, (4 * l2 + awqBytes - 1) / awqBytes));
        const int denseCopies = int(std::max<std::size_t>(2, (4 * l2 + denseBytes - 1) / denseBytes));

        std::vector<std::int32_t> hq(qwN), hz(qzN);
        std::vector<std::uint16_t> hs(scN), hw(std::size_t(s.K) * s.N);
        for (auto& v : hq) v = std::int32_t(rng());
        for (auto& v : hz) v = std::int32_t(rng());
        std::uniform_real_distribution<float> sc(0.002f, 0.004f), wv(-0.03f, 0.03f), xv(-1.0f, 1.0f);
        for (auto& v : hs) v = awq::kernels::floatToHalf(sc(rng));
        for (auto& v : hw) v = awq::kernels::floatToHalf(wv(rng));
        std::vector<std::int32_t*> dq(awqCopies), dz(awqCopies), dp(awqCopies);
        std::vector<__half*> ds(awqCopies), dsz(awqCopies), dw(denseCopies);
        for (int c = 0; c < awqCopies; ++c) {
            dq[c] = deviceAlloc<std::int32_t>(qwN);
            dz[c] = deviceAlloc<std::int32_t>(qzN);
            ds[c] = deviceAlloc<__half>(scN);
            check(cudaMemcpy(dq[c], hq.data(), qwN * 4, cudaMemcpyHostToDevice), "upload");
            check(cudaMemcpy(dz[c], hz.data(), qzN * 4, cudaMemcpyHostToDevice), "upload");
            check(cudaMemcpy(ds[c], hs.data(), scN * 2, cudaMemcpyHostToDevice), "upload");
            dp[c] = deviceAlloc<std::int32_t>(qwN);
            dsz[c] = deviceAlloc<__half>(2 * scN);
            check(awq::kernels::awqRepack(dq[c], dz[c], ds[c], s.K, s.N, G, dp[c], dsz[c], stream), "awqRepack");
        }
        for (int c = 0; c < denseCopies; ++c) {
            dw[c] = deviceAlloc<__half>(hw.size());
            check(cudaMemcpy(dw[c], hw.data(), hw.size() * 2, cudaMemcpyHostToDevice), "upload");
        }
        const int maxM = std::max(*std::max_element(ms.begin(), ms.end()), *std::max_element(prefillMs.begin(), prefillMs.end()));
        std::vector<std::uint16_t> hx(std::size_t(maxM) * s.K);
        for (auto& v : hx) v = awq::kernels::floatToHalf(xv(rng));
        auto* dx = deviceAlloc<__half>(hx.size());
        auto* dy = deviceAlloc<__half>(std::size_t(maxM) * s.N);
        check(cudaMemcpy(dx, hx.data(), hx.size() * 2, cudaMemcpyHostToDevice), "upload");
        // The floor for one launch that reads the repacked weights' bytes: a bare read-only kernel
        // over buffers of that size (as many as the weight copies, so none is in L2), each launch
        // after the one before has finished.
        const std::size_t repackWords = (qwN * 4 + scN * 4 + 15) / 16;
        std::vector<void*> readBuffers(awqCopies);
        for (auto& b : readBuffers) {
            b = deviceAlloc<uint4>(repackWords);
            check(cudaMemset(b, 0x5A, repackWords * 16), "memset");
        }
        auto* readSink = deviceAlloc<unsigned>(1);
        const double readFloorUs = timeUs(stream, reps, [&](int i) {
            check(awq::bench::launchReadOnce(readBuffers[i % awqCopies], repackWords * 16, readSink, stream), "read-only kernel");
        });
        for (auto b : readBuffers) cudaFree(b);
        cudaFree(readSink);
        std::printf("%-22s      | read-only floor for the repacked bytes (%.1f MB, one launch after another): %.1f us = %.0f%% of the read bandwidth\n",
                    s.name, repackWords * 16 / 1e6, readFloorUs, 100.0 * (repackWords * 16 / (readFloorUs * 1e-6) / 1e9) / readGBs);
        // The split counters the engine gives the decode kernel (one set serves every copy: the
        // launches are serial); AWQBENCH_BENCH_REDUCE_KERNEL=1 measures the two-kernel reduction.
        const std::size_t counterCount = awq::kernels::awqRepackedGemmCounterCount(s.N);
        auto* counters = deviceAlloc<unsigned>(counterCount);
        check(cudaMemset(counters, 0, counterCount * sizeof(unsigned)), "memset");
        const char* reduceKernelEnv = std::getenv("AWQBENCH_BENCH_REDUCE_KERNEL");
        unsigned* splitCounters = reduceKernelEnv && std::string(reduceKernelEnv) == "1" ? nullptr : counters;

        for (int M : ms) {
            const std::size_t wsBytes = awq::kernels::awqGemmWorkspaceBytes(M, s.K, s.N, G);
            void* ws = wsBytes ? deviceAlloc<char>(wsBytes) : nullptr;
            const double awqUs = timeUs(stream, reps, [&](int i) {
                const int c = i % awqCopies;
                check(awq::kernels::awqGemm(dx, dq[c], dz[c], ds[c], dy, M, s.K, s.N, G, stream, ws, wsBytes), "awqGemm");
            });
            const std::size_t rwsBytes = awq::kernels::awqRepackedGemmWorkspaceBytes(M, s.K, s.N, G);
            void* rws = rwsBytes ? deviceAlloc<char>(rwsBytes) : nullptr;
            const double repackUs = M > awq::kernels::kAwqRepackedMaxM ? 0.0 : timeUs(stream, reps, [&](int i) {
                const int c = i % awqCopies;
                check(awq::kernels::awqRepackedGemm(dx, dp[c], dsz[c], dy, M, s.K, s.N, G, stream, rws, rwsBytes, splitCounters), "awqRepackedGemm");
            });
            if (rws) cudaFree(rws);
            const double repackBytes = double(qwN) * 4 + double(scN) * 4;  // qpack + scaleZeros
            const float alpha = 1.0f, beta = 0.0f;
            // Row-major y[M,N] = x[M,K] W^T with W [N,K] as torch stores it: column-major y^T = W x^T.
            const double denseUs = timeUs(stream, reps, [&](int i) {
                const int c = i % denseCopies;
                check(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.N, M, s.K, &alpha, dw[c], CUDA_R_16F, s.K, dx, CUDA_R_16F, s.K, &beta, dy,
                                   CUDA_R_16F, s.N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                      "cublasGemmEx");
            });
            const double awqGBs = double(awqBytes) / (awqUs * 1e-6) / 1e9;
            const double denseGBs = double(denseBytes) / (denseUs * 1e-6) / 1e9;
            const double repackGBs = repackUs > 0 ? repackBytes / (repackUs * 1e-6) / 1e9 : 0.0;
            const double best = repackUs > 0 ? std::min(awqUs, repackUs) : awqUs;
            std::printf("%-22s %4d | %9.1f %5.0f%% | %9.1f %9.0f %5.0f%% %5.0f%% | %9.1f %9.0f %5.0f%% | %6.2fx\n", s.name, M, awqUs,
                        100.0 * awqGBs / readGBs, repackUs, repackGBs, 100.0 * repackGBs / readGBs, repackUs > 0 ? 100.0 * readFloorUs / repackUs : 0.0,
                        denseUs, denseGBs, 100.0 * denseGBs / readGBs, denseUs / best);
            if (ws) cudaFree(ws);
        }
        // Prefill sizes: every kernel configuration, dequantize + cuBLAS, cuBLAS fp16.
        const int variants = awq::kernels::awqRepackedPrefillVariantCount();
        __half* dequantized = deviceAlloc<__half>(std::size_t(s.K) * s.N);
        for (int M : prefillMs) {
            const double flops = 2.0 * M * s.K * s.N;
            std::printf("%-22s %4d prefill |", s.name, M);
            double bestUs = 1e30;
            for (int v = -1; v < variants; ++v) {
                const std::size_t pwsBytes = awq::kernels::awqRepackedPrefillWorkspaceBytes(M, s.K, s.N, G, v);
                void* pws = pwsBytes ? deviceAlloc<char>(pwsBytes) : nullptr;
                const double us = timeUs(stream, reps, [&](int i) {
                    const int c = i % awqCopies;
                    check(awq::kernels::awqRepackedPrefillGemm(dx, dp[c], dsz[c], dy, M, s.K, s.N, G, stream, pws, pwsBytes, v), "prefill");
                });
                if (pws) cudaFree(pws);
                if (v >= 0) bestUs = std::min(bestUs, us);
                std::printf(" %s %.1f us %.0f TF |", v < 0 ? "auto" : std::to_string(v).c_str(), us, flops / (us * 1e-6) / 1e12);
            }
            const float alpha = 1.0f, beta = 0.0f;
            const double dequantUs = timeUs(stream, reps, [&](int i) {
                const int c = i % awqCopies;
                check(awq::kernels::awqRepackedDequantize(dp[c], dsz[c], s.K, s.N, G, dequantized, stream), "dequantize");
                check(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.N, M, s.K, &alpha, dequantized, CUDA_R_16F, s.K, dx, CUDA_R_16F, s.K, &beta, dy,
                                   CUDA_R_16F, s.N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                      "cublasGemmEx");
            });
            const double dequantOnlyUs = timeUs(stream, reps, [&](int i) {
                const int c = i % awqCopies;
                check(awq::kernels::awqRepackedDequantize(dp[c], dsz[c], s.K, s.N, G, dequantized, stream), "dequantize");
            });
            const double dequantBytes = double(qwN) * 4 + double(scN) * 4 + double(s.K) * s.N * 2;  // reads the 4-bit weight and scales, writes fp16
            const double denseUs = timeUs(stream, reps, [&](int i) {
                const int c = i % denseCopies;
                check(cublasGemmEx(blas, CUBLAS_OP_T, CUBLAS_OP_N, s.N, M, s.K, &alpha, dw[c], CUDA_R_16F, s.K, dx, CUDA_R_16F, s.K, &beta, dy,
                                   CUDA_R_16F, s.N, CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT),
                      "cublasGemmEx");
            });
            std::printf(" dequant+cuBLAS %.1f us (dequantize %.1f us, %.0f GB/s read + write) | cuBLAS fp16 %.1f us %.0f TF | best/fp16 %.2fx\n",
                        dequantUs, dequantOnlyUs, dequantBytes / (dequantOnlyUs * 1e-6) / 1e9, denseUs, flops / (denseUs * 1e-6) / 1e12,
                        denseUs / bestUs);
        }
        cudaFree(dequantized);
        cudaFree(counters);
        for (auto p : dq) cudaFree(p);
        for (auto p : dz) cudaFree(p);
        for (auto p : ds) cudaFree(p);
        for (auto p : dp) cudaFree(p);
        for (auto p : dsz) cudaFree(p);
        for (auto p : dw) cudaFree(p);
        cudaFree(dx);
        cudaFree(dy);
    }
    std::printf("\nAWQ: the AutoAWQ-layout kernel (GB/s counts qweight + qzeros + scales); repack: the decode-layout kernel the engine uses\n"
                "for M <= %d (qpack + scale/zero pairs); fp16: cuBLAS on the fp16 weight; speedup: fp16 time over the faster AWQ kernel.\n"
                "%%read: of the DRAM read bandwidth above; %%floor: the read-only floor's time over the repack kernel's (100%% = as fast as\n"
                "a bare read of its bytes launched after the kernel before it; the repack kernel may exceed it: it fetches weights before it waits).\n",
                awq::kernels::kAwqRepackedMaxM);
    std::printf("prefill variants:");
    for (int v = 0; v < awq::kernels::awqRepackedPrefillVariantCount(); ++v) std::printf(" %d = %s;", v, awq::kernels::awqRepackedPrefillVariantName(v));
    std::printf(" auto = the engine's pick for M.\n");
    std::printf("Ideal AWQ speedup over fp16 when both are bandwidth bound: %.2fx (bytes ratio at g128).\n",
                double(4096) * 4096 * 2 / (double(4096) * 4096 / 2 + 4096.0 / 128 * 4096 / 2 + 4096.0 / 128 * 4096 * 2));
    cublasDestroy(blas);
    cudaFree(cublasWs);
    cudaStreamDestroy(stream);
    return 0;
}
