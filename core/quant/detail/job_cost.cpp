#include "core/quant/detail/job_cost.h"


#include "core/layers/torch_util.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/detail/layer_probe.h"
#include "core/util/log_line.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace awq::quant {

bool linearGramPays(std::uint64_t tokens, std::int64_t K, std::int64_t N, int gridRatios, bool cuda) {
    if (const char* forced = std::getenv("AWQBENCH_AWQ_GRAM"); forced && *forced) return std::string_view(forced) != "0";
    const double T = double(tokens), k = double(K), n = double(N), grid = double(gridRatios);
    const double gram = 2 * T * k * k + grid * 2 * n * k * k;
    const double forwards = (grid + 1) * 2 * T * k * n;
    return (cuda ? 16 : 1) * gram < forwards;
}

JobWork quantizeJobWork(const ModelConfig& c, std::uint64_t tokens, int seqlen, int groupSize, int gridRatios, bool awq, bool gptq, bool cuda) {
    const double h = c.hiddenSize, qo = double(c.numHeads) * c.headDim, kv = double(c.numKvHeads) * c.headDim, I = c.intermediateSize;
    const double T = double(tokens), S = seqlen;
    // Multiply-adds per token (x2 for FLOPs) of each block.
    const double qkv = 2 * h * (qo + 2 * kv);
    const double scores = 4 * S * qo;  // q k^T and p v over the full S x S matrix
    const double o = 2 * qo * h;
    const double gateUp = 4 * h * I;
    const double down = 2 * I * h;
    const double layerForward = T * (qkv + scores + o + gateUp + down);

    double perLayer = 2 * layerForward;  // the capture forward and the error-measuring forward
    if (awq) {
        const bool foldVIntoO = kv == qo;
        // The searches' scored blocks: attention (q/k/v .. o), o alone (without GQA), the MLP, down alone;
        // a single linear either by forwards (reference + candidates) or on its Gram matrix.
        const double grid = gridRatios;
        auto single = [&](double K, double N) {
            return linearGramPays(tokens, std::int64_t(K), std::int64_t(N), gridRatios, cuda) ? 2 * T * K * K + grid * 2 * N * K * K
                                                                                              : (grid + 1) * T * 2 * K * N;
        };
        const double searched = (grid + 1) * T * ((qkv + scores + o) + (gateUp + down)) + (foldVIntoO ? single(qo, h) : 0) + single(I, h);
        perLayer += layerForward + searched;  // the regenerating forward, then the searches
        // Clipping: 20 thresholds of d^T H d over each group of v, o, gate, up, down.
        const double G = groupSize > 0 ? groupSize : h;
        const double clipped = kv * h + qo * h + 2 * h * I + I * h;
        perLayer += 20 * 2 * clipped * G;
    }
    if (gptq) {
        perLayer += 3 * layerForward;
        // Per input (K: h for q/k/v and gate/up, qo for o, I for down): X^T X over the tokens,
        // three Cholesky-type factorizations (K^3 / 3 each), and per linear N K^2 of column updates.
        auto hessian = [&](double K, double outputs) { return 2 * T * K * K + 2 * K * K * K + 2 * outputs * K * K; };
        perLayer += hessian(h, qo + 2 * kv) + hessian(qo, h) + hessian(h, 2 * I) + hessian(I, h);
    }
    return {perLayer, perLayer * c.numLayers};
}

double measuredFlopsPerSecond(const ModelConfig& c, bool cuda) {
    static std::mutex mutex;
    static std::map<std::tuple<bool, int, int>, double> cache;
    const std::lock_guard lock(mutex);
    const auto key = std::make_tuple(cuda, c.hiddenSize, c.intermediateSize);
    if (const auto it = cache.find(key); it != cache.end()) return it->second;
    if (cuda && !at::hasCUDA()) return 0;

    c10::InferenceMode guard;
    const at::Device device = cuda ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
    const auto options = at::TensorOptions().device(device).dtype(cuda ? at::kHalf : at::kFloat);
    const int64_t rows = cuda ? 8192 : 1024;
    const auto x = at::randn({rows, c.hiddenSize}, options);
    const auto w = at::randn({c.intermediateSize, c.hiddenSize}, options);
    const double flopsPerCall = 2.0 * double(rows) * c.hiddenSize * c.intermediateSize;
    auto call = [&] {
        auto y = at::matmul(x, w.t());
        if (cuda) y.sum().item<float>();  // synchronises
    };
    call();  // warm-up (thread pool, kernels)
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    int calls = 0;
    double seconds = 0, fastest = 1e30;
    // At least 3 calls and 0.1 s, so a small model's shapes are timed over many calls. The fastest
    // call is the device's rate: the mean over 0.1 s swung 2x with other processes' load (78 and 175
    // GFLOP/s in two runs a minute apart), and the rate decides whether a layer is timed at all.
    while (calls < 3 || seconds < 0.1) {
        const auto before = Clock::now();
        call();
        fastest = std::min(fastest, std::chrono::duration<double>(Clock::now() - before).count());
        ++calls;
        seconds = std::chrono::duration<double>(Clock::now() - start).count();
        if (seconds > 2) break;
    }
    const double flops = flopsPerCall / std::max(fastest, 1e-9);
    cache[key] = flops;
    return flops;
}

