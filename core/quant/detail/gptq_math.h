#pragma once
// The GPTQ algorithm's arithmetic (Frantar et al., ICLR 2023, "GPTQ: Accurate Post-Training
// Quantization for Generative Pre-trained Transformers"), as AutoGPTQ / GPTQModel's gptq.py run it:
// per linear, the Hessian of the layer-wise squared error H = 2 X^T X / tokens, damping, dead
// columns, optional act-order, then column by column round-to-nearest with the error spread over
// the columns not yet quantized through the upper Cholesky factor of H^-1, in blocks of 128
// columns. Asymmetric 4-bit with a zero point, per group of input channels. float32 math on the
// weight's device (CPU or CUDA).
#include "core/layers/gptq_layout.h"
#include "core/layers/torch_util.h"

#include <cstdint>
#include <stop_token>

namespace awq::quant {

// Sums x^T x of one linear's inputs over the calibration tokens, chunk by chunk (float32 [K, K]).
class HessianSum {
public:
    void add(const at::Tensor& chunk);  // [..., K] activations
    at::Tensor hessian() const;         // 2 X^T X / tokens, float32 [K, K]
    std::int64_t tokens() const { return tokens_; }

private:
    at::Tensor sum_;
    std::int64_t tokens_ = 0;
};

struct GptqOptions {
    int groupSize = 128;        // 32, 64, 128, or -1 (one group over all of K)
    bool actOrder = false;      // desc_act: quantize columns by descending diag(H)
    double dampPercent = 0.01;  // damping: this share of the mean of diag(H) is added to the diagonal
    int blockSize = 128;        // columns updated together (lazy batch updates); a multiple of groupSize
    bool sym = false;           // symmetric grid: zero 8 and the range +-max|w| (GPTQ's Quantizer.find_params with sym)
};

struct GptqResult {
    at::Tensor dequantized;  // [N, K], the weight's dtype: what the checkpoint dequantizes to
    at::Tensor q;            // [N, K] 0..15 (float), original column order
    at::Tensor scales;       // [N, groups] float32 holding fp16 values (as stored)
    at::Tensor zeros;        // [N, groups] 1..15 (float): the v1 layout cannot store a zero of 0; all 8 with sym
    at::Tensor gIdx;         // [K] int64, the group of each input channel
    double dampUsed = 0;     // the damping share that made H positive definite (raised x10 on failure)
};

// Quantizes w [N, K] against the Hessian of its inputs, hessian [K, K] (HessianSum::hessian()).
// Throws awq::Error when H stays singular with 100x the damping; quant::Cancelled on `stop`
// (checked per block of columns).
GptqResult gptqQuantize(const at::Tensor& w, const at::Tensor& hessian, const GptqOptions& options, const std::stop_token& stop = {});

// The checkpoint tensors of a result (core/layers/gptq_layout.h).
engine::GptqTensors packGptqResult(const GptqResult& r);

}  // namespace awq::quant
