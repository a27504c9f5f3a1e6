#pragma once
// Prompt batteries for side-by-side comparison: the built-in default battery
// (resources/batteries/default.json) and user batteries in JSON or JSONL.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace awq {

struct BatteryTest {
    std::string id;                        // unique within the battery ("story-continue-1"); generated when absent
    std::string category;                  // "continuation", "dialogue", ...; "general" when absent
    std::string prompt;                    // fed as plain text (story models continue it)
    std::optional<std::string> reference;  // optional reference answer for exact match
    int maxNewTokens = 0;                  // per-test cap on new tokens; 0: the run's setting
    bool chat = false;                     // wrap the prompt as one user message in the chat template
};

struct Battery {
    std::string name;    // "default" for the built-in one, else the file name
    std::string source;  // "builtin" or the file path
    std::vector<BatteryTest> tests;

    std::vector<std::string> categories() const;  // distinct categories in order of first use
};

// File formats:
//  * JSON: either an array of tests, or {"name": "...", "tests": [...]}.
//  * JSONL (".jsonl"): one test object per non-empty line.
// A test is {"prompt": "..."} (required, non-empty) with optional "id", "category", "reference"
// (string or null), "max_new_tokens" and "chat" (true: the prompt is sent as a user message through
// the model's chat template). Throws awq::Error naming the file (and the line for
// JSONL, the test's index for JSON) and the fix: bad JSON, missing prompt, duplicate id, ...
Battery parseBattery(std::string_view text, const std::filesystem::path& origin, bool jsonl);
Battery loadBatteryFile(const std::filesystem::path& file);  // picks JSONL by the ".jsonl" extension

// The installed or source-tree resources/batteries/default.json (empty path when not found).
std::filesystem::path defaultBatteryFile();
// The built-in battery (name "default", source "builtin"). Throws awq::Error when it is missing.
Battery loadDefaultBattery();
// "default" (or empty) -> the built-in battery; anything else is a file path.
Battery loadBattery(const std::string& spec);

}  // namespace awq
