// The sandboxed Jinja interpreter's attributes and the string / list / dict methods chat templates
// call, with Python semantics (code-point string indexing, immutable lists and dicts); and
// Template: parsing, jinja2's compile-time check of filter and test names, rendering.
#include "core/jinja/interpreter.h"

#include "core/text/unicode.h"

#include <cctype>

namespace awq::jinja {

// ---- attributes and methods ---------------------------------------------------------------------

namespace {

bool isDictMethod(const std::string& name) {
    static const char* const dictMethods[] = {"items", "keys", "values", "get", "copy", "fromkeys", "update", "pop", "popitem", "setdefault", "clear"};
    return std::any_of(std::begin(dictMethods), std::end(dictMethods), [&](const char* m) { return name == m; });
}

// The methods of list and dict that change their value: jinja2's ImmutableSandboxedEnvironment
// makes them unsafe attributes (an undefined that fails when called or printed through a filter).
bool isMutatingMethod(const Value& obj, const std::string& name) {
    static const char* const listMethods[] = {"append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
    static const char* const dictMethods[] = {"clear", "pop", "popitem", "setdefault", "update"};
    auto in = [&](const auto& names) { return std::any_of(std::begin(names), std::end(names), [&](const char* m) { return name == m; }); };
    if (obj.isArray() && !obj.isTuple()) return in(listMethods);
    return obj.isObject() && !obj.asObject().isNamespace && in(dictMethods);
}

// Python's s[start:end] as find / count / startswith see it: code point bounds, negative ones
// counted from the end, the end clamped to the length (the start is not: a start past the end
// finds nothing, not even "").
struct StrRange {
    std::size_t begin = 0, end = 0;  // byte offsets into the string
    std::int64_t first = 0;          // the code point index of `begin`
    bool empty = false;              // start > end: nothing to search
};

StrRange strRange(Interpreter& in, const std::string& s, const Value* startV, const Value* endV, const std::string& method) {
    std::vector<std::size_t> offsets;  // byte offset of each code point, then the size
    for (std::size_t i = 0; i < s.size(); i += std::min(s.size() - i, text::utf8SeqLen(static_cast<unsigned char>(s[i]))))
        offsets.push_back(i);
    offsets.push_back(s.size());
    const auto length = static_cast<std::int64_t>(offsets.size() - 1);
    auto bound = [&](const Value* v, std::int64_t dflt) {
        if (!v || v->isNone()) return dflt;
        if (!v->isInt()) in.fail(0, method + "(): slice indices must be integers or None");
        std::int64_t x = v->asInt();
        if (x < 0) x = std::max<std::int64_t>(0, x + length);
        return x;
    };
    const std::int64_t start = bound(startV, 0), end = std::min(bound(endV, length), length);
    StrRange r;
    if (start > end) {
        r.empty = true;
        return r;
    }
    r.first = start;
    r.begin = offsets[static_cast<std::size_t>(start)];
    r.end = offsets[static_cast<std::size_t>(end)];
    return r;
}

// Python's str.splitlines line boundaries: \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, U+2028, U+2029.
bool isLineBoundary(char32_t c) {
    return c == '\n' || c == '\r' || c == '\v' || c == '\f' || (c >= 0x1C && c <= 0x1E) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

// str.translate(table): each character's code point looked up in the table (a dict, or a list
// indexed by code point); None deletes it, an integer is a code point, a string replaces it, and a
// character the table lacks stays.
std::string translate(Interpreter& in, const std::string& s, const Value& table) {
    if (!table.isObject() && !table.isArray()) in.fail(0, "translate(): the table must be a dict or a list, not " + table.typeName());
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t c = text::nextCodePoint(s, i);
        const Value* to = nullptr;
        if (table.isObject()) to = table.asObject().findKey(Value(static_cast<std::int64_t>(c)));
        else if (c < table.asArray().size()) to = &table.asArray()[c];
        if (!to) out.append(s, start, i - start);
        else if (to->isString()) out += to->asString();
        else if ((to->isInt() || to->isBool()) && to->asInt() >= 0 && to->asInt() < 0x110000) text::appendUtf8(out, static_cast<char32_t>(to->asInt()));
        else if (to->isInt() || to->isBool()) in.fail(0, "character mapping must be in range(0x110000)");
        else if (!to->isNone()) in.fail(0, "character mapping must return integer, None or str");
    }
    return out;
}

// str.maketrans(x[, y[, z]]): the dict translate() takes, keyed by code point.
Value makeTranslation(Interpreter& in, const CallArgs& a) {
    auto table = std::make_shared<Object>();
    auto codePoint = [](const std::string& ch) {
        std::size_t i = 0;
        return Value(static_cast<std::int64_t>(text::nextCodePoint(ch, i)));
    };
    if (a.positional.size() == 1) {
        if (!a.positional[0].isObject() || a.positional[0].asObject().isNamespace)
            in.fail(0, "if you give only one argument to maketrans it must be a dict");
        for (const auto& [k, v] : a.positional[0].asObject().items) {
            if (k.isString() && codePoints(k.asString()).size() == 1) table->setKey(codePoint(k.asString()), v);
            else if (k.isString()) in.fail(0, "string keys in translate table must be of length 1");
            else if (k.isInt() || k.isBool()) table->setKey(Value(k.asInt()), v);
            else in.fail(0, "keys in translate table must be strings or integers");
        }
        return Value(std::move(table));
    }
    if (a.positional.size() < 2 || a.positional.size() > 3 || !a.keyword.empty())
        in.fail(0, "maketrans() takes 1 to 3 positional arguments (" + std::to_string(a.positional.size() + a.keyword.size()) + " given)");
    for (std::size_t k = 0; k < a.positional.size(); ++k)
        if (!a.positional[k].isString())
            in.fail(0, "maketrans() argument " + std::to_string(k + 1) + " must be str, not " + a.positional[k].typeName());
    const auto from = codePoints(a.positional[0].asString()), to = codePoints(a.positional[1].asString());
    if (from.size() != to.size()) in.fail(0, "the first two maketrans arguments must have equal length");
    for (std::size_t k = 0; k < from.size(); ++k) table->setKey(codePoint(from[k]), codePoint(to[k]));
    if (a.positional.size() == 3)
        for (const auto& ch : codePoints(a.positional[2].asString())) table->setKey(codePoint(ch), Value(nullptr));
    return Value(std::move(table));
}

}  // namespace

Value Interpreter::attribute(const Value& obj, const std::string& name, int line) {
    if (obj.isUndefined()) failUndefined(obj, line);
    if (obj.isObject() && !obj.asObject().isNamespace) return isDictMethod(name) ? methodOf(obj, name, line) : missingItem(obj, Value(name));
    return getAttr(obj, name, line);
}

Value Interpreter::getAttr(const Value& obj, const std::string& name, int line) {
    if (obj.isObject()) {
        const Object& o = obj.asObject();
        if (o.isNamespace) {
            const Value* v = o.find(name);
            return v ? *v : missingItem(obj, Value(name));
        }
        // Python finds a dict's methods before its keys (d.items is the method even with a key "items")
        if (isDictMethod(name)) return methodOf(obj, name, line);
        const Value* v = o.find(name);
        return v ? *v : missingItem(obj, Value(name));
    }
    if (obj.isGroupTuple() && (name == "grouper" || name == "list")) return obj.asArray()[name == "grouper" ? 0 : 1];
    if (obj.isString() || obj.isArray()) return methodOf(obj, name, line);
    if (obj.isCallable() && obj.asCallable().macroAttributes)
        if (const Value* v = obj.asCallable().macroAttributes->find(name)) return *v;
    if (obj.isUndefined()) failUndefined(obj, line);
    return missingItem(obj, Value(name));
}

Value Interpreter::methodOf(const Value& obj, const std::string& name, int line) {
    auto bind = [&](auto fn) { return Value::function(name, [obj, fn](Interpreter& in, const CallArgs& a) { return fn(in, obj, a); }); };
    if (obj.isString()) {
        if (name == "strip" || name == "lstrip" || name == "rstrip")
            return bind([name](Interpreter&, const Value& self, const CallArgs& a) {
                return Value(pyStrip(self.asString(), a.get(0, "chars"), name != "rstrip", name != "lstrip"));
            });
        if (name == "split" || name == "rsplit")
            return bind([name](Interpreter&, const Value& self, const CallArgs& a) {
                const Value* max = a.get(1, "maxsplit");
                return pySplit(self.asString(), a.get(0, "sep"), max && max->isNumber() ? max->asInt() : -1, name == "rsplit");
            });
        if (name == "startswith" || name == "endswith")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* p = a.get(0, "prefix");
                if (!p) in.fail(0, name + "() needs an argument");
                const std::string& s = self.asString();
                const StrRange r = strRange(in, s, a.get(1, "start"), a.get(2, "end"), name);
                auto test = [&](const Value& affix) {
                    if (!affix.isString()) in.fail(0, name + " first arg must be str or a tuple of str, not " + affix.typeName());
                    const std::string& x = affix.asString();
                    if (r.empty || r.end - r.begin < x.size()) return false;
                    return s.compare(name == "startswith" ? r.begin : r.end - x.size(), x.size(), x) == 0;
                };
                if (p->isArray()) return Value(std::any_of(p->asArray().begin(), p->asArray().end(), test));
                return Value(test(*p));
            });
        if (name == "upper") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyUpper(self.asString())); });
        if (name == "lower") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyLower(self.asString())); });
        if (name == "title") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyTitle(self.asString())); });
        if (name == "capitalize")
            return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyCapitalize(self.asString())); });
        if (name == "swapcase") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pySwapcase(self.asString())); });
        if (name == "casefold") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyCasefold(self.asString())); });
        if (name == "replace")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* from = a.get(0, "old");
                const Value* to = a.get(1, "new");
                const Value* count = a.get(2, "count");
                if (!from || !to) in.fail(0, "replace() needs two arguments");
                return Value(replaceAll(self.asString(), from->str(), to->str(), count && count->isNumber() ? count->asInt() : -1,
                                        in.limits_.maxOutputBytes));
            });
        if (name == "find" || name == "rfind" || name == "count" || name == "index" || name == "rindex")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* sub = a.get(0, "sub");
                if (!sub) in.fail(0, name + "() needs an argument");
                if (!sub->isString()) in.fail(0, "must be str, not " + sub->typeName());
                const std::string& s = self.asString();
                const std::string& x = sub->asString();
                const StrRange r = strRange(in, s, a.get(1, "start"), a.get(2, "end"), name);
                const std::string_view range = r.empty ? std::string_view() : std::string_view(s).substr(r.begin, r.end - r.begin);
                if (name == "count") {
                    if (r.empty) return Value(static_cast<std::int64_t>(0));
                    if (x.empty()) return Value(static_cast<std::int64_t>(codePoints(range).size() + 1));
                    std::int64_t c = 0;
                    for (std::size_t p = range.find(x); p != std::string::npos; p = range.find(x, p + x.size())) ++c;
                    return Value(c);
                }
                const std::size_t p = r.empty || range.size() < x.size() ? std::string::npos : name[0] == 'r' ? range.rfind(x) : range.find(x);
                if (p == std::string::npos) {
                    if (name == "index" || name == "rindex") in.fail(0, "substring not found");
                    return Value(static_cast<std::int64_t>(-1));
                }
                return Value(r.first + static_cast<std::int64_t>(codePoints(range.substr(0, p)).size()));
            });
        if (name == "join")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* items = a.get(0, "iterable");
                if (!items) in.fail(0, "join() needs an argument");
                std::string out;
                bool first = true;
                for (const auto& v : in.iterate(*items, 0)) {
                    out += (first ? "" : self.asString()) + v.str();
                    first = false;
                }
                return Value(std::move(out));
            });
        if (name == "format" || name == "format_map")  // str.format, as jinja2's sandboxed formatter runs it
            return bind([name](Interpreter& in, const Value& self, const CallArgs& given) {
                CallArgs a;
                if (name == "format") {
                    a = given;
                } else {  // format_map(mapping): the mapping's items as keyword arguments
                    if (!given.keyword.empty()) in.fail(0, "format_map() takes no keyword arguments");
                    if (given.positional.size() != 1)
                        in.fail(0, "format_map() takes exactly one argument (" + std::to_string(given.positional.size()) + " given)");
                    const Value& mapping = given.positional[0];
                    if (!mapping.isObject()) in.fail(0, "format_map() needs a mapping, not " + mapping.typeName());
                    for (const auto& [k, v] : mapping.asObject().items)
                        if (k.isString()) a.keyword.emplace_back(k.asString(), v);
                }
                std::string out;
                in.withLine(0, [&] {
                    out = braceFormat(self.asString(), a, [&in](const Value& target, const Value& part, bool isAttribute) {
                        return isAttribute ? in.getAttr(target, part.str(), 0) : in.getItem(target, part, 0);
                    });
                });
                if (out.size() > in.limits_.maxOutputBytes) in.fail(0, "string too long");
                return Value(std::move(out));
            });
        if (name == "partition" || name == "rpartition")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* sep = a.get(0, "sep");
                if (!sep || !sep->isString() || sep->asString().empty()) in.fail(0, name + "() needs a non-empty separator");
                const std::string& s = self.asString();
                const std::string& x = sep->asString();
                const std::size_t p = name == "partition" ? s.find(x) : s.rfind(x);
                if (p == std::string::npos)
                    return name == "partition" ? Value::tuple({Value(s), Value(""), Value("")}) : Value::tuple({Value(""), Value(""), Value(s)});
                return Value::tuple({Value(s.substr(0, p)), Value(x), Value(s.substr(p + x.size()))});
            });
        if (name == "removeprefix" || name == "removesuffix")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* affix = a.get(0, name == "removeprefix" ? "prefix" : "suffix");
                if (!affix || !affix->isString()) in.fail(0, name + "() needs a string");
                const std::string& s = self.asString();
                const std::string& x = affix->asString();
                if (name == "removeprefix") return Value(s.compare(0, x.size(), x) == 0 ? s.substr(x.size()) : s);
                const bool ends = s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
                return Value(ends ? s.substr(0, s.size() - x.size()) : s);
            });
        if (name == "center" || name == "ljust" || name == "rjust" || name == "zfill")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* width = a.get(0, "width");
                if (!width || !width->isInt()) in.fail(0, name + "() needs an integer width");
                if (width->asInt() > 1 << 20) in.fail(0, name + "(): width too large for the sandbox");
                const std::string& s = self.asString();
                const std::int64_t length = static_cast<std::int64_t>(codePoints(s).size());
                const std::size_t pad = static_cast<std::size_t>(std::max<std::int64_t>(0, width->asInt() - length));
                if (name == "zfill") {  // zeros after a leading sign
                    const bool signed_ = !s.empty() && (s[0] == '-' || s[0] == '+');
                    return Value((signed_ ? s.substr(0, 1) : std::string()) + std::string(pad, '0') + s.substr(signed_ ? 1 : 0));
                }
                const Value* fillArg = a.get(1, "fillchar");
                const std::string fill = fillArg && fillArg->isString() ? fillArg->asString() : " ";
                if (codePoints(fill).size() != 1) in.fail(0, "The fill character must be exactly one character long");
                auto repeat = [&](std::size_t n) {
                    std::string out;
                    for (std::size_t i = 0; i < n; ++i) out += fill;
                    return out;
                };
                if (name == "ljust") return Value(s + repeat(pad));
                if (name == "rjust") return Value(repeat(pad) + s);
                // CPython's str.center: an odd padding puts its extra character on the left only when the width is odd
                const std::size_t left = pad / 2 + (pad & static_cast<std::size_t>(width->asInt()) & 1);
                return Value(repeat(left) + s + repeat(pad - left));
            });
        if (name == "splitlines")
            return bind([](Interpreter&, const Value& self, const CallArgs& a) {
                const Value* keep = a.get(0, "keepends");
                const bool keepEnds = keep && keep->truthy();
                Array out;
                const std::string& s = self.asString();
                std::size_t start = 0;
                for (std::size_t i = 0; i < s.size();) {
                    const std::size_t at = i;
                    const char32_t c = text::nextCodePoint(s, i);
                    if (!isLineBoundary(c)) continue;
                    if (c == '\r' && i < s.size() && s[i] == '\n') ++i;
                    out.emplace_back(s.substr(start, (keepEnds ? i : at) - start));
                    start = i;
                }
                if (start < s.size()) out.emplace_back(s.substr(start));
                return Value(std::move(out));
            });
        if (pyStrPredicate(name, ""))  // isdigit, isalpha, islower, istitle, isidentifier, ...
            return bind([name](Interpreter&, const Value& self, const CallArgs&) { return Value(*pyStrPredicate(name, self.asString())); });
        if (name == "expandtabs")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* size = a.get(0, "tabsize");
                if (size && !size->isInt()) in.fail(0, "expandtabs(): tabsize must be an integer, not " + size->typeName());
                return Value(pyExpandTabs(self.asString(), size ? size->asInt() : 8, in.limits_.maxOutputBytes));
            });
        if (name == "translate")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* table = a.get(0, "table");
                if (!table) in.fail(0, "translate() takes exactly one argument (0 given)");
                return Value(translate(in, self.asString(), *table));
            });
        if (name == "maketrans")
            return bind([](Interpreter& in, const Value&, const CallArgs& a) { return makeTranslation(in, a); });
        if (name == "encode")
            return Value::function(name, [line](Interpreter& in, const CallArgs&) -> Value {
                in.fail(line, "str.encode() gives bytes, a type this interpreter does not have");
            });
    }
    if (obj.isArray() && !obj.isTuple() && name == "copy")
        return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(self.asArray()); });
    if (obj.isArray() && (name == "index" || name == "count"))
        return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
            if (a.positional.empty()) in.fail(0, name + "() takes exactly one argument");
            const Array& items = self.asArray();
            const auto n = std::count(items.begin(), items.end(), a.positional[0]);
            if (name == "count") return Value(static_cast<std::int64_t>(n));
            const auto it = std::find(items.begin(), items.end(), a.positional[0]);
            if (it == items.end()) in.fail(0, a.positional[0].repr() + " is not in " + self.typeName());
            return Value(static_cast<std::int64_t>(it - items.begin()));
        });
    if (obj.isObject() && !obj.asObject().isNamespace) {
        if (name == "copy")
            return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(std::make_shared<Object>(self.asObject())); });
        if (name == "fromkeys")  // a classmethod: the new dict has nothing of this one
            return bind([](Interpreter& in, const Value&, const CallArgs& a) {
                const Value* keys = a.get(0, "iterable");
                if (!keys) in.fail(0, "fromkeys expected at least 1 argument, got 0");
                const Value* value = a.get(1, "value");
                auto out = std::make_shared<Object>();
                for (const auto& k : in.iterate(*keys, 0)) out->setKey(k, value ? *value : Value(nullptr));
                return Value(std::move(out));
            });
        if (name == "items")
            return bind([](Interpreter&, const Value& self, const CallArgs&) {
                Array out;
                for (const auto& [k, v] : self.asObject().items) out.push_back(Value::tuple(Array{k, v}));
                return Value(std::move(out));
            });
        if (name == "keys")
            return bind([](Interpreter&, const Value& self, const CallArgs&) {
                Array out;
                for (const auto& [k, v] : self.asObject().items) out.push_back(k);
                return Value(std::move(out));
            });
        if (name == "values")
            return bind([](Interpreter&, const Value& self, const CallArgs&) {
                Array out;
                for (const auto& [k, v] : self.asObject().items) out.push_back(v);
                return Value(std::move(out));
            });
        if (name == "get")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* key = a.get(0, "key");
                if (!key) in.fail(0, "get() needs a key");
                const Value* v = self.asObject().findKey(*key);
                if (v) return *v;
                const Value* def = a.get(1, "default");
                return def ? *def : Value(nullptr);
            });
    }
    if (isMutatingMethod(obj, name))  // defined in Python, but an unsafe attribute: undefined, failing when used
        return Value::undefined(name, "access to attribute '" + name + "' of '" + obj.typeName() +
                                          "' object is unsafe. (the sandbox keeps values immutable)");
    return missingItem(obj, Value(name));
}

