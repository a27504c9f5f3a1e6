#pragma once
// Read-only memory map of a whole file. Safetensors shards and GGUF files are read through it so
// tensors are never copied until someone needs them.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>

namespace awq {

class MappedFile {
public:
    explicit MappedFile(const std::filesystem::path& path);  // throws awq::Error
    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;
    MappedFile(MappedFile&& other) noexcept;
    MappedFile& operator=(MappedFile&& other) noexcept;

    std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
    std::size_t size() const noexcept { return size_; }
    const std::filesystem::path& path() const noexcept { return path_; }

private:
    std::filesystem::path path_;
    const std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace awq
