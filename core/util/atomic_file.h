#pragma once
// Writes that never leave a half-written file behind: data goes to "<name>.tmp-<pid>" beside the
// target, is flushed to disk, and only then renamed over the target. A target that is a symbolic
// link is written through (the file at the end of the link is replaced, the link stays); a target
// that exists and is not a regular file (a folder, device, pipe, socket) is refused (awq::Error).
#include <cstddef>
#include <filesystem>
#include <functional>
#include <span>
#include <string_view>

namespace awq {

class AtomicFileWriter {
public:
    explicit AtomicFileWriter(std::filesystem::path target);  // throws awq::Error
    ~AtomicFileWriter();                                       // removes the temp file unless committed
    AtomicFileWriter(const AtomicFileWriter&) = delete;
    AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

    void write(std::span<const std::byte> data);  // throws awq::Error (disk full names the file)
    void write(std::string_view text);
    void commit();                                // fsync + rename into place

    const std::filesystem::path& tempPath() const noexcept { return temp_; }

private:
    std::filesystem::path target_;
    std::filesystem::path temp_;
    int fd_ = -1;
    bool committed_ = false;
};

// The file a write to `path` should replace so that a symbolic link stays a link: the end of its
// chain of links (relative links resolved against their own folder; a dangling one's target too),
// or `path` itself when it is not a link. Throws awq::Error for a chain of more than 40 links.
std::filesystem::path linkTargetForWrite(const std::filesystem::path& path);

// Convenience for small files (configs, JSON): the whole content at once.
void writeFileAtomically(const std::filesystem::path& target, std::string_view content);

}  // namespace awq
