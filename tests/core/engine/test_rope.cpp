// Rope tables against transformers' modeling_rope_utils formulas, and the rope-yarn realworld model
// running on the built-in engine.
#include "core/engine/engine.h"
#include "core/layers/rope.h"
#include "core/model/model_info.h"
#include "core/quant/quantize_preflight.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <fstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {

// A Qwen2 config with head_dim 32 (128 hidden / 4 heads) and the given rope fields.
ModelConfig configWith(const std::string& ropeFields) {
    return parseModelConfig(R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","hidden_size":128,
        "intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":4096,
        "max_position_embeddings":1024,"rope_theta":10000.0,)" + ropeFields + "}",
                            "config.json");
}

std::vector<double> values(const at::Tensor& t) {
    const auto c = t.to(at::kDouble).contiguous();
    return {c.data_ptr<double>(), c.data_ptr<double>() + c.numel()};
}

// 1 / theta^(2i / dim): the plain RoPE inverse frequencies, in double.
double plainInverseFrequency(int i, int dim = 32, double theta = 10000.0) { return 1.0 / std::pow(theta, 2.0 * i / dim); }

std::string readFile(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

void writeFile(const fs::path& f, const std::string& text) { std::ofstream(f, std::ios::binary | std::ios::trunc) << text; }

bool near(double actual, double expected, double relative) { return std::abs(actual - expected) <= relative * std::abs(expected) + 1e-7; }

}  // namespace

class RopeTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private Q_SLOTS:
    // Reference: transformers' _compute_yarn_parameters evaluated in plain Python double arithmetic
    // (math.log / math.floor / math.ceil, no torch) for dim 32, base 10000, factor 4, original 256,
    // beta 32 / 1, truncate on: correction range low 0, high 7.
    void yarnInverseFrequenciesAndScaling() {
        const auto c = configWith(R"("rope_scaling":{"type":"yarn","factor":4.0,"original_max_position_embeddings":256})");
        const double expected[16] = {1.000000000e+00, 5.020904689e-01, 2.484646733e-01, 1.206689600e-01, 5.714285714e-02, 2.610870438e-02,
                                     1.129384879e-02, 4.445698525e-03, 2.500000000e-03, 1.405853313e-03, 7.905694150e-04, 4.445698525e-04,
                                     2.500000000e-04, 1.405853313e-04, 7.905694150e-05, 4.445698525e-05};
        const auto inv = values(engine::ropeInverseFrequencies(c));
        QCOMPARE(inv.size(), std::size_t(16));
        for (int i = 0; i < 16; ++i) QVERIFY2(near(inv[i], expected[i], 2e-6), qPrintable(QString("inv_freq[%1] = %2").arg(i).arg(inv[i], 0, 'g', 10)));

        // cos/sin carry attention_scaling 0.1 * ln 4 + 1 (same Python evaluation, position 100).
        const auto tables = engine::buildRope(c, 300, at::Device(at::kCPU));
        QCOMPARE(tables.cos.sizes().vec(), (std::vector<int64_t>{300, 32}));
        QCOMPARE(tables.cos.scalar_type(), at::kFloat);
        const auto cos100 = values(tables.cos[100]);
        const auto sin100 = values(tables.sin[100]);
        const std::pair<int, std::pair<double, double>> at100[] = {
            {0, {0.9818616513016518, -0.5765628244032905}}, {5, {-0.9820015539886079, 0.5763245099287946}}, {15, {1.1386181840604308, 0.00506198653033479}}};
        for (const auto& [k, cs] : at100) {
            QVERIFY2(std::abs(cos100[k] - cs.first) < 2e-5 && std::abs(cos100[k + 16] - cs.first) < 2e-5, qPrintable(QString::number(cos100[k])));
            QVERIFY2(std::abs(sin100[k] - cs.second) < 2e-5 && std::abs(sin100[k + 16] - cs.second) < 2e-5, qPrintable(QString::number(sin100[k])));
        }
        QVERIFY(std::abs(values(tables.cos[0])[3] - 1.138629436111989) < 1e-6);  // position 0: cos 1 x scaling
    }

    // Same Python evaluation with factor 8, original 128, beta 16 / 2, truncate off: the correction
    // range stays fractional (0.41964..., 4.03200...).
    void yarnWithoutTruncation() {
        const auto c = configWith(R"("rope_scaling":{"type":"yarn","factor":8.0,"original_max_position_embeddings":128,
            "beta_fast":16.0,"beta_slow":2.0,"truncate":false})");
        const double expected[16] = {1.000000000e+00, 4.832890905e-01, 1.951754973e-01, 6.668106623e-02, 1.327512679e-02, 7.029266565e-03,
                                     3.952847075e-03, 2.222849263e-03, 1.250000000e-03, 7.029266565e-04, 3.952847075e-04, 2.222849263e-04,
                                     1.250000000e-04, 7.029266565e-05, 3.952847075e-05, 2.222849263e-05};
        const auto inv = values(engine::ropeInverseFrequencies(c));
        for (int i = 0; i < 16; ++i) QVERIFY2(near(inv[i], expected[i], 2e-6), qPrintable(QString("inv_freq[%1] = %2").arg(i).arg(inv[i], 0, 'g', 10)));
    }

    void linearAndDynamic() {
        const auto linear = values(engine::ropeInverseFrequencies(configWith(R"("rope_scaling":{"type":"linear","factor":2.0})")));
        for (int i = 0; i < 16; ++i) QVERIFY(near(linear[i], plainInverseFrequency(i) / 2.0, 2e-6));

        // Dynamic NTK: transformers' base * (factor * seq / max_pos - (factor - 1))^(dim / (dim - 2)) is the
        // plain base up to max_position_embeddings; past it the frequencies change with the length.
        const auto dynamic = configWith(R"("rope_scaling":{"type":"dynamic","factor":4.0})");
        const auto inv = values(engine::ropeInverseFrequencies(dynamic));
        for (int i = 0; i < 16; ++i) QVERIFY(near(inv[i], plainInverseFrequency(i), 2e-6));
        const auto tables = engine::buildRope(dynamic, 1024, at::Device(at::kCPU));
        QVERIFY(std::abs(values(tables.cos[1])[0] - std::cos(1.0)) < 1e-6);  // no attention scaling
        const QString msg = test::errorMessageOf([&] { engine::buildRope(dynamic, 1025, at::Device(at::kCPU)); });
        QVERIFY2(msg.contains("rope type 'dynamic'") && msg.contains("max_position_embeddings (1024)") && msg.contains("config.json"), qPrintable(msg));
    }

    // _compute_longrope_parameters: 1 / (ext_factor * theta^(2i/dim)), short factors within the
    // original length; cos/sin times sqrt(1 + ln(factor) / ln(original)).
    void longropeShortAndLongRows() {
        std::string shortF = "[", longF = "[";
        for (int i = 0; i < 16; ++i) {
            shortF += (i ? "," : "") + std::to_string(1.0 + i / 16.0);
            longF += (i ? "," : "") + std::to_string(2.0 + i);
        }
        const auto c = configWith(R"("rope_scaling":{"type":"longrope","factor":4.0,"original_max_position_embeddings":256,"short_factor":)" + shortF +
                                  "]," + R"("long_factor":)" + longF + "]}");
        const double scaling = std::sqrt(1.0 + std::log(4.0) / std::log(256.0));
        const auto tables = engine::buildRope(c, 512, at::Device(at::kCPU));
        const auto row10 = values(tables.cos[10]);
        const auto row300 = values(tables.cos[300]);
        for (int i = 0; i < 16; ++i) {
            const double shortInv = plainInverseFrequency(i) / (1.0 + i / 16.0);
            const double longInv = plainInverseFrequency(i) / (2.0 + i);
            QVERIFY2(std::abs(row10[i] - std::cos(10 * shortInv) * scaling) < 2e-5, qPrintable(QString::number(i)));
            QVERIFY2(std::abs(row300[i] - std::cos(300 * longInv) * scaling) < 2e-5, qPrintable(QString::number(i)));
        }
    }

    // The realworld rope-yarn model (qwen2-random weights, yarn config): described, passes the
    // quantize pre-flight, and generates on CPU.
    void ropeYarnRealworldRuns() {
        const fs::path m = fs::path(tmp_.path().toStdString()) / "rope-yarn";
        fs::create_directories(m);
        for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
            fs::copy_file(test::modelDir("qwen2-random") / f, m / f);
        fs::copy_file(test::sharedDir() / "realworld" / "rope-yarn" / "config.json", m / "config.json");

        QCOMPARE(describeModel(m).config.rope.type, std::string("yarn"));
        QuantizeSettings settings;
        settings.model = m;
        settings.output = fs::path(tmp_.path().toStdString()) / "out";
        const auto preflight = preflightQuantizeJob(settings);
        QVERIFY2(preflight.problems.empty(), preflight.problems.empty() ? "" : preflight.problems.front().c_str());

        // Dynamic NTK past max_position_embeddings (256 here) would need per-length frequencies: the
        // pre-flight says so naming config.json, and the job refuses before <out>.partial exists.
        auto j = readFile(m / "config.json");
        const std::string yarnType = "\"type\": \"yarn\"";
        const auto yarn = j.find(yarnType);
        QVERIFY(yarn != std::string::npos);
        const fs::path dyn = fs::path(tmp_.path().toStdString()) / "rope-dynamic";
        fs::create_directories(dyn);
        for (const auto& e : fs::directory_iterator(m)) fs::copy_file(e.path(), dyn / e.path().filename());
        writeFile(dyn / "config.json", j.replace(yarn, yarnType.size(), "\"type\": \"dynamic\""));
        QuantizeSettings tooLong = settings;
        tooLong.model = dyn;
        tooLong.seqlen = 512;
        const auto refused = preflightQuantizeJob(tooLong);
        QVERIFY(!refused.problems.empty());
        QVERIFY2(QString::fromStdString(refused.problems.front()).contains("rope-dynamic/config.json: rope type 'dynamic'"),
                 refused.problems.front().c_str());
        const QString jobError = test::errorMessageOf([&] { runQuantizeJob(tooLong); });
        QVERIFY2(jobError.contains("rope type 'dynamic'"), qPrintable(jobError));
        QVERIFY(!fs::exists(fs::path(tooLong.output.string() + ".partial")));
        tooLong.seqlen = 256;
        QVERIFY(preflightQuantizeJob(tooLong).problems.empty());

        const auto engine = Engine::load(m, {});
        GenerationRequest r;
        r.promptIds = engine->encode("Once upon a time", false);
        r.maxNewTokens = 4;
        const auto out = engine->generate({r})[0];
        QVERIFY(!out.newIds.empty());
    }
};

QTEST_GUILESS_MAIN(RopeTest)
#include "test_rope.moc"
