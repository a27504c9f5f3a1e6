// GGUF reader: real files written byte by byte here (llama-like metadata, F32/F16/Q4_0 tensors), read back field by
// field; then broken files (bad magic, versions, truncations, crafted lengths and counts, bad tensors), each of which
// must fail with an awq::Error naming the file, never crash or allocate what the file claims.
#include "core/model/gguf.h"
#include "core/util/error.h"

#include <QtTest>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace fs = std::filesystem;

namespace {

// GGUF metadata value type ids.
enum : std::uint32_t {
    kU8 = 0, kI8 = 1, kU16 = 2, kI16 = 3, kU32 = 4, kI32 = 5, kF32 = 6, kBool = 7,
    kString = 8, kArray = 9, kU64 = 10, kI64 = 11, kF64 = 12,
};
// ggml tensor type ids used below.
enum : std::uint32_t { kTypeF32 = 0, kTypeF16 = 1, kTypeQ4_0 = 2 };

// Little-endian GGUF bytes, written field by field so tests can write broken files as easily as good ones.
class GgufWriter {
public:
    std::string bytes;

    std::size_t pos() const { return bytes.size(); }

    GgufWriter& raw(std::string_view s) { bytes.append(s); return *this; }
    GgufWriter& le(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        return *this;
    }
    GgufWriter& u8(std::uint8_t v) { return le(v, 1); }
    GgufWriter& u16(std::uint16_t v) { return le(v, 2); }
    GgufWriter& u32(std::uint32_t v) { return le(v, 4); }
    GgufWriter& u64(std::uint64_t v) { return le(v, 8); }
    GgufWriter& i8(std::int8_t v) { return le(static_cast<std::uint8_t>(v), 1); }
    GgufWriter& i16(std::int16_t v) { return le(static_cast<std::uint16_t>(v), 2); }
    GgufWriter& i32(std::int32_t v) { return le(static_cast<std::uint32_t>(v), 4); }
    GgufWriter& i64(std::int64_t v) { return le(static_cast<std::uint64_t>(v), 8); }
    GgufWriter& f32(float v) { return u32(std::bit_cast<std::uint32_t>(v)); }
    GgufWriter& f64(double v) { return u64(std::bit_cast<std::uint64_t>(v)); }
    GgufWriter& str(std::string_view s) { return u64(s.size()).raw(s); }

    GgufWriter& header(std::uint32_t version, std::uint64_t tensors, std::uint64_t kvs) {
        return raw("GGUF").u32(version).u64(tensors).u64(kvs);
    }
    GgufWriter& key(std::string_view k, std::uint32_t type) { return str(k).u32(type); }
    GgufWriter& kvString(std::string_view k, std::string_view v) { return key(k, kString).str(v); }
    GgufWriter& kvU32(std::string_view k, std::uint32_t v) { return key(k, kU32).u32(v); }

    GgufWriter& tensor(std::string_view name, const std::vector<std::uint64_t>& dims, std::uint32_t type,
                       std::uint64_t offset) {
        str(name).u32(static_cast<std::uint32_t>(dims.size()));
        for (auto d : dims) u64(d);
        return u32(type).u64(offset);
    }
    GgufWriter& alignTo(std::size_t a) {
        while (bytes.size() % a) bytes.push_back('\0');
        return *this;
    }
    GgufWriter& data(std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) bytes.push_back(static_cast<char>(i * 7 + 1));
        return *this;
    }
};

// Where the interesting fields of the llama-like file are, for tests that damage them.
struct LlamaLayout {
    std::size_t versionAt = 4;
    std::size_t tensorCountAt = 8;
    std::size_t kvCountAt = 16;
    std::size_t nameLengthAt = 0;      // u64 length of general.name's value
    std::size_t ctxTypeAt = 0;         // value type of llama.context_length
    std::size_t tokensCountAt = 0;     // element count of tokenizer.ggml.tokens
    std::size_t tokensEnd = 0;         // end of the last token
    std::size_t tensorTableAt = 0;
    std::size_t firstDimsAt = 0;       // n_dims of token_embd.weight
    std::size_t firstTypeAt = 0;       // ggml type of token_embd.weight
    std::size_t lastOffsetAt = 0;      // data offset of output.weight
    std::size_t tableEnd = 0;          // end of the tensor table, before the padding
    std::size_t dataAt = 0;
};

