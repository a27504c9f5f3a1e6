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

}  // namespace awq
