#include "core/quant/quantize_job.h"

#include "core/engine/detail/awq_cuda_linear.h"
#include "core/engine/detail/decoder_layer.h"
#include "core/engine/detail/rope.h"
#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "core/quant/calibration.h"
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/gptq_math.h"
#include "core/quant/detail/job_journal.h"
#include "core/quant/detail/job_limits.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/atomic_file.h"
#include "core/util/dead_writer.h"
#include "core/util/error.h"
#include "core/util/fs_error.h"
#include "core/util/heap_tuning.h"
#include "core/util/json_read.h"
#include "core/util/log_line.h"
#include "kernels/cpu/awq_dequant_ref.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstring>
#include <utility>
#include <fstream>
#include <functional>
#include <map>
#include <new>
#include <optional>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace awq::engine;
using Clock = std::chrono::steady_clock;

const char* quantMethodChoiceName(QuantMethodChoice m) noexcept {
    switch (m) {
        case QuantMethodChoice::Awq: return "awq";
        case QuantMethodChoice::Rtn: return "rtn";
        case QuantMethodChoice::Gptq: return "gptq";
    }
    return "?";
}

fs::path partialFolderFor(const fs::path& output) {
    fs::path p = output.lexically_normal();
    if (p.filename().empty()) p = p.parent_path();
    p += ".partial";
    return p;
}