constexpr int kTokens = 1000;

std::string token(int i) { return i == 1 ? std::string("say \"hi\"\n") : "tok" + std::to_string(i); }

// A small llama-like GGUF: every metadata value type, a 1000-token string array, an array of arrays, and three
// tensors (F32 [8,4] = 128 B at 0, F16 [6,3] = 36 B at 128, Q4_0 [64,2] = 2 rows x 2 blocks x 18 B = 72 B at 192:
// 128 + 36 = 164 aligned up to 32).
std::string llamaFile(LlamaLayout* layout = nullptr, std::uint32_t version = 3) {
    LlamaLayout l;
    GgufWriter w;
    w.header(version, 3, 19);
    w.kvString("general.architecture", "llama");
    w.key("general.name", kString);
    l.nameLengthAt = w.pos();
    w.str("Tiny Llama");
    w.str("llama.context_length");
    l.ctxTypeAt = w.pos();
    w.u32(kU32).u32(4096);
    w.key("llama.attention.layer_norm_rms_epsilon", kF32).f32(1e-5f);
    w.key("tokenizer.ggml.add_bos_token", kBool).u8(1);
    w.key("tokenizer.ggml.tokens", kArray).u32(kString);
    l.tokensCountAt = w.pos();
    w.u64(kTokens);
    for (int i = 0; i < kTokens; ++i) w.str(token(i));
    l.tokensEnd = w.pos();
    w.key("tokenizer.ggml.token_type", kArray).u32(kI32).u64(3).i32(1).i32(-2).i32(3);
    // [[1, 2], ["x"]]: arrays of arrays may mix element types.
    w.key("test.nested", kArray).u32(kArray).u64(2);
    w.u32(kU32).u64(2).u32(1).u32(2);
    w.u32(kString).u64(1).str("x");
    w.key("test.u8", kU8).u8(200);
    w.key("test.i8", kI8).i8(-5);
    w.key("test.u16", kU16).u16(65535);
    w.key("test.i16", kI16).i16(-300);
    w.key("test.i32", kI32).i32(-70000);
    w.key("test.u64", kU64).u64(18446744073709551615ull);
    w.key("test.i64", kI64).i64(-9000000000ll);
    w.key("test.f64", kF64).f64(0.25);
    w.key("test.empty", kArray).u32(kU8).u64(0);
    w.key("test.bool_false", kBool).u8(0);
    w.kvU32("test.after_arrays", 7);

    l.tensorTableAt = w.pos();
    w.str("token_embd.weight");
    l.firstDimsAt = w.pos();
    w.u32(2).u64(8).u64(4);
    l.firstTypeAt = w.pos();
    w.u32(kTypeF32).u64(0);
    w.tensor("blk.0.attn_q.weight", {6, 3}, kTypeF16, 128);
    w.str("output.weight").u32(2).u64(64).u64(2).u32(kTypeQ4_0);
    l.lastOffsetAt = w.pos();
    w.u64(192);
    l.tableEnd = w.pos();
    w.alignTo(32);
    l.dataAt = w.pos();
    w.data(192 + 72);
    if (layout) *layout = l;
    return w.bytes;
}

struct TensorSpec {
    std::string name;
    std::vector<std::uint64_t> dims;
    std::uint32_t type;
    std::uint64_t offset;
};

// A GGUF file with the key/values `kvs` writes (`kvCount` of them), `tensors`, padding to `alignment`, then
// `dataBytes` of tensor data.
std::string ggufFile(std::uint64_t kvCount, const std::function<void(GgufWriter&)>& kvs,
                     const std::vector<TensorSpec>& tensors, std::size_t dataBytes, std::size_t alignment = 32) {
    GgufWriter w;
    w.header(3, tensors.size(), kvCount);
    if (kvs) kvs(w);
    for (const auto& t : tensors) w.tensor(t.name, t.dims, t.type, t.offset);
    w.alignTo(alignment);
    w.data(dataBytes);
    return w.bytes;
}

