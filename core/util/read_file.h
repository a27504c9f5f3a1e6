#pragma once
// The one way core and the CLI read a whole file into memory (binary, as bytes on disk).
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <string_view>

namespace awq {

// Reads all of `file`. `what` names it in errors ("battery file", "run document"); `fix` is the
// advice given when the file is missing or cannot be opened. Files larger than `maxBytes` are
// refused before they are read. Throws awq::Error naming `file`:
//   "cannot read the <what>: <reason>"  (missing, a folder, a device / pipe / socket such as
//                                        /dev/null, unreadable; the fix given)
//   "is N bytes, more than the M allowed for this <what>"  (the fix given)
//   "cannot read the <what>: the read failed"  (an I/O error midway; "check the disk")
std::string readFile(const std::filesystem::path& file, const std::string& what = "file",
                     const std::string& fix = "check the path and the file's permissions",
                     std::uint64_t maxBytes = std::numeric_limits<std::uint64_t>::max());

// The checks readFile makes before reading, for callers that stream a file: throws the same
// "cannot read the <what>: ..." errors for a missing path, a folder or a device / pipe / socket.
void requireRegularFile(const std::filesystem::path& file, const std::string& what = "file",
                        const std::string& fix = "check the path and the file's permissions");

// Throws awq::Error naming `file`, "is not text: a NUL byte at byte N (a binary file?)", when
// `bytes` (the file's contents from byte `offset` on) hold a NUL byte: a weights file or an archive
// given where a UTF-8 text is expected (text in UTF-16 is refused too; it is not UTF-8); and "is not
// UTF-8: an invalid byte sequence at byte N" for bytes that are not well-formed UTF-8 (Latin-1 text),
// as Python's open().read() refuses them.
void requireText(std::string_view bytes, const std::filesystem::path& file, const std::string& what, std::uint64_t offset = 0);

// For a text file read as a stream (calibration text, possibly large): requireRegularFile, then
// requireText on its first `headBytes`.
void requireTextFile(const std::filesystem::path& file, const std::string& what, const std::string& fix = "check the path",
                     std::size_t headBytes = 64 * 1024);

// readFile, then requireText: a UTF-8 text file read whole (evaluation text).
std::string readTextFile(const std::filesystem::path& file, const std::string& what, const std::string& fix = "check the path",
                         std::uint64_t maxBytes = std::numeric_limits<std::uint64_t>::max());

}  // namespace awq
