// GPTQ (issue #16): the checkpoint layout read back independently of our code (AutoGPTQ's packing
// rules, written out here in plain C++), the engine's GPTQ load path against that reading, resume
// after a cancel, and the quality bar on the 656K fixture (GPTQ's KL divergence below RTN's).
// The demo model's AWQ / GPTQ / RTN table is in test_quant_quality.
#include "core/engine/engine.h"
#include "core/engine/evaluation.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "core/quant/quantize_job.h"
#include "kernels/cpu/half.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <fstream>
#include <set>

using namespace awq;
namespace fs = std::filesystem;

namespace {

QuantizeSettings gptqJob(const fs::path& model, const fs::path& out, bool actOrder) {
    QuantizeSettings s;
    s.model = model;
    s.output = out;
    s.method = QuantMethodChoice::Gptq;
    s.actOrder = actOrder;
    s.calibrationFiles = {test::dataFile("calib-stories.txt")};
    s.samples = 8;
    s.seqlen = 128;
    return s;
}

std::string fileBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

template <typename T>
std::vector<T> tensorValues(const TensorStore& store, const std::string& name) {
    const TensorInfo* t = store.find(name);
    if (!t) throw std::runtime_error("missing " + name);
    std::vector<T> v(t->byteSize / sizeof(T));
    std::memcpy(v.data(), store.data(*t).data(), t->byteSize);
    return v;
}

// One GPTQ linear read as AutoGPTQ's qlinear_cuda_old.py packs it: qweight [K/8, N] with row 8r+j
// of column n in bits 4j of word [r, n]; qzeros [G, N/8] with column 8c+j in bits 4j of word [g, c],
// holding zero - 1; scales fp16 [G, N]; g_idx [K]. Returns w [N][K] (fp16-rounded, as the engine).
struct ReadLinear {
    int K = 0, N = 0, groups = 0;
    std::vector<float> weight;  // [N, K]
    std::vector<int> gIdx;
    std::vector<int> zeros;     // [G, N], read back (stored + 1)
    std::vector<int> q;         // [K, N], the codes 0..15
};

ReadLinear readGptqLinear(const TensorStore& store, const std::string& prefix) {
    ReadLinear r;
    const TensorInfo* qw = store.find(prefix + ".qweight");
    const TensorInfo* sc = store.find(prefix + ".scales");
    r.K = int(qw->shape[0] * 8);
    r.N = int(qw->shape[1]);
    r.groups = int(sc->shape[0]);
    const auto qweight = tensorValues<std::uint32_t>(store, prefix + ".qweight");
    const auto qzeros = tensorValues<std::uint32_t>(store, prefix + ".qzeros");
    const auto scales = tensorValues<std::uint16_t>(store, prefix + ".scales");
    r.gIdx = tensorValues<std::int32_t>(store, prefix + ".g_idx");
    r.zeros.resize(std::size_t(r.groups) * r.N);
    for (int g = 0; g < r.groups; ++g)
        for (int n = 0; n < r.N; ++n)
            r.zeros[std::size_t(g) * r.N + n] = int((qzeros[std::size_t(g) * (r.N / 8) + n / 8] >> (4 * (n % 8))) & 0xF) + 1;
    r.weight.resize(std::size_t(r.N) * r.K);
    r.q.resize(std::size_t(r.K) * r.N);
    for (int k = 0; k < r.K; ++k)
        for (int n = 0; n < r.N; ++n) {
            const int q = r.q[std::size_t(k) * r.N + n] = int((qweight[std::size_t(k / 8) * r.N + n] >> (4 * (k % 8))) & 0xF);
            const int g = r.gIdx[std::size_t(k)];
            const float s = kernels::halfToFloat(scales[std::size_t(g) * r.N + n]);
            r.weight[std::size_t(n) * r.K + k] = kernels::halfToFloat(kernels::floatToHalf(float(q - r.zeros[std::size_t(g) * r.N + n]) * s));
        }
    return r;
}

const char* const kLinears[] = {"self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                                "mlp.gate_proj",    "mlp.up_proj",      "mlp.down_proj"};

// KLD and top-1 of `folder` against `reference` over the first 32 windows of 256 eval tokens.
struct Quality {
    double kld = 0, top1 = 0;
};
Quality measure(Engine& reference, const std::vector<int>& ids, const fs::path& folder) {
    const auto engine = Engine::load(folder);
    const auto r = evaluatePerplexity(*engine, ids, {.context = 256, .stride = 256, .maxWindows = 32}, &reference);
    return {*r.meanKld, *r.top1Agreement};
}

// measure() of `folder` against the 656K model on eval-stories.txt.
Quality measureAgainst656k(const fs::path& folder) {
    const auto reference = Engine::load(test::modelDir("tinystories-656k"));
    std::ifstream in(test::dataFile("eval-stories.txt"), std::ios::binary);
    return measure(*reference, reference->encode(std::string(std::istreambuf_iterator<char>(in), {}), false), folder);
}

}  // namespace

class GptqTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path tmp(const char* name) const { return fs::path(tmp_.path().toStdString()) / name; }

private Q_SLOTS:
    // The checkpoint as vLLM / transformers read it, and the engine's logits on it equal to those of
    // a dense model holding the independently dequantized weights.
    void checkpointReadsBackAndTheEngineRunsIt() {
        const auto summary = runQuantizeJob(gptqJob(test::modelDir("tinystories-qwen3-7m"), tmp("gptq"), /*actOrder=*/true));
        QCOMPARE(summary.layers, 8);
        const auto config = nlohmann::json::parse(fileBytes(tmp("gptq") / "config.json"));
        const auto& qc = config["quantization_config"];
        QCOMPARE(qc["quant_method"].get<std::string>(), std::string("gptq"));
        QCOMPARE(qc["bits"].get<int>(), 4);
        QCOMPARE(qc["group_size"].get<int>(), 128);
        QCOMPARE(qc["desc_act"].get<bool>(), true);
        QCOMPARE(qc["sym"].get<bool>(), false);
        QCOMPARE(qc["checkpoint_format"].get<std::string>(), std::string("gptq"));
        QCOMPARE(qc["damp_percent"].get<double>(), 0.01);
        // AutoGPTQ reads a local folder's settings from quantize_config.json alone.
        QCOMPARE(nlohmann::json::parse(fileBytes(tmp("gptq") / "quantize_config.json")), qc);
        const auto info = describeModel(tmp("gptq"));
        QCOMPARE(info.config.quantization.method, QuantMethod::Gptq);
        QVERIFY(info.config.quantization.descAct);

        const auto store = TensorStore::openFolder(tmp("gptq"));
        std::vector<std::pair<std::string, std::vector<float>>> dense;  // [N, K] per linear
        bool someGroupsReordered = false;
        for (int l = 0; l < 8; ++l)
            for (const char* name : kLinears) {
                const std::string prefix = "model.layers." + std::to_string(l) + "." + name;
                QVERIFY2(!store.find(prefix + ".weight"), prefix.c_str());
                const auto r = readGptqLinear(store, prefix);
                QCOMPARE(r.groups, r.K / 128);
                // Act-order: every group still holds exactly 128 input channels, in some order.
                std::vector<int> members(std::size_t(r.groups), 0);
                for (int k = 0; k < r.K; ++k) {
                    QVERIFY(r.gIdx[std::size_t(k)] >= 0 && r.gIdx[std::size_t(k)] < r.groups);
                    ++members[std::size_t(r.gIdx[std::size_t(k)])];
                    someGroupsReordered = someGroupsReordered || r.gIdx[std::size_t(k)] != k / 128;
                }
                for (int m : members) QCOMPARE(m, 128);
                for (int z : r.zeros) QVERIFY2(z >= 1 && z <= 15, prefix.c_str());  // v1 cannot hold 0
                dense.emplace_back(prefix + ".weight", r.weight);
            }
        QVERIFY(someGroupsReordered);

        // The same model with the linears dense (float32 values of the fp16-rounded weights).
        const fs::path plain = tmp("gptq-read-as-dense");
        fs::create_directories(plain);
        std::vector<TensorToWrite> tensors;
        std::vector<std::vector<float>> keep;
        for (const auto& t : store.tensors()) {
            const std::string& n = t.name;
            if (n.ends_with(".qweight") || n.ends_with(".qzeros") || n.ends_with(".scales") || n.ends_with(".g_idx")) continue;
            tensors.push_back({n, t.dtype, t.shape, store.data(t)});
        }
        for (const auto& [name, w] : dense) {
            const TensorInfo* qw = store.find(name.substr(0, name.size() - 7) + ".qweight");
            const std::int64_t K = qw->shape[0] * 8, N = qw->shape[1];
            tensors.push_back({name, DType::F32, {N, K}, std::as_bytes(std::span(w))});
        }
        writeSafetensors(plain / "model.safetensors", tensors, {{"format", "pt"}});
        auto plainConfig = config;
        plainConfig.erase("quantization_config");
        std::ofstream(plain / "config.json") << plainConfig.dump(2);
        for (const char* f : {"tokenizer.json", "tokenizer_config.json"}) fs::copy_file(tmp("gptq") / f, plain / f);

        const auto gptq = Engine::load(tmp("gptq"));
        const auto reference = Engine::load(plain);
        const auto ids = gptq->encode("Once upon a time, a little fox found a red ball in the park.", false);
        const auto a = gptq->logits(ids), b = reference->logits(ids);
        QCOMPARE(a.size(), b.size());
        float maxDiff = 0;
        for (std::size_t i = 0; i < a.size(); ++i) maxDiff = std::max(maxDiff, std::abs(a[i] - b[i]));
        qInfo("GPTQ engine vs independently dequantized dense model: max |logit diff| %.3g", double(maxDiff));
        QVERIFY(maxDiff < 1e-3f);

        GenerationRequest r;
        r.promptIds = gptq->encode("Once upon a time", false);
        r.maxNewTokens = 20;
        QVERIFY(QString::fromStdString(gptq->generate({r})[0].text).size() > 20);
    }

