// jinja2's builtin filters (jinja2.filters.FILTERS, 3.1) and transformers' tojson, with their
// argument defaults and keyword arguments; the text work of the text filters is in
// text_filters.cpp and pprint.cpp.
#include "core/jinja/interpreter.h"

#include "core/jinja/pprint.h"
#include "core/text/unicode.h"
#include "core/util/html_escape.h"

#include <fmt/format.h>

#include <array>
#include <cstdlib>

namespace awq::jinja {

namespace {

constexpr std::array<std::string_view, 54> kFilters = {
    "abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort", "e", "escape", "filesizeformat", "first",
    "float", "forceescape", "format", "groupby", "indent", "int", "join", "last", "length", "list", "lower", "items", "map", "min",
    "max", "pprint", "random", "reject", "rejectattr", "replace", "reverse", "round", "safe", "select", "selectattr", "slice", "sort",
    "string", "striptags", "sum", "title", "trim", "truncate", "unique", "upper", "urlencode", "urlize", "wordcount", "wordwrap",
    "xmlattr", "tojson"};

// Each filter's parameters after the value, as jinja2 3.1 declares them (nullptr-terminated);
// map, select, reject, selectattr, rejectattr and format take any arguments.
struct Signature {
    std::string_view filter;
    std::array<const char*, 6> params;
    std::size_t required = 0;  // the first `required` params have no default
};
constexpr Signature kSignatures[] = {
    {"abs", {}}, {"attr", {"name"}, 1}, {"batch", {"linecount", "fill_with"}, 1}, {"capitalize", {}}, {"center", {"width"}}, {"count", {}},
    {"d", {"default_value", "boolean"}}, {"default", {"default_value", "boolean"}}, {"dictsort", {"case_sensitive", "by", "reverse"}},
    {"e", {}}, {"escape", {}}, {"filesizeformat", {"binary"}}, {"first", {}}, {"float", {"default"}}, {"forceescape", {}},
    {"groupby", {"attribute", "default", "case_sensitive"}, 1}, {"indent", {"width", "first", "blank"}}, {"int", {"default", "base"}},
    {"join", {"d", "attribute"}}, {"last", {}}, {"length", {}}, {"list", {}}, {"lower", {}}, {"items", {}},
    {"min", {"case_sensitive", "attribute"}}, {"max", {"case_sensitive", "attribute"}}, {"pprint", {}}, {"random", {}},
    {"replace", {"old", "new", "count"}, 2}, {"reverse", {}}, {"round", {"precision", "method"}}, {"safe", {}},
    {"slice", {"slices", "fill_with"}, 1}, {"sort", {"reverse", "case_sensitive", "attribute"}}, {"string", {}}, {"striptags", {}},
    {"sum", {"attribute", "start"}}, {"title", {}}, {"trim", {"chars"}}, {"truncate", {"length", "killwords", "end", "leeway"}},
    {"unique", {"case_sensitive", "attribute"}}, {"upper", {}}, {"urlencode", {}},
    {"urlize", {"trim_url_limit", "nofollow", "target", "rel", "extra_schemes"}}, {"wordcount", {}},
    {"wordwrap", {"width", "break_long_words", "wrapstring", "break_on_hyphens"}}, {"xmlattr", {"autospace"}},
    {"tojson", {"ensure_ascii", "indent", "separators", "sort_keys"}}};

// Python's TypeErrors for arguments a filter doesn't take.
void checkArguments(const Interpreter& in, const std::string& name, const CallArgs& a, int line) {
    const auto it = std::find_if(std::begin(kSignatures), std::end(kSignatures), [&](const Signature& s) { return s.filter == name; });
    if (it == std::end(kSignatures)) return;
    std::size_t count = 0;
    while (count < it->params.size() && it->params[count]) ++count;
    if (a.positional.size() > count)
        in.fail(line, name + "() takes " + std::to_string(count + 1) + " positional argument(s) but " + std::to_string(a.positional.size() + 1) +
                          " were given");
    for (const auto& keyword : a.keyword) {
        const std::string& key = keyword.first;   // a named reference: clang 14 cannot capture a structured binding
        const auto p = std::find_if(it->params.begin(), it->params.begin() + count, [&](const char* param) { return key == param; });
        if (p == it->params.begin() + count) in.fail(line, name + "() got an unexpected keyword argument '" + key + "'");
        if (static_cast<std::size_t>(p - it->params.begin()) < a.positional.size())
            in.fail(line, name + "() got multiple values for argument '" + key + "'");
    }
    for (std::size_t i = a.positional.size(); i < it->required; ++i)
        if (!a.get(i, it->params[i])) in.fail(line, name + "() missing 1 required positional argument: '" + it->params[i] + "'");
}

// Widths and counts a filter builds text or lists from, bounded for the sandbox (the item count
// as jinja2's sandbox bounds range()).
constexpr std::int64_t kMaxWidth = 1 << 20;
constexpr std::int64_t kMaxItems = 100000;

const Value* arg(const CallArgs& a, std::size_t i, std::string_view name) { return a.get(i, name); }

bool argBool(const CallArgs& a, std::size_t i, std::string_view name, bool def) {
    const Value* v = a.get(i, name);
    return v ? v->truthy() : def;
}

// A string that markupsafe keeps as Markup through the filter (upper, lower, trim, ...).
Value sameKind(const Value& input, std::string s) { return input.isMarkup() ? Value::markup(std::move(s)) : Value(std::move(s)); }

// Python's \w+ runs.
std::int64_t wordCount(const std::string& s) {
    std::int64_t n = 0;
    bool in = false;
    for (const auto& cp : codePoints(s)) {
        std::size_t i = 0;
        const bool word = text::wordClass(text::nextCodePoint(cp, i)) != text::WordClass::None;
        if (word && !in) ++n;
        in = word;
    }
    return n;
}

}  // namespace

bool isBuiltinFilter(std::string_view name) { return std::find(kFilters.begin(), kFilters.end(), name) != kFilters.end(); }

Value Interpreter::applyFilter(const std::string& name, const Value& v, const CallArgs& a, int line) {
    checkArguments(*this, name, a, line);
    // jinja2 writes these as generator functions: their work, and what it raises, happens when the
    // result is first iterated (a select that is never looped over never runs its test)
    static const std::pair<std::string_view, const char*> kGenerators[] = {
        {"map", "sync_do_map"},       {"select", "select_or_reject"}, {"reject", "select_or_reject"}, {"selectattr", "select_or_reject"},
        {"rejectattr", "select_or_reject"}, {"unique", "do_unique"}, {"items", "do_items"},          {"batch", "do_batch"},
        {"slice", "sync_do_slice"}};
    for (const auto& [filter, function] : kGenerators) {
        if (name != filter) continue;
        Interpreter* self = this;
        return Value::lazyGenerator(
            [self, name, v, a, line]() -> Array {
                try {
                    Value items = self->runFilter(name, v, a, line);
                    return self->iterate(items, line);
                } catch (const TemplateError& e) {
                    if (e.cause() != TemplateError::Cause::Other) throw;
                    throw TemplateError(e.what(), e.line(), TemplateError::Cause::Filter, name);
                }
            },
            function);
    }
    return runFilter(name, v, a, line);
}

Value Interpreter::runFilter(const std::string& name, const Value& v, const CallArgs& a, int line) {
    // make_attrgetter: "a.b.0" looked up part by part (digits as integer indexes); with a default,
    // an undefined step becomes the default
    auto attrPath = [&](const Value& item, const Value* attribute, const Value* def = nullptr) -> Value {
        if (!attribute || attribute->isNone()) return item;
        if (!attribute->isString()) {  // an integer index, or whatever key it is
            Value cur = getItem(item, *attribute, line);
            return def && cur.isUndefined() ? *def : cur;
        }
        Value cur = item;
        const std::string path = attribute->str();
        for (std::size_t start = 0;;) {
            const std::size_t dot = path.find('.', start);
            const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            const bool numeric = !part.empty() && part.size() < 18 && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
            cur = numeric ? getItem(cur, Value(static_cast<std::int64_t>(std::stoll(part))), line) : getItem(cur, Value(part), line);
            if (def && cur.isUndefined()) cur = *def;
            if (dot == std::string::npos) return cur;
            start = dot + 1;
        }
    };
    // ignore_case: strings compared lowercased
    auto sortKey = [&](const Value& x, bool caseSensitive) { return !caseSensitive && x.isString() ? Value(pyLower(x.asString())) : x; };
    // make_multi_attrgetter: "age,name" gives [item.age, item.name]; a list even for one attribute,
    // so keys that are equal (two undefined ones) are never ordered, as Python compares lists
    auto multiKey = [&](const Value& item, const Value* attribute, bool caseSensitive) -> Value {
        if (!attribute || attribute->isNone() || !attribute->isString() || attribute->asString().find(',') == std::string::npos)
            return Value(Array{sortKey(attrPath(item, attribute), caseSensitive)});
        Array keys;
        const std::string all = attribute->asString();
        for (std::size_t start = 0;;) {
            const std::size_t comma = all.find(',', start);
            const Value part(all.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
            keys.push_back(sortKey(attrPath(item, &part), caseSensitive));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
        return Value(std::move(keys));
    };
    // An integer argument; None is the default only where jinja2's parameter takes None.
    auto intArg = [&](std::size_t i, std::string_view argName, std::int64_t def, bool noneIsDefault = false) -> std::int64_t {
        const Value* x = arg(a, i, argName);
        if (!x || (noneIsDefault && x->isNone())) return def;
        if (!x->isInt() && !x->isBool())
            fail(line, "'" + (x->isUndefined() ? std::string("Undefined") : x->typeName()) + "' object cannot be interpreted as an integer");
        return x->asInt();
    };
    // sorted()'s reverse: an integer (or boolean)
    auto reverseArg = [&](std::size_t i) { return arg(a, i, "reverse") && intArg(i, "reverse", 0) != 0; };
    auto stringArg = [&](std::size_t i, std::string_view argName, std::string def) {
        const Value* x = arg(a, i, argName);
        return x && !x->isNone() ? x->str() : def;
    };

    // ---- text
    if (name == "upper") return sameKind(v, pyUpper(v.str()));
    if (name == "lower") return sameKind(v, pyLower(v.str()));
    if (name == "capitalize") return sameKind(v, pyCapitalize(v.str()));
    if (name == "title") return Value(jinjaTitle(v.str()));
    if (name == "trim") {
        const Value* chars = arg(a, 0, "chars");
        if (chars && !chars->isNone() && !chars->isString()) fail(line, "strip arg must be None or str");
        return sameKind(v, pyStrip(v.str(), chars, true, true));
    }
    if (name == "center") {
        const std::int64_t width = intArg(0, "width", 80);
        if (width > kMaxWidth) fail(line, "center(): width too large for the sandbox");
        return sameKind(v, pyCenter(v.str(), width));
    }
    if (name == "replace") {
        const Value* from = arg(a, 0, "old");
        const Value* to = arg(a, 1, "new");
        if (!from || !to) fail(line, "do_replace() missing required arguments 'old' and 'new'");
        std::string out;
        withLine(line, [&] { out = replaceAll(v.str(), from->str(), to->str(), intArg(2, "count", -1, true), limits_.maxOutputBytes); });
        return Value(std::move(out));
    }
    if (name == "indent") {
        // jinja2.filters.do_indent: the lines of s + "\n", indented after the first (or all of them)
        const Value* width = arg(a, 0, "width");
        std::string pad;
        if (width && width->isString()) pad = width->asString();
        else pad = std::string(static_cast<std::size_t>(std::clamp<std::int64_t>(intArg(0, "width", 4), 0, kMaxWidth)), ' ');
        const bool first = argBool(a, 1, "first", false);
        const bool blank = argBool(a, 2, "blank", false);
        requireDefined(v, line);
        if (v.isArray()) fail(line, v.isTuple() ? "can only concatenate tuple (not \"str\") to tuple" : "'list' object has no attribute 'splitlines'");
        if (!v.isString()) fail(line, "unsupported operand type(s) for +=: '" + v.typeName() + "' and 'str'");
        const std::vector<std::string> lines = pySplitLines(v.asString() + "\n");
        if (pad.size() * lines.size() + v.asString().size() > limits_.maxOutputBytes) fail(line, "string too long");
        std::string out = lines.empty() ? std::string() : lines[0];
        for (std::size_t i = 1; i < lines.size(); ++i) out += "\n" + ((blank || !lines[i].empty()) ? pad : std::string()) + lines[i];
        return sameKind(v, first ? pad + out : out);
    }
    if (name == "truncate") {
        const bool killWords = argBool(a, 1, "killwords", false);
        const std::string end = stringArg(2, "end", "...");
        const std::int64_t leeway = intArg(3, "leeway", 5, true);  // None: the environment's truncate.leeway policy
        // a float length works as far as Python only compares it: until the text must be cut
        if (const Value* floatLength = arg(a, 0, "length"); floatLength && floatLength->isFloat()) {
            const double length = floatLength->asDouble();
            const auto endLength = static_cast<double>(codePoints(end).size());
            if (length < endLength) fail(line, "expected length >= " + std::to_string(codePoints(end).size()) + ", got " + formatFloat(length));
            if (leeway < 0) fail(line, "expected leeway >= 0, got " + std::to_string(leeway));
            if (v.isUndefined()) return v;
            const bool sized = v.isString() || v.isArray() || (v.isObject() && !v.asObject().isNamespace);
            if (!sized) fail(line, "object of type '" + v.typeName() + "' has no len()");
            const auto size = static_cast<double>(v.isString() ? codePoints(v.asString()).size() : v.isArray() ? v.asArray().size() : v.asObject().items.size());
            if (size <= length + static_cast<double>(leeway)) return v;
            fail(line, "slice indices must be integers or None or have an __index__ method");
        }
        const std::int64_t length = intArg(0, "length", 255);
        if (!v.isString()) {  // len(s), then s[:n] with str methods: only a short list or dict passes unchanged
            if (v.isUndefined()) return v;
            if (!v.isArray() && !(v.isObject() && !v.asObject().isNamespace)) fail(line, "object of type '" + v.typeName() + "' has no len()");
            const auto size = static_cast<std::int64_t>(v.isArray() ? v.asArray().size() : v.asObject().items.size());
            if (size <= length + leeway) return v;
            if (!killWords) fail(line, "'" + v.typeName() + "' object has no attribute 'rsplit'");
            fail(line, v.isArray() ? "can only concatenate list (not \"str\") to list" : "unsupported operand type(s) for +: 'dict' and 'str'");
        }
        std::string out;
        withLine(line, [&] { out = truncate(v.str(), length, killWords, end, leeway); });
        return Value(std::move(out));
    }
    if (name == "wordwrap") {
        const std::int64_t width = intArg(0, "width", 79);
        const bool breakLong = argBool(a, 1, "break_long_words", true);
        const std::string wrap = stringArg(2, "wrapstring", "\n");
        const bool breakHyphens = argBool(a, 3, "break_on_hyphens", true);
        requireDefined(v, line);
        if (!v.isString()) fail(line, "'" + v.typeName() + "' object has no attribute 'splitlines'");
        std::string out;
        withLine(line, [&] { out = wordWrap(v.str(), width, breakLong, wrap, breakHyphens, limits_.maxOutputBytes); });
        return Value(std::move(out));
    }
    if (name == "wordcount") return Value(wordCount(v.str()));
    if (name == "striptags") return Value(stripTags(v.str()));
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
    if (name == "string") return v.isMarkup() ? v : Value(v.str());
    if (name == "safe") return v.isMarkup() ? v : Value::markup(v.str());
    if (name == "e" || name == "escape") return escapeMarkup(v);
    if (name == "forceescape") return Value::markup(htmlEscape(v.str()));
    if (name == "urlencode") {
        // a string (or any non-iterable) quoted whole; a dict or a list of pairs as a query string
        if (v.isString() || !(v.isArray() || v.isObject() || v.isGenerator())) return Value(urlQuote(v.str(), false));
        Array pairs;
        if (v.isObject() && !v.asObject().isNamespace)
            for (const auto& [k, x] : v.asObject().items) pairs.push_back(Value::tuple({k, x}));
        else pairs = iterate(v, line);
        std::string out;
        for (const auto& pair : pairs) {
            if (!pair.isArray() && !pair.isString() && !pair.isObject()) fail(line, "cannot unpack non-iterable " + pair.typeName() + " object");
            const Array kv = iterate(pair, line);
            if (kv.size() < 2) fail(line, "not enough values to unpack (expected 2, got " + std::to_string(kv.size()) + ")");
            if (kv.size() > 2) fail(line, "too many values to unpack (expected 2)");
            out += (out.empty() ? "" : "&") + urlQuote(kv[0].str(), true) + "=" + urlQuote(kv[1].str(), true);
        }
        return Value(std::move(out));
    }
    if (name == "urlize") {
        // the environment's policies: rel "noopener" (added to rel and nofollow), no target
        const Value* trim = arg(a, 0, "trim_url_limit");
        std::vector<std::string> rel;
        const Value* relArg = arg(a, 3, "rel");
        if (relArg && relArg->truthy() && !relArg->isString()) fail(line, "'" + relArg->typeName() + "' object has no attribute 'split'");
        const Value relWords = pySplit(relArg && relArg->truthy() ? relArg->str() : std::string(), nullptr, -1, false);
        for (const Value& x : relWords.asArray()) rel.push_back(x.str());
        if (argBool(a, 1, "nofollow", false)) rel.emplace_back("nofollow");
        rel.emplace_back("noopener");
        std::sort(rel.begin(), rel.end());
        rel.erase(std::unique(rel.begin(), rel.end()), rel.end());
        std::string relText;
        for (const auto& r : rel) relText += (relText.empty() ? "" : " ") + r;
        std::vector<std::string> schemes;
        if (const Value* extra = arg(a, 4, "extra_schemes"); extra && !extra->isNone())
            for (const Value& scheme : iterate(*extra, line)) {
                // _uri_scheme_re: ^([\w.+-]{2,}:(/){0,2})$
                const std::string s = scheme.str();
                const std::size_t colon = s.find(':');
                const bool ok = colon != std::string::npos && colon >= 2 &&
                                std::all_of(s.begin(), s.begin() + static_cast<std::ptrdiff_t>(colon),
                                            [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '+' || c == '-'; }) &&
                                s.size() - colon - 1 <= 2 && s.find_first_not_of('/', colon + 1) == std::string::npos;
                if (!ok) fail(line, scheme.repr() + " is not a valid URI scheme prefix.");
                schemes.push_back(s);
            }
        // trim_url_limit is only compared with the links found: len(x) > limit, then x[:limit]
        auto trimUrl = [&](const std::string& x) -> std::string {
            if (!trim || trim->isNone()) return x;
            if (trim->isUndefined()) failUndefined(*trim, line);
            if (!trim->isNumber()) fail(line, "'>' not supported between instances of 'int' and '" + trim->typeName() + "'");
            const auto cps = codePoints(x);
            if (static_cast<double>(cps.size()) <= trim->asDouble()) return x;
            if (trim->isFloat()) fail(line, "slice indices must be integers or None or have an __index__ method");
            std::string shown;
            for (std::int64_t k = 0; k < trim->asInt() && k < static_cast<std::int64_t>(cps.size()); ++k) shown += cps[static_cast<std::size_t>(k)];
            return shown + "...";
        };
        return Value(urlize(v.str(), trimUrl, relText, stringArg(2, "target", ""), schemes));
    }
    if (name == "xmlattr") {
        requireDefined(v, line);
        if (!v.isObject() || v.asObject().isNamespace) fail(line, "'" + v.typeName() + "' object has no attribute 'items'");
        std::string out;
        for (const auto& [k, x] : v.asObject().items) {
            if (x.isNone() || x.isUndefined()) continue;
            const std::string key = k.str();
            if (!isValidXmlAttributeName(key)) fail(line, "Invalid character in attribute name: " + k.repr());
            out += (out.empty() ? "" : " ") + htmlEscape(key) + "=\"" + escapeMarkup(x).asString() + "\"";
        }
        if (argBool(a, 0, "autospace", true) && !out.empty()) out = " " + out;
        return Value(std::move(out));
    }
    if (name == "pprint") {
        std::string out;
        withLine(line, [&] { out = prettyFormat(v, limits_.maxOutputBytes); });
        return Value(std::move(out));
    }
    if (name == "filesizeformat") {
        double bytes = 0;
        if (v.isString()) {
            const auto parsed = pyParseFloat(v.asString());
            if (!parsed) fail(line, "could not convert string to float: " + v.repr());
            bytes = *parsed;
        } else if (v.isNumber()) {
            bytes = v.asDouble();
        } else {
            requireDefined(v, line);
            fail(line, "float() argument must be a string or a real number, not '" + v.typeName() + "'");
        }
        return Value(fileSizeFormat(bytes, argBool(a, 0, "binary", false)));
    }
    if (name == "tojson") {
        // transformers' tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        // json.dumps without Jinja's HTML escaping
        const JsonFormat format = jsonFormatOf(a, line);
        std::string json;
        withLine(line, [&] { json = v.toJson(format); });
        return Value(std::move(json));
    }

    // ---- numbers
    if (name == "int") {
        // do_int(value, default=0, base=10): int(value, base) for a string, int(value) otherwise,
        // then int(float(value)), then the default
        requireDefined(v, line);
        const Value* def = arg(a, 0, "default");
        // int(value, base) raising TypeError for a base that isn't an integer falls to the next step
        const Value* baseArg = arg(a, 1, "base");
        const std::int64_t base = !baseArg ? 10 : baseArg->isInt() || baseArg->isBool() ? baseArg->asInt() : -1;
        const Value fallback = def ? *def : Value(0);
        if (v.isNumber()) {
            if (v.isFloat() && !std::isfinite(v.asDouble())) return fallback;
            if (v.isFloat() && std::fabs(v.asDouble()) >= 9.2e18) fail(line, "int(): number too large for the sandbox");
            return Value(v.asInt());
        }
        if (v.isString()) {
            if (base >= 0 && base <= 36 && base != 1)
                if (const auto n = pyParseInt(v.asString(), static_cast<int>(base))) return Value(*n);
            if (const auto d = pyParseFloat(v.asString()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18)
                return Value(static_cast<std::int64_t>(*d));
        }
        return fallback;
    }
    if (name == "float") {
        requireDefined(v, line);
        const Value* def = arg(a, 0, "default");
        if (v.isNumber()) return Value(v.asDouble());
        if (v.isString())
            if (const auto d = pyParseFloat(v.asString())) return Value(*d);
        return def ? *def : Value(0.0);
    }
    if (name == "abs") {
        if (!v.isNumber()) fail(line, "bad operand type for abs(): '" + v.typeName() + "'");
        return v.isFloat() ? Value(std::fabs(v.asDouble())) : Value(v.asInt() < 0 ? -v.asInt() : v.asInt());
    }
    if (name == "round") {
        const Value* precisionArg = arg(a, 0, "precision");
        const bool noPrecision = precisionArg && precisionArg->isNone();  // round(x, None): an int, as round(x)
        const std::int64_t p = noPrecision ? 0 : intArg(0, "precision", 0);
        const std::string method = stringArg(1, "method", "common");
        if (method != "common" && method != "ceil" && method != "floor") fail(line, "method must be common, ceil or floor");
        if (!v.isNumber()) fail(line, "type " + (v.isUndefined() ? std::string("Undefined") : v.typeName()) + " doesn't define __round__ method");
        if (p > 308 || p < -308) return method == "common" && !v.isFloat() ? Value(v.asInt()) : Value(p > 0 ? v.asDouble() : 0.0);
        const double x = v.asDouble();
        if (noPrecision) {
            if (method != "common") fail(line, "unsupported operand type(s) for ** or pow(): 'int' and 'NoneType'");
            if (!v.isFloat()) return Value(v.asInt());
            if (!std::isfinite(x)) fail(line, std::isnan(x) ? "cannot convert float NaN to integer" : "cannot convert float infinity to integer");
            if (std::fabs(x) >= 9.2e18) fail(line, "round(): number too large for the sandbox");
            return Value(static_cast<std::int64_t>(std::nearbyint(x)));
        }
        if (method != "common") {  // math.ceil / math.floor(value * 10**precision) / 10**precision
            const double scale = std::pow(10.0, static_cast<double>(p));
            return Value((method == "ceil" ? std::ceil(x * scale) : std::floor(x * scale)) / scale);
        }
        if (p >= 0) {
            if (!v.isFloat()) return Value(v.asInt());  // Python's round(int, n) is that int
            // Python's round(float, n): the correctly rounded decimal, half to even on the exact binary
            // value, which is what printf writes
            if (!std::isfinite(x)) return Value(x);
            return Value(std::strtod(fmt::format("{:.{}f}", x, p).c_str(), nullptr));
        }
        const double scale = std::pow(10.0, static_cast<double>(-p));
        const double rounded = std::nearbyint(x / scale) * scale;  // half to even
        return v.isFloat() ? Value(rounded) : Value(static_cast<std::int64_t>(rounded));
    }
    if (name == "sum") {
        const Value* attribute = arg(a, 0, "attribute");
        const Value* start = arg(a, 1, "start");
        Value total = start ? *start : Value(0);
        for (const auto& item : iterate(v, line)) total = binaryOp("+", total, attrPath(item, attribute), line);
        return total;
    }

    // ---- sequences
    if (name == "length" || name == "count") {
        if (v.isString()) return Value(static_cast<std::int64_t>(codePoints(v.asString()).size()));
        if (v.isArray()) return Value(static_cast<std::int64_t>(v.asArray().size()));
        if (v.isObject() && !v.asObject().isNamespace) return Value(static_cast<std::int64_t>(v.asObject().items.size()));
        if (v.isObject() && v.asObject().className == "LoopContext") return *v.asObject().find("length");
        if (v.isUndefined()) return Value(0);
        fail(line, "object of type '" + v.typeName() + "' has no len()");
    }
    if (name == "first" || name == "last" || name == "random") {
        if (name == "last" && v.isGenerator()) fail(line, "'generator' object is not reversible");
        if (name != "first" && !(v.isArray() || v.isString() || v.isObject() || v.isUndefined() || v.isGenerator()))
            fail(line, "'" + v.typeName() + "' object is not " + (name == "last" ? "reversible" : "subscriptable"));
        if (name == "random" && v.isGenerator()) fail(line, "object of type 'generator' has no len()");
        const Array items = iterate(v, line);
        if (items.empty()) return Value::undefined(name, "No " + name + " item, sequence was empty.");
        if (name == "random") return items[randomBelow(items.size())];
        return name == "first" ? items.front() : items.back();
    }
    if (name == "list") return Value(iterate(v, line));
    if (name == "items") {
        if (v.isUndefined()) return Value::generator({}, "do_items");
        if (!v.isObject() || v.asObject().isNamespace) fail(line, "Can only get item pairs from a mapping.");
        Array out;
        for (const auto& [k, val] : v.asObject().items) out.push_back(Value::tuple(Array{k, val}));
        return Value::generator(std::move(out), "do_items");
    }
    if (name == "join") {
        const Value* attribute = arg(a, 1, "attribute");
        const std::string sep = stringArg(0, "d", "");
        std::string out;
        bool first = true;
        for (const auto& item : iterate(v, line)) {
            out += (first ? std::string() : sep) + attrPath(item, attribute).str();
            first = false;
            if (out.size() > limits_.maxOutputBytes) fail(line, "string too long");
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
    if (name == "dictsort") {
        requireDefined(v, line);
        if (!v.isObject() || v.asObject().isNamespace) fail(line, "'" + v.typeName() + "' object has no attribute 'items'");
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const std::string by = stringArg(1, "by", "key");
        if (by != "key" && by != "value") fail(line, "You can only sort by either \"key\" or \"value\"");
        const bool reverse = reverseArg(2);
        Array out;
        for (const auto& [k, val] : v.asObject().items) out.push_back(Value::tuple(Array{k, val}));
        const std::size_t pos = by == "value" ? 1 : 0;
        std::stable_sort(out.begin(), out.end(), [&](const Value& x, const Value& y) {
            const int c = compare(sortKey(x.asArray()[pos], cs), sortKey(y.asArray()[pos], cs), line);
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
        const bool reverse = reverseArg(0);
        const bool cs = argBool(a, 1, "case_sensitive", false);
        const Value* attribute = arg(a, 2, "attribute");
        Array items = iterate(v, line);
        std::vector<std::pair<Value, Value>> keyed;  // (key, item)
        for (auto& item : items) keyed.emplace_back(multiKey(item, attribute, cs), std::move(item));
        std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) {
            const int c = compare(x.first, y.first, line);
            return reverse ? c > 0 : c < 0;
        });
        Array out;
        for (auto& [key, item] : keyed) out.push_back(std::move(item));
        return Value(std::move(out));
    }
    if (name == "unique") {
        // seen as a Python set: equal hashable keys (1, 1.0, True) are one
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const Value* attribute = arg(a, 1, "attribute");
        Array out, seenUnhashable;
        std::unordered_map<std::string, bool> seen;
        for (const auto& item : iterate(v, line)) {
            const Value key = sortKey(attrPath(item, attribute), cs);
            const auto hash = hashKey(key);
            if (!hash) {  // Python names the unhashable value inside a tuple
                const Value* inner = &key;
                for (bool deeper = true; deeper && inner->isTuple();) {
                    deeper = false;
                    for (const Value& x : inner->asArray())
                        if (!hashKey(x)) {
                            inner = &x;
                            deeper = true;
                            break;
                        }
                }
                fail(line, "unhashable type: '" + inner->typeName() + "'");
            }
            if (!seen.emplace(*hash, true).second) continue;
            out.push_back(item);
        }
        return Value::generator(std::move(out), "do_unique");
    }
    if (name == "min" || name == "max") {
        const bool cs = argBool(a, 0, "case_sensitive", false);
        const Value* attribute = arg(a, 1, "attribute");
        const Array items = iterate(v, line);
        if (items.empty()) return Value::undefined(name, "No aggregated item, sequence was empty.");
        std::size_t best = 0;
        Value bestKey = sortKey(attrPath(items[0], attribute), cs);
        for (std::size_t i = 1; i < items.size(); ++i) {
            Value key = sortKey(attrPath(items[i], attribute), cs);
            const int c = compare(key, bestKey, line, name == "min" ? "<" : ">");
            if (name == "min" ? c < 0 : c > 0) best = i, bestKey = std::move(key);
        }
        return items[best];
    }
    if (name == "batch") {
        // do_batch(value, linecount, fill_with=None): lists of linecount items, the last filled
        const Value* countArg = arg(a, 0, "linecount");
        if (!countArg) fail(line, "do_batch() missing 1 required positional argument: 'linecount'");
        const std::int64_t count = intArg(0, "linecount", 0);
        const Value* fill = arg(a, 1, "fill_with");
        Array out, current;
        for (const auto& item : iterate(v, line)) {
            if (static_cast<std::int64_t>(current.size()) == count) {
                out.emplace_back(std::move(current));
                current.clear();
            }
            current.push_back(item);
        }
        if (!current.empty()) {
            if (fill && !fill->isNone()) {
                if (count > kMaxItems) fail(line, "batch(): too many items for the sandbox (more than 100000)");
                while (static_cast<std::int64_t>(current.size()) < count) current.push_back(*fill);
            }
            out.emplace_back(std::move(current));
        }
        return Value::generator(std::move(out), "do_batch");
    }
    if (name == "slice") {
        // sync_do_slice(value, slices, fill_with=None): `slices` lists, the first ones one longer
        if (!arg(a, 0, "slices")) fail(line, "do_slice() missing 1 required positional argument: 'slices'");
        const std::int64_t slices = intArg(0, "slices", 0);
        const Value* fill = arg(a, 1, "fill_with");
        const Array seq = iterate(v, line);
        if (slices == 0) fail(line, "integer division or modulo by zero");
        if (slices < 0 || slices > kMaxItems) fail(line, "slice(): the number of slices must be between 1 and 100000");
        const std::int64_t length = static_cast<std::int64_t>(seq.size());
        const std::int64_t per = length / slices, extra = length % slices;
        Array out;
        std::int64_t offset = 0;
        for (std::int64_t k = 0; k < slices; ++k) {
            const std::int64_t start = offset + k * per;
            if (k < extra) ++offset;
            const std::int64_t end = offset + (k + 1) * per;
            Array part(seq.begin() + start, seq.begin() + end);
            if (fill && !fill->isNone() && k >= extra) part.push_back(*fill);
            out.emplace_back(std::move(part));
        }
        return Value::generator(std::move(out), "sync_do_slice");
    }
    if (name == "groupby") {
        // do_groupby(value, attribute, default=None, case_sensitive=False): sorted by the
        // attribute, then runs of equal keys as (grouper, list) tuples; without case_sensitive the
        // grouper is the first item's own value, not its lowercased one
        const Value* attribute = arg(a, 0, "attribute");
        if (!attribute) fail(line, "do_groupby() missing 1 required positional argument: 'attribute'");
        const Value* def = arg(a, 1, "default");
        if (def && def->isNone()) def = nullptr;
        const bool cs = argBool(a, 2, "case_sensitive", false);
        std::vector<std::pair<Value, Value>> keyed;  // (key, item)
        for (const auto& item : iterate(v, line)) keyed.emplace_back(sortKey(attrPath(item, attribute, def), cs), item);
        std::stable_sort(keyed.begin(), keyed.end(), [&](const auto& x, const auto& y) { return compare(x.first, y.first, line) < 0; });
        Array out;
        for (std::size_t i = 0; i < keyed.size();) {
            std::size_t j = i;
            Array group;
            while (j < keyed.size() && keyed[j].first == keyed[i].first) group.push_back(keyed[j++].second);
            Value grouper = cs ? keyed[i].first : attrPath(group.front(), attribute, def);
            out.push_back(Value::groupTuple(std::move(grouper), std::move(group)));
            i = j;
        }
        return Value(std::move(out));
    }
    if (name == "map") {
        // sync_do_map: map(attribute=..., default=...) or map(filter, *args, **kwargs)
        const Value* attribute = nullptr;
        const Value* def = nullptr;
        for (const auto& [k, val] : a.keyword) {
            if (k == "attribute") attribute = &val;
            if (k == "default") def = &val;
        }
        const bool byAttribute = a.positional.empty() && attribute;
        if (byAttribute)
            for (const auto& [k, val] : a.keyword)
                if (k != "attribute" && k != "default") fail(line, "Unexpected keyword argument '" + k + "'");
        if (!v.truthy()) return Value::generator({}, "sync_do_map");  // jinja2 maps nothing over a false value (None, undefined, "")
        Array out;
        if (byAttribute) {
            for (const auto& item : iterate(v, line)) out.push_back(attrPath(item, attribute, def && !def->isNone() ? def : nullptr));
            return Value::generator(std::move(out), "sync_do_map");
        }
        if (a.positional.empty()) fail(line, "map requires a filter argument");
        const std::string filter = a.positional[0].str();
        if (!isBuiltinFilter(filter)) fail(line, "No filter named '" + filter + "'.", TemplateError::Cause::UnknownFilter, filter);
        CallArgs rest;
        rest.positional.assign(a.positional.begin() + 1, a.positional.end());
        rest.keyword = a.keyword;
        for (const auto& item : iterate(v, line)) out.push_back(applyFilter(filter, item, rest, line));
        return Value::generator(std::move(out), "sync_do_map");
    }
    if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
        // select_or_reject: a test (with its arguments and keyword arguments) or truthiness, of
        // the item or (selectattr / rejectattr) of its attribute
        const bool byAttr = name == "selectattr" || name == "rejectattr";
        const bool keep = name == "select" || name == "selectattr";
        if (!v.truthy()) return Value::generator({}, "select_or_reject");  // jinja2 selects nothing from a false value (None, undefined, "")
        std::size_t next = 0;
        const Value* attribute = nullptr;
        if (byAttr) {
            if (a.positional.empty()) fail(line, "Missing parameter for attribute name");
            attribute = &a.positional[0];
            next = 1;
        }
        std::string test;
        CallArgs testArgs;
        if (a.positional.size() > next) {
            test = a.positional[next].str();
            testArgs.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(next) + 1, a.positional.end());
            testArgs.keyword = a.keyword;
            if (!isBuiltinTest(test)) fail(line, "No test named '" + test + "'.", TemplateError::Cause::UnknownTest, test);
        }
        Array out;
        for (const auto& item : iterate(v, line)) {
            const Value x = byAttr ? attrPath(item, attribute) : item;
            const bool r = test.empty() ? x.truthy() : applyTest(test, x, testArgs, line);
            if (r == keep) out.push_back(item);
        }
        return Value::generator(std::move(out), "select_or_reject");
    }
    if (name == "attr") {
        const Value* n = arg(a, 0, "name");
        if (!n) fail(line, "do_attr() missing 1 required positional argument: 'name'");
        if (!n->isString()) fail(line, "attribute name must be string, not '" + (n->isUndefined() ? std::string("Undefined") : n->typeName()) + "'");
        return attribute(v, n->asString(), line);
    }
    fail(line, "No filter named '" + name + "'.", TemplateError::Cause::UnknownFilter, name);
}

}  // namespace awq::jinja
