#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `target add|list|remove`, `promote`, `undo`, `history`: deployment targets and promotion.
void addDeployCommands(CLI::App& app);

}  // namespace awq::cli
