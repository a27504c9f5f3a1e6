#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/tokenizer/tokenizer.h"
#include "core/model/safetensors.h"
#include "tests/support/error_capture.h"
#include "tests/support/hub_cache.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <fstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {
// A copy of a fixture with all tensors rewritten into one model.safetensors (and given side files).
fs::path reshardedCopy(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    const auto store = TensorStore::openFolder(from);
    std::vector<TensorToWrite> tensors;
    for (const auto& t : store.tensors()) tensors.push_back({t.name, t.dtype, t.shape, store.data(t)});
    writeShardedSafetensors(to, tensors, 1ull << 40);
    fs::copy_file(from / "config.json", to / "config.json");
    return to;
}

// The demo fixture's config.json as text.
std::string fixtureConfig() {
    std::ifstream in(test::modelDir("tinystories-qwen3-7m") / "config.json");
    return std::string((std::istreambuf_iterator<char>(in)), {});
}

// `config` with the value of top-level "key" replaced by `value` (JSON text).
std::string configWithValue(const std::string& config, const std::string& key, const std::string& value) {
    const auto from = config.find("\"" + key + "\": ") + key.size() + 4;
    return config.substr(0, from) + value + config.substr(config.find_first_of(",\n}", from));
}

}  // namespace

class ModelInfoTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path tmp(const char* name) const { return fs::path(tmp_.path().toStdString()) / name; }

