#pragma once
// The interpreter's internals, shared by interpreter.cpp (statements, expressions, attributes and
// methods), builtin_filters.cpp and builtin_tests.cpp: the Python str helpers they use
// (python_str.cpp) and the Interpreter class. Code outside core/jinja uses template.h.
#include "core/jinja/ast.h"
#include "core/jinja/format.h"
#include "core/jinja/template.h"
#include "core/jinja/text_filters.h"
#include "core/util/html_escape.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace awq::jinja {

// ---- Python str semantics on UTF-8 (python_str.cpp) ----------------------------------------------

bool isPySpace(char32_t c);
std::string pyStrip(const std::string& s, const Value* chars, bool left, bool right);
std::string pyUpper(const std::string& s);
std::string pyLower(const std::string& s);
std::string pyCapitalize(const std::string& s);
std::string pyTitle(const std::string& s);     // str.title()
std::string jinjaTitle(const std::string& s);  // jinja2's title filter: words start after - whitespace ( { [ <
// str.replace; TemplateError "string too long" past maxBytes.
std::string replaceAll(const std::string& s, const std::string& from, const std::string& to, std::int64_t count,
                       std::size_t maxBytes = std::string::npos);
Value pySplit(const std::string& s, const Value* sepArg, std::int64_t maxSplit, bool fromRight);
std::int64_t floorDiv(std::int64_t a, std::int64_t b);
// jinja2's object_type_repr: "None", or "<type> object" ("dict object", "list object").
std::string objectTypeRepr(const Value& v);
// What obj[key] / obj.key gives when there is no such item: an undefined value whose use fails
// with jinja2's message ("'dict object' has no attribute 'x'", "list object has no element 5").
Value missingItem(const Value& obj, const Value& key);

// ---- builtin names (builtin_filters.cpp, builtin_tests.cpp) ----------------------------------------

// jinja2's FILTERS (with transformers' tojson) and TESTS: what `is filter` / `is test` answer.
bool isBuiltinFilter(std::string_view name);
bool isBuiltinTest(std::string_view name);
// jinja2's default globals (range, dict, lipsum, cycler, joiner, namespace) and transformers'
// raise_exception and strftime_now (builtin_globals.cpp); undefined for any other name.
Value builtinGlobal(const std::string& name);
// The random source of the random filter and lipsum().
std::uint64_t randomBelow(std::uint64_t bound);

// ---- the interpreter ---------------------------------------------------------------------------

struct Scope {
    std::unordered_map<std::string, Value> vars;
    Scope* parent = nullptr;
};

