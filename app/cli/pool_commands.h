#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `pool list|add|remove|verify|config`: the warm pool (README.md, CLI section).
void addPoolCommands(CLI::App& app);

}  // namespace awq::cli
