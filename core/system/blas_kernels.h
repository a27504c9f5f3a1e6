#pragma once
// Picks OpenBLAS's matrix kernels for this CPU where OpenBLAS itself fell back to its generic ones.
//
// Why: a DYNAMIC_ARCH OpenBLAS (Debian's 0.3.21, under Debian's libtorch) that does not know the
// CPU model runs its SSE3 "Prescott" kernels. On the 2-core CI machine (an Emerald Rapids VM, model
// 207, AVX-512) every CPU matmul of the engine and the quantizer ran them: 65% of test_evaluation's
// CPU time was sgemm_kernel_PRESCOTT, and the SkylakeX kernels took 2.8x less CPU for the same test.
// Only then, and only where OPENBLAS_CORETYPE is not set (the user's choice wins): the AVX-512
// kernels ("SkylakeX") where the CPU and OS have AVX-512 F/BW/VL/DQ, else AVX2 ("Haswell") with FMA.
// Results differ from the generic kernels' in the last bits (another summation order).
//
// Process-wide and idempotent; a no-op with another BLAS. Call it before any BLAS work starts on
// another thread: the switch swaps OpenBLAS's kernel table, which a running matmul reads.
#include <string>

namespace awq {

void selectBlasKernels();

// OpenBLAS's kernel set in use ("SkylakeX", "Prescott", ...), or "" with another BLAS.
std::string blasKernelName();

// The threads OpenBLAS runs a matmul with (openblas_get_num_threads: the cores, or
// OPENBLAS_NUM_THREADS), or 0 with another BLAS.
int blasThreads();

}  // namespace awq
