#pragma once
// Prefill's dequantized AWQ weights, two at a time (internal to awq_cuda_linear.cpp; CUDA builds
// only). Past kAwqRepackedPrefillMaxM rows a linear dequantizes its weight into an fp16 [N, K]
// buffer and multiplies with cuBLAS. That GEMM is compute bound, the dequantization memory bound, so
// while one weight's GEMM runs a side stream dequantizes the weight the forward pass needs next
// (its successor, Linear::setPrefillSuccessor) into the other buffer; the main stream waits for it
// only when it gets there. Costs a second buffer (Llama-3-8B: down's 117 MB beside gate|up's 235 MB).
#include "core/layers/awq_cuda_linear.h"

#include <c10/cuda/CUDAStream.h>

#include <cuda_runtime_api.h>

#include <optional>

namespace awq::engine {

class DequantAhead {
public:
    DequantAhead() = default;
    DequantAhead(const DequantAhead&) = delete;
    DequantAhead& operator=(const DequantAhead&) = delete;
    ~DequantAhead();

    // w dequantized to fp16 [w.N, w.K] (PyTorch's [out, in] layout), ready in `stream` order: taken
    // from the buffer the previous call filled ahead when that was w, else dequantized now on
    // `stream`. Then starts dequantizing `next` (nullptr: none) into the other buffer on the side
    // stream. The returned buffer stays w's until the call after next; only `stream` may read it.
    // Under CUDA graph capture: a buffer of the graph's pool, nothing ahead.
    // Throws awq::Error when a dequantize kernel fails.
    at::Tensor acquire(const RepackedAwqWeight& w, const RepackedAwqWeight* next, const c10::cuda::CUDAStream& stream);

    // The ring of the calling thread (each thread's prefill its own, as its streams are).
    static DequantAhead& forThisThread();

    // False under AWQBENCH_DEQUANT_AHEAD=0 (for measuring what it buys): nothing is dequantized ahead.
    static bool enabled();

private:
    struct Slot {
        at::Tensor buffer;        // fp16, at least the weight's N * K elements
        at::Tensor aheadOf;       // the qpack dequantized into `buffer` ahead (held: its address is not reused meanwhile)
        cudaEvent_t ready = nullptr;  // recorded on the side stream after that dequantization
    };
    void reset(int device);
    at::Tensor fill(Slot& slot, const RepackedAwqWeight& w, cudaStream_t stream);

    int device_ = -1;
    Slot slots_[2];
    int pending_ = -1;  // the slot dequantized ahead and not yet taken, or -1
    cudaEvent_t mainReached_ = nullptr;  // the main stream's position when the side stream starts
    std::optional<c10::cuda::CUDAStream> side_;
};

}  // namespace awq::engine