namespace {

constexpr int kChunkBlocks = quant::kForwardChunkBlocks;

// Host bytes of a tensor that will be written to a safetensors file.
struct HostTensor {
    std::string name;
    DType dtype;
    std::vector<std::int64_t> shape;
    std::vector<std::byte> bytes;
};

HostTensor toHost(const std::string& name, const at::Tensor& t, DType dtype) {
    const auto cpu = t.to(at::kCPU, dtype == DType::F16 ? at::kHalf : at::kInt).contiguous();
    HostTensor h{name, dtype, {cpu.sizes().begin(), cpu.sizes().end()}, {}};
    h.bytes.resize(cpu.numel() * cpu.element_size());
    std::memcpy(h.bytes.data(), cpu.data_ptr(), h.bytes.size());
    return h;
}

// The AutoAWQ GEMM layout for one linear with pseudo-quantized weight w [N, K].
void packLinear(const std::string& prefix, const at::Tensor& w, const at::Tensor& bias, int groupSize, std::vector<HostTensor>& out) {
    const auto gq = quant::pseudoQuantize(w, groupSize);
    const int64_t N = w.size(0), K = w.size(1);
    const auto q = gq.q.t().contiguous().to(at::kCPU, at::kByte);       // [K, N]
    const auto z = gq.zeros.t().contiguous().to(at::kCPU, at::kByte);   // [K/G, N]
    const int64_t groups = z.size(0);
    auto qweight = at::empty({K, N / 8}, at::kInt);
    auto qzeros = at::empty({groups, N / 8}, at::kInt);
    kernels::packAwqGemm(q.data_ptr<std::uint8_t>(), int(K), int(N), qweight.data_ptr<std::int32_t>());
    kernels::packAwqGemm(z.data_ptr<std::uint8_t>(), int(groups), int(N), qzeros.data_ptr<std::int32_t>());
    out.push_back(toHost(prefix + ".qweight", qweight, DType::I32));
    out.push_back(toHost(prefix + ".qzeros", qzeros, DType::I32));
    out.push_back(toHost(prefix + ".scales", gq.scales.t().contiguous(), DType::F16));
    if (bias.defined()) out.push_back(toHost(prefix + ".bias", bias, DType::F16));
}

void writeHostTensors(const fs::path& file, const std::vector<HostTensor>& tensors) {
    std::vector<TensorToWrite> views;
    for (const auto& t : tensors) views.push_back({t.name, t.dtype, t.shape, t.bytes});
    writeSafetensors(file, views, {{"format", "pt"}});
}

void checkFinite(const at::Tensor& t, const std::string& what, int layer) {
    if (!at::isfinite(t).all().item<bool>())
        throw Error("NaN or infinite values in " + what + " of layer " + std::to_string(layer), {},
                    "the source model or the calibration text produces non-finite values; check the model in fp32 first");
}

DenseLinear& dense(const std::unique_ptr<Linear>& l) { return static_cast<DenseLinear&>(*l); }

// The four linear inputs of a decoder layer, in LayerCapture order.
struct LayerInputStats {
    std::vector<quant::InputStats> inputs;  // qkv, o, mlp (gate/up), down
    explicit LayerInputStats(int groupSize) : inputs(4, quant::InputStats(groupSize)) {}
    void add(const LayerCapture& c) {
        inputs[0].add(c.qkvInput);
        inputs[1].add(c.oInput);
        inputs[2].add(c.mlpInput);
        inputs[3].add(c.downInput);
    }
};

// Runs the layer over the calibration activations in chunks of kChunkBlocks sequences; hands each
// chunk's linear inputs to `onCapture` when given. Returns the layer's output when `keepOutput`.
at::Tensor forwardLayer(const DecoderLayer& layer, const ModelConfig& c, const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin,
                        const at::Tensor& mask, const std::function<void(const LayerCapture&)>& onCapture, bool keepOutput = true,
                        const std::stop_token& stop = {}) {
    const int64_t n = x.size(0);
    std::vector<at::Tensor> outs;
    for (int64_t start = 0; start < n; start += kChunkBlocks) {
        quant::throwIfStopped(stop);
        LayerCapture part;
        auto out = decoderLayerForward(layer, c, x.narrow(0, start, std::min<int64_t>(kChunkBlocks, n - start)), cos, sin, mask, nullptr,
                                       onCapture ? &part : nullptr);
        if (onCapture) onCapture(part);
        if (keepOutput) outs.push_back(std::move(out));
    }
    return keepOutput ? at::cat(outs, 0) : at::Tensor();
}

// Where awqLayer is: the settings it searches with, the stop token, and a progress callback taking
// the share of the layer's search work done (0..1) and the stage ("scale search", "clip search").
struct LayerSearch {
    int groupSize = 128;
    int gridRatios = quant::kFullRatioGrid;
    std::stop_token stop;
    std::function<void(double, const char*)> progress;
};

// One decoder layer: AWQ scale search and folding, clipping (the layer's weights are changed in
// place; quantization follows). Returns the best ratio per scaling group (-1: no v -> o group).
std::vector<double> awqLayer(DecoderLayer& layer, const ModelConfig& c, LayerInputStats& stats, const at::Tensor& x, const at::Tensor& cos,
                             const at::Tensor& sin, const at::Tensor& mask, const LayerSearch& search) {
    const int groupSize = search.groupSize;
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
    std::vector<std::unique_ptr<quant::ScaleSearch>> searches;
    searches.push_back(std::make_unique<quant::ScaleSearch>(
        std::vector<at::Tensor*>{&q, &k, &v}, [&](const at::Tensor& in) { return attentionBlock(layer, c, in, cos, sin, mask); },
        stats.inputs[0].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop));
    if (foldVIntoO)
        searches.push_back(std::make_unique<quant::ScaleSearch>(std::vector<at::Tensor*>{&o}, [&](const at::Tensor& in) { return layer.o->forward(in); },
                                                                stats.inputs[1].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop));
    searches.push_back(std::make_unique<quant::ScaleSearch>(std::vector<at::Tensor*>{&gate, &up},
                                                            [&](const at::Tensor& in) { return mlpBlock(layer, in); }, stats.inputs[2].mean(),
                                                            groupSize, kChunkBlocks, search.gridRatios, search.stop));
    searches.push_back(std::make_unique<quant::ScaleSearch>(std::vector<at::Tensor*>{&down}, [&](const at::Tensor& in) { return layer.down->forward(in); },
                                                            stats.inputs[3].mean(), groupSize, kChunkBlocks, search.gridRatios, search.stop));

    // Progress: every candidate of every search of every chunk is one step; clipping takes the last 10%.
    const int64_t chunkBlocks = quant::searchChunkBlocks(c, x.size(1), int(x.element_size()));
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
    const auto vo = foldVIntoO ? searches[s++]->best() : quant::ScaleSearchResult{};
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
    // Biases on the producing side of a scale fold too (Qwen2's v bias).
    if (foldVIntoO && dense(layer.v).bias().defined())
        const_cast<at::Tensor&>(dense(layer.v).bias()).div_(vo.scales.to(dense(layer.v).bias().scalar_type()));

    // Clipping, not for q and k (their outputs meet in the softmax, where clipping hurts).
    const std::vector<std::pair<at::Tensor*, quant::InputStats*>> clipped{
        {&v, &stats.inputs[0]}, {&o, &stats.inputs[1]}, {&gate, &stats.inputs[2]}, {&up, &stats.inputs[2]}, {&down, &stats.inputs[3]}};
    for (std::size_t i = 0; i < clipped.size(); ++i) {
        if (search.progress) search.progress(0.9 + 0.1 * double(i) / double(clipped.size()), "clip search");
        const auto& [w, input] = clipped[i];
        quant::applyClip(*w, quant::searchBestClip(*w, input->gram(), groupSize, search.stop), groupSize);
    }

    return {qkv.ratio, foldVIntoO ? vo.ratio : -1.0, mlp.ratio, ud.ratio};
}

// A decoder layer's linears under their checkpoint names.
std::vector<std::pair<std::string, std::unique_ptr<Linear>*>> namedLinears(DecoderLayer& layer) {
    return {{"self_attn.q_proj", &layer.q}, {"self_attn.k_proj", &layer.k}, {"self_attn.v_proj", &layer.v}, {"self_attn.o_proj", &layer.o},
            {"mlp.gate_proj", &layer.gate},  {"mlp.up_proj", &layer.up},     {"mlp.down_proj", &layer.down}};
}

// Writes one linear's checkpoint tensors (the method's layout) under `prefix`.
using PackLinear = std::function<void(const std::string& prefix, const DenseLinear& linear, std::vector<HostTensor>& out)>;

// The GPTQ layout of one linear from what gptqQuantize computed for it.
void packGptqLinear(const std::string& prefix, const engine::GptqTensors& t, const at::Tensor& bias, std::vector<HostTensor>& out) {
    out.push_back(toHost(prefix + ".qweight", t.qweight, DType::I32));
    out.push_back(toHost(prefix + ".qzeros", t.qzeros, DType::I32));
    out.push_back(toHost(prefix + ".scales", t.scales, DType::F16));
    out.push_back(toHost(prefix + ".g_idx", t.gIdx, DType::I32));
    if (bias.defined()) out.push_back(toHost(prefix + ".bias", bias, DType::F16));
}

// The quantized layer as stored: norms in fp16 (AWQ scales folded in), linears packed by `pack`.
std::vector<HostTensor> storeLayer(DecoderLayer& layer, const ModelConfig& c, int l, const PackLinear& pack) {
    const std::string p = "model.layers." + std::to_string(l) + ".";
    std::vector<HostTensor> out;
    out.push_back(toHost(p + "input_layernorm.weight", layer.inputNorm, DType::F16));
    out.push_back(toHost(p + "post_attention_layernorm.weight", layer.postAttentionNorm, DType::F16));
    if (c.qkNorm) {
        out.push_back(toHost(p + "self_attn.q_norm.weight", layer.qNorm, DType::F16));
        out.push_back(toHost(p + "self_attn.k_norm.weight", layer.kNorm, DType::F16));
    }
    for (const auto& [name, lin] : namedLinears(layer)) pack(p + name, dense(*lin), out);
    return out;
}

// One decoder layer with GPTQ, part by part in forward order as AutoGPTQ's true_sequential runs
// it: q/k/v, then o, then gate/up, then down, each against the inputs the already quantized parts
// produce (the layer runs again over the calibration activations for each part, so only one
// Hessian is held at a time). `qkvHessian` comes from the capture pass. The weights become their
// dequantized GPTQ values; returns the checkpoint tensors per linear.
std::map<const Linear*, GptqTensors> gptqLayer(DecoderLayer& layer, const ModelConfig& c, quant::HessianSum qkvHessian, const at::Tensor& x,
                                               const at::Tensor& cos, const at::Tensor& sin, const at::Tensor& mask,
                                               const quant::GptqOptions& options, const LayerSearch& search) {
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
        quant::HessianSum hessian;
        if (i == 0) {
            hessian = std::move(qkvHessian);
        } else {
            forwardLayer(layer, c, x, cos, sin, mask, [&](const LayerCapture& part) { hessian.add(part.*parts[i].input); }, false, search.stop);
        }
        const auto h = hessian.hessian();
        for (auto* lin : parts[i].linears) {
            auto& w = dense(*lin).weight();
            const auto r = quant::gptqQuantize(w, h, options, search.stop);
            packed[lin->get()] = quant::packGptqResult(r);
            w = r.dequantized;
        }
    }
    return packed;
}

