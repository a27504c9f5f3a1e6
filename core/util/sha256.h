#pragma once
// SHA-256 (FIPS 180-4). Used for model fingerprints and for verifying copies into the warm pool.
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

namespace awq {

class Sha256 {
public:
    Sha256();
    void update(std::span<const std::byte> data);
    void update(std::string_view text);
    std::array<std::uint8_t, 32> finish();  // the object must not be updated afterwards
    std::string finishHex();

    static std::string hex(std::string_view text);
    static std::string fileHex(const std::filesystem::path& file);  // throws awq::Error

private:
    void block(const std::uint8_t* p);
    std::array<std::uint32_t, 8> h_;
    std::array<std::uint8_t, 64> buf_{};
    std::size_t bufLen_ = 0;
    std::uint64_t total_ = 0;
};

}  // namespace awq
