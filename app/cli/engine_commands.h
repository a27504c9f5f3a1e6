#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `generate` and `eval ppl`: the built-in engine from the command line.
void addEngineCommands(CLI::App& app);

}  // namespace awq::cli