    // Resumed layers carry the activations of the weights read back from the written layer files;
    // byte-identical output shows those equal the quantizer's own (GPTQ feeds quantized outputs on).
    void cancelThenResumeIsByteIdentical() {
        const auto model = test::modelDir("tinystories-qwen3-7m");
        runQuantizeJob(gptqJob(model, tmp("whole"), false));
        auto parts = gptqJob(model, tmp("parts"), false);
        std::stop_source stop;
        const auto stopped = runQuantizeJob(parts, [&](const QuantizeEvent& e) {
            if (e.kind == QuantizeEvent::Kind::LayerDone && e.layer == 3) stop.request_stop();
        }, stop.get_token());
        QVERIFY(stopped.cancelled);
        QVERIFY2(stopped.stopNote.find("cancelled at layer 5 of " + std::to_string(stopped.layers)) != std::string::npos, stopped.stopNote.c_str());
        // Other GPTQ settings do not take the interrupted job over.
        auto other = parts;
        other.resume = true;
        other.actOrder = true;
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(other); }).contains("other settings"));
        parts.resume = true;
        QCOMPARE(runQuantizeJob(parts).resumedFromLayer, 4);
        std::set<fs::path> names;
        for (const auto& e : fs::directory_iterator(tmp("whole"))) {
            const auto name = e.path().filename();
            names.insert(name);
            if (name == "awqbench_quantization.json") continue;  // holds times
            QVERIFY2(fileBytes(e.path()) == fileBytes(tmp("parts") / name), qPrintable(QString::fromStdString(name.string())));
        }
        QCOMPARE(std::size_t(std::distance(fs::directory_iterator(tmp("parts")), fs::directory_iterator())), names.size());
        const auto record = nlohmann::json::parse(fileBytes(tmp("parts") / "awqbench_quantization.json"));
        QCOMPARE(record["settings"]["method"].get<std::string>(), std::string("gptq"));
        QCOMPARE(record["settings"]["act_order"].get<bool>(), false);
    }

    // sym (GPTQModel's and AutoGPTQ's default, what vLLM's gptq_marlin takes): every zero is 8, the
    // config and the journal say so, and the model stays close to the original.
    void symmetricGridHasZeroEightEverywhere() {
        auto s = gptqJob(test::modelDir("tinystories-656k"), tmp("sym"), false);
        s.sym = true;
        runQuantizeJob(s);
        const auto config = nlohmann::json::parse(fileBytes(s.output / "config.json"));
        QCOMPARE(config["quantization_config"]["sym"].get<bool>(), true);
        QCOMPARE(nlohmann::json::parse(fileBytes(s.output / "awqbench_quantization.json"))["settings"]["sym"].get<bool>(), true);
        const auto store = TensorStore::openFolder(s.output);
        bool someCodeAboveEight = false, someCodeBelowEight = false;
        for (const char* name : kLinears) {
            const auto r = readGptqLinear(store, std::string("model.layers.1.") + name);
            for (int z : r.zeros) QCOMPARE(z, 8);
            for (int q : r.q) {
                someCodeAboveEight = someCodeAboveEight || q > 8;
                someCodeBelowEight = someCodeBelowEight || q < 8;
            }
        }
        QVERIFY(someCodeAboveEight && someCodeBelowEight);  // both signs of the symmetric range are used
        const auto q = measureAgainst656k(s.output);
        qInfo("656K GPTQ sym: KLD %.6f  top-1 %.4f", q.kld, q.top1);
        QVERIFY(q.kld > 0 && q.kld < 0.2);
        // An AWQ or RTN job refuses it (those always have a zero point).
        auto awq = s;
        awq.method = QuantMethodChoice::Awq;
        awq.output = tmp("sym-awq");
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(awq); }).contains("sym"));
    }

    // Group size -1: one grid per output channel over all of K (scales [1, N], g_idx all 0).
    void perChannelGridLoadsAndRuns() {
        auto s = gptqJob(test::modelDir("tinystories-656k"), tmp("per-channel"), false);
        s.groupSize = -1;
        runQuantizeJob(s);
        const auto config = nlohmann::json::parse(fileBytes(s.output / "config.json"));
        QCOMPARE(config["quantization_config"]["group_size"].get<int>(), -1);
        const auto store = TensorStore::openFolder(s.output);
        const auto r = readGptqLinear(store, "model.layers.1.mlp.down_proj");
        QCOMPARE(r.groups, 1);
        for (int g : r.gIdx) QCOMPARE(g, 0);
        const auto q = measureAgainst656k(s.output);
        qInfo("656K GPTQ per channel: KLD %.6f  top-1 %.4f", q.kld, q.top1);
        QVERIFY(q.kld > 0 && q.kld < 0.2);
    }

    void badDampingIsRefused() {
        auto s = gptqJob(test::modelDir("tinystories-qwen3-7m"), tmp("bad-damp"), false);
        s.dampPercent = 0;
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(s); }).contains("damping"));
        QVERIFY(!fs::exists(quantizeWorkFolderFor(s.output)));
    }

    // Issue #16's quality bar on the 656K fixture (Llama, GQA, tied embeddings stored as lm_head):
    // GPTQ's KL divergence against the original below RTN's, with and without act-order.
    void gptqBeatsRtnOnThe656kModel() {
        const fs::path original = test::modelDir("tinystories-656k");
        std::map<std::string, fs::path> out;
        for (const auto& [name, method, actOrder] : {std::tuple{"awq", QuantMethodChoice::Awq, false}, std::tuple{"gptq", QuantMethodChoice::Gptq, false},
                                                      std::tuple{"gptq-act-order", QuantMethodChoice::Gptq, true},
                                                      std::tuple{"rtn", QuantMethodChoice::Rtn, false}}) {
            QuantizeSettings s;
            s.model = original;
            s.output = tmp(name);
            s.output += "-656k";
            s.method = method;
            s.actOrder = actOrder;
            s.calibrationFiles = {test::dataFile("calib-stories.txt")};
            s.samples = 32;
            s.seqlen = 256;
            runQuantizeJob(s);
            out[name] = s.output;
        }
        const auto reference = Engine::load(original);
        std::ifstream in(test::dataFile("eval-stories.txt"), std::ios::binary);
        const auto ids = reference->encode(std::string(std::istreambuf_iterator<char>(in), {}), false);
        std::map<std::string, Quality> q;
        for (const auto& [name, folder] : out) {
            q[name] = measure(*reference, ids, folder);
            qInfo("656K %-15s KLD %.6f  top-1 %.4f", name.c_str(), q[name].kld, q[name].top1);
        }
        QVERIFY2(q["gptq"].kld < q["rtn"].kld, "GPTQ's KL divergence must be below RTN's");
        QVERIFY2(q["gptq-act-order"].kld < q["rtn"].kld, "GPTQ (act-order)'s KL divergence must be below RTN's");
    }
};

QTEST_GUILESS_MAIN(GptqTest)
#include "test_gptq.moc"
