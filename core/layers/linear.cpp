#include "core/layers/linear.h"

#include "core/layers/awq_cuda_linear.h"
#include "core/layers/gptq_layout.h"
#include "core/layers/tensor_names.h"
#include "core/util/error.h"
#include "core/util/log_line.h"
#include "kernels/awq_layout.h"

#include <algorithm>
#include <mutex>

namespace awq::engine {
namespace {

// The parts' biases end to end (zeros for a part without one), or undefined when none has one.
template <typename Part>
at::Tensor concatBiases(const std::vector<const Part*>& parts, const std::vector<at::Tensor>& biases) {
    const auto withBias = std::find_if(biases.begin(), biases.end(), [](const at::Tensor& b) { return b.defined(); });
    if (withBias == biases.end()) return {};
    std::vector<at::Tensor> filled;
    for (std::size_t i = 0; i < parts.size(); ++i)
        filled.push_back(biases[i].defined() ? biases[i] : at::zeros({parts[i]->outFeatures()}, withBias->options()));
    return at::cat(filled, 0);
}

// CPU (and the GPU fallback when our kernels are not built in): dequantize on the fly, then a
// dense matmul. Memory stays at the packed size between calls.
class AwqLinear final : public Linear {
public:
    AwqLinear(at::Tensor qw, at::Tensor qz, at::Tensor s, at::Tensor b, int groupSize, at::ScalarType compute)
        : qweight_(std::move(qw)), qzeros_(std::move(qz)), scales_(std::move(s)), bias_(std::move(b)),
          groupSize_(groupSize), compute_(compute) {}

    at::Tensor forward(const at::Tensor& x) const override {
        if (repacked_.defined()) {
            auto y = awqCudaRepackedLinear(x, repacked_);
            return bias_.defined() ? y + bias_ : y;
        }
        if (x.is_cuda()) {
            if (auto y = awqCudaLinear(x, qweight_, qzeros_, scales_, groupSize_); y.defined())
                return bias_.defined() ? y + bias_ : y;
            static std::once_flag warned;  // once a process: the step would print it for every linear
            std::call_once(warned, [&] {
                log::warn("engine: the AWQ CUDA kernels are not built in or do not take a " + std::to_string(inFeatures()) + " -> " +
                          std::to_string(outFeatures()) + " linear with " + std::string(c10::toString(x.scalar_type())) +
                          " activations: its weight is dequantized with torch on every call (much slower); float16 or bfloat16 "
                          "compute takes the kernels");
            });
        }
        const auto w = dequantizeAwq(qweight_, qzeros_, scales_, groupSize_, compute_);
        auto y = at::matmul(x, w);
        return bias_.defined() ? y + bias_ : y;
    }
    at::Tensor forwardFusedDecode(const at::Tensor& x, const DecodeFusion& fusion) const override {
        // A bias goes on y: after a residual epilogue or SiLU it would land on the wrong values.
        if (!repacked_.defined() || (bias_.defined() && (fusion.residual.defined() || fusion.output != DecodeFusion::Output::plain))) return {};
        auto y = awqCudaRepackedLinearFused(x, repacked_, fusion);
        return bias_.defined() && y.defined() ? y + bias_ : y;
    }
    std::uint64_t bytes() const override {
        return byteSize(qweight_) + byteSize(qzeros_) + byteSize(scales_) + byteSize(bias_) + byteSize(repacked_.qpack) +
               byteSize(repacked_.scaleZeros) + byteSize(repacked_.splitCounters);
    }
    int inFeatures() const override { return repacked_.defined() ? repacked_.K : int(qweight_.size(0)); }
    int outFeatures() const override { return repacked_.defined() ? repacked_.N : int(qweight_.size(1) * 8); }

