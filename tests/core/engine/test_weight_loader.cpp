// The weight loader (core/layers/weight_loader.h) on the real checkpoints in ../shared/models: the
// tied-embedding rule on a tied model stored only as lm_head.weight (tinystories-656k), a tied one
// stored as the embedding (tinystories-qwen3-7m) and an untied one (qwen2-random); and the errors
// when the weights and config.json disagree: each names the tensor, the file it is in (the right
// shard of a sharded model) and the fix.
#include "core/layers/decoder_layer.h"
#include "core/layers/tensor_names.h"
#include "core/layers/weight_loader.h"
#include "core/model/hf_config.h"
#include "core/model/safetensors.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

using namespace awq;
using namespace awq::engine;
namespace fs = std::filesystem;

namespace {

// A copy of model `name` under `root` (model folders refuse links that leave them) whose config.json
// has `key` (quantization_config's for group_size) set to `value`.
fs::path withConfigValue(const fs::path& root, const char* name, const std::string& key, int value) {
    const fs::path dir = root / name;
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(test::modelDir(name)))
        if (entry.path().filename() != "config.json") fs::copy_file(entry.path(), dir / entry.path().filename());
    auto config = nlohmann::json::parse(std::ifstream(test::modelDir(name) / "config.json"));
    if (key == "group_size")
        config["quantization_config"][key] = value;
    else
        config[key] = value;
    std::ofstream(dir / "config.json") << config.dump(2);
    return dir;
}

// The Error that loading layer `layer` of the model in `dir` throws, or nullopt when it loads.
std::optional<Error> layerLoadError(const fs::path& dir, int layer) {
    const ModelConfig config = loadModelConfig(dir);
    const TensorStore store = TensorStore::openFolder(dir);
    const LoadContext ctx{store, at::kFloat, at::Device(at::kCPU), config.quantization.groupSize};
    try {
        loadDecoderLayer(ctx, config, layer);
    } catch (const Error& e) {
        return e;
    }
    return std::nullopt;
}

}  // namespace

