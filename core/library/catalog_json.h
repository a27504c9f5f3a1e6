#pragma once
// The JSON form of catalog entries, shared by `awqbench-cli models list/show --json` and anything
// else that exports model facts. Keys are documented in README.md ("CLI JSON").
#include "core/library/catalog.h"

#include <string>
#include <vector>

namespace awq {

std::string catalogEntryToJson(const CatalogEntry& entry, bool includeTensors, int indent = 2);
std::string catalogToJson(const std::vector<CatalogEntry>& entries, int indent = 2);

}  // namespace awq
