#include "core/quant/calibration.h"

#include "core/util/error.h"
#include "core/util/json_read.h"
#include "core/util/read_file.h"
#include "core/util/resources.h"
#include "core/util/format.h"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>
#include <unistd.h>

namespace awq {
namespace fs = std::filesystem;

namespace {

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

void readTxt(const fs::path& file, std::vector<std::string>& out, int maxTexts) {
    std::ifstream in(file, std::ios::binary);
    std::string line, current;
    auto flush = [&] {
        if (auto t = trim(current); !t.empty()) out.push_back(t);
        current.clear();
    };
    while (int(out.size()) < maxTexts && std::getline(in, line)) {
        if (trim(line).empty()) {
            flush();
        } else {
            current += current.empty() ? line : "\n" + line;
        }
    }
    if (int(out.size()) < maxTexts) flush();
}

void readJsonl(const fs::path& file, std::vector<std::string>& out, int maxTexts) {
    std::ifstream in(file, std::ios::binary);
    std::string line;
    int lineNo = 0;
    while (int(out.size()) < maxTexts && std::getline(in, line)) {
        ++lineNo;
        if (trim(line).empty()) continue;
        const auto j = parseJson(line, {file, "give one JSON object with a \"text\" field per line", "line " + std::to_string(lineNo)});
        if (j.is_object() && j.contains("text") && j["text"].is_string()) out.push_back(j["text"].get<std::string>());
    }
}

}  // namespace

std::vector<std::string> loadCalibrationTexts(const std::vector<fs::path>& files, int maxTexts) {
    std::vector<std::string> texts;
    for (const auto& f : files) {
        requireTextFile(f, "calibration file");  // a binary file refused before it is split into "texts"
        const std::size_t before = texts.size();
        if (f.extension() == ".jsonl") readJsonl(f, texts, maxTexts);
        else readTxt(f, texts, maxTexts);
        if (texts.size() == before) throw Error("holds no text", f, "use a text file or JSONL with a \"text\" field");
        if (int(texts.size()) >= maxTexts) break;
    }
    return texts;
}

CalibrationSet buildCalibrationSet(const Tokenizer& tokenizer, const std::vector<std::string>& texts, int samples, int seqlen) {
    CalibrationSet set;
    std::vector<int> all;
    for (const auto& t : texts) {
        if (set.textsUsed >= samples) break;
        const auto ids = tokenizer.encode(t, false);
        if (ids.empty()) continue;
        all.insert(all.end(), ids.begin(), ids.end());
        ++set.textsUsed;
    }
    for (std::size_t at = 0; at + seqlen <= all.size(); at += seqlen) set.blocks.emplace_back(all.begin() + at, all.begin() + at + seqlen);
    if (set.textsUsed < samples)
        set.warnings.push_back("asked for " + std::to_string(samples) + " calibration samples but only " + std::to_string(set.textsUsed) +
                               " texts were available");
    if (set.blocks.empty())
        throw Error("the calibration text has " + format::counted(all.size(), "token") + ", fewer than one block of " + std::to_string(seqlen), {},
                    "give more calibration text or a smaller --seqlen");
    return set;
}

fs::path defaultCalibrationFile() { return findResourceFile("calibration/default.txt"); }

}  // namespace awq
