#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `compare --a DIR --b DIR [--battery FILE|default|none] [--text FILE] ...` and
// `sweep --model DIR [--concurrency 1,2,4,8] ...`: side-by-side runs saved as RUN.json.
void addCompareCommands(CLI::App& app);

}  // namespace awq::cli
