// The quantizer's output format, resumability and error handling, on CPU with small calibration.
#include "core/engine/engine.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "core/quant/quantize_defaults.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/folder_lock.h"
#include "core/util/fs_error.h"
#include "kernels/cpu/awq_dequant_ref.h"
#include "kernels/cpu/half.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <fstream>
#include <map>
#include <set>
#include <span>

#include <sys/resource.h>
#include <unistd.h>

using namespace awq;
namespace fs = std::filesystem;

namespace {

QuantizeSettings smallJob(const fs::path& out, QuantMethodChoice method) {
    QuantizeSettings s;
    s.model = test::modelDir("tinystories-qwen3-7m");
    s.output = out;
    s.method = method;
    s.calibrationFiles = {test::dataFile("calib-stories.txt")};
    s.samples = 8;
    s.seqlen = 128;
    return s;
}

std::string fileBytes(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Round-to-nearest written out independently of the quantizer (AutoAWQ's formula, fp16 scales):
// the expected dequantized weight [K][N] of a bf16 source weight [N][K].
std::vector<float> referenceRtn(const TensorStore& src, const std::string& name, int G, int& K, int& N) {
    const TensorInfo* t = src.find(name);
    N = int(t->shape[0]);
    K = int(t->shape[1]);
    const auto* bits = reinterpret_cast<const std::uint16_t*>(src.data(*t).data());
    std::vector<float> out(std::size_t(K) * N);
    for (int n = 0; n < N; ++n)
        for (int g = 0; g < K / G; ++g) {
            float lo = INFINITY, hi = -INFINITY;
            for (int k = g * G; k < (g + 1) * G; ++k) {
                const float w = kernels::bf16ToFloat(bits[std::size_t(n) * K + k]);
                lo = std::min(lo, w);
                hi = std::max(hi, w);
            }
            const float s = kernels::halfToFloat(kernels::floatToHalf(std::max(hi - lo, 1e-5f) / 15.0f));
            const float z = std::clamp(-std::nearbyint(lo / s), 0.0f, 15.0f);
            for (int k = g * G; k < (g + 1) * G; ++k) {
                const float w = kernels::bf16ToFloat(bits[std::size_t(n) * K + k]);
                const float q = std::clamp(std::nearbyint(w / s) + z, 0.0f, 15.0f);
                out[std::size_t(k) * N + n] = (q - z) * s;
            }
        }
    return out;
}

}  // namespace

class QuantizerTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path tmp(const char* name) const { return fs::path(tmp_.path().toStdString()) / name; }

private Q_SLOTS:
    void rtnOutputDequantizesExactlyAndLoads() {
        const auto summary = runQuantizeJob(smallJob(tmp("rtn"), QuantMethodChoice::Rtn));
        QCOMPARE(summary.layers, 8);
        QVERIFY(!fs::exists(quantizeWorkFolderFor(tmp("rtn"))));
        const auto info = describeModel(tmp("rtn"));
        QCOMPARE(info.config.quantization.method, QuantMethod::Awq);
        QCOMPARE(info.config.quantization.groupSize, 128);
        QCOMPARE(info.parameterCount, std::uint64_t(7345408));
        QVERIFY(info.hasTokenizer && info.hasChatTemplate && info.hasGenerationConfig);

        const auto out = TensorStore::openFolder(tmp("rtn"));
        const auto src = TensorStore::openFolder(test::modelDir("tinystories-qwen3-7m"));
        for (const char* linear : {"model.layers.0.self_attn.q_proj", "model.layers.3.self_attn.k_proj", "model.layers.5.mlp.down_proj",
                                   "model.layers.7.mlp.gate_proj"}) {
            int K = 0, N = 0;
            const auto expected = referenceRtn(src, std::string(linear) + ".weight", 128, K, N);
            auto bytesOf = [&](const std::string& suffix) { return out.data(*out.find(std::string(linear) + suffix)).data(); };
            std::vector<float> got(std::size_t(K) * N);
            kernels::dequantizeAwqGemmRef(reinterpret_cast<const std::int32_t*>(bytesOf(".qweight")),
                                          reinterpret_cast<const std::int32_t*>(bytesOf(".qzeros")),
                                          reinterpret_cast<const std::uint16_t*>(bytesOf(".scales")), K, N, 128, got.data());
            for (std::size_t i = 0; i < got.size(); ++i) QVERIFY2(got[i] == expected[i], qPrintable(QString("%1 element %2").arg(linear).arg(i)));
        }
        // The engine runs it and it still tells stories.
        const auto engine = Engine::load(tmp("rtn"), {});
        GenerationRequest r;
        r.promptIds = engine->encode("Once upon a time", false);
        r.maxNewTokens = 20;
        QVERIFY(QString::fromStdString(engine->generate({r})[0].text).size() > 20);
    }

    // ../shared/realworld/tied-lm-head-only: tinystories-656k ties its embeddings and stores the one
    // matrix only as lm_head.weight (as Llama-3.2 checkpoints do). The output keeps it as
    // model.embed_tokens.weight only, as AutoAWQ writes it and vLLM reads it; an untied model keeps both.
    void tiedMatrixIsWrittenAsTheEmbeddingAsAutoAwqDoes() {
        QuantizeSettings job = smallJob(tmp("tied"), QuantMethodChoice::Rtn);
        job.model = test::modelDir("tinystories-656k");
        job.samples = 4;
        job.seqlen = 64;
        runQuantizeJob(job);
        const auto src = TensorStore::openFolder(job.model);
        const auto out = TensorStore::openFolder(tmp("tied"));
        QVERIFY(src.find("lm_head.weight") && !src.find("model.embed_tokens.weight"));
        const TensorInfo* embed = out.find("model.embed_tokens.weight");
        QVERIFY(embed);
        QVERIFY(!out.find("lm_head.weight"));
        const TensorInfo* head = src.find("lm_head.weight");
        QCOMPARE(embed->shape, head->shape);
        QCOMPARE(embed->dtype, DType::F16);
        const auto* got = reinterpret_cast<const std::uint16_t*>(out.data(*embed).data());
        const auto* want = reinterpret_cast<const float*>(src.data(*head).data());
        for (std::uint64_t i = 0; i < head->elementCount(); ++i)
            QVERIFY2(got[i] == kernels::floatToHalf(want[i]), qPrintable(QString("element %1").arg(i)));
        const ModelInfo info = describeModel(tmp("tied"));
        QVERIFY(info.config.tieWordEmbeddings);
        QVERIFY(!info.tiedEmbeddingsStoredAsLmHead);

        QuantizeSettings untied = job;
        untied.model = test::modelDir("qwen2-random");
        untied.output = tmp("untied");
        runQuantizeJob(untied);
        const auto both = TensorStore::openFolder(tmp("untied"));
        QVERIFY(both.find("model.embed_tokens.weight") && both.find("lm_head.weight"));
    }

    // A float32 Qwen2 on the CPU: stored dtype = compute dtype, so the loaded tensors are the source
    // file's read-only mapping. The AWQ job folds its scales into new tensors, never into loaded
    // ones (the v bias fold once divided the mapped bias in place: a crash, or a changed source).
    // The model is ../shared/models/qwen2-random in float32 with its 2 kv heads repeated to 4 (the
    // same model without GQA, so that v folds into o), its weights file made read-only.
    void quantizesAReadOnlyFloat32SourceWithoutWritingIt() {
        const fs::path from = test::modelDir("qwen2-random");
        const fs::path model = tmp("qwen2-f32-mha");
        fs::create_directories(model);
        auto config = nlohmann::json::parse(fileBytes(from / "config.json"));
        const int heads = config["num_attention_heads"].get<int>(), kvHeads = config["num_key_value_heads"].get<int>();
        const int headDim = config["hidden_size"].get<int>() / heads;
        QVERIFY(kvHeads < heads);
        const auto in = TensorStore::openFolder(from);
        std::vector<std::vector<float>> values;
        values.reserve(in.tensors().size());
        std::vector<TensorToWrite> tensors;
        for (const auto& t : in.tensors()) {
            QCOMPARE(t.dtype, DType::BF16);
            const auto* bits = reinterpret_cast<const std::uint16_t*>(in.data(t).data());
            std::vector<float> v(t.elementCount());
            for (std::size_t i = 0; i < v.size(); ++i) v[i] = kernels::bf16ToFloat(bits[i]);
            auto shape = t.shape;
            if (t.name.find("k_proj") != std::string::npos || t.name.find("v_proj") != std::string::npos) {
                const std::size_t row = t.shape.size() == 2 ? std::size_t(t.shape[1]) : 1, perHead = std::size_t(headDim) * row;
                std::vector<float> repeated;
                for (int h = 0; h < heads; ++h) {  // query head h reads kv head h / (heads / kvHeads)
                    const auto begin = v.begin() + std::ptrdiff_t(std::size_t(h / (heads / kvHeads)) * perHead);
                    repeated.insert(repeated.end(), begin, begin + std::ptrdiff_t(perHead));
                }
                v = std::move(repeated);
                shape[0] = std::int64_t(heads) * headDim;
            }
            values.push_back(std::move(v));
            tensors.push_back({t.name, DType::F32, shape, std::as_bytes(std::span(values.back()))});
        }
        writeSafetensors(model / "model.safetensors", tensors, {{"format", "pt"}});
        config["num_key_value_heads"] = heads;
        config["dtype"] = "float32";
        config["torch_dtype"] = "float32";  // both spellings, as some configs carry them
        std::ofstream(model / "config.json") << config.dump(2);
        for (const char* side : {"tokenizer.json", "tokenizer_config.json", "generation_config.json", "chat_template.jinja"})
            fs::copy_file(from / side, model / side);
        fs::permissions(model / "model.safetensors", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);  // 0444
        const std::string before = fileBytes(model / "model.safetensors");
        QVERIFY(describeModel(model).config.numKvHeads == heads);

        QuantizeSettings job = smallJob(tmp("qwen2-f32-mha-awq"), QuantMethodChoice::Awq);
        job.model = model;
        job.samples = 8;
        job.seqlen = 64;
        const auto summary = runQuantizeJob(job);
        QVERIFY(fileBytes(model / "model.safetensors") == before);
        const auto writtenConfig = nlohmann::json::parse(fileBytes(tmp("qwen2-f32-mha-awq") / "config.json"));
        QCOMPARE(writtenConfig.value("dtype", ""), std::string("float16"));
        QCOMPARE(writtenConfig.value("torch_dtype", ""), std::string("float16"));
        // The v -> o fold ran (a ratio for it), and the written v bias carries it: not the source's bias.
        QVERIFY(summary.perLayer.at(0).scaleRatios.at(1) >= 0);
        const auto out = TensorStore::openFolder(tmp("qwen2-f32-mha-awq"));
        const TensorInfo* written = out.find("model.layers.0.self_attn.v_proj.bias");
        const TensorInfo* source = in.find("model.layers.0.self_attn.v_proj.bias");
        QVERIFY(written && source && written->dtype == DType::F16);
        const auto* got = reinterpret_cast<const std::uint16_t*>(out.data(*written).data());
        const auto* orig = reinterpret_cast<const std::uint16_t*>(in.data(*source).data());
        int changed = 0;
        for (int i = 0; i < headDim; ++i) changed += kernels::halfToFloat(got[i]) != kernels::bf16ToFloat(orig[i]) ? 1 : 0;
        QVERIFY2(changed > headDim / 2, qPrintable(QString("%1 of %2 bias values changed").arg(changed).arg(headDim)));
    }

    void packingMatchesAutoAwqFixture() {
        // tinystories-qwen3-7m-awq was packed by AutoAWQ's own code from RTN weights of the same
        // model: our RTN output must agree with it nibble for nibble (fp16 rounding of the
        // AutoAWQ computation aside).
        // Its own RTN output: the test runs alone as well as after the others (ctest -R, a single function).
        runQuantizeJob(smallJob(tmp("rtn-packing"), QuantMethodChoice::Rtn));
        const auto ours = TensorStore::openFolder(tmp("rtn-packing"));
        const auto theirs = TensorStore::openFolder(test::modelDir("tinystories-qwen3-7m-awq"));
        std::size_t nibbles = 0, equal = 0, farOff = 0;
        for (const auto& t : theirs.tensors()) {
            if (t.name.find(".qweight") == std::string::npos && t.name.find(".qzeros") == std::string::npos) continue;
            const TensorInfo* o = ours.find(t.name);
            QVERIFY2(o, t.name.c_str());
            QCOMPARE(o->shape, t.shape);
            const auto* a = reinterpret_cast<const std::uint32_t*>(ours.data(*o).data());
            const auto* b = reinterpret_cast<const std::uint32_t*>(theirs.data(t).data());
            for (std::size_t i = 0; i < t.byteSize / 4; ++i)
                for (int nib = 0; nib < 8; ++nib, ++nibbles) {
                    const int x = int((a[i] >> (4 * nib)) & 15), y = int((b[i] >> (4 * nib)) & 15);
                    equal += x == y;
                    farOff += std::abs(x - y) > 1;
                }
        }
        // AutoAWQ divided in fp16, we in fp32: values on a rounding boundary may land one step apart.
        qInfo("%zu of %zu nibbles equal, %zu more than one step apart", equal, nibbles, farOff);
        QVERIFY(nibbles > 6000000);
        QVERIFY2(double(equal) / double(nibbles) > 0.99, qPrintable(QString("%1 of %2 nibbles equal").arg(equal).arg(nibbles)));
        QVERIFY(double(farOff) / double(nibbles) < 1e-4);
    }

    void cancelThenResumeIsByteIdentical() {
        const auto whole = smallJob(tmp("whole"), QuantMethodChoice::Awq);
        runQuantizeJob(whole);

        auto parts = smallJob(tmp("parts"), QuantMethodChoice::Awq);
        std::stop_source stop;
        bool lockedWhileRunning = false;
        const auto stopped = runQuantizeJob(parts, [&](const QuantizeEvent& e) {
            if (e.kind != QuantizeEvent::Kind::LayerDone || e.layer != 2) return;
            lockedWhileRunning = !FolderLock::tryLock(quantizeWorkFolderFor(tmp("parts")));
            stop.request_stop();
        }, stop.get_token());
        QVERIFY(stopped.cancelled);
        QVERIFY(lockedWhileRunning);  // a second job on the same folder is refused while this one runs
        QCOMPARE(stopped.perLayer.size(), std::size_t(3));
        QVERIFY2(stopped.stopNote.find("cancelled at layer 4 of " + std::to_string(stopped.layers)) != std::string::npos, stopped.stopNote.c_str());
        QVERIFY(!fs::exists(tmp("parts")));
        QVERIFY(fs::exists(quantizeWorkFolderFor(tmp("parts"))));
        // Without --resume the interrupted job is not overwritten.
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(parts); }).contains("--resume"));

        // Issue 17, item 9: a killed writer's temp files (PID 999999999 is above any pid_max: dead)
        // are cleared on resume; the finished folder holds exactly the files of the whole run.
        const fs::path work = quantizeWorkFolderFor(tmp("parts"));
        std::ofstream(work / "model-layer-00003.safetensors.tmp-999999999") << "half a layer";
        std::ofstream(work / "model.safetensors.index.json.tmp-999999999") << "{\"weight_map\"";

        parts.resume = true;
        {
            // Another job writing the folder (the lock it holds): refused, and nothing of it is touched.
            auto other = FolderLock::tryLock(work);
            QVERIFY(other && FolderLock::heldByAnother(work));
            QVERIFY(test::errorMessageOf([&] { runQuantizeJob(parts); }).contains("another quantize job is writing this folder now"));
            // A holder that lets go within the patience given (a library scan's probe) does not turn a job away.
            std::thread release([&] {
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
                other.reset();
            });
            QVERIFY(FolderLock::tryLock(work, std::chrono::milliseconds(5000)));
            release.join();
            other = FolderLock::tryLock(work);
            QVERIFY(other);
            const auto pre = preflightQuantizeJob(parts);
            QVERIFY(!pre.ok() && pre.problems.front().find("another quantize job is writing " + work.string() + " now") == 0);
            QVERIFY(fs::exists(work / "model-layer-00003.safetensors.tmp-999999999"));
        }
        QVERIFY(!FolderLock::heldByAnother(work));
        auto otherSettings = parts;
        otherSettings.samples = 4;
        const QString differs = test::errorMessageOf([&] { runQuantizeJob(otherSettings); });
        QVERIFY2(differs.contains("(--samples " + QString::number(parts.samples) + ", now 4)"), qPrintable(differs));  // the flag, not the journal key
        const auto summary = runQuantizeJob(parts);
        QCOMPARE(summary.resumedFromLayer, 3);
        QCOMPARE(summary.perLayer.size(), std::size_t(8));
        std::set<fs::path> wholeNames, partsNames;
        for (const auto& e : fs::directory_iterator(tmp("whole"))) wholeNames.insert(e.path().filename());
        for (const auto& e : fs::directory_iterator(tmp("parts"))) partsNames.insert(e.path().filename());
        QVERIFY(wholeNames == partsNames);
        for (const auto& e : fs::directory_iterator(tmp("whole"))) {
            const auto name = e.path().filename();
            if (name == "awqbench_quantization.json") continue;  // holds times
            QVERIFY2(fileBytes(e.path()) == fileBytes(tmp("parts") / name), qPrintable(QString::fromStdString(name.string())));
        }
        // The writer's index comes from what it wrote this run and the layers it adopted from the
        // first run, not from reading the shards back: it names every tensor of every shard, only those.
        const auto index = nlohmann::json::parse(fileBytes(tmp("parts") / "model.safetensors.index.json"));
        std::map<std::string, std::string> inShards;
        std::uint64_t shardBytes = 0;
        for (const auto& e : fs::directory_iterator(tmp("parts")))
            if (e.path().extension() == ".safetensors") {
                const SafetensorsFile shard(e.path());
                for (const auto& t : shard.tensors()) {
                    inShards[t.name] = e.path().filename().string();
                    shardBytes += t.byteSize;
                }
            }
        QCOMPARE(inShards.size(), std::size_t(8 * 25 + 2));  // per layer 4 norms + 7 x (qweight, qzeros, scales); embeddings, final norm (tied)
        QVERIFY((index["weight_map"].get<std::map<std::string, std::string>>() == inShards));
        QCOMPARE(index["metadata"]["total_size"].get<std::uint64_t>(), shardBytes);
        const auto record = nlohmann::json::parse(fileBytes(tmp("parts") / "awqbench_quantization.json"));
        QCOMPARE(record["source"]["fingerprint"].get<std::string>(), describeModel(test::modelDir("tinystories-qwen3-7m")).fingerprint);
        QCOMPARE(record["settings"]["method"].get<std::string>(), std::string("awq"));
        QCOMPARE(record["layers"].size(), std::size_t(8));
    }

    // A --resume after the calibration text changed under the same file name: refused, naming the
    // file and the way out (it resumed silently, the remaining layers calibrated on the other text).
    // Restored, the job resumes. A journal written before the text was hashed still resumes, with a
    // warning that nothing vouches for the text, and records the hash from then on. Other settings are
    // named by their flags. The pre-flight of the --resume reports each refusal in the job's words.
    void changedCalibrationTextIsRefusedOnResume() {
        const fs::path calib = tmp("calib-edited.txt");
        fs::copy_file(test::dataFile("calib-stories.txt"), calib);
        auto job = smallJob(tmp("calib-edited"), QuantMethodChoice::Awq);
        job.calibrationFiles = {calib};
        job.gridRatios = 2;
        const auto stopAfterLayer = [](std::stop_source& stop, int layer) {
            return [&stop, layer](const QuantizeEvent& e) {
                if (e.kind == QuantizeEvent::Kind::LayerDone && e.layer == layer) stop.request_stop();
            };
        };
        std::stop_source first;
        QVERIFY(runQuantizeJob(job, stopAfterLayer(first, 1), first.get_token()).cancelled);

        const std::string original = fileBytes(calib);
        std::ofstream(calib, std::ios::app) << "\nA story added after the job began, under the same file name.\n";
        job.resume = true;
        const fs::path work = quantizeWorkFolderFor(job.output);
        const QString changed = test::errorMessageOf([&] { runQuantizeJob(job); });
        QVERIFY2(changed.startsWith(QString::fromStdString(calib.string()) + ": the interrupted job's calibration text changed since it began"),
                 qPrintable(changed));
        QVERIFY2(changed.contains("restore the file as it was when the job began, or start afresh without --resume (delete " +
                                  QString::fromStdString(work.string())),
                 qPrintable(changed));
        QCOMPARE(QuantizedModelWriter(job.output).layerFilesWritten(), 2);  // nothing of the job was touched
        // The pre-flight of the same --resume (quantize --check --resume, the Quantize page) says so
        // before anything starts, in the job's words: it said "ready to quantize".
        const auto changedCheck = preflightQuantizeJob(job);
        QVERIFY(!changedCheck.ok());
        QCOMPARE(QString::fromStdString(changedCheck.resumeProblem), changed);
        QVERIFY(std::count(changedCheck.problems.begin(), changedCheck.problems.end(), changedCheck.resumeProblem) == 1);

        auto otherGrid = job;
        otherGrid.gridRatios = 3;
        const QString differs = test::errorMessageOf([&] { runQuantizeJob(otherGrid); });
        QVERIFY2(differs.contains("(--grid 2, now 3)"), qPrintable(differs));
        QCOMPARE(QString::fromStdString(preflightQuantizeJob(otherGrid).resumeProblem), differs);
        // Without --resume the job refuses to overwrite the interrupted job: the pre-flight says so as
        // a problem in the job's words (it warned and said "ready", then the job refused after the
        // plan was printed), and the cheap checks before it refuse too; the resume check is not run.
        auto fresh = otherGrid;
        fresh.resume = false;
        const auto freshCheck = preflightQuantizeJob(fresh);
        QVERIFY(freshCheck.resumeProblem.empty());
        QVERIFY(!freshCheck.ok());
        QVERIFY(std::any_of(freshCheck.problems.begin(), freshCheck.problems.end(),
                            [](const std::string& p) { return p.find("an interrupted job is in the way (resume it with --resume") != std::string::npos; }));
        const QString early = test::errorMessageOf([&] { checkQuantizeRequest(fresh); });
        QVERIFY2(early.contains(".partial: an interrupted job is in the way"), qPrintable(early));

        std::ofstream(calib, std::ios::binary | std::ios::trunc) << original;
        const auto restoredCheck = preflightQuantizeJob(job);
        QVERIFY2(restoredCheck.ok() && restoredCheck.resumeProblem.empty(),
                 restoredCheck.problems.empty() ? "" : restoredCheck.problems.front().c_str());
        std::vector<std::string> warnings;
        const auto collectWarnings = [&](std::stop_source* stop, int layer) {
            return [&warnings, stop, layer](const QuantizeEvent& e) {
                if (e.kind == QuantizeEvent::Kind::Warning) warnings.push_back(e.message);
                if (stop && e.kind == QuantizeEvent::Kind::LayerDone && e.layer == layer) stop->request_stop();
            };
        };
        std::stop_source second;
        const auto restored = runQuantizeJob(job, collectWarnings(&second, 3), second.get_token());
        QVERIFY(restored.cancelled);
        QCOMPARE(restored.resumedFromLayer, 2);
        QVERIFY(warnings.empty());

        // The journal records the file's absolute path and content hash, and the given name.
        const fs::path journalFile = QuantizedModelWriter(job.output).journalFile();
        auto journal = nlohmann::json::parse(fileBytes(journalFile));
        QCOMPARE(journal["settings"]["calibration_inputs"][0]["file"].get<std::string>(), fs::absolute(calib).lexically_normal().string());
        QCOMPARE(journal["settings"]["calibration_inputs"][0]["sha256"].get<std::string>().size(), std::size_t(64));
        QCOMPARE(journal["settings"]["calibration_files"][0].get<std::string>(), calib.string());

        // A journal of an older version (no calibration_inputs) resumes, and says what it cannot check;
        // the pre-flight gives the same warning and no problem.
        const auto hashed = journal["settings"]["calibration_inputs"];
        journal["settings"].erase("calibration_inputs");
        std::ofstream(journalFile, std::ios::trunc) << journal.dump(2);
        const auto oldJournalCheck = preflightQuantizeJob(job);
        QVERIFY(oldJournalCheck.ok());
        QVERIFY(std::any_of(oldJournalCheck.warnings.begin(), oldJournalCheck.warnings.end(),
                            [](const std::string& w) { return w.find("records only the calibration files' names") != std::string::npos; }));
        // Resumed from it, the job records the hash of the text it calibrates on from here: a second
        // interruption, then the text changed, is refused like a journal that had the hash from the start.
        std::stop_source third;
        QVERIFY(runQuantizeJob(job, collectWarnings(&third, 4), third.get_token()).cancelled);
        QCOMPARE(warnings.size(), std::size_t(1));
        QVERIFY2(warnings[0].find("records only the calibration files' names, not their content: if " + calib.string() + " changed") !=
                     std::string::npos,
                 warnings[0].c_str());
        journal = nlohmann::json::parse(fileBytes(journalFile));
        QVERIFY(journal["settings"]["calibration_inputs"] == hashed);
        QCOMPARE(journal["calibration_inputs_from_layer"].get<int>(), 4);
        std::ofstream(calib, std::ios::app) << "\nAnother story, added between the second interruption and its resume.\n";
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).contains("the interrupted job's calibration text changed since it began"));
        QVERIFY(preflightQuantizeJob(job).resumeProblem.find("the interrupted job's calibration text changed since it began") != std::string::npos);
        std::ofstream(calib, std::ios::binary | std::ios::trunc) << original;

        warnings.clear();
        const auto done = runQuantizeJob(job, collectWarnings(nullptr, -1));
        QVERIFY(!done.cancelled);
        QCOMPARE(done.resumedFromLayer, 5);
        QVERIFY(warnings.empty());  // the hash vouches for the text now
        // The finished record carries the hash, and from which layer on it vouches for the text.
        const auto record = nlohmann::json::parse(fileBytes(QuantizedModelWriter(job.output).output() / "awqbench_quantization.json"));
        QVERIFY(record["settings"]["calibration_inputs"] == hashed);
        QCOMPARE(record["calibration_inputs_from_layer"].get<int>(), 4);
    }

    // Issue 17, item 3: killed after the last write but before the final rename, the .partial folder
    // holds the finished model (its record written last, the journal already gone). --resume moves
    // it into place instead of calling the journal missing.
    void finishedPartialResumesToTheFinalFolder() {
        const auto job = smallJob(tmp("finished"), QuantMethodChoice::Rtn);
        const auto first = runQuantizeJob(job);
        std::map<fs::path, std::string> written;
        for (const auto& e : fs::directory_iterator(tmp("finished"))) written[e.path().filename()] = fileBytes(e.path());
        fs::rename(tmp("finished"), quantizeWorkFolderFor(tmp("finished")));  // as if killed before the rename

        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).contains("--resume"));  // still not taken over silently
        auto other = job;
        other.resume = true;
        other.samples = 4;
        const QString refused = test::errorMessageOf([&] { runQuantizeJob(other); });
        QVERIFY2(refused.contains("the finished job used other settings or another source model (--samples 8, now 4)"), qPrintable(refused));
        QCOMPARE(QString::fromStdString(preflightQuantizeJob(other).resumeProblem), refused);  // the pre-flight checks the record too

        auto resume = job;
        resume.resume = true;
        const auto resumeCheck = preflightQuantizeJob(resume);
        QVERIFY2(resumeCheck.ok(), resumeCheck.problems.empty() ? "" : resumeCheck.problems.front().c_str());
        // Killed between writing the record and removing the journal: the journal is left over too,
        // and a dead writer's temp file of the index (item 9: removed before the final rename).
        std::ofstream(quantizeWorkFolderFor(tmp("finished")) / "awqbench_job.json") << "{}";
        std::ofstream(quantizeWorkFolderFor(tmp("finished")) / "model.safetensors.index.json.tmp-999999999") << "{";
        bool computed = false;
        const auto summary = runQuantizeJob(resume, [&](const QuantizeEvent& e) { computed = computed || e.kind == QuantizeEvent::Kind::LayerDone; });
        QVERIFY(!computed);
        QCOMPARE(summary.resumedFromLayer, 8);
        QCOMPARE(summary.perLayer.size(), std::size_t(8));
        QCOMPARE(summary.calibrationTokens, first.calibrationTokens);
        QCOMPARE(summary.calibrationBlocks, first.calibrationBlocks);
        QVERIFY(!fs::exists(quantizeWorkFolderFor(tmp("finished"))));
        std::map<fs::path, std::string> moved;
        for (const auto& e : fs::directory_iterator(tmp("finished"))) moved[e.path().filename()] = fileBytes(e.path());
        QVERIFY(moved == written);  // exactly the model's files: the stale journal is gone
        QCOMPARE(describeModel(tmp("finished")).config.quantization.method, QuantMethod::Awq);

        // A record without the shards it describes is not taken for a finished model.
        fs::rename(tmp("finished"), quantizeWorkFolderFor(tmp("finished")));
        fs::remove(quantizeWorkFolderFor(tmp("finished")) / "model-embeddings.safetensors");
        const QString msg = test::errorMessageOf([&] { runQuantizeJob(resume); });
        QVERIFY2(msg.contains("model-embeddings.safetensors"), qPrintable(msg));
    }

    // Issue 17, item 6: a job that died before its first journal write (disk full) leaves an empty
    // .partial folder, perhaps with a dead writer's temp file; the next run starts afresh.
    void emptyPartialIsAFreshStart() {
        const auto job = smallJob(tmp("empty-partial"), QuantMethodChoice::Rtn);
        fs::create_directories(quantizeWorkFolderFor(job.output));
        std::ofstream(quantizeWorkFolderFor(job.output) / "awqbench_job.json.tmp-999999") << "{\"tool\"";
        QCOMPARE(runQuantizeJob(job).layers, 8);
        QVERIFY(!fs::exists(tmp("empty-partial") / "awqbench_job.json.tmp-999999"));
        QVERIFY(!fs::exists(quantizeWorkFolderFor(job.output)));
        // The same with --resume (what the user types after the failure): a fresh start, not an error.
        auto resume = smallJob(tmp("empty-partial-resume"), QuantMethodChoice::Rtn);
        resume.resume = true;
        fs::create_directories(quantizeWorkFolderFor(resume.output));
        QCOMPARE(runQuantizeJob(resume).layers, 8);
        QCOMPARE(describeModel(resume.output).config.quantization.method, QuantMethod::Awq);
    }

    void preflightMatchesTheJobAndUsesTheBundledCalibration() {
        QuantizeSettings s;  // no calibration files: the bundled default text
        s.model = test::modelDir("tinystories-qwen3-7m");
        s.output = tmp("pre");
        s.method = QuantMethodChoice::Rtn;
        s.samples = 16;
        s.seqlen = 128;
        const auto p = preflightQuantizeJob(s);
        QVERIFY2(p.ok(), p.problems.empty() ? "" : p.problems.front().c_str());
        QCOMPARE(p.layers, 8);
        QVERIFY(p.diskFreeBytes.has_value());
        QVERIFY(!p.deviceFreeBytes.has_value());  // CPU job
        // At least the layer's input and output of every calibration token in float32.
        QVERIFY(p.estimatedPeakDeviceBytes > p.calibrationTokens * 256 * 4 * 2);

        const auto summary = runQuantizeJob(s);
        QCOMPARE(summary.calibrationTokens, p.calibrationTokens);
        const auto record = nlohmann::json::parse(fileBytes(tmp("pre") / "awqbench_quantization.json"));
        QCOMPARE(record["calibration"]["files"][0].get<std::string>(), std::string("default.txt"));
        QVERIFY(record["calibration"]["bundled"].get<bool>());
        std::uint64_t weights = 0;
        for (const auto& e : fs::directory_iterator(tmp("pre")))
            if (e.path().extension() == ".safetensors") weights += e.file_size();
        QVERIFY2(std::abs(double(p.estimatedOutputBytes) / double(weights) - 1) < 0.05,
                 qPrintable(QString("estimated %1, written %2").arg(p.estimatedOutputBytes).arg(weights)));

        // Handed its pre-flight, the job takes the model description and calibration blocks from it
        // instead of reading them again: the same model, byte for byte, and the same record.
        auto handed = s;
        handed.output = tmp("pre-handed");
        const auto ph = preflightQuantizeJob(handed);
        QVERIFY(ph.ok() && ph.inputs && ph.inputs->calibration.blocks.size() == std::size_t(summary.calibrationBlocks));
        QCOMPARE(runQuantizeJob(handed, {}, {}, &ph).calibrationTokens, summary.calibrationTokens);
        for (const auto& e : fs::directory_iterator(tmp("pre")))
            if (e.path().filename() != "awqbench_quantization.json")
                QVERIFY2(fileBytes(e.path()) == fileBytes(tmp("pre-handed") / e.path().filename()), qPrintable(e.path().filename().c_str()));
        const auto handedRecord = nlohmann::json::parse(fileBytes(tmp("pre-handed") / "awqbench_quantization.json"));
        QVERIFY(handedRecord["calibration"] == record["calibration"]);
        // A pre-flight of other settings is not taken: the job reads its own 8 samples.
        auto fewer = s;
        fewer.output = tmp("pre-fewer");
        fewer.samples = 8;
        QVERIFY(runQuantizeJob(fewer, {}, {}, &p).calibrationBlocks < summary.calibrationBlocks);

        // Every problem is named before anything starts.
        auto problemsOf = [](const QuantizeSettings& bad) {
            std::string all;
            for (const auto& e : preflightQuantizeJob(bad).problems) all += e + "\n";
            return QString::fromStdString(all);
        };
        QVERIFY(problemsOf(s).contains("already exists"));
        auto bad = s;
        bad.output = tmp("pre-2");
        bad.groupSize = 96;
        QVERIFY(problemsOf(bad).contains("group size 96"));
        bad.groupSize = 128;
        bad.calibrationFiles = {tmp("no-such-calibration.txt")};
        QVERIFY(problemsOf(bad).contains("no-such-calibration.txt: cannot read the calibration file: No such file or directory"));
        // /dev/null was "not found"; a weights file was cut into "texts".
        bad.calibrationFiles = {"/dev/null"};
        QVERIFY2(problemsOf(bad).contains("/dev/null: cannot read the calibration file: it is not a regular file (a device, pipe or socket)"),
                 qPrintable(problemsOf(bad)));
        bad.calibrationFiles = {test::modelDir("tinystories-qwen3-7m") / "model-00001-of-00002.safetensors"};
        QVERIFY2(problemsOf(bad).contains("model-00001-of-00002.safetensors: is not text: a NUL byte at byte"), qPrintable(problemsOf(bad)));
        bad.calibrationFiles = {};
        bad.samples = 1;
        bad.seqlen = 4096;
        QVERIFY(problemsOf(bad).contains("fewer than one block"));
        // Past the model's context of 1024 (--check said nothing).
        QVERIFY2(problemsOf(bad).contains("config.json: --seqlen 4096 is longer than the model's context of 1024 tokens (max_position_embeddings) "
                                          "(use a --seqlen of at most 1024)"),
                 qPrintable(problemsOf(bad)));
        bad.model = test::modelDir("tinystories-qwen3-7m-awq");
        QVERIFY(problemsOf(bad).contains("already quantized"));

        bad = s;
        bad.output = tmp("pre-3");
        fs::create_directories(quantizeWorkFolderFor(bad.output));
        const auto withPartial = preflightQuantizeJob(bad);
        QVERIFY(withPartial.ok());  // nothing written there: the job starts over in it
        QVERIFY(!withPartial.warnings.empty() && withPartial.warnings.front().find("interrupted job") != std::string::npos);
        checkQuantizeRequest(bad);
    }

    // A default sequence length is fitted to the model's context; only a --seqlen the user chose is
    // checked against it. qwen2-random has 256 positions: CUDA's default of 512 refused it, naming
    // config.json, for a value the user never gave.
    void defaultSeqlenIsFittedToTheContext() {
        const auto config = describeModel(test::modelDir("qwen2-random")).config;
        const auto cuda = defaultSeqlenFor(config, "cuda");
        QCOMPARE(cuda.seqlen, 256);
        QVERIFY2(QString::fromStdString(cuda.note).contains("--seqlen defaults to 512 tokens on cuda; the model's context is 256 tokens"),
                 cuda.note.c_str());
        const auto cpu = defaultSeqlenFor(config, "cpu");  // 256 fits
        QCOMPARE(cpu.seqlen, 256);
        QVERIFY(cpu.note.empty());
        const auto demo = defaultSeqlenFor(describeModel(test::modelDir("tinystories-qwen3-7m")).config, "cuda");  // 1024 positions
        QCOMPARE(demo.seqlen, 512);
        QVERIFY(demo.note.empty());
    }

    // A GPU memory cap on a CPU job is refused (it was dropped without a word), by the job too.
    void gpuMemoryCapNeedsCuda() {
        auto s = smallJob(tmp("cap"), QuantMethodChoice::Rtn);
        s.maxDeviceMemoryBytes = 20ull << 30;
        const QString refused = test::errorMessageOf([&] { checkQuantizeSettings(s); });
        QVERIFY2(refused.contains("--max-gpu-memory caps a CUDA job's GPU memory; this job runs on cpu (drop --max-gpu-memory, or use --device cuda)"),
                 qPrintable(refused));
        QCOMPARE(test::errorMessageOf([&] { runQuantizeJob(s); }), refused);
        QVERIFY(!fs::exists(quantizeWorkFolderFor(tmp("cap"))));
    }

    // Without a GPU, a CUDA job is refused for that first (the pre-flight listed a --seqlen problem
    // of CUDA's default before it), and the job leaves no work folder.
    void missingGpuIsTheFirstProblem() {
        if (cudaEngineAvailable()) QSKIP("a CUDA device is present");
        auto s = smallJob(tmp("nogpu"), QuantMethodChoice::Rtn);
        s.device = "cuda";
        s.seqlen = 4096;  // past the context too: named after the device
        const auto p = preflightQuantizeJob(s);
        QVERIFY(!p.ok());
        QVERIFY2(p.problems.front().rfind("--device cuda is not available: ", 0) == 0 && p.problems.front().find(": use --device cpu") != std::string::npos,
                 p.problems.front().c_str());
        const QString job = test::errorMessageOf([&] { runQuantizeJob(s); });
        QVERIFY2(job.startsWith("--device cuda is not available: ") && job.contains("(use --device cpu"), qPrintable(job));
        QCOMPARE(test::errorMessageOf([&] { checkQuantizeRequest(s); }), job);
        QVERIFY(!fs::exists(quantizeWorkFolderFor(tmp("nogpu"))));
    }

    // A full disk (here: a file-size limit, which fails the write the same way) names the file,
    // leaves no output, and the job resumes once there is room.
    void fullDiskLosesNothingAndResumes() {
        auto job = smallJob(tmp("full"), QuantMethodChoice::Rtn);
        std::signal(SIGXFSZ, SIG_IGN);  // a failing write returns EFBIG instead of killing the process
        rlimit old{};
        getrlimit(RLIMIT_FSIZE, &old);
        rlimit tight = old;
        tight.rlim_cur = 64 * 1024;  // a layer shard is about 450 KB
        setrlimit(RLIMIT_FSIZE, &tight);
        const QString msg = test::errorMessageOf([&] { runQuantizeJob(job); });
        setrlimit(RLIMIT_FSIZE, &old);
        QVERIFY2(msg.contains("write failed") && msg.contains("model-layer-00000.safetensors"), qPrintable(msg));
        // ... and says how to continue, as a cancelled job's note does.
        QVERIFY2(msg.contains("--resume continues from the first unfinished layer (" + QString::fromStdString(quantizeWorkFolderFor(tmp("full")).string()) + ")"),
                 qPrintable(msg));
        QVERIFY(!fs::exists(tmp("full")));
        QVERIFY(fs::exists(quantizeWorkFolderFor(tmp("full")) / "awqbench_job.json"));
        for (const auto& e : fs::directory_iterator(quantizeWorkFolderFor(tmp("full"))))  // no half-written shard
            QVERIFY2(e.path().extension() != ".safetensors", e.path().c_str());

        job.resume = true;
        QCOMPARE(runQuantizeJob(job).layers, 8);
        QVERIFY(describeModel(tmp("full")).config.quantization.method == QuantMethod::Awq);
    }

    // Issue 17, item 5: an output folder that cannot be written is the user's to fix: a named error
    // from the pre-flight and from the job, before any work and without a .partial folder.
    void unwritableOutputIsAUserError() {
        std::ofstream(tmp("a-file")) << "not a folder";
        std::vector<std::pair<fs::path, QString>> cases{{tmp("a-file") / "sub" / "out", "a file is where a folder is expected"}};
        const fs::path locked = tmp("locked");
        fs::create_directories(locked);
        fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
        if (::geteuid() != 0) cases.push_back({locked / "out", "you may not write there"});  // root ignores the mode bits
        for (const auto& [out, why] : cases) {
            auto job = smallJob(out, QuantMethodChoice::Rtn);
            const QString msg = test::errorMessageOf([&] { runQuantizeJob(job); });
            QVERIFY2(msg.contains(why) && msg.contains(QString::fromStdString(nearestExistingFolder(out).string())), qPrintable(msg));
            QVERIFY(!fs::exists(quantizeWorkFolderFor(out)));
            const auto pre = preflightQuantizeJob(job);
            QVERIFY(!pre.ok());
            QVERIFY2(QString::fromStdString(pre.problems.back()).contains(why), pre.problems.back().c_str());
        }
        fs::permissions(locked, fs::perms::owner_all);
    }

    void badInputIsRefusedClearly() {
        // An output folder that is already there and holds something (made here: the test does not
        // lean on another's output) is refused and left as it was; "." is never taken.
        auto job = smallJob(tmp("already-there"), QuantMethodChoice::Rtn);
        fs::create_directories(job.output);
        std::ofstream(job.output / "notes.txt") << "mine\n";
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).contains("already exists and is not empty"));
        QCOMPARE(fileBytes(job.output / "notes.txt"), std::string("mine\n"));
        QCOMPARE(QString::fromStdString(quantizeOutputProblem(".", {})), QString("the output folder already exists"));
        // Not inside the model it reads (a user trial: --check said "ready to quantize"), also when
        // named through a link to the model folder; the model is left as it was.
        const fs::path linked = tmp("model-link");
        fs::create_directory_symlink(fs::absolute(job.model), linked);
        for (const fs::path& inside : {job.model / "awq", linked / "sub" / "awq"}) {
            auto intoSource = smallJob(inside, QuantMethodChoice::Rtn);
            QVERIFY2(test::errorMessageOf([&] { runQuantizeJob(intoSource); }).contains("inside the source model folder"), inside.c_str());
            QVERIFY(!fs::exists(inside) && !fs::exists(quantizeWorkFolderFor(inside)));
        }
        // An empty folder made for the job beforehand (given with a trailing slash, as shells
        // complete it) takes the model.
        auto intoEmpty = smallJob(tmp("made-empty") / "", QuantMethodChoice::Rtn);
        fs::create_directories(intoEmpty.output);
        runQuantizeJob(intoEmpty);
        QVERIFY(fs::is_regular_file(tmp("made-empty") / "config.json"));
        QVERIFY(!fs::exists(tmp("made-empty.partial")));

        job.output = tmp("g96");
        job.groupSize = 96;
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).contains("group size 96 is not supported"));

        job.groupSize = 128;
        job.model = test::modelDir("tinystories-qwen3-7m-awq");
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).contains("already quantized"));

        // K not divisible by the group (a 200-wide model), checked before anything runs.
        ModelInfo odd = describeModel(test::modelDir("tinystories-qwen3-7m"));
        odd.config.hiddenSize = 200;
        QVERIFY(test::errorMessageOf([&] { checkQuantizable(odd, 128); }).contains("hidden_size = 200 is not divisible by the group size 128"));

        // An architecture the engine does not run.
        const fs::path alien = tmp("alien-model");
        fs::create_directories(alien);
        for (const auto& e : fs::directory_iterator(test::modelDir("tinystories-qwen3-7m"))) fs::copy_file(e.path(), alien / e.path().filename());
        auto config = nlohmann::json::parse(fileBytes(alien / "config.json"));
        config["architectures"] = {"MambaForCausalLM"};
        config["model_type"] = "mamba";
        std::ofstream(alien / "config.json", std::ios::trunc) << config.dump(2);
        job.model = alien;
        job.output = tmp("alien-out");
        const QString alienMsg = test::errorMessageOf([&] { runQuantizeJob(job); });
        QVERIFY2(alienMsg.contains("MambaForCausalLM") && alienMsg.contains("config.json"), qPrintable(alienMsg));
        QVERIFY(!fs::exists(tmp("alien-out")) && !fs::exists(quantizeWorkFolderFor(tmp("alien-out"))));

        // Llama with tied embeddings stored only as lm_head.weight, at group 64.
        job.model = test::modelDir("tinystories-656k");
        job.output = tmp("656k");
        job.groupSize = 64;
        QVERIFY(test::errorMessageOf([&] { runQuantizeJob(job); }).isEmpty());
        QCOMPARE(describeModel(tmp("656k")).config.quantization.groupSize, 64);
        // ... and written as AutoAWQ writes it: the tied matrix as model.embed_tokens.weight (issue 13, item 3).
        QVERIFY(!describeModel(tmp("656k")).tiedEmbeddingsStoredAsLmHead);

        // NaN in layer 1's weights: the error names the layer, no output appears.
        const fs::path broken = tmp("nan-model");
        fs::create_directories(broken);
        const auto src = TensorStore::openFolder(test::modelDir("tinystories-qwen3-7m"));
        std::vector<std::vector<std::byte>> copies;
        std::vector<TensorToWrite> tensors;
        for (const auto& t : src.tensors()) {
            auto bytes = src.data(t);
            copies.emplace_back(bytes.begin(), bytes.end());
            if (t.name == "model.layers.1.mlp.up_proj.weight") {
                const std::uint16_t nan = 0x7FC0;
                std::memcpy(copies.back().data() + 100, &nan, 2);
            }
            tensors.push_back({t.name, t.dtype, t.shape, copies.back()});
        }
        writeShardedSafetensors(broken, tensors, 1ull << 40);
        for (const char* f : {"config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"})
            fs::copy_file(test::modelDir("tinystories-qwen3-7m") / f, broken / f);
        job.model = broken;
        job.output = tmp("nan-out");
        const QString msg = test::errorMessageOf([&] { runQuantizeJob(job); });
        QVERIFY2(msg.contains("NaN") && msg.contains("layer 1"), qPrintable(msg));
        QVERIFY(!fs::exists(tmp("nan-out")));
    }
};

QTEST_APPLESS_MAIN(QuantizerTest)
#include "test_quantizer.moc"
