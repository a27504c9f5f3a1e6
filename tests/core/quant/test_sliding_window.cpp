// The quantizer on a sliding-window model (../shared/models/mistral-random: Mistral, window 16).
// The job hands a layer an explicit mask only when its window is shorter than the calibration block
// (quant::calibrationMask; otherwise plain causal attention, flash on a GPU). With that mask the
// layer's outputs over a block equal a reference computed the plain way: each token's output from
// plain causal attention over just the tokens its window sees (the slice of the block ending at
// it, at its own rope positions). The window matters: past the first window the outputs differ
// from unwindowed attention, a window of 4 differs again, and the job's per-layer results change
// when the model's config drops the window.
#include "core/layers/decoder_layer.h"
#include "core/layers/rope.h"
#include "core/model/hf_config.h"
#include "core/model/safetensors.h"
#include "core/quant/detail/layer_quantizer.h"
#include "core/quant/quantize_job.h"
#include "core/util/read_file.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <vector>

using namespace awq;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kBlock = 32;  // a calibration block of twice mistral-random's window
const at::Device kCpu(at::kCPU);

double maxAbsDiff(const at::Tensor& a, const at::Tensor& b) { return (a - b).abs().max().item<double>(); }

// Each token's layer output computed on its own: the block's slice that `window` lets token t see
// (tokens t - window + 1 .. t), run through the layer with plain causal attention (no mask) at the
// slice's rope positions; the slice's last row is token t's output. [n, S, hidden].
at::Tensor plainWindowReference(const engine::DecoderLayer& layer, const ModelConfig& config, const at::Tensor& x,
                                const at::Tensor& cos, const at::Tensor& sin, int64_t window) {
    const int64_t S = x.size(1);
    std::vector<at::Tensor> rows;
    for (int64_t t = 0; t < S; ++t) {
        const int64_t start = std::max<int64_t>(0, t - window + 1), len = t - start + 1;
        const auto y = engine::decoderLayerForward(layer, config, x.narrow(1, start, len).contiguous(), cos.narrow(2, start, len).contiguous(),
                                                   sin.narrow(2, start, len).contiguous(), at::Tensor());
        rows.push_back(y.narrow(1, len - 1, 1));
    }
    return at::cat(rows, 1);
}

QuantizeSettings smallJob(const fs::path& model, const fs::path& out) {
    QuantizeSettings s;
    s.model = model;
    s.output = out;
    s.method = QuantMethodChoice::Awq;
    s.calibrationFiles = {test::dataFile("calib-stories.txt")};
    s.samples = 8;
    s.seqlen = int(kBlock);
    return s;
}

}  // namespace

class SlidingWindowTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private Q_SLOTS:
    void initTestCase() { QVERIFY(tmp_.isValid()); }

    // An explicit mask only where the window is shorter than the block; it is causal within the window.
    void maskOnlyWhenTheWindowIsShorterThanTheBlock() {
        const auto config = loadModelConfig(test::modelDir("mistral-random"));
        QCOMPARE(config.windowOfLayer(0), std::optional<int>(16));
        QCOMPARE(config.windowOfLayer(1), std::optional<int>(16));
        const auto mask = quant::calibrationMask(config, 0, kBlock, kCpu);
        QVERIFY(mask.defined());
        QCOMPARE(mask.sizes().vec(), (std::vector<int64_t>{1, 1, kBlock, kBlock}));
        const auto visible = mask.view({kBlock, kBlock}).to(at::kLong);
        QCOMPARE(visible[5].sum().item<int64_t>(), int64_t(6));    // inside the first window: tokens 0..5
        QCOMPARE(visible[31].sum().item<int64_t>(), int64_t(16));  // tokens 16..31
        QCOMPARE(visible[31][15].item<int64_t>(), int64_t(0));
        QCOMPARE(visible[31][16].item<int64_t>(), int64_t(1));
        QCOMPARE(visible[30][31].item<int64_t>(), int64_t(0));     // never a later token
        // A block no longer than the window: plain causal attention sees the same tokens.
        QVERIFY(!quant::calibrationMask(config, 0, 16, kCpu).defined());
        QVERIFY(!quant::calibrationMask(config, 0, 8, kCpu).defined());
        // No window at all (Qwen3).
        QVERIFY(!quant::calibrationMask(loadModelConfig(test::modelDir("tinystories-qwen3-7m")), 0, 512, kCpu).defined());
    }

    // The job's forward of a layer with its window mask against the plain per-token reference.
    void windowedLayerMatchesPlainReference() {
        c10::InferenceMode guard;
        const auto folder = test::modelDir("mistral-random");
        const auto config = loadModelConfig(folder);
        const auto store = TensorStore::openFolder(folder);
        const engine::LoadContext ctx{store, at::kFloat, kCpu, 128};
        for (int l = 0; l < config.numLayers; ++l) {
            const auto layer = engine::loadDecoderLayer(ctx, config, l);
            at::manual_seed(20 + l);
            const auto x = at::randn({2, kBlock, config.hiddenSize}, at::kFloat);
            // As the job's prepareActivations builds them.
            const auto rope = engine::buildRope(config, int(kBlock), kCpu);
            const auto cos = rope.cos.narrow(0, 0, kBlock).to(at::kFloat).view({1, 1, kBlock, -1});
            const auto sin = rope.sin.narrow(0, 0, kBlock).to(at::kFloat).view({1, 1, kBlock, -1});

            const auto windowed = quant::forwardLayer(layer, config, x, cos, sin, quant::calibrationMask(config, l, kBlock, kCpu), {});
            const auto reference = plainWindowReference(layer, config, x, cos, sin, 16);
            QCOMPARE(windowed.sizes().vec(), x.sizes().vec());
            const double scale = reference.abs().max().item<double>();
            QVERIFY(scale > 0.1);
            const double err = maxAbsDiff(windowed, reference);
            QVERIFY2(err < 1e-5 * std::max(1.0, scale), qPrintable(QString("layer %1: max |windowed - reference| %2 (scale %3)").arg(l).arg(err).arg(scale)));

            // The window matters: the first 16 tokens see the whole prefix either way, the rest do not.
            const auto unwindowed = quant::forwardLayer(layer, config, x, cos, sin, at::Tensor(), {});
            QVERIFY(maxAbsDiff(windowed.narrow(1, 0, 16), unwindowed.narrow(1, 0, 16)) < 1e-5 * std::max(1.0, scale));
            const double past = maxAbsDiff(windowed.narrow(1, 16, kBlock - 16), unwindowed.narrow(1, 16, kBlock - 16));
            QVERIFY2(past > 1e-3, qPrintable(QString("layer %1: window 16 vs none past the window: %2").arg(l).arg(past)));

            // A window of 4 through the same path: matches its own plain reference, differs from
            // no window and from the window of 16.
            const auto four = quant::forwardLayer(layer, config, x, cos, sin, engine::causalMask(4, kBlock, kCpu), {});
            const double err4 = maxAbsDiff(four, plainWindowReference(layer, config, x, cos, sin, 4));
            QVERIFY2(err4 < 1e-5 * std::max(1.0, scale), qPrintable(QString("layer %1: window 4 vs its reference %2").arg(l).arg(err4)));
            QVERIFY(maxAbsDiff(four, unwindowed) > 1e-3);
            QVERIFY(maxAbsDiff(four, windowed) > 1e-3);
        }
    }

    // The whole job on the sliding-window model, and on a copy whose config has no window: both
    // finish, and the window changes what the search saw (each layer's output error).
    void quantizesASlidingWindowModel() {
        const fs::path root = tmp_.path().toStdString();
        const auto windowed = runQuantizeJob(smallJob(test::modelDir("mistral-random"), root / "windowed"));
        QCOMPARE(windowed.layers, 2);
        QVERIFY(windowed.calibrationBlocks > 0);
        QCOMPARE(int(windowed.perLayer.size()), 2);
        const auto written = nlohmann::json::parse(readFile(root / "windowed" / "config.json"));
        QCOMPARE(written.value("sliding_window", 0), 16);
        QCOMPARE(written["quantization_config"]["quant_method"].get<std::string>(), std::string("awq"));

        const fs::path copy = root / "no-window-source";
        fs::create_directories(copy);
        for (const auto& entry : fs::directory_iterator(test::modelDir("mistral-random")))
            if (entry.path().filename() != "config.json") fs::copy_file(entry.path(), copy / entry.path().filename());
        auto config = nlohmann::json::parse(readFile(test::modelDir("mistral-random") / "config.json"));
        config["sliding_window"] = nullptr;
        std::ofstream(copy / "config.json") << config.dump(2);
        QVERIFY(!loadModelConfig(copy).windowOfLayer(0));
        const auto plain = runQuantizeJob(smallJob(copy, root / "no-window"));
        QCOMPARE(int(plain.perLayer.size()), 2);
        QCOMPARE(plain.calibrationBlocks, windowed.calibrationBlocks);  // the same calibration tokens
        bool differs = false;
        for (int l = 0; l < 2; ++l) {
            const double a = windowed.perLayer[l].outputMse, b = plain.perLayer[l].outputMse;
            QVERIFY2(std::isfinite(a) && a > 0 && std::isfinite(b) && b > 0, qPrintable(QString("layer %1: %2 / %3").arg(l).arg(a).arg(b)));
            differs = differs || std::abs(a - b) > 1e-3 * std::max(a, b);
        }
        QVERIFY2(differs, "the window changed none of the layers' output errors");
    }
};

QTEST_GUILESS_MAIN(SlidingWindowTest)
#include "test_sliding_window.moc"
