#pragma once
// `compare` between two OpenAI-compatible endpoints (e.g. a vLLM `awq` and an `awq_marlin`
// deployment, or AWQ against FP16): the prompt battery test by test (A then B, one request at a
// time), each answer judged as the built-in engine's are, and speed from the streamed timings.
// Perplexity needs logits and is not measured. The document records each URL and served model
// name, never the API key.
#include "core/compare/compare_runner.h"
#include "core/serve/endpoint_client.h"

#include <stop_token>
#include <vector>

namespace awq::serve {

// endpoints: A and B (a model name left empty takes the first one the endpoint lists). Sampling
// and max new tokens from `run`. Throws awq::Error when an endpoint is unreachable or a request fails.
RunDocument runEndpointComparison(std::vector<Endpoint> endpoints, const Battery& battery, const RunSettings& run,
                                  const BatteryCallback& onEvent = {}, std::stop_token stop = {});

// Resolves endpoint.model against what it lists (first one when empty); throws awq::Error otherwise.
void resolveServedModel(Endpoint& endpoint);

}  // namespace awq::serve