// ---- Template -----------------------------------------------------------------------------------

namespace {

// jinja2's compiler refuses a filter or test it doesn't know when it compiles the template, except
// inside an if statement or an inline if expression (a "soft" frame, which a for loop's, macro's,
// call block's, filter block's, with's or set block's body leaves again): there it fails only if
// it runs.
void checkExpr(const Expr& e, bool soft) {
    if (e.kind == Expr::Kind::Cond) soft = true;
    if (!soft && e.kind == Expr::Kind::Filter && !isBuiltinFilter(e.name))
        throw TemplateError("line " + std::to_string(e.line) + ": No filter named '" + e.name + "'.", e.line,
                            TemplateError::Cause::UnknownFilter, e.name);
    if (!soft && e.kind == Expr::Kind::Test && !isBuiltinTest(e.name))
        throw TemplateError("line " + std::to_string(e.line) + ": No test named '" + e.name + "'.", e.line, TemplateError::Cause::UnknownTest,
                            e.name);
    for (const ExprPtr* part : {&e.a, &e.b, &e.c, &e.d})
        if (*part) checkExpr(**part, soft);
    for (const auto& x : e.items) checkExpr(*x, soft);
    for (const auto& x : e.keys) checkExpr(*x, soft);
    for (const auto& x : e.args.positional) checkExpr(*x, soft);
    for (const auto& [name, x] : e.args.keyword) checkExpr(*x, soft);
}

void checkBody(const Body& body, bool soft);

void checkStmt(const Stmt& s, bool soft) {
    auto expr = [](const ExprPtr& e, bool inSoft) {
        if (e) checkExpr(*e, inSoft);
    };
    switch (s.kind) {
        case Stmt::Kind::If:
            for (const auto& c : s.conditions) checkExpr(*c, true);
            for (const auto& b : s.bodies) checkBody(b, true);
            checkBody(s.elseBody, true);
            return;
        case Stmt::Kind::For:
            expr(s.expr, soft);
            expr(s.cond, false);
            checkBody(s.body, false);
            checkBody(s.elseBody, false);
            return;
        case Stmt::Kind::Macro:
        case Stmt::Kind::CallBlock:
            for (const auto& [name, def] : s.params) expr(def, false);
            checkBody(s.body, false);
            expr(s.expr, soft);
            return;
        case Stmt::Kind::SetBlock:
        case Stmt::Kind::FilterBlock:
            checkBody(s.body, false);
            for (const auto& f : s.filters) checkExpr(*f, false);
            return;
        case Stmt::Kind::With:
            for (const auto& [name, value] : s.params) expr(value, soft);
            checkBody(s.body, false);
            return;
        default:
            expr(s.expr, soft);
            expr(s.target, soft);
            checkBody(s.body, soft);
            return;
    }
}

void checkBody(const Body& body, bool soft) {
    for (const auto& s : body) checkStmt(*s, soft);
}

}  // namespace

Template::Template(std::string_view source) : body_(std::make_shared<const Body>(parseTemplate(source))) {
    try {
        checkBody(*body_, false);
    } catch (const TemplateError& e) {
        unknownName_ = std::make_shared<const TemplateError>(e);
    }
}

std::string Template::render(const Object& variables, const RenderLimits& limits) const {
    if (unknownName_) throw *unknownName_;
    Interpreter in(variables, limits);
    return in.run(*body_);
}

}  // namespace awq::jinja
