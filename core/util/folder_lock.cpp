#include "core/util/folder_lock.h"

#include "core/util/error.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>
#include <utility>

namespace awq {

std::optional<FolderLock> FolderLock::tryLock(const std::filesystem::path& folder, std::chrono::milliseconds patience) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw Error(std::string("cannot open the folder to lock it: ") + std::strerror(errno), folder, "check that it exists and is readable");
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (true) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return FolderLock(fd);
        const int err = errno;
        if (err == EWOULDBLOCK && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            continue;
        }
        ::close(fd);
        if (err == EWOULDBLOCK) return std::nullopt;
        throw Error(std::string("cannot lock the folder: ") + std::strerror(err), folder, "check the file system supports locks (flock)");
    }
}

bool FolderLock::heldByAnother(const std::filesystem::path& folder) {
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    ::close(fd);  // drops the shared lock if it was taken
    return held;
}

FolderLock::FolderLock(FolderLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

FolderLock& FolderLock::operator=(FolderLock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
}

FolderLock::~FolderLock() {
    if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace awq
