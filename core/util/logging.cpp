#include "core/util/logging.h"
#include "core/util/log_line.h"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdlib>
#include <map>
#include <mutex>

namespace awq::logging {
namespace {

class ListenerSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    int add(LogListener l) {
        std::lock_guard lock(mutex_);
        listeners_[++next_] = std::move(l);
        return next_;
    }
    void remove(int id) {
        std::lock_guard lock(mutex_);
        listeners_.erase(id);
    }

protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        const LogLine line{std::string(spdlog::level::to_string_view(msg.level).data()),
                           std::string(msg.payload.data(), msg.payload.size())};
        for (auto& [id, l] : listeners_) l(line);
    }
    void flush_() override {}

private:
    std::map<int, LogListener> listeners_;
    int next_ = 0;
};

std::shared_ptr<ListenerSink>& listenerSink() {
    static auto sink = std::make_shared<ListenerSink>();
    return sink;
}

}  // namespace

void init(const std::filesystem::path& logFile, bool toStderr, spdlog::level::level_enum level) {
    std::vector<spdlog::sink_ptr> sinks{listenerSink()};
    if (toStderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!logFile.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(logFile.parent_path(), ec);
        try {
            sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(logFile.string(), 5 << 20, 3));
        } catch (const spdlog::spdlog_ex& e) {
            // A read-only home must not stop the program; the other sinks still work.
            std::fprintf(stderr, "awqbench: cannot open log file %s: %s\n", logFile.c_str(), e.what());
        }
    }
    auto logger = std::make_shared<spdlog::logger>("awqbench", sinks.begin(), sinks.end());
    logger->set_level(level);
    logger->flush_on(spdlog::level::warn);
    spdlog::set_default_logger(logger);
}

int addListener(LogListener listener) { return listenerSink()->add(std::move(listener)); }
void removeListener(int id) { listenerSink()->remove(id); }

std::filesystem::path defaultLogFile() {
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        return std::filesystem::path(state) / "awqbench" / "awqbench.log";
    if (const char* home = std::getenv("HOME"); home && *home)
        return std::filesystem::path(home) / ".local" / "state" / "awqbench" / "awqbench.log";
    return std::filesystem::temp_directory_path() / "awqbench.log";
}

}  // namespace awq::logging

namespace awq::log {
void info(const std::string& line) { spdlog::info("{}", line); }
void warn(const std::string& line) { spdlog::warn("{}", line); }
}  // namespace awq::log
