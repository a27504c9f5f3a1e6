#pragma once
// Fused kernels for one decode step of the transformer (tokens [B] at positions [B]). Each replaces
// a chain of small torch ops (a launch each) by one memory-bound launch, and each reads the
// sequence positions from device memory, so one captured CUDA graph serves every decode step.
//
// T is __half or __nv_bfloat16 (explicitly instantiated for both). All pointers are device
// pointers; tensors are row-major and contiguous. Every function launches on `stream` and returns
// the launch error (cudaErrorInvalidValue for shapes outside what it documents).
#include <cstddef>
#include <cstdint>

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

namespace awq::kernels {

// RMSNorm of each row of the residual stream, optionally adding a block's output first
// (Hugging Face LlamaRMSNorm: normalised in float32, rounded to T, then times the weight in T).
//   x      [rows, dim]  the residual stream; when delta != nullptr it becomes T(x + delta) in place
//   delta  [rows, dim]  or nullptr
//   weight [dim], out [rows, dim]
// dim % 8 == 0; pointers 16-byte aligned.
template <typename T>
cudaError_t rmsNormResidual(T* x, const T* delta, const T* weight, T* out, int rows, int dim, float eps, cudaStream_t stream);

// Rotary embedding and KV-cache write for the fused q|k|v projection of `batch` token rows: one
// token per sequence in decode (tokensPerSequence 1), or a whole prompt of S tokens per sequence
// in prefill (tokensPerSequence S: row r belongs to cache sequence r / S).
//   qkv       [rows, (H + 2*KvH) * D]: the H query heads, then the KvH key heads, then the value heads
//   qNorm, kNorm [D] per-head RMSNorm weights (Qwen3) or nullptr
//   cos, sin  float [maxPositions, D], Hugging Face's tables (cat(freqs, freqs)); rotate_half pairs
//             element d with d + D/2
//   positions int32 [rows]: where each row's token goes (and which rope row it takes)
//   q         [rows, H, D] out: normed and rotated queries
//   kCache, vCache [rows / tokensPerSequence, KvH, capacity, D]: row positions[r] of every kv head
// D % 32 == 0 and D <= 256; rows % tokensPerSequence == 0.
template <typename T>
struct RopeKvArgs {
    const T* qkv;
    const T* qNorm;
    const T* kNorm;
    float normEps;
    const float* cos;
    const float* sin;
    const std::int32_t* positions;
    T* q;
    T* kCache;
    T* vCache;
    int batch, heads, kvHeads, headDim, capacity;  // batch: token rows
    int tokensPerSequence = 1;
};
template <typename T>
cudaError_t ropeKvWrite(const RopeKvArgs<T>& args, cudaStream_t stream);

// Attention of one query token per sequence over its KV cache (GQA: query head h reads kv head
// h / (H / KvH)), split over the keys as flash-decoding does and merged in a second small kernel.
// (Merging in the same kernel, by the last block of a sequence / kv head to finish, was measured
// slower on an H200: engine_bench batch 1 394 -> 373 tok/s at prompt 128, 345 -> 255 at 2048.)
//   q       [B, H, D];  kCache, vCache [B, KvH, capacity, D];  positions int32 [B]
//   keys visible to sequence b: positions[b] - window + 1 .. positions[b] (window <= 0: from 0)
//   out     [B, H, D] = softmax(q k^T * scale) v, float32 softmax and accumulation
//   workspace float32, decodeAttentionWorkspaceBytes(...) bytes (nullptr when splits == 1)
//   splits  the most pieces a sequence's keys are split into (the grid, fixed for a captured graph);
//           each step a sequence uses ceil(visible keys / k) of them, k the keys a piece that
//           decodeAttentionSplits plans for (64; 512 where B * KvH alone fills the GPU twice), half
//           that up to 16 pieces' worth, so a cache sized for a long context does not cut a short
//           one into pieces of a few keys (a server's slots hold the model's context).
// D % 32 == 0 and D <= 256; 1 <= splits <= 64.
template <typename T>
struct DecodeAttentionArgs {
    const T* q;
    const T* kCache;
    const T* vCache;
    const std::int32_t* positions;
    T* out;
    float* workspace;
    int batch, heads, kvHeads, headDim, capacity, window, splits;
    float scale;
};
// rope (optional): this step's fused q|k|v rows, one token per sequence (rope.batch == args.batch,
// tokensPerSequence 1; the same caches, positions and shapes as args). The attention kernel then
// applies the q/k norm and the rotary embedding itself and writes row positions[b] of the caches
// before reading them: the bits ropeKvWrite + decodeAttention give, one launch fewer (rope.q and
// args.q are not used).
template <typename T>
cudaError_t decodeAttention(const DecodeAttentionArgs<T>& args, cudaStream_t stream, const RopeKvArgs<T>* rope = nullptr);

// How many pieces (at most) to split each sequence's keys into so that B * KvH * splits blocks fill
// the GPU once the cache is full (capacity / keys a piece at most, as above).
int decodeAttentionSplits(int batch, int kvHeads, int capacity);
std::size_t decodeAttentionWorkspaceBytes(int batch, int heads, int headDim, int splits);

// SwiGLU: out[r, i] = T(silu(gate[r, i])) * up[r, i] rounded to T, where gateUp [rows, 2 * inter]
// holds gate in its first `inter` columns and up in the rest (the fused gate|up projection).
// inter % 8 == 0; pointers 16-byte aligned.
template <typename T>
cudaError_t siluMul(const T* gateUp, T* out, int rows, int inter, cudaStream_t stream);

// Greedy decoding: out[r] = the index of the largest of logits[r, 0..cols) (the first one on ties,
// as torch.argmax and std::max_element; NaN never wins; a row without a finite value gives 0).
// logits [rows, cols] row-major, L float, __half or __nv_bfloat16 (read as fp32, exactly: the same
// ids whichever the lm_head's output dtype), rows <= 65535. workspace: argmaxWorkspaceBytes(rows)
// bytes, zero before the first call; each call re-arms it, so it is reused without clearing by
// calls with the same row count on the same stream (its layout depends on rows).
// 32 blocks a row: ~3 us at a 128k vocabulary where torch's argmax took ~39 us (H200).
// bookkeeping (optional): the rest of a greedy step in the same kernel (each part optional):
//   positions int32 [rows]: positions[r] = min(positions[r] + 1, positionLimit) (it was a copy, an
//     add and a clamp kernel);
//   hostSlots int64 [slotCount][rows] in mapped pinned host memory (cudaHostAllocMapped; its device
//     pointer) with cursor int32 [rows] in device memory: the ids also go to
//     hostSlots[(cursor[r] % slotCount) * rows + r] and cursor[r] advances by one, so the host reads
//     step N's ids from slot N % slotCount once the step is done, with no copy queued behind it.
struct ArgmaxBookkeeping {
    std::int32_t* positions = nullptr;
    int positionLimit = 0;
    std::int64_t* hostSlots = nullptr;
    std::int32_t* cursor = nullptr;
    int slotCount = 0;
};
std::size_t argmaxWorkspaceBytes(int rows);
template <typename L>
cudaError_t argmaxRows(const L* logits, int rows, int cols, std::int64_t* out, void* workspace, cudaStream_t stream,
                       const ArgmaxBookkeeping& bookkeeping = {});

// A decode step's first kernel: x[r, :] = table[ids[r], :] (a row of zeros for an id outside
// [0, vocab)), and the sums of squares of x's values (fp32 of the T values) over each 16 columns,
// tileSumSquares float32 [rows, dim / 16]: what the W4A16 decode kernel's residual epilogue leaves,
// so the first layer's q|k|v projection applies the RMSNorm as it stages x (AwqDecodeFusion) and
// the step needs no norm kernel before it. table [vocab, dim], ids int64 [rows], x [rows, dim];
// dim % 16 == 0; table and x 16-byte aligned. Replaces torch's embedding (index_select) + the RMSNorm.
template <typename T>
cudaError_t embedRows(const T* table, std::int64_t vocab, const std::int64_t* ids, T* x, float* tileSumSquares, int rows, int dim,
                      cudaStream_t stream);

}  // namespace awq::kernels
