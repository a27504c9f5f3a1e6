#pragma once
// Calibration data as AutoAWQ prepares it: the first `samples` texts, each tokenized without
// special tokens, concatenated and cut into blocks of `seqlen` tokens (the tail dropped).
#include "core/tokenizer/tokenizer.h"

#include <filesystem>
#include <string>
#include <vector>

namespace awq {

struct CalibrationSet {
    std::vector<std::vector<int>> blocks;   // each exactly seqlen tokens
    int textsUsed = 0;
    std::vector<std::string> sources;       // file names
    std::vector<std::string> warnings;      // e.g. fewer tokens than asked
};

// Texts from .txt files (stories separated by blank lines) or .jsonl files (a "text" field per
// line). Throws awq::Error naming the file when unreadable or empty.
std::vector<std::string> loadCalibrationTexts(const std::vector<std::filesystem::path>& files, int maxTexts);

CalibrationSet buildCalibrationSet(const Tokenizer& tokenizer, const std::vector<std::string>& texts, int samples, int seqlen);

// The bundled default calibration text (resources/calibration/default.txt), found like the demo
// library; empty when missing.
std::filesystem::path defaultCalibrationFile();

}  // namespace awq