    void repackForCuda() override {
        // The decode layout's kernels take fp16/bf16 activations; float32 on a GPU keeps the
        // AutoAWQ tensors (dequantized per call by torch).
        if (repacked_.defined() || !qweight_.is_cuda() || (compute_ != at::kHalf && compute_ != at::kBFloat16)) return;
        repacked_ = awqCudaRepack(qweight_, qzeros_, scales_, groupSize_);
        if (repacked_.defined()) qweight_ = qzeros_ = scales_ = at::Tensor();  // the decode layout replaces them
    }

    // Concatenated along N: each part's packed columns, zeros and scales side by side.
    static std::unique_ptr<AwqLinear> fuse(const std::vector<const AwqLinear*>& parts) {
        std::vector<at::Tensor> qweights, qzeros, scales, biases;
        for (const auto* p : parts) {
            if (p->repacked_.defined() || p->groupSize_ != parts[0]->groupSize_ || p->inFeatures() != parts[0]->inFeatures()) return nullptr;
            qweights.push_back(p->qweight_);
            qzeros.push_back(p->qzeros_);
            scales.push_back(p->scales_);
            biases.push_back(p->bias_);
        }
        return std::make_unique<AwqLinear>(at::cat(qweights, 1), at::cat(qzeros, 1), at::cat(scales, 1), concatBiases(parts, biases),
                                           parts[0]->groupSize_, parts[0]->compute_);
    }

private:
    at::Tensor qweight_, qzeros_, scales_, bias_;
    RepackedAwqWeight repacked_;  // set by repackForCuda
    int groupSize_;
    at::ScalarType compute_;
};

}  // namespace

std::uint64_t DenseLinear::bytes() const { return byteSize(weight_) + byteSize(bias_); }

at::Tensor LoraLinear::forward(const at::Tensor& x) const {
    // Two thin matmuls (r columns in between) instead of a merged [N, K] update: the base weight
    // stays as loaded (packed AWQ included) and the adapter costs (K + N) * r per token.
    return base_->forward(x) + at::linear(at::linear(x, a_), b_) * scale_;
}

std::uint64_t LoraLinear::bytes() const { return base_->bytes() + byteSize(a_) + byteSize(b_); }

std::unique_ptr<Linear> fuseLinears(const std::vector<const Linear*>& parts) {
    if (parts.empty()) return nullptr;
    std::vector<const DenseLinear*> dense;
    std::vector<const AwqLinear*> awq;
    for (const Linear* p : parts) {
        if (const auto* d = dynamic_cast<const DenseLinear*>(p)) dense.push_back(d);
        if (const auto* a = dynamic_cast<const AwqLinear*>(p)) awq.push_back(a);
    }
    if (awq.size() == parts.size()) return AwqLinear::fuse(awq);
    if (dense.size() != parts.size()) return nullptr;
    std::vector<at::Tensor> weights, biases;
    for (const auto* d : dense) {
        if (d->inFeatures() != dense[0]->inFeatures() || d->weight().scalar_type() != dense[0]->weight().scalar_type()) return nullptr;
        weights.push_back(d->weight());
        biases.push_back(d->bias());
    }
    return std::make_unique<DenseLinear>(at::cat(weights, 0), concatBiases(dense, biases));
}

at::Tensor dequantizeAwq(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int groupSize,
                         at::ScalarType dtype) {
    int shiftOfColumn[8];  // column c of each block of eight sits in nibble awqNibbleOfColumn(c)
    for (int c = 0; c < 8; ++c) shiftOfColumn[c] = 4 * kernels::awqNibbleOfColumn(c);
    const auto shifts = at::from_blob(shiftOfColumn, {8}, at::kInt).to(qweight.device());
    auto unpack = [&](const at::Tensor& packed) {
        return at::bitwise_and(at::bitwise_right_shift(packed.unsqueeze(-1), shifts), 0xF).reshape({packed.size(0), -1});
    };
    const auto q = unpack(qweight).to(at::kFloat);                                 // [K, N]
    const auto z = unpack(qzeros).to(at::kFloat).repeat_interleave(groupSize, 0);  // [K, N]
    const auto s = scales.to(at::kFloat).repeat_interleave(groupSize, 0);         // [K, N]
    // Rounded to fp16 as AutoAWQ's dequantize_gemm and the GPU kernels produce it (the float
    // product of a 4-bit integer and an fp16 scale is exact, so this is one correct rounding).
    return ((q - z) * s).to(at::kHalf).to(dtype);
}

std::unique_ptr<Linear> loadLinear(const LoadContext& ctx, const std::string& prefix, int outFeatures, int inFeatures) {
    const WeightLoader weights(ctx.store, ctx.compute, ctx.device);
    const int64_t N = outFeatures, K = inFeatures;
    auto name = [&](std::string_view suffix) { return prefix + std::string(suffix); };
    const at::Tensor bias = weights.optional(name(hf::kBias), {N});
    if (weights.has(name(hf::kWeight))) return std::make_unique<DenseLinear>(weights.required(name(hf::kWeight), {N, K}), bias);
    const int64_t group = ctx.groupSize > 0 ? ctx.groupSize : K;  // -1: one group per output channel
    if (weights.has(name(hf::kQweight)) && ctx.gptq) {
        // Groups: K / group in input order, or as many as g_idx names with act-order.
        GptqTensors t{weights.required(name(hf::kQweight), {K / 8, N}, at::kInt), weights.required(name(hf::kQzeros), {kAnyExtent, N / 8}, at::kInt),
                      weights.required(name(hf::kScales), {kAnyExtent, N}, at::kHalf), weights.optional(name(hf::kGIdx), {K}, at::kInt)};
        if (!t.gIdx.defined()) t.gIdx = at::arange(K, t.qweight.options().dtype(at::kLong)).div(group, "floor");
        const int64_t groups = t.scales.size(0);
        if (t.qzeros.size(0) != groups || (K > 0 && (t.gIdx.min().item<int64_t>() < 0 || t.gIdx.max().item<int64_t>() >= groups)))
            throw Error("GPTQ tensors of '" + prefix + "' do not fit together (qweight, qzeros, scales, g_idx)", ctx.store.folder(),
                        "re-download or re-quantize the model");
        // On the GPU, GPTQ without act-order runs packed on the AWQ kernels (the same weight);
        // elsewhere, and with act-order, dense.
        if (ctx.device.is_cuda())
            if (auto awq = gptqAsAwq(t, ctx.gptqZerosMinusOne, int(group)))
                return std::make_unique<AwqLinear>(std::move(awq->qweight), std::move(awq->qzeros), std::move(awq->scales), bias, int(group),
                                                   ctx.compute);
        return std::make_unique<DenseLinear>(dequantizeGptq(t, ctx.gptqZerosMinusOne, ctx.compute).t().contiguous(), bias);
    }
    if (weights.has(name(hf::kQweight))) {
        if (K % group != 0)
            throw Error("AWQ linear '" + prefix + "' has " + std::to_string(K) + " inputs, not a multiple of group size " + std::to_string(ctx.groupSize),
                        ctx.store.folder(), "check quantization_config.group_size in config.json");
        auto qweight = weights.required(name(hf::kQweight), {K, N / 8}, at::kInt);
        auto qzeros = weights.required(name(hf::kQzeros), {K / group, N / 8}, at::kInt);
        auto scales = weights.required(name(hf::kScales), {K / group, N}, at::kHalf);
        if (ctx.dequantizeAwq)  // [N, K] for at::linear, rounded exactly as the kernels dequantize
            return std::make_unique<DenseLinear>(dequantizeAwq(qweight, qzeros, scales, int(group), ctx.compute).t().contiguous(), bias);
        return std::make_unique<AwqLinear>(std::move(qweight), std::move(qzeros), std::move(scales), bias, int(group), ctx.compute);
    }
    throw Error("no weight for '" + prefix + "' (neither .weight nor .qweight)", ctx.store.folder(),
                "the weights are incomplete: re-download or re-quantize the model");
}

}  // namespace awq::engine
