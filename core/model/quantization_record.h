#pragma once
// Our own record beside a quantized model's weights (awqbench_quantization.json, written last by the
// quantizer): how the model was made. config.json only says the checkpoint format vLLM loads
// ("awq" for AWQ and RTN alike); the record says the method, the source, the calibration and the
// per-layer error, so the listing and the details can show both facts.
#include "core/model/hf_config.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace awq {

struct QuantizationRecord {
    std::string method;                 // as recorded: "awq", "gptq", "rtn" (lower case)
    std::string settings;               // the method's settings in words: "group 128, zero point, 32 samples x 256 tokens, grid 10"
    std::string sourceName;
    std::string sourcePath;
    std::string sourceFingerprint;
    std::vector<std::string> calibrationFiles;  // file names; empty with calibrationBundled
    bool calibrationBundled = false;
    int calibrationTexts = 0;
    std::uint64_t calibrationTokens = 0;
    int layerCount = 0;                 // layers with a recorded error
    double meanOutputMse = 0.0;
    double maxOutputMse = 0.0;
    int worstLayer = -1;                // 0-based, -1 when no layer is recorded
    std::string finished;               // UTC time, "" when not recorded
    std::string toolVersion;
};

// The record of `folder`, nullopt when there is none. Throws awq::Error naming the file when it is
// there but unreadable (damaged JSON, a link out of the folder); a missing key leaves its default.
std::optional<QuantizationRecord> readQuantizationRecord(const std::filesystem::path& folder);

// How the model was made, for people: "RTN (AWQ layout)" when the recorded method differs from the
// checkpoint format `checkpoint` (RTN writes AutoAWQ's layout), else the method ("AWQ", "GPTQ").
std::string recordedMethodLabel(const QuantizationRecord& record, QuantMethod checkpoint);

// The short label every CLI listing shows (`models list`, `models show`, `pool list`): the
// checkpoint's "awq w4 g128" ("gptq w4 g128"; another format by its quant_method as written), led by
// how the model was made where `record` (nullptr: none) names another method than the AWQ / GPTQ
// layout it is written in: "rtn w4 g128 (awq layout)". "none" for an unquantized model.
std::string quantizationLabel(const QuantizationConfig& checkpoint, const QuantizationRecord* record);

// "bundled default.txt: 32 texts, 9984 tokens", "calib.txt, more.txt: 8 texts, 2048 tokens".
std::string calibrationSummary(const QuantizationRecord& record);

// "mean 0.012, max 0.060 (layer 3) over 8 layers"; "" when no layer is recorded.
std::string layerErrorSummary(const QuantizationRecord& record);

}  // namespace awq
