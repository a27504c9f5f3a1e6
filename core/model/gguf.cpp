#include "core/model/gguf.h"

#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_quote.h"
#include "core/util/mapped_file.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>
#include <unordered_set>
#include <utility>

namespace awq {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFixRedownload = "the file is damaged or incomplete: download or copy it again";
constexpr const char* kFixUpdate =
    "the file is damaged, or newer than AWQ Workbench understands: download it again or update AWQ Workbench";
constexpr const char* kFixReconvert = "convert the model again with a current llama.cpp (convert_hf_to_gguf.py)";

constexpr std::uint64_t kDefaultAlignment = 32;
constexpr std::uint32_t kMaxDims = 4;            // GGML_MAX_DIMS
constexpr int kMaxArrayNesting = 8;              // arrays of arrays: bounded so a crafted file cannot exhaust the stack

// ---- metadata value types ----------------------------------------------------------------------------------------

enum class ValueType : std::uint32_t {
    Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
    String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
};
constexpr std::uint32_t kValueTypeCount = 13;

constexpr std::array<const char*, kValueTypeCount> kValueTypeNames = {
    "uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64",
    "float64"};

const char* valueTypeName(ValueType t) { return kValueTypeNames[static_cast<std::uint32_t>(t)]; }

// Bytes a value of this type occupies at least: the fixed size, or the length/count prefix of strings and arrays
// (array: element type u32 + count u64). Used to bound untrusted counts by the bytes left in the file.
std::uint64_t minValueBytes(ValueType t) {
    switch (t) {
    case ValueType::Uint8: case ValueType::Int8: case ValueType::Bool: return 1;
    case ValueType::Uint16: case ValueType::Int16: return 2;
    case ValueType::Uint32: case ValueType::Int32: case ValueType::Float32: return 4;
    case ValueType::Uint64: case ValueType::Int64: case ValueType::Float64: case ValueType::String: return 8;
    case ValueType::Array: return 12;
    }
    return 1;
}

// ---- ggml tensor types (llama.cpp ggml.h enum ggml_type; block layouts from ggml-common.h) ------------------------

struct GgmlType {
    const char* name = nullptr;    // nullptr: id unused (removed from the format or never assigned)
    std::uint32_t blockSize = 0;   // elements per block
    std::uint32_t typeSize = 0;    // bytes per block
};

constexpr std::uint32_t kQK = 256;  // QK_K: super-block size of the k-quants and most IQ types

constexpr std::array<GgmlType, 41> kGgmlTypes = {{
    {"F32", 1, 4},          // 0
    {"F16", 1, 2},          // 1
    {"Q4_0", 32, 18},       // 2: f16 d + 16 B of nibbles
    {"Q4_1", 32, 20},       // 3: f16 d, m + 16 B
    {},                     // 4: Q4_2, removed
    {},                     // 5: Q4_3, removed
    {"Q5_0", 32, 22},       // 6
    {"Q5_1", 32, 24},       // 7
    {"Q8_0", 32, 34},       // 8
    {"Q8_1", 32, 36},       // 9
    {"Q2_K", kQK, 84},      // 10
    {"Q3_K", kQK, 110},     // 11
    {"Q4_K", kQK, 144},     // 12
    {"Q5_K", kQK, 176},     // 13
    {"Q6_K", kQK, 210},     // 14
    {"Q8_K", kQK, 292},     // 15
    {"IQ2_XXS", kQK, 66},   // 16
    {"IQ2_XS", kQK, 74},    // 17
    {"IQ3_XXS", kQK, 98},   // 18
    {"IQ1_S", kQK, 50},     // 19
    {"IQ4_NL", 32, 18},     // 20
    {"IQ3_S", kQK, 110},    // 21
    {"IQ2_S", kQK, 82},     // 22
    {"IQ4_XS", kQK, 136},   // 23
    {"I8", 1, 1},           // 24
    {"I16", 1, 2},          // 25
    {"I32", 1, 4},          // 26
    {"I64", 1, 8},          // 27
    {"F64", 1, 8},          // 28
    {"IQ1_M", kQK, 56},     // 29
    {"BF16", 1, 2},         // 30
    {},                     // 31: Q4_0_4_4, removed from GGUF files
    {},                     // 32: Q4_0_4_8, removed
    {},                     // 33: Q4_0_8_8, removed
    {"TQ1_0", kQK, 54},     // 34
    {"TQ2_0", kQK, 66},     // 35
    {},                     // 36: IQ4_NL_4_4, removed
    {},                     // 37: IQ4_NL_4_8, removed
    {},                     // 38: IQ4_NL_8_8, removed
    {"MXFP4", 32, 17},      // 39: e8m0 exponent + 16 B of e2m1 nibbles
    {"NVFP4", 64, 36},      // 40: 4 ue4m3 sub-block scales + 32 B of e2m1 nibbles
}};

const GgmlType* ggmlType(std::uint32_t id) {
    if (id >= kGgmlTypes.size() || kGgmlTypes[id].name == nullptr) return nullptr;
    return &kGgmlTypes[id];
}

// ---- checked arithmetic (every size here comes from an untrusted file) -------------------------------------------

bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

bool addChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (b > std::numeric_limits<std::uint64_t>::max() - a) return false;
    out = a + b;
    return true;
}

