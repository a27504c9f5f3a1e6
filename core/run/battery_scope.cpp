#include "core/run/battery_scope.h"

namespace awq {

std::string partialBatteryNote(const BatteryRun& b, const std::string& stoppedReason) {
    if (!b.partial()) return {};
    const int done = b.testsEverySideFinished();
    const bool two = b.totals.size() == 2;
    const std::string tests = std::to_string(done) + (done == 1 ? " test " : " tests ");
    std::string note = (stoppedReason.empty() ? "cancelled after " : "stopped early (" + stoppedReason + ") after ") + std::to_string(done) + " of " + std::to_string(b.plannedTests) +
                       " tests: the totals and speed compare the " + tests + (two ? "both models" : "every model") + " finished";
    if (int(b.tests.size()) > done) note += std::string(" (a test only ") + (two ? "one of them" : "some of them") + " finished is listed, not counted)";
    return note;
}

}  // namespace awq
