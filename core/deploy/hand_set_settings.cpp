#include "core/deploy/hand_set_settings.h"

#include "core/deploy/promotion.h"
#include "core/deploy/text_edit.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

namespace awq::deploy {

namespace {

const std::vector<std::string> kKeys = {"dtype", "max-model-len", "gpu-memory-utilization", "tensor-parallel-size"};

std::string unquoted(std::string v) {
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    return v;
}

std::optional<double> asNumber(const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || end != text.c_str() + text.size()) return std::nullopt;
    return v;
}

// What the promotion `e` wrote itself for `key`, unless it kept the file's value: its recorded
// settings, or (an entry from before they were recorded) the value on its command line, where
// vllmCommandLine wrote each setting as --KEY VALUE.
std::optional<std::string> derivedBy(const HistoryEntry& e, const std::string& key) {
    if (std::find(e.keptSettings.begin(), e.keptSettings.end(), key) != e.keptSettings.end()) return std::nullopt;
    if (!e.settings.empty()) {
        const auto it = e.settings.find(key);
        return it == e.settings.end() ? std::nullopt : std::optional<std::string>(it->second);
    }
    const std::string flag = "--" + key;
    const auto flags = commandFlagValues(e.command, {flag});
    if (flags.empty()) return std::nullopt;
    return unquoted(flags.back().value);
}

}  // namespace

bool sameSettingValue(const std::string& a, const std::string& b) {
    const auto x = asNumber(a), y = asNumber(b);
    return x && y ? *x == *y : a == b;
}

std::vector<std::string> yamlSpellings(const std::string& key) {
    std::string underscored = key;
    std::replace(underscored.begin(), underscored.end(), '-', '_');
    if (underscored == key) return {key};
    return {key, underscored};
}

std::optional<std::string> HandSetSettings::text(const std::string& key) const {
    const auto it = values.find(key);
    return it == values.end() ? std::nullopt : std::optional<std::string>(it->second);
}

std::optional<double> HandSetSettings::number(const std::string& key) const {
    const auto t = text(key);
    return t ? asNumber(*t) : std::nullopt;
}

HandSetSettings handSetVllmSettings(const std::string& target, const std::string& yaml, const std::filesystem::path& stateDir) {
    const HistoryEntry* last = nullptr;
    std::vector<HistoryEntry> history;
    if (!stateDir.empty()) history = loadHistory(stateDir);
    for (auto it = history.rbegin(); it != history.rend() && !last; ++it)
        if (it->action == "promote" && it->target == target && !it->undone) last = &*it;

    HandSetSettings s;
    for (const auto& key : kKeys) {
        const auto value = yamlValue(yaml, yamlSpellings(key));
        if (!value) continue;
        const std::string v = unquoted(*value);
        if (last)
            if (const auto written = derivedBy(*last, key); written && sameSettingValue(*written, v)) continue;  // the promotion's own
        s.values[key] = v;
    }
    return s;
}

}  // namespace awq::deploy
