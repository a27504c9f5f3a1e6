#include "core/system/blas_kernels.h"

#include <cstdlib>
#include <mutex>
#include <strings.h>

#if defined(__linux__)
#include <dlfcn.h>
#endif

namespace awq {
namespace {

// OpenBLAS's own entry points, looked up at run time: libtorch links whichever BLAS the system
// provides (libblas.so.3), so the product never links OpenBLAS itself.
template <class Fn>
Fn* openBlasSymbol(const char* name) {
#if defined(__linux__)
    return reinterpret_cast<Fn*>(dlsym(RTLD_DEFAULT, name));
#else
    (void)name;
    return nullptr;
#endif
}

// The kernel set OpenBLAS would pick for this CPU if it knew its model, or nullptr.
const char* kernelsForThisCpu() {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();  // the checks include the OS's support of the registers (XCR0)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return nullptr;
}

}  // namespace

int blasThreads() {
    const auto threads = openBlasSymbol<int()>("openblas_get_num_threads");
    return threads ? threads() : 0;
}

std::string blasKernelName() {
    const auto name = openBlasSymbol<const char*()>("openblas_get_corename");
    return name ? name() : "";
}

void selectBlasKernels() {
    static std::once_flag once;
    std::call_once(once, [] {
        if (std::getenv("OPENBLAS_CORETYPE")) return;
        if (strcasecmp(blasKernelName().c_str(), "prescott") != 0) return;  // OpenBLAS knew the CPU (or another BLAS)
        const char* kernels = kernelsForThisCpu();
        const auto quit = openBlasSymbol<void()>("gotoblas_dynamic_quit");
        const auto init = openBlasSymbol<void()>("gotoblas_dynamic_init");
        if (!kernels || !quit || !init) return;  // not a DYNAMIC_ARCH build: its kernels are fixed
        // OpenBLAS's own way to choose: the variable its start-up reads, then its start-up again.
        setenv("OPENBLAS_CORETYPE", kernels, 0);
        quit();
        init();
    });
}

}  // namespace awq
