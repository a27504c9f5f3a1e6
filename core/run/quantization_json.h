#pragma once
// One spelling of a model's quantization as JSON, {"method", "bits", "group_size", "zero_point",
// "version"} and "made_with" where it is known (RunQuantization::madeWith), or null when not
// quantized: the run document's models.X.quantization (docs/run-format.md) and the "quantization" key of `awqbench-cli serve`'s /v1/models entries,
// which `compare --a URL` reads back into its run document.
#include "core/run/run_document.h"

#include <nlohmann/json.hpp>

#include <optional>

namespace awq {

// null for nullopt, else the object above.
nlohmann::json quantizationJson(const std::optional<RunQuantization>& q);

// The object above read leniently (a missing or mistyped key keeps its default): nullopt for null.
// Anything but null or an object throws nlohmann::json::type_error.
std::optional<RunQuantization> quantizationFromJson(const nlohmann::json& j);

}  // namespace awq
