#pragma once
// Stages the Quantize page for the README screenshot (awqbench --screenshot FILE --page quantize):
// a short AWQ job on the CPU with the bundled calibration text, into a scratch folder, run to the end.
#include <QString>

namespace awq::ui {

class QuantizePage;

// Waits for the page's pre-flight and job through their signals (preflightChecked, jobFinished /
// jobFailed), all within `timeoutMs`. Returns false and logs why when the pre-flight refuses the
// job, the job fails or does not start, or the time runs out (the job is then cancelled).
bool runQuantizeDemo(QuantizePage& page, const QString& sourcePath, const QString& outputFolder, int timeoutMs);

}  // namespace awq::ui
