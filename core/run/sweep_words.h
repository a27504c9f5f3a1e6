#pragma once
// A sweep's capacity and cost in words, shared by the CLI summary and the report (as
// battery_scope.h is for a battery's totals), so both say the same thing.
#include "core/run/run_document.h"

#include <string>

namespace awq {

// Whether the highest concurrency under the SLO is the highest level the sweep tested: the model
// may well serve more, which the sweep did not try.
bool capacityIsHighestTested(const SweepModel& m);

// The max concurrency under the SLO: "4", "at least 8 (the highest level tested)", or "none".
std::string capacityUnderSloText(const SweepModel& m);

// "B costs 5.8% less per 1M output tokens than A" / "... 12.0% more ..." / "B costs the same per
// 1M output tokens as A"; "" when either cost is missing or A's is 0.
std::string costComparisonText(double costA, double costB);

}  // namespace awq
