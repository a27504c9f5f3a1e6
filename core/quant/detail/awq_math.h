#pragma once
// The AWQ algorithm's arithmetic (Lin et al., MLSys 2024, as AutoAWQ 0.2.9 runs it), on torch
// tensors of the quantization device: zero-point group quantization, the activation-aware scale
// search, and the clipping search. The searches consume the calibration activations chunk by
// chunk, so that the activations of the whole calibration set never have to be held at once.
#include "core/layers/torch_util.h"

#include <cstdint>
#include <functional>
#include <stop_token>
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

// The scale search's candidate weight: pseudoQuantize(w * s, G).dequantized / s for w [N, K] and the
// candidate's column scales s [1, K] (w's dtype and device). One fused kernel on a GPU (same bits as
// the torch ops there: search_kernels.h), the torch ops elsewhere.
at::Tensor scaledFakeQuantize(const at::Tensor& w, const at::Tensor& columnScales, int groupSize);

// sum((float(a) - float(b))^2) over all elements as a 0-dim tensor on a's device (float64 from the
// GPU kernel, float32 from the torch ops elsewhere); no host sync.
at::Tensor squaredErrorSum(const at::Tensor& a, const at::Tensor& b);

// Runs the inspected block (attention, MLP, or one linear) on the given input.
using BlockForward = std::function<at::Tensor(const at::Tensor& input)>;

// Thrown inside a layer when the job's stop token is set; the job turns it into its "cancelled"
// error. Checked between chunks and candidates, so a cancel lands within one block forward.
struct Cancelled {};
inline void throwIfStopped(const std::stop_token& stop) {
    if (stop.stop_requested()) throw Cancelled{};
}

// Runs `block` over input [n, S, K] in chunks of `chunkBlocks` sequences (bounds activation memory).
at::Tensor forwardChunked(const BlockForward& block, const at::Tensor& input, int chunkBlocks, const std::stop_token& stop = {});

// What the searches need of one linear input over the whole calibration set, gathered chunk by
// chunk: the mean |x| per channel (scale search) and, per quantization group, the Gram matrix
// sum_t x_t x_t^T of the group's input channels (clipping search: the output error of a weight
// change d over all tokens is d^T H d, so every token counts at a cost independent of their number).
class InputStats {
public:
    explicit InputStats(int groupSize) : groupSize_(groupSize) {}
    void add(const at::Tensor& chunk);  // [b, S, K]
    at::Tensor mean() const;            // [K] float32
    const at::Tensor& gram() const { return gram_; }  // [K/G, G, G] float32
    void divideInputs(const at::Tensor& scales);       // the input becomes x / s (AWQ scales folded)

private:
    int groupSize_;
    at::Tensor absSum_, gram_;
    std::int64_t tokens_ = 0;
};

struct ScaleSearchResult {
    at::Tensor scales;  // [K] float32
    double ratio = 0;
    double loss = 0;
};

// AutoAWQ's ratio grid: r in {0, 1/20, ..., 19/20}.
inline constexpr int kFullRatioGrid = 20;

// How a scale search scores its candidates.
enum class ScaleScoring {
    Forward,     // run the inspected block on every calibration token, per candidate (AutoAWQ's way)
    LinearGram,  // the inspected block is the one scaled linear itself (o after v, down after up): the
                 // output error sum_t ||(W' - W) x_t||^2 is trace(dW G dW^T) with G = sum_t x_t x_t^T,
                 // the [K, K] Gram matrix gathered once; no forward per candidate (job_cost.h: linearGramPays)
};

// Searches s = x_mean^r / (w_mean^(1-r) + 1e-4), r in {0, 1/grid, ..., (grid-1)/grid} (AutoAWQ:
// grid 20), normalised by sqrt(max(s) min(s)), for the lowest output MSE of `block` when `weights`
// (the linears fed by the input) are scaled, pseudo-quantized and unscaled. Chunks of the input
// arrive through addChunk; the weights are restored after each chunk. `afterCandidate` runs after
// each ratio of each chunk (progress); a stop request throws Cancelled with the weights restored.
// The loss is AutoAWQ's: the squared output error summed over all tokens and outputs, divided by
// their number (tokens x N), whichever the scoring.
class ScaleSearch {
public:
    ScaleSearch(std::vector<at::Tensor*> weights, BlockForward block, const at::Tensor& xMean, int groupSize, int subChunkBlocks,
                int gridRatios = kFullRatioGrid, std::stop_token stop = {}, ScaleScoring scoring = ScaleScoring::Forward);
    void addChunk(const at::Tensor& input, const std::function<void()>& afterCandidate = {});
    // The loss of each ratio over the chunks added so far. LinearGram scores the candidates on the
    // first call after the last chunk (a stop request throws Cancelled) and frees its Gram matrix.
    std::vector<double> losses();
    ScaleSearchResult best();
    int gridRatios() const { return int(candidates_.size()); }

private:
    std::vector<at::Tensor*> weights_;
    std::vector<at::Tensor> originals_;
    BlockForward block_;
    std::vector<at::Tensor> candidates_;  // [K] float32 per ratio
    std::vector<double> squaredError_;
    std::vector<std::vector<at::Tensor>> chunkErrors_;  // Forward: per candidate, each sub-chunk's float32 sum, on the device
    double outputs_ = 0;
    int groupSize_, subChunkBlocks_;
    std::stop_token stop_;
    ScaleScoring scoring_;
    at::Tensor gram_;  // LinearGram: [K, K] float32, sum over the tokens of x x^T; freed once scored
};

// Per output channel and group, the clipping threshold (max |w| times 20 steps from 1 down to 0.5)
// with the lowest output error over the calibration tokens summarised by `gram` (InputStats::gram).
// Returns [N, K/G] thresholds.
at::Tensor searchBestClip(const at::Tensor& weight, const at::Tensor& gram, int groupSize, const std::stop_token& stop = {});
void applyClip(at::Tensor& weight, const at::Tensor& maxValues, int groupSize);

}  // namespace awq::quant
