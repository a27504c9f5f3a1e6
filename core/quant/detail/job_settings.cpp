#include "core/quant/detail/job_settings.h"

#include "core/quant/detail/awq_math.h"
#include "core/util/error.h"
#include "core/util/read_file.h"
#include "core/util/sha256.h"

#include <algorithm>

namespace awq::quant {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// How the user set each recorded setting: its command-line flag (the journal's key meant nothing to
// the user: "grid_ratios unset, now 10"), so a refused --resume names what to change.
std::string settingLabel(const std::string& key) {
    static const std::pair<const char*, const char*> labels[] = {
        {"method", "--method"},         {"group_size", "--group"}, {"samples", "--samples"},
        {"seqlen", "--seqlen"},         {"calibration_files", "--calib"}, {"grid_ratios", "--grid"},
        {"act_order", "--act-order"},   {"damp_percent", "--damp"}, {"sym", "--sym"},
        {"source_fingerprint", "--model (the source model's fingerprint)"},
        {"bits", "bits"},               {"zero_point", "zero point"}};
    for (const auto& [k, label] : labels)
        if (key == k) return label;
    return key;  // a key of a newer version: its journal name is all there is
}

// A recorded setting as the user would have typed it. A key left out of a journal means the value
// the job used then: settings added later (--grid, --sym) are recorded only when not the default.
std::string settingText(const json& settings, const std::string& key) {
    const json v = settings.is_object() && settings.contains(key) ? settings[key] : json();
    const std::string method = settings.is_object() ? settings.value("method", std::string()) : std::string();
    if (v.is_null()) {
        if (key == "grid_ratios" && method == "awq") return std::to_string(kFullRatioGrid);
        if (key == "sym" && method == "gptq") return "off";
        if (key == "calibration_files") return "the bundled text";
        return "not used";
    }
    if (v.is_boolean()) return v.get<bool>() ? "on" : "off";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        if (v.empty() && key == "calibration_files") return "the bundled text";
        std::string out;
        for (const auto& e : v) out += (out.empty() ? "" : ", ") + (e.is_string() ? e.get<std::string>() : e.dump());
        return out;
    }
    return v.dump();
}

// The settings in which a recorded job and this one differ, as "--samples 8, now 32; --seqlen 64,
// now 256". The calibration inputs are compared by checkCalibrationUnchanged, not here.
std::string settingsDifferences(const json& was, const json& now) {
    std::string out;
    auto keys = was.is_object() ? was : json::object();
    if (now.is_object()) keys.update(now);
    for (const auto& [key, unused] : keys.items()) {
        if (key == kCalibrationInputsKey) continue;
        const std::string a = settingText(was, key), b = settingText(now, key);
        if (a == b) continue;
        out += (out.empty() ? "" : "; ") + settingLabel(key) + " " + a + ", now " + b;
    }
    return out;
}

// Throws when a calibration file's content differs from the one the recorded job began with.
void checkCalibrationUnchanged(const json& was, const json& now, const fs::path& work, const std::string& what) {
    const std::size_t n = std::min(was.size(), now.size());  // a different count of files: --calib differs, reported with the settings
    for (std::size_t i = 0; i < n; ++i) {
        const auto& a = was[i];
        const auto& b = now[i];
        if (!a.is_object() || !b.is_object() || a.value("sha256", std::string()) == b.value("sha256", std::string())) continue;
        const std::string then = a.value("file", std::string()), file = b.value("file", std::string());
        throw Error(what + "'s calibration text changed since it began (its SHA-256 differs from the one in the journal" +
                        (then.empty() || then == file ? std::string() : ", which read " + then) +
                        "): resuming would calibrate the remaining layers on other text than the finished ones",
                    file, "restore the file as it was when the job began, or start afresh without --resume (delete " + work.string() + " first)");
    }
}

}  // namespace

std::vector<CalibrationInput> calibrationInputs(const std::vector<fs::path>& files) {
    std::vector<CalibrationInput> out;
    for (const auto& f : files) {
        requireTextFile(f, "calibration file");  // the errors loadCalibrationTexts gives, before hashing
        out.push_back({fs::absolute(f).lexically_normal(), Sha256::fileHex(f)});
    }
    return out;
}

json jobSettingsJson(const QuantizeSettings& s, const ModelInfo& source, const std::vector<CalibrationInput>& calibration) {
    json files = json::array();
    for (const auto& f : s.calibrationFiles) files.push_back(f.string());
    json inputs = json::array();
    for (const auto& c : calibration) inputs.push_back({{"file", c.file.string()}, {"sha256", c.sha256}});
    json j = {{"method", quantMethodChoiceName(s.method)},
              {"bits", 4},
              {"group_size", s.groupSize},
              {"zero_point", true},
              {"samples", s.samples},
              {"seqlen", s.seqlen},
              {"calibration_files", files},
              {kCalibrationInputsKey, inputs},
              {"source_fingerprint", source.fingerprint}};
    // Only a non-default grid is recorded, so journals written before the grid was a setting still resume.
    if (s.method == QuantMethodChoice::Awq && s.gridRatios != kFullRatioGrid) j["grid_ratios"] = s.gridRatios;
    if (s.method == QuantMethodChoice::Gptq) {
        j["act_order"] = s.actOrder;
        j["damp_percent"] = s.dampPercent;
        if (s.sym) j["sym"] = true;  // only when set, so journals written before it was a setting still resume
    }
    return j;
}

std::vector<std::string> checkResumeSettings(const json& recorded, const json& now, const fs::path& work, const std::string& what) {
    const auto withoutInputs = [](json j) {
        if (j.is_object()) j.erase(kCalibrationInputsKey);
        return j;
    };
    // The flags first: a different --calib list is named as such, not as changed text.
    if (withoutInputs(recorded) != withoutInputs(now))
        throw Error(what + " used other settings or another source model (" + settingsDifferences(recorded, now) + ")", work,
                    "resume with the same settings, or delete the folder to start over");
    const auto was = recorded.find(kCalibrationInputsKey);
    if (was == recorded.end() || !was->is_array()) {
        // Written before calibration texts were hashed: resuming old journals keeps working, and
        // the user learns that nothing vouches for the text.
        return {what + "'s journal (written by an older version) records only the calibration files' names, not their content: if " +
                settingText(recorded, "calibration_files") +
                " changed since the job began, the resumed layers are calibrated on other text than the finished ones (delete " + work.string() +
                " and start afresh to be sure)"};
    }
    checkCalibrationUnchanged(*was, now.value(kCalibrationInputsKey, json::array()), work, what);
    return {};
}

}  // namespace awq::quant
