#pragma once
// The interpreter's internals, shared by its source files (statements.cpp, expressions.cpp,
// interpreter.cpp, builtin_*.cpp): the Python str helpers they use (python_str.cpp) and the
// Interpreter class. Code outside core/jinja uses template.h.
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
std::string pySwapcase(const std::string& s);
std::string pyCasefold(const std::string& s);
// str.isdecimal(), isdigit(), isalpha(), islower(), istitle(), isidentifier(), ... with Python's
// Unicode semantics; nullopt for a name that is no such predicate.
std::optional<bool> pyStrPredicate(const std::string& name, const std::string& s);
// str.expandtabs(tabsize); TemplateError "string too long" past maxBytes.
std::string pyExpandTabs(const std::string& s, std::int64_t tabSize, std::size_t maxBytes);
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

// Renders one template: statements (statements.cpp), expressions (expressions.cpp), attributes and
// methods (interpreter.cpp), filters (builtin_filters.cpp), tests (builtin_tests.cpp) and globals
// (builtin_globals.cpp).
class Interpreter {
public:
    Interpreter(const Object& variables, const RenderLimits& limits) : limits_(limits) {
        for (const auto& [k, v] : variables.items) root_.vars[k.str()] = v;
        scope_ = &root_;
    }

    std::string run(const Body& body);

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

    // ---- expressions
    Value eval(const Expr& e);
    Value callValue(const Value& callee, const CallArgs& args, int line);
    // `l op r` for the operators other than and / or, as Python computes them.
    Value binaryOp(const std::string& op, const Value& l, const Value& r, int line);
    // Ordering as Python's <: an undefined operand is an error, like any other use of its value.
    // `op` is the operator Python would name in its error.
    int compare(const Value& l, const Value& r, int line, std::string_view op = "<");
    // `item in container`. jinja2's Undefined iterates as empty, so nothing is in it.
    bool contains(const Value& container, const Value& item, int line);
    Value getItem(const Value& obj, const Value& key, int line);
    Value slice(const Value& obj, const Value& startV, const Value& stopV, const Value& stepV, int line);
    // markupsafe.escape: a Markup string as it is, anything else as escaped text.
    static Value escapeMarkup(const Value& v) { return v.isMarkup() ? v : Value::markup(htmlEscape(v.str())); }

    // ---- attributes, methods, filters, tests
    // obj.name as templates read it: an attribute, else an item.
    Value getAttr(const Value& obj, const std::string& name, int line);
    // Python's getattr(obj, name) through the sandbox, as the attr filter reads it: a dict's keys
    // are items, not attributes.
    Value attribute(const Value& obj, const std::string& name, int line);
    Value methodOf(const Value& obj, const std::string& name, int line);
    Value applyFilter(const std::string& name, const Value& input, const CallArgs& args, int line);
    // The filter's work, at once (applyFilter defers that of the filters jinja2 writes as generators).
    Value runFilter(const std::string& name, const Value& input, const CallArgs& args, int line);
    bool applyTest(const std::string& name, const Value& input, const CallArgs& args, int line);

private:
    // ---- statements
    Flow execBody(const Body& body);
    // A statement's failure that names no line (one inside a value's repr, say) gets the statement's.
    Flow exec(const Stmt& s);
    Flow execStatement(const Stmt& s);
    Flow execWith(const Stmt& s);
    Flow execFor(const Stmt& s) { return runLoop(s, eval(*s.expr), 1); }
    // One level of a for loop over `iterable`; a recursive loop's loop(items) runs the body again
    // one level deeper and gives what it rendered.
    Flow runLoop(const Stmt& s, const Value& iterable, std::int64_t depth);
    // {% call(params) m(args) %}body{% endcall %}: m(args, caller=<the body as a macro of params>).
    // The body sees the variables where the call block stands, so `caller` must not outlive it.
    Flow execCallBlock(const Stmt& s);
    Value makeMacro(const Stmt& s);
    // Binds arguments as jinja2's Macro does (positional, then keyword, then defaults; the rest
    // undefined; extra ones into varargs / kwargs when the body reads them, else an error) and
    // renders the body in a scope under `parent`.
    Value invokeMacro(const Stmt& def, const std::string& what, Scope* parent, const CallArgs& args);
    void write(const std::string& s);
    std::string capture(const Body& body);
    void assign(const std::vector<std::string>& targets, Value v, int line);
    Array iterate(const Value& v, int line);
    // A name through the scopes, then the globals.
    Value lookup(const std::string& name);

    // ---- expressions
    CallArgs evalArgs(const Arguments& args);
    // A filter's failure names the filter (unless it was an undefined value's).
    Value filterCall(const Expr& f, Value input);
    Value binary(const Expr& e);
    // l op r for + - *: Python's int or float result. Integers are 64-bit here where jinja2's are
    // Python's unbounded ones: a result past 64 bits fails (TemplateError) instead of wrapping.
    Value arith(const Value& l, const Value& r, char op, int line);
    [[noreturn]] void failIntegerOverflow(int line, const std::string& expression);
    Value percentFormat(const std::string& format, const Value& args, int line);
    // tojson's arguments as transformers declares them: (ensure_ascii=False, indent=None,
    // separators=None, sort_keys=False), each passed on to json.dumps.
    JsonFormat jsonFormatOf(const CallArgs& a, int line);

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

    const RenderLimits& limits_;
    Scope root_;
    Scope* scope_ = nullptr;
    std::string* out_ = nullptr;
    std::size_t iterations_ = 0;
    int depth_ = 0;
};

}  // namespace awq::jinja
