#include "core/util/read_file.h"

#include "core/util/error.h"

#include <fstream>
#include <sstream>
#include <system_error>

namespace awq {
namespace fs = std::filesystem;

void requireRegularFile(const fs::path& file, const std::string& what, const std::string& fix) {
    const std::string cannot = "cannot read the " + what;
    std::error_code ec;
    const auto status = fs::status(file, ec);
    if (ec) throw Error(cannot + ": " + ec.message(), file, fix);  // missing, or a permission problem, in the system's words
    if (fs::is_directory(status)) throw Error(cannot + ": it is a folder", file, fix);
    if (!fs::is_regular_file(status)) throw Error(cannot + ": it is not a regular file (a device, pipe or socket)", file, fix);
}

void requireText(std::string_view bytes, const fs::path& file, const std::string& what, std::uint64_t offset) {
    if (const auto nul = bytes.find('\0'); nul != std::string_view::npos)
        throw Error("is not text: a NUL byte at byte " + std::to_string(offset + nul) + " (a binary file?)", file,
                    "give the " + what + " as UTF-8 text");
}

void requireTextFile(const fs::path& file, const std::string& what, const std::string& fix, std::size_t headBytes) {
    requireRegularFile(file, what, fix);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read the " + what + ": it can't be opened", file, fix);
    std::string head(headBytes, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(std::size_t(in.gcount()));
    requireText(head, file, what);
}

std::string readTextFile(const fs::path& file, const std::string& what, const std::string& fix, std::uint64_t maxBytes) {
    std::string text = readFile(file, what, fix, maxBytes);
    requireText(text, file, what);
    return text;
}

std::string readFile(const fs::path& file, const std::string& what, const std::string& fix, std::uint64_t maxBytes) {
    const std::string cannot = "cannot read the " + what;
    requireRegularFile(file, what, fix);
    // The size first: an oversized file is refused before any of it is read.
    std::error_code ec;
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
