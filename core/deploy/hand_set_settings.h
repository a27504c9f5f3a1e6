#pragma once
// The settings of a vLLM config that its owner chose (typed by hand, or kept by an earlier
// promotion): a promotion keeps them unless the target sets the value itself (a `target add` flag)
// or the new model cannot run with it. A value counts as chosen unless the target's latest promotion
// computed it for the model it promoted: the history's `settings` (older entries: its command line) hold what that promotion wrote
// and its `kept_settings` what it kept, so values derived for the previous model follow the new one
// (a float16 written for an AWQ model is not "kept" for the bfloat16 model promoted next).
// Internal to core/deploy (promotion_plan.cpp).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awq::deploy {

struct HandSetSettings {
    // Canonical key ("dtype", "max-model-len", "gpu-memory-utilization", "tensor-parallel-size") ->
    // the value as the file has it, unquoted. Only keys the owner chose.
    std::map<std::string, std::string> values;

    std::optional<std::string> text(const std::string& key) const;
    std::optional<double> number(const std::string& key) const;  // nullopt also when not a number
};

// Reads the chosen settings of `yaml` (the target's vLLM config) against the latest promotion of
// `target` that is not undone, from the history in `stateDir` (empty or no history: every value in
// the file counts as chosen). Throws awq::Error for an unreadable history.
HandSetSettings handSetVllmSettings(const std::string& target, const std::string& yaml, const std::filesystem::path& stateDir);

// Numbers compare as numbers (0.90 is 0.9, '1' is 1), the rest as text.
bool sameSettingValue(const std::string& a, const std::string& b);

// The YAML spellings of a canonical key: {"max-model-len", "max_model_len"}.
std::vector<std::string> yamlSpellings(const std::string& key);

}  // namespace awq::deploy
