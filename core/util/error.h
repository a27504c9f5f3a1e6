#pragma once
// One error type for everything core reports to a user: what went wrong, which file, and the fix.
#include <filesystem>
#include <stdexcept>
#include <string>

namespace awq {

class Error : public std::runtime_error {
public:
    Error(std::string what, std::filesystem::path file = {}, std::string fix = {});

    const std::filesystem::path& file() const noexcept { return file_; }
    const std::string& problem() const noexcept { return problem_; }
    const std::string& fix() const noexcept { return fix_; }

private:
    std::filesystem::path file_;
    std::string problem_;
    std::string fix_;
};

// e.what() for a user: without the C++ backtrace libtorch's c10::Error appends to its message
// ("Exception raised from addmm_impl_cpu_ at ...", then its frames), which tells a user nothing.
std::string exceptionMessage(const std::exception& e);

}  // namespace awq