fs::path layerFile(const fs::path& work, int l) { return work / ("model-layer-" + std::to_string(100000 + l).substr(1) + ".safetensors"); }

// GPTQ resume: a finished layer's weights as written (dequantized), so that the activations carried
// to the next layer are the quantized model's, as in the run that was interrupted.
void loadWrittenGptqLayer(DecoderLayer& layer, int l, const fs::path& work, const at::Device& device) {
    const SafetensorsFile file(layerFile(work, l));
    auto tensor = [&](const std::string& name, at::ScalarType type) {
        const TensorInfo* t = file.find(name);
        if (!t) throw Error("tensor '" + name + "' is missing from the finished layer", file.path(), "delete the .partial folder and start over");
        return loadTensor(file.data(*t), *t, type, device);
    };
    const std::string p = "model.layers." + std::to_string(l) + ".";
    for (const auto& [name, lin] : namedLinears(layer)) {
        const GptqTensors t{tensor(p + name + ".qweight", at::kInt), tensor(p + name + ".qzeros", at::kInt), tensor(p + name + ".scales", at::kHalf),
                            tensor(p + name + ".g_idx", at::kInt)};
        auto& w = dense(*lin).weight();
        w = dequantizeGptq(t, true, w.scalar_type()).t().contiguous();
    }
}

