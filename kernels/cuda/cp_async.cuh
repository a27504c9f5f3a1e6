#pragma once
// Asynchronous global -> shared copies (cp.async, sm_80 and newer) shared by the prefill GEMMs
// (awq_repacked_prefill.cu and sm90/awq_repacked_prefill_sm90.cu).
#include <cuda_runtime.h>

namespace awq::kernels {

// A shared-memory pointer as the 32-bit shared-window address the copy instructions take.
__device__ __forceinline__ unsigned sharedAddress(const void* p) { return static_cast<unsigned>(__cvta_generic_to_shared(p)); }

// Bytes (4 or 16) from src to the shared address dst, asynchronously; !valid writes zeros instead
// (src is then not read, but must still be a valid address expression). 16-byte copies bypass L1.
template <int Bytes>
__device__ __forceinline__ void copyAsync(unsigned dst, const void* src, bool valid) {
    static_assert(Bytes == 4 || Bytes == 16);
    if constexpr (Bytes == 16)
        asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
    else
        asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"(dst), "l"(src), "r"(valid ? 4 : 0));
}

__device__ __forceinline__ void commitCopies() { asm volatile("cp.async.commit_group;\n" ::); }

// Until at most Pending of this thread's committed groups are still in flight.
template <int Pending>
__device__ __forceinline__ void waitCopies() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(Pending));
}

}  // namespace awq::kernels
