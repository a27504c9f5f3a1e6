#pragma once
// `sweep` against OpenAI-compatible endpoints: for each max concurrency, vLLM benchmark_serving's
// load (numPrompts requests, Poisson arrivals at the request rate or all at once) and its figures,
// as a sweep run document (knee, max concurrency under the p95 SLO, cost per 1M tokens as for the
// built-in engine). The document records each endpoint's URL and the model name it serves, never
// the API key.
#include "core/compare/sweep.h"
#include "core/serve/endpoint_client.h"

#include <stop_token>
#include <vector>

namespace awq::serve {

// One endpoint's sweep (its model name resolved, see resolveServedModel): an untimed warm-up
// request, then each of settings.concurrency as the max concurrency of `load`, with the derived
// figures. Events name `slot`. Stops between requests (the points measured so far, cancelled = true).
JobResult<SweepModel> runEndpointSweep(const Endpoint& endpoint, const SweepSettings& settings, LoadSettings load, const ServingSlo& slo,
                                       const std::string& slot = "A", const SweepCallback& onEvent = {}, std::stop_token stop = {});

// endpoints: A (and B). An endpoint without a model name takes the first one its /models lists.
// load.maxConcurrency is replaced by each of settings.concurrency; settings.maxNewTokens and
// prompt are every request's. Throws awq::Error when an endpoint is unreachable or does not serve the model.
RunDocument runEndpointSweepDocument(std::vector<Endpoint> endpoints, const SweepSettings& settings, LoadSettings load,
                                     const ServingSlo& slo, const SweepCallback& onEvent = {}, std::stop_token stop = {});

}  // namespace awq::serve
