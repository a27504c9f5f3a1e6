#include "tests/ui/ui_fixtures.h"

#include "tests/support/test_paths.h"

#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

namespace fs = std::filesystem;

namespace awq::test {

void copyFixtureModel(const char* fixture, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(modelDir(fixture), to, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
    for (const auto& e : fs::recursive_directory_iterator(to))
        fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

void writeTruncatedModel(const fs::path& folder, std::uintmax_t bytes) {
    copyFixtureModel("tinystories-656k", folder);
    fs::resize_file(folder / "model.safetensors", bytes);
}

namespace {

class Bytes {
public:
    Bytes& u32(std::uint32_t v) { return le(v, 4); }
    Bytes& u64(std::uint64_t v) { return le(v, 8); }
    Bytes& f32(float v) {
        std::uint32_t bits;
        static_assert(sizeof bits == sizeof v);
        std::memcpy(&bits, &v, 4);
        return u32(bits);
    }
    Bytes& str(const std::string& s) {
        u64(s.size());
        data_.insert(data_.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& raw(const std::string& s) {
        data_.insert(data_.end(), s.begin(), s.end());
        return *this;
    }
    Bytes& padTo(std::size_t alignment) {
        while (data_.size() % alignment) data_.push_back(0);
        return *this;
    }
    const std::vector<char>& data() const { return data_; }

private:
    Bytes& le(std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) data_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
        return *this;
    }
    std::vector<char> data_;
};

enum : std::uint32_t { kU32 = 4, kString = 8, kArray = 9 };

}  // namespace

void writeSmallGguf(const fs::path& file, const std::string& name) {
    Bytes b;
    b.raw("GGUF").u32(3).u64(2).u64(7);
    b.str("general.architecture").u32(kString).str("llama");
    b.str("general.name").u32(kString).str(name);
    b.str("llama.block_count").u32(kU32).u32(2);
    b.str("llama.context_length").u32(kU32).u32(256);
    b.str("llama.embedding_length").u32(kU32).u32(8);
    b.str("tokenizer.ggml.model").u32(kString).str("gpt2");
    b.str("tokenizer.ggml.tokens").u32(kArray).u32(kString).u64(3).str("<s>").str("</s>").str("hello");
    // Tensor infos: name, n_dims, dims (ne[0] first), type (0 = F32), offset in the data section.
    b.str("token_embd.weight").u32(2).u64(8).u64(16).u32(0).u64(0);
    b.str("output_norm.weight").u32(1).u64(8).u32(0).u64(512);
    b.padTo(32);
    for (int i = 0; i < 8 * 16; ++i) b.f32(static_cast<float>(i) * 0.01f);
    for (int i = 0; i < 8; ++i) b.f32(1.0f);

    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out.write(b.data().data(), static_cast<std::streamsize>(b.data().size()));
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace awq::test
