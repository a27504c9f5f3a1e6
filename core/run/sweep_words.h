#pragma once
// A sweep's capacity and cost in words, shared by the CLI summary and the report (as
// battery_scope.h is for a battery's totals), so both say the same thing.
#include "core/run/run_document.h"

#include <optional>
#include <string>
#include <vector>

namespace awq {

// The knee: the first level after which no later level adds >= minGain (15%) output tokens/s over
// the best so far (nothing: still scaling at the highest level). A one-level dip is noise, not the
// end of scaling: 195 / 182 / 285 tok/s at 1 / 2 / 4 has no knee (it read "knee: 1", the first
// level whose next one added < 15%). Nothing as well where the data is too noisy (kneeTooNoisy).
std::optional<int> kneeConcurrencyOf(const std::vector<SweepPoint>& points, double minGain = 0.15);

// Throughput fell >= minGain below the best so far at some level and a later level climbed back
// to >= that best: the levels disagree more than the knee's 15% step, so no knee is placed.
bool kneeTooNoisy(const std::vector<SweepPoint>& points, double minGain = 0.15);

// The knee in words: "4", "not reached (throughput still grows)", or "not placed: ... too noisy".
std::string kneeText(const SweepModel& m);

// Whether the highest concurrency under the SLO is the highest level the sweep tested: the model
// may well serve more, which the sweep did not try.
bool capacityIsHighestTested(const SweepModel& m);

// The max concurrency under the SLO: "4", "at least 8 (the highest level tested)", or "none".
std::string capacityUnderSloText(const SweepModel& m);

// "B costs 5.8% less per 1M output tokens than A" / "... 12.0% more ..." / "B costs the same per
// 1M output tokens as A"; "" when either cost is missing or A's is 0.
std::string costComparisonText(double costA, double costB);

// What a sweep's requests produced against the max_new_tokens each asked for (points'
// output_tokens*, counted since they were recorded), in the words the CLI and every report share.

// The phrase after "Concurrent requests of the prompt ...": "64 new tokens each" (the built-in
// engine, which ignores end-of-text; an endpoint whose every counted request produced all 64 adds
// how they were counted), "64 new tokens asked of each" where some request produced fewer (then
// tokenShortfallText says how many), and for an endpoint document written before counting,
// "64 new tokens asked of each (what the server produced was not counted in this run)".
std::string sweepTokensEachText(const SweepRun& sweep);

// Where one of `model`'s counted requests produced fewer than sweep.maxNewTokens: the range, the
// mean and why it matters, e.g. "the server produced fewer tokens than the 64 asked of each request:
// 9 to 64 per request, 40.5 on average over 16 requests (counted from the server's
// usage.completion_tokens). ..." ("9 per request" when all produced as many; no leading slot name,
// no final period). nullopt otherwise.
std::optional<std::string> tokenShortfallText(const SweepRun& sweep, const SweepModel& model);

// A point's tokens per request for a table cell: "64", "9-64 (mean 40.5)"; "-" when not counted.
std::string pointTokensText(const SweepPoint& point);

}  // namespace awq