private Q_SLOTS:
    void describesEveryFixture_data() {
        QTest::addColumn<QString>("folder");
        QTest::addColumn<QString>("arch");
        QTest::addColumn<qulonglong>("params");
        QTest::addColumn<int>("layers");
        QTest::addColumn<int>("heads");
        QTest::addColumn<int>("kvHeads");
        QTest::addColumn<int>("headDim");
        QTest::addColumn<QString>("dtype");
        // Parameter counts computed independently from the safetensors headers (Python), and for
        // tinystories-qwen3-7m equal to its index's total_parameters.
        QTest::newRow("tinystories-656k") << "tinystories-656k" << "llama" << 656000ull << 2 << 8 << 4 << 16 << "F32";
        QTest::newRow("tinystories-qwen3-7m") << "tinystories-qwen3-7m" << "qwen3" << 7345408ull << 8 << 4 << 2 << 64 << "BF16";
        QTest::newRow("qwen2-random") << "qwen2-random" << "qwen2" << 1442944ull << 2 << 4 << 2 << 32 << "BF16";
        QTest::newRow("mistral-random") << "mistral-random" << "mistral" << 1442432ull << 2 << 4 << 2 << 32 << "BF16";
        // Its untied fp16 embeddings and lm_head outweigh the 4-bit linears of this tiny model.
        QTest::newRow("qwen2-random-awq") << "qwen2-random-awq" << "qwen2" << 1442944ull << 2 << 4 << 2 << 32 << "F16";
        QTest::newRow("tinystories-qwen3-7m-awq") << "tinystories-qwen3-7m-awq" << "qwen3" << 7345408ull << 8 << 4 << 2 << 64 << "I4";
    }
    void describesEveryFixture() {
        QFETCH(QString, folder);
        QFETCH(QString, arch);
        QFETCH(qulonglong, params);
        QFETCH(int, layers);
        QFETCH(int, heads);
        QFETCH(int, kvHeads);
        QFETCH(int, headDim);
        QFETCH(QString, dtype);
        const auto m = describeModel(test::modelDir(folder.toUtf8().constData()));
        QCOMPARE(QString::fromUtf8(architectureName(m.config.architecture).data()), arch);
        QCOMPARE(m.parameterCount, std::uint64_t(params));
        QCOMPARE(m.config.numLayers, layers);
        QCOMPARE(m.config.numHeads, heads);
        QCOMPARE(m.config.numKvHeads, kvHeads);
        QCOMPARE(m.config.headDim, headDim);
        QCOMPARE(QString::fromStdString(m.storageDtype), dtype);
        // The dtype beside the quantization: the same F16 for both AWQ fixtures, whichever part holds more parameters.
        QCOMPARE(QString::fromStdString(m.floatDtype), m.config.quantization.method == QuantMethod::None ? dtype : QStringLiteral("F16"));
        QVERIFY(m.hasTokenizer);
        QVERIFY(m.hasGenerationConfig);
        QCOMPARE(m.fingerprint.size(), std::size_t(64));
        QVERIFY(m.bytesOnDisk > m.weightBytes);
    }

    void oldStyleConfigAndTiedEmbeddings() {
        const auto m = describeModel(test::modelDir("tinystories-656k"));
        QCOMPARE(m.config.rope.theta, 10000.0);
        QCOMPARE(m.config.dtype, std::string("float32"));  // torch_dtype
        QVERIFY(m.config.tieWordEmbeddings);
        QVERIFY(m.tiedEmbeddingsStoredAsLmHead);
        QCOMPARE(m.config.eosTokenIds, std::vector<int>{2});
        QCOMPARE(m.config.maxPositions, 512);
        QVERIFY(!m.hasChatTemplate);
        QCOMPARE(m.config.quantization.method, QuantMethod::None);
    }

    void newStyleConfigQwen3() {
        const auto m = describeModel(test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(m.config.dtype, std::string("bfloat16"));  // dtype
        QCOMPARE(m.config.rope.type, std::string("default"));
        QVERIFY(m.config.qkNorm);
        QVERIFY(!m.config.attentionBias);
        QVERIFY(!m.config.slidingWindow);
        QCOMPARE(m.shardCount, 2);
        QVERIFY(m.hasChatTemplate);
        QCOMPARE(m.chatTemplateSource, std::string("chat_template.jinja"));
        QCOMPARE(m.weightBytes, std::uint64_t(14690816));
        // Generation stops at generation_config.json's [0, 2] (config.json says 0 alone), as
        // transformers' generate() and the engine's tokenizer take them; `models show` said 0.
        QCOMPARE(m.config.eosTokenIds, (std::vector<int>{0}));
        QCOMPARE(m.stopTokenIds.ids, (std::vector<int>{0, 2}));
        QCOMPARE(m.stopTokenIds.source, std::string("generation_config.json"));
        QCOMPARE(Tokenizer::load(test::modelDir("tinystories-qwen3-7m")).eosIds(), m.stopTokenIds.ids);
    }

    void qwen2BiasAndMistralWindow() {
        QVERIFY(describeModel(test::modelDir("qwen2-random")).config.attentionBias);
        const auto mistral = describeModel(test::modelDir("mistral-random"));
        QVERIFY(mistral.config.slidingWindow.has_value());
        QCOMPARE(*mistral.config.slidingWindow, 16);
    }

    void awqQuantizationConfig() {
        const auto m = describeModel(test::modelDir("tinystories-qwen3-7m-awq"));
        const auto& q = m.config.quantization;
        QCOMPARE(q.method, QuantMethod::Awq);
        QCOMPARE(q.bits, 4);
        QCOMPARE(q.groupSize, 128);
        QVERIFY(q.zeroPoint);
        QCOMPARE(q.version, std::string("gemm"));
        QVERIFY(m.warnings.empty());
        QVERIFY(m.unsupported.empty());
        // ../shared/realworld/awq-gemv-promote: AutoAWQ's GEMV packing is described (list / show read it),
        // marked unsupported naming config.json's key and value, and repeated as a warning.
        const fs::path gemvFolder = test::sharedDir() / "realworld" / "awq-gemv-promote" / "model";
        const auto gemv = describeModel(gemvFolder);
        QCOMPARE(gemv.config.quantization.version, std::string("gemv"));
        QVERIFY2(QString::fromStdString(gemv.unsupported).startsWith("quantization_config.version is \"gemv\": the built-in engine "
                                                                     "reads only AutoAWQ's GEMM layout (version \"gemm\")"),
                 gemv.unsupported.c_str());
        QCOMPARE(gemv.warnings.back(), "config.json: " + gemv.unsupported + " (" + gemv.unsupportedFix + ")");
        const QString refused = test::errorMessageOf([&] { requireEngineSupport(gemv); });
        QVERIFY2(refused.startsWith(QString::fromStdString((gemvFolder / "config.json").string()) + ": quantization_config.version is \"gemv\"") &&
                     refused.contains("awqbench-cli quantize"),
                 qPrintable(refused));
        QVERIFY(test::errorMessageOf([&] { requireEngineSupport(m); }).isEmpty());
        // About a quarter of the bf16 weight bytes for the quantized linears, plus the fp16 rest.
        QVERIFY(m.weightBytes < describeModel(test::modelDir("tinystories-qwen3-7m")).weightBytes / 2);
    }

    // The same GEMV tensors under every version label the fresh-user trial tried: only an honest
    // "gemm" (or no version: AutoAWQ's default) over GEMM tensors runs; a GEMV checkpoint labelled
    // GEMM is caught by its tensor shapes, not left to fail later on a qzeros shape.
    void awqLayoutIsCheckedByVersionAndByShape() {
        const fs::path gemv = tmp("gemv-labels");
        fs::create_directories(gemv);
        for (const auto& e : fs::directory_iterator(test::sharedDir() / "realworld" / "awq-gemv-promote" / "model"))
            fs::copy_file(e.path(), gemv / e.path().filename());
        fs::permissions(gemv / "config.json", fs::perms::owner_write, fs::perm_options::add);
        std::ifstream in(gemv / "config.json");
        const std::string config((std::istreambuf_iterator<char>(in)), {});
        in.close();
        const auto withVersion = [&](const std::string& value) {
            std::string c = config;
            const std::string key = "\"version\": \"gemv\"";
            c.replace(c.find(key), key.size(), value.empty() ? std::string("\"_no_version\": null") : "\"version\": \"" + value + "\"");
            std::ofstream(gemv / "config.json", std::ios::trunc) << c;
            return describeModel(gemv);
        };
        for (const char* version : {"GEMV", "gemv_fast", "marlin", "exllama"}) {
            const auto m = withVersion(version);
            QString lower = QString(version).toLower();
            QVERIFY2(QString::fromStdString(m.unsupported).startsWith("quantization_config.version is \"" + lower + "\""), m.unsupported.c_str());
        }
        for (const char* version : {"GEMM", "gemm", ""}) {
            const auto m = withVersion(version);
            QVERIFY2(m.unsupported.find("which is not the GEMM layout (qweight [K, N/8], qzeros [K/group, N/8], scales [K/group, N])") !=
                         std::string::npos,
                     m.unsupported.c_str());
            QVERIFY2(m.unsupported.find("model.layers.0.") != std::string::npos && m.unsupported.find(".qweight [") != std::string::npos,
                     m.unsupported.c_str());
        }
    }

    // transformers' ACT2FN names: the engine computes SiLU ("silu", also "swish"); every other
    // activation is refused naming config.json, the key and the value instead of running as SiLU.
    void activationsOtherThanSiluAreUnsupported() {
        const fs::path m = reshardedCopy(test::modelDir("qwen2-random"), tmp("activations"));
        std::ifstream in(test::modelDir("qwen2-random") / "config.json");
        const std::string config((std::istreambuf_iterator<char>(in)), {});
        for (const char* act : {"silu", "swish"}) {
            std::ofstream(m / "config.json", std::ios::trunc) << configWithValue(config, "hidden_act", std::string("\"") + act + "\"");
            const auto info = describeModel(m);
            QCOMPARE(info.config.hiddenAct, std::string(act));
            QVERIFY2(info.unsupported.empty(), info.unsupported.c_str());
        }
        for (const char* act : {"gelu", "gelu_pytorch_tanh", "gelu_new", "relu", "no_such_activation"}) {
            std::ofstream(m / "config.json", std::ios::trunc) << configWithValue(config, "hidden_act", std::string("\"") + act + "\"");
            const auto info = describeModel(m);
            const QString msg = test::errorMessageOf([&] { requireEngineSupport(info); });
            QVERIFY2(msg.startsWith(QString::fromStdString((m / "config.json").string()) + ": hidden_act is \"" + act +
                                    "\": the built-in engine computes the MLP with SiLU only (\"silu\", also written \"swish\")"),
                     qPrintable(msg));
        }
    }

    // Without max_position_embeddings transformers uses the config class's default; so does the
    // context here (it was 0, and generation failed on "a context of 1").
    void missingMaxPositionEmbeddingsTakesTheArchitectureDefault() {
        const std::string base = R"("hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 256, "intermediate_size": 256)";
        const std::pair<const char*, int> defaults[] = {
            {"LlamaForCausalLM", 2048}, {"Qwen2ForCausalLM", 32768}, {"Qwen3ForCausalLM", 32768}, {"MistralForCausalLM", 131072}};
        for (const auto& [arch, expected] : defaults) {
            const auto c = parseModelConfig(std::string("{\"architectures\": [\"") + arch + "\"], " + base + "}", "config.json");
            QCOMPARE(c.maxPositions, expected);
            QVERIFY(c.maxPositionsDefaulted);
            QCOMPARE(vllmDerivedMaxModelLen(c), expected);
        }
        const auto given = parseModelConfig(std::string(R"({"architectures": ["Qwen2ForCausalLM"], "max_position_embeddings": 256, )") + base + "}",
                                            "config.json");
        QCOMPARE(given.maxPositions, 256);
        QVERIFY(!given.maxPositionsDefaulted);
        // On a real model folder: qwen2-random without the key.
        const fs::path m = reshardedCopy(test::modelDir("qwen2-random"), tmp("no-max-positions"));
        std::ifstream in(test::modelDir("qwen2-random") / "config.json");
        std::string config((std::istreambuf_iterator<char>(in)), {});
        const auto at = config.find("\"max_position_embeddings\"");
        QVERIFY(at != std::string::npos);
        config.erase(at, config.find(',', at) + 1 - at);
        std::ofstream(m / "config.json", std::ios::trunc) << config;
        const auto info = describeModel(m);
        QCOMPARE(info.config.maxPositions, 32768);
        QVERIFY(info.config.maxPositionsDefaulted);
    }

    void llama3RopeScalingBothStyles() {
        const char* oldStyle = R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4096,
            "intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,
            "vocab_size":128256,"max_position_embeddings":131072,"rope_theta":500000.0,"torch_dtype":"bfloat16",
            "rope_scaling":{"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
            "original_max_position_embeddings":8192,"rope_type":"llama3"},"eos_token_id":[128001,128008,128009]})";
        const char* newStyle = R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":4096,
            "intermediate_size":14336,"num_hidden_layers":32,"num_attention_heads":32,"num_key_value_heads":8,
            "vocab_size":128256,"max_position_embeddings":131072,"dtype":"bfloat16",
            "rope_parameters":{"rope_theta":500000.0,"factor":8.0,"low_freq_factor":1.0,"high_freq_factor":4.0,
            "original_max_position_embeddings":8192,"rope_type":"llama3"},"eos_token_id":[128001,128008,128009]})";
        for (const char* text : {oldStyle, newStyle}) {
            const auto c = parseModelConfig(text, "config.json");
            QCOMPARE(c.architecture, Architecture::Llama);
            QCOMPARE(c.rope.type, std::string("llama3"));
            QCOMPARE(c.rope.theta, 500000.0);
            QCOMPARE(c.rope.factor, 8.0);
            QCOMPARE(c.rope.originalMaxPositions, 8192);
            QCOMPARE(c.headDim, 128);
            QCOMPARE(c.dtype, std::string("bfloat16"));
            QCOMPARE(c.eosTokenIds, (std::vector<int>{128001, 128008, 128009}));
        }
    }

    // Every rope form transformers reads (modeling_rope_utils standardize_rope_params): old style with
    // `type` or `rope_type` under rope_scaling, new style under rope_parameters.
    void yarnRopeInEveryStyle() {
        const std::string head = R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","hidden_size":128,
            "intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":4096,
            "max_position_embeddings":1024,)";
        const std::string styles[] = {
            R"("rope_theta":1000000.0,"rope_scaling":{"type":"yarn","factor":4.0,"original_max_position_embeddings":256}})",
            R"("rope_theta":1000000.0,"rope_scaling":{"rope_type":"yarn","factor":4.0,"original_max_position_embeddings":256}})",
            R"("rope_parameters":{"rope_type":"yarn","rope_theta":1000000.0,"factor":4.0,"original_max_position_embeddings":256}})",
        };
        for (const auto& style : styles) {
            const auto c = parseModelConfig(head + style, "config.json");
            QCOMPARE(c.rope.type, std::string("yarn"));
            QCOMPARE(c.rope.theta, 1000000.0);
            QCOMPARE(c.rope.factor, 4.0);
            QCOMPARE(c.rope.originalMaxPositions, 256);
            QCOMPARE(c.rope.betaFast, 32.0);  // the paper's defaults
            QCOMPARE(c.rope.betaSlow, 1.0);
            QVERIFY(c.rope.truncate);
            QVERIFY(!c.rope.attentionFactor);
            QVERIFY(qAbs(ropeAttentionFactor(c.rope) - 1.138629436111989) < 1e-12);  // 0.1 * ln(4) + 1
            QCOMPARE(vllmDerivedMaxModelLen(c), 1024);                                // 4 x 256
        }
        // Optional keys, and original_max_position_embeddings falling back to max_position_embeddings.
        auto c = parseModelConfig(head + R"("rope_scaling":{"type":"yarn","factor":8.0,"beta_fast":16,"beta_slow":2,
            "mscale":1.0,"mscale_all_dim":0.5,"truncate":false}})", "config.json");
        QCOMPARE(c.rope.betaFast, 16.0);
        QCOMPARE(c.rope.betaSlow, 2.0);
        QVERIFY(!c.rope.truncate);
        QCOMPARE(c.rope.originalMaxPositions, 1024);
        QVERIFY(qAbs(ropeAttentionFactor(c.rope) - 1.094179988101349) < 1e-12);  // (0.1 ln 8 + 1) / (0.05 ln 8 + 1)
        QCOMPARE(vllmDerivedMaxModelLen(c), 8192);
        c = parseModelConfig(head + R"("rope_scaling":{"type":"yarn","factor":8.0,"attention_factor":0.75}})", "config.json");
        QCOMPARE(ropeAttentionFactor(c.rope), 0.75);  // an explicit attention_factor wins
    }

    void linearDynamicAndLongropeRope() {
        const std::string head = R"({"architectures":["LlamaForCausalLM"],"model_type":"llama","hidden_size":128,
            "intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":4096,
            "max_position_embeddings":1024,)";
        auto c = parseModelConfig(head + R"("rope_scaling":{"type":"linear","factor":2.0}})", "config.json");
        QCOMPARE(c.rope.type, std::string("linear"));
        QCOMPARE(c.rope.factor, 2.0);
        QCOMPARE(ropeAttentionFactor(c.rope), 1.0);
        QCOMPARE(vllmDerivedMaxModelLen(c), 2048);
        c = parseModelConfig(head + R"("rope_parameters":{"rope_type":"dynamic","factor":3.0,"rope_theta":500000.0}})", "config.json");
        QCOMPARE(c.rope.type, std::string("dynamic"));
        QCOMPARE(c.rope.theta, 500000.0);
        QCOMPARE(vllmDerivedMaxModelLen(c), 3072);

        const std::string shortF = "[" + QString("1.0,").repeated(15).toStdString() + "1.0]";
        const std::string longF = "[" + QString("2.0,").repeated(15).toStdString() + "4.0]";
        // Phi-3 keeps original_max_position_embeddings at the top level; transformers moves it into the
        // rope dict and derives factor = max_position_embeddings / original.
        c = parseModelConfig(head + R"("original_max_position_embeddings":256,"rope_scaling":{"type":"longrope","short_factor":)" + shortF +
                                 R"(,"long_factor":)" + longF + "}}",
                             "config.json");
        QCOMPARE(c.rope.type, std::string("longrope"));
        QCOMPARE(c.rope.originalMaxPositions, 256);
        QCOMPARE(c.rope.factor, 4.0);
        QCOMPARE(c.rope.shortFactor, std::vector<double>(16, 1.0));
        QCOMPARE(c.rope.longFactor.back(), 4.0);
        QVERIFY(qAbs(ropeAttentionFactor(c.rope) - 1.118033988749895) < 1e-12);  // sqrt(1 + ln 4 / ln 256)
        QCOMPARE(vllmDerivedMaxModelLen(c), 1024);                                // vLLM leaves longrope alone
    }

    void unsupportedRopeIsRefusedNamingTheKey() {
        const std::string head = R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2","hidden_size":128,
            "intermediate_size":384,"num_hidden_layers":2,"num_attention_heads":4,"vocab_size":4096,
            "max_position_embeddings":1024,)";
        const std::pair<std::string, QString> cases[] = {
            {R"("rope_scaling":{"type":"mrope","factor":2.0}})", "rope type 'mrope' in rope_scaling is not supported"},
            {R"("rope_parameters":{"rope_type":"su","rope_theta":10000.0}})", "rope type 'su' in rope_parameters is not supported"},
            {R"("rope_scaling":{"type":"yarn","original_max_position_embeddings":256}})", "rope_scaling.factor is missing"},
            {R"("rope_scaling":{"rope_type":"llama3","factor":8.0,"low_freq_factor":1.0}})", "rope_scaling.high_freq_factor is missing"},
            {R"("rope_scaling":{"type":"longrope","short_factor":[1.0],"long_factor":[1.0]}})",
             "rope_scaling.short_factor must be a list of 16 numbers"},
            {R"("partial_rotary_factor":0.5,"rope_theta":10000.0})", "partial_rotary_factor is not 1"},
            // Found by the long fuzz run (benchmarks/fuzz_long.sh): the vLLM context length
            // 256 x 3.3e19 overflowed an int. Every rope number is bounded and named.
            {R"("rope_scaling":{"factor":33333333333333333331.0,"original_max_position_embeddings":256,"type":"yarn"}})",
             "rope_scaling.factor is out of range"},
            {R"("rope_scaling":{"factor":4096.0,"original_max_position_embeddings":256,"type":"yarn"}})",
             "rope_scaling.factor must be above 0 and at most 1024"},
            {R"("rope_scaling":{"factor":0.0,"type":"linear"}})", "rope_scaling.factor must be above 0"},
            {R"("rope_scaling":{"factor":4.0,"beta_fast":1e300,"original_max_position_embeddings":256,"type":"yarn"}})",
             "rope_scaling.beta_fast is out of range"},
            {R"("rope_scaling":{"factor":4.0,"original_max_position_embeddings":1e12,"type":"yarn"}})",
             "rope_scaling.original_max_position_embeddings is missing or out of range"},
        };
        for (const auto& [body, expected] : cases) {
            const QString msg = test::errorMessageOf([&, &body = body] { parseModelConfig(head + body, "/m/config.json"); });
            QVERIFY2(msg.contains(expected) && msg.contains("/m/config.json"), qPrintable(msg));
        }
    }

    // ../shared/realworld/rope-yarn: a Qwen2 config with yarn (factor 4 over 256) on the qwen2-random
    // weights is described, and so shown ready.
    void ropeYarnRealworldIsDescribed() {
        const fs::path m = tmp("rope-yarn");
        fs::create_directories(m);
        for (const char* f : {"model.safetensors", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
            fs::copy_file(test::modelDir("qwen2-random") / f, m / f);
        fs::copy_file(test::sharedDir() / "realworld" / "rope-yarn" / "config.json", m / "config.json");
        const auto info = describeModel(m);
        QCOMPARE(info.config.rope.type, std::string("yarn"));
        QCOMPARE(info.config.rope.factor, 4.0);
        QCOMPARE(info.config.rope.originalMaxPositions, 256);
        QCOMPARE(vllmDerivedMaxModelLen(info.config), 1024);
    }

    void fingerprintIgnoresShardingButNotWeights() {
        const auto original = describeModel(test::modelDir("tinystories-qwen3-7m"));
        const auto copy = describeModel(reshardedCopy(test::modelDir("tinystories-qwen3-7m"), tmp("resharded")));
        QCOMPARE(copy.shardCount, 1);
        QCOMPARE(copy.fingerprint, original.fingerprint);
        const auto awq = describeModel(test::modelDir("tinystories-qwen3-7m-awq"));
        QVERIFY(awq.fingerprint != original.fingerprint);
    }

    void brokenModelsExplainThemselves() {
        const fs::path noConfig = tmp("no-config");
        fs::create_directories(noConfig);
        fs::copy_file(test::modelDir("tinystories-656k") / "model.safetensors", noConfig / "model.safetensors");
        QString msg = test::errorMessageOf([&] { describeModel(noConfig); });
        QVERIFY2(msg.contains("missing config.json"), qPrintable(msg));

        const fs::path unknown = reshardedCopy(test::modelDir("tinystories-656k"), tmp("unknown-arch"));
        std::ofstream(unknown / "config.json") << R"({"architectures":["GPT2LMHeadModel"],"model_type":"gpt2",
            "hidden_size":128,"num_hidden_layers":2,"num_attention_heads":8,"vocab_size":2048,"intermediate_size":384})";
        msg = test::errorMessageOf([&] { describeModel(unknown); });
        QVERIFY2(msg.contains("unknown architecture 'GPT2LMHeadModel'"), qPrintable(msg));
        // Neither key: say which keys are missing (it said "unknown architecture ''").
        std::ofstream(unknown / "config.json") << R"({"hidden_size":128,"num_hidden_layers":2,"num_attention_heads":8,"vocab_size":2048,
            "intermediate_size":384})";
        msg = test::errorMessageOf([&] { describeModel(unknown); });
        QVERIFY2(msg.contains("config.json: names no architecture: it has neither \"architectures\" nor \"model_type\""), qPrintable(msg));

        const fs::path wrongLayers = reshardedCopy(test::modelDir("tinystories-656k"), tmp("wrong-layers"));
        std::ifstream in(test::modelDir("tinystories-656k") / "config.json");
        std::string cfg((std::istreambuf_iterator<char>(in)), {});
        cfg.replace(cfg.find("\"num_hidden_layers\": 2"), 22, "\"num_hidden_layers\": 3");
        std::ofstream(wrongLayers / "config.json", std::ios::trunc) << cfg;
        msg = test::errorMessageOf([&] { describeModel(wrongLayers); });
        QVERIFY2(msg.contains("3 layers but the weights hold fewer"), qPrintable(msg));
        // One layer is "1 layer" (it said "config.json says 1 layers": format::counted, as every count).
        std::string oneLayer = cfg;
        oneLayer.replace(oneLayer.find("\"num_hidden_layers\": 3"), 22, "\"num_hidden_layers\": 1");  // cfg says 3 by now
        std::ofstream(wrongLayers / "config.json", std::ios::trunc) << oneLayer;
        msg = test::errorMessageOf([&] { describeModel(wrongLayers); });
        QVERIFY2(msg.contains("config.json says 1 layer but the weights hold more"), qPrintable(msg));

        const fs::path badJson = reshardedCopy(test::modelDir("tinystories-656k"), tmp("bad-json"));
        std::ofstream(badJson / "config.json", std::ios::trunc) << "{\"hidden_size\": ";
        msg = test::errorMessageOf([&] { describeModel(badJson); });
        QVERIFY2(msg.contains("config.json") && msg.contains("not valid JSON"), qPrintable(msg));
    }

    // A config whose head counts or sizes do not match the first layer's linears (dense and AWQ), or
    // that names an architecture without the weights' per-head q/k norms, is refused naming the
    // tensor and the keys; it listed as fine and failed at the first token, or ran ignoring weights.
    void configNotMatchingTheLayersIsRefused() {
        for (const char* fixture : {"tinystories-qwen3-7m", "tinystories-qwen3-7m-awq"}) {
            std::ifstream in(test::modelDir(fixture) / "config.json");
            std::string config((std::istreambuf_iterator<char>(in)), {});
            const bool awqModel = std::string(fixture).ends_with("-awq");
            const fs::path m = reshardedCopy(test::modelDir(fixture), tmp((std::string("layers-") + fixture).c_str()));
            // No num_key_value_heads: transformers takes num_attention_heads (4), the weights have 2.
            std::string noKv = config;
            const auto at = noKv.find("\"num_key_value_heads\"");
            QVERIFY(at != std::string::npos);
            noKv.erase(at, noKv.find(',', at) + 1 - at);
            std::ofstream(m / "config.json", std::ios::trunc) << noKv;
            QString msg = test::errorMessageOf([&] { describeModel(m); });
            QVERIFY2(msg.startsWith(QString::fromStdString((m / "config.json").string()) + ": model.layers.0.self_attn.k_proj." +
                                    (awqModel ? "scales" : "weight") + " has 128 output features but config.json's num_key_value_heads x head_dim make 256"),
                     qPrintable(msg));
            std::ofstream(m / "config.json", std::ios::trunc) << configWithValue(config, "intermediate_size", "1000");
            msg = test::errorMessageOf([&] { describeModel(m); });
            QVERIFY2(msg.contains("mlp.gate_proj") && msg.contains("intermediate_size make 1000"), qPrintable(msg));
            // Qwen3's weights labelled Llama: its q_norm / k_norm would be ignored.
            std::string llama = config;
            llama.replace(llama.find("Qwen3ForCausalLM"), 16, "LlamaForCausalLM");
            std::ofstream(m / "config.json", std::ios::trunc) << configWithValue(llama, "model_type", "\"llama\"");
            msg = test::errorMessageOf([&] { describeModel(m); });
            QVERIFY2(msg.contains("per-head q/k norms") && msg.contains("names LlamaForCausalLM"), qPrintable(msg));
            std::ofstream(m / "config.json", std::ios::trunc) << config;
            QVERIFY(test::errorMessageOf([&] { describeModel(m); }).isEmpty());
        }
    }

    // Issue 17: a million nested arrays overflowed the stack of the recursive JSON parser and walkers
    // (SIGSEGV). Each file read from a model folder is bounded in depth and names itself.
    void deeplyNestedFilesAreRefusedNamingTheFile() {
        const std::string deep = std::string(1000000, '[') + std::string(1000000, ']');
        auto copyWith = [&](const char* name, const std::string& file, const std::string& text) {
            const fs::path dir = tmp(name);
            fs::create_directories(dir);
            for (const auto& e : fs::directory_iterator(test::modelDir("tinystories-qwen3-7m"))) fs::copy_file(e.path(), dir / e.path().filename());
            std::ofstream(dir / file, std::ios::trunc) << text;
            return dir;
        };
        const fs::path config = copyWith("deep-config", "config.json", "{\"hidden_size\": " + deep + "}");
        QString msg = test::errorMessageOf([&] { describeModel(config); });
        QVERIFY2(msg.contains("config.json") && msg.contains("levels deep"), qPrintable(msg));

        const fs::path index = copyWith("deep-index", "model.safetensors.index.json", "{\"metadata\": " + deep + ", \"weight_map\": {}}");
        msg = test::errorMessageOf([&] { describeModel(index); });
        QVERIFY2(msg.contains("model.safetensors.index.json") && msg.contains("levels deep"), qPrintable(msg));

        // 512 levels (the object and 511 arrays) are allowed: the bound is not "any nesting".
        std::ifstream in(test::modelDir("tinystories-qwen3-7m") / "config.json");
        const std::string good((std::istreambuf_iterator<char>(in)), {});
        const std::string allowed = "{\"extra\": " + std::string(511, '[') + std::string(511, ']') + "," + good.substr(good.find('{') + 1);
        const fs::path shallow = copyWith("allowed-depth", "config.json", allowed);
        QVERIFY(test::errorMessageOf([&] { describeModel(shallow); }).isEmpty());
        QVERIFY(test::errorMessageOf([&] { describeModel(copyWith("one-too-deep", "config.json", "[" + allowed + "]")); }).contains("levels deep"));
    }

    // ../shared/realworld/config-kv-cache-wrap: head_dim 2^30 and a 2^28 context wrapped the KV cache
    // size to 0 and the memory plan divided by it (SIGFPE). Impossible numbers are refused by key.
    void impossibleConfigNumbersAreRefusedNamingTheKey() {
        // Its config.json is tinystories-qwen3-7m's with head_dim and max_position_embeddings changed:
        // beside those weights it passed every check and reached the memory plan.
        const fs::path wrap = tmp("kv-cache-wrap");
        fs::create_directories(wrap);
        for (const auto& e : fs::directory_iterator(test::modelDir("tinystories-qwen3-7m"))) fs::copy_file(e.path(), wrap / e.path().filename());
        fs::copy_file(test::sharedDir() / "realworld" / "config-kv-cache-wrap" / "config.json", wrap / "config.json",
                      fs::copy_options::overwrite_existing);
        QString msg = test::errorMessageOf([&] { describeModel(wrap); });
        QVERIFY2(msg.contains("config.json") && msg.contains("\"head_dim\" is 1073741824"), qPrintable(msg));

        const std::string good = fixtureConfig();
        auto withValue = [&](const std::string& key, const std::string& value) { return configWithValue(good, key, value); };
        for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
                 {"max_position_embeddings", "268435456"},
                 {"max_position_embeddings", "-1"},
                 {"hidden_size", "1099511627776"},
                 {"num_hidden_layers", "18446744073709551615"},
                 {"vocab_size", "0"},
                 {"num_key_value_heads", "\"2\""}}) {
            msg = test::errorMessageOf([&, &key = key, &value = value] { parseModelConfig(withValue(key, value), "/m/config.json"); });
            QVERIFY2(msg.contains("config.json") && msg.contains(QString::fromStdString("\"" + key + "\"")), qPrintable(QString::fromStdString(key + " " + value + ": ") + msg));
        }
        QVERIFY(test::errorMessageOf([&] { parseModelConfig(good, "/m/config.json"); }).isEmpty());
    }

    // A tied model whose config.json lost tie_word_embeddings (its weights hold only the embedding):
    // the error blamed the weights ("lm_head.weight is missing", on the folder). It names config.json,
    // the missing key and the default transformers then takes (Qwen3Config: false; the base
    // PretrainedConfig's true does not apply), and both fixes. The loader keeps that default: a folder
    // that is untied and complete loads without the key, as in transformers.
    void missingTieWordEmbeddingsNamesTheKey() {
        const fs::path tied = tmp("no-tie-key");
        fs::create_directories(tied);
        for (const auto& e : fs::directory_iterator(test::modelDir("tinystories-qwen3-7m"))) fs::copy_file(e.path(), tied / e.path().filename());
        std::string config = fixtureConfig();
        const auto at = config.find("\"tie_word_embeddings\"");
        QVERIFY(at != std::string::npos);
        config.erase(at, config.find(',', at) + 1 - at);
        std::ofstream(tied / "config.json", std::ios::trunc) << config;
        QString msg = test::errorMessageOf([&] { describeModel(tied); });
        QVERIFY2(msg.startsWith(QString::fromStdString((tied / "config.json").string()) +
                                ": tie_word_embeddings is missing, so transformers takes Qwen3Config's default, false (untied; only the base "
                                "PretrainedConfig defaults to true), and lm_head.weight is absent from the weights"),
                 qPrintable(msg));
        QVERIFY2(msg.contains("(add \"tie_word_embeddings\": true to config.json if the model's source ties its embeddings; otherwise the weights "
                              "are incomplete: re-download them)"), qPrintable(msg));

        // Said false: the message quotes the value instead.
        std::ofstream(tied / "config.json", std::ios::trunc) << configWithValue(fixtureConfig(), "tie_word_embeddings", "false");
        msg = test::errorMessageOf([&] { describeModel(tied); });
        QVERIFY2(msg.startsWith(QString::fromStdString((tied / "config.json").string()) +
                                ": \"tie_word_embeddings\": false, and lm_head.weight is absent from the weights"),
                 qPrintable(msg));

        // Untied and complete without the key: loads, untied, the default recorded.
        const fs::path untied = reshardedCopy(test::modelDir("qwen2-random"), tmp("untied-no-key"));
        std::ifstream in(test::modelDir("qwen2-random") / "config.json");
        std::string qwen2((std::istreambuf_iterator<char>(in)), {});
        const auto key = qwen2.find("\"tie_word_embeddings\"");
        QVERIFY(key != std::string::npos);
        qwen2.erase(key, qwen2.find(',', key) + 1 - key);
        std::ofstream(untied / "config.json", std::ios::trunc) << qwen2;
        const auto info = describeModel(untied);
        QVERIFY(!info.config.tieWordEmbeddings);
        QVERIFY(info.config.tieWordEmbeddingsDefaulted);
        QVERIFY(!describeModel(test::modelDir("qwen2-random")).config.tieWordEmbeddingsDefaulted);
    }

    // Issue 17, item 11: a value of the wrong type is refused naming config.json and the key, not read
    // as its default ("tie_word_embeddings": "true" read as false ended in "lm_head.weight is missing"
    // on the folder); token ids are checked strictly, in generation_config.json too.
    void typeErrorsNameTheFileAndTheKey() {
        const fs::path tied = tmp("tie-as-string");
        fs::create_directories(tied);
        for (const auto& e : fs::directory_iterator(test::modelDir("tinystories-qwen3-7m"))) fs::copy_file(e.path(), tied / e.path().filename());
        const std::string good = fixtureConfig();
        auto withValue = [&](const std::string& key, const std::string& value) { return configWithValue(good, key, value); };
        std::ofstream(tied / "config.json", std::ios::trunc) << withValue("tie_word_embeddings", "\"true\"");
        QString msg = test::errorMessageOf([&] { describeModel(tied); });
        QVERIFY2(msg.contains((tied / "config.json").c_str()) && msg.contains("\"tie_word_embeddings\" is \"true\" (string), expected true or false") &&
                     !msg.contains("lm_head"),
                 qPrintable(msg));

        struct Case { const char* key; const char* value; const char* named; };
        for (const auto& c : std::vector<Case>{{"eos_token_id", "\"</s>\"", "\"eos_token_id\""},
                                               {"eos_token_id", "[0, \"2\"]", "\"eos_token_id\""},
                                               {"eos_token_id", "-1", "\"eos_token_id\""},
                                               {"eos_token_id", "{\"id\": 0}", "\"eos_token_id\""},
                                               {"bos_token_id", "1.5", "\"bos_token_id\""},
                                               {"rms_norm_eps", "\"1e-6\"", "\"rms_norm_eps\""},
                                               {"use_sliding_window", "0", "\"use_sliding_window\""},
                                               {"sliding_window", "\"4096\"", "\"sliding_window\""},
                                               {"attention_bias", "\"false\"", "\"attention_bias\""},
                                               {"hidden_act", "1", "\"hidden_act\""},
                                               {"dtype", "16", "\"dtype\""},
                                               {"rope_theta", "\"10000\"", "\"rope_parameters.rope_theta\""},
                                               {"rope_type", "[\"default\"]", "\"rope_parameters.rope_type\""}}) {
            msg = test::errorMessageOf([&] { parseModelConfig(withValue(c.key, c.value), "/m/config.json"); });
            QVERIFY2(msg.contains("/m/config.json") && msg.contains(c.named), qPrintable(QString(c.key) + " " + c.value + ": " + msg));
        }
        // The same values with the right types still parse (null is "not set").
        QCOMPARE(parseModelConfig(withValue("eos_token_id", "[0, 2]"), "/m/config.json").eosTokenIds, (std::vector<int>{0, 2}));
        QCOMPARE(parseModelConfig(withValue("bos_token_id", "1"), "/m/config.json").bosTokenId, std::optional<int>(1));

        // quantization_config values name their section.
        const std::string awq = withValue("vocab_size", "4096, \"quantization_config\": {\"quant_method\": \"awq\", \"bits\": \"4\"}");
        msg = test::errorMessageOf([&] { parseModelConfig(awq, "/m/config.json"); });
        QVERIFY2(msg.contains("\"quantization_config.bits\" is \"4\""), qPrintable(msg));

        // The tokenizer reads the stop ids from generation_config.json: refused there too, naming it.
        std::ofstream(tied / "config.json", std::ios::trunc) << good;
        std::ofstream(tied / "generation_config.json", std::ios::trunc) << R"({"eos_token_id": [0, "2"]})";
        msg = test::errorMessageOf([&] { Tokenizer::load(tied); });
        QVERIFY2(msg.contains((tied / "generation_config.json").c_str()) && msg.contains("\"eos_token_id\" holds \"2\""), qPrintable(msg));
        // Described anyway, with the same message as a warning and config.json's stop ids.
        const auto described = describeModel(tied);
        QCOMPARE(described.stopTokenIds.source, std::string("config.json"));
        QVERIFY2(std::any_of(described.warnings.begin(), described.warnings.end(),
                             [](const std::string& w) { return w.find("generation_config.json") != std::string::npos && w.find("\"eos_token_id\"") != std::string::npos; }),
                 "no warning names generation_config.json");
    }

    // ../shared/realworld/links-out-of-folder: config.json, tokenizer.json and tokenizer_config.json
    // reached through links that leave the model folder. Every file read from the folder goes
    // through core/model/model_files.h, so each one is refused as the weights are, naming the file.
    void filesLinkedFromOutsideTheFolderAreRefused() {
        const fs::path realworld = test::sharedDir() / "realworld" / "links-out-of-folder";
        const fs::path src = test::modelDir("qwen2-random");
        for (const std::string linked : {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json",
                                         "chat_template.jinja", "model.safetensors"}) {
            const fs::path root = tmp(("links-" + linked).c_str());
            fs::create_directories(root / "outside");
            fs::create_directories(root / "m");
            for (const char* f : {"config.json", "tokenizer.json", "generation_config.json", "model.safetensors", "chat_template.jinja"})
                fs::copy_file(src / f, root / "m" / f);
            fs::copy_file(realworld / "outside-tokenizer_config.json", root / "m" / "tokenizer_config.json");
            fs::rename(root / "m" / linked, root / "outside" / linked);
            fs::create_symlink(fs::path("..") / "outside" / linked, root / "m" / linked);
            const QString msg = test::errorMessageOf([&] { describeModel(root / "m"); });
            QVERIFY2(msg.contains(QString::fromStdString((root / "m" / linked).string())) && msg.contains("outside the model folder") &&
                         msg.contains("copy the file in"),
                     qPrintable(QString::fromStdString(linked) + ": " + msg));
            const QString readMsg = test::errorMessageOf([&] { readModelFile(root / "m", linked); });
            QVERIFY2(readMsg.contains("outside the model folder"), qPrintable(readMsg));
            // tokenize / chat-template load the tokenizer and its template on their own: refused too
            // (config.json is read there only when generation_config.json has no eos_token_id).
            if (linked != "model.safetensors" && linked != "config.json") {
                const QString tokMsg = test::errorMessageOf([&] { Tokenizer::load(root / "m"); });
                QVERIFY2(tokMsg.contains(QString::fromStdString(linked)) && tokMsg.contains("outside the model folder"),
                         qPrintable(QString::fromStdString(linked) + " (tokenizer): " + tokMsg));
            }
        }
        // The same files as plain copies (or links inside the folder) are read.
        const fs::path ok = tmp("links-inside");
        fs::create_directories(ok);
        for (const char* f : {"config.json", "tokenizer.json", "generation_config.json", "model.safetensors"}) fs::copy_file(src / f, ok / f);
        fs::copy_file(realworld / "outside-tokenizer_config.json", ok / "real_tokenizer_config.json");
        fs::create_symlink("real_tokenizer_config.json", ok / "tokenizer_config.json");
        const ModelInfo m = describeModel(ok);
        QCOMPARE(m.chatTemplateSource, std::string("tokenizer_config.json"));
        QVERIFY(readModelFile(ok, "tokenizer_config.json")->find("TEMPLATE READ FROM OUTSIDE") != std::string::npos);
        QVERIFY(!readModelFile(ok, "special_tokens_map.json"));
        // A dangling link leaving the folder is refused too, never read as "absent".
        fs::create_symlink("/nonexistent-awqbench/x.json", ok / "special_tokens_map.json");
        QVERIFY(test::errorMessageOf([&] { describeModel(ok); }).contains("special_tokens_map.json"));
    }

    void indexReachedThroughALinkIsRefused() {
        const fs::path root = tmp("index-link");
        fs::create_directories(root / "m");
        fs::create_directories(root / "outside");
        for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(test::modelDir("tinystories-656k") / f, root / "m" / f);
        std::ofstream(root / "outside" / "model.safetensors.index.json") << R"({"weight_map":{"lm_head.weight":"model.safetensors"}})";
        fs::create_symlink("../outside/model.safetensors.index.json", root / "m" / "model.safetensors.index.json");
        const QString msg = test::errorMessageOf([&] { describeModel(root / "m"); });
        QVERIFY2(msg.contains("model.safetensors.index.json") && msg.contains("outside the model folder"), qPrintable(msg));
    }

    // A hub cache snapshot: every file a link into ../../blobs (allowed), named ORG/NAME, not by its hash.
    void hubCacheSnapshotReadsThroughBlobsAndIsNamedByRepo() {
        const fs::path snapshot = test::makeHubCacheSnapshot("qwen2-random", tmp("hub"), "Org", "Tiny-Qwen2");
        const ModelInfo m = describeModel(snapshot);
        QCOMPARE(m.name, std::string("Org/Tiny-Qwen2"));
        QVERIFY(m.hasTokenizer && m.hasChatTemplate && m.hasGenerationConfig);
        QCOMPARE(m.config.numLayers, 2);
        QVERIFY(hubRepoId(snapshot / "") == std::optional<std::string>("Org/Tiny-Qwen2"));
        QCOMPARE(modelDisplayName(tmp("hub") / "models--Org--Tiny-Qwen2"), std::string("models--Org--Tiny-Qwen2"));
        QVERIFY(hubRepoId(tmp("hub") / "models--gpt2" / "snapshots" / "abc") == std::optional<std::string>("gpt2"));
        QVERIFY(!hubRepoId(test::modelDir("qwen2-random")));
        // A link to the snapshot is named by the repository too.
        fs::create_symlink(snapshot, tmp("my-model"));
        QCOMPARE(describeModel(tmp("my-model")).name, std::string("Org/Tiny-Qwen2"));
    }

    // RTN is written in AWQ's layout: config.json says "awq", our record says "rtn". describeModel
    // keeps both (the record nullopt without a file; a damaged one a warning, the model still fine).
    void quantizationRecordSaysHowTheModelWasMade() {
        const fs::path folder = tmp("rtn-record");
        fs::copy(test::modelDir("qwen2-random-awq"), folder, fs::copy_options::recursive);
        QVERIFY(!describeModel(folder).quantizationRecord);
        std::ofstream(folder / "awqbench_quantization.json")
            << R"({"settings": {"method": "rtn", "group_size": 128}, "source": {"name": "qwen2-random"},
                  "layers": [{"layer": 0, "output_mse": 2.0}, {"layer": 1, "output_mse": 1.0}]})";
        const ModelInfo m = describeModel(folder);
        QCOMPARE(m.config.quantization.method, QuantMethod::Awq);
        QVERIFY(m.quantizationRecord);
        QCOMPARE(m.quantizationRecord->method, std::string("rtn"));
        QCOMPARE(recordedMethodLabel(*m.quantizationRecord, m.config.quantization.method), std::string("RTN (AWQ layout)"));
        QCOMPARE(m.quantizationRecord->worstLayer, 0);
        QCOMPARE(m.quantizationRecord->meanOutputMse, 1.5);
        QCOMPARE(m.quantizationRecord->sourceName, std::string("qwen2-random"));
        std::ofstream(folder / "awqbench_quantization.json") << "{\"settings\": ";
        const ModelInfo damaged = describeModel(folder);
        QVERIFY(!damaged.quantizationRecord);
        QVERIFY(std::any_of(damaged.warnings.begin(), damaged.warnings.end(),
                            [](const std::string& w) { return w.find("awqbench_quantization.json") != std::string::npos; }));
    }

    void pickleFilesAreIgnoredWithAWarning() {
        const fs::path dir = reshardedCopy(test::modelDir("tinystories-656k"), tmp("with-pickle"));
        std::ofstream(dir / "pytorch_model.bin") << "not loaded";
        const auto m = describeModel(dir);
        QVERIFY(std::any_of(m.warnings.begin(), m.warnings.end(),
                            [](const std::string& w) { return w.find("pytorch_model.bin is a pickle file") != std::string::npos; }));
    }
};

QTEST_APPLESS_MAIN(ModelInfoTest)
#include "test_model_info.moc"
