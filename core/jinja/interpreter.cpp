// The sandboxed Jinja interpreter's attributes and the string / list / dict methods chat templates
// call, with Python semantics (code-point string indexing, immutable lists and dicts); and
// Template: parsing, jinja2's compile-time check of filter and test names, rendering.
#include "core/jinja/interpreter.h"

#include <cctype>

namespace awq::jinja {

// ---- attributes and methods ---------------------------------------------------------------------

namespace {

bool isDictMethod(const std::string& name) {
    static const char* const dictMethods[] = {"items", "keys", "values", "get", "copy", "update", "pop", "popitem", "setdefault", "clear"};
    return std::any_of(std::begin(dictMethods), std::end(dictMethods), [&](const char* m) { return name == m; });
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
                auto test = [&](const std::string& x) {
                    return name == "startswith" ? s.compare(0, x.size(), x) == 0
                                                : s.size() >= x.size() && s.compare(s.size() - x.size(), x.size(), x) == 0;
                };
                if (p->isArray()) {
                    for (const auto& x : p->asArray())
                        if (test(x.str())) return Value(true);
                    return Value(false);
                }
                return Value(test(p->str()));
            });
        if (name == "upper") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyUpper(self.asString())); });
        if (name == "lower") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyLower(self.asString())); });
        if (name == "title") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyTitle(self.asString())); });
        if (name == "capitalize")
            return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(pyCapitalize(self.asString())); });
        if (name == "replace")
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* from = a.get(0, "old");
                const Value* to = a.get(1, "new");
                const Value* count = a.get(2, "count");
                if (!from || !to) in.fail(0, "replace() needs two arguments");
                return Value(replaceAll(self.asString(), from->str(), to->str(), count && count->isNumber() ? count->asInt() : -1,
                                        in.limits_.maxOutputBytes));
            });
        if (name == "find" || name == "rfind" || name == "count" || name == "index")
            return bind([name](Interpreter& in, const Value& self, const CallArgs& a) {
                const Value* sub = a.get(0, "sub");
                if (!sub) in.fail(0, name + "() needs an argument");
                const std::string& s = self.asString();
                const std::string x = sub->str();
                if (name == "count") {
                    if (x.empty()) return Value(static_cast<std::int64_t>(codePoints(s).size() + 1));
                    std::int64_t c = 0;
                    for (std::size_t p = s.find(x); p != std::string::npos; p = s.find(x, p + x.size())) ++c;
                    return Value(c);
                }
                const std::size_t p = name == "rfind" ? s.rfind(x) : s.find(x);
                if (p == std::string::npos) {
                    if (name == "index") in.fail(0, "substring not found");
                    return Value(static_cast<std::int64_t>(-1));
                }
                return Value(static_cast<std::int64_t>(codePoints(s.substr(0, p)).size()));
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
        if (name == "format")  // str.format, as jinja2's sandboxed formatter runs it
            return bind([](Interpreter& in, const Value& self, const CallArgs& a) {
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
            return bind([](Interpreter&, const Value& self, const CallArgs&) {
                Array out;
                const std::string& s = self.asString();
                std::size_t start = 0;
                for (std::size_t i = 0; i < s.size(); ++i) {
                    if (s[i] == '\n' || s[i] == '\r') {
                        out.emplace_back(s.substr(start, i - start));
                        if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
                        start = i + 1;
                    }
                }
                if (start < s.size()) out.emplace_back(s.substr(start));
                return Value(std::move(out));
            });
        if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" || name == "islower" || name == "isupper")
            return bind([name](Interpreter&, const Value& self, const CallArgs&) {
                const std::string& s = self.asString();
                bool ok = !s.empty(), cased = false;
                for (unsigned char c : s) {
                    if (name == "isdigit") ok = ok && std::isdigit(c);
                    else if (name == "isalpha") ok = ok && std::isalpha(c);
                    else if (name == "isalnum") ok = ok && std::isalnum(c);
                    else if (name == "isspace") ok = ok && std::isspace(c);
                    else if (name == "islower") ok = ok && !std::isupper(c), cased = cased || std::islower(c);
                    else ok = ok && !std::islower(c), cased = cased || std::isupper(c);
                }
                if (name == "islower" || name == "isupper") ok = ok && cased;
                return Value(ok);
            });
    }
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
    static const char* const mutating[] = {"append", "extend", "insert", "pop", "remove", "clear", "update", "setdefault", "popitem", "sort", "reverse"};
    for (const char* m : mutating)
        if (name == m)
            return Value::function(name, [name, obj, line](Interpreter& in, const CallArgs&) -> Value {
                in.fail(line, "access to attribute '" + name + "' of '" + obj.typeName() + "' object is unsafe. (the sandbox keeps values immutable)");
            });
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
