#pragma once
// Rotary position embedding tables, computed as Hugging Face transformers computes them in float32
// (modeling_rope_utils.py: _compute_default / _linear_scaling / _dynamic_ntk / _yarn / _longrope /
// _llama3 _parameters, then the rotary module's forward: freqs = position * inv_freq,
// emb = cat(freqs, freqs), cos = emb.cos() * attention_scaling, sin = emb.sin() * attention_scaling).
//
// Two rope types change with the sequence length in transformers; a fixed table follows them as far as
// a table can:
//  - dynamic (NTK): transformers keeps the plain frequencies up to max_position_embeddings and
//    recomputes them for the whole sequence past it. The table has the plain frequencies; asking for
//    more than max_position_embeddings positions throws.
//  - longrope: transformers (and vLLM) use short_factor while the sequence is within
//    original_max_position_embeddings and switch every position to long_factor once it is longer.
//    The table holds short_factor rows below the original length and long_factor rows from it on:
//    exact for sequences within the original length, an approximation for longer ones.
#include "core/layers/torch_util.h"
#include "core/model/hf_config.h"

namespace awq::engine {

struct RopeTables {
    at::Tensor cos;  // [maxPositions, headDim] float32, attention scaling folded in
    at::Tensor sin;
};

// Throws awq::Error for a rope type parseModelConfig does not accept, or for more positions than
// ropeSequenceLimit (dynamic NTK past max_position_embeddings).
RopeTables buildRope(const ModelConfig& config, int maxPositions, const at::Device& device);

// The inverse frequencies [headDim / 2] float32 that transformers computes at initialisation (for
// longrope: the short_factor ones). Exposed for tests.
at::Tensor ropeInverseFrequencies(const ModelConfig& config);

// x [B, H, S, D]; cos/sin [B or 1, 1, S, D] already in x's dtype.
at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace awq::engine
