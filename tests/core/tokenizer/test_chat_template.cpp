// Chat templates as transformers renders them (the interpreter itself: tests/core/jinja): the
// real-world faults of ../shared/realworld and real models' templates render byte for byte as
// Jinja2 does; the template context (special tokens, extra variables); templates found in
// tokenizer_config.json and chat_template.jinja.
#include "core/tokenizer/chat_template.h"
#include "core/jinja/template.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/read_file.h"
#include "tests/support/error_capture.h"
#include "tests/support/jinja_json.h"
#include "tests/support/test_paths.h"

#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>

namespace fs = std::filesystem;
using awq::readFile;
using ojson = nlohmann::ordered_json;

namespace {

// A tokenizer.json with two tokens: enough for a model folder whose chat template is under test.
constexpr const char* kTinyTokenizer =
    R"({"version": "1.0", "added_tokens": [], "model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": []}})";

ojson loadRealTemplateCases() { return awq::test::loadJsonCases("tests/core/tokenizer/data/real_templates/real_template_cases.json"); }

// transformers' strftime_now at the fixed moment the expected outputs were rendered at
// (2024-07-26 09:30:00, make_real_template_cases.py), so the comparison doesn't change daily.
awq::jinja::Value fixedStrftimeNow() {
    return awq::jinja::Value::function("strftime_now", [](awq::jinja::Interpreter&, const awq::jinja::CallArgs& a) {
        std::tm tm{};
        tm.tm_year = 2024 - 1900;
        tm.tm_mon = 6;
        tm.tm_mday = 26;
        tm.tm_hour = 9;
        tm.tm_min = 30;
        tm.tm_wday = 5;  // a Friday
        tm.tm_yday = 207;
        char buf[256];
        const std::size_t n = std::strftime(buf, sizeof buf, a.positional.at(0).str().c_str(), &tm);
        return awq::jinja::Value(std::string(buf, n));
    });
}

using awq::test::renderJinja;
using awq::test::toJinjaValue;

}  // namespace

class TestChatTemplate : public QObject {
    Q_OBJECT

private slots:
    // Each folder is a fault found with a real template: expected.txt is what Python's jinja2
    // renders (as transformers does) for messages.json with the folder's tokenizer files.
    void realWorldTemplates_data() {
        QTest::addColumn<QString>("folder");
        for (const char* name : {"jinja-in-undefined", "jinja-selectattr-on-none", "jinja-int-dict-keys", "jinja-additional-special-tokens",
                                 "probe-call-block", "probe-percent-format", "probe-tojson-separators"})
            QTest::newRow(name) << QString(name);
    }

    void realWorldTemplates() {
        QFETCH(QString, folder);
        const fs::path dir = awq::test::sharedDir() / "realworld" / folder.toStdString();
        QVERIFY2(fs::is_regular_file(dir / "expected.txt"), ("missing fixture " + dir.string()).c_str());
        const awq::Tokenizer tok = awq::Tokenizer::load(dir);
        QVERIFY(!tok.chatTemplate().isFallback());
        const std::string rendered = tok.chatTemplate().renderJson(readFile(dir / "messages.json"), false);
        QCOMPARE(QByteArray::fromStdString(rendered), QByteArray::fromStdString(readFile(dir / "expected.txt")));
    }

    // Templates real models ship (data/real_templates, sources in SOURCES.md) on five
    // conversations, against jinja2's renders (make_real_template_cases.py): the same text byte
    // for byte, or an error where jinja2 raises one, with jinja2's message.
    void realModelTemplates_data() {
        QTest::addColumn<int>("index");
        const ojson data = loadRealTemplateCases();
        QVERIFY2(data["cases"].size() >= 200, "data/real_templates/real_template_cases.json is missing or short");
        for (std::size_t i = 0; i < data["cases"].size(); ++i) {
            const ojson& c = data["cases"][i];
            QTest::newRow((c["template"].get<std::string>() + " | " + c["conversation"].get<std::string>()).c_str()) << int(i);
        }
    }

