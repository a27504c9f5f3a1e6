#include "core/util/error.h"

namespace awq {
namespace {
std::string compose(const std::string& what, const std::filesystem::path& file, const std::string& fix) {
    std::string msg = file.empty() ? what : file.string() + ": " + what;
    if (!fix.empty()) msg += " (" + fix + ")";
    return msg;
}
}  // namespace

Error::Error(std::string what, std::filesystem::path file, std::string fix)
    : std::runtime_error(compose(what, file, fix)), file_(std::move(file)), problem_(std::move(what)),
      fix_(std::move(fix)) {}

std::string exceptionMessage(const std::exception& e) {
    std::string what = e.what();
    if (const auto at = what.find("Exception raised from "); at != std::string::npos) what.erase(at);
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
    return what;
}

}  // namespace awq
