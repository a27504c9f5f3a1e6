// The interpreter's expressions with Python's semantics: operators (and / or returning operands,
// floor division and modulo, comparisons and `in`), calls, items and slices, `%` formatting.
#include "core/jinja/interpreter.h"

#include <limits>

namespace awq::jinja {

Value Interpreter::eval(const Expr& e) {
    switch (e.kind) {
        case Expr::Kind::Literal:
            return e.value;
        case Expr::Kind::Name:
            return lookup(e.name);
        case Expr::Kind::Attr:
            return getAttr(eval(*e.a), e.name, e.line);
        case Expr::Kind::Item:
            return getItem(eval(*e.a), eval(*e.b), e.line);
        case Expr::Kind::Slice:
            return slice(eval(*e.a), e.b ? eval(*e.b) : Value(nullptr), e.c ? eval(*e.c) : Value(nullptr),
                         e.d ? eval(*e.d) : Value(nullptr), e.line);
        case Expr::Kind::Call: {
            const Value callee = eval(*e.a);
            return callValue(callee, evalArgs(e.args), e.line);
        }
        case Expr::Kind::Filter:
            return filterCall(e, eval(*e.a));
        case Expr::Kind::Test: {
            const bool r = applyTest(e.name, eval(*e.a), evalArgs(e.args), e.line);
            return Value(e.negate ? !r : r);
        }
        case Expr::Kind::Unary: {
            const Value v = eval(*e.a);
            if (e.name == "not") return Value(!v.truthy());
            requireDefined(v, e.line);
            if (!v.isNumber()) fail(e.line, "bad operand type for unary " + e.name + ": '" + v.typeName() + "'");
            if (e.name == "+") return v.isBool() ? Value(v.asInt()) : v;
            if (v.isFloat()) return Value(-v.asDouble());
            if (v.asInt() == std::numeric_limits<std::int64_t>::min()) failIntegerOverflow(e.line, "-(" + std::to_string(v.asInt()) + ")");
            return Value(-v.asInt());
        }
        case Expr::Kind::Binary:
            return binary(e);
        case Expr::Kind::Compare: {
            Value left = eval(*e.items[0]), result;
            for (std::size_t i = 0; i < e.ops.size(); ++i) {
                Value right = eval(*e.items[i + 1]);
                result = binaryOp(e.ops[i], left, right, e.line);
                if (!result.truthy()) return result;  // Python stops at the first false link
                left = std::move(right);
            }
            return result;
        }
        case Expr::Kind::Cond:
            if (eval(*e.a).truthy()) return eval(*e.b);
            return e.c ? eval(*e.c) : Value::undefined();
        case Expr::Kind::List:
        case Expr::Kind::Tuple: {
            Array out;
            for (const auto& i : e.items) out.push_back(eval(*i));
            return e.kind == Expr::Kind::Tuple ? Value::tuple(std::move(out)) : Value(std::move(out));
        }
        case Expr::Kind::Dict: {
            // keys keep their type: {0: 'a'} is keyed by the integer 0, as in Python
            auto d = std::make_shared<Object>();
            for (std::size_t i = 0; i < e.items.size(); ++i) {
                Value key = eval(*e.keys[i]);
                Value value = eval(*e.items[i]);
                withLine(e.line, [&] { d->setKey(key, std::move(value)); });
            }
            return Value(d);
        }
    }
    return Value::undefined();
}

CallArgs Interpreter::evalArgs(const Arguments& args) {
    CallArgs out;
    for (const auto& e : args.positional) out.positional.push_back(eval(*e));
    for (const auto& [k, e] : args.keyword) out.keyword.emplace_back(k, eval(*e));
    return out;
}

Value Interpreter::callValue(const Value& callee, const CallArgs& args, int line) {
    // a recursive for loop's `loop` object is callable: loop(items)
    if (callee.isObject())
        if (const Value* call = callee.asObject().find("__call__"); call && call->isCallable()) return call->asCallable().fn(*this, args);
    if (!callee.isCallable()) {
        if (callee.isUndefined()) failUndefined(callee, line);
        fail(line, "'" + callee.typeName() + "' object is not callable");
    }
    // what a builtin function or method raises happened on the line that called it
    Value result;
    withLine(line, [&] { result = callee.asCallable().fn(*this, args); });
    return result;
}

Value Interpreter::filterCall(const Expr& f, Value input) {
    const CallArgs args = evalArgs(f.args);
    try {
        return applyFilter(f.name, input, args, f.line);
    } catch (const TemplateError& e) {
        if (e.cause() != TemplateError::Cause::Other) throw;
        if (e.line() > 0) throw TemplateError(e.what(), e.line(), TemplateError::Cause::Filter, f.name);
        fail(f.line, e.what(), TemplateError::Cause::Filter, f.name);
    }
}

Value Interpreter::binary(const Expr& e) {
    const std::string& op = e.name;
    if (op == "and") {
        Value l = eval(*e.a);
        return l.truthy() ? eval(*e.b) : l;
    }
    if (op == "or") {
        Value l = eval(*e.a);
        return l.truthy() ? l : eval(*e.b);
    }
    const Value l = eval(*e.a);
    const Value r = eval(*e.b);
    return binaryOp(op, l, r, e.line);
}

Value Interpreter::binaryOp(const std::string& op, const Value& l, const Value& r, int line) {
    if (op == "==") return Value(l == r);
    // str % args: Python's printf-style formatting (an undefined argument prints as "")
    if (op == "%" && l.isString()) return percentFormat(l.asString(), r, line);
    if (op == "!=") return Value(!(l == r));
    if (op == "~") return Value(l.str() + r.str());
    if (op == "in" || op == "not in") {
        const bool found = contains(r, l, line);
        return Value(op == "in" ? found : !found);
    }
    if (op == "<" || op == "<=" || op == ">" || op == ">=") {
        const int c = compare(l, r, line, op);
        if (op == "<") return Value(c < 0);
        if (op == "<=") return Value(c <= 0);
        if (op == ">") return Value(c > 0);
        return Value(c >= 0);
    }
    requireDefined(l, line);
    requireDefined(r, line);
    if (op == "+") {
        if (l.isNumber() && r.isNumber()) return arith(l, r, '+', line);
        if (l.isMarkup() || r.isMarkup())  // Markup.__add__ / __radd__ escape the other operand
            if (l.isString() && r.isString()) return Value::markup(escapeMarkup(l).asString() + escapeMarkup(r).asString());
        if (l.isString() && r.isString()) return Value(l.asString() + r.asString());
        if (l.isArray() && r.isArray() && l.isTuple() == r.isTuple()) {
            Array out = l.asArray();
            out.insert(out.end(), r.asArray().begin(), r.asArray().end());
            return l.isTuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
        }
        // Python's own words for str + 1, [1] + (2,), ...
        if (l.isString() || l.isArray())
            fail(line, "can only concatenate " + l.typeName() + " (not \"" + r.typeName() + "\") to " + l.typeName());
    } else if (op == "-") {
        if (l.isNumber() && r.isNumber()) return arith(l, r, '-', line);
    } else if (op == "*") {
        if (l.isNumber() && r.isNumber()) return arith(l, r, '*', line);
        const Value* seq = l.isString() || l.isArray() ? &l : r.isString() || r.isArray() ? &r : nullptr;
        const Value* times = seq == &l ? &r : &l;
        if (seq && times->isNumber() && !times->isFloat()) {
            const std::int64_t n = std::max<std::int64_t>(0, times->asInt());
            if (seq->isString()) {
                if (static_cast<std::size_t>(n) * seq->asString().size() > limits_.maxOutputBytes) fail(line, "string too long");
                std::string out;
                for (std::int64_t k = 0; k < n; ++k) out += seq->asString();
                return Value(std::move(out));
            }
            if (static_cast<std::size_t>(n) * seq->asArray().size() > 1000000) fail(line, "list too long");
            Array out;
            for (std::int64_t k = 0; k < n; ++k) out.insert(out.end(), seq->asArray().begin(), seq->asArray().end());
            return Value(std::move(out));
        }
    } else if (op == "/") {
        if (l.isNumber() && r.isNumber()) {
            if (r.asDouble() == 0.0) fail(line, "division by zero");
            return Value(l.asDouble() / r.asDouble());
        }
    } else if (op == "//" || op == "%") {
        if (l.isNumber() && r.isNumber()) {
            if (r.asDouble() == 0.0) {  // Python's words
                const bool floats = l.isFloat() || r.isFloat();
                if (op == "//") fail(line, floats ? "float floor division by zero" : "integer division or modulo by zero");
                fail(line, floats ? "float modulo" : "integer modulo by zero");
            }
            if (!l.isFloat() && !r.isFloat()) {
                const std::int64_t a = l.asInt(), b = r.asInt();
                if (a == std::numeric_limits<std::int64_t>::min() && b == -1) {
                    if (op == "%") return Value(std::int64_t(0));
                    failIntegerOverflow(line, std::to_string(a) + " // -1");
                }
                const std::int64_t q = floorDiv(a, b);
                return op == "//" ? Value(q) : Value(a - q * b);
            }
            const double a = l.asDouble(), b = r.asDouble();
            const double q = std::floor(a / b);
            return op == "//" ? Value(q) : Value(a - q * b);
        }
    } else if (op == "**") {
        if (l.isNumber() && r.isNumber()) {
            if (!l.isFloat() && !r.isFloat() && r.asInt() >= 0) {  // by squaring, failing past 64 bits
                std::int64_t result = 1, base = l.asInt();
                bool overflow = false;
                for (std::int64_t n = r.asInt(); n > 0 && !overflow; n >>= 1) {
                    if (n & 1) overflow = __builtin_mul_overflow(result, base, &result);
                    if (n > 1 && !overflow) overflow = __builtin_mul_overflow(base, base, &base);
                }
                if (overflow) failIntegerOverflow(line, std::to_string(l.asInt()) + " ** " + std::to_string(r.asInt()));
                return Value(result);
            }
            return Value(std::pow(l.asDouble(), r.asDouble()));
        }
    }
    fail(line, "unsupported operand type(s) for " + op + ": '" + l.typeName() + "' and '" + r.typeName() + "'");
}

void Interpreter::failIntegerOverflow(int line, const std::string& expression) {
    fail(line, "integer overflow: " + expression + " is past 64 bits (jinja2 computes with Python's unbounded integers; this "
               "interpreter's are 64-bit)");
}

Value Interpreter::arith(const Value& l, const Value& r, char op, int line) {
    if (!l.isFloat() && !r.isFloat()) {
        const std::int64_t a = l.asInt(), b = r.asInt();
        std::int64_t out = 0;
        const bool overflow = op == '+' ? __builtin_add_overflow(a, b, &out) : op == '-' ? __builtin_sub_overflow(a, b, &out) : __builtin_mul_overflow(a, b, &out);
        if (overflow) failIntegerOverflow(line, std::to_string(a) + " " + op + " " + std::to_string(b));
        return Value(out);
    }
    const double a = l.asDouble(), b = r.asDouble();
    return Value(op == '+' ? a + b : op == '-' ? a - b : a * b);
}

int Interpreter::compare(const Value& l, const Value& r, int line, std::string_view op) {
    requireDefined(l, line);
    requireDefined(r, line);
    if (const auto c = compareValues(l, r)) return *c;
    // Python compares lists at their first unequal items, and names those
    const Value *x = &l, *y = &r;
    while (x->isArray() && y->isArray() && x->isTuple() == y->isTuple()) {
        const Array &xs = x->asArray(), &ys = y->asArray();
        std::size_t i = 0;
        while (i < xs.size() && i < ys.size() && xs[i] == ys[i]) ++i;
        if (i == xs.size() || i == ys.size()) break;
        x = &xs[i];
        y = &ys[i];
    }
    requireDefined(*x, line);
    requireDefined(*y, line);
    fail(line, "'" + std::string(op) + "' not supported between instances of '" + x->typeName() + "' and '" + y->typeName() + "'");
}

bool Interpreter::contains(const Value& container, const Value& item, int line) {
    if (container.isString()) {
        if (!item.isString()) fail(line, "'in <string>' requires string as left operand, not " + item.typeName());
        return container.asString().find(item.asString()) != std::string::npos;
    }
    if (container.isArray() || container.isGenerator()) {
        for (const auto& v : iterate(container, line))
            if (v == item) return true;
        return false;
    }
    if (container.isObject() && !container.asObject().isNamespace) {
        if (!hashKey(item)) fail(line, "unhashable type: '" + item.typeName() + "'");
        return container.asObject().findKey(item) != nullptr;
    }
    if (container.isUndefined()) return false;
    fail(line, "argument of type '" + container.typeName() + "' is not iterable");
}

Value Interpreter::getItem(const Value& obj, const Value& key, int line) {
    if (obj.isObject()) {
        const Value* v = obj.asObject().isNamespace ? obj.asObject().find(key.str()) : obj.asObject().findKey(key);
        if (v) return *v;
        if (key.isString() && !obj.asObject().isNamespace) return methodOf(obj, key.asString(), line);
        return missingItem(obj, key);
    }
    if (obj.isArray() || obj.isString()) {
        if (!key.isNumber() || key.isFloat()) {
            if (key.isString()) return getAttr(obj, key.asString(), line);
            return missingItem(obj, key);  // Python's TypeError, which jinja2's getitem turns into undefined
        }
        std::int64_t i = key.asInt();
        if (obj.isArray()) {
            const auto& a = obj.asArray();
            if (i < 0) i += static_cast<std::int64_t>(a.size());
            if (i < 0 || i >= static_cast<std::int64_t>(a.size())) return missingItem(obj, key);
            return a[static_cast<std::size_t>(i)];
        }
        const auto cps = codePoints(obj.asString());
        if (i < 0) i += static_cast<std::int64_t>(cps.size());
        if (i < 0 || i >= static_cast<std::int64_t>(cps.size())) return missingItem(obj, key);
        return Value(cps[static_cast<std::size_t>(i)]);
    }
    if (obj.isCallable() && key.isString()) return getAttr(obj, key.asString(), line);  // m['name'], as jinja2 falls back to getattr
    if (obj.isUndefined()) failUndefined(obj, line);
    return missingItem(obj, key);
}

Value Interpreter::slice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV, int line) {
    const bool isStr = obj.isString();
    if (!isStr && !obj.isArray()) {
        if (obj.isUndefined()) failUndefined(obj, line);
        fail(line, "'" + obj.typeName() + "' object is not subscriptable");
    }
    std::vector<std::string> cps;
    if (isStr) cps = codePoints(obj.asString());
    const std::int64_t n = isStr ? static_cast<std::int64_t>(cps.size()) : static_cast<std::int64_t>(obj.asArray().size());
    auto num = [&](const Value& v, const char* what) -> std::optional<std::int64_t> {
        if (v.isNone() || v.isUndefined()) return std::nullopt;
        if (!v.isNumber() || v.isFloat()) fail(line, std::string("slice ") + what + " must be an integer");
        return v.asInt();
    };
    const std::int64_t step = num(stepV, "step").value_or(1);
    if (step == 0) fail(line, "slice step cannot be zero");
    auto clampIndex = [&](std::optional<std::int64_t> v, std::int64_t def) {
        if (!v) return def;
        std::int64_t x = *v;
        if (x < 0) x += n;
        if (step > 0) return std::clamp<std::int64_t>(x, 0, n);
        return std::clamp<std::int64_t>(x, -1, n - 1);
    };
    const std::int64_t start = clampIndex(num(startV, "start"), step > 0 ? 0 : n - 1);
    const std::int64_t stop = clampIndex(num(stopV, "stop"), step > 0 ? n : -1);
    if (isStr) {
        std::string out;
        for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out += cps[static_cast<std::size_t>(i)];
        return Value(std::move(out));
    }
    Array out;
    for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) out.push_back(obj.asArray()[static_cast<std::size_t>(i)]);
    return Value(std::move(out));
}

