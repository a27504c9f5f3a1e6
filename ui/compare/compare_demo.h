#pragma once
// Stages the Compare page for the README screenshot (awqbench --screenshot FILE --page compare):
// loads A and B and runs the built-in battery, saving the run in a scratch runs folder.
#include <QString>

namespace awq::ui {

class ComparePage;

// Returns false (and logs why) when loading or the battery fails or takes longer than `timeoutMs`.
bool runCompareDemo(ComparePage& page, const QString& a, const QString& b, const QString& runsFolder, int timeoutMs);

}  // namespace awq::ui
