#include "core/quant/interrupted_job.h"

#include "core/quant/detail/awq_math.h"
#include "core/quant/detail/resume_check.h"
#include "core/quant/model_writer.h"

#include <nlohmann/json.hpp>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::optional<QuantMethodChoice> methodFromName(const std::string& name) {
    for (const auto m : {QuantMethodChoice::Awq, QuantMethodChoice::Rtn, QuantMethodChoice::Gptq})
        if (name == quantMethodChoiceName(m)) return m;
    return std::nullopt;
}

// The calibration files as the job was given them: the resume check compares them as given.
std::vector<fs::path> calibrationFilesOf(const json& settings) {
    std::vector<fs::path> out;
    const json given = settings.value("calibration_files", json::array());
    if (!given.is_array()) return out;  // empty: the bundled text
    for (const auto& f : given)
        if (f.is_string() && !f.get<std::string>().empty()) out.emplace_back(f.get<std::string>());
    return out;
}

}  // namespace

std::optional<QuantizeSettings> interruptedJobSettings(const QuantizeSettings& current) {
    try {
        // The settings the resume check compares against, read the way it reads them.
        const json settings = quant::recordedJob(QuantizedModelWriter(current.output)).settings;
        if (!settings.is_object()) return std::nullopt;
        QuantizeSettings s = current;
        const auto method = methodFromName(settings.value("method", std::string()));
        if (!method) return std::nullopt;
        s.method = *method;
        s.groupSize = settings.value("group_size", s.groupSize);
        s.samples = settings.value("samples", s.samples);
        s.seqlen = settings.value("seqlen", s.seqlen);
        s.calibrationFiles = calibrationFilesOf(settings);
        // Left out of a journal means the value the job used then (jobSettingsJson records them only when set).
        s.gridRatios = settings.value("grid_ratios", quant::kFullRatioGrid);
        s.actOrder = settings.value("act_order", false);
        s.dampPercent = settings.value("damp_percent", s.dampPercent);
        s.sym = settings.value("sym", false);
        return s;
    } catch (const std::exception&) {  // no journal, or a damaged one: the banner's resume check says why
        return std::nullopt;
    }
}

}  // namespace awq