    void realModelTemplates() {
        QFETCH(int, index);
        static const ojson data = loadRealTemplateCases();
        const ojson& c = data["cases"][static_cast<std::size_t>(index)];
        const ojson& conversation = data["conversations"][c["conversation"].get<std::string>()];
        const std::string source = readFile(awq::test::sourceDir() / "tests/core/tokenizer/data/real_templates" / c["template"].get<std::string>());
        awq::jinja::Object vars;
        for (auto it = data["context"].begin(); it != data["context"].end(); ++it) vars.set(it.key(), toJinjaValue(it.value()));
        vars.set("messages", toJinjaValue(conversation["messages"]));
        vars.set("tools", conversation.contains("tools") ? toJinjaValue(conversation["tools"]) : awq::jinja::Value(nullptr));
        vars.set("documents", awq::jinja::Value(nullptr));
        vars.set("add_generation_prompt", awq::jinja::Value(conversation["add_generation_prompt"].get<bool>()));
        vars.set("strftime_now", fixedStrftimeNow());
        const std::string jinja2Error = c.value("error", std::string());
        std::string rendered;
        try {
            rendered = awq::jinja::Template(source).render(vars);
        } catch (const awq::jinja::TemplateError& e) {
            QVERIFY2(!jinja2Error.empty(), (std::string("jinja2 renders it, we raised: ") + e.what()).c_str());
            QVERIFY2(std::string(e.what()).find(jinja2Error) != std::string::npos, (std::string(e.what()) + " | jinja2: " + jinja2Error).c_str());
            return;
        }
        QVERIFY2(jinja2Error.empty(), ("jinja2 raised " + jinja2Error + ", we rendered").c_str());
        QCOMPARE(QString::fromStdString(rendered), QString::fromStdString(c["expected"].get<std::string>()));
    }

