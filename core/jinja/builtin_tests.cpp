// jinja2's builtin tests (jinja2.tests.TESTS).
#include "core/jinja/interpreter.h"

namespace awq::jinja {

bool Interpreter::applyTest(const std::string& name, const Value& v, const CallArgs& a, int line) {
    auto other = [&]() -> const Value& {
        if (a.positional.empty()) fail(line, "test '" + name + "' needs an argument");
        return a.positional[0];
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
    if (name == "callable") return v.isCallable();
    if (name == "even" || name == "odd") {
        if (!v.isNumber()) fail(line, "test '" + name + "' needs a number");
        const std::int64_t x = v.asInt();
        return name == "even" ? x % 2 == 0 : x % 2 != 0;
    }
    if (name == "divisibleby") {
        const Value& d = other();
        if (!v.isNumber() || !d.isNumber() || d.asInt() == 0) fail(line, "divisibleby needs non-zero numbers");
        return v.asInt() % d.asInt() == 0;
    }
    if (name == "eq" || name == "equalto" || name == "==") return v == other();
    if (name == "ne" || name == "!=") return !(v == other());
    if (name == "lt" || name == "lessthan" || name == "<") return compare(v, other(), line) < 0;
    if (name == "le" || name == "<=") return compare(v, other(), line) <= 0;
    if (name == "gt" || name == "greaterthan" || name == ">") return compare(v, other(), line) > 0;
    if (name == "ge" || name == ">=") return compare(v, other(), line) >= 0;
    if (name == "in") return contains(other(), v, line);
    if (name == "sameas") {
        const Value& o = other();
        if (v.isNone() || o.isNone()) return v.isNone() && o.isNone();
        if (v.isBool() || o.isBool()) return v.isBool() && o.isBool() && v.asBool() == o.asBool();
        if (v.isArray() && o.isArray()) return v.arrayPtr() == o.arrayPtr();
        if (v.isObject() && o.isObject()) return v.objectPtr() == o.objectPtr();
        return v == o && v.typeName() == o.typeName();
    }
    if (name == "lower") return v.isString() && pyLower(v.asString()) == v.asString();
    if (name == "upper") return v.isString() && asciiUpper(v.asString()) == v.asString();
    fail(line, "no test named '" + name + "'");
}

}  // namespace awq::jinja
