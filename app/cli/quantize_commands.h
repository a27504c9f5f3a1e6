#pragma once
#include <CLI/CLI.hpp>

namespace awq::cli {

// `quantize --model DIR --out DIR [--method awq|rtn] [--group N] [--calib FILE]... [--samples N]
// [--seqlen N] [--device cpu|cuda] [--resume] [--json-progress]`.
void addQuantizeCommands(CLI::App& app);

}  // namespace awq::cli
