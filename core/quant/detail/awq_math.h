#pragma once
// The AWQ algorithm's arithmetic (Lin et al., MLSys 2024, as AutoAWQ 0.2.9 runs it), on torch
// tensors of the quantization device: zero-point group quantization, the activation-aware scale
// search, and the clipping search.
#include "core/engine/detail/torch_util.h"

#include <functional>
#include <vector>

namespace awq::quant {

struct GroupQuantized {
    at::Tensor dequantized;  // [N, K], w's dtype: (q - z) * s
    at::Tensor q;            // [N, K] 0..15 (float)
    at::Tensor scales;       // [N, K/G]
    at::Tensor zeros;        // [N, K/G] 0..15 (float)
};

// scale = (max - min) / 15, z = clamp(-round(min / scale), 0, 15), q = clamp(round(w / s) + z, 0, 15).
GroupQuantized pseudoQuantize(const at::Tensor& w, int groupSize);

// Runs the inspected block (attention, MLP, or one linear) on the given input.
using BlockForward = std::function<at::Tensor(const at::Tensor& input)>;

struct ScaleSearchResult {
    at::Tensor scales;  // [K] float32
    double ratio = 0;
    double loss = 0;
};

// Searches s = x_mean^r / (w_mean^(1-r) + 1e-4), r in {0, 0.05, ..., 0.95}, normalised by
// sqrt(max(s) min(s)), for the lowest output MSE of `block` when `weights` (the linears fed by
// `input`) are scaled, pseudo-quantized and unscaled. The weights are restored afterwards.
ScaleSearchResult searchBestScale(const at::Tensor& input, const std::vector<at::Tensor*>& weights, const BlockForward& block,
                                  int groupSize, int chunkBlocks);

// Per output channel and group, the clipping threshold (max |w| times 1, 0.95, ..., 0.55) with the
// lowest output MSE on (a subsample of 512) input tokens. Returns [N, K/G] thresholds.
at::Tensor searchBestClip(const at::Tensor& weight, const at::Tensor& input, int groupSize);
void applyClip(at::Tensor& weight, const at::Tensor& maxValues, int groupSize);

// Runs `block` over input [n, S, K] in chunks of `chunkBlocks` sequences (bounds activation memory).
at::Tensor forwardChunked(const BlockForward& block, const at::Tensor& input, int chunkBlocks);

}  // namespace awq::quant
