#pragma once
// The one way core and the CLI read a whole file into memory (binary, as bytes on disk).
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>

namespace awq {

// Reads all of `file`. `what` names it in errors ("battery file", "run document"); `fix` is the
// advice given when the file is missing or cannot be opened. Files larger than `maxBytes` are
// refused before they are read. Throws awq::Error naming `file`:
//   "cannot read the <what>: <reason>"  (missing, a folder, unreadable; the fix given)
//   "is N bytes, more than the M allowed for this <what>"  (the fix given)
//   "cannot read the <what>: the read failed"  (an I/O error midway; "check the disk")
std::string readFile(const std::filesystem::path& file, const std::string& what = "file",
                     const std::string& fix = "check the path and the file's permissions",
                     std::uint64_t maxBytes = std::numeric_limits<std::uint64_t>::max());

}  // namespace awq
