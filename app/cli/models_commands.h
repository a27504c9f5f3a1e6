#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `models list [DIR...] [--warm-pool DIR] [--json]` and `models show PATH [--json] [--context N]`.
void addModelsCommands(CLI::App& app);

}  // namespace awq::cli
