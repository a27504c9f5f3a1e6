#include "core/engine/detail/transformer.h"

#include "core/layers/cuda_decode.h"
#include "core/layers/tensor_names.h"
#include "core/layers/weight_loader.h"
#include "core/util/error.h"
#include "core/util/log_line.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>

namespace awq::engine {

// The captured decode step of one KV cache and its fixed-address inputs.
struct DecodeGraph {
    at::Tensor ids;        // int64 [B] on the device
    at::Tensor positions;  // int32 [B] on the device
    std::unique_ptr<CapturedStep> step;        // -> logits
    std::unique_ptr<CapturedStep> greedyStep;  // -> argmax ids into `ids`, positions advanced
    std::unique_ptr<GreedyStepEnd> greedyEnd;  // the greedy step's argmax and its ids' way to the host (captured in its graph)
    std::deque<std::unique_ptr<PendingIds>> pending;  // queued greedy steps' ids on their way to the host
};

namespace {

bool graphsDisabledByEnvironment() {
    const char* v = std::getenv("AWQBENCH_CUDA_GRAPHS");
    return v && (std::strcmp(v, "0") == 0 || std::strcmp(v, "off") == 0);
}

// AWQBENCH_MEASURE_KNOCKOUT=qkv,attention,o,gateup,down (for measuring only: the output is wrong):
// the fused decode step leaves those launches out of every layer, so that engine_bench shows what
// each costs on the step's critical path; against its bytes at the read bandwidth, the rest is the
// launch's fixed cost (ramp, drain, the wait for the kernel before), what fusing launches would
// save. A knocked-out launch's output is zeros; x and its sums of squares stay as they were.
struct DecodeKnockout {
    bool qkv = false, attention = false, o = false, gateUp = false, down = false;
    bool any() const { return qkv || attention || o || gateUp || down; }
};

const DecodeKnockout& decodeKnockout() {
    static const DecodeKnockout knockout = [] {
        DecodeKnockout k;
        const char* v = std::getenv("AWQBENCH_MEASURE_KNOCKOUT");
        const std::string list = v ? std::string(",") + v + "," : "";
        const auto has = [&](const char* name) { return list.find(std::string(",") + name + ",") != std::string::npos; };
        k.qkv = has("qkv");
        k.attention = has("attention");
        k.o = has("o");
        k.gateUp = has("gateup");
        k.down = has("down");
        if (k.any()) log::warn(std::string("engine: AWQBENCH_MEASURE_KNOCKOUT=") + v + ": decode steps leave launches out; outputs are wrong (for measuring only)");
        return k;
    }();
    return knockout;
}

// What the fused decode kernels cover: fp16/bf16 on CUDA, head dims 32..256 in steps of 32, widths
// in whole 16-byte vectors, and every layer's projections fused.
bool fusedKernelsCover(const ModelConfig& c, at::ScalarType compute, const at::Device& device, const std::vector<DecoderLayer>& layers) {
    if (!device.is_cuda() || !cudaDecodeBuiltIn() || (compute != at::kHalf && compute != at::kBFloat16)) return false;
    if (c.headDim % 32 != 0 || c.headDim > 256 || c.hiddenSize % 8 != 0 || c.intermediateSize % 8 != 0) return false;
    for (const auto& layer : layers)
        if (!layer.qkv || !layer.gateUp) return false;
    return true;
}

// [B, 1, 1, attend] visibility of cache rows for tokens at `positions`, within `window` if given.
at::Tensor decodeMask(const at::Tensor& positions, int attend, std::optional<int> window, const at::Device& device) {
    const int64_t B = positions.size(0);
    const auto j = at::arange(attend, at::kLong).view({1, attend});
    auto visible = j <= positions.view({B, 1});
    if (window) visible = at::logical_and(visible, (positions.view({B, 1}) - j) < *window);
    return visible.view({B, 1, 1, attend}).to(device);
}

}  // namespace

Transformer::Transformer(const ModelConfig& config, const TensorStore& store, at::ScalarType compute, const at::Device& device,
                         int maxPositions, bool dequantizeAwq, const LoraAdapter* lora)
    : config_(config), compute_(compute), device_(device) {
    LoadContext ctx{store, compute, device, config.quantization.groupSize};
    ctx.dequantizeAwq = dequantizeAwq;
    ctx.gptq = config.quantization.method == QuantMethod::Gptq;
    ctx.gptqZerosMinusOne = config.quantization.checkpointFormat != "gptq_v2";
    const WeightLoader weights(store, compute, device);
    const auto embeddings = embeddingTensors(weights, config);  // the tied-embedding rule
    embedding_ = loadTensor(store, *embeddings.embedding, compute, device);
    lmHead_ = embeddings.tied() ? embedding_ : loadTensor(store, *embeddings.lmHead, compute, device);
    finalNorm_ = weights.required(std::string(hf::kFinalNorm), {config.hiddenSize});
    weightBytes_ = byteSize(embedding_) + byteSize(finalNorm_) + (lmHead_.is_same(embedding_) ? 0 : byteSize(lmHead_));
    for (int l = 0; l < config.numLayers; ++l) {
        layers_.push_back(loadDecoderLayer(ctx, config, l));
        if (lora) applyLora(layers_.back(), l, *lora, compute, device);
        // On the GPU one matmul for q|k|v and one for gate|up read the same bytes in fewer launches.
        if (device.is_cuda()) {
            fuseProjections(layers_.back());
            repackForCuda(layers_.back());
        }
        weightBytes_ += layers_.back().bytes();
    }
    rope_ = buildRope(config, maxPositions, device);
    fusedKernels_ = fusedKernelsCover(config, compute, device, layers_);
    cudaGraphs_ = fusedKernels_ && !graphsDisabledByEnvironment();
}

std::string Transformer::decodePath() const {
    if (!fusedKernels_) return "torch ops";
    return cudaGraphs_ ? "fused CUDA kernels + CUDA graphs" : "fused CUDA kernels";
}

KvCache Transformer::allocateCache(int batch, int capacity) const {
    KvCache cache;
    cache.capacity = capacity;
    cache.batch = batch;
    const auto opts = at::TensorOptions().dtype(compute_).device(device_);
    for (int l = 0; l < config_.numLayers; ++l) {
        cache.keys.push_back(at::zeros({batch, config_.numKvHeads, capacity, config_.headDim}, opts));
        cache.values.push_back(at::zeros({batch, config_.numKvHeads, capacity, config_.headDim}, opts));
    }
    return cache;
}

at::Tensor Transformer::logitsOf(const at::Tensor& hidden) const {
    return at::linear(rmsNorm(hidden, finalNorm_, config_.rmsNormEps), lmHead_).to(at::kFloat);
}

at::Tensor Transformer::prefill(const at::Tensor& ids, const std::vector<int>& lengths, KvCache& cache, bool lastOnly) {
    const int64_t B = ids.size(0), S = ids.size(1);
    if (S > cache.capacity) throw Error("prompt of " + std::to_string(S) + " tokens exceeds the context of " + std::to_string(cache.capacity));
    auto x = at::embedding(embedding_, ids.to(device_));
    const auto cos = rope_.cos.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    const auto sin = rope_.sin.narrow(0, 0, S).to(compute_).view({1, 1, S, -1});
    // Right padding needs no mask of its own: a real token i < length only sees keys j <= i, all
    // real; the rows past a length are never read (logits at length-1; decode overwrites the cache
    // from position length on and masks what lies beyond).
    const auto windowed = config_.slidingWindow ? causalMask(config_.slidingWindow, S, device_) : at::Tensor();

    KvWrite kv{&cache, 0, {}, int(S), int(S)};
    if (fusedKernels_) {
        kv.ropeCos = rope_.cos;
        kv.ropeSin = rope_.sin;
        kv.tokenPositions = at::arange(S, at::TensorOptions().dtype(at::kInt).device(device_)).repeat({B});
    }
    for (int l = 0; l < config_.numLayers; ++l) {
        kv.layer = l;
        x = decoderLayerForward(layers_[l], config_, x, cos, sin, config_.windowOfLayer(l) ? windowed : at::Tensor(), &kv);
    }
    if (!lastOnly) return logitsOf(x);
    std::vector<int64_t> last(lengths.begin(), lengths.end());
    for (auto& v : last) v -= 1;
    const auto rows = at::arange(B, at::kLong).to(device_);
    const auto cols = at::tensor(last, at::kLong).to(device_);
    return logitsOf(x.index({rows, cols}));
}

at::Tensor Transformer::decode(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    for (int p : positions)
        if (p < 0 || p >= cache.capacity) throw Error("the context of " + std::to_string(cache.capacity) + " tokens is full");
    if (int(positions.size()) != cache.batch || ids.size(0) != cache.batch) throw Error("decode: batch does not match the KV cache");
    return fusedKernels_ ? decodeWithKernels(ids, positions, cache) : decodeWithTorchOps(ids, positions, cache);
}

at::Tensor Transformer::decodeWithTorchOps(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    const int64_t B = ids.size(0);
    int maxPos = 0;
    for (int p : positions) maxPos = std::max(maxPos, p);
    auto x = at::embedding(embedding_, ids.to(device_).view({B, 1}));
    const auto pos = at::tensor(std::vector<int64_t>(positions.begin(), positions.end()), at::kLong);
    const auto posDev = pos.to(device_);
    const auto cos = rope_.cos.index_select(0, posDev).to(compute_).view({B, 1, 1, -1});
    const auto sin = rope_.sin.index_select(0, posDev).to(compute_).view({B, 1, 1, -1});
    const int attend = maxPos + 1;
    const auto fullMask = decodeMask(pos, attend, std::nullopt, device_);
    const auto windowMask = config_.slidingWindow ? decodeMask(pos, attend, config_.slidingWindow, device_) : at::Tensor();

    KvWrite kv{&cache, 0, posDev, 1, attend};
    for (int l = 0; l < config_.numLayers; ++l) {
        kv.layer = l;
        x = decoderLayerForward(layers_[l], config_, x, cos, sin, config_.windowOfLayer(l) ? windowMask : fullMask, &kv);
    }
    return logitsOf(x).view({B, -1});
}

DecodeGraph& Transformer::setDecodeInputs(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    if (!cache.graph) {
        cache.graph = std::make_shared<DecodeGraph>();
        cache.graph->ids = at::zeros({cache.batch}, at::TensorOptions().dtype(at::kLong).device(device_));
        cache.graph->positions = at::zeros({cache.batch}, at::TensorOptions().dtype(at::kInt).device(device_));
    }
    auto& g = *cache.graph;
    g.ids.copy_(ids.to(at::kLong));
    g.positions.copy_(at::tensor(std::vector<std::int32_t>(positions.begin(), positions.end()), at::kInt));
    return g;
}

at::Tensor Transformer::decodeWithKernels(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    auto& g = setDecodeInputs(ids, positions, cache);
    const auto step = [&] { return fusedDecodeStep(g.ids, g.positions, cache).to(at::kFloat); };
    if (!cudaGraphs_) return step();
    if (g.step) return g.step->replay();
    at::Tensor first;
    g.step = captureStep(step, device_, first);
    return first;
}

void Transformer::startGreedyChain(const at::Tensor& ids, const std::vector<int>& positions, KvCache& cache) {
    if (!fusedKernels_) throw Error("greedy decode chains need the fused CUDA decode kernels");
    if (int(positions.size()) != cache.batch || ids.size(0) != cache.batch) throw Error("decode: batch does not match the KV cache");
    for (int p : positions)
        if (p < 0 || p >= cache.capacity) throw Error("the context of " + std::to_string(cache.capacity) + " tokens is full");
    auto& g = setDecodeInputs(ids, positions, cache);
    g.pending.clear();
    if (!g.greedyEnd) g.greedyEnd = makeGreedyStepEnd(cache.batch, device_);
    g.greedyEnd->restart();
}

void Transformer::queueGreedyStep(KvCache& cache) {
    if (!cache.graph) throw Error("queueGreedyStep: startGreedyChain first");
    auto& g = *cache.graph;
    if (!g.greedyEnd) throw Error("queueGreedyStep: startGreedyChain first");
    if (g.pending.size() >= std::size_t(GreedyStepEnd::kSlots))
        throw Error("queueGreedyStep: " + std::to_string(g.pending.size()) + " steps queued and not read (nextGreedyIds)");
    auto step = [&] {
        g.greedyEnd->advance(fusedDecodeStep(g.ids, g.positions, cache), g.ids, g.positions, cache.capacity - 1);
        return g.ids;
    };
    if (!cudaGraphs_) {
        step();
    } else if (g.greedyStep) {
        g.greedyStep->replay();
    } else {
        at::Tensor first;
        g.greedyStep = captureStep(step, device_, first);  // the warm-up run is this step
    }
    g.pending.push_back(g.greedyEnd->stepQueued());
}

std::vector<int> Transformer::nextGreedyIds(KvCache& cache) {
    if (!cache.graph || cache.graph->pending.empty()) throw Error("nextGreedyIds: no greedy step is queued");
    auto& pending = cache.graph->pending;
    auto ids = pending.front()->wait();
    pending.pop_front();
    return ids;
}

at::Tensor Transformer::fusedDecodeStep(const at::Tensor& ids, const at::Tensor& positions, KvCache& cache) {
    const auto& c = config_;
    const double scale = 1.0 / std::sqrt(double(c.headDim));
    // x is the residual stream, updated in place. Where a block's last linear adds its output into
    // x inside its own kernel (the AWQ decode kernel's residual epilogue, up to 2 rows) it also
    // leaves x's per-tile sums of squares, and the next linear applies the RMSNorm while staging its
    // input: the norm kernel goes. Otherwise the block's output waits in `delta` for the norm
    // kernel (what it buys, measured: AwqDecodeFusion in kernels/cuda/awq_repacked.h).
    auto sumSquares = at::empty({ids.size(0), std::int64_t(c.hiddenSize / 16)}, ids.options().dtype(at::kFloat));
    // The embedding kernel leaves x's sums of squares too, so the first layer's norm is fused as well.
    const bool embedKernel = c.hiddenSize % 16 == 0 && embedding_.is_contiguous();
    auto x = embedKernel ? cudaEmbedRows(embedding_, ids, sumSquares) : at::embedding(embedding_, ids);  // [B, hidden]
    at::Tensor delta;
    bool sumSquaresReady = embedKernel;
    const auto addToResidual = [&](const Linear& linear, const at::Tensor& in, DecodeFusion::Input input) {
        DecodeFusion fusion;
        fusion.input = input;
        fusion.residual = x;
        fusion.residualSumSquares = sumSquares;
        sumSquaresReady = c.hiddenSize % 16 == 0 && linear.forwardFusedDecode(in, fusion).defined();
        if (sumSquaresReady) return;
        if (input == DecodeFusion::Input::siluMul) {
            fusion.residual = fusion.residualSumSquares = at::Tensor();
            delta = linear.forwardFusedDecode(in, fusion);
            if (!delta.defined()) delta = linear.forward(cudaSiluMul(in));
        } else {
            delta = linear.forward(in);
        }
    };
    // output siluMul asks the gate|up kernel for SiLU(gate) * up itself; outputFused says whether y
    // is that output, or (false) the linear's plain output (the full gate|up) where it could not.
    struct NormLinearResult {
        at::Tensor y;
        bool outputFused = false;
    };
    const auto normThenLinear = [&](const Linear& linear, const at::Tensor& norm, DecodeFusion::Output output) -> NormLinearResult {
        DecodeFusion fusion;
        fusion.output = output;
        if (sumSquaresReady) {
            sumSquaresReady = false;
            fusion.input = DecodeFusion::Input::rmsNorm;
            fusion.normWeight = norm;
            fusion.sumSquares = sumSquares;
            fusion.eps = c.rmsNormEps;
            if (auto y = linear.forwardFusedDecode(x, fusion); y.defined()) return {y, true};
        }
        auto h = cudaRmsNormResidual(x, delta, norm, c.rmsNormEps);
        delta = at::Tensor();
        if (output != DecodeFusion::Output::plain) {
            fusion = {};
            fusion.output = output;
            if (auto y = linear.forwardFusedDecode(h, fusion); y.defined()) return {y, true};
        }
        return {linear.forward(h), false};
    };
    const auto& knockout = decodeKnockout();
    // Zeros made once a step (a fill launch each), not once a layer.
    const auto zeros = [&](bool needed, std::int64_t width) { return needed ? at::zeros({ids.size(0), width}, x.options()) : at::Tensor(); };
    const auto zeroQkv = zeros(knockout.qkv, std::int64_t(c.numHeads + 2 * c.numKvHeads) * c.headDim);
    const auto zeroAttention = zeros(knockout.attention, std::int64_t(c.numHeads) * c.headDim);
    const auto zeroMlp = zeros(knockout.gateUp, c.intermediateSize);
    for (int l = 0; l < c.numLayers; ++l) {
        const auto& layer = layers_[l];
        // Each launch below may be knocked out (AWQBENCH_MEASURE_KNOCKOUT, measuring only).
        const bool sumsBeforeAttention = sumSquaresReady;
        const auto qkv = knockout.qkv ? zeroQkv : normThenLinear(*layer.qkv, layer.inputNorm, DecodeFusion::Output::plain).y;
        const auto attn = knockout.attention ? zeroAttention
                                             : cudaDecodeAttention(qkv, layer.qNorm, layer.kNorm, c.rmsNormEps, rope_.cos, rope_.sin, positions,
                                                                   cache.keys[l], cache.values[l], c.numHeads, c.windowOfLayer(l).value_or(0), scale);
        if (knockout.o)
            sumSquaresReady = sumsBeforeAttention;  // x unchanged: its sums still hold
        else
            addToResidual(*layer.o, attn, DecodeFusion::Input::plain);
        const bool sumsBeforeMlp = sumSquaresReady;
        const auto mlp = knockout.gateUp ? NormLinearResult{zeroMlp, true}
                                         : normThenLinear(*layer.gateUp, layer.postAttentionNorm, DecodeFusion::Output::siluMul);
        if (knockout.down)
            sumSquaresReady = sumsBeforeMlp;
        else
            addToResidual(*layer.down, mlp.y, mlp.outputFused ? DecodeFusion::Input::plain : DecodeFusion::Input::siluMul);
    }
    const auto h = cudaRmsNormResidual(x, delta, finalNorm_, c.rmsNormEps);
    return at::linear(h, lmHead_);  // in the compute dtype: the greedy step's argmax reads it as it is
}

}  // namespace awq::engine
