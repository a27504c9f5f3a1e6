// The sandboxed Jinja interpreter: statements, expressions, filters, tests and the string/dict
// methods chat templates call, with Python/Jinja semantics (Undefined, truthiness, and/or returning
// operands, floor division and modulo, code-point string indexing, immutable lists and dicts).
#include "core/jinja/template.h"

#include "core/text/unicode.h"
#include "core/jinja/ast.h"
#include "core/jinja/format.h"
#include "core/util/html_escape.h"

#include <algorithm>
#include <cmath>
#include <cctype>
#include <ctime>
#include <optional>
#include <unordered_map>

namespace awq::jinja {

namespace {

namespace td = awq::text;

// ---- string helpers (Python str semantics on UTF-8) --------------------------------------------

std::vector<std::string> codePoints(const std::string& s) {
    std::vector<std::string> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        i += td::utf8SeqLen(static_cast<unsigned char>(s[i]));
        if (i > s.size()) i = s.size();
        out.push_back(s.substr(start, i - start));
    }
    return out;
}

bool isPySpace(char32_t c) { return td::isUnicodeWhitespace(c) || (c >= 0x1C && c <= 0x1F); }

std::string pyStrip(const std::string& s, const Value* chars, bool left, bool right) {
    auto cps = codePoints(s);
    auto strip = [&](const std::string& cp) {
        if (chars && !chars->isNone() && !chars->isUndefined()) return chars->str().find(cp) != std::string::npos;
        std::size_t i = 0;
        return isPySpace(td::nextCodePoint(cp, i));
    };
    std::size_t b = 0, e = cps.size();
    if (left)
        while (b < e && strip(cps[b])) ++b;
    if (right)
        while (e > b && strip(cps[e - 1])) --e;
    std::string out;
    for (std::size_t i = b; i < e; ++i) out += cps[i];
    return out;
}

std::string asciiUpper(std::string s) {
    for (auto& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    return s;
}

std::string pyLower(const std::string& s) { return td::lowercase(s); }

std::string pyCapitalize(const std::string& s) {
    std::string lower = pyLower(s);
    if (!lower.empty() && lower[0] >= 'a' && lower[0] <= 'z') lower[0] = static_cast<char>(lower[0] - 32);
    return lower;
}

std::string pyTitle(const std::string& s) {
    std::string out;
    bool prevCased = false;
    for (const auto& cp : codePoints(s)) {
        const bool alpha = cp.size() > 1 || std::isalpha(static_cast<unsigned char>(cp[0]));
        if (alpha) {
            out += prevCased ? pyLower(cp) : asciiUpper(cp);
            prevCased = true;
        } else {
            out += cp;
            prevCased = false;
        }
    }
    return out;
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to, std::int64_t count) {
    if (from.empty()) {
        // Python inserts `to` between every character (and at both ends)
        std::string out;
        std::int64_t n = 0;
        for (const auto& cp : codePoints(s)) {
            if (count < 0 || n < count) {
                out += to;
                ++n;
            }
            out += cp;
        }
        if (count < 0 || n < count) out += to;
        return out;
    }
    std::string out;
    std::size_t prev = 0;
    std::int64_t n = 0;
    for (std::size_t pos = s.find(from); pos != std::string::npos && (count < 0 || n < count); pos = s.find(from, pos)) {
        out.append(s, prev, pos - prev);
        out += to;
        pos += from.size();
        prev = pos;
        ++n;
    }
    out.append(s, prev, std::string::npos);
    return out;
}

Value pySplit(const std::string& s, const Value* sepArg, std::int64_t maxSplit, bool fromRight) {
    Array out;
    if (!sepArg || sepArg->isNone() || sepArg->isUndefined()) {
        // runs of whitespace, no empty strings
        std::vector<std::string> words;
        std::string cur;
        bool in = false;
        for (const auto& cp : codePoints(s)) {
            std::size_t i = 0;
            if (isPySpace(td::nextCodePoint(cp, i))) {
                if (in) words.push_back(cur), cur.clear(), in = false;
            } else {
                cur += cp;
                in = true;
            }
        }
        if (in) words.push_back(cur);
        if (maxSplit >= 0 && static_cast<std::int64_t>(words.size()) > maxSplit + 1) {
            // re-join the tail (approximation of Python: keeps original spacing only roughly)
            if (!fromRight) {
                std::string rest;
                const std::size_t skip = static_cast<std::size_t>(maxSplit);
                std::size_t pos = 0, found = 0;
                while (found < skip) {
                    pos = s.find(words[found], pos) + words[found].size();
                    ++found;
                }
                rest = pyStrip(s.substr(pos), nullptr, true, false);
                words.resize(skip);
                words.push_back(rest);
            }
        }
        for (auto& w : words) out.emplace_back(std::move(w));
        return Value(std::move(out));
    }
    const std::string sep = sepArg->str();
    if (sep.empty()) throw TemplateError("split(): empty separator");
    std::vector<std::string> parts;
    if (!fromRight) {
        std::size_t prev = 0;
        std::int64_t n = 0;
        for (std::size_t pos = s.find(sep); pos != std::string::npos && (maxSplit < 0 || n < maxSplit); pos = s.find(sep, prev)) {
            parts.push_back(s.substr(prev, pos - prev));
            prev = pos + sep.size();
            ++n;
        }
        parts.push_back(s.substr(prev));
    } else {
        std::size_t end = s.size();
        std::int64_t n = 0;
        while (maxSplit < 0 || n < maxSplit) {
            if (end < sep.size()) break;
            const std::size_t pos = s.rfind(sep, end - sep.size());
            if (pos == std::string::npos) break;
            parts.push_back(s.substr(pos + sep.size(), end - pos - sep.size()));
            end = pos;
            ++n;
        }
        parts.push_back(s.substr(0, end));
        std::reverse(parts.begin(), parts.end());
    }
    for (auto& p : parts) out.emplace_back(std::move(p));
    return Value(std::move(out));
}

std::int64_t floorDiv(std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
}

// jinja2's object_type_repr: "None", or "<type> object" ("dict object", "list object").
std::string objectTypeRepr(const Value& v) {
    if (v.isNone()) return "None";
    if (v.isObject() && v.asObject().isNamespace) return "jinja2.utils.Namespace object";
    return v.typeName() + " object";
}

// What obj[key] / obj.key gives when there is no such item: an undefined value whose use fails
// with jinja2's message ("'dict object' has no attribute 'x'", "list object has no element 5").
Value missingItem(const Value& obj, const Value& key) {
    if (key.isString()) return Value::undefined(key.str(), "'" + objectTypeRepr(obj) + "' has no attribute " + key.repr());
    return Value::undefined(key.str(), objectTypeRepr(obj) + " has no element " + key.repr());
}

// ---- the interpreter ---------------------------------------------------------------------------

struct Scope {
    std::unordered_map<std::string, Value> vars;
    Scope* parent = nullptr;
};

enum class Flow { Normal, Break, Continue };

}  // namespace

class Interpreter {
public:
    Interpreter(const Object& variables, const RenderLimits& limits) : limits_(limits) {
        for (const auto& [k, v] : variables.items) root_.vars[k.str()] = v;
        scope_ = &root_;
    }

