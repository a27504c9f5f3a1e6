#pragma once
// The scale search's two hot spots as single GPU kernels (kernels/cuda/quant_ops.h): the candidate
// weight (awqFakeQuantize) and the loss (squaredErrorPartials), where torch has CUDA and our kernels
// are built; elsewhere the *Applies functions are false.
#include <ATen/ATen.h>

namespace awq::quant {

// w: a contiguous fp16/bf16 CUDA tensor [N, K]; groupSize (K for a whole row when <= 0) divides K and is a
// multiple of 32; columnScales, when defined, a contiguous [K] or [1, K] tensor of w's dtype on w's device.
bool fusedFakeQuantizeApplies(const at::Tensor& w, const at::Tensor& columnScales, int groupSize);

// pseudoQuantize(w * s, G).dequantized / s bit for bit as torch's CUDA ops compute it (awq_math.h);
// without s, pseudoQuantize(w, G).dequantized. Throws awq::Error where !fusedFakeQuantizeApplies or the
// launch fails.
at::Tensor fusedFakeQuantize(const at::Tensor& w, const at::Tensor& columnScales, int groupSize);

// a and b: contiguous fp16/bf16 CUDA tensors of one dtype, device and element count.
bool fusedSquaredErrorApplies(const at::Tensor& a, const at::Tensor& b);

// sum((float(a) - float(b))^2) as a 0-dim float64 tensor on a's device (no host sync). Throws
// awq::Error where !fusedSquaredErrorApplies or the launch fails.
at::Tensor fusedSquaredError(const at::Tensor& a, const at::Tensor& b);

}  // namespace awq::quant
