#pragma once
// The settings of an interrupted quantize job, read back from its journal (awqbench_job.json in
// <output>.partial), so a user can resume it without typing them in again (the Quantize page's
// "Use the interrupted job's settings").
#include "core/quant/quantize_job.h"

#include <optional>

namespace awq {

// `current` with the method, group size, calibration files, samples, sequence length, grid and the
// GPTQ settings of the job interrupted in quantizeWorkFolderFor(current.output); the model, output,
// device and GPU memory cap stay `current`'s. A setting the journal leaves out takes the value the
// job then used (AutoAWQ's grid of 20 ratios, sym off); calibration files are taken as the job was
// given them (the resume check compares them so). Read as the resume check reads them
// (quant::recordedJob: a finished job's record first, else the journal). nullopt when there is
// neither or it cannot be read.
std::optional<QuantizeSettings> interruptedJobSettings(const QuantizeSettings& current);

}  // namespace awq