    std::string run(const Body& body) {
        std::string out;
        out_ = &out;
        execBody(body);
        return out;
    }

    [[noreturn]] void fail(int line, const std::string& what) const {
        throw TemplateError((line > 0 ? "line " + std::to_string(line) + ": " : std::string()) + what);
    }

    Value callValue(const Value& callee, const CallArgs& args, int line) {
        // a recursive for loop's `loop` object is callable: loop(items)
        if (callee.isObject())
            if (const Value* call = callee.asObject().find("__call__"); call && call->isCallable()) return call->asCallable().fn(*this, args);
        if (!callee.isCallable()) {
            if (callee.isUndefined()) fail(line, callee.undefinedMessage());
            fail(line, "'" + callee.typeName() + "' object is not callable");
        }
        return callee.asCallable().fn(*this, args);
    }

    Value applyFilter(const std::string& name, const Value& input, const CallArgs& args, int line);
    bool applyTest(const std::string& name, const Value& input, const CallArgs& args, int line);
    Value getAttr(const Value& obj, const std::string& name, int line);

private:
    // ---- statements
    Flow execBody(const Body& body) {
        for (const auto& s : body) {
            const Flow f = exec(*s);
            if (f != Flow::Normal) return f;
        }
        return Flow::Normal;
    }

    void write(const std::string& s) {
        out_->append(s);
        if (out_->size() > limits_.maxOutputBytes) fail(0, "output exceeds the sandbox limit");
    }

