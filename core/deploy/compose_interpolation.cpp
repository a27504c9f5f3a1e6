#include "core/deploy/compose_interpolation.h"

#include "core/util/error.h"

namespace awq::deploy {

namespace {

using Form = ComposeReference::Form;

bool isNameStart(char c) { return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool isNameChar(char c) { return isNameStart(c) || (c >= '0' && c <= '9'); }

// The '}' closing the "${" at `open`: nested "${" are counted, "$$" is an escape, and a reference
// never spans lines (in a YAML file that would mean a broken edit, not a value). npos when none.
std::size_t closingBrace(std::string_view text, std::size_t open, std::size_t limit) {
    int depth = 0;
    for (std::size_t i = open; i < limit; ++i) {
        const char c = text[i];
        if (c == '\n') return std::string_view::npos;
        if (c == '$' && i + 1 < limit && text[i + 1] == '$') {
            ++i;
        } else if (c == '$' && i + 1 < limit && text[i + 1] == '{') {
            ++depth;
            ++i;
        } else if (c == '}' && --depth == 0) {
            return i;
        }
    }
    return std::string_view::npos;
}

// The operator after a braced name: its form and length; nullopt for something Compose rejects.
std::optional<std::pair<Form, std::size_t>> operatorAt(std::string_view text, std::size_t at, std::size_t close) {
    if (at == close) return std::pair{Form::Plain, std::size_t(0)};
    const bool colon = text[at] == ':';
    const std::size_t op = colon ? at + 1 : at;
    if (op >= close) return std::nullopt;
    switch (text[op]) {
        case '-': return std::pair{colon ? Form::DefaultIfUnsetOrEmpty : Form::DefaultIfUnset, op + 1 - at};
        case '?': return std::pair{colon ? Form::ErrorIfUnsetOrEmpty : Form::ErrorIfUnset, op + 1 - at};
        case '+': return std::pair{colon ? Form::ReplaceIfNonEmpty : Form::ReplaceIfSet, op + 1 - at};
        default: return std::nullopt;
    }
}

std::vector<ComposeReference> parseRange(std::string_view text, std::size_t from, std::size_t to) {
    std::vector<ComposeReference> refs;
    std::size_t i = from;
    while (i < to) {
        if (text[i] != '$' || i + 1 >= to) {
            ++i;
            continue;
        }
        const char next = text[i + 1];
        if (next == '$') {  // escaped dollar
            i += 2;
            continue;
        }
        if (isNameStart(next)) {  // $VAR
            std::size_t j = i + 1;
            while (j < to && isNameChar(text[j])) ++j;
            ComposeReference r;
            r.name = std::string(text.substr(i + 1, j - i - 1));
            r.begin = i;
            r.end = r.argBegin = r.argEnd = j;
            refs.push_back(std::move(r));
            i = j;
            continue;
        }
        const std::size_t close = next == '{' ? closingBrace(text, i, to) : std::string_view::npos;
        if (close == std::string_view::npos || !isNameStart(text[i + 2])) {
            ++i;  // not a reference Compose accepts: left as text
            continue;
        }
        std::size_t j = i + 2;
        while (j < close && isNameChar(text[j])) ++j;
        const auto op = operatorAt(text, j, close);
        if (!op) {
            ++i;
            continue;
        }
        ComposeReference r;
        r.name = std::string(text.substr(i + 2, j - i - 2));
        r.form = op->first;
        r.braced = true;
        r.begin = i;
        r.end = close + 1;
        r.argBegin = j + op->second;
        r.argEnd = r.form == Form::Plain ? r.argBegin : close;
        r.nested = parseRange(text, r.argBegin, r.argEnd);
        refs.push_back(std::move(r));
        i = close + 1;
    }
    return refs;
}

void collect(const std::vector<ComposeReference>& refs, std::string_view name, std::vector<ComposeReference>& out) {
    for (const auto& r : refs) {
        if (r.name == name) out.push_back(r);
        else collect(r.nested, name, out);
    }
}

void appendUnescaped(std::string& out, std::string_view literal) {
    for (std::size_t i = 0; i < literal.size(); ++i) {
        out += literal[i];
        if (literal[i] == '$' && i + 1 < literal.size() && literal[i + 1] == '$') ++i;
    }
}

std::string interpolateRange(std::string_view text, std::size_t from, std::size_t to, const std::vector<ComposeReference>& refs,
                             const ComposeLookup& lookup);

std::string evaluate(std::string_view text, const ComposeReference& r, const ComposeLookup& lookup) {
    const std::optional<std::string> value = lookup ? lookup(r.name) : std::nullopt;
    const bool nonEmpty = value && !value->empty();
    auto arg = [&] { return interpolateRange(text, r.argBegin, r.argEnd, r.nested, lookup); };
    auto required = [&] {
        const std::string message = arg();
        return Error("required variable " + r.name + " is " + (value ? "empty" : "not set") + (message.empty() ? "" : ": " + message), {},
                     "set " + r.name + " in the environment or the project's .env file");
    };
    switch (r.form) {
        case Form::Plain: return value.value_or("");
        case Form::DefaultIfUnsetOrEmpty: return nonEmpty ? *value : arg();
        case Form::DefaultIfUnset: return value ? *value : arg();
        case Form::ErrorIfUnsetOrEmpty:
            if (!nonEmpty) throw required();
            return *value;
        case Form::ErrorIfUnset:
            if (!value) throw required();
            return *value;
        case Form::ReplaceIfNonEmpty: return nonEmpty ? arg() : std::string();
        case Form::ReplaceIfSet: return value ? arg() : std::string();
    }
    return {};
}

std::string interpolateRange(std::string_view text, std::size_t from, std::size_t to, const std::vector<ComposeReference>& refs,
                             const ComposeLookup& lookup) {
    std::string out;
    std::size_t at = from;
    for (const auto& r : refs) {
        appendUnescaped(out, text.substr(at, r.begin - at));
        out += evaluate(text, r, lookup);
        at = r.end;
    }
    appendUnescaped(out, text.substr(at, to - at));
    return out;
}

}  // namespace

std::vector<ComposeReference> parseComposeReferences(std::string_view text) { return parseRange(text, 0, text.size()); }

std::vector<ComposeReference> findComposeReferences(std::string_view text, std::string_view name) {
    std::vector<ComposeReference> out;
    collect(parseComposeReferences(text), name, out);
    return out;
}

std::string interpolateCompose(std::string_view text, const ComposeLookup& lookup) {
    return interpolateRange(text, 0, text.size(), parseComposeReferences(text), lookup);
}

std::string escapeComposeLiteral(std::string_view value) {
    std::string out;
    for (char c : value) {
        out += c;
        if (c == '$') out += '$';
    }
    return out;
}

}  // namespace awq::deploy
