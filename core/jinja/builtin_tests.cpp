// jinja2's builtin tests (jinja2.tests.TESTS), each as jinja2 3.1 computes it.
#include "core/jinja/interpreter.h"

#include <array>

namespace awq::jinja {

namespace {

constexpr std::array<std::string_view, 39> kTests = {
    "odd", "even", "divisibleby", "defined", "undefined", "filter", "test", "none", "boolean", "false", "true", "integer", "float",
    "lower", "upper", "string", "mapping", "number", "sequence", "iterable", "callable", "sameas", "escaped", "in",
    "==", "eq", "equalto", "!=", "ne", ">", "gt", "greaterthan", "ge", ">=", "<", "lt", "lessthan", "<=", "le"};

}  // namespace

bool isBuiltinTest(std::string_view name) { return std::find(kTests.begin(), kTests.end(), name) != kTests.end(); }

bool Interpreter::applyTest(const std::string& name, const Value& v, const CallArgs& a, int line) {
    // the tests of two arguments take one after the value; the others none
    const bool binary = name == "divisibleby" || name == "sameas" || name == "in" || name == "==" || name == "eq" || name == "equalto" ||
                        name == "!=" || name == "ne" || name == ">" || name == "gt" || name == "greaterthan" || name == "ge" ||
                        name == ">=" || name == "<" || name == "lt" || name == "lessthan" || name == "<=" || name == "le";
    if (isBuiltinTest(name) && a.positional.size() + a.keyword.size() > (binary ? 1u : 0u))
        fail(line, name + "() takes " + std::to_string(binary ? 2 : 1) + " positional argument(s) but " +
                       std::to_string(a.positional.size() + a.keyword.size() + 1) + " were given");
    auto other = [&](std::string_view argument) -> const Value& {
        const Value* x = a.get(0, argument);
        if (!x) fail(line, name + "() missing 1 required positional argument: '" + std::string(argument) + "'");
        return *x;
    };
    auto isName = [&](bool (*known)(std::string_view)) {
        if (v.isString()) return known(v.asString());
        if (!hashKey(v)) fail(line, "unhashable type: '" + v.typeName() + "'");
        return false;
    };
    if (name == "defined") return !v.isUndefined();
    if (name == "undefined") return v.isUndefined();
    if (name == "none") return v.isNone();
    if (name == "boolean") return v.isBool();
    if (name == "true") return v.isBool() && v.asBool();
    if (name == "false") return v.isBool() && !v.asBool();
    if (name == "integer") return v.isInt();
    if (name == "float") return v.isFloat();
    if (name == "number") return v.isNumber();
    if (name == "string") return v.isString();
    if (name == "mapping") return v.isObject() && !v.asObject().isNamespace;
    // jinja2's Undefined iterates (as empty) and has a length, so it passes both
    if (name == "iterable") return v.isUndefined() || v.isGenerator() || v.isArray() || v.isString() || (v.isObject() && !v.asObject().isNamespace);
    if (name == "sequence") return v.isUndefined() || v.isArray() || v.isString() || (v.isObject() && !v.asObject().isNamespace);
    // jinja2's Undefined and a loop object are callable too
    if (name == "callable") return v.isCallable() || v.isUndefined() || (v.isObject() && v.asObject().className == "LoopContext");
    if (name == "escaped") return v.isMarkup();  // hasattr(value, "__html__")
    if (name == "filter") return isName(isBuiltinFilter);
    if (name == "test") return isName(isBuiltinTest);
    // value % 2 and value % num, with Python's %: a string on the left is formatting, not a number
    if (name == "even" || name == "odd") {
        requireDefined(v, line);
        const Value r = binaryOp("%", v, Value(2), line);
        return name == "even" ? r == Value(0) : r == Value(1);
    }
    if (name == "divisibleby") {
        requireDefined(v, line);
        return binaryOp("%", v, other("num"), line) == Value(0);
    }
    if (name == "eq" || name == "equalto" || name == "==") return v == other("b");
    if (name == "ne" || name == "!=") return !(v == other("b"));
    if (name == "lt" || name == "lessthan" || name == "<") return compare(v, other("b"), line, "<") < 0;
    if (name == "le" || name == "<=") return compare(v, other("b"), line, "<=") <= 0;
    if (name == "gt" || name == "greaterthan" || name == ">") return compare(v, other("b"), line, ">") > 0;
    if (name == "ge" || name == ">=") return compare(v, other("b"), line, ">=") >= 0;
    if (name == "in") return contains(other("seq"), v, line);
    if (name == "sameas") {
        const Value& o = other("other");
        if (v.isNone() || o.isNone()) return v.isNone() && o.isNone();
        if (v.isBool() || o.isBool()) return v.isBool() && o.isBool() && v.asBool() == o.asBool();
        if (v.isArray() && o.isArray()) return v.arrayPtr() == o.arrayPtr();
        if (v.isObject() && o.isObject()) return v.objectPtr() == o.objectPtr();
        return v == o && v.typeName() == o.typeName();
    }
    if (name == "lower" || name == "upper") return *pyStrPredicate(name == "lower" ? "islower" : "isupper", v.str());  // str(value).islower()
    fail(line, "No test named '" + name + "'.", TemplateError::Cause::UnknownTest, name);
}

}  // namespace awq::jinja
