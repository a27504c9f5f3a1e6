#pragma once
// Template variables for commands that render a chat template (chat-template, generate --chat):
// `--tools FILE.json` (a JSON list, as transformers' apply_chat_template(tools=...) takes it) and
// repeatable `--var KEY=JSON` (enable_thinking, custom ones).
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace awq::cli {

// The whole file; throws awq::Error naming it ("no such <what>", unreadable).
std::string readFileOrThrow(const std::filesystem::path& path, const char* what);

// name -> JSON text (core/tokenizer's ChatVariables). Throws awq::Error for a tools file that is
// not a JSON list, a --var without '=' or whose value is not JSON, and tools given twice.
std::map<std::string, std::string> chatVariables(const std::string& toolsFile, const std::vector<std::string>& vars);

// The stderr note for a model folder without a chat template, whose chat prompts go through
// awqbench's plain-text fallback (transformers and vLLM refuse such a model): "note: ...\n".
std::string chatFallbackNote(const std::string& model);

}  // namespace awq::cli
