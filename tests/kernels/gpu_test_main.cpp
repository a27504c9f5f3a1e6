// main() for kernel tests. GPU test programs (AWQBENCH_GPU_TEST) exit 77 when no CUDA device is
// present, which CTest reports as "skipped" rather than passed.
#include <gtest/gtest.h>

#include <cstdio>

#if AWQBENCH_HAVE_CUDA
#include <cuda_runtime.h>
#endif

namespace awq::test {
bool cudaDeviceAvailable() {
#if AWQBENCH_HAVE_CUDA
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
#else
    return false;
#endif
}
}  // namespace awq::test

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
#if AWQBENCH_GPU_TEST
    if (!awq::test::cudaDeviceAvailable()) {
        std::printf("skipped: no CUDA device on this machine\n");
        return 77;
    }
#endif
    return RUN_ALL_TESTS();
}
