#include "core/util/dead_writer.h"

#include <cerrno>
#include <csignal>
#include <system_error>
#include <unistd.h>

namespace awq {
namespace fs = std::filesystem;

std::optional<long> writerPidOf(std::string_view name, std::string_view marker) {
    const auto at = name.rfind(marker);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view digits = name.substr(at + marker.size());
    if (digits.empty() || digits.size() > 9) return std::nullopt;
    long pid = 0;
    for (const char c : digits) {
        if (c < '0' || c > '9') return std::nullopt;
        pid = pid * 10 + (c - '0');
    }
    return pid > 0 ? std::optional<long>(pid) : std::nullopt;
}

bool processAlive(long pid) {
    if (pid == long(::getpid())) return true;
    // kill(pid, 0) checks without signalling; EPERM means it exists but belongs to someone else.
    return ::kill(pid_t(pid), 0) == 0 || errno == EPERM;
}

bool leftByDeadWriter(std::string_view name, std::string_view marker) {
    const auto pid = writerPidOf(name, marker);
    return pid && !processAlive(*pid);
}

std::vector<fs::path> removeDeadWriterTempFiles(const fs::path& folder) {
    std::vector<fs::path> removed;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(folder, ec)) {
        if (!e.is_regular_file(ec) || e.is_symlink(ec)) continue;
        if (!leftByDeadWriter(e.path().filename().string(), ".tmp-")) continue;
        if (fs::remove(e.path(), ec)) removed.push_back(e.path());
    }
    return removed;
}

}  // namespace awq
