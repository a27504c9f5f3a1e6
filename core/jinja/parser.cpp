// Recursive-descent parser for the Jinja subset chat templates use, following Jinja's own grammar
// and operator precedence (conditional < or < and < not < comparisons < ~ < + - < * / // % < ** <
// unary, with postfix access, filters and tests binding tightest).
#include "core/jinja/ast.h"
#include "core/jinja/lexer.h"

#include <charconv>
#include <initializer_list>

namespace awq::jinja {
namespace {

bool referencesName(const Body& body, std::string_view name);

bool referencesName(const Expr* e, std::string_view name) {
    if (!e) return false;
    if (e->kind == Expr::Kind::Name && e->name == name) return true;
    for (const Expr* child : {e->a.get(), e->b.get(), e->c.get(), e->d.get()})
        if (referencesName(child, name)) return true;
    for (const auto& list : {&e->items, &e->keys, &e->args.positional})
        for (const auto& child : *list)
            if (referencesName(child.get(), name)) return true;
    for (const auto& [k, child] : e->args.keyword)
        if (referencesName(child.get(), name)) return true;
    return false;
}

bool referencesName(const Stmt& s, std::string_view name) {
    for (const Expr* e : {s.expr.get(), s.cond.get(), s.target.get()})
        if (referencesName(e, name)) return true;
    for (const auto& list : {&s.conditions, &s.filters})
        for (const auto& e : *list)
            if (referencesName(e.get(), name)) return true;
    for (const auto& [param, def] : s.params)
        if (referencesName(def.get(), name)) return true;
    for (const auto& b : s.bodies)
        if (referencesName(b, name)) return true;
    return referencesName(s.body, name) || referencesName(s.elseBody, name);
}

bool referencesName(const Body& body, std::string_view name) {
    for (const auto& s : body)
        if (referencesName(*s, name)) return true;
    return false;
}

// What a macro body reads of caller / varargs / kwargs (jinja2 decides the same way, at compile time).
void noteSpecialNames(Stmt& s) {
    s.usesCaller = referencesName(s.body, "caller");
    s.usesVarargs = referencesName(s.body, "varargs");
    s.usesKwargs = referencesName(s.body, "kwargs");
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : t_(std::move(tokens)) {}

    Body parseAll() {
        std::string which;
        Body body = parseUntil({}, which);
        return body;
    }

private:
    const Token& cur() const { return t_[pos_]; }
    const Token& peek(std::size_t k = 1) const { return t_[std::min(pos_ + k, t_.size() - 1)]; }
    void advance() {
        if (pos_ + 1 < t_.size()) ++pos_;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw TemplateError("line " + std::to_string(cur().line) + ": " + what);
    }
    bool isOp(std::string_view op) const { return cur().type == TokenType::Operator && cur().value == op; }
    bool isName(std::string_view n) const { return cur().type == TokenType::Name && cur().value == n; }
    void expectOp(std::string_view op) {
        if (!isOp(op)) fail("expected '" + std::string(op) + "'" + got());
        advance();
    }
    std::string expectName() {
        if (cur().type != TokenType::Name) fail("expected a name" + got());
        std::string n = cur().value;
        advance();
        return n;
    }
    void expectBlockEnd() {
        if (cur().type != TokenType::BlockEnd) fail("expected '%}'" + got());
        advance();
    }
    // The current token as our messages quote it ('%}', 'foo'), or "end of template".
    std::string quoted() const {
        switch (cur().type) {
            case TokenType::End: return "end of template";
            case TokenType::BlockEnd: return "'%}'";
            case TokenType::VarEnd: return "'}}'";
            default: return "'" + cur().value + "'";
        }
    }
    std::string got() const { return cur().type == TokenType::End ? " but the template ended" : " but found " + quoted(); }

    // jinja2's describe_token: a name is itself, an operator its symbol, any other token its kind.
    std::string describe() const {
        switch (cur().type) {
            case TokenType::Name:
            case TokenType::Operator: return cur().value;
            case TokenType::Integer: return "integer";
            case TokenType::Float: return "float";
            case TokenType::String: return "string";
            case TokenType::BlockEnd: return "end of statement block";
            case TokenType::VarEnd: return "end of print statement";
            case TokenType::End: return "end of template";
            default: return "template data";
        }
    }

    // Parses statements until a block tag named in `ends` (consumed up to its name).
    Body parseUntil(std::initializer_list<std::string_view> ends, std::string& which) {
        Body body;
        while (true) {
            const Token& tok = cur();
            if (tok.type == TokenType::End) {
                if (ends.size() != 0) fail("missing {% " + std::string(*(ends.end() - 1)) + " %}");
                return body;
            }
            if (tok.type == TokenType::Text) {
                auto s = std::make_unique<Stmt>();
                s->kind = Stmt::Kind::Text;
                s->line = tok.line;
                s->text = tok.value;
                body.push_back(std::move(s));
                advance();
            } else if (tok.type == TokenType::VarBegin) {
                advance();
                auto s = std::make_unique<Stmt>();
                s->kind = Stmt::Kind::Output;
                s->line = tok.line;
                s->expr = parseTuple();
                if (cur().type != TokenType::VarEnd) fail("expected token 'end of print statement', got '" + describe() + "'");
                advance();
                body.push_back(std::move(s));
            } else if (tok.type == TokenType::BlockBegin) {
                const Token& name = peek();
                if (name.type != TokenType::Name) {
                    advance();
                    fail("expected a statement name");
                }
                for (auto e : ends) {
                    if (name.value == e) {
                        which = name.value;
                        advance();
                        advance();
                        return body;
                    }
                }
                advance();
                body.push_back(parseStatement());
            } else {
                fail("unexpected token" + got());
            }
        }
    }

    StmtPtr parseStatement() {
        const int line = cur().line;
        const std::string name = expectName();
        auto s = std::make_unique<Stmt>();
        s->line = line;
        std::string which;
        if (name == "if") {
            s->kind = Stmt::Kind::If;
            s->conditions.push_back(parseExpression());
            expectBlockEnd();
            s->bodies.push_back(parseUntil({"elif", "else", "endif"}, which));
            while (which == "elif") {
                s->conditions.push_back(parseExpression());
                expectBlockEnd();
                s->bodies.push_back(parseUntil({"elif", "else", "endif"}, which));
            }
            if (which == "else") {
                expectBlockEnd();
                s->elseBody = parseUntil({"endif"}, which);
            }
            expectBlockEnd();
        } else if (name == "for") {
            s->kind = Stmt::Kind::For;
            const bool paren = isOp("(");
            if (paren) advance();
            s->targets.push_back(expectName());
            while (isOp(",")) {
                advance();
                s->targets.push_back(expectName());
            }
            if (paren) expectOp(")");
            if (!isName("in")) fail("expected 'in' in for loop" + got());
            advance();
            s->expr = parseTuple(false);
            if (isName("if")) {
                advance();
                s->cond = parseExpression();
            }
            if (isName("recursive")) {
                s->recursive = true;
                advance();
            }
            expectBlockEnd();
            s->body = parseUntil({"else", "endfor"}, which);
            if (which == "else") {
                expectBlockEnd();
                s->elseBody = parseUntil({"endfor"}, which);
            }
            expectBlockEnd();
        } else if (name == "set") {
            const std::string first = expectName();
            if (isOp(".")) {
                advance();
                s->kind = Stmt::Kind::Set;
                auto ns = std::make_unique<Expr>();
                ns->kind = Expr::Kind::Name;
                ns->name = first;
                ns->line = line;
                s->target = std::move(ns);
                s->attr = expectName();
                expectOp("=");
                s->expr = parseTuple();
                expectBlockEnd();
            } else {
                s->targets.push_back(first);
                while (isOp(",")) {
                    advance();
                    s->targets.push_back(expectName());
                }
                if (isOp("=")) {
                    advance();
                    s->kind = Stmt::Kind::Set;
                    s->expr = parseTuple();
                    expectBlockEnd();
                } else {
                    if (s->targets.size() != 1) fail("a block set assigns one name");
                    s->kind = Stmt::Kind::SetBlock;
                    s->text = first;
                    while (isOp("|")) {
                        advance();
                        s->filters.push_back(parseFilterCall(nullptr));
                    }
                    expectBlockEnd();
                    s->body = parseUntil({"endset"}, which);
                    expectBlockEnd();
                }
            }
        } else if (name == "macro") {
            s->kind = Stmt::Kind::Macro;
            s->text = expectName();
            parseParams(s->params);
            expectBlockEnd();
            s->body = parseUntil({"endmacro"}, which);
            if (cur().type == TokenType::Name) advance();  // {% endmacro name %}
            expectBlockEnd();
            noteSpecialNames(*s);
        } else if (name == "call") {
            // {% call(params) macro(args) %}body{% endcall %}
            s->kind = Stmt::Kind::CallBlock;
            if (isOp("(")) parseParams(s->params);
            s->expr = parseExpression();
            if (s->expr->kind != Expr::Kind::Call) fail("expected a macro call after {% call %}");
            expectBlockEnd();
            s->body = parseUntil({"endcall"}, which);
            expectBlockEnd();
            noteSpecialNames(*s);
        } else if (name == "filter") {
            s->kind = Stmt::Kind::FilterBlock;
            s->filters.push_back(parseFilterCall(nullptr));
            while (isOp("|")) {
                advance();
                s->filters.push_back(parseFilterCall(nullptr));
            }
            expectBlockEnd();
            s->body = parseUntil({"endfilter"}, which);
            expectBlockEnd();
        } else if (name == "with") {
            // {% with a = 1, b = a %}body{% endwith %}: the values are evaluated outside, the names
            // live only in the body
            s->kind = Stmt::Kind::With;
            while (cur().type != TokenType::BlockEnd) {
                std::string target = expectName();
                expectOp("=");
                s->params.emplace_back(std::move(target), parseExpression());
                if (cur().type != TokenType::BlockEnd) expectOp(",");
            }
            expectBlockEnd();
            s->body = parseUntil({"endwith"}, which);
            expectBlockEnd();
        } else if (name == "break" || name == "continue") {
            s->kind = name == "break" ? Stmt::Kind::Break : Stmt::Kind::Continue;
            expectBlockEnd();
        } else if (name == "generation") {
            // transformers' AssistantTracker extension: marks assistant text; renders its body.
            s->kind = Stmt::Kind::Block;
            expectBlockEnd();
            s->body = parseUntil({"endgeneration"}, which);
            expectBlockEnd();
        } else if (name == "include" || name == "import" || name == "from" || name == "extends") {
            pos_ -= 1;
            fail("'" + name + "' is not allowed: chat templates are rendered in a sandbox without file access");
        } else {
            pos_ -= 1;
            fail("unknown or unsupported statement '" + name + "'");
        }
        return s;
    }

    // "(name, name=default, ...)" of a macro or a call block's caller.
    void parseParams(std::vector<std::pair<std::string, ExprPtr>>& params) {
        expectOp("(");
        while (!isOp(")")) {
            std::string param = expectName();
            if (param == "caller") fail("a macro can't name a parameter 'caller': {% call %} passes it");
            ExprPtr def;
            if (isOp("=")) {
                advance();
                def = parseExpression();
            }
            params.emplace_back(std::move(param), std::move(def));
            if (!isOp(")")) expectOp(",");
        }
        advance();
    }

    // ---- expressions
    ExprPtr node(Expr::Kind k, int line) {
        auto e = std::make_unique<Expr>();
        e->kind = k;
        e->line = line;
        return e;
    }

    ExprPtr parseTuple(bool withCondition = true) {
        const int line = cur().line;
        ExprPtr first = withCondition ? parseExpression() : parseOr();
        if (!isOp(",")) return first;
        auto t = node(Expr::Kind::Tuple, line);
        t->items.push_back(std::move(first));
        while (isOp(",")) {
            advance();
            if (cur().type == TokenType::BlockEnd || cur().type == TokenType::VarEnd || isOp(")")) break;
            t->items.push_back(withCondition ? parseExpression() : parseOr());
        }
        return t;
    }

    ExprPtr parseExpression() {
        ExprPtr e = parseOr();
        while (isName("if")) {
            const int line = cur().line;
            advance();
            auto c = node(Expr::Kind::Cond, line);
            c->a = parseOr();
            c->b = std::move(e);
            if (isName("else")) {
                advance();
                c->c = parseExpression();
            }
            e = std::move(c);
        }
        return e;
    }

    ExprPtr binary(std::string op, ExprPtr l, ExprPtr r, int line) {
        auto b = node(Expr::Kind::Binary, line);
        b->name = std::move(op);
        b->a = std::move(l);
        b->b = std::move(r);
        return b;
    }

    ExprPtr parseOr() {
        ExprPtr e = parseAnd();
        while (isName("or")) {
            const int line = cur().line;
            advance();
            e = binary("or", std::move(e), parseAnd(), line);
        }
        return e;
    }

    ExprPtr parseAnd() {
        ExprPtr e = parseNot();
        while (isName("and")) {
            const int line = cur().line;
            advance();
            e = binary("and", std::move(e), parseNot(), line);
        }
        return e;
    }

    ExprPtr parseNot() {
        if (isName("not")) {
            const int line = cur().line;
            advance();
            auto u = node(Expr::Kind::Unary, line);
            u->name = "not";
            u->a = parseNot();
            return u;
        }
        return parseCompare();
    }

    // Comparisons chain as in Python (jinja2's Compare node): a < b < c is a < b and b < c, with b
    // evaluated once; one comparison stays a Binary.
    ExprPtr parseCompare() {
        ExprPtr first = parseMath1();
        const int line = cur().line;
        std::vector<std::string> ops;
        std::vector<ExprPtr> operands;
        while (true) {
            if (cur().type == TokenType::Operator &&
                (cur().value == "==" || cur().value == "!=" || cur().value == "<" || cur().value == "<=" || cur().value == ">" ||
                 cur().value == ">=")) {
                ops.push_back(cur().value);
                advance();
            } else if (isName("in")) {
                ops.push_back("in");
                advance();
            } else if (isName("not") && peek().type == TokenType::Name && peek().value == "in") {
                ops.push_back("not in");
                advance();
                advance();
            } else {
                break;
            }
            operands.push_back(parseMath1());
        }
        if (ops.empty()) return first;
        if (ops.size() == 1) return binary(ops[0], std::move(first), std::move(operands[0]), line);
        auto chain = node(Expr::Kind::Compare, line);
        chain->items.push_back(std::move(first));
        for (auto& operand : operands) chain->items.push_back(std::move(operand));
        chain->ops = std::move(ops);
        return chain;
    }

    // jinja2's precedence: + and - (parse_math1) bind looser than ~ (parse_concat), which binds looser
    // than * / // % (parse_math2): 1 + 2 ~ 3 is 1 + (2 ~ 3), 2 * 3 ~ 4 is "64".
    ExprPtr parseMath1() {
        ExprPtr e = parseConcat();
        while (isOp("+") || isOp("-")) {
            const int line = cur().line;
            std::string op = cur().value;
            advance();
            e = binary(op, std::move(e), parseConcat(), line);
        }
        return e;
    }

    ExprPtr parseConcat() {
        ExprPtr e = parseMath2();
        while (isOp("~")) {
            const int line = cur().line;
            advance();
            e = binary("~", std::move(e), parseMath2(), line);
        }
        return e;
    }

    ExprPtr parseMath2() {
        ExprPtr e = parsePow();
        while (isOp("*") || isOp("/") || isOp("//") || isOp("%")) {
            const int line = cur().line;
            std::string op = cur().value;
            advance();
            e = binary(op, std::move(e), parsePow(), line);
        }
        return e;
    }

    ExprPtr parsePow() {
        ExprPtr e = parseUnary(true);
        while (isOp("**")) {
            const int line = cur().line;
            advance();
            e = binary("**", std::move(e), parseUnary(true), line);
        }
        return e;
    }

    ExprPtr parseUnary(bool withFilter) {
        const int line = cur().line;
        ExprPtr e;
        if (isOp("-") || isOp("+")) {
            auto u = node(Expr::Kind::Unary, line);
            u->name = cur().value;
            advance();
            u->a = parseUnary(false);
            e = std::move(u);
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(std::move(e));
        if (withFilter) e = parseFilters(std::move(e));
        return e;
    }

    ExprPtr parsePrimary() {
        const Token& tok = cur();
        const int line = tok.line;
        switch (tok.type) {
            case TokenType::Name: {
                auto e = node(Expr::Kind::Literal, line);
                const std::string& n = tok.value;
                if (n == "true" || n == "True") e->value = true;
                else if (n == "false" || n == "False") e->value = false;
                else if (n == "none" || n == "None") e->value = nullptr;
                else {
                    e->kind = Expr::Kind::Name;
                    e->name = n;
                }
                advance();
                return e;
            }
            case TokenType::String: {
                auto e = node(Expr::Kind::Literal, line);
                std::string s;
                while (cur().type == TokenType::String) {  // adjacent literals concatenate
                    s += cur().value;
                    advance();
                }
                e->value = std::move(s);
                return e;
            }
            case TokenType::Integer: {
                auto e = node(Expr::Kind::Literal, line);
                std::int64_t v = 0;
                auto [p, ec] = std::from_chars(tok.value.data(), tok.value.data() + tok.value.size(), v);
                if (ec != std::errc()) fail("integer literal past 64 bits (jinja2 has Python's unbounded integers; this interpreter's are 64-bit)");
                e->value = v;
                advance();
                return e;
            }
            case TokenType::Float: {
                auto e = node(Expr::Kind::Literal, line);
                e->value = std::stod(tok.value);
                advance();
                return e;
            }
            case TokenType::Operator:
                if (tok.value == "(") {
                    advance();
                    if (isOp(")")) {
                        advance();
                        return node(Expr::Kind::Tuple, line);
                    }
                    ExprPtr e = parseExpression();
                    if (isOp(",")) {
                        auto t = node(Expr::Kind::Tuple, line);
                        t->items.push_back(std::move(e));
                        while (isOp(",")) {
                            advance();
                            if (isOp(")")) break;
                            t->items.push_back(parseExpression());
                        }
                        e = std::move(t);
                    }
                    expectOp(")");
                    return e;
                }
                if (tok.value == "[") {
                    advance();
                    auto l = node(Expr::Kind::List, line);
                    while (!isOp("]")) {
                        l->items.push_back(parseExpression());
                        if (!isOp("]")) expectOp(",");
                    }
                    advance();
                    return l;
                }
                if (tok.value == "{") {
                    advance();
                    auto d = node(Expr::Kind::Dict, line);
                    while (!isOp("}")) {
                        d->keys.push_back(parseExpression());
                        expectOp(":");
                        d->items.push_back(parseExpression());
                        if (!isOp("}")) expectOp(",");
                    }
                    advance();
                    return d;
                }
                break;
            default:
                break;
        }
        fail("unexpected " + quoted());
    }

    ExprPtr parsePostfix(ExprPtr e) {
        while (true) {
            const int line = cur().line;
            if (isOp(".")) {
                advance();
                if (cur().type == TokenType::Integer) {
                    auto it = node(Expr::Kind::Item, line);
                    auto key = node(Expr::Kind::Literal, line);
                    key->value = static_cast<std::int64_t>(std::stoll(cur().value));
                    advance();
                    it->a = std::move(e);
                    it->b = std::move(key);
                    e = std::move(it);
                } else {
                    auto at = node(Expr::Kind::Attr, line);
                    at->name = expectName();
                    at->a = std::move(e);
                    e = std::move(at);
                }
            } else if (isOp("[")) {
                advance();
                ExprPtr start, stop, step;
                bool slice = false;
                if (!isOp(":")) start = parseExpression();
                if (!isOp(":") && isOp(",")) {  // x[a, b]: the key is the tuple (a, b)
                    auto key = node(Expr::Kind::Tuple, line);
                    key->items.push_back(std::move(start));
                    while (isOp(",")) {
                        advance();
                        if (isOp("]")) break;
                        key->items.push_back(parseExpression());
                    }
                    start = std::move(key);
                }
                if (isOp(":")) {
                    slice = true;
                    advance();
                    if (!isOp("]") && !isOp(":")) stop = parseExpression();
                    if (isOp(":")) {
                        advance();
                        if (!isOp("]")) step = parseExpression();
                    }
                }
                expectOp("]");
                if (slice) {
                    auto s = node(Expr::Kind::Slice, line);
                    s->a = std::move(e);
                    s->b = std::move(start);
                    s->c = std::move(stop);
                    s->d = std::move(step);
                    e = std::move(s);
                } else {
                    auto it = node(Expr::Kind::Item, line);
                    it->a = std::move(e);
                    it->b = std::move(start);
                    e = std::move(it);
                }
            } else if (isOp("(")) {
                auto call = node(Expr::Kind::Call, line);
                call->a = std::move(e);
                call->args = parseArgs();
                e = std::move(call);
            } else {
                return e;
            }
        }
    }

    Arguments parseArgs() {
        Arguments args;
        expectOp("(");
        while (!isOp(")")) {
            if (cur().type == TokenType::Name && peek().type == TokenType::Operator && peek().value == "=") {
                std::string key = cur().value;
                advance();
                advance();
                args.keyword.emplace_back(std::move(key), parseExpression());
            } else {
                if (!args.keyword.empty()) fail("positional argument after keyword argument");
                args.positional.push_back(parseExpression());
            }
            if (!isOp(")")) expectOp(",");
        }
        advance();
        return args;
    }

    ExprPtr parseFilterCall(ExprPtr input) {
        const int line = cur().line;
        auto f = node(Expr::Kind::Filter, line);
        f->name = expectName();
        while (isOp(".")) {  // dotted filter names
            advance();
            f->name += "." + expectName();
        }
        if (isOp("(")) f->args = parseArgs();
        f->a = std::move(input);
        return f;
    }

    ExprPtr parseFilters(ExprPtr e) {
        while (true) {
            if (isOp("|")) {
                advance();
                e = parseFilterCall(std::move(e));
            } else if (isName("is")) {
                const int line = cur().line;
                advance();
                auto t = node(Expr::Kind::Test, line);
                if (isName("not")) {
                    t->negate = true;
                    advance();
                }
                t->name = expectName();
                if (isOp("(")) {
                    t->args = parseArgs();
                } else if ((cur().type == TokenType::Name || cur().type == TokenType::String || cur().type == TokenType::Integer ||
                            cur().type == TokenType::Float || isOp("[") || isOp("{")) &&
                           !isName("else") && !isName("or") && !isName("and")) {
                    if (isName("is")) fail("tests can't be chained with 'is'");
                    t->args.positional.push_back(parsePostfix(parsePrimary()));
                }
                t->a = std::move(e);
                e = std::move(t);
            } else {
                return e;
            }
        }
    }

    std::vector<Token> t_;
    std::size_t pos_ = 0;
};

}  // namespace

Body parseTemplate(std::string_view source) { return Parser(tokenize(source)).parseAll(); }

}  // namespace awq::jinja