std::string oneTensorFile(const std::vector<std::uint64_t>& dims, std::uint32_t type, std::size_t dataBytes,
                          std::uint64_t offset = 0) {
    return ggufFile(0, {}, {{"w", dims, type, offset}}, dataBytes);
}

void patchLe(std::string& bytes, std::size_t at, std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) bytes[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}
std::string patched32(std::string bytes, std::size_t at, std::uint32_t v) { patchLe(bytes, at, v, 4); return bytes; }
std::string patched64(std::string bytes, std::size_t at, std::uint64_t v) { patchLe(bytes, at, v, 8); return bytes; }

QString qs(const std::string& s) { return QString::fromStdString(s); }

std::optional<awq::Error> readError(const fs::path& file) {
    try {
        awq::readGguf(file);
    } catch (const awq::Error& e) {
        return e;
    }
    return std::nullopt;
}

const awq::GgufScalar& scalar(const awq::GgufInfo& info, const std::string& key) {
    const auto* kv = info.find(key);
    if (!kv) throw std::runtime_error("missing key " + key);
    return std::get<awq::GgufScalar>(kv->value);
}

const awq::GgufArray& array(const awq::GgufInfo& info, const std::string& key) {
    const auto* kv = info.find(key);
    if (!kv) throw std::runtime_error("missing key " + key);
    return std::get<awq::GgufArray>(kv->value);
}

}  // namespace

class TestGguf : public QObject {
    Q_OBJECT

private:
    QTemporaryDir dir_;

