#include "core/quant/detail/checkpoint_layout.h"

#include "core/engine/detail/torch_util.h"
#include "core/model/safetensors.h"
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/layer_quantizer.h"
#include "core/util/error.h"
#include "kernels/cpu/awq_dequant_ref.h"

#include <cstring>

namespace awq::quant {
using namespace awq::engine;

ShardTensor toShardTensor(const std::string& name, const at::Tensor& t, DType dtype) {
    const auto cpu = t.to(at::kCPU, dtype == DType::F16 ? at::kHalf : at::kInt).contiguous();
    ShardTensor h{name, dtype, {cpu.sizes().begin(), cpu.sizes().end()}, {}};
    h.bytes.resize(cpu.numel() * cpu.element_size());
    std::memcpy(h.bytes.data(), cpu.data_ptr(), h.bytes.size());
    return h;
}

namespace {

// A decoder layer's linears under their checkpoint names, in the order they are stored.
std::vector<std::pair<std::string, std::unique_ptr<Linear>*>> namedLinears(DecoderLayer& layer) {
    return {{"self_attn.q_proj", &layer.q}, {"self_attn.k_proj", &layer.k}, {"self_attn.v_proj", &layer.v}, {"self_attn.o_proj", &layer.o},
            {"mlp.gate_proj", &layer.gate},  {"mlp.up_proj", &layer.up},     {"mlp.down_proj", &layer.down}};
}

std::string layerPrefix(int l) { return "model.layers." + std::to_string(l) + "."; }

// The layer's norms in fp16 (AWQ scales folded in), first in the layer's file.
std::vector<ShardTensor> storedNorms(const DecoderLayer& layer, const ModelConfig& c, const std::string& p) {
    std::vector<ShardTensor> out;
    out.push_back(toShardTensor(p + "input_layernorm.weight", layer.inputNorm, DType::F16));
    out.push_back(toShardTensor(p + "post_attention_layernorm.weight", layer.postAttentionNorm, DType::F16));
    if (c.qkNorm) {
        out.push_back(toShardTensor(p + "self_attn.q_norm.weight", layer.qNorm, DType::F16));
        out.push_back(toShardTensor(p + "self_attn.k_norm.weight", layer.kNorm, DType::F16));
    }
    return out;
}

// The AutoAWQ GEMM layout of one linear from its group quantization gq of weight [N, K].
void packAwqLinear(const std::string& prefix, const GroupQuantized& gq, const at::Tensor& bias, std::vector<ShardTensor>& out) {
    const int64_t N = gq.q.size(0), K = gq.q.size(1);
    const auto q = gq.q.t().contiguous().to(at::kCPU, at::kByte);       // [K, N]
    const auto z = gq.zeros.t().contiguous().to(at::kCPU, at::kByte);   // [K/G, N]
    const int64_t groups = z.size(0);
    auto qweight = at::empty({K, N / 8}, at::kInt);
    auto qzeros = at::empty({groups, N / 8}, at::kInt);
    kernels::packAwqGemm(q.data_ptr<std::uint8_t>(), int(K), int(N), qweight.data_ptr<std::int32_t>());
    kernels::packAwqGemm(z.data_ptr<std::uint8_t>(), int(groups), int(N), qzeros.data_ptr<std::int32_t>());
    out.push_back(toShardTensor(prefix + ".qweight", qweight, DType::I32));
    out.push_back(toShardTensor(prefix + ".qzeros", qzeros, DType::I32));
    out.push_back(toShardTensor(prefix + ".scales", gq.scales.t().contiguous(), DType::F16));
    if (bias.defined()) out.push_back(toShardTensor(prefix + ".bias", bias, DType::F16));
}

}  // namespace

std::vector<ShardTensor> quantizeAwqLayerForStorage(DecoderLayer& layer, const ModelConfig& c, int l, int groupSize) {
    const std::string p = layerPrefix(l);
    auto out = storedNorms(layer, c, p);
    for (const auto& [name, lin] : namedLinears(layer)) {
        auto& w = dense(*lin).weight();
        const auto gq = pseudoQuantize(w, groupSize);  // once: packed, and its dequantized value becomes the weight
        packAwqLinear(p + name, gq, dense(*lin).bias(), out);
        w = gq.dequantized;
    }
    return out;
}

std::vector<ShardTensor> gptqLayerForStorage(DecoderLayer& layer, const ModelConfig& c, int l,
                                             const std::map<const Linear*, GptqTensors>& packed) {
    const std::string p = layerPrefix(l);
    auto out = storedNorms(layer, c, p);
    for (const auto& [name, lin] : namedLinears(layer)) {
        const std::string prefix = p + name;
        const GptqTensors& t = packed.at(lin->get());
        out.push_back(toShardTensor(prefix + ".qweight", t.qweight, DType::I32));
        out.push_back(toShardTensor(prefix + ".qzeros", t.qzeros, DType::I32));
        out.push_back(toShardTensor(prefix + ".scales", t.scales, DType::F16));
        out.push_back(toShardTensor(prefix + ".g_idx", t.gIdx, DType::I32));
        if (const auto& bias = dense(*lin).bias(); bias.defined()) out.push_back(toShardTensor(prefix + ".bias", bias, DType::F16));
    }
    return out;
}

void loadWrittenGptqLayer(DecoderLayer& layer, int l, const SafetensorsFile& file, const at::Device& device) {
    auto tensor = [&](const std::string& name, at::ScalarType type) {
        const TensorInfo* t = file.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing from the finished layer", file.path(), "delete the .partial folder and start over");
        return loadTensor(file.data(*t), *t, type, device);
    };
    const std::string p = layerPrefix(l);
    for (const auto& [name, lin] : namedLinears(layer)) {
        const GptqTensors t{tensor(p + name + ".qweight", at::kInt), tensor(p + name + ".qzeros", at::kInt), tensor(p + name + ".scales", at::kHalf),
                            tensor(p + name + ".g_idx", at::kInt)};
        auto& w = dense(*lin).weight();
        w = dequantizeGptq(t, true, w.scalar_type()).t().contiguous();
    }
}

std::vector<std::pair<std::string, const TensorInfo*>> embeddingAndHeadTensors(const TensorStore& store, bool tied) {
    const TensorInfo* embed = store.find("model.embed_tokens.weight");
    const TensorInfo* head = store.find("lm_head.weight");
    std::vector<std::pair<std::string, const TensorInfo*>> out;
    if (const TensorInfo* e = embed ? embed : tied ? head : nullptr) out.emplace_back("model.embed_tokens.weight", e);
    if (const TensorInfo* n = store.find("model.norm.weight")) out.emplace_back("model.norm.weight", n);
    if (!tied && head) out.emplace_back("lm_head.weight", head);
    return out;
}

}  // namespace awq::quant
