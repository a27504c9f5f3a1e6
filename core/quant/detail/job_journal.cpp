#include "core/quant/detail/job_journal.h"

#include "core/quant/detail/job_settings.h"
#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/utc_time.h"

#include <fstream>

namespace awq::quant {
using nlohmann::json;

void JobJournal::start(const json& settings) {
    doc_ = {{"tool", "awqbench"}, {"version", AWQBENCH_VERSION}, {"started", utcNow()}, {"settings", settings}, {"layers", json::array()}};
    save();
}

void JobJournal::load() {
    std::error_code ec;
    if (!std::filesystem::exists(file_, ec)) throw Error("the job journal is missing", file_, "delete the .partial folder and start over");
    doc_ = readJsonFile({file_, "the job journal is damaged: delete the .partial folder and start over"});
    if (!doc_.contains("settings") || !doc_.contains("layers") || !doc_["layers"].is_array())
        throw Error("the job journal is incomplete", file_, "delete the .partial folder and start over");
}

int JobJournal::layersDone() const { return int(doc_["layers"].size()); }

std::vector<LayerReport> JobJournal::layerReports() const {
    std::vector<LayerReport> out;
    for (const auto& l : doc_["layers"])
        out.push_back({l["layer"].get<int>(), l["seconds"].get<double>(), l["output_mse"].get<double>(),
                       l["scale_ratios"].get<std::vector<double>>()});
    return out;
}

void JobJournal::adoptCalibrationInputs(const json& now) {
    json& settings = doc_["settings"];
    if (!settings.is_object() || (settings.contains(kCalibrationInputsKey) && settings[kCalibrationInputsKey].is_array())) return;
    const auto inputs = now.find(kCalibrationInputsKey);
    if (inputs == now.end() || !inputs->is_array()) return;
    settings[kCalibrationInputsKey] = *inputs;
    doc_["calibration_inputs_from_layer"] = layersDone();
    save();
}

void JobJournal::layerDone(const LayerReport& r) {
    doc_["layers"].push_back({{"layer", r.layer}, {"seconds", r.seconds}, {"output_mse", r.outputMse}, {"scale_ratios", r.scaleRatios}});
    save();
}

void JobJournal::finish(double seconds) {
    doc_["finished"] = utcNow();
    doc_["seconds_this_run"] = seconds;
    save();
}

void JobJournal::writeRecord(const std::filesystem::path& file, const ModelInfo& source, int calibrationTexts,
                             std::uint64_t calibrationTokens, const std::vector<std::filesystem::path>& calibrationFiles, bool bundledCalibration) const {
    json record = doc_;
    json files = json::array();
    for (const auto& f : calibrationFiles) files.push_back(f.filename().string());
    record["source"] = {{"name", source.name}, {"path", source.folder.string()}, {"fingerprint", source.fingerprint},
                        {"parameters", source.parameterCount}, {"architecture", source.config.architectureClass}};
    record["calibration"] = {{"files", files}, {"bundled", bundledCalibration}, {"texts", calibrationTexts}, {"tokens", calibrationTokens}};
    writeFileAtomically(file, jsonText(record, 2) + "\n");
}

void JobJournal::save() const { writeFileAtomically(file_, jsonText(doc_, 2) + "\n"); }

}  // namespace awq::quant
