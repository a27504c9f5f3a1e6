// awqbench-cli: the headless workbench. Each subcommand lives in its own *_commands.cpp.
// Built twice (app/cli/CMakeLists.txt): awqbench-cli without libtorch, which hands the engine's
// commands to awqbench-cli-engine, and awqbench-cli-engine with every command (engine_program.h).
#include "app/cli/cli_support.h"
#include "app/cli/did_you_mean.h"
#include "app/cli/engine_program.h"
#include "app/cli/models_commands.h"
#include "app/cli/report_commands.h"
#include "app/cli/pool_commands.h"
#include "app/cli/deploy_commands.h"
#include "app/cli/tokenize_commands.h"
#if AWQBENCH_HAVE_ENGINE
#include "app/cli/engine_commands.h"
#include "app/cli/quantize_commands.h"
#include "app/cli/compare_commands.h"
#endif
#if AWQBENCH_HAVE_SERVE
#include "app/cli/serve_commands.h"
#endif
#include "core/system/blas_kernels.h"
#include "core/util/logging.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace {
// --help shows each option's captured default, except where its description states the default in
// words (what 0 or "" stands for: "default: the model's context") and for empty lists ("[]").
void tidyHelpDefaults(CLI::App* app) {
    for (CLI::Option* option : app->get_options())
        if (option->get_default_str() == "[]" || option->get_description().find("default") != std::string::npos) option->default_str("");
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) tidyHelpDefaults(sub);
}

// Options that name a file or folder refuse an empty value at parse time: `--out ''` (a variable
// that expanded to nothing) otherwise ran a whole quantization and failed only when moving the
// result into place, leaving a hidden .partial in the current folder.
void refuseEmptyPaths(CLI::App* app) {
    static const std::set<std::string> pathOptions = {"--out",     "--model",  "--text",  "--calib",  "--battery",     "--file",
                                                      "--settings", "--pool",  "--trace", "--lora",   "--lora-a",      "--lora-b",
                                                      "--ref",      "--a",     "--b",     "--compose", "--vllm-config", "--command-file",
                                                      "--warm-pool"};
    // Options of those names that take the text itself: "" is text to tokenize, as a prompt may be "".
    static const std::set<std::pair<std::string, std::string>> literalText = {{"tokenize", "--text"}};
    const CLI::Validator nonEmpty([](std::string& value) { return value.empty() ? std::string("an empty path: give a file or folder name") : std::string(); },
                                  "");
    for (CLI::Option* option : app->get_options())
        if (option->get_expected_min() > 0 && !literalText.count({app->get_name(), option->get_name(false, true)}) &&
            std::any_of(pathOptions.begin(), pathOptions.end(), [&](const std::string& name) { return option->check_name(name); }))
            option->check(nonEmpty);
    for (CLI::App* sub : app->get_subcommands([](CLI::App*) { return true; })) refuseEmptyPaths(sub);
}
// The first word that is not an option where a subcommand belongs, when it names none, and the
// command it should belong to: "awqbench-cli bogus" got CLI11's "A subcommand is required", which
// hides the typo, as did "models shwo". Options before a subcommand take no value here, so the first
// such word below a command with subcommands is where its subcommand belongs.
struct UnknownSubcommand {
    std::string word;
    const CLI::App* parent;
};
std::optional<UnknownSubcommand> unknownSubcommand(const CLI::App& app, int argc, char** argv) {
    const CLI::App* current = &app;
    for (int i = 1; i < argc; ++i) {
        const std::string word = argv[i];
        if (word == "--") return std::nullopt;
        if (word.empty() || word[0] == '-') continue;
        const auto subs = current->get_subcommands([](const CLI::App*) { return true; });
        if (subs.empty()) return std::nullopt;   // a command's own arguments from here
        const auto named = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* sub) { return sub->check_name(word); });
        if (named == subs.end()) return UnknownSubcommand{word, current};
        current = *named;
    }
    return std::nullopt;
}

std::string subcommandNames(const CLI::App& app) {
    std::string names;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names += (names.empty() ? "" : ", ") + sub->get_name();
    return names;
}

