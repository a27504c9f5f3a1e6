#include "core/model/safetensors.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QTemporaryDir>
#include <QtTest>

#include <fstream>

using namespace awq;
namespace fs = std::filesystem;

namespace {

// Writes a safetensors file byte by byte, so tests can build files the writer would refuse.
void writeRaw(const fs::path& file, const std::string& header, std::size_t dataBytes, std::uint64_t headerLen = UINT64_MAX) {
    std::ofstream out(file, std::ios::binary);
    const std::uint64_t len = headerLen == UINT64_MAX ? header.size() : headerLen;
    for (int i = 0; i < 8; ++i) out.put(char((len >> (8 * i)) & 0xff));
    out << header << std::string(dataBytes, '\0');
}

const std::string kOneTensor = R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})";

}  // namespace

class SafetensorsTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path tmp(const char* name) const { return fs::path(tmp_.path().toStdString()) / name; }

    QString openError(const fs::path& file) {
        return test::errorMessageOf([&] { SafetensorsFile f(file); });
    }

private Q_SLOTS:
    void readsShardedFixtureThroughIndex() {
        const auto store = TensorStore::openFolder(test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(store.shards().size(), std::size_t(2));
        QCOMPARE(store.tensors().size(), std::size_t(90));
        const TensorInfo* q = store.find("model.layers.3.self_attn.q_proj.weight");
        QVERIFY(q);
        QCOMPARE(q->dtype, DType::BF16);
        QCOMPARE(q->shape, (std::vector<std::int64_t>{256, 256}));
        const TensorInfo* k = store.find("model.layers.3.self_attn.k_proj.weight");
        QCOMPARE(k->shape, (std::vector<std::int64_t>{128, 256}));
        QCOMPARE(store.find("model.layers.0.self_attn.q_norm.weight")->shape, (std::vector<std::int64_t>{64}));
        QCOMPARE(store.data(*q).size(), std::size_t(256 * 256 * 2));
        std::uint64_t total = 0;
        for (const auto& t : store.tensors()) total += t.byteSize;
        QCOMPARE(total, std::uint64_t(14690816));  // index metadata total_size
    }

    void tiedEmbeddingStoredOnlyAsLmHead() {
        const auto store = TensorStore::openFolder(test::modelDir("tinystories-656k"));
        QVERIFY(store.find("lm_head.weight"));
        QVERIFY(!store.find("model.embed_tokens.weight"));
        QCOMPARE(store.metadata().at("model.embed_tokens.weight"), std::string("lm_head.weight"));
        QCOMPARE(store.find("lm_head.weight")->shape, (std::vector<std::int64_t>{2048, 128}));
    }

    void readsAwqTensors() {
        const auto store = TensorStore::openFolder(test::modelDir("qwen2-random-awq"));
        const TensorInfo* qw = store.find("model.layers.0.mlp.down_proj.qweight");
        QVERIFY(qw);
        QCOMPARE(qw->dtype, DType::I32);
        QCOMPARE(qw->shape, (std::vector<std::int64_t>{384, 16}));
        QCOMPARE(store.find("model.layers.0.mlp.down_proj.scales")->shape, (std::vector<std::int64_t>{3, 128}));
        QCOMPARE(store.find("model.layers.0.self_attn.q_proj.bias")->dtype, DType::F16);
    }

    void writerRoundTripsAndShards() {
        std::vector<float> a(1000), b(3000);
        for (std::size_t i = 0; i < a.size(); ++i) a[i] = float(i) * 0.5f;
        for (std::size_t i = 0; i < b.size(); ++i) b[i] = -float(i);
        const std::vector<TensorToWrite> tensors{
            {"layer.a", DType::F32, {10, 100}, std::as_bytes(std::span(a))},
            {"layer.b", DType::F32, {3000}, std::as_bytes(std::span(b))},
        };
        const fs::path dir = tmp("sharded");
        fs::create_directories(dir);
        const auto files = writeShardedSafetensors(dir, tensors, 8000, {{"format", "pt"}});
        QCOMPARE(files.size(), std::size_t(3));  // two shards + index
        QVERIFY(fs::exists(dir / "model-00001-of-00002.safetensors"));
        const auto store = TensorStore::openFolder(dir);
        QCOMPARE(store.shards().size(), std::size_t(2));
        const auto bytes = store.data(*store.find("layer.b"));
        QCOMPARE(std::memcmp(bytes.data(), b.data(), bytes.size()), 0);
        QCOMPARE(store.metadata().at("format"), std::string("pt"));
        for (const auto& e : fs::directory_iterator(dir)) QVERIFY2(e.path().string().find(".tmp-") == std::string::npos, "temp file left behind");

        const fs::path single = tmp("single");
        fs::create_directories(single);
        QCOMPARE(writeShardedSafetensors(single, tensors, 1 << 20).size(), std::size_t(1));
        QCOMPARE(TensorStore::openFolder(single).find("layer.a")->shape, (std::vector<std::int64_t>{10, 100}));
    }

    void truncatedFileNamesTheFile() {
        const fs::path src = test::modelDir("tinystories-656k") / "model.safetensors";
        const fs::path cut = tmp("truncated.safetensors");
        fs::copy_file(src, cut);
        fs::resize_file(cut, fs::file_size(src) / 2);
        const QString msg = openError(cut);
        QVERIFY2(msg.contains(QString::fromStdString(cut.string())), qPrintable(msg));
        QVERIFY2(msg.contains("truncated"), qPrintable(msg));
    }

    void headerLengthPastTheEnd() {
        writeRaw(tmp("hl.safetensors"), kOneTensor, 24, 1'000'000);
        QVERIFY2(openError(tmp("hl.safetensors")).contains("runs past the end"), qPrintable(openError(tmp("hl.safetensors"))));
        writeRaw(tmp("huge.safetensors"), kOneTensor, 24, 1ull << 40);
        QVERIFY(openError(tmp("huge.safetensors")).contains("the 100.0 MiB limit"));
        writeRaw(tmp("tiny.safetensors"), "", 0, 0);
        fs::resize_file(tmp("tiny.safetensors"), 5);
        QVERIFY(openError(tmp("tiny.safetensors")).contains("too short"));
    }

    void offsetsOutsideTheData() {
        writeRaw(tmp("off.safetensors"), R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]}})", 10);
        QVERIFY(openError(tmp("off.safetensors")).contains("truncated"));
        writeRaw(tmp("inv.safetensors"), R"({"w":{"dtype":"F32","shape":[2,3],"data_offsets":[24,0]}})", 24);
        QVERIFY(openError(tmp("inv.safetensors")).contains("begin after they end"));
        writeRaw(tmp("size.safetensors"), R"({"w":{"dtype":"F32","shape":[2,4],"data_offsets":[0,24]}})", 24);
        QVERIFY(openError(tmp("size.safetensors")).contains("shape x dtype needs 32"));
        writeRaw(tmp("overlap.safetensors"),
                 R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", 24);
        QVERIFY(openError(tmp("overlap.safetensors")).contains("overlap"));
        writeRaw(tmp("ovf.safetensors"), R"({"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,16]}})", 16);
        QVERIFY(openError(tmp("ovf.safetensors")).contains("too large"));
        writeRaw(tmp("neg.safetensors"), R"({"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
        QVERIFY(openError(tmp("neg.safetensors")).contains("negative"));
    }

    void unknownDtypeAndBadJson() {
        writeRaw(tmp("dt.safetensors"), R"({"w":{"dtype":"F12","shape":[2],"data_offsets":[0,4]}})", 4);
        const QString msg = openError(tmp("dt.safetensors"));
        QVERIFY2(msg.contains("unknown dtype 'F12'") && msg.contains("dt.safetensors"), qPrintable(msg));
        writeRaw(tmp("json.safetensors"), R"({"w":{"dtype":)", 0);
        QVERIFY(openError(tmp("json.safetensors")).contains("not valid JSON"));
    }

    // The fixture's own file with its __metadata__ "format" value made a number, then an object (same
    // byte length, so the header length and data stay valid): refused naming the file and the key.
    void metadataValuesMustBeStrings() {
        const fs::path src = test::modelDir("tinystories-656k") / "model.safetensors";
        std::ifstream in(src, std::ios::binary);
        const std::string original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const std::string key = "\"format\":\"pt\"";  // not a raw string: moc mis-lexes one ending in a quote
        const auto at = original.find(key);
        QVERIFY(at != std::string::npos && at < 100);
        for (const std::string value : {"\"format\":1234", "\"format\":{}  "}) {
            std::string bytes = original;
            bytes.replace(at, key.size(), value);
            const fs::path file = tmp("metadata.safetensors");
            std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
            const QString msg = openError(file);
            QVERIFY2(msg.contains("__metadata__ \"format\"") && msg.contains("only strings") &&
                         msg.contains(QString::fromStdString(file.string())),
                     qPrintable(msg));
        }
        QCOMPARE(SafetensorsFile(src).metadata().at("format"), std::string("pt"));
    }

    void indexPointingOutsideTheFolder() {
        const fs::path dir = tmp("escape");
        fs::create_directories(dir / "inner");
        writeRaw(dir / "model-00001.safetensors", kOneTensor, 24);
        for (const std::string target : {"../escape/model-00001.safetensors", "/etc/passwd"}) {
            std::ofstream(dir / "inner" / "model.safetensors.index.json")
                << "{\"weight_map\":{\"w\":\"" << target << "\"}}";  // moc mis-lexes a raw string ending in a quote
            const QString msg = test::errorMessageOf([&] { TensorStore::openFolder(dir / "inner"); });
            QVERIFY2(msg.contains("refusing"), qPrintable(msg));
        }
        // A symlink inside the folder that leads out of it is refused too.
        fs::create_symlink(fs::absolute(dir / "model-00001.safetensors"), dir / "inner" / "link.safetensors");
        std::ofstream(dir / "inner" / "model.safetensors.index.json") << R"({"weight_map":{"w":"link.safetensors"}})";
        const QString msg = test::errorMessageOf([&] { TensorStore::openFolder(dir / "inner"); });
        QVERIFY2(msg.contains("outside the model folder"), qPrintable(msg));
    }

    void indexNamingMissingShardOrTensor() {
        const fs::path dir = tmp("missing");
        fs::create_directories(dir);
        writeRaw(dir / "a.safetensors", kOneTensor, 24);
        std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"w":"a.safetensors","v":"b.safetensors"}})";
        QVERIFY(test::errorMessageOf([&] { TensorStore::openFolder(dir); }).contains("missing"));
        std::ofstream(dir / "model.safetensors.index.json") << R"({"weight_map":{"w":"a.safetensors","v":"a.safetensors"}})";
        QVERIFY(test::errorMessageOf([&] { TensorStore::openFolder(dir); }).contains("does not hold it"));
    }
};

QTEST_APPLESS_MAIN(SafetensorsTest)
#include "test_safetensors.moc"
