#pragma once
// GGUF (llama.cpp) files: header, metadata key/values and the tensor table, bounds-checked. We show
// them in the library; we do not run them.
#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

namespace awq {

// What every command that runs a model (generate, eval, compare, serve, quantize) says of a GGUF
// file, and the fix: the library lists GGUF files for their metadata; nothing here runs them.
inline constexpr const char* kGgufNotRunnable =
    "a GGUF file: the built-in engine, quantizer and server run Hugging Face safetensors folders; GGUF files are listed for their metadata only";
inline constexpr const char* kGgufNotRunnableFix = "run it with llama.cpp or Ollama, or point at the model's Hugging Face folder";
// Whether `path` names a GGUF file by its extension (any case: ".gguf", ".GGUF").
bool isGgufPath(const std::filesystem::path& path);

// A metadata value. Arrays keep their element type name and, for display, their first elements
// (token lists have 100k+ entries: we keep at most kGgufArrayPreview of them plus the full count).
struct GgufArray;
using GgufScalar = std::variant<std::uint64_t, std::int64_t, double, bool, std::string>;

inline constexpr std::size_t kGgufArrayPreview = 16;

struct GgufArray {
    std::string elementType;   // "uint32", "string", ...
    std::uint64_t count = 0;
    std::vector<GgufScalar> preview;
};

struct GgufKeyValue {
    std::string key;
    std::string type;          // "uint32", "float32", "string", "array", ...
    std::variant<GgufScalar, GgufArray> value;

    std::string displayValue() const;  // human readable, arrays as "[a, b, ... ] (N items)"
};

struct GgufTensor {
    std::string name;
    std::vector<std::uint64_t> shape;  // as stored (ne[0] first)
    std::string type;                  // "F16", "Q4_K", ...
    std::uint64_t offset = 0;          // relative to the data section
    std::uint64_t byteSize = 0;
};

struct GgufInfo {
    std::filesystem::path file;
    std::uint32_t version = 0;
    std::uint64_t fileSize = 0;
    std::uint64_t alignment = 32;
    std::vector<GgufKeyValue> metadata;
    std::vector<GgufTensor> tensors;
    std::uint64_t parameterCount = 0;
    std::string architecture;          // general.architecture
    std::string name;                  // general.name, else the file stem

    const GgufKeyValue* find(const std::string& key) const;
};

// Throws awq::Error naming the file for bad magic, unsupported version, a count or length that
// runs past the end of the file, an unknown value or tensor type.
GgufInfo readGguf(const std::filesystem::path& file);

}  // namespace awq