    fs::path write(const std::string& name, const std::string& bytes) {
        const fs::path p = fs::path(dir_.path().toStdString()) / name;
        std::ofstream out(p, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        out.close();
        if (!out) throw std::runtime_error("cannot write " + p.string());
        return p;
    }

    // The file must fail to load with an awq::Error that names it, says `expected` and offers a fix.
    void expectError(const fs::path& file, const QString& expected) {
        const auto err = readError(file);
        QVERIFY2(err.has_value(), qPrintable("no error for " + qs(file.string())));
        const QString msg = QString::fromStdString(err->what());
        QVERIFY2(msg.contains(qs(file.string())), qPrintable(msg));
        QVERIFY2(msg.contains(expected), qPrintable("expected '" + expected + "' in: " + msg));
        QVERIFY(err->file() == file);
        QVERIFY2(!err->fix().empty(), qPrintable(msg));
    }

private slots:
    void initTestCase() { QVERIFY(dir_.isValid()); }

    void readsLlamaLikeFile() {
        const std::string bytes = llamaFile();
        const fs::path file = write("tiny-llama.Q4_0.gguf", bytes);
        const awq::GgufInfo info = awq::readGguf(file);

        QVERIFY(info.file == file);
        QCOMPARE(info.version, 3u);
        QCOMPARE(info.fileSize, std::uint64_t(bytes.size()));
        QCOMPARE(info.alignment, std::uint64_t(32));
        QCOMPARE(qs(info.architecture), QStringLiteral("llama"));
        QCOMPARE(qs(info.name), QStringLiteral("Tiny Llama"));

        // Metadata keeps file order and records each value's type.
        const std::vector<std::pair<std::string, std::string>> keys = {
            {"general.architecture", "string"}, {"general.name", "string"}, {"llama.context_length", "uint32"},
            {"llama.attention.layer_norm_rms_epsilon", "float32"}, {"tokenizer.ggml.add_bos_token", "bool"},
            {"tokenizer.ggml.tokens", "array"}, {"tokenizer.ggml.token_type", "array"}, {"test.nested", "array"},
            {"test.u8", "uint8"}, {"test.i8", "int8"}, {"test.u16", "uint16"}, {"test.i16", "int16"},
            {"test.i32", "int32"}, {"test.u64", "uint64"}, {"test.i64", "int64"}, {"test.f64", "float64"},
            {"test.empty", "array"}, {"test.bool_false", "bool"}, {"test.after_arrays", "uint32"}};
        QCOMPARE(info.metadata.size(), keys.size());
        for (std::size_t i = 0; i < keys.size(); ++i) {
            QCOMPARE(qs(info.metadata[i].key), qs(keys[i].first));
            QCOMPARE(qs(info.metadata[i].type), qs(keys[i].second));
        }

        // Scalars: unsigned types widen to uint64, signed to int64, floats to double.
        QCOMPARE(std::get<std::uint64_t>(scalar(info, "llama.context_length")), std::uint64_t(4096));
        QCOMPARE(std::get<double>(scalar(info, "llama.attention.layer_norm_rms_epsilon")), double(1e-5f));
        QCOMPARE(std::get<bool>(scalar(info, "tokenizer.ggml.add_bos_token")), true);
        QCOMPARE(std::get<bool>(scalar(info, "test.bool_false")), false);
        QCOMPARE(std::get<std::uint64_t>(scalar(info, "test.u8")), std::uint64_t(200));
        QCOMPARE(std::get<std::int64_t>(scalar(info, "test.i8")), std::int64_t(-5));
        QCOMPARE(std::get<std::uint64_t>(scalar(info, "test.u16")), std::uint64_t(65535));
        QCOMPARE(std::get<std::int64_t>(scalar(info, "test.i16")), std::int64_t(-300));
        QCOMPARE(std::get<std::int64_t>(scalar(info, "test.i32")), std::int64_t(-70000));
        QCOMPARE(std::get<std::uint64_t>(scalar(info, "test.u64")), std::uint64_t(18446744073709551615ull));
        QCOMPARE(std::get<std::int64_t>(scalar(info, "test.i64")), std::int64_t(-9000000000ll));
        QCOMPARE(std::get<double>(scalar(info, "test.f64")), 0.25);
        QCOMPARE(std::get<std::uint64_t>(scalar(info, "test.after_arrays")), std::uint64_t(7));

        // The token list keeps its full count but only a preview of its elements.
        const auto& tokens = array(info, "tokenizer.ggml.tokens");
        QCOMPARE(qs(tokens.elementType), QStringLiteral("string"));
        QCOMPARE(tokens.count, std::uint64_t(kTokens));
        QCOMPARE(tokens.preview.size(), awq::kGgufArrayPreview);
        for (std::size_t i = 0; i < tokens.preview.size(); ++i)
            QCOMPARE(qs(std::get<std::string>(tokens.preview[i])), qs(token(static_cast<int>(i))));

        const auto& types = array(info, "tokenizer.ggml.token_type");
        QCOMPARE(qs(types.elementType), QStringLiteral("int32"));
        QCOMPARE(types.count, std::uint64_t(3));
        QCOMPARE(types.preview.size(), std::size_t(3));
        QCOMPARE(std::get<std::int64_t>(types.preview[0]), std::int64_t(1));
        QCOMPARE(std::get<std::int64_t>(types.preview[1]), std::int64_t(-2));
        QCOMPARE(std::get<std::int64_t>(types.preview[2]), std::int64_t(3));

        const auto& nested = array(info, "test.nested");
        QCOMPARE(qs(nested.elementType), QStringLiteral("array"));
        QCOMPARE(nested.count, std::uint64_t(2));
        QVERIFY(nested.preview.empty());

        const auto& empty = array(info, "test.empty");
        QCOMPARE(qs(empty.elementType), QStringLiteral("uint8"));
        QCOMPARE(empty.count, std::uint64_t(0));
        QVERIFY(empty.preview.empty());

        QVERIFY(info.find("general.missing") == nullptr);
        QVERIFY(info.find("general.name") == &info.metadata[1]);

        // Tensors: shape as stored, type name, offset within the data section, size from the block layout.
        QCOMPARE(info.tensors.size(), std::size_t(3));
        const auto& emb = info.tensors[0];
        QCOMPARE(qs(emb.name), QStringLiteral("token_embd.weight"));
        QCOMPARE(emb.shape, (std::vector<std::uint64_t>{8, 4}));
        QCOMPARE(qs(emb.type), QStringLiteral("F32"));
        QCOMPARE(emb.offset, std::uint64_t(0));
        QCOMPARE(emb.byteSize, std::uint64_t(128));
        const auto& q = info.tensors[1];
        QCOMPARE(qs(q.name), QStringLiteral("blk.0.attn_q.weight"));
        QCOMPARE(q.shape, (std::vector<std::uint64_t>{6, 3}));
        QCOMPARE(qs(q.type), QStringLiteral("F16"));
        QCOMPARE(q.offset, std::uint64_t(128));
        QCOMPARE(q.byteSize, std::uint64_t(36));
        const auto& out = info.tensors[2];
        QCOMPARE(qs(out.name), QStringLiteral("output.weight"));
        QCOMPARE(out.shape, (std::vector<std::uint64_t>{64, 2}));
        QCOMPARE(qs(out.type), QStringLiteral("Q4_0"));
        QCOMPARE(out.offset, std::uint64_t(192));
        QCOMPARE(out.byteSize, std::uint64_t(72));
        QCOMPARE(info.parameterCount, std::uint64_t(8 * 4 + 6 * 3 + 64 * 2));
    }

    void readsVersion2() {
        const awq::GgufInfo info = awq::readGguf(write("v2.gguf", llamaFile(nullptr, 2)));
        QCOMPARE(info.version, 2u);
        QCOMPARE(info.metadata.size(), std::size_t(19));
        QCOMPARE(info.tensors.size(), std::size_t(3));
        QCOMPARE(info.parameterCount, std::uint64_t(178));
    }

    void displaysValues() {
        const awq::GgufInfo info = awq::readGguf(write("display.gguf", llamaFile()));
        auto show = [&](const char* key) { return qs(info.find(key)->displayValue()); };
        QCOMPARE(show("general.name"), QStringLiteral("Tiny Llama"));
        QCOMPARE(show("llama.context_length"), QStringLiteral("4096"));
        // float32 values print as floats: 1e-05, not 9.99999974737875e-06.
        QCOMPARE(show("llama.attention.layer_norm_rms_epsilon"), QStringLiteral("1e-05"));
        QCOMPARE(show("tokenizer.ggml.add_bos_token"), QStringLiteral("true"));
        QCOMPARE(show("test.bool_false"), QStringLiteral("false"));
        QCOMPARE(show("test.i8"), QStringLiteral("-5"));
        QCOMPARE(show("test.u64"), QStringLiteral("18446744073709551615"));
        QCOMPARE(show("test.f64"), QStringLiteral("0.25"));
        QCOMPARE(show("tokenizer.ggml.token_type"), QStringLiteral("[1, -2, 3] (3 items)"));
        QCOMPARE(show("test.nested"), QStringLiteral("[...] (2 arrays)"));
        QCOMPARE(show("test.empty"), QStringLiteral("[] (0 items)"));
        QString tokens = QStringLiteral("[\"tok0\", \"say \\\"hi\\\"\\n\"");
        for (int i = 2; i < int(awq::kGgufArrayPreview); ++i) tokens += QStringLiteral(", \"tok%1\"").arg(i);
        tokens += QStringLiteral(", ...] (1000 items)");
        QCOMPARE(show("tokenizer.ggml.tokens"), tokens);
    }

    void fallsBackToFileStem() {
        // No metadata, no tensors: the smallest valid file.
        const fs::path file = write("bare-model.gguf", ggufFile(0, {}, {}, 0, 1));
        const awq::GgufInfo info = awq::readGguf(file);
        QCOMPARE(qs(info.name), QStringLiteral("bare-model"));
        QVERIFY(info.architecture.empty());
        QVERIFY(info.metadata.empty());
        QVERIFY(info.tensors.empty());
        QCOMPARE(info.parameterCount, std::uint64_t(0));
        QCOMPARE(info.fileSize, std::uint64_t(24));
    }

    void honoursAlignment() {
        // general.alignment = 16: the data section starts at the table end (168) aligned up to 16, i.e. 176. With
        // the default 32 it would start at 192 and tensor b would run past the end of the file.
        const auto kvs = [](GgufWriter& w) {
            w.kvU32("general.alignment", 16).kvString("general.architecture", "qwen3");
        };
        const std::string bytes = ggufFile(2, kvs, {{"a", {10}, kTypeF32, 0}, {"b", {4}, kTypeF16, 64}}, 64 + 8, 16);
        QCOMPARE(bytes.size(), std::size_t(176 + 72));
        const awq::GgufInfo info = awq::readGguf(write("aligned.gguf", bytes));
        QCOMPARE(info.alignment, std::uint64_t(16));
        QCOMPARE(qs(info.architecture), QStringLiteral("qwen3"));
        QCOMPARE(info.tensors[1].offset, std::uint64_t(64));
        QCOMPARE(info.tensors[1].byteSize, std::uint64_t(8));
        QCOMPARE(info.parameterCount, std::uint64_t(14));
    }

    void tensorSizes_data() {
        QTest::addColumn<quint32>("type");
        QTest::addColumn<quint64>("blockSize");
        QTest::addColumn<quint64>("typeSize");
        // Block sizes and bytes per block from llama.cpp's ggml-common.h (its static_asserts) and ggml.c's
        // type_traits; QK_K = 256.
        struct Row { const char* name; quint32 id; quint64 block; quint64 bytes; };
        const Row rows[] = {
            {"F32", 0, 1, 4},          {"F16", 1, 1, 2},          {"Q4_0", 2, 32, 18},      {"Q4_1", 3, 32, 20},
            {"Q5_0", 6, 32, 22},       {"Q5_1", 7, 32, 24},       {"Q8_0", 8, 32, 34},      {"Q8_1", 9, 32, 36},
            {"Q2_K", 10, 256, 84},     {"Q3_K", 11, 256, 110},    {"Q4_K", 12, 256, 144},   {"Q5_K", 13, 256, 176},
            {"Q6_K", 14, 256, 210},    {"Q8_K", 15, 256, 292},    {"IQ2_XXS", 16, 256, 66}, {"IQ2_XS", 17, 256, 74},
            {"IQ3_XXS", 18, 256, 98},  {"IQ1_S", 19, 256, 50},    {"IQ4_NL", 20, 32, 18},   {"IQ3_S", 21, 256, 110},
            {"IQ2_S", 22, 256, 82},    {"IQ4_XS", 23, 256, 136},  {"I8", 24, 1, 1},         {"I16", 25, 1, 2},
            {"I32", 26, 1, 4},         {"I64", 27, 1, 8},         {"F64", 28, 1, 8},        {"IQ1_M", 29, 256, 56},
            {"BF16", 30, 1, 2},        {"TQ1_0", 34, 256, 54},    {"TQ2_0", 35, 256, 66},   {"MXFP4", 39, 32, 17},
            {"NVFP4", 40, 64, 36},
        };
        for (const auto& r : rows) QTest::newRow(r.name) << r.id << r.block << r.bytes;
    }

    void tensorSizes() {
        QFETCH(quint32, type);
        QFETCH(quint64, blockSize);
        QFETCH(quint64, typeSize);
        // Two blocks per row, three rows, four planes: 24 blocks.
        const std::string bytes = oneTensorFile({2 * blockSize, 3, 4}, type, std::size_t(24 * typeSize));
        const fs::path file = write(std::string("type-") + QTest::currentDataTag() + ".gguf", bytes);
        const awq::GgufInfo info = awq::readGguf(file);
        QCOMPARE(info.tensors.size(), std::size_t(1));
        QCOMPARE(qs(info.tensors[0].type), QString::fromLatin1(QTest::currentDataTag()));
        QCOMPARE(info.tensors[0].byteSize, std::uint64_t(24 * typeSize));
        QCOMPARE(info.parameterCount, std::uint64_t(2 * blockSize * 12));
    }

    void rejectsDamagedFiles_data() {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("expected");
        LlamaLayout l;
        const std::string good = llamaFile(&l);
        auto row = [](const char* tag, const std::string& bytes, const std::string& expected) {
            QTest::newRow(tag) << QByteArray::fromStdString(bytes) << QString::fromStdString(expected);
        };

        // Header.
        row("empty file", "", "too short to be a GGUF file");
        row("bad magic", "GGML" + good.substr(4), "not a GGUF file");
        row("safetensors file", std::string("\x10\0\0\0\0\0\0\0{}              ", 24), "not a GGUF file");
        row("version 1", patched32(good, l.versionAt, 1), "unsupported GGUF version 1");
        row("version 99", patched32(good, l.versionAt, 99), "unsupported GGUF version 99");
        row("big-endian", patched32(good, l.versionAt, 0x03000000), "big-endian");
        row("cut in version", good.substr(0, 6), "truncated file: version");
        row("tensor count huge", patched64(good, l.tensorCountAt, 1ull << 60), "tensor count is 1152921504606846976");
        row("metadata count huge", patched64(good, l.kvCountAt, ~0ull), "metadata count is 18446744073709551615");

        // Metadata.
        // Counts are checked against the bytes left as soon as they are read, strings as they are reached.
        row("cut in metadata", good.substr(0, l.nameLengthAt + 8 + 3), "metadata count is 19 but only 80 bytes remain");
        row("cut in token array", good.substr(0, l.tokensCountAt + 500),
            "element count of array 'tokenizer.ggml.tokens' is 1000 but only 492 bytes remain");
        row("cut in last token", good.substr(0, l.tokensEnd - 2),
            "element of array 'tokenizer.ggml.tokens' at byte " + std::to_string(l.tokensEnd - 14) +
                " is a string of 6 bytes but only 4 bytes remain");
        row("string past end", patched64(good, l.nameLengthAt, 1ull << 40), "is a string of 1099511627776 bytes");
        row("string length max", patched64(good, l.nameLengthAt, ~0ull), "but only");
        row("array count huge", patched64(good, l.tokensCountAt, 1ull << 62),
            "element count of array 'tokenizer.ggml.tokens' is 4611686018427387904");
        row("array count one too many", patched64(good, l.tokensCountAt, kTokens + 1), "truncated file");
        row("unknown value type", patched32(good, l.ctxTypeAt, 13), "value type of 'llama.context_length'");
        row("array of unknown type", patched32(good, l.tokensCountAt - 4, 77), "is unknown (77)");
        row("duplicate key",
            ggufFile(2, [](GgufWriter& w) { w.kvU32("a.b", 1).kvU32("a.b", 2); }, {}, 0), "'a.b' appears twice");
        row("empty key", ggufFile(1, [](GgufWriter& w) { w.kvU32("", 1); }, {}, 0), "empty key");
        {
            GgufWriter w;
            w.header(3, 0, 1).key("deep", kArray);
            for (int i = 0; i < 20; ++i) w.u32(kArray).u64(1);
            w.u32(kU8).u64(0);
            row("arrays nested too deep", w.bytes, "nests deeper than");
        }
        row("alignment zero", ggufFile(1, [](GgufWriter& w) { w.kvU32("general.alignment", 0); }, {}, 0),
            "general.alignment is 0, not a power of two");
        row("alignment 48", ggufFile(1, [](GgufWriter& w) { w.kvU32("general.alignment", 48); }, {}, 0),
            "not a power of two");
        row("offset off the declared alignment",
            ggufFile(1, [](GgufWriter& w) { w.kvU32("general.alignment", 64); }, {{"t", {4}, kTypeF32, 32}}, 48, 64),
            "not a multiple of the alignment 64");
        row("alignment string", ggufFile(1, [](GgufWriter& w) { w.kvString("general.alignment", "32"); }, {}, 0),
            "must be an unsigned integer");

        // Tensor table. (The good file has padding between its table and its data.)
        QVERIFY(l.dataAt > l.tableEnd + 1);
        row("cut in tensor table", good.substr(0, l.firstDimsAt + 2),
            "truncated file: dimension count of tensor 'token_embd.weight'");
        row("cut in tensor name", good.substr(0, l.tensorTableAt + 10), "name of tensor 0");
        row("cut before data section", good.substr(0, l.tableEnd + 1), "the tensor data section would start at byte");
        row("n_dims 5", patched32(good, l.firstDimsAt, 5), "tensor 'token_embd.weight' has 5 dimensions");
        row("unknown ggml type 200", patched32(good, l.firstTypeAt, 200), "unknown ggml type 200");
        row("removed ggml type 4", patched32(good, l.firstTypeAt, 4), "unknown ggml type 4");
        row("shape overflow", oneTensorFile({1ull << 32, 1ull << 32}, kTypeF32, 0), "has a shape too large");
        row("dimension above int64", oneTensorFile({1ull << 63}, kTypeF32, 0), "has a shape too large");
        row("size overflow", oneTensorFile({1ull << 62}, kTypeF32, 0), "has a shape too large");
        row("row not whole blocks", oneTensorFile({33, 2}, kTypeQ4_0, 64),
            "first dimension of 33, not a multiple of its block size 32");
        row("duplicate tensor", ggufFile(0, {}, {{"t", {4}, kTypeF32, 0}, {"t", {4}, kTypeF32, 32}}, 48),
            "tensor name 't' appears twice");

        // Data section.
        row("cut in data", good.substr(0, l.dataAt + 100), "tensor 'token_embd.weight' (128 bytes at data offset 0)");
        row("cut in last tensor", good.substr(0, good.size() - 1), "tensor 'output.weight' (72 bytes");
        row("offset past end", patched64(good, l.lastOffsetAt, 1 << 20), "runs past the end of the file");
        row("offset wraps around", patched64(good, l.lastOffsetAt, ~0ull - 31), "runs past the end of the file");
        row("offset misaligned", patched64(good, l.lastOffsetAt, 200), "not a multiple of the alignment 32");
        row("huge tensor", oneTensorFile({1ull << 40}, kTypeF32, 64), "runs past the end of the file");
    }

    void rejectsDamagedFiles() {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, expected);
        expectError(write("damaged.gguf", bytes.toStdString()), expected);
    }

