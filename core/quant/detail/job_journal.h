#pragma once
// The job journal: what a quantization job has finished, saved atomically after every layer, so a
// killed or cancelled job resumes at its first unfinished layer. At the end it becomes the
// model's record (awqbench_quantization.json): source fingerprint, settings, calibration, per-layer
// errors and times, tool version.
#include "core/model/model_info.h"
#include "core/quant/quantize_job.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <vector>

namespace awq::quant {

class JobJournal {
public:
    explicit JobJournal(std::filesystem::path file) : file_(std::move(file)) {}

    void start(const nlohmann::json& settings);
    void load();  // throws awq::Error naming the file when unreadable

    const nlohmann::json& settings() const { return doc_["settings"]; }
    int layersDone() const;
    std::vector<LayerReport> layerReports() const;

    // After a resume: a journal of an older version has no `calibration_inputs` in its settings (its
    // calibration files by name only). Takes them from `now` (jobSettingsJson of the resumed job: the
    // absolute path and SHA-256 of the text this run calibrates on) and records from which layer on
    // they vouch for the text (`calibration_inputs_from_layer`, 0-based as `layers[].layer`), so the
    // finished record carries the hash and a later --resume checks the text against it. Saves the
    // journal; does nothing for a journal that has them already.
    void adoptCalibrationInputs(const nlohmann::json& now);

    void layerDone(const LayerReport& report);
    void finish(double seconds);
    void writeRecord(const std::filesystem::path& file, const ModelInfo& source, int calibrationTexts, std::uint64_t calibrationTokens,
                     const std::vector<std::filesystem::path>& calibrationFiles,
                     bool bundledCalibration) const;

private:
    void save() const;
    std::filesystem::path file_;
    nlohmann::json doc_;
};

}  // namespace awq::quant
