#pragma once
// What a battery's totals cover, in words: a cancelled comparison totals only the tests every
// model finished, and the CLI summary and the report both say so in the same sentence.
#include "core/run/run_document.h"

#include <string>

namespace awq {

// "cancelled after 2 of 16 tests: the totals and speed compare the 2 tests both models finished
// (a test only one of them finished is listed, not counted)" (the parenthesis only where there is
// such a test); "" when the battery is not partial (BatteryRun::partial()). With `stoppedReason`
// (RunDocument::stoppedReason: a side failed) it begins "stopped early (REASON) after 2 of 16 tests".
std::string partialBatteryNote(const BatteryRun& battery, const std::string& stoppedReason = {});

}  // namespace awq