    void rejectsMissingFile() {
        const fs::path missing = fs::path(dir_.path().toStdString()) / "missing.gguf";
        QVERIFY_THROWS_EXCEPTION(awq::Error, awq::readGguf(missing));
        expectError(missing, QStringLiteral("cannot open"));
    }

    // Every prefix of a good file is a truncated file: each must fail cleanly, none may load.
    void rejectsEveryTruncation() {
        const std::string good = llamaFile();
        const fs::path file = write("truncated.gguf", good);
        for (std::size_t n = good.size(); n-- > 0;) {
            fs::resize_file(file, n);
            const auto err = readError(file);
            QVERIFY2(err.has_value(), qPrintable(QStringLiteral("a file cut to %1 bytes loaded").arg(n)));
            QVERIFY2(err->file() == file, err->what());
        }
    }

    // Random damage to the header and tables: the reader may accept or reject, but only with awq::Error (any other
    // exception, a crash or a sanitizer report fails the test).
    void survivesRandomDamage() {
        LlamaLayout l;
        const std::string good = llamaFile(&l);
        std::mt19937 rng(20240611);
        std::uniform_int_distribution<std::size_t> where(0, l.dataAt - 1);
        std::uniform_int_distribution<int> byte(0, 255), flips(1, 4);
        const fs::path file = write("random.gguf", good);
        // Rewritten in place, same size: truncating and rewriting a file thousands of times makes ext4 flush it.
        std::fstream io(file, std::ios::in | std::ios::out | std::ios::binary);
        int rejected = 0;
        const int runs = 3000;
        for (int run = 0; run < runs; ++run) {
            std::string bytes = good;
            for (int f = flips(rng); f > 0; --f) bytes[where(rng)] = static_cast<char>(byte(rng));
            io.seekp(0);
            io.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
            io.flush();
            QVERIFY(io.good());
            if (readError(file)) ++rejected;
        }
        qInfo("%d of %d damaged files rejected", rejected, runs);
        QVERIFY(rejected > 0);
    }
};

QTEST_GUILESS_MAIN(TestGguf)
#include "test_gguf.moc"
