#pragma once
// The tensors of a quantized decoder layer as the checkpoint stores them: AutoAWQ's GEMM layout
// (AWQ, RTN) or GPTQ's (core/layers/gptq_layout.h), norms in fp16, under the Hugging Face
// names; and the embeddings, final norm and head. Host bytes for QuantizedModelWriter.
#include "core/layers/decoder_layer.h"
#include "core/layers/gptq_layout.h"
#include "core/quant/model_writer.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace awq {
class TensorStore;
struct TensorInfo;
class SafetensorsFile;
}  // namespace awq

namespace awq::quant {

// A tensor's bytes on the host in `dtype` (F16 or I32).
ShardTensor toShardTensor(const std::string& name, const at::Tensor& t, DType dtype);

// AWQ / RTN: quantizes each linear of the (scaled and clipped) layer once, packs it in the AutoAWQ
// GEMM layout, and replaces its weight by the dequantized value so that the layer then runs as the
// quantized model will (its output error is measured on it). Returns layer `l`'s checkpoint tensors.
std::vector<ShardTensor> quantizeAwqLayerForStorage(engine::DecoderLayer& layer, const ModelConfig& c, int l, int groupSize);

// GPTQ: the layer's checkpoint tensors from what gptqLayer computed per linear (the weights are already dequantized).
std::vector<ShardTensor> gptqLayerForStorage(engine::DecoderLayer& layer, const ModelConfig& c, int l,
                                             const std::map<const engine::Linear*, engine::GptqTensors>& packed);

// GPTQ resume: a finished layer's weights as written (dequantized), so that the activations carried
// to the next layer are the quantized model's, as in the run that was interrupted. Throws awq::Error
// naming the file when a tensor is missing.
void loadWrittenGptqLayer(engine::DecoderLayer& layer, int l, const SafetensorsFile& file, const at::Device& device);

// The output's non-layer tensors and where each comes from. A tied model keeps its one matrix as
// model.embed_tokens.weight only, as AutoAWQ (transformers' save_pretrained) writes it: vLLM skips
// lm_head.* when tie_word_embeddings is true and reads the embedding, so a source that stores the
// tied matrix only as lm_head.weight (Llama-3.2 style) must have it renamed, not copied as is.
// The tied rule is WeightLoader's (embeddingTensors); throws awq::Error where it does.
std::vector<std::pair<std::string, const TensorInfo*>> embeddingAndHeadTensors(const TensorStore& store, const ModelConfig& config);

}  // namespace awq::quant
