#pragma once
// An exclusive advisory lock on a folder (flock(2) on the folder itself, so nothing is written into
// it and a rename keeps the lock), held while the object lives. The kernel drops it when the
// process ends however it ends, so a killed job leaves no stale lock behind: the next run resumes.
#include <chrono>
#include <filesystem>
#include <optional>

namespace awq {

class FolderLock {
public:
    // The lock, or nullopt when another holder has it (another process, or another FolderLock of
    // this one) for all of `patience` (tried again every 10 ms: heldByAnother's probe holds a
    // shared lock for an instant, which must not turn a job away). Throws awq::Error naming the
    // folder when it cannot be opened.
    static std::optional<FolderLock> tryLock(const std::filesystem::path& folder,
                                             std::chrono::milliseconds patience = std::chrono::milliseconds(0));

    // Whether another holder has the lock now (a job writing the folder), without taking it: a
    // shared lock taken and dropped at once, so two probes never see each other. False where the
    // folder cannot be opened or locked (nothing can be said to hold it).
    static bool heldByAnother(const std::filesystem::path& folder);

    FolderLock(FolderLock&& other) noexcept;
    FolderLock& operator=(FolderLock&& other) noexcept;
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;
    ~FolderLock();

private:
    explicit FolderLock(int fd) : fd_(fd) {}
    int fd_ = -1;
};

}  // namespace awq
