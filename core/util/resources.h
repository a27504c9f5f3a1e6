#pragma once
// Files the workbench ships (calibration text, prompt battery, the demo library): installed under
// <prefix>/share/awqbench, or in the source tree's resources/ when run from a build folder.
#include <filesystem>
#include <vector>

namespace awq {

// Where the shipped `relative` (a file or a folder) can be, in the order to search: the installed
// <executableDir>/../share/awqbench/`relative` (left out when executableDir is empty), then the
// source tree's resources/`relative`. The one place that knows both roots.
std::vector<std::filesystem::path> resourcePlaces(const std::filesystem::path& relative,
                                                  const std::filesystem::path& executableDir);

// The first existing regular file `relative` (e.g. "calibration/default.txt") among the installed
// resources of the running executable and the source resources; empty when neither has it.
std::filesystem::path findResourceFile(const std::filesystem::path& relative);

}  // namespace awq
