#pragma once
// Logging for translation units that must not include spdlog: those that include torch, whose
// bundled fmt (PyTorch wheels) clashes with the system fmt spdlog is built against. Lines go to
// the same default logger as spdlog::info / spdlog::warn.
#include <string>

namespace awq::log {

void info(const std::string& line);
void warn(const std::string& line);

}  // namespace awq::log
