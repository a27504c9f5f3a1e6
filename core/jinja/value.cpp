#include "core/jinja/value.h"

#include "core/text/unicode.h"
#include "core/util/json_quote.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace awq::jinja {

namespace {
std::string stringKey(std::string_view key) { return "s" + std::string(key); }
thread_local int nesting = 0;
}  // namespace

NestingGuard::NestingGuard() {
    if (++nesting > kMaxNesting) {
        --nesting;
        throw TemplateError("maximum recursion depth exceeded (a value nested more than " + std::to_string(kMaxNesting) + " levels deep)");
    }
}

NestingGuard::~NestingGuard() { --nesting; }

const Value* Object::find(std::string_view key) const {
    auto it = index.find(stringKey(key));
    return it == index.end() ? nullptr : &items[it->second].second;
}

const Value* Object::findKey(const Value& key) const {
    const auto hash = hashKey(key);
    if (!hash) return nullptr;
    auto it = index.find(*hash);
    return it == index.end() ? nullptr : &items[it->second].second;
}

void Object::set(const std::string& key, Value v) { setKey(Value(key), std::move(v)); }

void Object::setKey(const Value& key, Value v) {
    auto hash = hashKey(key);
    if (!hash) throw TemplateError("unhashable type: '" + key.typeName() + "'");
    if (auto it = index.find(*hash); it != index.end()) {
        items[it->second].second = std::move(v);
        return;
    }
    index.emplace(std::move(*hash), items.size());
    items.emplace_back(key, std::move(v));
}

std::optional<std::string> hashKey(const Value& v) {
    if (v.isString()) return stringKey(v.asString());
    if (v.isInt() || v.isBool()) return "i" + std::to_string(v.asInt());
    if (v.isFloat()) {
        // a float equal to an integer is that integer's key (hash(2.0) == hash(2))
        const double d = v.asDouble();
        if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) return "i" + std::to_string(static_cast<std::int64_t>(d));
        return "f" + formatFloat(d);
    }
    if (v.isNone()) return std::string("N");
    if (v.isUndefined()) return std::string("U");  // jinja2's Undefined hashes by its type
    if (v.isTuple()) {
        const NestingGuard guard;
        std::string out = "t" + std::to_string(v.asArray().size());
        for (const auto& item : v.asArray()) {
            auto h = hashKey(item);
            if (!h) return std::nullopt;
            out += ":" + std::to_string(h->size()) + ":" + *h;  // length-prefixed: no two tuples collide
        }
        return out;
    }
    if (v.isCallable() || v.isGenerator()) {  // hashed by identity
        const void* identity = v.isCallable() ? static_cast<const void*>(&v.asCallable()) : static_cast<const void*>(&v.asGenerator());
        return fmt::format("c{}", identity);
    }
    return std::nullopt;  // list, dict: unhashable
}

std::optional<int> compareValues(const Value& a, const Value& b) {
    auto sign = [](auto x, auto y) { return x < y ? -1 : y < x ? 1 : 0; };
    if (a.isNumber() && b.isNumber()) {
        if (a.isFloat() || b.isFloat()) return sign(a.asDouble(), b.asDouble());
        return sign(a.asInt(), b.asInt());
    }
    if (a.isString() && b.isString()) {
        const int c = a.asString().compare(b.asString());  // UTF-8 byte order is code point order
        return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    if (a.isArray() && b.isArray() && a.isTuple() == b.isTuple()) {
        const NestingGuard guard;
        const auto &x = a.asArray(), &y = b.asArray();
        for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (x[i] == y[i]) continue;
            return compareValues(x[i], y[i]);
        }
        return sign(x.size(), y.size());
    }
    return std::nullopt;
}

const Value* CallArgs::get(std::size_t i, std::string_view name) const {
    if (i < positional.size()) return &positional[i];
    for (const auto& [k, v] : keyword)
        if (k == name) return &v;
    return nullptr;
}

Value Value::generator(Array items, std::string function, std::string kind) {
    auto g = std::make_shared<Generator>();
    g->items = std::move(items);
    g->function = std::move(function);
    g->kind = std::move(kind);
    return Value(std::move(g));
}

Value Value::lazyGenerator(std::function<Array()> produce, std::string function) {
    auto g = std::make_shared<Generator>();
    g->produce = std::move(produce);
    g->function = std::move(function);
    g->kind = "generator";
    return Value(std::move(g));
}