std::optional<LayerSeconds> measuredLayerSeconds(const ModelConfig& c, const QuantizeSettings& s, double flopsPerSecond, double budgetSeconds,
                                                 double maxAgeSeconds) {
    const bool cuda = s.device == "cuda";
    const bool awq = s.method == QuantMethodChoice::Awq, gptq = s.method == QuantMethodChoice::Gptq;
    // One block's FLOPs at the matmul's rate: a lower bound of the probe's time.
    ModelConfig one = c;
    one.numLayers = 1;
    const double atMatmulRate = quantizeJobWork(one, std::uint64_t(s.seqlen), s.seqlen, s.groupSize, s.gridRatios, awq, gptq, cuda).totalFlops /
                         std::max(flopsPerSecond, 1.0);
    if (flopsPerSecond <= 0 || atMatmulRate > budgetSeconds / 2) return std::nullopt;

    using Clock = std::chrono::steady_clock;
    static std::mutex mutex;
    static std::map<std::string, std::pair<LayerSeconds, Clock::time_point>> cache;
    const std::lock_guard lock(mutex);  // one probe at a time: two would time each other
    const auto window = c.windowOfLayer(0);
    std::string key = s.device;
    for (const int v : {c.hiddenSize, c.numHeads, c.numKvHeads, c.headDim, c.intermediateSize, int(c.qkNorm), int(c.attentionBias),
                        window.value_or(0), s.seqlen, s.groupSize, s.gridRatios, int(s.method), int(s.actOrder), int(s.sym)})
        key += " " + std::to_string(v);
    if (const auto it = cache.find(key); it != cache.end()) {
        const double age = std::chrono::duration<double>(Clock::now() - it->second.second).count();
        if (age <= maxAgeSeconds) {
            LayerSeconds cached = it->second.first;
            cached.ageSeconds = age;
            return cached;
        }
        cache.erase(it);  // old: the load it was timed under may be gone (or come)
    }

    // The first pass warms up the allocator and the kernels; it is the one-block time when it is
    // long enough for that not to matter (AutoAWQ's settings on the demo model).
    // The faster of the two where both run: other processes' load only adds time, and a one-off
    // stall in the base pass is multiplied by the layers.
    double single = timeLayerPass(c, s, 1);
    if (single < budgetSeconds / 6) single = std::min(single, timeLayerPass(c, s, 1));
    // The second pass as large as the budget left allows (a block costs less than the one-block pass):
    // the longer the base, the less noise in the slope. Up to one forward chunk: the job's per-block
    // cost still grows past it (its activations leave the caches; the demo model on 2 cores: 0.42 s
    // a block from 1 to 8 blocks, 0.53 s from 8 to 39), so this estimate is 10-20% low there.
    const int blocks = std::clamp(int((budgetSeconds - 2 * single) / std::max(single, 1e-3)), 2, kForwardChunkBlocks);
    const double many = timeLayerPass(c, s, blocks);
    LayerSeconds r;
    r.probeBlocks = blocks;
    r.perBlock = (many - single) / (blocks - 1);
    r.fixed = single - r.perBlock;
    if (r.perBlock <= 0 || r.fixed < 0) {  // noise larger than the slope: all of it per block
        r.perBlock = many / blocks;
        r.fixed = 0;
    }
    char line[200];
    std::snprintf(line, sizeof line, "quantize pre-flight: a layer on %s takes %.3f s + %.3f s per block of %d tokens (timed with 1 and %d blocks)",
                  s.device.c_str(), r.fixed, r.perBlock, s.seqlen, blocks);
    log::info(line);
    cache[key] = {r, Clock::now()};
    return r;
}

double estimateJobSeconds(const LayerSeconds& layer, int layers, std::int64_t blocks) {
    return double(layers) * (layer.fixed + layer.perBlock * double(blocks));
}

double estimateJobSeconds(const JobWork& work, double flopsPerSecond) {
    if (flopsPerSecond <= 0) return -1;
    return work.totalFlops / flopsPerSecond;
}

}  // namespace awq::quant
