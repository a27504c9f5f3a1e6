#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `tokenize --model DIR (--text S | --file F) [--no-special] [--json]` prints ids and tokens;
// `chat-template --model DIR --messages FILE.json [--add-generation-prompt] [--tools FILE.json]
// [--var KEY=JSON]...` prints the rendered prompt exactly (nothing else on stdout); --tools and
// --var pass template variables (tools, enable_thinking, custom ones) as transformers'
// apply_chat_template(tools=..., **kwargs) does.
void addTokenizeCommands(CLI::App& app);

}  // namespace awq::cli