// std::byteswap is C++23; this one also works for float and double.
template <typename T>
T byteSwap(T v) {
    std::array<unsigned char, sizeof(T)> b;
    std::memcpy(b.data(), &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b.data(), sizeof(T));
    return v;
}

// ---- the cursor ------------------------------------------------------------------------------------------------

// Reads little-endian values from the mapped file; every read is checked against the end of the file.
class Reader {
public:
    Reader(std::span<const std::byte> bytes, const fs::path& file) : bytes_(bytes), file_(file) {}

    std::uint64_t pos() const { return pos_; }
    std::uint64_t remaining() const { return bytes_.size() - pos_; }

    [[noreturn]] void fail(const std::string& what, const char* fix = kFixRedownload) const {
        throw Error(what, file_, fix);
    }

    // `what` names the thing being read, so a truncated file says where it was cut.
    void need(std::uint64_t n, std::string_view what) const {
        if (n > remaining())
            fail("truncated file: " + std::string(what) + " at byte " + std::to_string(pos_) + " needs " +
                 std::to_string(n) + " bytes but the file ends at byte " + std::to_string(bytes_.size()));
    }

    template <typename T>
    T read(std::string_view what) {
        static_assert(std::is_trivially_copyable_v<T>);
        need(sizeof(T), what);
        T v;
        std::memcpy(&v, bytes_.data() + pos_, sizeof(T));
        pos_ += sizeof(T);
        if constexpr (std::endian::native == std::endian::big && sizeof(T) > 1) v = byteSwap(v);
        return v;
    }

    std::uint32_t u32(std::string_view what) { return read<std::uint32_t>(what); }
    std::uint64_t u64(std::string_view what) { return read<std::uint64_t>(what); }

    std::string string(std::string_view what) {
        const std::uint64_t len = stringLength(what);
        std::string s(reinterpret_cast<const char*>(bytes_.data() + pos_), static_cast<std::size_t>(len));
        pos_ += len;
        return s;
    }

    // Skips a string without copying it (array elements past the preview are counted, not kept).
    void skipString(std::string_view what) { pos_ += stringLength(what); }

    void skip(std::uint64_t n, std::string_view what) {
        need(n, what);
        pos_ += n;
    }

    // A count of items each at least `minItemBytes` long must fit in what is left of the file: a crafted count is
    // rejected here instead of becoming a huge allocation or a long loop.
    void checkCount(std::uint64_t count, std::uint64_t minItemBytes, std::string_view what) const {
        if (minItemBytes != 0 && count > remaining() / minItemBytes)
            fail(std::string(what) + " is " + std::to_string(count) + " but only " + std::to_string(remaining()) +
                 " bytes remain in the file, too few for that many (each takes at least " +
                 std::to_string(minItemBytes) + "): truncated or damaged file");
    }

private:
    // Reads a string's u64 length and checks the bytes are there, so a crafted length is never allocated.
    std::uint64_t stringLength(std::string_view what) {
        const std::uint64_t start = pos_;
        const std::uint64_t len = u64(what);
        if (len > remaining())
            fail(std::string(what) + " at byte " + std::to_string(start) + " is a string of " + std::to_string(len) +
                 " bytes but only " + std::to_string(remaining()) + " bytes remain in the file (truncated file?)");
        return len;
    }

    std::span<const std::byte> bytes_;
    const fs::path& file_;
    std::uint64_t pos_ = 0;
};

// ---- metadata ----------------------------------------------------------------------------------------------------

ValueType readValueType(Reader& r, std::string_view what) {
    const std::uint64_t at = r.pos();
    const std::uint32_t t = r.u32(what);
    if (t >= kValueTypeCount)
        r.fail(std::string(what) + " at byte " + std::to_string(at) + " is unknown (" + std::to_string(t) + ")",
               kFixUpdate);
    return static_cast<ValueType>(t);
}

