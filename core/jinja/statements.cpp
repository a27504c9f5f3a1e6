// The interpreter's statements: output, if, for (the loop object, recursive loops), set, macros
// and call blocks, with, filter blocks; and name lookup through the scopes to the globals.
#include "core/jinja/interpreter.h"

namespace awq::jinja {

std::string Interpreter::run(const Body& body) {
    std::string out;
    out_ = &out;
    execBody(body);
    return out;
}

Flow Interpreter::execBody(const Body& body) {
    for (const auto& s : body) {
        const Flow f = exec(*s);
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

void Interpreter::write(const std::string& s) {
    out_->append(s);
    if (out_->size() > limits_.maxOutputBytes) fail(0, "output exceeds the sandbox limit");
}

Flow Interpreter::exec(const Stmt& s) {
    Flow flow = Flow::Normal;
    withLine(s.line, [&] { flow = execStatement(s); });
    return flow;
}

Flow Interpreter::execStatement(const Stmt& s) {
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

Flow Interpreter::execWith(const Stmt& s) {
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

std::string Interpreter::capture(const Body& body) {
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

void Interpreter::assign(const std::vector<std::string>& targets, Value v, int line) {
    if (targets.size() == 1) {
        scope_->vars[targets[0]] = std::move(v);
        return;
    }
    const Array items = iterate(v, line);
    if (items.size() != targets.size())
        fail(line, "can't unpack " + std::to_string(items.size()) + " values into " + std::to_string(targets.size()) + " names");
    for (std::size_t i = 0; i < targets.size(); ++i) scope_->vars[targets[i]] = items[i];
}

Array Interpreter::iterate(const Value& v, int line) {
    if (v.isArray()) return v.asArray();
    if (v.isGenerator()) {  // one pass: a second loop over the same generator sees nothing
        Generator& g = v.asGenerator();
        if (g.consumed) return {};
        g.consumed = true;
        if (g.produce) {
            const auto produce = std::move(g.produce);
            g.produce = nullptr;
            return produce();
        }
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

Flow Interpreter::runLoop(const Stmt& s, const Value& iterable, std::int64_t depth) {
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

namespace {

// What jinja2's Macro object shows of a macro (or of a call block's caller, which has no name).
std::shared_ptr<const Object> macroAttributes(const Stmt& def, Value name) {
    auto attributes = std::make_shared<Object>();
    Array arguments;
    for (const auto& [param, dflt] : def.params) arguments.emplace_back(param);
    attributes->set("name", std::move(name));
    attributes->set("arguments", Value::tuple(std::move(arguments)));
    attributes->set("catch_kwargs", Value(def.usesKwargs));
    attributes->set("catch_varargs", Value(def.usesVarargs));
    attributes->set("caller", Value(def.usesCaller));
    return attributes;
}

}  // namespace

Value Interpreter::makeMacro(const Stmt& s) {
    const Stmt* def = &s;
    return Value::function(
        s.text, [def](Interpreter& in, const CallArgs& args) { return in.invokeMacro(*def, "macro '" + def->text + "'", &in.root_, args); },
        macroAttributes(s, Value(s.text)));
}

Flow Interpreter::execCallBlock(const Stmt& s) {
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
                              }, macroAttributes(s, Value(nullptr))));
    write(callValue(callee, args, s.line).str());
    return Flow::Normal;
}

Value Interpreter::invokeMacro(const Stmt& def, const std::string& what, Scope* parent, const CallArgs& args) {
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

Value Interpreter::lookup(const std::string& name) {
    for (Scope* s = scope_; s; s = s->parent) {
        if (auto it = s->vars.find(name); it != s->vars.end()) return it->second;
    }
    return builtinGlobal(name);
}

}  // namespace awq::jinja
