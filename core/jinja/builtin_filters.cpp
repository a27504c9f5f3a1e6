// jinja2's builtin filters (jinja2.filters.FILTERS) and transformers' tojson, with their
// argument defaults and keyword arguments; the text-heavy ones are in text_filters.cpp.
#include "core/jinja/interpreter.h"

#include "core/util/html_escape.h"

namespace awq::jinja {

namespace {
const Value* arg(const CallArgs& a, std::size_t i, std::string_view name) { return a.get(i, name); }
bool argBool(const CallArgs& a, std::size_t i, std::string_view name, bool def) {
    const Value* v = a.get(i, name);
    return v ? v->truthy() : def;
}
}  // namespace

Value Interpreter::applyFilter(const std::string& name, const Value& v, const CallArgs& a, int line) {
    auto attrPath = [&](const Value& item, const Value* attribute) -> Value {
        if (!attribute || attribute->isNone() || attribute->isUndefined()) return item;
        Value cur = item;
        const std::string path = attribute->str();
        std::size_t start = 0;
        while (true) {
            const std::size_t dot = path.find('.', start);
            const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
            cur = numeric ? getItem(cur, Value(static_cast<std::int64_t>(std::stoll(part))), line) : getItem(cur, Value(part), line);
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        return cur;
    };
    auto sortKey = [&](const Value& x, bool caseSensitive) { return !caseSensitive && x.isString() ? Value(pyLower(x.asString())) : x; };

    if (name == "trim") return Value(pyStrip(v.str(), arg(a, 0, "chars"), true, true));
    if (name == "length" || name == "count") {
        if (v.isString()) return Value(static_cast<std::int64_t>(codePoints(v.asString()).size()));
        if (v.isArray()) return Value(static_cast<std::int64_t>(v.asArray().size()));
        if (v.isObject()) return Value(static_cast<std::int64_t>(v.asObject().items.size()));
        if (v.isUndefined()) return Value(static_cast<std::int64_t>(0));
        fail(line, "object of type '" + v.typeName() + "' has no len()");
    }
    if (name == "upper") return Value(asciiUpper(v.str()));
    if (name == "lower") return Value(pyLower(v.str()));
    if (name == "title") return Value(pyTitle(v.str()));
    if (name == "capitalize") return Value(pyCapitalize(v.str()));
    if (name == "replace") {
        const Value* from = arg(a, 0, "old");
        const Value* to = arg(a, 1, "new");
        const Value* count = arg(a, 2, "count");
        if (!from || !to) fail(line, "replace needs two arguments");
        return Value(replaceAll(v.str(), from->str(), to->str(), count && count->isNumber() ? count->asInt() : -1));
    }
    if (name == "join") {
        const Value* sep = arg(a, 0, "d");
        const Value* attribute = arg(a, 1, "attribute");
        std::string out;
        bool first = true;
        for (const auto& item : iterate(v, line)) {
            out += (first ? std::string() : (sep ? sep->str() : std::string())) + attrPath(item, attribute).str();
            first = false;
        }
        return Value(std::move(out));
    }
    if (name == "default" || name == "d") {
        const bool boolean = argBool(a, 1, "boolean", false);
        if (v.isUndefined() || (boolean && !v.truthy())) {
            const Value* def = arg(a, 0, "default_value");
            return def ? *def : Value("");
        }
        return v;
    }
    if (name == "last" && v.isGenerator()) fail(line, "'generator' object is not reversible");
    if (name == "first" || name == "last") {
        const Array items = iterate(v, line);
        if (items.empty()) return Value::undefined(name, "No " + name + " item, sequence was empty.");
        return name == "first" ? items.front() : items.back();
    }
    if (name == "list") return Value(iterate(v, line));
    if (name == "string") return Value(v.str());
    if (name == "safe") return v;
    if (name == "e" || name == "escape" || name == "forceescape") return Value(htmlEscape(v.str()));
    if (name == "int") {
        requireDefined(v, line);
        const Value* def = arg(a, 0, "default");
        if (v.isNumber()) return Value(v.asInt());
        if (v.isString()) {
            try {
                std::size_t used = 0;
                const std::string s = pyStrip(v.asString(), nullptr, true, true);
                const long long x = std::stoll(s, &used, 10);
                if (used == s.size()) return Value(static_cast<std::int64_t>(x));
                const double d = std::stod(s, &used);
                if (used == s.size()) return Value(static_cast<std::int64_t>(d));
            } catch (const std::exception&) {
            }
        }
        return def ? *def : Value(static_cast<std::int64_t>(0));
    }
    if (name == "float") {
        requireDefined(v, line);
        const Value* def = arg(a, 0, "default");
        if (v.isNumber()) return Value(v.asDouble());
        if (v.isString()) {
            try {
                std::size_t used = 0;
                const std::string s = pyStrip(v.asString(), nullptr, true, true);
                const double d = std::stod(s, &used);
                if (used == s.size()) return Value(d);
            } catch (const std::exception&) {
            }
        }
        return def ? *def : Value(0.0);
    }
    if (name == "abs") {
        if (!v.isNumber()) fail(line, "bad operand type for abs(): '" + v.typeName() + "'");
        return v.isFloat() ? Value(std::fabs(v.asDouble())) : Value(v.asInt() < 0 ? -v.asInt() : v.asInt());
    }
    if (name == "round") {
        const Value* precision = arg(a, 0, "precision");
        const Value* method = arg(a, 1, "method");
        const std::int64_t p = precision && precision->isNumber() ? precision->asInt() : 0;
        const std::string m = method ? method->str() : "common";
        if (!v.isNumber()) fail(line, "type " + v.typeName() + " doesn't define __round__ method");
        if (m == "common" && !v.isFloat() && p >= 0) return Value(v.asInt());  // Python's round(int, n) is that int
        const double scale = std::pow(10.0, static_cast<double>(p));
        double x = v.asDouble() * scale;
        x = m == "ceil" ? std::ceil(x) : m == "floor" ? std::floor(x) : std::nearbyint(x);  // Python round(): half to even
        return Value(x / scale);
    }
    if (name == "tojson") {
        // transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        // json.dumps without Jinja's HTML escaping
        const JsonFormat format = jsonFormatOf(a, line);
        std::string json;
        withLine(line, [&] { json = v.toJson(format); });
        return Value(std::move(json));
    }
    if (name == "items") {
        if (v.isUndefined()) return Value::generator({}, "do_items");
        if (!v.isObject() || v.asObject().isNamespace) fail(line, "Can only get item pairs from a mapping.");
        Array out;
        for (const auto& [k, val] : v.asObject().items) out.push_back(Value::tuple(Array{k, val}));
        return Value::generator(std::move(out), "do_items");
    }
    if (name == "dictsort") {
        requireDefined(v, line);
        if (!v.isObject() || v.asObject().isNamespace) fail(line, "'" + v.typeName() + "' object has no attribute 'items'");
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const Value* by = arg(a, 1, "by");
        const bool byValue = by && by->str() == "value";
        const bool reverse = argBool(a, 2, "reverse", false);
        Array out;
        for (const auto& [k, val] : v.asObject().items) out.push_back(Value::tuple(Array{k, val}));
        std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
            const int c = compare(sortKey(x.asArray()[byValue ? 1 : 0], cs), sortKey(y.asArray()[byValue ? 1 : 0], cs), line);
            return reverse ? c > 0 : c < 0;
        });
        return Value(std::move(out));
    }
    if (name == "reverse") {
        if (v.isString()) {
            auto cps = codePoints(v.asString());
            std::string out;
            for (auto it = cps.rbegin(); it != cps.rend(); ++it) out += *it;
            return Value(std::move(out));
        }
        if (!v.isArray() && !v.isObject() && !v.isUndefined() && !v.isGenerator()) fail(line, "argument must be iterable");
        // jinja2 returns reversed(value), an iterator, and a list for what can't be reversed in place
        const bool generator = v.isGenerator();
        const std::string kind = v.isTuple() || v.isUndefined() ? "reversed" : v.isObject() ? "dict_reversekeyiterator" : "list_reverseiterator";
        Array items = iterate(v, line);
        std::reverse(items.begin(), items.end());
        return generator ? Value(std::move(items)) : Value::generator(std::move(items), kind, kind);
    }
    if (name == "sort") {
        const bool reverse = argBool(a, 0, "reverse", false);
        const bool cs = argBool(a, 1, "case_sensitive", false);
        const Value* attribute = arg(a, 2, "attribute");
        Array items = iterate(v, line);
        std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
            const int c = compare(sortKey(attrPath(x, attribute), cs), sortKey(attrPath(y, attribute), cs), line);
            return reverse ? c > 0 : c < 0;
        });
        return Value(std::move(items));
    }
    if (name == "unique") {
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const Value* attribute = arg(a, 1, "attribute");
        Array out, seen;
        for (const auto& item : iterate(v, line)) {
            const Value key = sortKey(attrPath(item, attribute), cs);
            if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
            seen.push_back(key);
            out.push_back(item);
        }
        return Value::generator(std::move(out), "do_unique");
    }
    if (name == "map") {
        Array out;
        if (!v.truthy()) return Value::generator({}, "sync_do_map");  // jinja2 maps nothing over a false value (None, undefined, "")
        const Value* attribute = nullptr;
        for (const auto& [k, val] : a.keyword)
            if (k == "attribute") attribute = &val;
        if (attribute) {
            const Value* def = nullptr;
            for (const auto& [k, val] : a.keyword)
                if (k == "default") def = &val;
            for (const auto& item : iterate(v, line)) {
                Value x = attrPath(item, attribute);
                out.push_back(x.isUndefined() && def ? *def : x);
            }
            return Value::generator(std::move(out), "sync_do_map");
        }
        if (a.positional.empty()) fail(line, "map needs a filter name or attribute=");
        const std::string filter = a.positional[0].str();
        CallArgs rest;
        rest.positional.assign(a.positional.begin() + 1, a.positional.end());
        rest.keyword = a.keyword;
        for (const auto& item : iterate(v, line)) out.push_back(applyFilter(filter, item, rest, line));
        return Value::generator(std::move(out), "sync_do_map");
    }
    if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
        const bool byAttr = name == "selectattr" || name == "rejectattr";
        const bool keep = name == "select" || name == "selectattr";
        std::size_t next = 0;
        const Value* attribute = nullptr;
        if (byAttr) {
            if (a.positional.empty()) fail(line, name + " needs an attribute name");
            attribute = &a.positional[0];
            next = 1;
        }
        std::string test;
        CallArgs testArgs;
        if (a.positional.size() > next) {
            test = a.positional[next].str();
            testArgs.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(next) + 1, a.positional.end());
        }
        Array out;
        if (!v.truthy()) return Value::generator({}, "select_or_reject");  // jinja2 selects nothing from a false value (None, undefined, "")
        for (const auto& item : iterate(v, line)) {
            const Value x = byAttr ? attrPath(item, attribute) : item;
            const bool r = test.empty() ? x.truthy() : applyTest(test, x, testArgs, line);
            if (r == keep) out.push_back(item);
        }
        return Value::generator(std::move(out), "select_or_reject");
    }
    if (name == "sum") {
        const Value* attribute = arg(a, 0, "attribute");
        const Value* start = arg(a, 1, "start");
        Value total = start ? *start : Value(static_cast<std::int64_t>(0));
        for (const auto& item : iterate(v, line)) {
            const Value x = attrPath(item, attribute);
            if (!x.isNumber() || !total.isNumber()) fail(line, "sum needs numbers");
            total = arith(total, x, '+');
        }
        return total;
    }
    if (name == "min" || name == "max") {
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const Value* attribute = arg(a, 1, "attribute");
        const Array items = iterate(v, line);
        if (items.empty()) return Value::undefined(name, "No aggregated item, sequence was empty.");
        std::size_t best = 0;
        for (std::size_t i = 1; i < items.size(); ++i) {
            const int c = compare(sortKey(attrPath(items[i], attribute), cs), sortKey(attrPath(items[best], attribute), cs), line);
            if (name == "min" ? c < 0 : c > 0) best = i;
        }
        return items[best];
    }
    if (name == "indent") {
        // jinja2.filters.do_indent
        const Value* width = arg(a, 0, "width");
        const std::string pad = width && width->isString() ? width->asString()
                                                          : std::string(static_cast<std::size_t>(width && width->isNumber() ? width->asInt() : 4), ' ');
        const bool first = argBool(a, 1, "first", false);
        const bool blank = argBool(a, 2, "blank", false);
        requireDefined(v, line);
        if (!v.isString()) fail(line, "unsupported operand type(s) for +=: '" + v.typeName() + "' and 'str'");
        const std::string s = v.str() + "\n";
        std::vector<std::string> lines;
        for (std::size_t start = 0; start < s.size();) {
            const std::size_t nl = s.find('\n', start);
            lines.push_back(s.substr(start, nl - start));
            start = nl + 1;
        }
        std::string out = lines.empty() ? std::string() : lines[0];
        for (std::size_t i = 1; i < lines.size(); ++i) out += "\n" + ((blank || !lines[i].empty()) ? pad : std::string()) + lines[i];
        return Value(first ? pad + out : out);
    }
    if (name == "format") {
        // jinja2's do_format: str(value) % (kwargs or args)
        if (!a.positional.empty() && !a.keyword.empty()) fail(line, "can't handle positional and keyword arguments at the same time");
        if (!a.keyword.empty()) {
            auto mapping = std::make_shared<Object>();
            for (const auto& [k, x] : a.keyword) mapping->set(k, x);
            return percentFormat(v.str(), Value(mapping), line);
        }
        return percentFormat(v.str(), Value::tuple(a.positional), line);
    }
    if (name == "wordcount") return Value(static_cast<std::int64_t>(pySplit(v.str(), nullptr, -1, false).asArray().size()));
    if (name == "attr") {
        const Value* n = arg(a, 0, "name");
        if (!n) fail(line, "attr needs a name");
        return getAttr(v, n->str(), line);
    }
    fail(line, "no filter named '" + name + "'");
}

}  // namespace awq::jinja
