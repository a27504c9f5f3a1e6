#pragma once
// JSON test cases for Jinja: a case file of the source tree read, the variables of a case
// (jinja_cases.json, the real templates' cases) as the interpreter sees them, and a template
// rendered with them. Shared by the Jinja and chat template tests.
#include "core/jinja/template.h"
#include "core/util/read_file.h"
#include "tests/support/test_paths.h"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>

namespace awq::test {

// A JSON case file by its path in the source tree (tests/core/jinja/data/jinja_cases.json).
inline nlohmann::ordered_json loadJsonCases(const std::filesystem::path& relative) {
    return nlohmann::ordered_json::parse(readFile(sourceDir() / relative));
}

// JSON's null, booleans, numbers, strings, arrays and objects (key order kept) as Jinja values.
inline jinja::Value toJinjaValue(const nlohmann::ordered_json& j) {
    using jinja::Value;
    if (j.is_null()) return Value(nullptr);
    if (j.is_boolean()) return Value(j.get<bool>());
    if (j.is_number_integer()) return Value(j.get<std::int64_t>());
    if (j.is_number_float()) return Value(j.get<double>());
    if (j.is_string()) return Value(j.get<std::string>());
    if (j.is_array()) {
        jinja::Array a;
        for (const auto& v : j) a.push_back(toJinjaValue(v));
        return Value(std::move(a));
    }
    auto o = std::make_shared<jinja::Object>();
    for (auto it = j.begin(); it != j.end(); ++it) o->set(it.key(), toJinjaValue(it.value()));
    return Value(o);
}

// `source` rendered with the members of `variables` (a JSON object) as its variables.
inline std::string renderJinja(const std::string& source, const nlohmann::ordered_json& variables = nlohmann::ordered_json::object()) {
    jinja::Object vars;
    for (auto it = variables.begin(); it != variables.end(); ++it) vars.set(it.key(), toJinjaValue(it.value()));
    return jinja::Template(source).render(vars);
}

}  // namespace awq::test
