#include "core/util/read_file.h"

#include "core/util/error.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace awq {
namespace fs = std::filesystem;

std::string readFile(const fs::path& file, const std::string& what, const std::string& fix, std::uint64_t maxBytes) {
    const std::string cannot = "cannot read the " + what;
    std::error_code ec;
    if (fs::is_directory(file, ec)) throw Error(cannot + ": it is a folder", file, fix);
    // file_size first: it names a missing file or a permission problem in the system's words, and
    // lets an oversized file be refused before any of it is read.
    const auto size = fs::file_size(file, ec);
    if (ec) throw Error(cannot + ": " + ec.message(), file, fix);
    if (size > maxBytes)
        throw Error("is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) + " allowed for this " + what,
                    file, fix);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(cannot + ": it can't be opened", file, fix);
    std::ostringstream ss;
    ss << in.rdbuf();
    if (in.bad()) throw Error(cannot + ": the read failed", file, "check the disk");
    return std::move(ss).str();
}

}  // namespace awq
