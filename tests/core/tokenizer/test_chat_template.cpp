// The sandboxed Jinja interpreter against the reference Jinja2 (configured as transformers
// configures it): data/jinja_cases.json holds real chat templates (Qwen3, Qwen2.5, Llama 3.1,
// Mistral, Gemma, Phi-3, ChatML) and one case per language feature, rendered by Jinja2 with
// data/make_jinja_cases.py. Plus the sandbox's refusals.
#include "core/tokenizer/chat_template.h"
#include "core/tokenizer/jinja/template.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

ojson loadCases() {
    std::ifstream in(awq::test::sourceDir() / "tests/core/tokenizer/data/jinja_cases.json", std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ojson::parse(ss.str());
}

awq::jinja::Value toValue(const ojson& j) {
    using awq::jinja::Value;
    if (j.is_null()) return Value(nullptr);
    if (j.is_boolean()) return Value(j.get<bool>());
    if (j.is_number_integer()) return Value(j.get<std::int64_t>());
    if (j.is_number_float()) return Value(j.get<double>());
    if (j.is_string()) return Value(j.get<std::string>());
    if (j.is_array()) {
        awq::jinja::Array a;
        for (const auto& v : j) a.push_back(toValue(v));
        return Value(std::move(a));
    }
    auto o = std::make_shared<awq::jinja::Object>();
    for (auto it = j.begin(); it != j.end(); ++it) o->set(it.key(), toValue(it.value()));
    return Value(o);
}

std::string render(const std::string& source, const ojson& variables = ojson::object()) {
    awq::jinja::Object vars;
    for (auto it = variables.begin(); it != variables.end(); ++it) vars.set(it.key(), toValue(it.value()));
    return awq::jinja::Template(source).render(vars);
}

}  // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private slots:
    void matchesJinja2_data() {
        QTest::addColumn<int>("index");
        const ojson cases = loadCases();
        QVERIFY2(cases.size() >= 80, "data/jinja_cases.json is missing or short");
        for (std::size_t i = 0; i < cases.size(); ++i) QTest::newRow(cases[i]["name"].get<std::string>().c_str()) << int(i);
    }

    void matchesJinja2() {
        QFETCH(int, index);
        const ojson c = loadCases()[static_cast<std::size_t>(index)];
        if (c.contains("error")) {
            try {
                const std::string out = render(c["template"], c["variables"]);
                QFAIL(("expected an error, rendered: " + out).c_str());
            } catch (const awq::jinja::TemplateError& e) {
                QVERIFY2(std::string(e.what()).find(c["error"].get<std::string>()) != std::string::npos, e.what());
            }
            return;
        }
        QCOMPARE(QString::fromStdString(render(c["template"], c["variables"])), QString::fromStdString(c["expected"].get<std::string>()));
    }

    void chatTemplateApi() {
        awq::ChatTemplate t("{{ bos_token }}{% for m in messages %}[{{ m.role }}:{{ m.content }}]{% endfor %}"
                            "{% if add_generation_prompt %}>{% endif %}{{ extra | default('') }}");
        t.setVariable("bos_token", "<s>");
        QCOMPARE(t.render({{"user", "hi"}}, true), std::string("<s>[user:hi]>"));
        QCOMPARE(t.renderJson(R"([{"role": "user", "content": "hi", "name": "x"}])", false, R"({"extra": "!"})"),
                 std::string("<s>[user:hi]!"));
        QVERIFY(!t.isFallback());
        QVERIFY(awq::ChatTemplate().isFallback());
        // transformers' {% generation %} marks assistant text; it renders its body
        QCOMPARE(render("a{% generation %}b{{ 1 }}{% endgeneration %}c"), std::string("ab1c"));
    }

    void templateFromTokenizerConfig() {
        const fs::path dir = fs::temp_directory_path() / "awq_chat_template_test";
        fs::create_directories(dir);
        {
            std::ofstream(dir / "tokenizer_config.json")
                << R"({"chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D{{ messages|length }}"}]})";
        }
        auto t = awq::ChatTemplate::fromModelFolder(dir);
        QVERIFY(t.has_value());
        QCOMPARE(t->render({{"user", "a"}, {"assistant", "b"}}, false), std::string("D2"));
        {
            std::ofstream(dir / "chat_template.jinja") << "J{{ messages[0].content }}\n";  // wins over the config
        }
        t = awq::ChatTemplate::fromModelFolder(dir);
        QCOMPARE(t->render({{"user", "a"}}, false), std::string("Ja"));
        fs::remove_all(dir);
        QVERIFY(!awq::ChatTemplate::fromModelFolder(dir).has_value());
    }

    void errorsNameTheTemplate() {
        try {
            awq::ChatTemplate("{% for x in y %}", "chat_template.jinja");
            QFAIL("unterminated for loop parsed");
        } catch (const awq::Error& e) {
            QVERIFY2(std::string(e.what()).find("endfor") != std::string::npos, e.what());
            QCOMPARE(e.file().string(), std::string("chat_template.jinja"));
        }
        awq::ChatTemplate mistralLike("{% if messages[0].role != 'user' %}{{ raise_exception('roles must start with user') }}{% endif %}ok",
                                      "tokenizer_config.json");
        QCOMPARE(mistralLike.render({{"user", "x"}}, false), std::string("ok"));
        try {
            mistralLike.render({{"assistant", "x"}}, false);
            QFAIL("raise_exception did not raise");
        } catch (const awq::Error& e) {
            QVERIFY2(std::string(e.what()).find("roles must start with user") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(awq::Error, awq::ChatTemplate().renderJson("{not json", true));
    }

    void sandboxRefuses() {
        using awq::jinja::TemplateError;
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% include 'other.jinja' %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% import 'x' as y %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% extends 'base' %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ range(1000000) | length }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% set l = [1] %}{{ l.append(2) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% set d = {} %}{{ d.update({'a': 1}) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ ('x' * 1000) * 100000 }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ undefined_thing.attr }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ 1 + none }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, render("{{ x | no_such_filter }}"));
        // globals that would reach outside are simply undefined
        QCOMPARE(render("{{ open is defined }} {{ cycler is defined }} {{ self is defined }}"), std::string("False False False"));
    }
};

QTEST_APPLESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
