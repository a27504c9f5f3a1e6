#include "core/util/atomic_file.h"

#include "core/util/error.h"
#include "core/util/fs_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace awq {

AtomicFileWriter::AtomicFileWriter(std::filesystem::path target) : target_(linkTargetForWrite(target)) {
    // Renaming over a link, a pipe or a device would replace it with a plain file (and /dev/full
    // "written" without an error): a link is followed to its file, anything else but a file refused.
    std::error_code ec;
    const auto status = std::filesystem::status(target_, ec);
    if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        throw Error(std::filesystem::is_directory(status) ? "is a folder, not a file" : "is not a regular file (a device, pipe or socket)", target,
                    "give the path of a file to write");
    temp_ = target_;
    temp_ += ".tmp-" + std::to_string(::getpid());
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {  // named by the path the caller gave: the temporary name is ours, not the user's
        const int err = errno;
        if (auto e = userFilesystemError(std::error_code(err, std::generic_category()), target_, "cannot create", true)) throw *e;
        throw Error(std::string("cannot create: ") + std::strerror(err), target_, "check that the folder exists and is writable");
    }
}

AtomicFileWriter::~AtomicFileWriter() {
    if (fd_ >= 0) ::close(fd_);
    if (!committed_) {
        std::error_code ec;
        std::filesystem::remove(temp_, ec);
    }
}

void AtomicFileWriter::write(std::span<const std::byte> data) {
    const std::byte* p = data.data();
    std::size_t left = data.size();
    while (left > 0) {
        const ssize_t n = ::write(fd_, p, left);
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            throw Error(std::string("write failed: ") + std::strerror(err), target_,
                        err == ENOSPC || err == EDQUOT ? "the disk is full: free space and try again; nothing was replaced"
                        : err == EFBIG                 ? "the file size limit was reached (ulimit -f or the file system's); nothing was replaced"
                                                       : "nothing was replaced");
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
}

void AtomicFileWriter::write(std::string_view text) {
    write(std::as_bytes(std::span<const char>(text.data(), text.size())));
}

void AtomicFileWriter::commit() {
    if (::fsync(fd_) != 0)
        throw Error(std::string("fsync failed: ") + std::strerror(errno), target_, "nothing was replaced");
    ::close(fd_);
    fd_ = -1;
    std::error_code ec;
    std::filesystem::rename(temp_, target_, ec);
    if (ec) throw Error("cannot rename into place: " + ec.message(), target_, "nothing was replaced");
    committed_ = true;
}

std::filesystem::path linkTargetForWrite(const std::filesystem::path& path) {
    std::filesystem::path p = path;
    std::error_code ec;
    for (int hops = 0; std::filesystem::is_symlink(p, ec); ++hops) {
        if (hops == 40) throw Error("too many levels of symbolic links", path, "point the link at a file");
        const auto target = std::filesystem::read_symlink(p, ec);
        if (ec) throw Error("cannot read the link: " + ec.message(), p, "check the link");
        p = target.is_absolute() ? target : p.parent_path() / target;
    }
    return p;
}

void writeFileAtomically(const std::filesystem::path& target, std::string_view content) {
    AtomicFileWriter w(target);
    w.write(content);
    w.commit();
}

}  // namespace awq
