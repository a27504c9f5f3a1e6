#include "core/quant/detail/layer_quantizer.h"

#include "core/quant/detail/job_cost.h"
#include "core/quant/detail/job_limits.h"
#include "core/util/error.h"

#include <utility>

namespace awq::quant {
using namespace awq::engine;

namespace {
constexpr int kChunkBlocks = kForwardChunkBlocks;
}  // namespace

DenseLinear& dense(const std::unique_ptr<Linear>& l) { return static_cast<DenseLinear&>(*l); }

void checkFinite(const at::Tensor& t, const std::string& what, int layer) {
    if (!at::isfinite(t).all().item<bool>())
        throw Error("NaN or infinite values in " + what + " of layer " + std::to_string(layer), {},
                    "the source model or the calibration text produces non-finite values; check the model in fp32 first");
}

void LayerInputStats::add(const LayerCapture& c) {
    inputs[0].add(c.qkvInput);
    inputs[1].add(c.oInput);
    inputs[2].add(c.mlpInput);
    inputs[3].add(c.downInput);
}

at::Tensor calibrationMask(const ModelConfig& c, int layer, int64_t S, const at::Device& device) {
    const auto window = c.windowOfLayer(layer);
    return window && *window < S ? causalMask(window, S, device) : at::Tensor();
}

at::Tensor forwardLayer(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                        const at::Tensor& mask, const std::function<void(const LayerCapture&)>& onCapture, bool keepOutput,
                        const std::stop_token& stop) {
    const int64_t n = x.size(0);
    std::vector<at::Tensor> outs;
    for (int64_t start = 0; start < n; start += kChunkBlocks) {
        throwIfStopped(stop);
        LayerCapture part;
        auto out = decoderLayerForward(layer, c, x.narrow(0, start, std::min<int64_t>(kChunkBlocks, n - start)), cos, sin, mask, nullptr,
                                       onCapture ? &part : nullptr);
        if (onCapture) onCapture(part);
        if (keepOutput) outs.push_back(std::move(out));
    }
    return keepOutput ? at::cat(outs, 0) : at::Tensor();
}

std::vector<double> awqLayer(DecoderLayer& layer, const ModelConfig& c, LayerInputStats& stats, const at::Tensor& x, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask, const LayerSearch& search) {
    const int groupSize = search.groupSize;
    StageClock clock;
    QuantizeStageSeconds ownTimes;
    auto& times = search.seconds ? *search.seconds : ownTimes;
    auto& q = dense(layer.q).weight();
    auto& k = dense(layer.k).weight();
    auto& v = dense(layer.v).weight();
    auto& o = dense(layer.o).weight();
    auto& gate = dense(layer.gate).weight();
    auto& up = dense(layer.up).weight();
    auto& down = dense(layer.down).weight();

    // All four searches run on the original weights (as AutoAWQ), then all scales are folded. The
    // original layer runs again chunk by chunk to regenerate the inputs the searches score on.
    const bool foldVIntoO = v.sizes() == o.sizes();  // not with GQA
    std::vector<std::unique_ptr<ScaleSearch>> searches;
    searches.push_back(std::make_unique<ScaleSearch>(
        std::vector<at::Tensor*>{&q, &k, &v}, [&](const at::Tensor& in) { return attentionBlock(layer, c, in, cos, sin, mask); },
        stats.inputs[0].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop));
    // o and down are scored on their inputs' Gram matrix where that is the cheaper exact way (awq_math.h).
    const int64_t tokens = x.size(0) * x.size(1);
    auto scoring = [&](const at::Tensor& w) {
        return linearGramPays(tokens, w.size(1), w.size(0), search.gridRatios, x.is_cuda()) ? ScaleScoring::LinearGram : ScaleScoring::Forward;
    };
    if (foldVIntoO)
        searches.push_back(std::make_unique<ScaleSearch>(std::vector<at::Tensor*>{&o}, [&](const at::Tensor& in) { return layer.o->forward(in); },
                                                                stats.inputs[1].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop,
                                                                scoring(o)));
    searches.push_back(std::make_unique<ScaleSearch>(std::vector<at::Tensor*>{&gate, &up},
                                                            [&](const at::Tensor& in) { return mlpBlock(layer, in); }, stats.inputs[2].mean(),
                                                            groupSize, kChunkBlocks, search.gridRatios, search.stop));
    searches.push_back(std::make_unique<ScaleSearch>(std::vector<at::Tensor*>{&down}, [&](const at::Tensor& in) { return layer.down->forward(in); },
                                                            stats.inputs[3].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop,
                                                            scoring(down)));

    // Progress: every candidate of every search of every chunk is one step; clipping takes the last 10%.
    const int64_t chunkBlocks = searchChunkBlocks(c, x.size(1), int(x.element_size()));
    const int64_t chunks = (x.size(0) + chunkBlocks - 1) / chunkBlocks;
    const double steps = double(chunks) * double(searches.size()) * double(search.gridRatios);
    double done = 0;
    auto step = [&] {
        if (search.progress) search.progress(0.9 * ++done / steps, "scale search");
    };
    for (int64_t start = 0; start < x.size(0); start += chunkBlocks) {
        std::vector<LayerCapture> parts;
        forwardLayer(layer, c, x.narrow(0, start, std::min<int64_t>(chunkBlocks, x.size(0) - start)), cos, sin, mask,
                     [&](const LayerCapture& part) { parts.push_back(part); }, false, search.stop);
        auto cat = [&](at::Tensor LayerCapture::*field) {
            std::vector<at::Tensor> ts;
            for (auto& p : parts) ts.push_back(std::exchange(p.*field, {}));
            return at::cat(ts, 0);
        };
        std::size_t s = 0;
        searches[s++]->addChunk(cat(&LayerCapture::qkvInput), step);
        if (foldVIntoO) searches[s++]->addChunk(cat(&LayerCapture::oInput), step);
        searches[s++]->addChunk(cat(&LayerCapture::mlpInput), step);
        searches[s++]->addChunk(cat(&LayerCapture::downInput), step);
    }
    std::size_t s = 0;
    const auto qkv = searches[s++]->best();
    const auto vo = foldVIntoO ? searches[s++]->best() : ScaleSearchResult{};
    const auto mlp = searches[s++]->best();
    const auto ud = searches[s++]->best();
    searches.clear();  // frees the copies of the original weights

    auto asCols = [&](const at::Tensor& sc, const at::Tensor& like) { return sc.to(like.scalar_type()).view({1, -1}); };
    auto asRows = [&](const at::Tensor& sc, const at::Tensor& like) { return sc.to(like.scalar_type()).view({-1, 1}); };
    layer.inputNorm = layer.inputNorm / qkv.scales.to(layer.inputNorm.scalar_type());
    for (at::Tensor* w : {&q, &k, &v}) *w = *w * asCols(qkv.scales, *w);
    stats.inputs[0].divideInputs(qkv.scales);
    if (foldVIntoO) {
        v = v / asRows(vo.scales, v);
        o = o * asCols(vo.scales, o);
        stats.inputs[1].divideInputs(vo.scales);
    }
    layer.postAttentionNorm = layer.postAttentionNorm / mlp.scales.to(layer.postAttentionNorm.scalar_type());
    for (at::Tensor* w : {&gate, &up}) *w = *w * asCols(mlp.scales, *w);
    stats.inputs[2].divideInputs(mlp.scales);
    up = up / asRows(ud.scales, up);
    down = down * asCols(ud.scales, down);
    stats.inputs[3].divideInputs(ud.scales);
    clock.lap(times.scaleSearch);

    // Clipping, not for q and k (their outputs meet in the softmax, where clipping hurts).
    const std::vector<std::pair<at::Tensor*, InputStats*>> clipped{
        {&v, &stats.inputs[0]}, {&o, &stats.inputs[1]}, {&gate, &stats.inputs[2]}, {&up, &stats.inputs[2]}, {&down, &stats.inputs[3]}};
    for (std::size_t i = 0; i < clipped.size(); ++i) {
        if (search.progress) search.progress(0.9 + 0.1 * double(i) / double(clipped.size()), "clip search");
        const auto& [w, input] = clipped[i];
        applyClip(*w, searchBestClip(*w, input->gram(), groupSize, search.stop), groupSize);
    }
    // Biases on the producing side of a scale fold too (Qwen2's v bias). The linear is replaced, not
    // its bias divided in place: the loaded bias may be the source file's read-only mapping.
    if (foldVIntoO && dense(layer.v).bias().defined()) {
        const at::Tensor& bias = dense(layer.v).bias();
        layer.v = std::make_unique<DenseLinear>(std::move(v), bias / vo.scales.to(bias.scalar_type()));  // `v` is gone from here on
    }
    clock.lap(times.clipSearch);

    return {qkv.ratio, foldVIntoO ? vo.ratio : -1.0, mlp.ratio, ud.ratio};
}

std::map<const Linear*, GptqTensors> gptqLayer(DecoderLayer& layer, const ModelConfig& c, HessianSum qkvHessian, const at::Tensor& x,
                                               const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                                               const GptqOptions& options, const LayerSearch& search) {
    struct Part {
        std::vector<std::unique_ptr<Linear>*> linears;
        at::Tensor LayerCapture::*input;
    };
    const std::vector<Part> parts{{{&layer.q, &layer.k, &layer.v}, &LayerCapture::qkvInput},
                                  {{&layer.o}, &LayerCapture::oInput},
                                  {{&layer.gate, &layer.up}, &LayerCapture::mlpInput},
                                  {{&layer.down}, &LayerCapture::downInput}};
    std::map<const Linear*, GptqTensors> packed;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (search.progress) search.progress(double(i) / double(parts.size()), "gptq");
        HessianSum hessian;
        if (i == 0) {
            hessian = std::move(qkvHessian);
        } else {
            forwardLayer(layer, c, x, cos, sin, mask, [&](const LayerCapture& part) { hessian.add(part.*parts[i].input); }, false, search.stop);
        }
        const auto h = hessian.hessian();
        for (auto* lin : parts[i].linears) {
            auto& w = dense(*lin).weight();
            const auto r = gptqQuantize(w, h, options, search.stop);
            packed[lin->get()] = packGptqResult(r);
            w = r.dequantized;
        }
    }
    return packed;
}

}  // namespace awq::quant
