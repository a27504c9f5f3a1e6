#pragma once
// The Hugging Face tensor names of the decoder-only checkpoints we read and write (Llama, Qwen2,
// Qwen3, Mistral all use transformers' LlamaForCausalLM naming, as save_pretrained writes it; AutoAWQ
// and GPTQ checkpoints keep the module names and replace ".weight" by their packed tensors). The one
// table: the weight loader, the quantizer's checkpoint writer and the synthetic models of the
// benchmarks take their names from here. Header-only and torch-free, so any target can include it.
#include <array>
#include <cstddef>
#include <string>
#include <string_view>

namespace awq::hf {

// Outside the decoder layers.
inline constexpr std::string_view kEmbedTokens = "model.embed_tokens.weight";  // [vocab, hidden]
inline constexpr std::string_view kFinalNorm = "model.norm.weight";            // [hidden]
inline constexpr std::string_view kLmHead = "lm_head.weight";                  // [vocab, hidden]; absent when tied

// Inside decoder layer l, after layerPrefix(l).
inline constexpr std::string_view kInputNorm = "input_layernorm.weight";                   // [hidden]
inline constexpr std::string_view kPostAttentionNorm = "post_attention_layernorm.weight";  // [hidden]
inline constexpr std::string_view kQNorm = "self_attn.q_norm.weight";                      // [head_dim], Qwen3
inline constexpr std::string_view kKNorm = "self_attn.k_norm.weight";                      // [head_dim], Qwen3

// The seven linears of a decoder layer, in the order the layer holds and the checkpoint stores them.
enum class Projection { q, k, v, o, gate, up, down };
inline constexpr std::array<Projection, 7> kProjections = {Projection::q,    Projection::k,  Projection::v,   Projection::o,
                                                           Projection::gate, Projection::up, Projection::down};
inline constexpr std::array<std::string_view, 7> kProjectionNames = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
                                                                     "self_attn.o_proj", "mlp.gate_proj",    "mlp.up_proj",
                                                                     "mlp.down_proj"};
constexpr std::string_view projectionName(Projection p) { return kProjectionNames[std::size_t(p)]; }

// A linear's tensors, after its prefix: dense ".weight" [out, in]; AutoAWQ ".qweight/.qzeros/.scales";
// GPTQ the same plus ".g_idx"; and an optional ".bias" [out].
inline constexpr std::string_view kWeight = ".weight";
inline constexpr std::string_view kBias = ".bias";
inline constexpr std::string_view kQweight = ".qweight";
inline constexpr std::string_view kQzeros = ".qzeros";
inline constexpr std::string_view kScales = ".scales";
inline constexpr std::string_view kGIdx = ".g_idx";

// "model.layers.<l>.": the prefix of every tensor of decoder layer l.
inline std::string layerPrefix(int layer) { return "model.layers." + std::to_string(layer) + "."; }

// "model.layers.<l>.<projection>", e.g. "model.layers.3.mlp.down_proj" (add kWeight, kQweight, ...).
inline std::string linearName(int layer, Projection p) { return layerPrefix(layer) + std::string(projectionName(p)); }

// "model.layers.<l>.<tensor>", e.g. layerTensor(0, kInputNorm).
inline std::string layerTensor(int layer, std::string_view tensor) { return layerPrefix(layer) + std::string(tensor); }

}  // namespace awq::hf
