#include "core/run/quantization_json.h"

#include <type_traits>

namespace awq {

nlohmann::json quantizationJson(const std::optional<RunQuantization>& q) {
    if (!q) return nullptr;
    nlohmann::json j = {{"method", q->method}, {"bits", q->bits}, {"group_size", q->groupSize}, {"zero_point", q->zeroPoint}, {"version", q->version}};
    if (!q->madeWith.empty()) j["made_with"] = q->madeWith;  // absent when unknown: older readers see the object they knew
    return j;
}

std::optional<RunQuantization> quantizationFromJson(const nlohmann::json& j) {
    if (j.is_null()) return std::nullopt;
    const auto& object = j.get_ref<const nlohmann::json::object_t&>();  // type_error where j is not an object
    const auto value = [&object](const char* key, auto fallback) {
        using V = decltype(fallback);
        const auto it = object.find(key);
        if (it == object.end()) return fallback;
        const nlohmann::json& v = it->second;
        const bool fits = std::is_same_v<V, std::string> ? v.is_string() : std::is_same_v<V, bool> ? v.is_boolean() : v.is_number_integer();
        return fits ? v.get<V>() : fallback;
    };
    return RunQuantization{value("method", std::string()), value("bits", 0), value("group_size", 0), value("zero_point", false),
                           value("version", std::string()), value("made_with", std::string())};
}

}  // namespace awq