// Replaces every linear's weight by its pseudo-quantized version (to measure the layer's error).
void pseudoQuantizeLayer(DecoderLayer& layer, int groupSize) {
    for (auto* lin : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down})
        dense(*lin).weight() = quant::pseudoQuantize(dense(*lin).weight(), groupSize).dequantized;
}

// Torch and allocation failures as a user-facing error naming the layer (the journal keeps every
// finished layer, so the job resumes there once the cause is fixed).
Error jobError(const std::exception& e, const std::string& where, bool cuda, const fs::path& work) {
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    const bool oom = dynamic_cast<const std::bad_alloc*>(&e) || what.find("out of memory") != std::string::npos ||
                     what.find("can't allocate memory") != std::string::npos;
    if (oom)
        return Error(std::string("out of ") + (cuda ? "GPU " : "") + "memory" + where, work,
                     "use fewer calibration samples (--samples) or a shorter --seqlen" + std::string(cuda ? ", or free GPU memory" : "") +
                         "; --resume continues from the first unfinished layer");
    return Error("quantization failed" + where + ": " + what, work, "--resume continues from the first unfinished layer once the cause is fixed");
}

// The output's non-layer tensors and where each comes from. A tied model keeps its one matrix as
// model.embed_tokens.weight only, as AutoAWQ (transformers' save_pretrained) writes it: vLLM skips
// lm_head.* when tie_word_embeddings is true and reads the embedding, so a source that stores the
// tied matrix only as lm_head.weight (Llama-3.2 style) must have it renamed, not copied as is.
std::vector<std::pair<std::string, const TensorInfo*>> embeddingAndHeadTensors(const TensorStore& store, bool tied) {
    const TensorInfo* embed = store.find("model.embed_tokens.weight");
    const TensorInfo* head = store.find("lm_head.weight");
    std::vector<std::pair<std::string, const TensorInfo*>> out;
    if (const TensorInfo* e = embed ? embed : tied ? head : nullptr) out.emplace_back("model.embed_tokens.weight", e);
    if (const TensorInfo* n = store.find("model.norm.weight")) out.emplace_back("model.norm.weight", n);
    if (!tied && head) out.emplace_back("lm_head.weight", head);
    return out;
}

json settingsJson(const QuantizeSettings& s, const ModelInfo& source) {
    json files = json::array();
    for (const auto& f : s.calibrationFiles) files.push_back(f.string());
    json j = {{"method", quantMethodChoiceName(s.method)},
            {"bits", 4},
            {"group_size", s.groupSize},
            {"zero_point", true},
            {"samples", s.samples},
            {"seqlen", s.seqlen},
            {"calibration_files", files},
            {"source_fingerprint", source.fingerprint}};
    // Only a non-default grid is recorded, so journals written before the grid was a setting still resume.
    if (s.method == QuantMethodChoice::Awq && s.gridRatios != quant::kFullRatioGrid) j["grid_ratios"] = s.gridRatios;
    if (s.method == QuantMethodChoice::Gptq) {
        j["act_order"] = s.actOrder;
        j["damp_percent"] = s.dampPercent;
    }
    return j;
}

// Read through the model-folder rule (core/model/model_files.h): links leaving the folder are refused.
void copySideFiles(const fs::path& from, const fs::path& to) {
    for (const char* name : kModelSideFiles)
        if (const auto text = readModelFile(from, name)) writeFileAtomically(to / name, *text);
}

void writeConfig(const ModelInfo& m, const QuantizeSettings& s, const fs::path& to) {
    json config = parseJson(readModelFile(m.folder, "config.json").value(), {m.folder / "config.json", "fix or re-download config.json"});
    if (s.method == QuantMethodChoice::Gptq)  // as GPTQModel / AutoGPTQ write it (transformers' GPTQConfig keys)
        config["quantization_config"] = {{"quant_method", "gptq"},   {"bits", 4},           {"group_size", s.groupSize},
                                          {"desc_act", s.actOrder},   {"sym", false},        {"damp_percent", s.dampPercent},
                                          {"true_sequential", true},  {"static_groups", false}, {"checkpoint_format", "gptq"},
                                          {"lm_head", false}};
    else
        config["quantization_config"] = {{"quant_method", "awq"}, {"bits", 4},         {"group_size", s.groupSize},
                                          {"zero_point", true},     {"version", "gemm"}, {"modules_to_not_convert", nullptr}};
    if (config.contains("torch_dtype")) config["torch_dtype"] = "float16";
    else config["dtype"] = "float16";
    writeFileAtomically(to / "config.json", config.dump(2) + "\n");
}