    Flow exec(const Stmt& s) {
        switch (s.kind) {
            case Stmt::Kind::Text:
                write(s.text);
                return Flow::Normal;
            case Stmt::Kind::Output: {
                const Value v = eval(*s.expr);
                write(v.str());
                return Flow::Normal;
            }
            case Stmt::Kind::If:
                for (std::size_t i = 0; i < s.conditions.size(); ++i)
                    if (eval(*s.conditions[i]).truthy()) return execBody(s.bodies[i]);
                return execBody(s.elseBody);
            case Stmt::Kind::For:
                return execFor(s);
            case Stmt::Kind::Set: {
                Value v = eval(*s.expr);
                if (s.target) {
                    const Value ns = eval(*s.target);
                    if (!ns.isObject() || !ns.asObject().isNamespace)
                        fail(s.line, "can't assign to an attribute of a " + ns.typeName() + " (only namespace() objects)");
                    ns.objectPtr()->set(s.attr, std::move(v));
                } else {
                    assign(s.targets, std::move(v), s.line);
                }
                return Flow::Normal;
            }
            case Stmt::Kind::SetBlock: {
                Value v = capture(s.body);
                for (const auto& f : s.filters) v = filterCall(*f, std::move(v));
                scope_->vars[s.text] = std::move(v);
                return Flow::Normal;
            }
            case Stmt::Kind::FilterBlock: {
                Value v = capture(s.body);
                for (const auto& f : s.filters) v = filterCall(*f, std::move(v));
                write(v.str());
                return Flow::Normal;
            }
            case Stmt::Kind::Macro:
                scope_->vars[s.text] = makeMacro(s);
                return Flow::Normal;
            case Stmt::Kind::CallBlock:
                return execCallBlock(s);
            case Stmt::Kind::Break:
                return Flow::Break;
            case Stmt::Kind::Continue:
                return Flow::Continue;
            case Stmt::Kind::Block:
                return execBody(s.body);
            case Stmt::Kind::With:
                return execWith(s);
        }
        return Flow::Normal;
    }

    Flow execWith(const Stmt& s) {
        Scope inner;
        inner.parent = scope_;
        for (const auto& [name, expr] : s.params) inner.vars[name] = eval(*expr);  // evaluated outside the new scope
        Scope* saved = scope_;
        scope_ = &inner;
        struct Restore {
            Scope*& ref;
            Scope* value;
            ~Restore() { ref = value; }
        } restore{scope_, saved};
        return execBody(s.body);
    }

    std::string capture(const Body& body) {
        std::string buf;
        std::string* saved = out_;
        out_ = &buf;
        try {
            execBody(body);
        } catch (...) {
            out_ = saved;
            throw;
        }
        out_ = saved;
        return buf;
    }

