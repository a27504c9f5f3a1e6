#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `report RUN.json --out FILE [--format html|md|pdf|json]` exports a saved run as a report (the
// format follows --out's extension unless given).
void addReportCommands(CLI::App& app);

}  // namespace awq::cli