    // transformers renders with {**tokenizer.special_tokens_map, ...}: every named special token
    // that is set, additional_special_tokens as a list, model-specific named tokens.
    void specialTokensInTemplateContext() {
        const fs::path dir = fs::temp_directory_path() / "awq_chat_special_tokens";
        fs::remove_all(dir);
        fs::create_directories(dir);
        std::ofstream(dir / "tokenizer.json") << kTinyTokenizer;
        std::ofstream(dir / "tokenizer_config.json") << R"({
            "bos_token": "<s>", "eos_token": {"content": "</s>", "special": true}, "unk_token": "<unk>",
            "sep_token": "<sep>", "pad_token": null, "cls_token": "<cls>", "mask_token": "<mask>",
            "additional_special_tokens": ["<|a|>", {"content": "<|b|>"}],
            "extra_special_tokens": {"image_token": "<image>"}})";
        std::ofstream(dir / "chat_template.jinja") << "{{ bos_token }}{{ eos_token }}{{ unk_token }}{{ sep_token }}{{ cls_token }}"
                                                      "{{ mask_token }}|{{ pad_token is defined }}|{{ additional_special_tokens }}|{{ image_token }}";
        QCOMPARE(awq::Tokenizer::load(dir).applyChatTemplate({{"user", "hi"}}, false),
                 std::string("<s></s><unk><sep><cls><mask>|False|['<|a|>', '<|b|>']|<image>"));

        // special_tokens_map.json fills in what tokenizer_config.json lacks; the config's list wins
        std::ofstream(dir / "special_tokens_map.json") << R"({"pad_token": "<pad>", "additional_special_tokens": ["<|z|>"]})";
        std::ofstream(dir / "tokenizer_config.json") << R"({"bos_token": "<s>", "additional_special_tokens": ["<|a|>"]})";
        std::ofstream(dir / "chat_template.jinja") << "{{ pad_token }}{{ additional_special_tokens }}{{ eos_token is defined }}";
        QCOMPARE(awq::Tokenizer::load(dir).applyChatTemplate({}, false), std::string("<pad>['<|a|>']False"));
        fs::remove_all(dir);

        // Tokenizer::fromJson gives its template the same variables (here the plain-text fallback's)
        const auto tok = awq::Tokenizer::fromJson(kTinyTokenizer, R"({"additional_special_tokens": ["<x>"], "sep_token": "<sep>"})");
        QVERIFY(tok.chatTemplate().isFallback());
        awq::ChatTemplate probe("{{ sep_token }}{{ additional_special_tokens | length }}");
        probe.setVariable("sep_token", "<sep>");
        probe.setVariableJson("additional_special_tokens", R"(["<x>"])");
        QCOMPARE(probe.render({}, false), std::string("<sep>1"));
        QVERIFY_THROWS_EXCEPTION(awq::Error, probe.setVariableJson("x", "[not json"));
    }

    // Extra variables, as apply_chat_template(tools=..., documents=..., **kwargs) passes them.
    void extraVariables() {
        awq::ChatTemplate t("{{ bos_token }}|{{ tools | tojson }}|{{ documents }}|{{ enable_thinking is defined }}|{{ messages | length }}");
        t.setVariable("bos_token", "<s>");
        t.setVariable("eos_token", "");  // empty: left out, like a special token that isn't set
        QCOMPARE(t.render({{"user", "x"}}, false), std::string("<s>|null|None|False|1"));
        const awq::ChatVariables extra = {{"tools", R"([{"type": "function", "function": {"name": "f"}}])"},
                                          {"enable_thinking", "false"},
                                          {"bos_token", R"("<override>")"},
                                          {"documents", R"([{"title": "t"}])"}};
        QCOMPARE(t.render({{"user", "x"}}, false, extra),
                 std::string(R"(<override>|[{"type": "function", "function": {"name": "f"}}]|[{'title': 't'}]|True|1)"));
        QCOMPARE(t.renderJson(R"([{"role": "user", "content": "x"}, {"role": "assistant", "content": "y"}])", false, extra),
                 std::string(R"(<override>|[{"type": "function", "function": {"name": "f"}}]|[{'title': 't'}]|True|2)"));

        awq::ChatTemplate thinking("{% if enable_thinking is defined and enable_thinking is false %}no-think{% endif %}[{{ effort }}]");
        QCOMPARE(thinking.render({}, false, {{"enable_thinking", "false"}, {"effort", R"("high")"}}), std::string("no-think[high]"));
        QCOMPARE(thinking.render({}, false, {{"enable_thinking", "true"}}), std::string("[]"));

        // the engine-facing API takes the same variables
        const auto tok = awq::Tokenizer::fromJson(kTinyTokenizer);
        QCOMPARE(tok.applyChatTemplate({{"user", "hi"}}, true, {{"unused", "1"}}), tok.applyChatTemplate({{"user", "hi"}}, true));

        QVERIFY_THROWS_EXCEPTION(awq::Error, t.render({}, false, {{"tools", "[unquoted]"}}));
        QVERIFY_THROWS_EXCEPTION(awq::Error, t.render({}, false, {{"messages", "[]"}}));
        QVERIFY_THROWS_EXCEPTION(awq::Error, t.render({}, false, {{"add_generation_prompt", "true"}}));
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
        QCOMPARE(renderJinja("a{% generation %}b{{ 1 }}{% endgeneration %}c"), std::string("ab1c"));
    }

    void templateFromTokenizerConfig() {
        const fs::path dir = fs::temp_directory_path() / "awq_chat_template_test";
        fs::create_directories(dir);
        {
            std::ofstream(dir / "tokenizer_config.json")
                << R"({"chat_template": [{"name": "tool_use", "template": "T{{ tools|length }}"}, {"name": "default", "template": "D{{ messages|length }}"}]})";
        }
        auto t = awq::ChatTemplate::fromModelFolder(dir);
        QVERIFY(t.has_value() && t->hasToolUseTemplate());
        QCOMPARE(t->render({{"user", "a"}, {"assistant", "b"}}, false), std::string("D2"));
        // As transformers' get_chat_template (Hermes-2-Pro and Command-R ship such lists): "tool_use"
        // whenever tools is not None, an empty list included (a trial found "default" taken always).
        QCOMPARE(t->render({{"user", "a"}}, false, {{"tools", R"([{"type": "function", "function": {"name": "f"}}])"}}), std::string("T1"));
        QCOMPARE(t->renderJson(R"([{"role": "user", "content": "a"}])", false, R"({"tools": []})"), std::string("T0"));
        QCOMPARE(t->render({{"user", "a"}}, false, {{"tools", "null"}}), std::string("D1"));
        {  // "tool_use" alone beside another name: it serves every render; neither: refused
            std::ofstream(dir / "tokenizer_config.json")
                << R"({"chat_template": [{"name": "rag", "template": "R"}, {"name": "tool_use", "template": "T"}]})";
        }
        QCOMPARE(awq::ChatTemplate::fromModelFolder(dir)->render({{"user", "a"}}, false), std::string("T"));
        {
            std::ofstream(dir / "tokenizer_config.json") << R"({"chat_template": [{"name": "rag", "template": "R"}, {"name": "x", "template": "X"}]})";
        }
        QVERIFY(awq::test::errorMessageOf([&] { awq::ChatTemplate::fromModelFolder(dir); }).contains("none named"));
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

    // A failed render's fix names what failed (the filter, test, variable or field) and the
    // template line; only the template's own raise_exception() sends the user to the messages.
    void failureFixNamesWhatFailed() {
        auto fixOf = [](const std::string& source) -> std::string {
            try {
                awq::ChatTemplate(source, "t.jinja").render({{"user", "hi"}}, false);
            } catch (const awq::Error& e) {
                return e.fix();
            }
            return "rendered";
        };
        auto check = [](const std::string& fix, std::initializer_list<const char*> parts) {
            for (const char* part : parts) QVERIFY2(fix.find(part) != std::string::npos, (fix + " lacks " + part).c_str());
        };
        const std::string refused = fixOf("{% if messages[0].role == 'user' %}\n{{ raise_exception('no users') }}{% endif %}");
        check(refused, {"raise_exception at line 2", "check the messages"});
        // a filter jinja2 doesn't have fails the render, as transformers' compile at render time does;
        // the template (and so the tokenizer) still loads
        awq::ChatTemplate unknown("a\n\n{{ messages | frobnicate }}", "t.jinja");
        QVERIFY_THROWS_EXCEPTION(awq::Error, unknown.render({{"user", "hi"}}, false));
        const std::string unknownFilter = fixOf("a\n\n{{ messages | frobnicate }}");
        check(unknownFilter, {"the filter 'frobnicate' at line 3", "not one Jinja2 has"});
        QVERIFY(unknownFilter.find("messages") == std::string::npos);
        check(fixOf("{% if true %}{{ 1 is frobnicated }}{% endif %}"), {"the test 'frobnicated' at line 1"});
        const std::string variable = fixOf("{% for m in messages %}\n{{ m.content + suffix }}{% endfor %}");
        check(variable, {"the variable 'suffix' at line 2", "--var suffix=JSON"});
        QVERIFY(variable.find("messages") == std::string::npos);
        check(fixOf("{{ messages[0].tool_calls[0] }}"), {"reads 'tool_calls' at line 1"});
        check(fixOf("{{ messages[0].content | truncate(1) }}"), {"the filter 'truncate' at line 1"});
        check(fixOf("\n\n\n{{ 1 + 'a' }}"), {"failed at line 4"});
    }

    void sandboxRefuses() {
        using awq::jinja::TemplateError;
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% include 'other.jinja' %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% import 'x' as y %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% extends 'base' %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ range(1000000) | length }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% set l = [1] %}{{ l.append(2) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% set d = {} %}{{ d.update({'a': 1}) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ ('x' * 1000) * 100000 }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ undefined_thing.attr }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ 1 + none }}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ x | no_such_filter }}"));
        // a recursive loop that never ends is bounded like macro recursion
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% for x in [1] recursive %}{{ loop([x]) }}{% endfor %}"));
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{% with a %}{% endwith %}"));
        // one-pass generators can't be indexed or measured, as in jinja2
        QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja("{{ [1, 2] | map('string') | length }}"));
        // globals that would reach outside are simply undefined; jinja2's harmless default globals exist
        QCOMPARE(renderJinja("{{ open is defined }} {{ self is defined }} {{ cycler is defined }}"), std::string("False False True"));
    }
};

QTEST_APPLESS_MAIN(TestChatTemplate)
#include "test_chat_template.moc"
