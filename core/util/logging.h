#pragma once
// spdlog set-up shared by the CLI and the GUI: a rotating log file plus optional listeners (the GUI
// log panel) that receive every formatted line.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include <spdlog/spdlog.h>

namespace awq::logging {

// Level names as spdlog spells them: "trace", "debug", "info", "warning", "error", "critical".
struct LogLine {
    std::string level;
    std::string text;
};
using LogListener = std::function<void(const LogLine&)>;

// Installs the default logger: stderr (for the CLI, when `toStderr`), a rotating file at `logFile`
// (if non-empty). Safe to call more than once; the last call wins.
void init(const std::filesystem::path& logFile, bool toStderr, spdlog::level::level_enum level = spdlog::level::info);

// Adds a listener; returns an id for removeListener. Listeners are called on the logging thread.
int addListener(LogListener listener);
void removeListener(int id);

// ~/.local/state/awqbench/awqbench.log (XDG_STATE_HOME honoured).
std::filesystem::path defaultLogFile();

}  // namespace awq::logging
