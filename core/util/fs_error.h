#pragma once
// Filesystem failures a user can fix (read-only file system, permissions, full disk, quota, a missing
// or non-folder parent) as awq::Error naming the path and the fix, instead of an "internal error".
#include "core/util/error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <system_error>

namespace awq {

// The user error for `ec` (an errno value in std::generic_category or system_category) met while
// doing `action` ("cannot create the folder", ...) on `path`; nullopt when the cause is not one the
// user can fix (then it stays an internal error). `creating`: the action creates `path` (or a file
// in it), so "no such file" where the folder exists means a file system that takes no new files
// (/proc, /sys) rather than a missing folder.
std::optional<Error> userFilesystemError(const std::error_code& ec, const std::filesystem::path& path, const std::string& action,
                                         bool creating = false);

// The same for an exception std::filesystem threw (its first path is named).
std::optional<Error> userFilesystemError(const std::filesystem::filesystem_error& e);

// The closest folder at or above `path` that exists (`path` made absolute first; "" is the working folder).
std::filesystem::path nearestExistingFolder(const std::filesystem::path& path);

// Throws the user error when files cannot be created in `folder`, or, if it does not exist yet, in
// the nearest existing folder above it (where it would be created). Proves it by creating and
// removing a probe file, as permission bits lie for root, read-only mounts and immutable folders.
void requireWritableFolder(const std::filesystem::path& folder);

}  // namespace awq
