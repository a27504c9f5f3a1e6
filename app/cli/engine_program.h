#pragma once
// The commands that need the inference engine (libtorch) run in a second program,
// awqbench-cli-engine, so that the others start without loading libtorch: linking libtorch costs
// every command ~1.2 s of start-up (its relocations and operator registration; an empty program
// linked to libtorch_cpu takes as long), where `models list` needs ~50 ms. git runs its transports
// the same way (git-remote-https holds libcurl; git itself does not link it).
//
// awqbench-cli (no libtorch) hands such a command line over whole with execv, so exit codes,
// signals, stdin/stdout and --help behave as if one program ran; awqbench-cli-engine alone is the
// whole CLI (every command), as awqbench-cli was before the split.
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace awq::cli {

struct EngineCommand {
    std::string_view name;
    std::string_view description;  // the --help line, one text for both programs
};

// The engine's top-level commands: generate, eval, profile, quantize, compare, sweep, serve.
extern const EngineCommand kEngineCommands[7];

// The description of engine command `name`, for the add*Commands that define it. Throws
// std::logic_error for a name not in kEngineCommands (a programming error).
std::string_view engineCommandDescription(std::string_view name);

// awqbench-cli's side: when argv's command is an engine command, runs argv in awqbench-cli-engine
// (beside this program, or in ../libexec/awqbench/ where installed) with execv and does not return
// on success; returns the exit code after printing why when the program is missing or cannot run;
// nullopt for every other command line (this program handles it).
std::optional<int> runInEngineProgram(int argc, char** argv);

// Why this build cannot run engine command `name` (built without libtorch, or serve without
// cpp-httplib), with the fix; "" when `name` is not an engine command.
std::string engineCommandUnavailableReason(std::string_view name);

// awqbench-cli's side: the engine commands as placeholders, so that --help lists them and a typo
// of one gets "did you mean"; their own --help and options are awqbench-cli-engine's.
void addEngineCommandPlaceholders(CLI::App& app);

}  // namespace awq::cli
