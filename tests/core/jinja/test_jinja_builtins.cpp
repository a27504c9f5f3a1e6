// Every filter, test and global Jinja2 has built in, and the loop object, against the reference
// Jinja2: data/builtins_cases.json holds one or more cases for each (with their argument defaults,
// keyword forms and errors) and data/builtins_matrix.json each filter and test on each kind of
// value, rendered by jinja2 (the version the files record, 3.1.6 when written) in transformers'
// chat-template environment by data/make_builtins_cases.py.
#include "core/jinja/template.h"
#include "tests/support/jinja2_case.h"
#include "tests/support/jinja_json.h"

#include <QtCore/QElapsedTimer>
#include <QtTest/QtTest>
#include <nlohmann/json.hpp>

#include <set>

using ojson = nlohmann::ordered_json;
using awq::test::renderJinja;

namespace {

const ojson& cases() {
    static const ojson all = awq::test::loadJsonCases("tests/core/jinja/data/builtins_cases.json");
    return all["cases"];
}

const ojson& matrix() {
    static const ojson all = awq::test::loadJsonCases("tests/core/jinja/data/builtins_matrix.json");
    return all["cases"];
}

using awq::test::checkAgainstJinja2;

// The names in Jinja2 3.1's jinja2.filters.FILTERS, jinja2.tests.TESTS and DEFAULT_NAMESPACE.
const char* const kFilters[] = {"abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape",
                                "filesizeformat", "first", "float", "forceescape", "format", "groupby", "indent", "int", "join", "last",
                                "length", "list", "lower", "items", "map", "min", "max", "pprint", "random", "reject", "rejectattr",
                                "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort", "string", "striptags",
                                "sum", "title", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
                                "xmlattr", "tojson"};
const char* const kTests[] = {"odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true",
                              "integer", "float", "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable",
                              "sameas", "escaped", "in", "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=",
                              "<", "lt", "lessthan", "<=", "le"};
const char* const kGlobals[] = {"range", "dict", "lipsum", "cycler", "joiner", "namespace", "raise_exception", "strftime_now"};

}  // namespace

class TestJinjaBuiltins : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesJinja2_data() {
        QTest::addColumn<int>("index");
        QVERIFY2(cases().size() >= 80, "data/builtins_cases.json is missing or short");
        for (std::size_t i = 0; i < cases().size(); ++i) QTest::newRow(cases()[i]["name"].get<std::string>().c_str()) << int(i);
    }

    void matchesJinja2() {
        QFETCH(int, index);
        checkAgainstJinja2(cases()[static_cast<std::size_t>(index)]);
    }

    // Each filter and test on each kind of value: undefined, none, numbers, strings, lists,
    // tuples, dicts, booleans, markup-looking text.
    void onEveryKindOfValue_data() {
        QTest::addColumn<int>("index");
        QVERIFY2(matrix().size() >= 1000, "data/builtins_matrix.json is missing or short");
        for (std::size_t i = 0; i < matrix().size(); ++i) QTest::newRow(matrix()[i]["name"].get<std::string>().c_str()) << int(i);
    }

    void onEveryKindOfValue() {
        QFETCH(int, index);
        checkAgainstJinja2(matrix()[static_cast<std::size_t>(index)]);
    }

    // Each builtin name is known to the interpreter, and each filter / test / global has a case.
    void everyBuiltinIsThere() {
        std::string all;
        for (const auto& c : cases()) all += c["template"].get<std::string>() + "\n";
        for (const char* f : kFilters) {
            QCOMPARE(renderJinja(std::string("{{ '") + f + "' is filter }}"), std::string("True"));
            QVERIFY2(all.find(std::string("| ") + f) != std::string::npos, f);
        }
        for (const char* t : kTests) {
            QCOMPARE(renderJinja(std::string("{{ '") + t + "' is test }}"), std::string("True"));
            QVERIFY2(all.find(std::string("is ") + t) != std::string::npos || all.find(std::string("'") + t + "'") != std::string::npos, t);
        }
        for (const char* g : kGlobals) QCOMPARE(renderJinja(std::string("{{ ") + g + " is defined }}"), std::string("True"));
    }

    // What the sandbox bounds: text and lists a filter or global would build past the output
    // limit or range()'s item limit, and striptags in linear time where markupsafe is quadratic.
    void sandboxBoundsTheBuiltins() {
        using awq::jinja::TemplateError;
        for (const char* t : {"{{ ('a\n' * 100000) | indent(1000) }}", "{{ ('a ' * 100000) | wordwrap(1, wrapstring='x' * 1000) }}",
                              "{{ ('a' * 100000) | replace('', 'x' * 1000) }}", "{{ ('a' * 100000).replace('a', 'x' * 1000) }}",
                              "{{ range(10) | slice(1000000) | list }}", "{{ [1] | batch(1000000, 0) | list }}", "{{ 'x' | center(2000000) }}",
                              "{{ lipsum(2000) }}", "{{ range(3) | map('center', 3000000) | list }}"})
            QVERIFY_THROWS_EXCEPTION(TemplateError, renderJinja(t));
        QElapsedTimer timer;
        timer.start();
        const std::string stripped = renderJinja("{{ ('<!--c-->y' * 100000 + '<b>x' * 100000) | striptags | length }}");
        QCOMPARE(stripped, std::string("200000"));  // 100000 y and 100000 x
        QVERIFY2(timer.elapsed() < 10000, "striptags took quadratic time");  // linear: milliseconds; quadratic: minutes
    }

    // lipsum and random draw at random: what every draw must satisfy.
    void randomDraws() {
        for (int i = 0; i < 20; ++i) {
            const std::string pick = renderJinja("{{ [1, 2, 3] | random }}");
            QVERIFY(pick == "1" || pick == "2" || pick == "3");
            const std::string text = renderJinja("{{ lipsum(1, false, 20, 22) }}");
            const auto words = std::count(text.begin(), text.end(), ' ') + 1;
            QVERIFY2(words >= 20 && words <= 21, text.c_str());
            QVERIFY(text.back() == '.');
            QVERIFY(std::isupper(static_cast<unsigned char>(text[0])));
        }
        const std::string html = renderJinja("{{ lipsum(2) }}");
        QVERIFY(html.rfind("<p>", 0) == 0 && html.find("</p>\n<p>") != std::string::npos);
    }
};

QTEST_MAIN(TestJinjaBuiltins)
#include "test_jinja_builtins.moc"
