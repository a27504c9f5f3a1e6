#pragma once
// The GPTQ checkpoint layout (AutoGPTQ / GPTQModel checkpoint_format "gptq", the "v1" zero
// convention that vLLM's gptq / gptq_marlin and transformers read). For a linear with K inputs,
// N outputs and G groups:
//   qweight int32 [K/8, N]: packed along K; word [r, n] holds rows 8r..8r+7 of column n, row 8r+j
//                           in bits 4j..4j+3 (low nibble first);
//   qzeros  int32 [G, N/8]: packed along N; word [g, c] holds columns 8c..8c+7, column 8c+j in
//                           bits 4j..4j+3; each stored value is (zero - 1) ("v1"; "gptq_v2" stores zero);
//   scales  fp16  [G, N];
//   g_idx   int32 [K]:      the group of each input channel (k / group_size, or with act-order
//                           (desc_act) the group of k's position in the quantization order).
// w[k, n] = scales[g_idx[k], n] * (q[k, n] - zero[g_idx[k], n]).
// Sources: AutoGPTQ auto_gptq/nn_modules/qlinear/qlinear_cuda_old.py (pack(): "zeros -= 1", the
// `qweight[row] |= intweight[j] << (bits * (j - i))` loop, and forward()'s "zeros = zeros + 1"),
// GPTQModel's gptq_v1 <-> v2 conversion, vLLM's gptq.py (qweight packed_dim 0, qzeros packed_dim 1).
// v1 cannot hold a zero of 0 (stored as -1, read back as 16): the quantizer keeps zeros in 1..15.
#include "core/layers/torch_util.h"

#include <optional>

namespace awq::engine {

struct GptqTensors {
    at::Tensor qweight;  // int32 [K/8, N]
    at::Tensor qzeros;   // int32 [G, N/8]
    at::Tensor scales;   // fp16  [G, N]
    at::Tensor gIdx;     // int32 [K]
};

// q [N, K] and zeros [N, G] hold integers 0..15 (any dtype; zeros 1..15 for v1), scales [N, G],
// gIdx [K] (any integer dtype). Requires K % 8 == 0 and N % 8 == 0. Returns CPU tensors.
GptqTensors packGptq(const at::Tensor& q, const at::Tensor& zeros, const at::Tensor& scales, const at::Tensor& gIdx);

// The same weight in the AutoAWQ GEMM layout (kernels/awq_layout.h), so that it runs on the W4A16
// kernels, where GPTQ's allows it: groups in input order (g_idx[k] = k / groupSize: no act-order),
// K % groupSize == 0 and every zero in 0..15 (a v1 zero of 0 reads back as 16). dequantizeAwq of the
// result equals dequantizeGptq bit for bit (both fp16((q - z) * s)). nullopt otherwise. Torch ops
// on the tensors' device.
struct AwqTensors {
    at::Tensor qweight;  // int32 [K, N/8]
    at::Tensor qzeros;   // int32 [G, N/8]
    at::Tensor scales;   // fp16  [G, N]
};
std::optional<AwqTensors> gptqAsAwq(const GptqTensors& t, bool zerosMinusOne, int groupSize);

// The dense weight [K, N] of `dtype` (torch ops, on the tensors' device). `zerosMinusOne`: the
// "gptq" (v1) checkpoint format; false for "gptq_v2". Rounded through fp16 as the kernels compute it.
at::Tensor dequantizeGptq(const GptqTensors& t, bool zerosMinusOne, at::ScalarType dtype);

}  // namespace awq::engine