enum class Flow { Normal, Break, Continue };

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

    [[noreturn]] void fail(int line, const std::string& what, TemplateError::Cause cause = TemplateError::Cause::Other,
                           std::string name = {}) const {
        throw TemplateError((line > 0 ? "line " + std::to_string(line) + ": " : std::string()) + what, line, cause, std::move(name));
    }

    // The error for using an undefined value: a variable the render doesn't set, or an attribute /
    // item a value lacks.
    [[noreturn]] void failUndefined(const Value& v, int line) const {
        const std::string message = v.undefinedMessage();
        const bool missing = message.find(" has no attribute ") != std::string::npos || message.find(" has no element ") != std::string::npos;
        fail(line, message,
             v.undefinedIsVariable() ? TemplateError::Cause::UndefinedVariable
             : missing               ? TemplateError::Cause::MissingAttribute
                                     : TemplateError::Cause::Other,
             v.undefinedName());
    }

    Value callValue(const Value& callee, const CallArgs& args, int line) {
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

    Value applyFilter(const std::string& name, const Value& input, const CallArgs& args, int line);
    bool applyTest(const std::string& name, const Value& input, const CallArgs& args, int line);
    // obj.name as templates read it: an attribute, else an item.
    Value getAttr(const Value& obj, const std::string& name, int line);
    // Python's getattr(obj, name) through the sandbox, as the attr filter reads it: a dict's keys
    // are items, not attributes.
    Value attribute(const Value& obj, const std::string& name, int line);

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

    // A statement's failure that names no line (one inside a value's repr, say) gets the statement's.
    Flow exec(const Stmt& s) {
        Flow flow = Flow::Normal;
        withLine(s.line, [&] { flow = execStatement(s); });
        return flow;
    }

    Flow execStatement(const Stmt& s) {
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
                    if (!ns.isObject() || !ns.asObject().isNamespace || !ns.asObject().className.empty())
                        fail(s.line, "cannot assign attribute on non-namespace object");
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
        auto lastChanged = std::make_shared<std::optional<Value>>();
        for (std::int64_t i = 0; i < n; ++i) {
            if (++iterations_ > limits_.maxLoopIterations) fail(s.line, "loop iterations exceed the sandbox limit");
            auto loop = std::make_shared<Object>();  // jinja2's LoopContext: attributes, not a mapping
            loop->isNamespace = true;
            loop->className = "LoopContext";
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
                          if (a.positional.empty()) in.fail(0, "no items for cycling given");
                          return a.positional[static_cast<std::size_t>(i) % a.positional.size()];
                      }));
            // loop.changed(*values): true on the first call and whenever the values differ from the
            // previous call's (one memory for the whole loop)
            loop->set("changed", Value::function("loop.changed", [lastChanged](Interpreter&, const CallArgs& a) {
                          Value values = Value::tuple(a.positional);
                          if (*lastChanged && **lastChanged == values) return Value(false);
                          *lastChanged = std::move(values);
                          return Value(true);
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
        return builtinGlobal(name);
    }

    CallArgs evalArgs(const Arguments& args) {
        CallArgs out;
        for (const auto& e : args.positional) out.positional.push_back(eval(*e));
        for (const auto& [k, e] : args.keyword) out.keyword.emplace_back(k, eval(*e));
        return out;
    }

    // A filter's failure names the filter (unless it was an undefined value's).
    Value filterCall(const Expr& f, Value input) {
        const CallArgs args = evalArgs(f.args);
        try {
            return applyFilter(f.name, input, args, f.line);
        } catch (const TemplateError& e) {
            if (e.cause() != TemplateError::Cause::Other) throw;
            if (e.line() > 0) throw TemplateError(e.what(), e.line(), TemplateError::Cause::Filter, f.name);
            fail(f.line, e.what(), TemplateError::Cause::Filter, f.name);
        }
    }

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
        if (v.isUndefined()) failUndefined(v, line);
    }

    // Runs `f`, giving a TemplateError it throws without a line the line of the template that
    // caused it.
    template <class F>
    void withLine(int line, F&& f) {
        try {
            f();
        } catch (const TemplateError& e) {
            if (e.line() > 0 || line <= 0) throw;
            fail(line, e.what(), e.cause(), e.name());
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
        return binaryOp(op, l, r, e.line);
    }

public:
    // `l op r` for the operators other than and / or, as Python computes them.
    Value binaryOp(const std::string& op, const Value& l, const Value& r, int line) {
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
            if (l.isNumber() && r.isNumber()) return arith(l, r, '+');
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
            if (l.isNumber() && r.isNumber()) return arith(l, r, '-');
        } else if (op == "*") {
            if (l.isNumber() && r.isNumber()) return arith(l, r, '*');
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
        fail(line, "unsupported operand type(s) for " + op + ": '" + l.typeName() + "' and '" + r.typeName() + "'");
    }

    // markupsafe.escape: a Markup string as it is, anything else as escaped text.
    static Value escapeMarkup(const Value& v) { return v.isMarkup() ? v : Value::markup(htmlEscape(v.str())); }

private:

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
    // `op` is the operator Python would name in its error.
    int compare(const Value& l, const Value& r, int line, std::string_view op = "<") {
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
        if (obj.isUndefined()) failUndefined(obj, line);
        return missingItem(obj, key);
    }

    Value slice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV, int line) {
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

    Value methodOf(const Value& obj, const std::string& name, int line);

private:
    const RenderLimits& limits_;
    Scope root_;
    Scope* scope_ = nullptr;
    std::string* out_ = nullptr;
    std::size_t iterations_ = 0;
    int depth_ = 0;
};

}  // namespace awq::jinja
