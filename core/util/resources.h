#pragma once
// Files the workbench ships (calibration text, prompt battery): installed under
// <prefix>/share/awqbench, or in the source tree's resources/ when run from a build folder.
#include <filesystem>

namespace awq {

// The first existing regular file `relative` (e.g. "calibration/default.txt") among the installed
// and the source resources; empty when neither has it.
std::filesystem::path findResourceFile(const std::filesystem::path& relative);

}  // namespace awq
