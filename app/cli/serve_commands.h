#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `serve`: a local OpenAI-compatible server (cpp-httplib) over continuously batched engines.
void addServeCommands(CLI::App& app);

}  // namespace awq::cli