std::int64_t Value::asInt() const {
    if (isBool()) return asBool() ? 1 : 0;
    if (isFloat()) {  // saturated: a cast of a float outside int64 is undefined behaviour (Python's int() would grow)
        const double d = std::get<double>(v_);
        if (std::isnan(d)) return 0;
        if (d <= -9.2e18) return std::numeric_limits<std::int64_t>::min();
        if (d >= 9.2e18) return std::numeric_limits<std::int64_t>::max();
        return static_cast<std::int64_t>(d);
    }
    return std::get<std::int64_t>(v_);
}

double Value::asDouble() const {
    if (isFloat()) return std::get<double>(v_);
    return static_cast<double>(asInt());
}

bool Value::truthy() const {
    return std::visit(
        [](const auto& x) -> bool {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, std::nullptr_t>) return false;
            else if constexpr (std::is_same_v<T, bool>) return x;
            else if constexpr (std::is_same_v<T, std::int64_t>) return x != 0;
            else if constexpr (std::is_same_v<T, double>) return x != 0.0;
            else if constexpr (std::is_same_v<T, std::string>) return !x.empty();
            else if constexpr (std::is_same_v<T, std::shared_ptr<Array>>) return !x->empty();
            else if constexpr (std::is_same_v<T, std::shared_ptr<Object>>) return x->isNamespace || !x->items.empty();
            else return true;
        },
        v_);
}

std::string Value::typeName() const {
    if (isUndefined()) return "Undefined";
    if (isNone()) return "NoneType";
    if (isBool()) return "bool";
    if (isInt()) return "int";
    if (isFloat()) return "float";
    if (isString()) return isMarkup() ? "Markup" : "str";
    if (isArray()) return isGroupTuple() ? "_GroupTuple" : isTuple() ? "tuple" : "list";
    if (isObject()) return !asObject().className.empty() ? asObject().className : asObject().isNamespace ? "Namespace" : "dict";
    if (isGenerator()) return asGenerator().kind;
    return "function";
}

std::string formatFloat(double d) {
    if (std::isnan(d)) return "nan";
    if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
    if (d == 0.0) return std::signbit(d) ? "-0.0" : "0.0";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    // sci: [-]D[.DDD]e[+-]XX
    bool negative = sci[0] == '-';
    if (negative) sci.erase(0, 1);
    const auto epos = sci.find('e');
    std::string digits = sci.substr(0, epos);
    digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
    const int exp = std::stoi(sci.substr(epos + 1));
    std::string out;
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            if (static_cast<int>(digits.size()) <= exp + 1) {
                out = digits + std::string(static_cast<std::size_t>(exp + 1) - digits.size(), '0') + ".0";
            } else {
                out = digits.substr(0, static_cast<std::size_t>(exp + 1)) + "." + digits.substr(static_cast<std::size_t>(exp + 1));
            }
        } else {
            out = "0." + std::string(static_cast<std::size_t>(-exp - 1), '0') + digits;
        }
    } else {
        out = digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        fmt::format_to(std::back_inserter(out), "e{}{:02d}", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    return negative ? "-" + out : out;
}

namespace {

std::string pyStringRepr(const std::string& s) {
    const bool hasSingle = s.find('\'') != std::string::npos;
    const bool hasDouble = s.find('"') != std::string::npos;
    const char quote = hasSingle && !hasDouble ? '"' : '\'';
    std::string out(1, quote);
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80 && awq::text::isValidUtf8(s.substr(i, awq::text::utf8SeqLen(c)))) {
            // Python escapes what str.isprintable() says is not printable: \xa0, \u200b, \U000e0001.
            std::size_t at = i;
            const char32_t cp = awq::text::nextCodePoint(s, at);
            if (awq::text::isPrintable(cp)) out.append(s, i, at - i);
            else if (cp < 0x100) fmt::format_to(std::back_inserter(out), "\\x{:02x}", static_cast<unsigned>(cp));
            else if (cp < 0x10000) fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(cp));
            else fmt::format_to(std::back_inserter(out), "\\U{:08x}", static_cast<unsigned>(cp));
            i = at - 1;
            continue;
        }
        switch (c) {
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c == static_cast<unsigned char>(quote)) {
                    out += '\\';
                    out += static_cast<char>(c);
                } else if (c < 0x20 || c == 0x7F) {
                    fmt::format_to(std::back_inserter(out), "\\x{:02x}", static_cast<unsigned>(c));
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += quote;
    return out;
}

void jsonString(const std::string& s, std::string& out, bool ensureAscii) {
    if (ensureAscii) {
        out += '"';
        for (std::size_t i = 0; i < s.size();) {
            const auto c = static_cast<unsigned char>(s[i]);
            if (c < 0x80) {
                const std::string one = jsonQuoted(std::string_view(&s[i], 1));
                out += one.substr(1, one.size() - 2);
                ++i;
                continue;
            }
            char32_t cp = awq::text::nextCodePoint(s, i);
            if (cp >= 0x10000) {
                cp -= 0x10000;
                fmt::format_to(std::back_inserter(out), "\\u{:04x}\\u{:04x}", static_cast<unsigned>(0xD800 + (cp >> 10)),
                               static_cast<unsigned>(0xDC00 + (cp & 0x3FF)));
            } else {
                fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(cp));
            }
        }
        out += '"';
        return;
    }
    appendJsonQuoted(s, out);
}

