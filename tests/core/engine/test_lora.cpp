// LoRA adapters on the built-in engine (CPU): a random PEFT adapter written here changes the logits
// exactly as merging it into the weights (W' = W + scale * B A) does, on the FP32 demo model and on
// its AWQ version (merged into the dequantized weights); and the adapter folder's refusals.
#include "core/engine/engine.h"
#include "core/layers/linear.h"
#include "core/model/lora_adapter.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <map>

using namespace awq;
namespace fs = std::filesystem;

namespace {

constexpr int kRank = 4;
constexpr double kAlpha = 8.0;
const std::vector<std::string> kTargets = {"q_proj", "v_proj", "down_proj"};

void writeText(const fs::path& file, const std::string& text) { std::ofstream(file, std::ios::binary) << text; }

std::span<const std::byte> bytesOf(const at::Tensor& t) {
    return {reinterpret_cast<const std::byte*>(t.data_ptr()), std::size_t(t.numel()) * t.element_size()};
}

std::vector<std::int64_t> shapeOf(const at::Tensor& t) { return {t.sizes().begin(), t.sizes().end()}; }

// Float32 tensors by name, written as one safetensors file.
void writeTensors(const fs::path& file, const std::map<std::string, at::Tensor>& tensors) {
    std::vector<TensorToWrite> out;
    for (const auto& [name, t] : tensors) out.push_back({name, DType::F32, shapeOf(t), bytesOf(t)});
    writeSafetensors(file, out);
}

// "model.layers.N.<projection>" -> {A [r, in], B [out, r]}: random, large enough to move the logits.
using Factors = std::map<std::string, std::pair<at::Tensor, at::Tensor>>;

Factors randomFactors(const ModelConfig& c) {
    at::manual_seed(16);
    Factors f;
    for (int l = 0; l < c.numLayers; ++l) {
        const std::string p = "model.layers." + std::to_string(l) + ".";
        f[p + "self_attn.q_proj"] = {at::randn({kRank, c.hiddenSize}) * 0.05, at::randn({c.numHeads * c.headDim, kRank}) * 0.05};
        f[p + "self_attn.v_proj"] = {at::randn({kRank, c.hiddenSize}) * 0.05, at::randn({c.numKvHeads * c.headDim, kRank}) * 0.05};
        f[p + "mlp.down_proj"] = {at::randn({kRank, c.intermediateSize}) * 0.05, at::randn({c.hiddenSize, kRank}) * 0.05};
    }
    return f;
}

std::string adapterConfig(const std::string& base) {
    nlohmann::json j = {{"peft_type", "LORA"},       {"r", kRank},          {"lora_alpha", kAlpha}, {"target_modules", kTargets},
                        {"use_rslora", false},       {"use_dora", false},   {"fan_in_fan_out", false},
                        {"modules_to_save", nullptr}, {"bias", "none"},      {"base_model_name_or_path", base}};
    return j.dump(2);
}

// An adapter folder as peft's save_pretrained writes it.
void writeAdapter(const fs::path& dir, const Factors& f, const std::string& config) {
    fs::create_directories(dir);
    writeText(dir / "adapter_config.json", config);
    std::map<std::string, at::Tensor> tensors;
    for (const auto& [linear, ab] : f) {
        tensors["base_model.model." + linear + ".lora_A.weight"] = ab.first;
        tensors["base_model.model." + linear + ".lora_B.weight"] = ab.second;
    }
    writeTensors(dir / "adapter_model.safetensors", tensors);
}

// The model with the adapter merged in, as float32 safetensors: every dense tensor as stored, AWQ
// linears dequantized as the engine does (engine::dequantizeAwq), and W + scale * B A for the
// adapted ones. config.json without its quantization_config.
void writeMergedModel(const fs::path& source, const fs::path& dir, const Factors& f, double scale) {
    fs::create_directories(dir);
    auto config = nlohmann::json::parse(std::ifstream(source / "config.json"));
    config.erase("quantization_config");
    config["dtype"] = "float32";
    writeText(dir / "config.json", config.dump(2));
    const auto store = TensorStore::openFolder(source);
    const int group = loadModelConfig(source).quantization.groupSize;
    auto load = [&](const std::string& name, at::ScalarType type) {
        return engine::loadTensor(store, *store.find(name), type, at::kCPU).clone();
    };
    std::map<std::string, at::Tensor> out;
    for (const auto& t : store.tensors()) {
        if (t.name.ends_with(".qweight")) {
            const auto prefix = t.name.substr(0, t.name.size() - 8);
            out[prefix + ".weight"] = engine::dequantizeAwq(load(t.name, at::kInt), load(prefix + ".qzeros", at::kInt),
                                                            load(prefix + ".scales", at::kHalf), group, at::kFloat)
                                          .t()
                                          .contiguous();
        } else if (!t.name.ends_with(".qzeros") && !t.name.ends_with(".scales")) {
            out[t.name] = load(t.name, at::kFloat);
        }
    }
    for (const auto& [linear, ab] : f) {
        auto& w = out.at(linear + ".weight");
        w = (w + scale * at::matmul(ab.second, ab.first)).contiguous();
    }
    writeTensors(dir / "model.safetensors", out);
}

const std::vector<int> kIds = {1, 412, 37, 2048, 9, 733, 1500, 64, 3001, 12, 5, 880, 271, 4000, 3};

// Largest |a - b| over the largest |b|.
double relativeDifference(const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::fabs(double(a[i]) - b[i]));
        scale = std::max(scale, std::fabs(double(b[i])));
    }
    return diff / scale;
}

}  // namespace

class LoraTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // The adapter applied by the engine against the same adapter merged into the weights.
    void matchesMergedWeights_data() {
        QTest::addColumn<QString>("fixture");
        QTest::addColumn<bool>("keepPacked");
        QTest::addColumn<QString>("dtype");
        QTest::addColumn<double>("tolerance");
        QTest::newRow("fp32") << "tinystories-qwen3-7m" << false << "float32" << 1e-4;
        QTest::newRow("awq dequantized at load") << "tinystories-qwen3-7m-awq" << false << "float32" << 1e-4;
        QTest::newRow("awq packed") << "tinystories-qwen3-7m-awq" << true << "float32" << 1e-4;
        // bf16 compute (this libtorch has no fp16 matmul on CPU): the factors are converted too;
        // adapted and merged round differently (merged: W + sBA rounded once; adapted: three
        // rounded products), so a looser bound that still sits well below what the adapter moves.
        QTest::newRow("bf16 compute") << "tinystories-qwen3-7m" << false << "bfloat16" << 3e-2;
    }
    void matchesMergedWeights() {
        QFETCH(QString, fixture);
        QFETCH(bool, keepPacked);
        QFETCH(QString, dtype);
        QFETCH(double, tolerance);
        const fs::path model = test::modelDir(fixture.toUtf8().constData());
        const auto config = loadModelConfig(model);
        QTemporaryDir tmp;
        const fs::path adapter = fs::path(tmp.path().toStdString()) / "adapter";
        const auto factors = randomFactors(config);
        writeAdapter(adapter, factors, adapterConfig("tinystories-qwen3-7m"));
        writeMergedModel(model, fs::path(tmp.path().toStdString()) / "merged", factors, kAlpha / kRank);

        EngineOptions plain;
        plain.keepAwqPacked = keepPacked;
        plain.computeDtype = dtype.toStdString();
        EngineOptions withLora = plain;
        withLora.lora = adapter;
        const auto base = Engine::load(model, plain)->logits(kIds);
        const auto adapted = Engine::load(model, withLora)->logits(kIds);
        const auto merged = Engine::load(fs::path(tmp.path().toStdString()) / "merged", plain)->logits(kIds);
        QCOMPARE(adapted.size(), merged.size());
        // The adapter moves the logits a lot; the unmerged sum lands where the merged weights do.
        const double moved = relativeDifference(base, merged), off = relativeDifference(adapted, merged);
        QVERIFY2(moved > 1e-2, qPrintable(QString("the adapter moved the logits by only %1").arg(moved)));
        qInfo("adapter moved the logits by %g, adapted vs merged %g (relative)", moved, off);
        QVERIFY2(off < tolerance, qPrintable(QString("adapter vs merged: %1 (relative)").arg(off)));
    }

    // Greedy generation goes through the decode path: the adapter applies there too.
    void generationFollowsMergedWeights() {
        const fs::path model = test::modelDir("tinystories-qwen3-7m");
        QTemporaryDir tmp;
        const fs::path adapter = fs::path(tmp.path().toStdString()) / "adapter";
        const auto factors = randomFactors(loadModelConfig(model));
        writeAdapter(adapter, factors, adapterConfig("tinystories-qwen3-7m"));
        writeMergedModel(model, fs::path(tmp.path().toStdString()) / "merged", factors, kAlpha / kRank);
        EngineOptions o;
        o.lora = adapter;
        GenerationRequest r;
        r.promptIds = {kIds.begin(), kIds.begin() + 6};
        r.maxNewTokens = 12;
        r.stopIds = {-1};
        const auto adapted = Engine::load(model, o)->generate({r})[0].newIds;
        const auto merged = Engine::load(fs::path(tmp.path().toStdString()) / "merged", {})->generate({r})[0].newIds;
        QCOMPARE(adapted.size(), std::size_t(12));
        QCOMPARE(adapted, merged);
    }

    void rsloraScale() {
        const auto c = parseLoraConfig(R"({"r": 16, "lora_alpha": 8, "target_modules": "all-linear", "use_rslora": true})", "adapter_config.json");
        QCOMPARE(c.scale, 2.0);
        QVERIFY(c.targetPattern);
        QCOMPARE(parseLoraConfig(R"({"r": 16, "lora_alpha": 8, "target_modules": ["q_proj"]})", "adapter_config.json").scale, 0.5);
    }

    // target_modules as one string: a regular expression over the whole module name, as peft reads it.
    void targetModulesAsPattern() {
        const fs::path model = test::modelDir("tinystories-qwen3-7m");
        const auto config = loadModelConfig(model);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        writeAdapter(dir, randomFactors(config), adapterConfig("tinystories-qwen3-7m"));
        auto withPattern = [&](const std::string& pattern) {
            auto j = nlohmann::json::parse(adapterConfig("tinystories-qwen3-7m"));
            j["target_modules"] = pattern;
            writeText(dir / "adapter_config.json", j.dump());
        };
        withPattern(R"(.*\.(q_proj|v_proj|down_proj))");
        QCOMPARE(LoraAdapter::load(dir, config).adaptedLinears(), 3 * config.numLayers);
        withPattern(R"(.*\.(q|k|v)_proj)");  // k_proj selected, not in the file
        QVERIFY(test::errorMessageOf([&] { LoraAdapter::load(dir, config); }).contains("k_proj.lora_A.weight"));
        withPattern("(unclosed");
        const QString bad = test::errorMessageOf([&] { LoraAdapter::load(dir, config); });
        QVERIFY2(bad.contains("adapter_config.json") && bad.contains("target_modules"), qPrintable(bad));
    }

    void refusesUnsupportedFlags_data() {
        QTest::addColumn<QString>("extra");
        QTest::addColumn<QString>("key");
        QTest::newRow("dora") << R"("use_dora": true)" << "use_dora";
        QTest::newRow("fan_in_fan_out") << R"("fan_in_fan_out": true)" << "fan_in_fan_out";
        QTest::newRow("modules_to_save") << R"("modules_to_save": ["lm_head"])" << "modules_to_save";
        QTest::newRow("bias") << R"("bias": "all")" << "bias";
    }
    void refusesUnsupportedFlags() {
        QFETCH(QString, extra);
        QFETCH(QString, key);
        const fs::path model = test::modelDir("tinystories-qwen3-7m");
        QTemporaryDir tmp;
        const fs::path adapter = tmp.path().toStdString();
        auto config = nlohmann::json::parse(adapterConfig("x"));
        const auto patch = nlohmann::json::parse("{" + extra.toStdString() + "}");
        config.update(patch);
        writeAdapter(adapter, randomFactors(loadModelConfig(model)), config.dump());
        EngineOptions o;
        o.lora = adapter;
        const QString message = test::errorMessageOf([&] { Engine::load(model, o); });
        QVERIFY2(message.contains("adapter_config.json") && message.contains(key), qPrintable(message));
    }

    void refusesWrongShapes() {
        const fs::path model = test::modelDir("tinystories-qwen3-7m");
        auto factors = randomFactors(loadModelConfig(model));
        factors["model.layers.3.mlp.down_proj"].first = at::randn({kRank, 512});  // intermediate size is 768
        QTemporaryDir tmp;
        writeAdapter(tmp.path().toStdString(), factors, adapterConfig("tinystories-qwen3-7m"));
        EngineOptions o;
        o.lora = tmp.path().toStdString();
        const QString message = test::errorMessageOf([&] { Engine::load(model, o); });
        QVERIFY2(message.contains("adapter_model.safetensors") && message.contains("model.layers.3.mlp.down_proj.lora_A.weight") &&
                     message.contains("[4, 512]") && message.contains("[4, 768]"),
                 qPrintable(message));
    }

    void refusesMissingFilesAndTensors() {
        const fs::path model = test::modelDir("tinystories-qwen3-7m");
        const auto config = loadModelConfig(model);
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        QVERIFY(test::errorMessageOf([&] { LoraAdapter::load(dir, config); }).contains("adapter_config.json"));
        writeText(dir / "adapter_config.json", adapterConfig("tinystories-qwen3-7m"));
        QVERIFY(test::errorMessageOf([&] { LoraAdapter::load(dir, config); }).contains("adapter_model.safetensors"));
        // k_proj targeted but not in the file.
        auto factors = randomFactors(config);
        writeAdapter(dir, factors, adapterConfig("tinystories-qwen3-7m"));
        auto withK = nlohmann::json::parse(adapterConfig("tinystories-qwen3-7m"));
        withK["target_modules"] = {"q_proj", "k_proj", "v_proj", "down_proj"};
        writeText(dir / "adapter_config.json", withK.dump());
        const QString missing = test::errorMessageOf([&] { LoraAdapter::load(dir, config); });
        QVERIFY2(missing.contains("model.layers.0.self_attn.k_proj.lora_A.weight") && missing.contains("adapter_model.safetensors"),
                 qPrintable(missing));
        // A tensor the config does not target (o_proj) is refused rather than silently ignored.
        withK["target_modules"] = {"q_proj", "down_proj"};
        writeText(dir / "adapter_config.json", withK.dump());
        const QString extra = test::errorMessageOf([&] { LoraAdapter::load(dir, config); });
        QVERIFY2(extra.contains("v_proj.lora_A.weight") && extra.contains("not a lora_A / lora_B of a targeted"), qPrintable(extra));
    }

    // The pairing check: the FP32 model by its folder name; the AWQ fixture carries no quantization
    // record and has another name, so it warns; a record naming the source pairs it.
    void pairingWarning() {
        const auto fp32 = describeModel(test::modelDir("tinystories-qwen3-7m"));
        const auto awq = describeModel(test::modelDir("tinystories-qwen3-7m-awq"));
        LoraConfig c;
        c.baseModel = "someone/tinystories-qwen3-7m";
        QVERIFY(!loraPairingWarning(c, fp32));
        const auto warning = loraPairingWarning(c, awq);
        QVERIFY(warning && warning->find("tinystories-qwen3-7m-awq") != std::string::npos);
        c.baseModel = fp32.fingerprint;
        QTemporaryDir tmp;
        ModelInfo recorded = awq;
        recorded.folder = tmp.path().toStdString();
        recorded.name = "my-awq";
        writeText(recorded.folder / "awqbench_quantization.json",
                  nlohmann::json{{"source", {{"name", "x"}, {"path", "/models/x"}, {"fingerprint", fp32.fingerprint}}}}.dump());
        QVERIFY(!loraPairingWarning(c, recorded));
        c.baseModel = "Qwen/Qwen3-8B";
        QVERIFY(loraPairingWarning(c, recorded));
    }
};

QTEST_GUILESS_MAIN(LoraTest)
#include "test_lora.moc"
