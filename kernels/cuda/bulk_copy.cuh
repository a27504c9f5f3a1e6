#pragma once
// Hopper's bulk copies (cp.async.bulk, the TMA unit without a tensor map) into shared memory and
// the mbarriers that count their bytes (PTX ISA 8.0, sm_90). A copy holds no registers while in
// flight, so a kernel can keep tens of KB a multiprocessor on the way with a few warps.
//
// Protocol, per ring stage: the producer thread arms the stage's "full" barrier with the bytes it
// will copy (arriveExpectBytes), then issues the copies, which complete the bytes; consumers wait
// on "full" for the stage's phase, read it, and each consumer warp arrives on the stage's "empty"
// barrier; the producer waits on "empty" before it refills the stage. Phase parity of use n of a
// stage = n & 1. All functions are device-only and compiled to nothing below sm_90 (the host never
// launches their callers there).
#include "kernels/cuda/cp_async.cuh"

#include <cstdint>

namespace awq::kernels::bulk {

// One thread initialises a barrier that completes a phase after `arrivals` arrivals (plus the
// bytes armed with arriveExpectBytes); then the block must synchronise before anyone uses it.
__device__ __forceinline__ void initBarrier(std::uint64_t* barrier, unsigned arrivals) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(sharedAddress(barrier)), "r"(arrivals) : "memory");
#endif
}

// Makes initialised barriers visible to the bulk-copy unit (the async proxy).
__device__ __forceinline__ void fenceBarrierInit() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
#endif
}

__device__ __forceinline__ void arriveExpectBytes(std::uint64_t* barrier, unsigned bytes) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(sharedAddress(barrier)), "r"(bytes) : "memory");
#endif
}

__device__ __forceinline__ void arrive(std::uint64_t* barrier) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(sharedAddress(barrier)) : "memory");
#endif
}

// Blocks until the barrier has completed the phase with this parity.
__device__ __forceinline__ void wait(std::uint64_t* barrier, unsigned parity) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile(
        "{\n"
        ".reg .pred done;\n"
        "waitLoop:\n"
        "mbarrier.try_wait.parity.shared::cta.b64 done, [%0], %1;\n"
        "@!done bra waitLoop;\n"
        "}\n" ::"r"(sharedAddress(barrier)),
        "r"(parity)
        : "memory");
#endif
}

// An L2 policy for data read once (weights streamed through): evict first.
__device__ __forceinline__ std::uint64_t evictFirstPolicy() {
    std::uint64_t policy = 0;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("createpolicy.fractional.L2::evict_first.b64 %0, 1.0;" : "=l"(policy));
#endif
    return policy;
}

// An L2 policy for data many blocks read (a GEMM's activations): evict last.
__device__ __forceinline__ std::uint64_t evictLastPolicy() {
    std::uint64_t policy = 0;
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile("createpolicy.fractional.L2::evict_last.b64 %0, 1.0;" : "=l"(policy));
#endif
    return policy;
}

// bytes (a multiple of 16; both addresses 16-byte aligned) from global to this block's shared
// memory, completing `bytes` on the barrier.
__device__ __forceinline__ void copyToShared(void* dst, const void* src, unsigned bytes, std::uint64_t* barrier, std::uint64_t policy) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
    asm volatile(
        "cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes.L2::cache_hint [%0], [%1], %2, [%3], %4;" ::"r"(
            sharedAddress(dst)),
        "l"(src), "r"(bytes), "r"(sharedAddress(barrier)), "l"(policy)
        : "memory");
#endif
}

}  // namespace awq::kernels::bulk