// CLI11's "A subcommand is required" and "--model is required" for what the command line left out,
// said whole: which subcommands `awqbench-cli models` has, every required option missing (one at a
// time sent the user back once per flag). nullopt for other errors.
std::optional<std::string> missingPartsMessage(const CLI::App& app, const CLI::ParseError& e) {
    if (e.get_name() != "RequiredError") return std::nullopt;
    const CLI::App* at = &app;
    std::string command = "awqbench-cli";
    for (auto chosen = at->get_subcommands(); !chosen.empty(); chosen = at->get_subcommands()) {
        at = chosen.front();
        command += " " + at->get_name();
    }
    if (std::string_view(e.what()).starts_with("A subcommand is required"))
        return "error: " + command + " needs a subcommand: " + subcommandNames(*at) + " (" + command + " --help describes them)";
    std::string missing;
    int count = 0;
    for (const CLI::Option* option : at->get_options())
        if (option->get_required() && option->count() == 0) {
            missing += std::string(count ? " and " : "") + option->get_name(false, true);
            ++count;
        }
    if (count < 2) return std::nullopt;  // CLI11's own line names the one
    return "error: " + command + " needs " + missing + " (" + command + " --help describes them)";
}
}  // namespace

int main(int argc, char** argv) {
#if !AWQBENCH_HAVE_ENGINE
    if (const auto rc = awq::cli::runInEngineProgram(argc, argv)) return *rc;  // returns only where it could not hand over
#endif
    awq::selectBlasKernels();  // first, before any thread could run a matmul (blas_kernels.h)
    CLI::App app{"AWQ Workbench (headless): browse, quantize, compare and deploy local LLMs"};
    // --help shows every option's default value (subcommands inherit this when they are created).
    app.option_defaults()->always_capture_default();
    app.require_subcommand(1);
    app.set_version_flag("--version", AWQBENCH_VERSION);
    bool verbose = false;
    app.add_flag("-v,--verbose", verbose, "log debug messages to stderr");

    awq::cli::addModelsCommands(app);
    awq::cli::addReportCommands(app);
    awq::cli::addTokenizeCommands(app);
    awq::cli::addPoolCommands(app);
    awq::cli::addDeployCommands(app);
#if AWQBENCH_HAVE_ENGINE
    awq::cli::addEngineCommands(app);
    awq::cli::addQuantizeCommands(app);
    awq::cli::addCompareCommands(app);
#endif
#if AWQBENCH_HAVE_SERVE
    awq::cli::addServeCommands(app);
#endif
#if !AWQBENCH_HAVE_ENGINE
    awq::cli::addEngineCommandPlaceholders(app);
#endif

    tidyHelpDefaults(&app);
    refuseEmptyPaths(&app);

    app.parse_complete_callback([&] {
        awq::logging::init(awq::logging::defaultLogFile(), true,
                           verbose ? spdlog::level::debug : spdlog::level::warn);
    });
    if (const auto unknown = unknownSubcommand(app, argc, argv)) {
        const std::string& word = unknown->word;
        // A build without libtorch (AWQBENCH_WITH_TORCH=OFF) has no engine: say so rather than
        // calling `generate` a typo.
        if (const std::string why = awq::cli::engineCommandUnavailableReason(word); unknown->parent == &app && !why.empty()) {
            std::cerr << "error: " << why << "\n";
            return awq::cli::kExitUsage;
        }
        const std::string command = unknown->parent == &app ? "awqbench-cli" : "awqbench-cli " + unknown->parent->get_name();
        if (const auto close = awq::cli::subcommandSuggestion(*unknown->parent, word))
            std::cerr << "error: unknown subcommand '" << word << "': did you mean '" << *close << "'? (" << command << " --help describes them)\n";
        else
            std::cerr << "error: unknown subcommand '" << word << "' (the subcommands " << (unknown->parent == &app ? "" : "of " + command + " ")
                      << "are " << subcommandNames(*unknown->parent) << "; " << command << " --help describes them)\n";
        return awq::cli::kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help / --version: 0. A subcommand's own status (runOrExit's RuntimeError): 2 bad input, 3
        // internal. Everything else CLI11 rejects (unknown option, missing or invalid value) is a usage
        // error: 1, as README says, not CLI11's own codes (105, 106, 109, ...).
        if (const auto message = missingPartsMessage(app, e)) {
            std::cerr << *message << "\n";
            return awq::cli::kExitUsage;
        }
        const int rc = app.exit(e);
        if (rc == 0 || e.get_name() == "RuntimeError") return rc;
        // An unknown --word is what went wrong, whichever error CLI11 raised first ("--target is
        // required" for `promote --targt vl`).
        if (const std::string hint = awq::cli::optionSuggestion(app, argc, argv); !hint.empty()) std::cerr << hint << "\n";
        return awq::cli::kExitUsage;
    }
    return 0;
}
