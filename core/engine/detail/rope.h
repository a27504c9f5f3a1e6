#pragma once
// Rotary position embedding tables, computed as Hugging Face computes them (float32), for the rope
// types our architectures use: default, linear and llama3.
#include "core/engine/detail/torch_util.h"
#include "core/model/hf_config.h"

namespace awq::engine {

struct RopeTables {
    at::Tensor cos;  // [maxPositions, headDim] float32
    at::Tensor sin;
};

RopeTables buildRope(const ModelConfig& config, int maxPositions, const at::Device& device);

// x [B, H, S, D]; cos/sin [B or 1, 1, S, D] already in x's dtype.
at::Tensor applyRope(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin);

}  // namespace awq::engine
