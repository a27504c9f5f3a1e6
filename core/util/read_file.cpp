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

namespace {
// The offset of the first byte that does not start or continue a well-formed UTF-8 sequence
// (Unicode's Table 3-7: no overlong forms, surrogates or code points past U+10FFFF), or npos. A
// sequence cut by the end of `bytes` is well-formed when `cutEnd` (a file's first bytes only).
std::size_t firstInvalidUtf8(std::string_view bytes, bool cutEnd) {
    const auto* s = reinterpret_cast<const unsigned char*>(bytes.data());
    const std::size_t n = bytes.size();
    for (std::size_t i = 0; i < n;) {
        const unsigned char c = s[i];
        if (c < 0x80) {
            ++i;
            continue;
        }
        int length = 0;
        unsigned char low = 0x80, high = 0xBF;  // the second byte's range
        if (c >= 0xC2 && c <= 0xDF) length = 2;
        else if (c >= 0xE0 && c <= 0xEF) length = 3, low = c == 0xE0 ? 0xA0 : 0x80, high = c == 0xED ? 0x9F : 0xBF;
        else if (c >= 0xF0 && c <= 0xF4) length = 4, low = c == 0xF0 ? 0x90 : 0x80, high = c == 0xF4 ? 0x8F : 0xBF;
        else return i;
        for (int k = 1; k < length; ++k) {
            if (i + k >= n) return cutEnd ? std::string_view::npos : i;
            const unsigned char next = s[i + k];
            if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return i;
        }
        i += std::size_t(length);
    }
    return std::string_view::npos;
}

void requireTextBytes(std::string_view bytes, const fs::path& file, const std::string& what, std::uint64_t offset, bool cutEnd) {
    if (const auto nul = bytes.find('\0'); nul != std::string_view::npos)
        throw Error("is not text: a NUL byte at byte " + std::to_string(offset + nul) + " (a binary file?)", file,
                    "give the " + what + " as UTF-8 text");
    // Python's open(...).read(), which the Hugging Face tools read such text with, refuses the same.
    if (const auto bad = firstInvalidUtf8(bytes, cutEnd); bad != std::string_view::npos)
        throw Error("is not UTF-8: an invalid byte sequence at byte " + std::to_string(offset + bad) + " (another encoding, such as Latin-1 or "
                        "UTF-16, or a binary file?)",
                    file, "convert the " + what + " to UTF-8 (iconv -f ENCODING -t UTF-8)");
}
}  // namespace

void requireText(std::string_view bytes, const fs::path& file, const std::string& what, std::uint64_t offset) {
    requireTextBytes(bytes, file, what, offset, false);
}

void requireTextFile(const fs::path& file, const std::string& what, const std::string& fix, std::size_t headBytes) {
    requireRegularFile(file, what, fix);
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error("cannot read the " + what + ": it can't be opened", file, fix);
    std::string head(headBytes, '\0');
    in.read(head.data(), std::streamsize(head.size()));
    head.resize(std::size_t(in.gcount()));
    requireTextBytes(head, file, what, 0, head.size() == headBytes);  // a full head may end inside a character
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
