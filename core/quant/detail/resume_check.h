#pragma once
// The check a --resume makes before it continues the job it finds in <output>.partial, shared by
// the job (runQuantizeJob refuses to start) and the pre-flight (preflightQuantizeJob reports it as a
// problem before anything starts), so both say the same thing in the same words.
#include "core/quant/model_writer.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace awq::quant {

// The job a --resume of `writer`'s work folder would continue: where the job wrote everything (its
// record, awqbench_quantization.json, is there) the record's settings, called "the finished job";
// else the journal's (awqbench_job.json), "the interrupted job". Reads only. Throws awq::Error naming
// the record or the journal when it is missing, damaged or incomplete, with the fix (delete the
// .partial folder and start over).
struct RecordedJob {
    nlohmann::json settings;
    std::string what;  // "the finished job" / "the interrupted job", as checkResumeSettings names it
};
RecordedJob recordedJob(const QuantizedModelWriter& writer);

// checkResumeSettings(recordedJob(writer).settings, now, writer.workFolder(), what): throws
// awq::Error when the resume would be refused (settings named by their flags, or the calibration
// file whose text changed, each with the fix); returns the warnings a resume would give. `now` is
// jobSettingsJson of the settings about to run. A work folder holding nothing (a job that died before
// its first write) is a fresh start, not a resume: nothing to check.
std::vector<std::string> checkResumeOfWorkFolder(const QuantizedModelWriter& writer, const nlohmann::json& now);

}  // namespace awq::quant
