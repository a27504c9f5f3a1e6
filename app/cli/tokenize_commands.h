#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `tokenize --model DIR (--text S | --file F) [--no-special] [--json]` prints ids and tokens;
// `chat-template --model DIR --messages FILE.json [--add-generation-prompt]` prints the rendered
// prompt exactly (nothing else on stdout).
void addTokenizeCommands(CLI::App& app);

}  // namespace awq::cli