// A work folder a job left before writing anything (disk full before the first journal write, or
// killed at once): nothing in it but, at most, a dead writer's temp files (name.tmp-PID).
bool holdsNothing(const fs::path& work) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work, ec))
        if (e.path().filename().string().find(".tmp-") == std::string::npos) return false;
    return !ec;
}

// The summary of a job that wrote everything and was stopped before its final rename, or nullopt
// when `work` is not that. The record (awqbench_quantization.json) is written after the last model
// file and the index, atomically: its presence means the model is complete. The record must be of
// this job (same settings) and its index must open with every shard it names.
std::optional<QuantizeSummary> finishedJob(const fs::path& work, const json& jobSettings, int layers) {
    const fs::path recordFile = work / "awqbench_quantization.json";
    std::error_code ec;
    if (!fs::is_regular_file(recordFile, ec)) return std::nullopt;
    const json record = readJsonFile({recordFile, "delete the .partial folder and start over"});
    if (!record.is_object() || !record.contains("finished") || !record.contains("settings") || !record.contains("layers") ||
        !record["layers"].is_array() || int(record["layers"].size()) != layers)
        throw Error("the record of the finished job is incomplete", recordFile, "delete the .partial folder and start over");
    if (record["settings"] != jobSettings)
        throw Error("the finished job used other settings or another source model", work,
                    "resume with the same settings, or delete the folder to start over");
    if (!fs::is_regular_file(work / "model.safetensors.index.json", ec) || !fs::is_regular_file(work / "config.json", ec))
        throw Error("the job's record is there but the model's index or config.json is missing", work,
                    "delete the .partial folder and start over");
    TensorStore::openFolder(work);  // every shard the index names is present and readable
    fs::remove(work / "awqbench_job.json", ec);  // killed between writing the record and removing the journal

    QuantizeSummary summary;
    summary.layers = layers;
    summary.resumedFromLayer = layers;
    if (const auto it = record.find("calibration"); it != record.end() && it->is_object()) {
        summary.calibrationTokens = it->value("tokens", std::uint64_t(0));
        const auto seqlen = record["settings"].value("seqlen", std::uint64_t(0));
        summary.calibrationBlocks = seqlen > 0 ? int(summary.calibrationTokens / seqlen) : 0;
    }
    for (const auto& l : record["layers"])
        summary.perLayer.push_back({l.value("layer", 0), l.value("seconds", 0.0), l.value("output_mse", 0.0),
                                    l.value("scale_ratios", std::vector<double>{})});
    return summary;
}

// A killed run's "name.tmp-PID" files: never part of the model, so the finished folder (and the pool
// copy and manifest made from it) holds exactly the model's files.
void clearDeadWriterTemps(const fs::path& work) {
    for (const auto& f : removeDeadWriterTempFiles(work)) log::info("quantize: removed " + f.string() + " (left by a killed run)");
}

void moveIntoPlace(const fs::path& work, const fs::path& output) {
    clearDeadWriterTemps(work);
    std::error_code ec;
    fs::rename(work, output, ec);
    if (ec) throw Error("cannot move the finished model into place: " + ec.message(), output, "the result is in " + work.string());
}

std::uint64_t folderFileBytes(const fs::path& folder) {
    std::uint64_t n = 0;
    for (const auto& e : fs::directory_iterator(folder)) n += e.is_regular_file() ? e.file_size() : 0;
    return n;
}

}  // namespace