GgufScalar readScalar(Reader& r, ValueType t, const std::string& key) {
    const std::string what = "value of '" + key + "'";
    switch (t) {
    case ValueType::Uint8: return std::uint64_t{r.read<std::uint8_t>(what)};
    case ValueType::Int8: return std::int64_t{r.read<std::int8_t>(what)};
    case ValueType::Uint16: return std::uint64_t{r.read<std::uint16_t>(what)};
    case ValueType::Int16: return std::int64_t{r.read<std::int16_t>(what)};
    case ValueType::Uint32: return std::uint64_t{r.read<std::uint32_t>(what)};
    case ValueType::Int32: return std::int64_t{r.read<std::int32_t>(what)};
    case ValueType::Uint64: return r.read<std::uint64_t>(what);
    case ValueType::Int64: return r.read<std::int64_t>(what);
    case ValueType::Float32: return double{r.read<float>(what)};
    case ValueType::Float64: return r.read<double>(what);
    // Any non-zero byte reads as true, as llama.cpp reads it.
    case ValueType::Bool: return r.read<std::uint8_t>(what) != 0;
    case ValueType::String: return r.string(what);
    case ValueType::Array: break;
    }
    r.fail("internal: array read as a scalar for '" + key + "'");
}

// Skips an array whose element type and count were just read, checking it against the end of the file.
void skipArrayBody(Reader& r, ValueType elem, std::uint64_t count, const std::string& key, int depth) {
    const std::string what = "element of array '" + key + "'";
    switch (elem) {
    case ValueType::String:
        for (std::uint64_t i = 0; i < count; ++i) r.skipString(what);
        return;
    case ValueType::Array:
        if (depth >= kMaxArrayNesting)
            r.fail("array '" + key + "' nests deeper than " + std::to_string(kMaxArrayNesting) + " levels");
        for (std::uint64_t i = 0; i < count; ++i) {
            const ValueType inner = readValueType(r, "element type of array '" + key + "'");
            const std::uint64_t n = r.u64("element count of array '" + key + "'");
            r.checkCount(n, minValueBytes(inner), "element count of array '" + key + "'");
            skipArrayBody(r, inner, n, key, depth + 1);
        }
        return;
    default:
        // checkCount already proved count * size fits in the file.
        r.skip(count * minValueBytes(elem), what);
        return;
    }
}

GgufArray readArray(Reader& r, const std::string& key) {
    GgufArray a;
    const ValueType elem = readValueType(r, "element type of array '" + key + "'");
    a.elementType = valueTypeName(elem);
    a.count = r.u64("element count of array '" + key + "'");
    r.checkCount(a.count, minValueBytes(elem), "element count of array '" + key + "'");
    if (elem == ValueType::Array) {
        // Arrays of arrays only count: a scalar preview cannot show them.
        skipArrayBody(r, elem, a.count, key, 1);
        return a;
    }
    const std::uint64_t kept = std::min<std::uint64_t>(a.count, kGgufArrayPreview);
    a.preview.reserve(static_cast<std::size_t>(kept));
    for (std::uint64_t i = 0; i < kept; ++i) a.preview.push_back(readScalar(r, elem, key));
    skipArrayBody(r, elem, a.count - kept, key, 1);
    return a;
}

GgufKeyValue readKeyValue(Reader& r, std::uint64_t index) {
    GgufKeyValue kv;
    kv.key = r.string("key of metadata entry " + std::to_string(index));
    if (kv.key.empty()) r.fail("metadata entry " + std::to_string(index) + " has an empty key");
    const ValueType t = readValueType(r, "value type of '" + kv.key + "'");
    kv.type = valueTypeName(t);
    if (t == ValueType::Array)
        kv.value = readArray(r, kv.key);
    else
        kv.value = readScalar(r, t, kv.key);
    return kv;
}

const GgufScalar* scalarOf(const GgufInfo& info, const std::string& key) {
    const GgufKeyValue* kv = info.find(key);
    if (!kv) return nullptr;
    return std::get_if<GgufScalar>(&kv->value);
}

