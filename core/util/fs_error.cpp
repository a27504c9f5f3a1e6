#include "core/util/fs_error.h"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace awq {
namespace fs = std::filesystem;

std::optional<Error> userFilesystemError(const std::error_code& ec, const fs::path& path, const std::string& action, bool creating) {
    if (ec.category() != std::generic_category() && ec.category() != std::system_category()) return std::nullopt;
    const std::string what = action + ": " + ec.message();
    switch (ec.value()) {
        case EROFS:
            return Error(what, path, "the file system is mounted read-only: choose a folder on a writable disk");
        case EACCES:
        case EPERM:
            return Error(what, path, "you may not write there (permissions, or an immutable folder): choose another folder or change its permissions");
        case ENOSPC:
            return Error(what, path, "the disk is full: free space or choose another disk");
        case EDQUOT:
            return Error(what, path, "your disk quota is used up: free space or choose another disk");
        case ENOENT: {
            std::error_code probe;
            if (creating && (fs::is_directory(path, probe) || (!path.parent_path().empty() && fs::is_directory(path.parent_path(), probe))))
                return Error(what, path, "this file system takes no new files, as virtual ones such as /proc and /sys do: choose a folder on a disk");
            return Error(what, path, "a folder on the way does not exist: create it or choose another path");
        }
        case ENOTDIR:
            return Error(what, path, "a file is where a folder is expected on the way: choose another path or move the file");
        case EEXIST:
            return Error(what, path, "something is already there: move it away or choose another path");
        case ENAMETOOLONG:
            return Error(what, path, "the path is too long: choose a shorter one");
        default:
            return std::nullopt;
    }
}

std::optional<Error> userFilesystemError(const fs::filesystem_error& e) {
    // e.what() repeats the paths; the action is the text before libstdc++'s ": <message>".
    std::string action = e.what();
    if (const auto colon = action.find(": "); colon != std::string::npos) action = action.substr(colon + 2);
    if (const auto colon = action.find(": "); colon != std::string::npos) action.resize(colon);
    return userFilesystemError(e.code(), e.path1(), action.empty() ? "filesystem error" : action);
}

fs::path nearestExistingFolder(const fs::path& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path.empty() ? fs::path(".") : path, ec);  // "out" has the parent "": the working folder
    if (ec) p = path;
    while (!p.empty() && !fs::exists(p, ec) && p != p.parent_path()) p = p.parent_path();
    return p;
}

void requireWritableFolder(const fs::path& folder) {
    const fs::path base = nearestExistingFolder(folder);
    std::error_code ec;
    if (!fs::is_directory(base, ec))
        throw *userFilesystemError(std::make_error_code(std::errc::not_a_directory), base, "cannot create folders below it");
    const fs::path probe = base / (".awqbench-write-test-" + std::to_string(::getpid()));
    const int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        const std::error_code err(errno, std::generic_category());
        if (auto e = userFilesystemError(err, base, "cannot create files in this folder", true)) throw *e;
        throw Error("cannot create files in this folder: " + err.message(), base, "choose another folder");
    }
    ::close(fd);
    fs::remove(probe, ec);
}

}  // namespace awq
