// awqbench-cli: the headless workbench. Each subcommand lives in its own *_commands.cpp.
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
#include "core/util/logging.h"

#include <CLI/CLI.hpp>

int main(int argc, char** argv) {
    CLI::App app{"AWQ Workbench (headless): browse, quantize, compare and deploy local LLMs"};
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

    app.parse_complete_callback([&] {
        awq::logging::init(awq::logging::defaultLogFile(), true,
                           verbose ? spdlog::level::debug : spdlog::level::warn);
    });
    CLI11_PARSE(app, argc, argv);
    return 0;
}
