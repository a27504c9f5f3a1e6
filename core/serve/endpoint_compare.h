#pragma once
// `compare` with OpenAI-compatible endpoints on either side (e.g. a vLLM `awq` against an
// `awq_marlin` deployment, or a deployed AWQ model against the FP16 folder here): the prompt
// battery test by test (A then B, one request at a time), each answer judged as the built-in
// engine's are, speed from the streamed timings. Perplexity and KLD need logits, which an endpoint
// does not give: they are measured for a model folder only, and the document's notes say what is
// missing. The document records each URL and served model name, never the API key.
#include "core/compare/compare_runner.h"
#include "core/serve/endpoint_client.h"

#include <array>
#include <filesystem>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq::serve {

// One side of a comparison: an endpoint, or else a model folder (with an optional LoRA adapter)
// loaded on the built-in engine.
struct CompareSide {
    std::optional<Endpoint> endpoint;
    std::filesystem::path folder, lora;
};

// Resolves endpoint.model against what it lists (first one when empty); throws awq::Error otherwise.
void resolveServedModel(Endpoint& endpoint);
// models.X of an endpoint: the served model name, the URL as its path (the rest unknown here).
RunModel endpointIdentity(const Endpoint& endpoint);
// The endpoint's battery side: /chat/completions for chat tests, else /completions, streamed;
// sampling and max new tokens from `run`. Throws awq::Error when a request fails.
BatterySide endpointSide(const Endpoint& endpoint, const std::string& slot, const RunSettings& run);
// Why figures are missing for an endpoint side ("B (URL) is an OpenAI endpoint: ..."), for the
// document's notes and the Compare page.
std::string endpointNote(const std::string& slot, const Endpoint& endpoint, bool qualityAsked);

// The quality check's note when `endpointSlot` is an endpoint: why there is no KLD.
std::string endpointQualityNote(const std::string& endpointSlot);

// Loads the folders, resolves the endpoints' model names, runs the battery (when given) and the
// quality check (when given: perplexity of the folder sides, KLD only between two folders).
// Throws awq::Error when an endpoint is unreachable or a request fails; on cancellation the
// document holds what finished and cancelled = true.
RunDocument runMixedComparison(std::array<CompareSide, 2> sides, const std::optional<Battery>& battery,
                               const std::optional<QualityOptions>& quality, const RunSettings& run,
                               const CompareCallback& onEvent = {}, std::stop_token stop = {});

}  // namespace awq::serve