Value Interpreter::percentFormat(const std::string& format, const Value& args, int line) {
    std::string out;
    withLine(line, [&] { out = jinja::percentFormat(format, args); });
    if (out.size() > limits_.maxOutputBytes) fail(line, "string too long");
    return Value(std::move(out));
}

JsonFormat Interpreter::jsonFormatOf(const CallArgs& a, int line) {
    JsonFormat f;
    f.ensureAscii = a.get(0, "ensure_ascii") && a.get(0, "ensure_ascii")->truthy();
    f.sortKeys = a.get(3, "sort_keys") && a.get(3, "sort_keys")->truthy();
    if (const Value* indent = a.get(1, "indent"); indent && !indent->isNone()) {
        if (indent->isString()) f.indent = indent->asString();
        else if (indent->isInt() || indent->isBool()) {
            if (indent->asInt() > 1024) fail(line, "tojson: indent is too large for the sandbox");
            f.indent = std::string(static_cast<std::size_t>(std::max<std::int64_t>(indent->asInt(), 0)), ' ');
        }
        else fail(line, "can't multiply sequence by non-int of type '" + indent->typeName() + "'");
    }
    if (const Value* sep = a.get(2, "separators"); sep && !sep->isNone()) {
        if (!sep->isArray()) fail(line, "cannot unpack non-iterable " + sep->typeName() + " object");
        const Array& pair = sep->asArray();
        if (pair.size() < 2) fail(line, "not enough values to unpack (expected 2, got " + std::to_string(pair.size()) + ")");
        if (pair.size() > 2) fail(line, "too many values to unpack (expected 2)");
        if (!pair[0].isString() || !pair[1].isString()) fail(line, "tojson: separators must be strings");
        f.itemSeparator = pair[0].asString();
        f.keySeparator = pair[1].asString();
    }
    return f;
}

}  // namespace awq::jinja
