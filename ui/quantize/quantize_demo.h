#pragma once
// Stages the Quantize page for the README screenshot (awqbench --screenshot FILE --page quantize):
// a short AWQ job on the CPU with the bundled calibration text, into a scratch folder, run to the end.
#include <QString>

namespace awq::ui {

class QuantizePage;

// Returns false (and logs why) when the job cannot start or does not finish within `timeoutMs`.
bool runQuantizeDemo(QuantizePage& page, const QString& sourcePath, const QString& outputFolder, int timeoutMs);

}  // namespace awq::ui
