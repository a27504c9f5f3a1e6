#pragma once
// A quantize job's settings as its journal and its record keep them ("settings" of
// awqbench_job.json / awqbench_quantization.json), and the check that a --resume continues the
// very job it finds: the same flags, the same source model and the same calibration text. The
// text is compared by content (SHA-256 of each file), not by name: the same file name with other
// text would otherwise calibrate the remaining layers on other activations than the finished ones.
#include "core/model/model_info.h"
#include "core/quant/quantize_job.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace awq::quant {

// The settings' key of the calibration files as read (absolute path and SHA-256 of each).
inline constexpr const char* kCalibrationInputsKey = "calibration_inputs";

// One calibration file of a job: where it is (absolute) and the SHA-256 of all its bytes.
struct CalibrationInput {
    std::filesystem::path file;
    std::string sha256;
};

// The files of `files` (the settings' files, or the bundled default the job falls back to), each
// hashed whole. Throws awq::Error naming a file that is missing or cannot be read.
std::vector<CalibrationInput> calibrationInputs(const std::vector<std::filesystem::path>& files);

// The settings a journal records: method, group, samples, seqlen, the calibration files as given
// (`calibration_files`) and as read (`calibration_inputs`: absolute path and SHA-256 of each),
// the source model's fingerprint, and the method's own settings.
nlohmann::json jobSettingsJson(const QuantizeSettings& s, const ModelInfo& source, const std::vector<CalibrationInput>& calibration);

// Checks that the job recorded in `recorded` (a journal's or a finished record's settings) is the
// job `now` describes; `work` is the .partial folder, `what` says which ("the interrupted job",
// "the finished job"). Throws awq::Error:
//   at the calibration file: "<what>'s calibration text changed since it began (...)", fix: restore
//     the file or start afresh without --resume;
//   at `work`: "<what> used other settings or another source model (--samples 8, now 4; ...)",
//     naming each difference by its command-line flag.
// Returns warnings: a journal written before calibration texts were hashed records only their names,
// so that their text is unchanged cannot be checked (the job resumes; the warning says so).
std::vector<std::string> checkResumeSettings(const nlohmann::json& recorded, const nlohmann::json& now, const std::filesystem::path& work,
                                             const std::string& what);

}  // namespace awq::quant
