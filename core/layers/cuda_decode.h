#pragma once
// The bridge from torch CUDA tensors to the fused decode kernels (kernels/cuda/decode_ops.h) and
// CUDA graph capture of a decode step. Built only where torch has CUDA (cuda_decode.cpp); elsewhere
// cudaDecodeBuiltIn() is false and every other function throws awq::Error.
#include "core/layers/torch_util.h"

#include <functional>
#include <memory>
#include <vector>

namespace awq::engine {

bool cudaDecodeBuiltIn();

// Tensors are contiguous fp16 or bf16 on one CUDA device unless said otherwise.
// x [rows, dim]: x = x + delta in place when delta is defined; returns RMSNorm(x) * weight.
at::Tensor cudaRmsNormResidual(at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight, double eps);

// qkv [rows, (H + 2 KvH) D] -> q [rows, H, D] normed (qNorm/kNorm defined: Qwen3) and rotated; keys
// and values [rows / tokensPerSequence, KvH, capacity, D] get row positions[r] (int32 [rows]).
// cos/sin float [maxPositions, D]. Decode: one row a sequence; prefill: S rows a sequence.
at::Tensor cudaRopeKvWrite(const at::Tensor& qkv, const at::Tensor& qNorm, const at::Tensor& kNorm, double eps, const at::Tensor& cos,
                           const at::Tensor& sin, const at::Tensor& positions, at::Tensor& keys, at::Tensor& values, int heads, int kvHeads,
                           int tokensPerSequence = 1);

// A decode step's attention from its raw q|k|v rows [B, (H + 2 KvH) D], one token a sequence: the
// q/k norm and rotary embedding as cudaRopeKvWrite (row positions[b] of keys / values
// [B, KvH, capacity, D] written), then attention over rows up to positions[b] (within `window`
// tokens when window > 0) -> [B, H * D]. One kernel (kernels::decodeAttention with rope).
at::Tensor cudaDecodeAttention(const at::Tensor& qkv, const at::Tensor& qNorm, const at::Tensor& kNorm, double eps, const at::Tensor& cos,
                               const at::Tensor& sin, const at::Tensor& positions, at::Tensor& keys, at::Tensor& values, int heads, int window,
                               double scale);

// gateUp [rows, 2 I] -> silu(gate) * up [rows, I].
at::Tensor cudaSiluMul(const at::Tensor& gateUp);

// Greedy tokens: logits float32, fp16 or bf16 [B, vocab] on the GPU -> int64 [B] on the GPU (first index on ties).
// workspace: the kernel's counters, (re)allocated here when undefined or of another size; a call
// captured in a CUDA graph must pass one that lives as long as the graph. nullptr: one per thread.
at::Tensor cudaArgmaxRows(const at::Tensor& logits, at::Tensor* workspace = nullptr);

// A decode step's first kernel: ids (int64 [B], GPU) -> x [B, dim] = table's rows (compute dtype;
// zeros for an id outside the vocabulary), and tileSumSquares (float32 [B, dim / 16], given) the
// sums of squares of each 16 columns, what the AWQ decode kernel's RMSNorm fusion reads
// (kernels::embedRows). dim % 16 == 0.
at::Tensor cudaEmbedRows(const at::Tensor& table, const at::Tensor& ids, at::Tensor& tileSumSquares);

// The ids of a greedy step on their way to the host: wait() blocks until the step is done and
// returns them. Lets the host read step N's tokens while step N+1 already runs.
class PendingIds {
public:
    virtual ~PendingIds() = default;
    virtual std::vector<int> wait() = 0;
};

// The end of a greedy decode step for a batch of `rows` sequences, and the way its ids reach the
// host: the argmax kernel writes them into the device ids, advances the positions, and also writes
// them into a ring of slots in mapped pinned host memory (kernels::ArgmaxBookkeeping), so no copy
// is queued between two steps. Why: the device-to-host copy a step held the next step's graph back
// (H200, CUPTI: 8-16 us between the last kernel of a step and the first of the next).
class GreedyStepEnd {
public:
    static constexpr int kSlots = 8;  // steps queued and not yet read, at most
    virtual ~GreedyStepEnd() = default;
    // ids (int64 [rows], GPU) = the argmax of each row of logits (float32, fp16 or bf16 [rows,
    // vocab]); positions (int32 [rows], GPU) advanced by one, at most positionLimit; the ids into
    // the next slot. May be captured in a CUDA graph (the ring and the counters live as long as this).
    virtual void advance(const at::Tensor& logits, at::Tensor& ids, at::Tensor& positions, int positionLimit) = 0;
    // The next advance writes slot 0 again (queued on the current stream): a new chain.
    virtual void restart() = 0;
    // Call once after each queued advance (on the current stream, after it): that step's ids.
    virtual std::unique_ptr<PendingIds> stepQueued() = 0;
};
// Throws awq::Error when mapped pinned memory cannot be had.
std::unique_ptr<GreedyStepEnd> makeGreedyStepEnd(int rows, const at::Device& device);

// A step captured as a CUDA graph (torch's CUDAGraph, own memory pool) and replayed on the current
// stream. `step` must read and write only tensors that outlive the capture, at fixed addresses.
class CapturedStep {
public:
    virtual ~CapturedStep() = default;
    virtual at::Tensor replay() = 0;  // the output tensor of the capture, overwritten by each replay
};

// Runs `step` once eagerly on a side stream (its result goes to firstOutput: the warm-up is a real
// step), then captures it. Throws awq::Error when capture fails.
std::unique_ptr<CapturedStep> captureStep(const std::function<at::Tensor()>& step, const at::Device& device, at::Tensor& firstOutput);

}  // namespace awq::engine