// general.alignment: the spec makes it a uint32; we take any unsigned integer and insist on a power of two, since
// the data section and every tensor offset are aligned to it.
std::uint64_t alignmentOf(const GgufInfo& info, const Reader& r) {
    const GgufKeyValue* kv = info.find("general.alignment");
    if (!kv) return kDefaultAlignment;
    const GgufScalar* s = std::get_if<GgufScalar>(&kv->value);
    const std::uint64_t* v = s ? std::get_if<std::uint64_t>(s) : nullptr;
    if (!v) r.fail("general.alignment must be an unsigned integer, not " + kv->type, kFixReconvert);
    if (*v == 0 || !std::has_single_bit(*v))
        r.fail("general.alignment is " + std::to_string(*v) + ", not a power of two", kFixReconvert);
    return *v;
}

// ---- tensor table ------------------------------------------------------------------------------------------------

// Name, dims, type and offset; the size is derived from the shape and the type's block layout.
GgufTensor readTensorInfo(Reader& r, std::uint64_t index) {
    GgufTensor t;
    t.name = r.string("name of tensor " + std::to_string(index));
    const std::string what = "tensor '" + t.name + "'";
    const std::uint32_t nDims = r.u32("dimension count of " + what);
    if (nDims > kMaxDims)
        r.fail(what + " has " + std::to_string(nDims) + " dimensions; GGUF allows at most " + std::to_string(kMaxDims));
    t.shape.reserve(nDims);
    for (std::uint32_t d = 0; d < nDims; ++d) t.shape.push_back(r.u64("shape of " + what));

    const std::uint64_t typeAt = r.pos();
    const std::uint32_t typeId = r.u32("type of " + what);
    const GgmlType* type = ggmlType(typeId);
    if (!type)
        r.fail(what + " has unknown ggml type " + std::to_string(typeId) + " (at byte " + std::to_string(typeAt) + ")",
               kFixUpdate);
    t.type = type->name;
    t.offset = r.u64("data offset of " + what);

    // ggml keeps sizes in int64: every dimension and the element count must fit there.
    constexpr auto kMax = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    std::uint64_t elements = 1;
    for (std::uint64_t d : t.shape)
        if (d > kMax || !mulChecked(elements, d, elements) || elements > kMax) r.fail(what + " has a shape too large");
    const std::uint64_t ne0 = t.shape.empty() ? 1 : t.shape[0];
    if (ne0 % type->blockSize != 0)
        r.fail(what + " of type " + t.type + " has a first dimension of " + std::to_string(ne0) +
               ", not a multiple of its block size " + std::to_string(type->blockSize));
    // elements is a multiple of the block size too, since ne0 is.
    if (!mulChecked(elements / type->blockSize, type->typeSize, t.byteSize)) r.fail(what + " has a shape too large");
    return t;
}

void checkTensorPlacement(const GgufTensor& t, std::uint64_t alignment, std::uint64_t dataStart,
                          std::uint64_t fileSize, const Reader& r) {
    const std::string what = "tensor '" + t.name + "'";
    if (t.offset % alignment != 0)
        r.fail(what + " has data offset " + std::to_string(t.offset) + ", not a multiple of the alignment " +
               std::to_string(alignment));
    std::uint64_t end = 0;
    if (!addChecked(dataStart, t.offset, end) || !addChecked(end, t.byteSize, end) || end > fileSize)
        r.fail(what + " (" + std::to_string(t.byteSize) + " bytes at data offset " + std::to_string(t.offset) +
               ") runs past the end of the file (" + std::to_string(fileSize) + " bytes, data section at byte " +
               std::to_string(dataStart) + "); truncated file?");
}

std::uint64_t elementCount(const GgufTensor& t) {
    std::uint64_t n = 1;
    for (std::uint64_t d : t.shape) n *= d;  // checked when the tensor was read
    return n;
}

// ---- display -----------------------------------------------------------------------------------------------------

std::string formatFloat(double v, bool single) {
    std::array<char, 64> buf;
    const auto res = single ? std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<float>(v))
                            : std::to_chars(buf.data(), buf.data() + buf.size(), v);
    return std::string(buf.data(), res.ptr);
}

// Array elements are quoted and escaped so tokens such as "\n" or "," stay readable in a one-line list.

std::string formatScalar(const GgufScalar& s, std::string_view type, bool inArray) {
    return std::visit(
        [&](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) return inArray ? jsonQuoted(v) : v;
            else if constexpr (std::is_same_v<T, bool>) return v ? "true" : "false";
            else if constexpr (std::is_same_v<T, double>) return formatFloat(v, type == "float32");
            else return std::to_string(v);
        },
        s);
}

}  // namespace

