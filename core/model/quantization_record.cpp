#include "core/model/quantization_record.h"

#include "core/model/hf_config.h"
#include "core/model/model_files.h"
#include "core/util/json_read.h"
#include "core/util/format.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <sstream>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kRecordFile = "awqbench_quantization.json";
constexpr std::uint64_t kMaxRecordBytes = 64ull << 20;  // one entry per layer: small

template <class T>
T valueOr(const json& j, const char* key, T fallback) {
    if (!j.is_object()) return fallback;
    const auto it = j.find(key);
    if (it == j.end() || it->is_null()) return fallback;
    try {
        return it->get<T>();
    } catch (const json::exception&) {  // a mistyped key keeps its default: the record is informative only
        return fallback;
    }
}

std::string upper(std::string s) {
    for (auto& ch : s) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

std::string shortNumber(double v) {
    std::ostringstream out;
    out.precision(3);
    out << v;
    return out.str();
}

std::string settingsText(const json& s) {
    std::vector<std::string> parts;
    const int group = valueOr(s, "group_size", 0);
    if (group > 0) parts.push_back("group " + std::to_string(group));
    else if (group < 0) parts.push_back("per channel");
    if (s.is_object() && s.contains("zero_point")) parts.push_back(valueOr(s, "zero_point", true) ? "zero point" : "symmetric");
    const int samples = valueOr(s, "samples", 0), seqlen = valueOr(s, "seqlen", 0);
    if (samples > 0 && seqlen > 0) parts.push_back(std::to_string(samples) + " samples x " + std::to_string(seqlen) + " tokens");
    if (const int grid = valueOr(s, "grid_ratios", 0); grid > 0) parts.push_back("grid " + std::to_string(grid));
    if (s.is_object() && s.contains("damp_percent")) parts.push_back("damp " + shortNumber(valueOr(s, "damp_percent", 0.0)));
    if (valueOr(s, "act_order", false)) parts.push_back("act-order");
    if (valueOr(s, "sym", false)) parts.push_back("sym");
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

}  // namespace

std::optional<QuantizationRecord> readQuantizationRecord(const fs::path& folder) {
    const auto text = readModelFile(folder, kRecordFile, kMaxRecordBytes);
    if (!text) return std::nullopt;
    const json doc = parseJson(*text, {folder / kRecordFile, "quantize the model again, or delete the file"});
    QuantizationRecord r;
    const json settings = doc.is_object() && doc.contains("settings") ? doc["settings"] : json::object();
    r.method = valueOr(settings, "method", std::string());
    r.settings = settingsText(settings);
    const json source = doc.is_object() && doc.contains("source") ? doc["source"] : json::object();
    r.sourceName = valueOr(source, "name", std::string());
    r.sourcePath = valueOr(source, "path", std::string());
    r.sourceFingerprint = valueOr(source, "fingerprint", std::string());
    const json calibration = doc.is_object() && doc.contains("calibration") ? doc["calibration"] : json::object();
    r.calibrationFiles = valueOr(calibration, "files", std::vector<std::string>());
    r.calibrationBundled = valueOr(calibration, "bundled", false);
    r.calibrationTexts = valueOr(calibration, "texts", 0);
    r.calibrationTokens = valueOr(calibration, "tokens", std::uint64_t(0));
    if (doc.is_object() && doc.contains("layers") && doc["layers"].is_array()) {
        double sum = 0.0;
        for (const auto& layer : doc["layers"]) {
            const double mse = valueOr(layer, "output_mse", -1.0);
            if (mse < 0.0) continue;
            sum += mse;
            ++r.layerCount;
            if (r.worstLayer < 0 || mse > r.maxOutputMse) {
                r.maxOutputMse = mse;
                r.worstLayer = valueOr(layer, "layer", r.layerCount - 1);
            }
        }
        if (r.layerCount > 0) r.meanOutputMse = sum / r.layerCount;
    }
    r.finished = valueOr(doc, "finished", std::string());
    r.toolVersion = valueOr(doc, "version", std::string());
    return r;
}

std::string recordedMethodLabel(const QuantizationRecord& record, QuantMethod checkpoint) {
    if (record.method.empty()) return {};
    const std::string method = upper(record.method);
    const std::string format(quantMethodName(checkpoint));
    if (checkpoint == QuantMethod::None || checkpoint == QuantMethod::Other || record.method == format) return method;
    return method + " (" + upper(format) + " layout)";
}

std::string quantizationLabel(const QuantizationConfig& checkpoint, const QuantizationRecord* record) {
    const QuantMethod m = checkpoint.method;
    if (m == QuantMethod::None) return "none";
    const std::string format = m == QuantMethod::Other ? checkpoint.rawMethod : std::string(quantMethodName(m));
    std::string shape;
    if (checkpoint.bits) shape += " w" + std::to_string(checkpoint.bits);
    if (checkpoint.groupSize) shape += " g" + std::to_string(checkpoint.groupSize);
    // Only AWQ's and GPTQ's layouts are written by other methods (RTN writes AWQ's).
    const bool layout = m == QuantMethod::Awq || m == QuantMethod::Gptq;
    if (!layout || !record || record->method.empty() || record->method == format) return format + shape;
    return record->method + shape + " (" + format + " layout)";
}

std::string calibrationSummary(const QuantizationRecord& record) {
    std::string files;
    for (const auto& f : record.calibrationFiles) files += (files.empty() ? "" : ", ") + f;
    std::string out = record.calibrationBundled ? "bundled " + (files.empty() ? std::string("text") : files) : files;
    if (record.calibrationTexts > 0 || record.calibrationTokens > 0)
        out += (out.empty() ? "" : ": ") + std::to_string(record.calibrationTexts) + " texts, " + std::to_string(record.calibrationTokens) + " tokens";
    return out;
}

std::string layerErrorSummary(const QuantizationRecord& record) {
    if (record.layerCount == 0) return {};
    return "output MSE mean " + shortNumber(record.meanOutputMse) + ", max " + shortNumber(record.maxOutputMse) + " (layer " +
           std::to_string(record.worstLayer) + ") over " + format::counted(std::uint64_t(record.layerCount), "layer");
}

}  // namespace awq