    void assign(const std::vector<std::string>& targets, Value v, int line) {
        if (targets.size() == 1) {
            scope_->vars[targets[0]] = std::move(v);
            return;
        }
        const Array items = iterate(v, line);
        if (items.size() != targets.size())
            fail(line, "can't unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) + " names");
        for (std::size_t i = 0; i < targets.size(); ++i) scope_->vars[targets[i]] = items[i];
    }

    Array iterate(const Value& v, int line) {
        if (v.isArray()) return v.asArray();
        if (v.isGenerator()) {  // one pass: a second loop over the same generator sees nothing
            Generator& g = v.asGenerator();
            if (g.consumed) return {};
            g.consumed = true;
            return std::move(g.items);
        }
        if (v.isUndefined()) return {};
        if (v.isString()) {
            Array out;
            for (auto& cp : codePoints(v.asString())) out.emplace_back(std::move(cp));
            return out;
        }
        if (v.isObject() && !v.asObject().isNamespace) {
            Array out;
            for (const auto& [k, val] : v.asObject().items) out.push_back(k);
            return out;
        }
        fail(line, "'" + v.typeName() + "' object is not iterable");
    }

    Flow execFor(const Stmt& s) { return runLoop(s, eval(*s.expr), 1); }

    // One level of a for loop over `iterable`; a recursive loop's loop(items) runs the body again
    // one level deeper and gives what it rendered.
    Flow runLoop(const Stmt& s, const Value& iterable, std::int64_t depth) {
        if (depth > limits_.maxCallDepth) fail(s.line, "recursive loop exceeds the sandbox limit");
        const Array source = iterate(iterable, s.line);
        Scope loopScope;
        loopScope.parent = scope_;
        Scope* saved = scope_;
        scope_ = &loopScope;
        struct Restore {
            Scope*& ref;
            Scope* value;
            ~Restore() { ref = value; }
        } restore{scope_, saved};

        Array items;
        if (s.cond) {
            for (const auto& item : source) {
                assign(s.targets, item, s.line);
                if (eval(*s.cond).truthy()) items.push_back(item);
            }
        } else {
            items = source;
        }
        if (items.empty()) {
            scope_ = saved;
            return execBody(s.elseBody);
        }
        const std::int64_t n = static_cast<std::int64_t>(items.size());
        for (std::int64_t i = 0; i < n; ++i) {
            if (++iterations_ > limits_.maxLoopIterations) fail(s.line, "loop iterations exceed the sandbox limit");
            auto loop = std::make_shared<Object>();
            loop->set("index", Value(i + 1));
            loop->set("index0", Value(i));
            loop->set("revindex", Value(n - i));
            loop->set("revindex0", Value(n - i - 1));
            loop->set("first", Value(i == 0));
            loop->set("last", Value(i == n - 1));
            loop->set("length", Value(n));
            loop->set("depth", Value(depth));
            loop->set("depth0", Value(depth - 1));
            loop->set("previtem", i > 0 ? items[static_cast<std::size_t>(i - 1)] : Value::undefined("loop.previtem", "there is no previous item"));
            loop->set("nextitem", i + 1 < n ? items[static_cast<std::size_t>(i + 1)] : Value::undefined("loop.nextitem", "there is no next item"));
            if (s.recursive) {
                const Stmt* def = &s;
                loop->set("__call__", Value::function("loop", [def, depth](Interpreter& in, const CallArgs& a) {
                              if (a.positional.size() != 1) in.fail(def->line, "loop() takes the items of the next level");
                              std::string rendered;
                              std::string* outerOutput = in.out_;
                              in.out_ = &rendered;
                              struct RestoreOutput {
                                  std::string*& ref;
                                  std::string* value;
                                  ~RestoreOutput() { ref = value; }
                              } restoreOutput{in.out_, outerOutput};
                              in.runLoop(*def, a.positional[0], depth + 1);
                              return Value(std::move(rendered));
                          }));
            }
            loop->set("cycle", Value::function("loop.cycle", [i](Interpreter& in, const CallArgs& a) {
                          if (a.positional.empty()) in.fail(0, "loop.cycle() needs at least one value");
                          return a.positional[static_cast<std::size_t>(i) % a.positional.size()];
                      }));
            // each iteration has its own scope: a {% set %} in the body doesn't carry to the next
            Scope iteration;
            iteration.parent = &loopScope;
            scope_ = &iteration;
            iteration.vars["loop"] = Value(loop);
            assign(s.targets, items[static_cast<std::size_t>(i)], s.line);
            const Flow flow = execBody(s.body);
            scope_ = &loopScope;
            if (flow == Flow::Break) break;
        }
        return Flow::Normal;
    }

    Value makeMacro(const Stmt& s) {
        const Stmt* def = &s;
        return Value::function(s.text, [def](Interpreter& in, const CallArgs& args) {
            return in.invokeMacro(*def, "macro '" + def->text + "'", &in.root_, args);
        });
    }

    // {% call(params) m(args) %}body{% endcall %}: m(args, caller=<the body as a macro of params>).
    // The body sees the variables where the call block stands, so `caller` must not outlive it.
    Flow execCallBlock(const Stmt& s) {
        const Expr& call = *s.expr;
        const Value callee = eval(*call.a);
        CallArgs args = evalArgs(call.args);
        auto alive = std::make_shared<bool>(true);
        struct Expire {
            std::shared_ptr<bool> flag;
            ~Expire() { *flag = false; }
        } expire{alive};
        const Stmt* def = &s;
        Scope* callSite = scope_;
        args.keyword.emplace_back("caller", Value::function("caller", [def, callSite, alive](Interpreter& in, const CallArgs& a) {
                                      if (!*alive) in.fail(def->line, "caller() used outside its {% call %} block");
                                      return in.invokeMacro(*def, "caller", callSite, a);
                                  }));
        write(callValue(callee, args, s.line).str());
        return Flow::Normal;
    }

    // Binds arguments as jinja2's Macro does (positional, then keyword, then defaults; the rest
    // undefined; extra ones into varargs / kwargs when the body reads them, else an error) and
    // renders the body in a scope under `parent`.
    Value invokeMacro(const Stmt& def, const std::string& what, Scope* parent, const CallArgs& args) {
        if (++depth_ > limits_.maxCallDepth) fail(def.line, "macro recursion exceeds the sandbox limit");
        struct Leave {
            Interpreter& in;
            Scope* saved;
            ~Leave() {
                in.scope_ = saved;
                --in.depth_;
            }
        } leave{*this, scope_};
        Scope local;
        local.parent = parent;
        scope_ = &local;
        const std::size_t declared = def.params.size();
        if (args.positional.size() > declared && !def.usesVarargs)
            fail(def.line, what + " takes not more than " + std::to_string(declared) + " argument(s)");
        std::vector<bool> keywordUsed(args.keyword.size(), false);
        auto keyword = [&](const std::string& name) -> const Value* {
            for (std::size_t k = 0; k < args.keyword.size(); ++k)
                if (args.keyword[k].first == name) {
                    keywordUsed[k] = true;
                    return &args.keyword[k].second;
                }
            return nullptr;
        };
        for (std::size_t i = 0; i < declared; ++i) {
            const auto& [name, defaultExpr] = def.params[i];
            if (i < args.positional.size()) local.vars[name] = args.positional[i];
            else if (const Value* v = keyword(name)) local.vars[name] = *v;
            else if (defaultExpr) local.vars[name] = eval(*defaultExpr);
            else local.vars[name] = Value::undefined(name);
        }
        if (def.usesCaller) {
            const Value* caller = keyword("caller");
            local.vars["caller"] = caller ? *caller : Value::undefined("caller");
        }
        if (def.usesVarargs) {
            Array extra;
            for (std::size_t i = declared; i < args.positional.size(); ++i) extra.push_back(args.positional[i]);
            local.vars["varargs"] = Value::tuple(std::move(extra));
        }
        auto extraKeywords = std::make_shared<Object>();
        for (std::size_t k = 0; k < args.keyword.size(); ++k) {
            if (keywordUsed[k]) continue;
            const std::string& name = args.keyword[k].first;
            if (name == "caller") fail(def.line, what + " doesn't call caller(), so it can't be used in a {% call %} block");
            if (!def.usesKwargs) fail(def.line, what + " takes no keyword argument '" + name + "'");
            extraKeywords->set(name, args.keyword[k].second);
        }
        if (def.usesKwargs) local.vars["kwargs"] = Value(extraKeywords);
        return Value(capture(def.body));
    }

    // ---- expressions
    Value lookup(const std::string& name) {
        for (Scope* s = scope_; s; s = s->parent) {
            if (auto it = s->vars.find(name); it != s->vars.end()) return it->second;
        }
        if (name == "range") return builtinRange();
        if (name == "namespace") return builtinNamespace();
        if (name == "dict") return builtinDict();
        if (name == "raise_exception") {
            return Value::function("raise_exception", [](Interpreter& in, const CallArgs& a) -> Value {
                const Value* msg = a.get(0, "message");
                in.fail(0, msg ? msg->str() : std::string("raise_exception() called"));
            });
        }
        if (name == "strftime_now") {
            return Value::function("strftime_now", [](Interpreter& in, const CallArgs& a) {
                const Value* fmt = a.get(0, "format");
                if (!fmt || !fmt->isString()) in.fail(0, "strftime_now() needs a format string");
                const std::time_t now = std::time(nullptr);
                std::tm tm{};
                localtime_r(&now, &tm);
                char buf[512];
                const std::size_t n = std::strftime(buf, sizeof buf, fmt->asString().c_str(), &tm);
                return Value(std::string(buf, n));
            });
        }
        return Value::undefined(name);
    }

    static Value builtinRange() {
        return Value::function("range", [](Interpreter& in, const CallArgs& a) {
            std::int64_t start = 0, stop = 0, step = 1;
            auto num = [&](std::size_t i) {
                if (!a.positional[i].isNumber() || a.positional[i].isFloat()) in.fail(0, "range() arguments must be integers");
                return a.positional[i].asInt();
            };
            if (a.positional.size() == 1) stop = num(0);
            else if (a.positional.size() >= 2) {
                start = num(0);
                stop = num(1);
                if (a.positional.size() >= 3) step = num(2);
            } else {
                in.fail(0, "range() needs 1 to 3 arguments");
            }
            if (step == 0) in.fail(0, "range() step must not be zero");
            Array out;
            for (std::int64_t v = start; step > 0 ? v < stop : v > stop; v += step) {
                if (out.size() >= 100000) in.fail(0, "range() is too big for the sandbox (more than 100000 items)");
                out.emplace_back(v);
            }
            return Value(std::move(out));
        });
    }

    static Value builtinNamespace() {
        return Value::function("namespace", [](Interpreter&, const CallArgs& a) {
            auto ns = std::make_shared<Object>();
            ns->isNamespace = true;
            for (const auto& p : a.positional)
                if (p.isObject())
                    for (const auto& [k, v] : p.asObject().items) ns->set(k.str(), v);
            for (const auto& [k, v] : a.keyword) ns->set(k, v);
            return Value(ns);
        });
    }

    static Value builtinDict() {
        return Value::function("dict", [](Interpreter&, const CallArgs& a) {
            auto d = std::make_shared<Object>();
            for (const auto& p : a.positional)
                if (p.isObject())
                    for (const auto& [k, v] : p.asObject().items) d->setKey(k, v);
            for (const auto& [k, v] : a.keyword) d->set(k, v);
            return Value(d);
        });
    }

    CallArgs evalArgs(const Arguments& args) {
        CallArgs out;
        for (const auto& e : args.positional) out.positional.push_back(eval(*e));
        for (const auto& [k, e] : args.keyword) out.keyword.emplace_back(k, eval(*e));
        return out;
    }

    Value filterCall(const Expr& f, Value input) { return applyFilter(f.name, input, evalArgs(f.args), f.line); }

public:
    Value eval(const Expr& e) {
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
                return v.isFloat() ? Value(-v.asDouble()) : Value(-v.asInt());
            }
            case Expr::Kind::Binary:
                return binary(e);
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

private:
    void requireDefined(const Value& v, int line) {
        if (v.isUndefined()) fail(line, v.undefinedMessage());
    }

    // Runs `f`, giving a TemplateError it throws the line of the template that caused it.
    template <class F>
    void withLine(int line, F&& f) {
        try {
            f();
        } catch (const TemplateError& e) {
            fail(line, e.what());
        }
    }

    Value percentFormat(const std::string& format, const Value& args, int line) {
        std::string out;
        withLine(line, [&] { out = jinja::percentFormat(format, args); });
        if (out.size() > limits_.maxOutputBytes) fail(line, "string too long");
        return Value(std::move(out));
    }

    // tojson's arguments as transformers declares them: (ensure_ascii=False, indent=None,
    // separators=None, sort_keys=False), each passed on to json.dumps.
    JsonFormat jsonFormatOf(const CallArgs& a, int line) {
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

    Value binary(const Expr& e) {
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
        if (op == "==") return Value(l == r);
        // str % args: Python's printf-style formatting (an undefined argument prints as "")
        if (op == "%" && l.isString()) return percentFormat(l.asString(), r, e.line);
        if (op == "!=") return Value(!(l == r));
        if (op == "~") return Value(l.str() + r.str());
        if (op == "in" || op == "not in") {
            const bool found = contains(r, l, e.line);
            return Value(op == "in" ? found : !found);
        }
        if (op == "<" || op == "<=" || op == ">" || op == ">=") {
            const int c = compare(l, r, e.line);
            if (op == "<") return Value(c < 0);
            if (op == "<=") return Value(c <= 0);
            if (op == ">") return Value(c > 0);
            return Value(c >= 0);
        }
        requireDefined(l, e.line);
        requireDefined(r, e.line);
        if (op == "+") {
            if (l.isNumber() && r.isNumber()) return arith(l, r, '+');
            if (l.isString() && r.isString()) return Value(l.asString() + r.asString());
            if (l.isArray() && r.isArray() && l.isTuple() == r.isTuple()) {
                Array out = l.asArray();
                out.insert(out.end(), r.asArray().begin(), r.asArray().end());
                return l.isTuple() ? Value::tuple(std::move(out)) : Value(std::move(out));
            }
            // Python's own words for str + 1, [1] + (2,), ...
            if (l.isString() || l.isArray())
                fail(e.line, "can only concatenate " + l.typeName() + " (not \"" + r.typeName() + "\") to " + l.typeName());
        } else if (op == "-") {
            if (l.isNumber() && r.isNumber()) return arith(l, r, '-');
        } else if (op == "*") {
            if (l.isNumber() && r.isNumber()) return arith(l, r, '*');
            const Value* seq = l.isString() || l.isArray() ? &l : r.isString() || r.isArray() ? &r : nullptr;
            const Value* times = seq == &l ? &r : &l;
            if (seq && times->isNumber() && !times->isFloat()) {
                const std::int64_t n = std::max<std::int64_t>(0, times->asInt());
                if (seq->isString()) {
                    if (static_cast<std::size_t>(n) * seq->asString().size() > limits_.maxOutputBytes) fail(e.line, "string too long");
                    std::string out;
                    for (std::int64_t k = 0; k < n; ++k) out += seq->asString();
                    return Value(std::move(out));
                }
                if (static_cast<std::size_t>(n) * seq->asArray().size() > 1000000) fail(e.line, "list too long");
                Array out;
                for (std::int64_t k = 0; k < n; ++k) out.insert(out.end(), seq->asArray().begin(), seq->asArray().end());
                return Value(std::move(out));
            }
        } else if (op == "/") {
            if (l.isNumber() && r.isNumber()) {
                if (r.asDouble() == 0.0) fail(e.line, "division by zero");
                return Value(l.asDouble() / r.asDouble());
            }
        } else if (op == "//" || op == "%") {
            if (l.isNumber() && r.isNumber()) {
                if (r.asDouble() == 0.0) fail(e.line, op == "//" ? "integer division by zero" : "modulo by zero");
                if (!l.isFloat() && !r.isFloat()) {
                    const std::int64_t a = l.asInt(), b = r.asInt();
                    const std::int64_t q = floorDiv(a, b);
                    return op == "//" ? Value(q) : Value(a - q * b);
                }
                const double a = l.asDouble(), b = r.asDouble();
                const double q = std::floor(a / b);
                return op == "//" ? Value(q) : Value(a - q * b);
            }
        } else if (op == "**") {
            if (l.isNumber() && r.isNumber()) {
                if (!l.isFloat() && !r.isFloat() && r.asInt() >= 0) {
                    std::int64_t result = 1;
                    for (std::int64_t k = 0; k < r.asInt() && k < 64; ++k) result *= l.asInt();
                    return Value(result);
                }
                return Value(std::pow(l.asDouble(), r.asDouble()));
            }
        }
        fail(e.line, "unsupported operand type(s) for " + op + ": '" + l.typeName() + "' and '" + r.typeName() + "'");
    }

    static Value arith(const Value& l, const Value& r, char op) {
        if (!l.isFloat() && !r.isFloat()) {
            const std::int64_t a = l.asInt(), b = r.asInt();
            return Value(op == '+' ? a + b : op == '-' ? a - b : a * b);
        }
        const double a = l.asDouble(), b = r.asDouble();
        return Value(op == '+' ? a + b : op == '-' ? a - b : a * b);
    }

public:
    // Ordering as Python's <: an undefined operand is an error, like any other use of its value.
    int compare(const Value& l, const Value& r, int line) {
        requireDefined(l, line);
        requireDefined(r, line);
        if (const auto c = compareValues(l, r)) return *c;
        fail(line, "'<' not supported between instances of '" + l.typeName() + "' and '" + r.typeName() + "'");
    }

    // `item in container`. jinja2's Undefined iterates as empty, so nothing is in it.
    bool contains(const Value& container, const Value& item, int line) {
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

    Value getItem(const Value& obj, const Value& key, int line) {
        if (obj.isObject()) {
            const Value* v = obj.asObject().isNamespace ? obj.asObject().find(key.str()) : obj.asObject().findKey(key);
            if (v) return *v;
            if (key.isString() && !obj.asObject().isNamespace) return methodOf(obj, key.asString(), line);
            return missingItem(obj, key);
        }
        if (obj.isArray() || obj.isString()) {
            if (!key.isNumber() || key.isFloat()) {
                if (key.isString()) return getAttr(obj, key.asString(), line);
                fail(line, "indices must be integers, not " + key.typeName());
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
        if (obj.isUndefined()) fail(line, obj.undefinedMessage());
        return missingItem(obj, key);
    }

    Value slice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV, int line) {
        const bool isStr = obj.isString();
        if (!isStr && !obj.isArray()) {
            if (obj.isUndefined()) fail(line, obj.undefinedMessage());
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

    Value methodOf(const Value& obj, const std::string& name, int line);

private:
    const RenderLimits& limits_;
    Scope root_;
    Scope* scope_ = nullptr;
    std::string* out_ = nullptr;
    std::size_t iterations_ = 0;
    int depth_ = 0;
};

// ---- attributes and methods ---------------------------------------------------------------------

Value Interpreter::getAttr(const Value& obj, const std::string& name, int line) {
    if (obj.isObject()) {
        const Object& o = obj.asObject();
        if (o.isNamespace) {
            const Value* v = o.find(name);
            return v ? *v : missingItem(obj, Value(name));
        }
        // Python finds a dict's methods before its keys (d.items is the method even with a key "items")
        static const char* const dictMethods[] = {"items", "keys", "values", "get", "copy", "update", "pop", "popitem", "setdefault", "clear"};
        for (const char* method : dictMethods)
            if (name == method) return methodOf(obj, name, line);
        const Value* v = o.find(name);
        return v ? *v : missingItem(obj, Value(name));
    }
    if (obj.isString() || obj.isArray()) return methodOf(obj, name, line);
    if (obj.isUndefined()) fail(line, obj.undefinedMessage());
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
        if (name == "upper") return bind([](Interpreter&, const Value& self, const CallArgs&) { return Value(asciiUpper(self.asString())); });
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
                return Value(replaceAll(self.asString(), from->str(), to->str(), count && count->isNumber() ? count->asInt() : -1));
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

// ---- filters ------------------------------------------------------------------------------------

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

// ---- tests --------------------------------------------------------------------------------------

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

// ---- Template -----------------------------------------------------------------------------------

Template::Template(std::string_view source) : body_(std::make_shared<const Body>(parseTemplate(source))) {}

std::string Template::render(const Object& variables, const RenderLimits& limits) const {
    Interpreter in(variables, limits);
    return in.run(*body_);
}

}  // namespace awq::jinja