class TestWeightLoader : public QObject {
    Q_OBJECT
private slots:
    void tiedEmbeddingRule_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("embedding");
        QTest::addColumn<QString>("lmHead");
        QTest::newRow("tied, stored only as lm_head") << "tinystories-656k" << "lm_head.weight" << "lm_head.weight";
        QTest::newRow("tied, stored as the embedding") << "tinystories-qwen3-7m" << "model.embed_tokens.weight" << "model.embed_tokens.weight";
        QTest::newRow("untied") << "qwen2-random" << "model.embed_tokens.weight" << "lm_head.weight";
    }
    void tiedEmbeddingRule() {
        QFETCH(QString, model);
        QFETCH(QString, embedding);
        QFETCH(QString, lmHead);
        const fs::path dir = test::modelDir(model.toStdString().c_str());
        const ModelConfig config = loadModelConfig(dir);
        const TensorStore store = TensorStore::openFolder(dir);
        const auto e = embeddingTensors(WeightLoader(store, at::kFloat, at::Device(at::kCPU)), config);
        QCOMPARE(QString::fromStdString(e.embedding->name), embedding);
        QCOMPARE(QString::fromStdString(e.lmHead->name), lmHead);
        QCOMPARE(e.tied(), config.tieWordEmbeddings);
        QCOMPARE(e.embedding->shape, (std::vector<std::int64_t>{config.vocabSize, config.hiddenSize}));
    }

    // An untied model without its lm_head.weight: the error names the tensor and the folder.
    void untiedModelWithoutHeadIsRefused() {
        QTemporaryDir tmp;
        const fs::path dir = fs::path(tmp.path().toStdString()) / "no-head";
        fs::create_directories(dir);
        const fs::path source = test::modelDir("qwen2-random");
        fs::copy_file(source / "config.json", dir / "config.json");
        const TensorStore full = TensorStore::openFolder(source);
        std::vector<TensorToWrite> kept;
        for (const TensorInfo& t : full.tensors())
            if (t.name != hf::kLmHead) kept.push_back({t.name, t.dtype, t.shape, full.data(t)});
        writeSafetensors(dir / "model.safetensors", kept);

        const ModelConfig config = loadModelConfig(dir);
        QVERIFY(!config.tieWordEmbeddings);
        const TensorStore store = TensorStore::openFolder(dir);
        try {
            embeddingTensors(WeightLoader(store, at::kFloat, at::Device(at::kCPU)), config);
            QFAIL("an untied model without lm_head.weight loaded");
        } catch (const Error& e) {
            QVERIFY2(std::string(e.problem()).find("'lm_head.weight' is missing") != std::string::npos, e.what());
            QCOMPARE(e.file(), dir);
            QVERIFY2(e.fix().find("re-download") != std::string::npos, e.fix().c_str());
        }
    }

    // config.json sizes that the weights do not have: the error names the tensor, both shapes, the
    // shard that holds the tensor and the config keys to check.
    void shapeMismatchNamesTensorFileAndFix_data() {
        QTest::addColumn<QString>("model");
        QTest::addColumn<QString>("key");
        QTest::addColumn<int>("value");
        QTest::addColumn<int>("layer");
        QTest::addColumn<QString>("tensor");
        QTest::addColumn<QString>("shapes");
        QTest::addColumn<QString>("file");
        QTest::newRow("intermediate_size, first shard") << "tinystories-qwen3-7m" << "intermediate_size" << 512 << 0
                                                        << "model.layers.0.mlp.gate_proj.weight" << "[768, 256] where config.json implies [512, 256]"
                                                        << "model-00001-of-00002.safetensors";
        QTest::newRow("hidden_size, second shard") << "tinystories-qwen3-7m" << "hidden_size" << 320 << 3
                                                   << "model.layers.3.input_layernorm.weight" << "[256] where config.json implies [320]"
                                                   << "model-00002-of-00002.safetensors";
        QTest::newRow("AWQ group_size") << "qwen2-random-awq" << "group_size" << 64 << 0 << "model.layers.0.self_attn.q_proj.qzeros"
                                        << "[1, 16] where config.json implies [2, 16]" << "model.safetensors";
    }
    void shapeMismatchNamesTensorFileAndFix() {
        QFETCH(QString, model);
        QFETCH(QString, key);
        QFETCH(int, value);
        QFETCH(int, layer);
        QFETCH(QString, tensor);
        QFETCH(QString, shapes);
        QFETCH(QString, file);
        QTemporaryDir tmp;
        const fs::path dir = withConfigValue(tmp.path().toStdString(), model.toStdString().c_str(), key.toStdString(), value);
        const auto error = layerLoadError(dir, layer);
        QVERIFY2(error, "the layer loaded although config.json does not match its weights");
        const QString problem = QString::fromStdString(error->problem());
        QVERIFY2(problem.contains("'" + tensor + "'") && problem.contains(shapes), qPrintable(problem));
        QCOMPARE(QString::fromStdString(error->file().filename().string()), file);
        QVERIFY2(QString::fromStdString(error->fix()).contains(key), error->fix().c_str());
    }

    // The unchanged configs load every layer (the checks accept the real checkpoints).
    void realCheckpointsLoad_data() {
        QTest::addColumn<QString>("model");
        for (const char* m : {"tinystories-656k", "tinystories-qwen3-7m", "tinystories-qwen3-7m-awq", "qwen2-random", "qwen2-random-awq", "mistral-random"})
            QTest::newRow(m) << m;
    }
    void realCheckpointsLoad() {
        QFETCH(QString, model);
        const fs::path dir = test::modelDir(model.toStdString().c_str());
        const ModelConfig config = loadModelConfig(dir);
        for (int l = 0; l < config.numLayers; ++l) {
            const auto error = layerLoadError(dir, l);
            QVERIFY2(!error, error ? error->what() : "");
        }
    }
};

QTEST_GUILESS_MAIN(TestWeightLoader)
#include "test_weight_loader.moc"