// json.dumps turns dict keys that aren't strings into strings; other keys are a TypeError.
std::string jsonKey(const Value& key) {
    if (key.isString()) return key.asString();
    if (key.isBool()) return key.asBool() ? "true" : "false";
    if (key.isInt()) return std::to_string(key.asInt());
    if (key.isFloat()) {
        const double d = key.asDouble();
        return std::isnan(d) ? "NaN" : std::isinf(d) ? (d < 0 ? "-Infinity" : "Infinity") : formatFloat(d);
    }
    if (key.isNone()) return "null";
    throw TemplateError("tojson: keys must be str, int, float, bool or None, not " + (key.isTuple() ? std::string("tuple") : key.typeName()));
}

std::string repeatIndent(const std::string& unit, int depth) {
    std::string out;
    for (int i = 0; i < depth; ++i) out += unit;
    return out;
}

void jsonDump(const Value& v, const JsonFormat& f, int depth, std::string& out) {
    if (depth > 512) throw TemplateError("tojson: value is nested too deeply");
    const std::string newline = f.indent ? "\n" + repeatIndent(*f.indent, depth + 1) : "";
    const std::string closing = f.indent ? "\n" + repeatIndent(*f.indent, depth) : "";
    const std::string itemSep = f.itemSeparator ? *f.itemSeparator : f.indent ? "," : ", ";
    if (v.isNone()) {
        out += "null";
    } else if (v.isBool()) {
        out += v.asBool() ? "true" : "false";
    } else if (v.isInt()) {
        out += std::to_string(v.asInt());
    } else if (v.isFloat()) {
        const double d = v.asDouble();
        out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d < 0 ? "-Infinity" : "Infinity") : formatFloat(d);
    } else if (v.isString()) {
        jsonString(v.asString(), out, f.ensureAscii);
    } else if (v.isArray()) {
        const auto& a = v.asArray();
        if (a.empty()) {
            out += "[]";
            return;
        }
        out += "[";
        for (std::size_t i = 0; i < a.size(); ++i) {
            out += i ? itemSep : "";
            out += newline;
            jsonDump(a[i], f, depth + 1, out);
        }
        out += closing + "]";
    } else if (v.isObject() && !v.asObject().isNamespace) {
        const auto& o = v.asObject();
        if (o.items.empty()) {
            out += "{}";
            return;
        }
        std::vector<const std::pair<Value, Value>*> items;
        for (const auto& kv : o.items) items.push_back(&kv);
        if (f.sortKeys) {
            // Python sorts the keys as they are, before turning them into strings; keys it can't
            // order are reported as its sort meets them first (each key against the one before)
            for (std::size_t i = 1; i < items.size(); ++i)
                if (!compareValues(items[i]->first, items[i - 1]->first))
                    throw TemplateError("tojson: '<' not supported between instances of '" + items[i]->first.typeName() + "' and '" +
                                        items[i - 1]->first.typeName() + "'");
            std::stable_sort(items.begin(), items.end(), [](auto* a, auto* b) { return compareValues(a->first, b->first).value_or(0) < 0; });
        }
        out += "{";
        for (std::size_t i = 0; i < items.size(); ++i) {
            out += i ? itemSep : "";
            out += newline;
            jsonString(jsonKey(items[i]->first), out, f.ensureAscii);
            out += f.keySeparator;
            jsonDump(items[i]->second, f, depth + 1, out);
        }
        out += closing + "}";
    } else {
        const std::string type = v.isUndefined() ? "Undefined" : v.isTuple() ? "tuple" : v.typeName();
        throw TemplateError("tojson: Object of type " + type + " is not JSON serializable");
    }
}

}  // namespace

