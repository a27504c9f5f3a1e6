#include "core/layers/gptq_layout.h"

#include "kernels/awq_layout.h"

namespace awq::engine {
namespace {

// Nibble j of each packed word holds element 8i+j of the packed dimension (low nibble first).
at::Tensor nibbleShifts(const at::Device& device) { return at::arange(0, 32, 4, at::TensorOptions(at::kInt).device(device)); }

// [..., M] integers 0..15 -> [..., M/8] int32, packing along the last dimension.
at::Tensor packLastDim(const at::Tensor& values) {
    const auto v = values.to(at::kCPU, at::kLong).contiguous();
    auto grouped = v.view({v.size(0), v.size(1) / 8, 8});
    const auto shifted = at::bitwise_left_shift(at::bitwise_and(grouped, 0xF), nibbleShifts(at::kCPU).to(at::kLong));
    // Disjoint bits: the sum is the bitwise OR; wrap into int32 as the reference's uint32 -> int32 view does.
    auto word = shifted.sum(-1);
    word = at::where(word >= (int64_t(1) << 31), word - (int64_t(1) << 32), word);
    return word.to(at::kInt);
}

// [..., M/8] int32 -> [..., M] int32 values 0..15.
at::Tensor unpackLastDim(const at::Tensor& packed) {
    const auto nibbles = at::bitwise_and(at::bitwise_right_shift(packed.unsqueeze(-1), nibbleShifts(packed.device())), 0xF);
    return nibbles.reshape({packed.size(0), -1});
}

// [R, N] integers 0..15 -> [R, N/8] int32 in AutoAWQ's nibble order, on the values' device.
at::Tensor packAwqColumns(const at::Tensor& values) {
    std::int64_t shifts[8];
    for (int c = 0; c < 8; ++c) shifts[c] = 4 * kernels::awqNibbleOfColumn(c);
    const auto shift = at::from_blob(shifts, {8}, at::kLong).to(values.device());
    const auto v = values.to(at::kLong).view({values.size(0), values.size(1) / 8, 8});
    auto word = at::bitwise_left_shift(v, shift).sum(-1);  // disjoint bits: the sum is the OR
    word = at::where(word >= (std::int64_t(1) << 31), word - (std::int64_t(1) << 32), word);
    return word.to(at::kInt);
}

}  // namespace

std::optional<AwqTensors> gptqAsAwq(const GptqTensors& t, bool zerosMinusOne, int groupSize) {
    const std::int64_t K = t.qweight.size(0) * 8, N = t.qweight.size(1);
    if (groupSize <= 0 || K % groupSize != 0 || N % 8 != 0 || t.scales.size(0) != K / groupSize) return std::nullopt;
    const auto inOrder = at::arange(K, t.gIdx.options().dtype(at::kLong)).div(groupSize, "floor");
    if (!at::equal(t.gIdx.to(at::kLong), inOrder)) return std::nullopt;  // act-order: groups are not contiguous in k
    auto z = unpackLastDim(t.qzeros);                                    // [G, N]
    if (zerosMinusOne) z = z + 1;
    if (z.max().item<int>() > 15) return std::nullopt;
    const auto q = unpackLastDim(t.qweight.t().contiguous()).t().contiguous();  // [K, N]
    return AwqTensors{packAwqColumns(q), packAwqColumns(z), t.scales.to(at::kHalf).contiguous()};
}

GptqTensors packGptq(const at::Tensor& q, const at::Tensor& zeros, const at::Tensor& scales, const at::Tensor& gIdx) {
    GptqTensors t;
    t.qweight = packLastDim(q).t().contiguous();  // rows of q [N, K] packed along K: [N, K/8] -> [K/8, N]
    t.qzeros = packLastDim((zeros.to(at::kLong) - 1).t().contiguous());  // [G, N] stored as zero - 1 -> [G, N/8]
    t.scales = scales.t().contiguous().to(at::kCPU, at::kHalf);
    t.gIdx = gIdx.to(at::kCPU, at::kInt).contiguous();
    return t;
}

at::Tensor dequantizeGptq(const GptqTensors& t, bool zerosMinusOne, at::ScalarType dtype) {
    const auto q = unpackLastDim(t.qweight.t().contiguous()).t();           // [K, N]
    auto z = unpackLastDim(t.qzeros);                                         // [G, N]
    if (zerosMinusOne) z = z + 1;
    const auto g = t.gIdx.to(at::kLong);
    const auto s = t.scales.to(at::kFloat).index_select(0, g);               // [K, N]
    const auto zk = z.to(at::kFloat).index_select(0, g);                      // [K, N]
    return ((q.to(at::kFloat) - zk) * s).to(at::kHalf).to(dtype);
}

}  // namespace awq::engine
