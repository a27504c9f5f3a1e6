// Per-layer sliding windows (Qwen2-style configs): use_sliding_window with max_window_layers or an
// explicit layer_types list window only some layers, as transformers reads them. On the real
// configs in ../shared/realworld/qwen2-sliding-layers with the qwen2-random weights: every layer
// full gives exactly the original model's logits; windowing only layer 1 differs from windowing
// both and from none once the context passes the 16-token window, and not before.
#include "core/engine/engine.h"
#include "core/model/hf_config.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {

fs::path realworld(const char* name) { return test::sharedDir() / "realworld" / "qwen2-sliding-layers" / name; }

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A copy of qwen2-random whose config.json is one of the realworld variants.
fs::path variantModel(const fs::path& root, const char* config) {
    const fs::path dir = root / config;
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(test::modelDir("qwen2-random")))
        if (entry.path().filename() != "config.json" && entry.path().filename() != "golden.json") fs::copy_file(entry.path(), dir / entry.path().filename());
    fs::copy_file(realworld(config), dir / "config.json");
    return dir;
}

// The config text with its "layer_types" entry (not the last key) removed.
std::string withoutLayerTypes(const std::string& text) {
    return std::regex_replace(text, std::regex(R"("layer_types"\s*:\s*\[[^\]]*\]\s*,)"), "");
}

std::vector<int> sequence(int length) {
    std::vector<int> ids;
    for (int i = 0; i < length; ++i) ids.push_back((i * 37 + 11) % 500);
    return ids;
}

float maxAbsDiff(const std::vector<float>& a, const std::vector<float>& b) {
    float m = 0;
    for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
    return m;
}

}  // namespace

class SlidingLayersTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;

private Q_SLOTS:
    void configsNameTheWindowedLayers() {
        const auto full = parseModelConfig(readFile(realworld("config-all-full.json")), realworld("config-all-full.json"));
        QVERIFY(!full.slidingWindow);  // use_sliding_window, but no layer windowed: full attention everywhere
        QVERIFY(!full.windowOfLayer(0) && !full.windowOfLayer(1));
        const auto one = parseModelConfig(readFile(realworld("config-layer1-sliding.json")), realworld("config-layer1-sliding.json"));
        QVERIFY(!one.windowOfLayer(0));
        QCOMPARE(one.windowOfLayer(1).value_or(-1), 16);
        QVERIFY(!one.everyLayerSlides());
        const auto all = parseModelConfig(readFile(realworld("config-all-sliding.json")), realworld("config-all-sliding.json"));
        QCOMPARE(all.windowOfLayer(0).value_or(-1), 16);
        QCOMPARE(all.windowOfLayer(1).value_or(-1), 16);
        QVERIFY(all.everyLayerSlides());
        // Without layer_types, max_window_layers decides (transformers' Qwen2Config default).
        const auto noTypes = withoutLayerTypes(readFile(realworld("config-layer1-sliding.json")));
        QVERIFY(noTypes.find("layer_types") == std::string::npos);
        const auto derived = parseModelConfig(noTypes, "derived.json");
        QVERIFY(!derived.windowOfLayer(0));
        QCOMPARE(derived.windowOfLayer(1).value_or(-1), 16);
    }

    void windowsApplyOnlyToTheirLayers() {
        QVERIFY(tmp_.isValid());
        const fs::path root = tmp_.path().toStdString();
        const auto original = Engine::load(test::modelDir("qwen2-random"), {});
        const auto allFull = Engine::load(variantModel(root, "config-all-full.json"), {});
        const auto layer1 = Engine::load(variantModel(root, "config-layer1-sliding.json"), {});
        const auto allSliding = Engine::load(variantModel(root, "config-all-sliding.json"), {});

        const auto longer = sequence(48);
        const auto ref = original->logits(longer);
        QCOMPARE(maxAbsDiff(allFull->logits(longer), ref), 0.0f);  // KLD 0 against the original
        const auto one = layer1->logits(longer), both = allSliding->logits(longer);
        QVERIFY(maxAbsDiff(one, ref) > 1e-4f);
        QVERIFY(maxAbsDiff(one, both) > 1e-4f);

        const auto shorter = sequence(16);  // within the window: every variant is the original
        const auto shortRef = original->logits(shorter);
        QCOMPARE(maxAbsDiff(layer1->logits(shorter), shortRef), 0.0f);
        QCOMPARE(maxAbsDiff(allSliding->logits(shorter), shortRef), 0.0f);

        // Decode applies the same per-layer windows as prefill: greedy continuation of a prompt that
        // runs past the window equals the argmax of full-sequence logits step by step.
        GenerationRequest r;
        r.promptIds = sequence(20);
        r.maxNewTokens = 12;
        r.stopIds = {-1};
        const auto generated = layer1->generate({r})[0].newIds;
        auto ids = r.promptIds;
        const int vocab = layer1->model().config.vocabSize;
        for (int token : generated) {
            const auto all = layer1->logits(ids);
            const float* last = all.data() + (ids.size() - 1) * std::size_t(vocab);
            QCOMPARE(int(std::max_element(last, last + vocab) - last), token);
            ids.push_back(token);
        }
    }
};

QTEST_APPLESS_MAIN(SlidingLayersTest)
#include "test_sliding_layers.moc"
