#pragma once
// One case of a JSON file rendered by the reference jinja2 (data/make_*_cases.py): {"template",
// "variables", and "expected" or "error"}. Shared by the Jinja tests. Qt Test only.
#include "core/jinja/template.h"
#include "tests/support/jinja_json.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <string>

namespace awq::test {

// The case's template renders as jinja2 rendered it, or fails with an error containing jinja2's.
inline void checkAgainstJinja2(const nlohmann::ordered_json& c) {
    if (c.contains("error")) {
        try {
            const std::string out = renderJinja(c["template"], c["variables"]);
            QFAIL(("expected an error, rendered: " + out).c_str());
        } catch (const jinja::TemplateError& e) {
            QVERIFY2(std::string(e.what()).find(c["error"].get<std::string>()) != std::string::npos, e.what());
        }
        return;
    }
    std::string out;
    try {
        out = renderJinja(c["template"], c["variables"]);
    } catch (const jinja::TemplateError& e) {
        QFAIL((std::string("unexpected error: ") + e.what()).c_str());
    }
    QCOMPARE(QString::fromStdString(out), QString::fromStdString(c["expected"].get<std::string>()));
}

}  // namespace awq::test
