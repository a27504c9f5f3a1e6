// The AWQ scale search scored on the Gram matrix of a single linear's inputs (ScaleScoring::LinearGram)
// against the forward path AutoAWQ runs, on the demo model's real down_proj and real activations:
// every ratio's loss must agree to float32 noise, so the search picks the same scales.
#include "core/layers/decoder_layer.h"
#include "core/layers/torch_util.h"
#include "core/model/hf_config.h"
#include "core/model/safetensors.h"
#include "core/quant/calibration.h"
#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/job_cost.h"
#include "core/tokenizer/tokenizer.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <cmath>
#include <cstdlib>

using namespace awq;

class ScaleScoringTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void gramLossesEqualForwardLosses() {
        c10::InferenceMode guard;
        const auto folder = test::modelDir("tinystories-qwen3-7m");
        const auto config = loadModelConfig(folder);
        const auto store = TensorStore::openFolder(folder);
        const engine::LoadContext ctx{store, at::kFloat, at::Device(at::kCPU), 128};
        auto layer = engine::loadDecoderLayer(ctx, config, 3);

        // down_proj's input for 8 blocks of 256 calibration tokens: the MLP of layer 3 over the
        // normed token embeddings (real weights, real activation statistics).
        const auto calib = buildCalibrationSet(Tokenizer::load(folder), loadCalibrationTexts({test::dataFile("calib-stories.txt")}, 40), 40, 256);
        QVERIFY(calib.blocks.size() >= 8);
        auto ids = at::empty({8, 256}, at::kLong);
        for (int b = 0; b < 8; ++b)
            for (int t = 0; t < 256; ++t) ids[b][t] = calib.blocks[b][t];
        const TensorInfo* embed = store.find("model.embed_tokens.weight");
        QVERIFY(embed);
        const auto h = engine::rmsNorm(at::embedding(engine::loadTensor(store, *embed, at::kFloat, at::Device(at::kCPU)), ids),
                                       layer.postAttentionNorm, config.rmsNormEps);
        at::Tensor downInput;
        engine::mlpBlock(layer, h, &downInput);

        auto& down = static_cast<engine::DenseLinear&>(*layer.down).weight();
        const auto xMean = downInput.abs().reshape({-1, downInput.size(-1)}).mean(0);
        auto search = [&](quant::ScaleScoring scoring) {
            quant::ScaleSearch s({&down}, [&](const at::Tensor& in) { return layer.down->forward(in); }, xMean, 128, 2, quant::kFullRatioGrid, {},
                                 scoring);
            // Two chunks: the losses must accumulate over chunks the same way.
            s.addChunk(downInput.narrow(0, 0, 5));
            s.addChunk(downInput.narrow(0, 5, 3));
            return std::make_pair(s.losses(), s.best());
        };
        const auto original = down.clone();
        const auto [forwardLoss, forwardBest] = search(quant::ScaleScoring::Forward);
        QVERIFY(at::equal(down, original));  // restored after the search
        const auto [gramLoss, gramBest] = search(quant::ScaleScoring::LinearGram);
        QVERIFY(at::equal(down, original));

        QCOMPARE(gramLoss.size(), forwardLoss.size());
        double worst = 0, lo = INFINITY, hi = 0;
        for (std::size_t i = 0; i < gramLoss.size(); ++i) {
            QVERIFY(forwardLoss[i] > 0);
            worst = std::max(worst, std::abs(gramLoss[i] - forwardLoss[i]) / forwardLoss[i]);
            lo = std::min(lo, forwardLoss[i]);
            hi = std::max(hi, forwardLoss[i]);
        }
        qInfo("largest relative loss difference %.3g; losses range %.4g .. %.4g over the ratios", worst, lo, hi);
        QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        QVERIFY(hi > lo * 1.01);  // the ratios differ far more than the two scorings do
        QCOMPARE(gramBest.ratio, forwardBest.ratio);
        QVERIFY(at::equal(gramBest.scales, forwardBest.scales));
    }

    void gramPaysOnlyWhereItCostsLess() {
        ::unsetenv("AWQBENCH_AWQ_GRAM");
        // The demo model's down (K 768, N 256) on 47 x 512 tokens: far less work than 21 forwards.
        QVERIFY(quant::linearGramPays(47 * 512, 768, 256, 20, false));
        // Few tokens and many inputs: the K x K Gram costs more than the forwards.
        QVERIFY(!quant::linearGramPays(512, 12288, 4096, 20, false));
        // Qwen3-8B's down on a GPU (fp16 forwards on tensor cores against a float32 Gram): forwards.
        QVERIFY(!quant::linearGramPays(123 * 512, 12288, 4096, 20, true));
        ::setenv("AWQBENCH_AWQ_GRAM", "0", 1);
        QVERIFY(!quant::linearGramPays(47 * 512, 768, 256, 20, false));
        ::setenv("AWQBENCH_AWQ_GRAM", "1", 1);
        QVERIFY(quant::linearGramPays(512, 12288, 4096, 20, false));
        ::unsetenv("AWQBENCH_AWQ_GRAM");
    }
};

QTEST_GUILESS_MAIN(ScaleScoringTest)
#include "test_scale_scoring.moc"
