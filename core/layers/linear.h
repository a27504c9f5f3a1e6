#pragma once
// A linear layer y = x W^T (+ b) whose weight is dense or AWQ 4-bit (AutoAWQ GEMM layout, kept
// packed in memory: about a quarter of the fp16 bytes). GPTQ 4-bit weights are dequantized at load.
#include "core/layers/awq_cuda_linear.h"
#include "core/layers/torch_util.h"
#include "core/layers/weight_loader.h"

#include <memory>
#include <string>
#include <vector>

namespace awq::engine {

struct LoadContext {
    const TensorStore& store;
    at::ScalarType compute;
    at::Device device;
    int groupSize = 128;  // from quantization_config
    // Dequantize AWQ weights once here into dense `compute` weights (the CPU engine: one BLAS
    // matmul per call instead of a dequantization per call, at the dense weights' memory cost).
    bool dequantizeAwq = false;
    // GPTQ checkpoints (quant_method "gptq"): qweight/qzeros/scales/g_idx in the GPTQ layout
    // (gptq_layout.h), dequantized at load into dense `compute` weights on any device.
    bool gptq = false;
    bool gptqZerosMinusOne = true;  // checkpoint_format "gptq" (v1); false for "gptq_v2"
};

class Linear {
public:
    virtual ~Linear() = default;
    virtual at::Tensor forward(const at::Tensor& x) const = 0;  // x [..., K] -> [..., N]
    virtual std::uint64_t bytes() const = 0;
    virtual int inFeatures() const = 0;
    virtual int outFeatures() const = 0;
    // On CUDA, AWQ weights switch to the decode layout (kernels/cuda/awq_repacked.h) where the
    // shape allows it, releasing the AutoAWQ tensors; other linears keep what they hold.
    virtual void repackForCuda() {}
    // The fused decode step's neighbours done inside this linear's kernel (DecodeFusion in
    // awq_cuda_linear.h: SiLU of gate|up or the RMSNorm on the way in, the residual add on the way
    // out): y, or the updated residual; undefined where this linear has no such kernel (repacked
    // AWQ weights only, without a bias where a residual is given) and the caller runs the plain ops.
    virtual at::Tensor forwardFusedDecode(const at::Tensor& /*x*/, const DecodeFusion& /*fusion*/) const { return {}; }
};

// A dense weight [N, K] (+ bias [N]). The quantizer edits the weight in place (scaling, clipping).
class DenseLinear final : public Linear {
public:
    DenseLinear(at::Tensor weight, at::Tensor bias) : weight_(std::move(weight)), bias_(std::move(bias)) {}
    at::Tensor forward(const at::Tensor& x) const override { return at::linear(x, weight_, bias_); }
    std::uint64_t bytes() const override;
    int inFeatures() const override { return int(weight_.size(1)); }
    int outFeatures() const override { return int(weight_.size(0)); }

    at::Tensor& weight() { return weight_; }
    const at::Tensor& weight() const { return weight_; }
    const at::Tensor& bias() const { return bias_; }

private:
    at::Tensor weight_, bias_;
};

// A linear with a LoRA update on top: y = base(x) + scale * (x A^T) B^T, A [r, K] and B [N, r] in
// the compute dtype on the base's device. It is neither dense nor AWQ, so fuseLinears() never fuses
// it: on CUDA a layer with an adapted q/k/v (gate/up) keeps separate projections, and the fused
// decode kernels (which need every layer fused) give way to the torch ops.
class LoraLinear final : public Linear {
public:
    LoraLinear(std::unique_ptr<Linear> base, at::Tensor a, at::Tensor b, double scale)
        : base_(std::move(base)), a_(std::move(a)), b_(std::move(b)), scale_(scale) {}
    at::Tensor forward(const at::Tensor& x) const override;
    std::uint64_t bytes() const override;
    int inFeatures() const override { return base_->inFeatures(); }
    int outFeatures() const override { return base_->outFeatures(); }
    void repackForCuda() override { base_->repackForCuda(); }

private:
    std::unique_ptr<Linear> base_;
    at::Tensor a_, b_;
    double scale_;
};

// Loads "<prefix>.weight" (dense), "<prefix>.qweight/.qzeros/.scales" (AWQ) or, with ctx.gptq,
// "<prefix>.qweight/.qzeros/.scales/.g_idx" (GPTQ; g_idx optional: k / group), plus an optional
// "<prefix>.bias", through WeightLoader: shapes checked against `outFeatures` x `inFeatures` (N x K,
// from the config) and the group size. Throws awq::Error naming the missing or misshapen tensor.
std::unique_ptr<Linear> loadLinear(const LoadContext& ctx, const std::string& prefix, int outFeatures, int inFeatures);

// One linear computing the given ones side by side (outputs concatenated in order), or nullptr
// when they cannot share one weight (different kinds, inputs or group sizes). The parts stay valid.
std::unique_ptr<Linear> fuseLinears(const std::vector<const Linear*>& parts);

// Dequantizes AutoAWQ GEMM tensors to a dense [K, N] tensor of `dtype` (torch ops; CPU or GPU).
at::Tensor dequantizeAwq(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int groupSize,
                         at::ScalarType dtype);

}  // namespace awq::engine