QuantizeSummary runQuantizeJob(const QuantizeSettings& settings, const QuantizeEventFn& onEvent, std::stop_token stop) {
    retainLargeAllocations();  // the searches reuse chunk-sized blocks instead of faulting them in again
    const auto started = Clock::now();
    auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - started).count(); };
    auto emit = [&](QuantizeEvent e) {
        e.elapsedS = elapsed();
        if (onEvent) onEvent(e);
    };

    const ModelInfo source = describeModel(settings.model);
    const auto& config = source.config;
    checkQuantizable(source, settings.groupSize);
    if (settings.gridRatios < 1 || settings.gridRatios > 100)
        throw Error("the scale grid needs 1 to 100 ratios, not " + std::to_string(settings.gridRatios), {}, "AutoAWQ uses 20 (--grid 20)");
    if (settings.method == QuantMethodChoice::Gptq && !(settings.dampPercent > 0 && settings.dampPercent < 1))
        throw Error("the GPTQ damping must lie between 0 and 1, not " + std::to_string(settings.dampPercent), {}, "GPTQ's default is 0.01 (--damp 0.01)");
    checkRopeCovers(config, settings.seqlen, settings.model / "config.json");  // before <out>.partial exists
    if (fs::exists(settings.output))
        throw Error("the output folder already exists", settings.output, "choose another --out or delete it");

    const fs::path work = partialFolderFor(settings.output);
    requireWritableFolder(work.parent_path());  // read-only, not permitted, a file in the way: before any work
    const json jobSettings = settingsJson(settings, source);
    quant::JobJournal journal(work / "awqbench_job.json");
    if (fs::exists(work) && holdsNothing(work)) fs::remove_all(work);  // died before writing anything: a fresh start
    if (fs::exists(work)) {
        if (!settings.resume)
            throw Error("an interrupted job is in the way", work, "resume it with --resume, or delete the folder to start over");
        clearDeadWriterTemps(work);
        if (auto done = finishedJob(work, jobSettings, config.numLayers)) {
            moveIntoPlace(work, settings.output);
            done->output = settings.output;
            done->outputBytes = folderFileBytes(settings.output);
            emit({.kind = QuantizeEvent::Kind::Finished, .layer = config.numLayers, .layers = config.numLayers, .stage = "done"});
            return *done;
        }
        journal.load();
        if (journal.settings() != jobSettings)
            throw Error("the interrupted job used other settings or another source model", work,
                        "resume with the same settings, or delete the folder to start over");
    } else {
        std::error_code ec;
        fs::create_directories(work, ec);
        if (ec) {
            if (auto e = userFilesystemError(ec, work, "cannot create the work folder")) throw *e;
            throw Error("cannot create the work folder: " + ec.message(), work, "choose another --out");
        }
        journal.start(jobSettings);
    }
    const int resumeFrom = journal.layersDone();

    at::Device device(at::kCPU);
    if (settings.device == "cuda") {
        if (!at::hasCUDA()) throw Error("CUDA is not available to this build", {}, "use --device cpu, or a CUDA build (README: GPU build)");
        device = at::Device(at::kCUDA, 0);
    } else if (settings.device != "cpu") {
        throw Error("unknown device '" + settings.device + "'", {}, "use cpu or cuda");
    }
    const at::ScalarType compute = device.is_cuda() ? at::kHalf : at::kFloat;
    c10::InferenceMode guard;
    auto gpuPeak = [&]() -> std::uint64_t { return device.is_cuda() ? cudaPeakAllocatedBytes(0) : 0; };
    auto memoryEvent = [&](QuantizeEvent e) {
        e.gpuMemoryBytes = device.is_cuda() ? cudaAllocatedBytes(0) : 0;
        e.gpuPeakBytes = gpuPeak();
        return e;
    };

    // Calibration.
    emit({.kind = QuantizeEvent::Kind::Started, .layers = config.numLayers, .stage = "calibration"});
    const auto tokenizer = Tokenizer::load(settings.model);
    auto files = settings.calibrationFiles;
    if (files.empty()) {
        const auto def = defaultCalibrationFile();
        if (def.empty()) throw Error("no calibration text given and the bundled default is missing", {}, "pass --calib FILE");
        files.push_back(def);
    }
    const auto calib = buildCalibrationSet(tokenizer, loadCalibrationTexts(files, settings.samples), settings.samples, settings.seqlen);
    for (const auto& w : calib.warnings) {
        log::warn("quantize: " + w);
        emit({.kind = QuantizeEvent::Kind::Warning, .layers = config.numLayers, .message = w});
    }
    const int64_t n = int64_t(calib.blocks.size()), S = settings.seqlen;
    auto ids = at::empty({n, S}, at::kLong);
    for (int64_t b = 0; b < n; ++b)
        for (int64_t t = 0; t < S; ++t) ids[b][t] = calib.blocks[b][t];

    const TensorStore store = TensorStore::openFolder(settings.model);
    const LoadContext ctx{store, compute, device, settings.groupSize};
    const TensorInfo* embedInfo = store.find("model.embed_tokens.weight");
    if (!embedInfo) embedInfo = store.find("lm_head.weight");
    // The embedding lookup runs on the host: the table (1.2 GB for an 8B model) never visits the GPU.
    if (device.is_cuda()) cudaResetPeak(0);
    // A cap on this job's GPU allocations (a GPU shared with a server); lifted when the job ends.
    struct MemoryCap {
        bool set;
        explicit MemoryCap(std::uint64_t bytes) : set(bytes > 0) { if (set) cudaLimitMemory(0, bytes); }
        ~MemoryCap() { if (set) cudaLimitMemory(0, 0); }
    } cap(device.is_cuda() ? settings.maxDeviceMemoryBytes : 0);
    QuantizeSummary summary;
    summary.output = settings.output;
    summary.layers = config.numLayers;
    summary.resumedFromLayer = resumeFrom;
    summary.calibrationBlocks = int(n);
    summary.calibrationTokens = std::uint64_t(n * S);
    summary.perLayer = journal.layerReports();

    std::string where = " while preparing the calibration activations";  // for errors
    try {
        auto x = at::embedding(loadTensor(store, *embedInfo, compute, at::Device(at::kCPU)), ids).to(device);
        const auto rope = buildRope(config, int(S), device);
        const auto cos = rope.cos.narrow(0, 0, S).to(compute).view({1, 1, S, -1});
        const auto sin = rope.sin.narrow(0, 0, S).to(compute).view({1, 1, S, -1});
        for (int l = 0; l < config.numLayers; ++l) {
            where = " at layer " + std::to_string(l);
            const auto mask = causalMask(config.windowOfLayer(l), S, device);
            const auto layerStart = Clock::now();
            auto layer = loadDecoderLayer(ctx, config, l);
            if (l < resumeFrom) {  // done in an earlier run: only carry the activations forward
                if (settings.method == QuantMethodChoice::Gptq) loadWrittenGptqLayer(layer, l, work, device);
                x = forwardLayer(layer, config, x, cos, sin, mask, {});
                continue;
            }
            if (stop.stop_requested()) throw Error("cancelled at layer " + std::to_string(l), work, "run again with --resume to continue");

            for (auto* lin : {&layer.q, &layer.k, &layer.v, &layer.o, &layer.gate, &layer.up, &layer.down})
                checkFinite(dense(*lin).weight(), "the weights", l);
            emit(memoryEvent({.layer = l, .layers = config.numLayers, .stage = "capture", .layerFraction = 0}));
            const bool gptq = settings.method == QuantMethodChoice::Gptq;
            LayerInputStats stats(settings.groupSize);
            quant::HessianSum qkvHessian;  // GPTQ: q/k/v's inputs, which no quantized part of this layer changes
            const auto next = forwardLayer(layer, config, x, cos, sin, mask, [&](const LayerCapture& part) {
                if (gptq) qkvHessian.add(part.qkvInput);
                else stats.add(part);
            }, true, stop);
            checkFinite(next, "the activations", l);

            LayerReport report;
            report.layer = l;
            if (settings.method == QuantMethodChoice::Awq) {
                // The capture took ~1/(grid + 4) of the layer; the searches take the rest up to the error pass.
                const double before = 1.0 / (settings.gridRatios + 4), searchShare = 1.0 - 2 * before;
                LayerSearch search{settings.groupSize, settings.gridRatios, stop, [&](double fraction, const char* stage) {
                                       emit(memoryEvent({.layer = l, .layers = config.numLayers, .stage = stage,
                                                         .layerFraction = before + searchShare * fraction}));
                                   }};
                search.progress(0, "scale search");
                report.scaleRatios = awqLayer(layer, config, stats, x, cos, sin, mask, search);
            }
            if (stop.stop_requested()) throw Error("cancelled at layer " + std::to_string(l), work, "run again with --resume to continue");

            std::map<const Linear*, GptqTensors> gptqTensors;
            if (gptq) {
                // The capture was ~1/5 of the layer: one forward per part, then the error pass.
                LayerSearch search{settings.groupSize, 0, stop, [&](double fraction, const char* stage) {
                                       emit(memoryEvent({.layer = l, .layers = config.numLayers, .stage = stage, .layerFraction = 0.2 + 0.6 * fraction}));
                                   }};
                const quant::GptqOptions options{.groupSize = settings.groupSize, .actOrder = settings.actOrder, .dampPercent = settings.dampPercent};
                gptqTensors = gptqLayer(layer, config, std::move(qkvHessian), x, cos, sin, mask, options, search);
            }

            emit(memoryEvent({.layer = l, .layers = config.numLayers, .stage = "quantize",
                              .layerFraction = settings.method == QuantMethodChoice::Awq ? 1.0 - 1.0 / (settings.gridRatios + 4)
                                               : gptq                                    ? 0.8
                                                                                         : 0.5}));
            PackLinear pack = [&](const std::string& prefix, const DenseLinear& lin, std::vector<HostTensor>& out) {
                if (gptq) packGptqLinear(prefix, gptqTensors.at(&lin), lin.bias(), out);
                else packLinear(prefix, lin.weight(), lin.bias(), settings.groupSize, out);
            };
            auto tensors = storeLayer(layer, config, l, pack);
            if (!gptq) pseudoQuantizeLayer(layer, settings.groupSize);  // GPTQ's weights are already the dequantized ones
            double squaredError = 0;
            std::vector<at::Tensor> quantizedOutputs;
            for (int64_t start = 0; start < n; start += kChunkBlocks) {
                if (stop.stop_requested()) throw Error("cancelled at layer " + std::to_string(l), work, "run again with --resume to continue");
                const int64_t len = std::min<int64_t>(kChunkBlocks, n - start);
                auto out = decoderLayerForward(layer, config, x.narrow(0, start, len), cos, sin, mask);
                squaredError += (out.to(at::kFloat) - next.narrow(0, start, len).to(at::kFloat)).pow(2).sum().item<double>();
                if (gptq) quantizedOutputs.push_back(std::move(out));
            }
            report.outputMse = squaredError / double(next.numel());

            emit({.layer = l, .layers = config.numLayers, .stage = "write"});
            writeHostTensors(layerFile(work, l), tensors);
            report.seconds = std::chrono::duration<double>(Clock::now() - layerStart).count();
            journal.layerDone(report);
            summary.perLayer.push_back(report);
            // AWQ: the next layer sees the original model's activations (as AutoAWQ); GPTQ: the
            // quantized layer's, so that later layers correct earlier layers' error (as AutoGPTQ).
            x = gptq ? at::cat(quantizedOutputs, 0) : next;

            const int doneThisRun = l + 1 - resumeFrom;
            QuantizeEvent done{.kind = QuantizeEvent::Kind::LayerDone, .layer = l, .layers = config.numLayers, .stage = "layer done"};
            done.layerError = report.outputMse;
            done.layerSeconds = report.seconds;
            done.etaS = elapsed() / doneThisRun * (config.numLayers - l - 1);
            emit(memoryEvent(done));
            char line[160];
            std::snprintf(line, sizeof line, "quantize: layer %d/%d done in %.2f s, output MSE %.3g", l + 1, config.numLayers, report.seconds,
                          report.outputMse);
            log::info(line);
        }

        where = " while writing the model";
        // Embeddings, final norm and head, in fp16 and under the names AutoAWQ writes them.
        std::vector<HostTensor> rest;
        for (const auto& [name, from] : embeddingAndHeadTensors(store, config.tieWordEmbeddings))
            rest.push_back(toHost(name, loadTensor(store, *from, at::kHalf, at::Device(at::kCPU)), DType::F16));
        writeHostTensors(work / "model-embeddings.safetensors", rest);

        json weightMap = json::object();
        std::uint64_t totalBytes = 0;
        for (const auto& entry : fs::directory_iterator(work)) {
            if (entry.path().extension() != ".safetensors") continue;
            const SafetensorsFile f(entry.path());
            for (const auto& t : f.tensors()) {
                weightMap[t.name] = entry.path().filename().string();
                totalBytes += t.byteSize;
            }
        }
        writeFileAtomically(work / "model.safetensors.index.json",
                            json{{"metadata", {{"total_size", totalBytes}}}, {"weight_map", weightMap}}.dump(2) + "\n");
        writeConfig(source, settings, work);
        copySideFiles(settings.model, work);
    } catch (const quant::Cancelled&) {
        // Inside a layer: nothing of it was journaled, so --resume redoes it.
        throw Error("cancelled" + where, work, "run again with --resume to continue");
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw jobError(e, where, device.is_cuda(), work);
    }
    journal.finish(elapsed());
    journal.writeRecord(work / "awqbench_quantization.json", source, calib.textsUsed, summary.calibrationTokens, files,
                        settings.calibrationFiles.empty());
    fs::remove(work / "awqbench_job.json");

    moveIntoPlace(work, settings.output);
    summary.seconds = elapsed();
    summary.peakGpuBytes = gpuPeak();
    summary.outputBytes = folderFileBytes(settings.output);
    emit({.kind = QuantizeEvent::Kind::Finished, .layer = config.numLayers, .layers = config.numLayers, .stage = "done"});
    return summary;
}

}  // namespace awq
