#include "core/quant/detail/checkpoint_layout.h"

#include "core/layers/tensor_names.h"
#include "core/layers/torch_util.h"
#include "core/layers/weight_loader.h"
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
    std::unique_ptr<Linear>* linears[] = {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down};
    static_assert(std::size(linears) == std::size(hf::kProjectionNames));  // the same order
    std::vector<std::pair<std::string, std::unique_ptr<Linear>*>> out;
    for (std::size_t i = 0; i < std::size(linears); ++i) out.emplace_back(hf::kProjectionNames[i], linears[i]);
    return out;
}

// The layer's norms in fp16 (AWQ scales folded in), first in the layer's file.
std::vector<ShardTensor> storedNorms(const DecoderLayer& layer, const ModelConfig& c, const std::string& p) {
    std::vector<ShardTensor> out;
    const auto name = [&](std::string_view tensor) { return p + std::string(tensor); };
    out.push_back(toShardTensor(name(hf::kInputNorm), layer.inputNorm, DType::F16));
    out.push_back(toShardTensor(name(hf::kPostAttentionNorm), layer.postAttentionNorm, DType::F16));
    if (c.qkNorm) {
        out.push_back(toShardTensor(name(hf::kQNorm), layer.qNorm, DType::F16));
        out.push_back(toShardTensor(name(hf::kKNorm), layer.kNorm, DType::F16));
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
    const auto name = [&](std::string_view suffix) { return prefix + std::string(suffix); };
    out.push_back(toShardTensor(name(hf::kQweight), qweight, DType::I32));
    out.push_back(toShardTensor(name(hf::kQzeros), qzeros, DType::I32));
    out.push_back(toShardTensor(name(hf::kScales), gq.scales.t().contiguous(), DType::F16));
    if (bias.defined()) out.push_back(toShardTensor(name(hf::kBias), bias, DType::F16));
}

}  // namespace

std::vector<ShardTensor> quantizeAwqLayerForStorage(DecoderLayer& layer, const ModelConfig& c, int l, int groupSize) {
    const std::string p = hf::layerPrefix(l);
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
    const std::string p = hf::layerPrefix(l);
    auto out = storedNorms(layer, c, p);
    for (const auto& [name, lin] : namedLinears(layer)) {
        const std::string prefix = p + name;
        const auto tensor = [&](std::string_view suffix) { return prefix + std::string(suffix); };
        const GptqTensors& t = packed.at(lin->get());
        out.push_back(toShardTensor(tensor(hf::kQweight), t.qweight, DType::I32));
        out.push_back(toShardTensor(tensor(hf::kQzeros), t.qzeros, DType::I32));
        out.push_back(toShardTensor(tensor(hf::kScales), t.scales, DType::F16));
        out.push_back(toShardTensor(tensor(hf::kGIdx), t.gIdx, DType::I32));
        if (const auto& bias = dense(*lin).bias(); bias.defined()) out.push_back(toShardTensor(tensor(hf::kBias), bias, DType::F16));
    }
    return out;
}

void loadWrittenGptqLayer(DecoderLayer& layer, int l, const SafetensorsFile& file, const at::Device& device) {
    auto tensor = [&](const std::string& name, at::ScalarType type) {
        const TensorInfo* t = file.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing from the finished layer", file.path(), "delete the .partial folder and start over");
        return loadTensor(file.data(*t), *t, type, device);
    };
    const std::string p = hf::layerPrefix(l);
    for (const auto& [name, lin] : namedLinears(layer)) {
        const std::string prefix = p + name;
        const GptqTensors t{tensor(prefix + std::string(hf::kQweight), at::kInt), tensor(prefix + std::string(hf::kQzeros), at::kInt),
                            tensor(prefix + std::string(hf::kScales), at::kHalf), tensor(prefix + std::string(hf::kGIdx), at::kInt)};
        auto& w = dense(*lin).weight();
        w = dequantizeGptq(t, true, w.scalar_type()).t().contiguous();
    }
}

std::vector<std::pair<std::string, const TensorInfo*>> embeddingAndHeadTensors(const TensorStore& store, const ModelConfig& config) {
    const WeightLoader weights(store, at::kHalf, at::Device(at::kCPU));
    const auto embeddings = embeddingTensors(weights, config);  // the loader's tied-embedding rule
    std::vector<std::pair<std::string, const TensorInfo*>> out;
    out.emplace_back(hf::kEmbedTokens, embeddings.embedding);
    if (const TensorInfo* n = store.find(hf::kFinalNorm)) out.emplace_back(hf::kFinalNorm, n);
    if (!embeddings.tied()) out.emplace_back(hf::kLmHead, embeddings.lmHead);
    return out;
}

}  // namespace awq::quant
