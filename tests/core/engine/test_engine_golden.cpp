// The engine on CPU against Hugging Face transformers (float32) for every fixture with a
// golden.json: top-8 logits per position, the full last row, nll_sum, and greedy continuations.
#include "core/engine/engine.h"
#include "tests/support/error_capture.h"
#include "tests/support/golden.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>

using namespace awq;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

double nllOf(const std::vector<float>& logits, const std::vector<int>& ids, int vocab) {
    double nll = 0;
    for (std::size_t t = 0; t + 1 < ids.size(); ++t) {
        const float* row = logits.data() + t * vocab;
        const double top = *std::max_element(row, row + vocab);
        double sum = 0;
        for (int i = 0; i < vocab; ++i) sum += std::exp(double(row[i]) - top);
        nll -= double(row[ids[t + 1]]) - top - std::log(sum);
    }
    return nll;
}
// A copy of a model folder under `root` with its config.json edited (the fixtures are read-only).
fs::path configVariant(const fs::path& from, const fs::path& root, const std::string& name, const std::function<void(json&)>& edit) {
    const fs::path to = root / name;
    fs::create_directories(to);
    for (const auto& e : fs::directory_iterator(from)) fs::copy_file(e.path(), to / e.path().filename(), fs::copy_options::overwrite_existing);
    fs::permissions(to / "config.json", fs::perms::owner_write, fs::perm_options::add);
    json config = json::parse(std::ifstream(from / "config.json"));
    edit(config);
    std::ofstream(to / "config.json", std::ios::trunc) << config.dump(2);
    return to;
}

// The golden sequences' greedy continuations and last logits row of `engine` against transformers'.
void checkAgainstGolden(Engine& engine, const json& golden) {
    const int vocab = engine.model().config.vocabSize;
    for (const auto& seq : golden["sequences"]) {
        const auto ids = seq["input_ids"].get<std::vector<int>>();
        const auto logits = engine.logits(ids);
        const auto last = seq["last_logits"].get<std::vector<float>>();
        float worst = 0;
        for (int i = 0; i < vocab; ++i) worst = std::max(worst, std::fabs(logits[(ids.size() - 1) * vocab + i] - last[i]));
        QVERIFY2(worst < 2e-3f, qPrintable(QString("last row differs by %1").arg(worst)));
    }
    for (const auto& g : golden["greedy"]) {
        GenerationRequest r;
        r.promptIds = g["prompt_ids"].get<std::vector<int>>();
        r.maxNewTokens = int(g["new_ids"].size());
        r.stopIds = {-1};
        QCOMPARE(engine.generate({r})[0].newIds, g["new_ids"].get<std::vector<int>>());
    }
}

}  // namespace

class EngineGoldenTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void matchesTransformers_data() {
        QTest::addColumn<QString>("fixture");
        for (const char* f : {"tinystories-656k", "tinystories-qwen3-7m", "qwen2-random", "mistral-random", "qwen2-random-awq",
                              "tinystories-qwen3-7m-awq", "tinystories-qwen3-7m-autoawq"})
            QTest::newRow(f) << QString(f);
    }

    void matchesTransformers() {
        QFETCH(QString, fixture);
        const fs::path folder = test::modelDir(fixture.toUtf8().constData());
        const json golden = test::readGolden(folder);
        const auto engine = Engine::load(folder, {});
        QCOMPARE(engine->computeDtype(), std::string("float32"));
        const int vocab = engine->model().config.vocabSize;

        for (const auto& seq : golden["sequences"]) {
            const auto ids = seq["input_ids"].get<std::vector<int>>();
            const auto logits = engine->logits(ids);
            QCOMPARE(logits.size(), ids.size() * std::size_t(vocab));
            for (std::size_t t = 0; t < ids.size(); ++t) {
                const float* row = logits.data() + t * vocab;
                const auto topIds = seq["top8_ids"][t].get<std::vector<int>>();
                const auto topLogits = seq["top8_logits"][t].get<std::vector<float>>();
                QCOMPARE(int(std::max_element(row, row + vocab) - row), topIds[0]);
                for (int k = 0; k < 8; ++k)
                    QVERIFY2(std::fabs(row[topIds[k]] - topLogits[k]) < 2e-3f,
                             qPrintable(QString("pos %1 id %2: %3 vs %4").arg(t).arg(topIds[k]).arg(row[topIds[k]]).arg(topLogits[k])));
            }
            const auto last = seq["last_logits"].get<std::vector<float>>();
            const float* lastRow = logits.data() + (ids.size() - 1) * vocab;
            float worst = 0;
            for (int i = 0; i < vocab; ++i) worst = std::max(worst, std::fabs(lastRow[i] - last[i]));
            QVERIFY2(worst < 2e-3f, qPrintable(QString("last row differs by %1").arg(worst)));
            const double nll = nllOf(logits, ids, vocab);
            QVERIFY2(std::fabs(nll - seq["nll_sum"].get<double>()) < 1e-3 * std::max(1.0, seq["nll_sum"].get<double>()),
                     qPrintable(QString("nll %1 vs %2").arg(nll).arg(seq["nll_sum"].get<double>())));
            QCOMPARE(seq["n_predicted"].get<std::size_t>(), ids.size() - 1);
        }

        for (const auto& g : golden["greedy"]) {
            GenerationRequest r;
            r.promptIds = g["prompt_ids"].get<std::vector<int>>();
            const auto expected = g["new_ids"].get<std::vector<int>>();
            r.maxNewTokens = int(expected.size());
            r.stopIds = {-1};  // transformers generated exactly this many tokens
            const auto out = engine->generate({r});
            QCOMPARE(out[0].newIds, expected);
            if (engine->hasTokenizer()) QCOMPARE(QString::fromStdString(out[0].text), QString::fromStdString(g["text"].get<std::string>()));
        }
    }

    // config.json variants transformers runs unchanged: hidden_act "swish" is SiLU (ACT2FN), and without
    // max_position_embeddings Qwen2Config's default of 32768 is the context (it was 0: "a context of 1").
    void configVariantsTransformersRunUnchanged() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        const fs::path source = test::modelDir("qwen2-random");
        const json golden = test::readGolden(source);
        const auto swish = Engine::load(configVariant(source, root, "swish", [](json& j) { j["hidden_act"] = "swish"; }), {});
        checkAgainstGolden(*swish, golden);
        const auto noMax = Engine::load(configVariant(source, root, "no-max", [](json& j) { j.erase("max_position_embeddings"); }), {});
        QCOMPARE(noMax->maxContext(), 32768);
        checkAgainstGolden(*noMax, golden);
    }

    // What the engine cannot compute is refused at load naming config.json, the key and the value,
    // never run as something else: other activations (they ran as SiLU), AWQ packings other than GEMM
    // (they failed later on a qzeros shape).
    void unsupportedConfigsAreRefusedAtLoad() {
        QTemporaryDir tmp;
        const fs::path root = tmp.path().toStdString();
        for (const char* act : {"gelu", "gelu_pytorch_tanh", "gelu_new", "relu", "bogus"}) {
            const fs::path m = configVariant(test::modelDir("qwen2-random"), root, act, [&](json& j) { j["hidden_act"] = act; });
            const QString msg = test::errorMessageOf([&] { Engine::load(m, {}); });
            QVERIFY2(msg.startsWith(QString::fromStdString((m / "config.json").string()) + ": hidden_act is \"" + act + "\"") &&
                         msg.contains("SiLU only (\"silu\", also written \"swish\")"),
                     qPrintable(msg));
        }
        const fs::path gemvSource = test::sharedDir() / "realworld" / "awq-gemv-promote" / "model";
        QString msg = test::errorMessageOf([&] { Engine::load(gemvSource, {}); });
        QVERIFY2(msg.startsWith(QString::fromStdString((gemvSource / "config.json").string()) + ": quantization_config.version is \"gemv\""),
                 qPrintable(msg));
        const fs::path labelledGemm = configVariant(gemvSource, root, "gemv-labelled-gemm", [](json& j) { j["quantization_config"]["version"] = "GEMM"; });
        msg = test::errorMessageOf([&] { Engine::load(labelledGemm, {}); });
        QVERIFY2(msg.contains("quantization_config says AWQ version \"gemm\" but the checkpoint stores model.layers.0.") &&
                     msg.contains("which is not the GEMM layout"),
                 qPrintable(msg));
    }

    void batchedGenerationEqualsSingle() {
        // Different prompt lengths in one batch (right padding, per-sequence positions) must give
        // exactly what each prompt gives alone.
        const auto engine = Engine::load(test::modelDir("tinystories-qwen3-7m"), {});
        const json golden = test::readGolden(test::modelDir("tinystories-qwen3-7m"));
        std::vector<GenerationRequest> batch;
        for (const auto& g : golden["greedy"]) {
            GenerationRequest r;
            r.promptIds = g["prompt_ids"].get<std::vector<int>>();
            r.maxNewTokens = 20;
            r.stopIds = {-1};
            batch.push_back(r);
        }
        batch[1].promptIds.insert(batch[1].promptIds.end(), {261, 337});  // make the lengths differ
        const auto together = engine->generate(batch);
        for (std::size_t i = 0; i < batch.size(); ++i) QCOMPARE(together[i].newIds, engine->generate({batch[i]})[0].newIds);
    }

    void awqOnCpuIsDequantizedOnceOrKeptPacked() {
        // float32: the CPU's compute dtype (Debian's libtorch has no fp16 CPU matmul; such a --dtype is refused at load).
        const auto dense = Engine::load(test::modelDir("tinystories-qwen3-7m"), {});
        const auto f32Dense = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {});
        const auto f32Packed = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {.keepAwqPacked = true});
        // Dequantized once at load: the dense model's bytes. Kept packed: linear weights at 4 bits
        // plus scales/zeros; the float32 embedding dominates this tiny model.
        QCOMPARE(f32Dense->weightMemoryBytes(), dense->weightMemoryBytes());
        QVERIFY2(f32Packed->weightMemoryBytes() < dense->weightMemoryBytes() * 0.4,
                 qPrintable(QString("%1 vs %2").arg(f32Packed->weightMemoryBytes()).arg(dense->weightMemoryBytes())));
        // Both compute the same function: the same dequantized weights, one BLAS product each.
        const std::vector<int> ids = {1, 261, 337, 290, 1020, 44, 12, 600};
        const auto a = f32Dense->logits(ids), b = f32Packed->logits(ids);
        QCOMPARE(a.size(), b.size());
        float maxDiff = 0, maxAbs = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            maxDiff = std::max(maxDiff, std::fabs(a[i] - b[i]));
            maxAbs = std::max(maxAbs, std::fabs(a[i]));
        }
        QVERIFY2(maxDiff <= 2e-3f * maxAbs, qPrintable(QString("max |diff| %1 of max |logit| %2").arg(maxDiff).arg(maxAbs)));
    }
};

QTEST_APPLESS_MAIN(EngineGoldenTest)
#include "test_engine_golden.moc"
