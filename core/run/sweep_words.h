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

}  // namespace awq