std::string Value::undefinedMessage() const {
    const Undefined& u = std::get<Undefined>(v_);
    if (!u.message.empty()) return u.message;
    return "'" + (u.name.empty() ? std::string("value") : u.name) + "' is undefined";
}

std::string Value::str() const {
    if (isUndefined()) return "";
    if (isString()) return asString();
    return repr();
}

std::string Value::repr() const {
    if (isUndefined()) return "Undefined";  // repr(jinja2.Undefined())
    if (isNone()) return "None";
    if (isBool()) return asBool() ? "True" : "False";
    if (isInt()) return std::to_string(asInt());
    if (isFloat()) return formatFloat(asDouble());
    if (isString()) return isMarkup() ? "Markup(" + pyStringRepr(asString()) + ")" : pyStringRepr(asString());
    if (isArray()) {
        const NestingGuard guard;
        const auto& a = asArray();
        std::string out = isTuple() ? "(" : "[";
        for (std::size_t i = 0; i < a.size(); ++i) out += (i ? ", " : "") + a[i].repr();
        if (isTuple()) return out + (a.size() == 1 ? ",)" : ")");
        return out + "]";
    }
    if (isGenerator()) {
        const Generator& g = asGenerator();
        return g.kind == "generator" ? "<generator object " + g.function + ">" : "<" + g.kind + " object>";
    }
    if (isObject()) {
        const NestingGuard guard;
        const auto& o = asObject();
        if (o.className == "LoopContext") return "<LoopContext " + o.find("index")->str() + "/" + o.find("length")->str() + ">";
        if (!o.className.empty()) return "<jinja2.utils." + o.className + " object>";
        std::string out = o.isNamespace ? "<Namespace {" : "{";
        for (std::size_t i = 0; i < o.items.size(); ++i)
            out += (i ? ", " : "") + o.items[i].first.repr() + ": " + o.items[i].second.repr();
        return out + (o.isNamespace ? "}>" : "}");
    }
    if (const auto& macro = asCallable().macroAttributes) {  // jinja2's Macro.__repr__
        const Value* name = macro->find("name");
        return "<Macro " + (name && name->isString() ? name->repr() : std::string("anonymous")) + ">";
    }
    return "<function " + asCallable().name + ">";
}

std::string Value::toJson(const JsonFormat& format) const {
    std::string out;
    jsonDump(*this, format, 0, out);
    return out;
}

bool operator==(const Value& a, const Value& b) {
    if (a.isNumber() && b.isNumber()) {
        if (a.isFloat() || b.isFloat()) return a.asDouble() == b.asDouble();
        return a.asInt() == b.asInt();
    }
    if (a.v_.index() != b.v_.index()) return false;
    if (a.isUndefined() || a.isNone()) return true;
    if (a.isString()) return a.asString() == b.asString();
    if (a.isArray()) {
        if (a.isTuple() != b.isTuple()) return false;  // (1, 2) != [1, 2] in Python
        const NestingGuard guard;
        const auto &x = a.asArray(), &y = b.asArray();
        if (x.size() != y.size()) return false;
        for (std::size_t i = 0; i < x.size(); ++i)
            if (!(x[i] == y[i])) return false;
        return true;
    }
    if (a.isObject()) {
        const auto &x = a.asObject(), &y = b.asObject();
        if (a.objectPtr() == b.objectPtr()) return true;
        if (x.items.size() != y.items.size() || x.isNamespace || y.isNamespace) return false;
        const NestingGuard guard;
        for (const auto& [k, v] : x.items) {
            const Value* other = y.findKey(k);
            if (!other || !(v == *other)) return false;
        }
        return true;
    }
    if (a.isGenerator()) return &a.asGenerator() == &b.asGenerator();
    return &a.asCallable() == &b.asCallable();
}

}  // namespace awq::jinja
