#include "core/engine/detail/linear.h"

#include "core/engine/detail/awq_cuda_linear.h"
#include "core/util/error.h"

namespace awq::engine {
namespace {

std::uint64_t byteSize(const at::Tensor& t) { return t.defined() ? std::uint64_t(t.numel()) * t.element_size() : 0; }

// CPU (and the GPU fallback when our kernels are not built in): dequantize on the fly, then a
// dense matmul. Memory stays at the packed size between calls.
class AwqLinear final : public Linear {
public:
    AwqLinear(at::Tensor qw, at::Tensor qz, at::Tensor s, at::Tensor b, int groupSize, at::ScalarType compute)
        : qweight_(std::move(qw)), qzeros_(std::move(qz)), scales_(std::move(s)), bias_(std::move(b)),
          groupSize_(groupSize), compute_(compute) {}

    at::Tensor forward(const at::Tensor& x) const override {
        if (x.is_cuda()) {
            if (auto y = awqCudaLinear(x, qweight_, qzeros_, scales_, groupSize_); y.defined())
                return bias_.defined() ? y + bias_ : y;
        }
        const auto w = dequantizeAwq(qweight_, qzeros_, scales_, groupSize_, compute_);
        auto y = at::matmul(x, w);
        return bias_.defined() ? y + bias_ : y;
    }
    std::uint64_t bytes() const override { return byteSize(qweight_) + byteSize(qzeros_) + byteSize(scales_) + byteSize(bias_); }
    int inFeatures() const override { return int(qweight_.size(0)); }
    int outFeatures() const override { return int(qweight_.size(1) * 8); }

private:
    at::Tensor qweight_, qzeros_, scales_, bias_;
    int groupSize_;
    at::ScalarType compute_;
};

}  // namespace

std::uint64_t DenseLinear::bytes() const { return byteSize(weight_) + byteSize(bias_); }

at::Tensor dequantizeAwq(const at::Tensor& qweight, const at::Tensor& qzeros, const at::Tensor& scales, int groupSize,
                         at::ScalarType dtype) {
    // Column c of each block of eight sits in nibble (c/2) + 4*(c%2) (kernels/awq_layout.h).
    static const int64_t kShifts[8] = {0, 16, 4, 20, 8, 24, 12, 28};
    const auto shifts = at::from_blob(const_cast<int64_t*>(kShifts), {8}, at::kLong).to(qweight.device()).to(at::kInt);
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

std::unique_ptr<Linear> loadLinear(const LoadContext& ctx, const std::string& prefix) {
    const auto& store = ctx.store;
    auto optional = [&](const std::string& name, at::ScalarType type) {
        const TensorInfo* t = store.find(name);
        return t ? loadTensor(store, *t, type, ctx.device) : at::Tensor();
    };
    auto required = [&](const std::string& name, at::ScalarType type) {
        const TensorInfo* t = store.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing", store.folder(), "the weights are incomplete: re-download or re-quantize the model");
        return loadTensor(store, *t, type, ctx.device);
    };
    const at::Tensor bias = optional(prefix + ".bias", ctx.compute);
    if (store.find(prefix + ".weight")) return std::make_unique<DenseLinear>(required(prefix + ".weight", ctx.compute), bias);
    if (store.find(prefix + ".qweight")) {
        auto qweight = required(prefix + ".qweight", at::kInt);
        auto qzeros = required(prefix + ".qzeros", at::kInt);
        auto scales = required(prefix + ".scales", at::kHalf);
        const int64_t K = qweight.size(0);
        const int64_t group = ctx.groupSize > 0 ? ctx.groupSize : K;  // -1: one group per output channel
        if (K % group != 0 || qzeros.size(0) != K / group || scales.size(0) != K / group || scales.size(1) != qweight.size(1) * 8)
            throw Error("AWQ tensors of '" + prefix + "' do not match group size " + std::to_string(ctx.groupSize), store.folder(),
                        "check quantization_config.group_size in config.json");
        return std::make_unique<AwqLinear>(std::move(qweight), std::move(qzeros), std::move(scales), bias, int(group), ctx.compute);
    }
    throw Error("no weight for '" + prefix + "' (neither .weight nor .qweight)", store.folder(),
                "the weights are incomplete: re-download or re-quantize the model");
}

}  // namespace awq::engine
