#pragma once
// The syntax tree of a parsed Jinja template.
#include "core/jinja/value.h"

#include <memory>
#include <string>
#include <vector>

namespace awq::jinja {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Arguments {
    std::vector<ExprPtr> positional;
    std::vector<std::pair<std::string, ExprPtr>> keyword;
};

struct Expr {
    enum class Kind {
        Literal,   // value
        Name,      // name
        Attr,      // a.name
        Item,      // a[b]
        Slice,     // a[b:c:d] (missing parts are null)
        Call,      // a(args)
        Filter,    // a | name(args)
        Test,      // a is [not] name(args)
        Unary,     // op a   ("-", "+", "not")
        Binary,    // a op b ("+", "-", "*", "/", "//", "%", "**", "~", "and", "or", "in", "not in", one comparison)
        Compare,   // items[0] ops[0] items[1] ops[1] items[2] ...: a chain, a < b < c as Python's a < b and b < c
        Cond,      // b if a else c   (a = condition, b = then, c = else, may be null)
        List,      // [items]
        Tuple,     // (items)
        Dict,      // {keys[i]: items[i]}
    };
    Kind kind;
    int line = 0;
    Value value;
    std::string name;  // Name, Attr, Filter, Test; operator for Unary/Binary
    bool negate = false;
    ExprPtr a, b, c, d;
    std::vector<ExprPtr> items, keys;
    std::vector<std::string> ops;  // Compare
    Arguments args;
};

struct Stmt {
    enum class Kind {
        Text,       // text
        Output,     // {{ expr }}
        If,         // conditions[i] -> bodies[i]; elseBody
        For,        // targets in iter [if cond]: body; elseBody
        Set,        // targets = expr | (expr target: a.b = value)
        SetBlock,   // {% set name %}body{% endset %} with optional filters
        Macro,      // name(params) body
        CallBlock,  // {% call(params) expr %}body{% endcall %}: expr (a Call) gets caller = the body as a macro of params
        FilterBlock,// {% filter f %}body{% endfilter %}
        Break,
        Continue,
        Block,      // plain body ({% generation %})
        With,       // {% with params %}body{% endwith %}: params' values set in a scope of the body
    };
    Kind kind;
    int line = 0;
    std::string text;  // Text; macro/set-block name
    ExprPtr expr;      // Output value, For iterable, Set value
    ExprPtr cond;      // For filter condition
    ExprPtr target;    // Set to an attribute: the namespace expression
    std::string attr;  // Set to an attribute: the attribute
    std::vector<std::string> targets;  // For / Set names (several = unpacking)
    std::vector<ExprPtr> conditions;
    std::vector<Body> bodies;
    Body body, elseBody;
    std::vector<std::pair<std::string, ExprPtr>> params;  // Macro / caller parameters with defaults (null = none)
    // Names a macro body (or a call block's body) reads, which change how it takes arguments as in
    // jinja2: `caller` accepts a {% call %} body, `varargs` extra positional arguments, `kwargs`
    // extra keyword arguments; without them, extra arguments are an error.
    bool usesCaller = false, usesVarargs = false, usesKwargs = false;
    bool recursive = false;  // For: {% for ... recursive %}, whose body may call loop(items)
    std::vector<ExprPtr> filters;  // SetBlock / FilterBlock: Filter expressions whose `a` is null
};

// Parses a template; throws TemplateError with the line of the problem.
Body parseTemplate(std::string_view source);

}  // namespace awq::jinja