std::string GgufKeyValue::displayValue() const {
    if (const auto* s = std::get_if<GgufScalar>(&value)) return formatScalar(*s, type, false);
    const auto& a = std::get<GgufArray>(value);
    if (a.elementType == "array") return "[...] (" + format::counted(a.count, "array") + ")";
    std::string out = "[";
    for (std::size_t i = 0; i < a.preview.size(); ++i) {
        if (i) out += ", ";
        out += formatScalar(a.preview[i], a.elementType, true);
    }
    if (a.count > a.preview.size()) out += a.preview.empty() ? "..." : ", ...";
    return out + "] (" + format::counted(a.count, "item") + ")";
}

const GgufKeyValue* GgufInfo::find(const std::string& key) const {
    for (const auto& kv : metadata)
        if (kv.key == key) return &kv;
    return nullptr;
}

GgufInfo readGguf(const fs::path& file) {
    const MappedFile mapped(file);
    Reader r(mapped.bytes(), file);

    GgufInfo info;
    info.file = file;
    info.fileSize = mapped.size();

    // Header: magic, version, tensor count, metadata count.
    if (mapped.size() < 4) r.fail("too short to be a GGUF file (" + std::to_string(mapped.size()) + " bytes)");
    const auto* magic = reinterpret_cast<const char*>(mapped.bytes().data());
    if (std::memcmp(magic, "GGUF", 4) != 0)
        r.fail("not a GGUF file: it starts with bytes other than the magic \"GGUF\"",
               "pick a .gguf file written by llama.cpp");
    r.skip(4, "magic");
    info.version = r.u32("version");
    if (info.version != 2 && info.version != 3) {
        const std::uint32_t swapped = byteSwap(info.version);
        if (swapped == 2 || swapped == 3)
            r.fail("big-endian GGUF files are not supported", "use the little-endian file llama.cpp writes by default");
        r.fail("unsupported GGUF version " + std::to_string(info.version) + " (supported: 2 and 3)",
               info.version < 2 ? kFixReconvert : kFixUpdate);
    }
    const std::uint64_t tensorCount = r.u64("tensor count");
    const std::uint64_t kvCount = r.u64("metadata count");
    // Smallest tensor info: empty name (8) + n_dims (4) + type (4) + offset (8); smallest entry: empty key (8) +
    // type (4) + one byte of value. Both tables must fit in the file.
    r.checkCount(tensorCount, 24, "tensor count");
    r.checkCount(kvCount, 13, "metadata count");

    std::unordered_set<std::string> seen;
    info.metadata.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(kvCount, 1024)));
    for (std::uint64_t i = 0; i < kvCount; ++i) {
        GgufKeyValue kv = readKeyValue(r, i);
        if (!seen.insert(kv.key).second) r.fail("metadata key '" + kv.key + "' appears twice");
        info.metadata.push_back(std::move(kv));
    }
    info.alignment = alignmentOf(info, r);

    seen.clear();
    info.tensors.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(tensorCount, 4096)));
    for (std::uint64_t i = 0; i < tensorCount; ++i) {
        GgufTensor t = readTensorInfo(r, i);
        if (!seen.insert(t.name).second) r.fail("tensor name '" + t.name + "' appears twice");
        info.tensors.push_back(std::move(t));
    }

    // The data section starts at the end of the tensor table, aligned up.
    std::uint64_t dataStart = 0;
    if (!addChecked(r.pos(), info.alignment - 1, dataStart)) r.fail("general.alignment is too large");
    dataStart -= dataStart % info.alignment;
    if (!info.tensors.empty() && dataStart > info.fileSize)
        r.fail("truncated file: the tensor data section would start at byte " + std::to_string(dataStart) +
               " but the file ends at byte " + std::to_string(info.fileSize));
    for (const auto& t : info.tensors) {
        checkTensorPlacement(t, info.alignment, dataStart, info.fileSize, r);
        if (!addChecked(info.parameterCount, elementCount(t), info.parameterCount))
            r.fail("the tensors hold more elements than can be counted");
    }

    if (const GgufScalar* arch = scalarOf(info, "general.architecture"))
        if (const auto* s = std::get_if<std::string>(arch)) info.architecture = *s;
    if (const GgufScalar* name = scalarOf(info, "general.name"))
        if (const auto* s = std::get_if<std::string>(name)) info.name = *s;
    if (info.name.empty()) info.name = file.stem().string();
    return info;
}

bool isGgufPath(const std::filesystem::path& path) {
    std::string extension = path.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(), [](unsigned char c) { return char(std::tolower(c)); });
    return extension == ".gguf";
}

}  // namespace awq
