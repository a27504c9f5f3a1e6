#include "app/cli/engine_program.h"

#include "app/cli/cli_support.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <string>
#include <system_error>

namespace fs = std::filesystem;

namespace awq::cli {

const EngineCommand kEngineCommands[7] = {
    {"generate", "generate text with the built-in engine (streams to stdout)"},
    {"eval", "evaluate model quality"},
    {"profile", "where a decode step's time goes: GPU kernels (CUDA) or torch operators (CPU), by category"},
    {"quantize", "quantize a model to 4-bit AWQ, GPTQ or round-to-nearest, layer by layer"},
    {"compare", "run a prompt battery (and optionally perplexity / KLD) on two models side by side"},
    {"sweep", "concurrency sweep: output tok/s and latency percentiles per number of concurrent sequences"},
    {"serve", "a local OpenAI-compatible server (/v1/models, /v1/completions, /v1/chat/completions)"},
};

namespace {
const EngineCommand* findEngineCommand(std::string_view name) {
    const auto* it = std::find_if(std::begin(kEngineCommands), std::end(kEngineCommands), [&](const EngineCommand& c) { return c.name == name; });
    return it == std::end(kEngineCommands) ? nullptr : it;
}

// Whether this build's awqbench-cli-engine defines `name` (serve needs cpp-httplib as well).
bool engineProgramHas(std::string_view name) {
#ifndef AWQBENCH_ENGINE_PROGRAM
    return false;
#elif AWQBENCH_ENGINE_HAS_SERVE
    return findEngineCommand(name) != nullptr;
#else
    return findEngineCommand(name) != nullptr && name != "serve";
#endif
}

#ifdef AWQBENCH_ENGINE_PROGRAM
// The top-level command of a command line: its first word that is not an option (the top level's
// options, -v / --help / --version, take no value), or nullopt.
std::optional<std::string_view> topLevelCommand(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string_view word = argv[i];
        if (word == "--") return std::nullopt;
        if (!word.empty() && word[0] != '-') return word;
    }
    return std::nullopt;
}

// Where awqbench-cli-engine is: beside this program (the build tree), or ../libexec/awqbench/ (an
// install, as the package lays it out). Empty when neither exists; `looked` lists both.
fs::path findEngineProgram(std::string& looked) {
    std::error_code ec;
    const fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec) {
        looked = "/proc/self/exe is unreadable";
        return {};
    }
    const fs::path candidates[] = {self.parent_path() / AWQBENCH_ENGINE_PROGRAM,
                                   self.parent_path().parent_path() / "libexec" / "awqbench" / AWQBENCH_ENGINE_PROGRAM};
    for (const fs::path& candidate : candidates) {
        looked += (looked.empty() ? "" : " or ") + candidate.lexically_normal().string();
        if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return {};
}
#endif
}  // namespace

std::string_view engineCommandDescription(std::string_view name) {
    if (const EngineCommand* command = findEngineCommand(name)) return command->description;
    throw std::logic_error("not an engine command: " + std::string(name));
}

std::string engineCommandUnavailableReason(std::string_view name) {
    if (!findEngineCommand(name) || engineProgramHas(name)) return "";
#ifdef AWQBENCH_ENGINE_PROGRAM
    return "'serve' needs cpp-httplib, and this awqbench-cli was built without it; install libcpp-httplib-dev (Debian), then ./tools/build.sh";
#else
    return "'" + std::string(name) +
           "' needs the inference engine, and this awqbench-cli was built without it (AWQBENCH_WITH_TORCH=OFF: no libtorch); build with "
           "libtorch (./tools/install-deps.sh, then ./tools/build.sh)";
#endif
}

std::optional<int> runInEngineProgram([[maybe_unused]] int argc, [[maybe_unused]] char** argv) {
#ifndef AWQBENCH_ENGINE_PROGRAM
    return std::nullopt;  // no engine in this build: main says so for these commands
#else
    const auto command = topLevelCommand(argc, argv);
    if (!command || !engineProgramHas(*command)) return std::nullopt;
    std::string looked;
    const fs::path program = findEngineProgram(looked);
    if (program.empty()) {
        std::cerr << "error: '" << *command << "' runs in " AWQBENCH_ENGINE_PROGRAM ", which is missing (looked for " << looked
                  << "): reinstall awqbench, or build it (./tools/build.sh builds both programs)\n";
        return kExitInternal;
    }
    ::execv(program.c_str(), argv);  // argv[argc] is null, as execv needs; returns only on failure
    std::cerr << "error: cannot run " << program.string() << ": " << std::strerror(errno) << " (reinstall awqbench)\n";
    return kExitInternal;
#endif
}

void addEngineCommandPlaceholders(CLI::App& app) {
    for (const EngineCommand& command : kEngineCommands)
        if (engineProgramHas(command.name)) app.add_subcommand(std::string(command.name), std::string(command.description))->allow_extras();
}

}  // namespace awq::cli
