#include "core/deploy/text_edit.h"

#include "core/util/error.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace awq::deploy {

namespace {

// Lines without their '\n' (a '\r' stays, so CRLF files keep their line ends); `finalNewline`
// records whether the text ended with one.
struct Lines {
    std::vector<std::string> lines;
    bool finalNewline = true;
};

Lines splitLines(std::string_view text) {
    Lines out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto nl = text.find('\n', start);
        if (nl == std::string_view::npos) {
            out.lines.emplace_back(text.substr(start));
            out.finalNewline = false;
            return out;
        }
        out.lines.emplace_back(text.substr(start, nl - start));
        start = nl + 1;
    }
    return out;
}

std::string joinLines(const Lines& l) {
    std::string out;
    for (std::size_t i = 0; i < l.lines.size(); ++i) {
        out += l.lines[i];
        if (i + 1 < l.lines.size() || l.finalNewline) out += '\n';
    }
    return out;
}

// The line break style to use for an appended line.
std::string lineEnd(const Lines& l) {
    return !l.lines.empty() && !l.lines.front().empty() && l.lines.front().back() == '\r' ? "\r\n" : "\n";
}

void appendLine(Lines& l, const std::string& line) {
    const std::string cr = lineEnd(l) == "\r\n" ? "\r" : "";
    if (!l.finalNewline && !l.lines.empty()) l.finalNewline = true;  // the old last line gets its newline
    l.lines.push_back(line + cr);
    l.finalNewline = true;
}

std::string stripCr(const std::string& s, std::string& cr) {
    if (!s.empty() && s.back() == '\r') {
        cr = "\r";
        return s.substr(0, s.size() - 1);
    }
    cr.clear();
    return s;
}

// A value part after `=` or `:`: the quoted or plain value, and what follows it (inline comment).
struct ValuePart {
    char quote = 0;        // '"', '\'' or 0
    std::string value;     // unquoted
    std::string rest;      // trailing spaces + comment, kept as is
};

ValuePart splitValue(const std::string& s) {
    ValuePart v;
    if (!s.empty() && (s[0] == '"' || s[0] == '\'')) {
        v.quote = s[0];
        std::size_t i = 1;
        for (; i < s.size(); ++i) {
            if (v.quote == '"' && s[i] == '\\' && i + 1 < s.size()) {
                v.value += s[++i];
                continue;
            }
            if (s[i] == v.quote) break;
            v.value += s[i];
        }
        v.rest = i < s.size() ? s.substr(i + 1) : "";
        return v;
    }
    // Plain: a comment starts at whitespace followed by '#'.
    std::size_t end = s.size();
    for (std::size_t i = 0; i + 1 < s.size(); ++i)
        if ((s[i] == ' ' || s[i] == '\t') && s[i + 1] == '#') {
            end = i;
            break;
        }
    std::size_t valueEnd = end;
    while (valueEnd > 0 && (s[valueEnd - 1] == ' ' || s[valueEnd - 1] == '\t')) --valueEnd;
    v.value = s.substr(0, valueEnd);
    v.rest = s.substr(valueEnd);
    return v;
}

std::string doubleQuoted(std::string_view value) {
    std::string out = "\"";
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

void refuseNewline(std::string_view value) {
    if (value.find('\n') != std::string_view::npos || value.find('\r') != std::string_view::npos)
        throw Error("a value to write contains a line break", {}, "rename the model folder");
}

// Lines are matched by hand, not with std::regex: libstdc++'s matcher recurses once per character,
// so one 100 kB line in a user's .env or compose file overflowed the stack (found by the fuzzer,
// tests/fuzz/regressions/deploy_edit).
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }  // regex \s
bool isBlank(char c) { return c == ' ' || c == '\t'; }
bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
std::size_t skipSpaces(std::string_view s, std::size_t i) {
    while (i < s.size() && isSpace(s[i])) ++i;
    return i;
}
std::size_t skipBlanks(std::string_view s, std::size_t i) {
    while (i < s.size() && isBlank(s[i])) ++i;
    return i;
}
bool allOf(std::string_view s, std::string_view allowedPunctuation) {
    return std::all_of(s.begin(), s.end(), [&](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || allowedPunctuation.find(c) != std::string_view::npos;
    });
}

std::string envQuoted(std::string_view value, char originalQuote) {
    if (originalQuote == '\'' && value.find('\'') == std::string_view::npos) return "'" + std::string(value) + "'";
    if (originalQuote == '"') return doubleQuoted(value);
    if (allOf(value, "_./@:+,=-")) return std::string(value);
    if (value.find('$') != std::string_view::npos && value.find('\'') == std::string_view::npos)
        return "'" + std::string(value) + "'";  // single quotes: compose does not interpolate them
    return doubleQuoted(value);
}

// When `line` assigns `var` (`  export VAR = value`): the length of everything before the value.
std::optional<std::size_t> envAssignment(std::string_view line, std::string_view var) {
    const std::size_t start = skipSpaces(line, 0);
    auto assignmentAt = [&](std::size_t at) -> std::optional<std::size_t> {
        if (line.substr(at, var.size()) != var) return std::nullopt;
        const std::size_t eq = skipSpaces(line, at + var.size());
        if (eq >= line.size() || line[eq] != '=') return std::nullopt;
        return skipSpaces(line, eq + 1);
    };
    if (line.substr(start).starts_with("export") && start + 6 < line.size() && isSpace(line[start + 6]))
        if (const auto v = assignmentAt(skipSpaces(line, start + 6))) return v;
    return assignmentAt(start);
}

// A top-level `key:` line of flat YAML for one of `keys`: where the colon ends and the value begins.
struct YamlKeyLine {
    std::size_t colonEnd = 0;   // just past the ':'
    std::size_t valueBegin = 0; // past the blanks after it
};
std::optional<YamlKeyLine> yamlKeyLine(std::string_view line, const std::vector<std::string>& keys) {
    for (const auto& k : keys) {
        if (!line.starts_with(k)) continue;
        const std::size_t colon = skipBlanks(line, k.size());
        if (colon < line.size() && line[colon] == ':') return YamlKeyLine{colon + 1, skipBlanks(line, colon + 1)};
    }
    return std::nullopt;
}

bool isIndentedContinuation(const std::string& line) {
    return !line.empty() && (line[0] == ' ' || line[0] == '\t' || line[0] == '-');
}

}  // namespace

std::optional<std::string> envValue(std::string_view text, std::string_view var) {
    std::optional<std::string> found;
    for (const auto& raw : splitLines(text).lines) {
        std::string cr;
        const std::string line = stripCr(raw, cr);
        if (const auto at = envAssignment(line, var)) found = splitValue(line.substr(*at)).value;
    }
    return found;
}

std::optional<int> envAssignmentLine(std::string_view text, std::string_view var) {
    std::optional<int> found;
    const auto lines = splitLines(text).lines;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        std::string cr;
        if (envAssignment(stripCr(lines[i], cr), var)) found = int(i) + 1;
    }
    return found;
}

std::string setEnvValue(std::string_view text, std::string_view var, std::string_view value) {
    refuseNewline(value);
    Lines l = splitLines(text);
    bool any = false;
    for (auto& raw : l.lines) {
        std::string cr;
        const std::string line = stripCr(raw, cr);
        const auto at = envAssignment(line, var);
        if (!at) continue;
        const ValuePart v = splitValue(line.substr(*at));
        raw = line.substr(0, *at) + envQuoted(value, v.quote) + v.rest + cr;
        any = true;
    }
    if (!any) appendLine(l, std::string(var) + "=" + envQuoted(value, 0));
    return joinLines(l);
}

namespace {

// Whether `value` holds what ends or splits a plain YAML scalar: " #" / tab-# (a comment) or ':'
// followed by a blank or the end (a mapping) (YAML 1.2, 7.3.3 plain style).
bool hasYamlIndicator(std::string_view value) {
    for (std::size_t i = 0; i < value.size(); ++i) {
        if (value[i] == '#' && i > 0 && (value[i - 1] == ' ' || value[i - 1] == '\t')) return true;
        if (value[i] == ':' && (i + 1 == value.size() || value[i + 1] == ' ' || value[i + 1] == '\t')) return true;
    }
    return false;
}

std::size_t lineStartOf(std::string_view text, std::size_t pos) {
    const std::size_t newline = pos == 0 ? std::string_view::npos : text.rfind('\n', pos - 1);
    return newline == std::string_view::npos ? 0 : newline + 1;
}

std::size_t indentOf(std::string_view line) {
    const std::size_t first = line.find_first_not_of(' ');
    return first == std::string_view::npos ? line.size() : first;
}

// Whether a line opens a block scalar: `key: |` / `- >-` / `key: |2 # note` (YAML 1.2, 8.1).
bool opensBlockScalar(std::string_view line) {
    std::string_view head = line.substr(0, line.find(" #"));
    while (!head.empty() && (head.back() == ' ' || head.back() == '\t' || head.back() == '\r')) head.remove_suffix(1);
    while (!head.empty() && (head.back() == '-' || head.back() == '+' || (head.back() >= '0' && head.back() <= '9'))) head.remove_suffix(1);
    if (head.empty() || (head.back() != '|' && head.back() != '>')) return false;
    head.remove_suffix(1);
    return !head.empty() && (head.back() == ' ' || head.back() == ':' || head.back() == '-');
}

// Whether offset `pos` of a YAML text lies in a plain (unquoted, not block) scalar: not inside a
// `|` / `>` block, nor inside '...' (with '' escapes) or "..." (with backslash escapes) on its line.
// Quoted scalars spread over lines count as plain (refusing more, never writing a broken file).
bool inPlainYamlScalar(std::string_view text, std::size_t pos) {
    const std::size_t lineStart = lineStartOf(text, pos);
    // A block scalar's lines are more indented than its header: walk up through less indented lines.
    for (std::size_t at = lineStart, indent = indentOf(text.substr(at, text.find('\n', at) - at)); at > 0;) {
        const std::size_t prev = lineStartOf(text, at - 1);
        const std::string_view line = text.substr(prev, at - 1 - prev);
        at = prev;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos || indentOf(line) >= indent) continue;
        if (opensBlockScalar(line)) return false;
        indent = indentOf(line);
    }
    char quote = 0;
    for (std::size_t i = lineStart; i < pos; ++i) {
        const char c = text[i];
        if (quote == '"' && c == '\\') ++i;
        else if (quote == '\'' && c == '\'' && i + 1 < pos && text[i + 1] == '\'') ++i;
        else if (quote != 0 && c == quote) quote = 0;
        else if (quote == 0 && (c == '"' || c == '\'')) quote = c;
    }
    return quote == 0;
}

// The outermost `${VAR:-...}` / `${VAR-...}` of `var` (at any nesting depth).
std::vector<ComposeReference> defaultsOf(std::string_view text, std::string_view var) {
    std::vector<ComposeReference> out;
    for (auto& r : findComposeReferences(text, var))
        if (r.hasDefault()) out.push_back(std::move(r));
    return out;
}

}  // namespace

std::optional<std::string> composeDefault(std::string_view text, std::string_view var, const ComposeLookup& lookup) {
    const auto defaults = defaultsOf(text, var);
    if (defaults.empty()) return std::nullopt;
    const auto& d = defaults.front();
    return interpolateCompose(text.substr(d.argBegin, d.argEnd - d.argBegin), lookup);
}

namespace {

// ---- where Compose splits a value into words ----
// A service's `command:` / `entrypoint:` given as one string is split into arguments after
// interpolation, shell style, by go-shellwords (compose-go's ShellCommand): blanks split words,
// '...' keeps everything literal, "..." and \ escape, ; & | < > end the command and ( ) are errors.
// A ${VAR:-/models/my model} there reached vLLM as three arguments. List forms and every other key
// (environment values, volumes) are taken as they are.

// When `line` is a `command:` / `entrypoint:` key line: the offset where its value begins.
std::optional<std::size_t> commandKeyValue(std::string_view line) {
    std::size_t i = skipBlanks(line, 0);
    for (const std::string_view key : {std::string_view("command"), std::string_view("entrypoint")}) {
        if (line.substr(i, key.size()) != key) continue;
        const std::size_t colon = skipBlanks(line, i + key.size());
        if (colon < line.size() && line[colon] == ':' && (colon + 1 == line.size() || isSpace(line[colon + 1])))
            return skipBlanks(line, colon + 1);
    }
    return std::nullopt;
}

// A string-form command holding a position: where its text begins and its YAML quoting.
struct StringCommand {
    std::size_t contentBegin = 0;  // the first character of the string (after a YAML quote)
    char yamlQuote = 0;            // '"', '\'' or 0 (plain or block scalar)
    bool plain = false;            // a plain scalar (one that may not start with a quote)
};

// The string form of a command whose value starts at `valueBegin` (on its key's line); nullopt for
// a list (flow `[...]` or block `- ...` lines) or no value.
std::optional<StringCommand> stringCommandFrom(std::string_view text, std::size_t valueBegin) {
    const std::size_t lineEnd = std::min(text.find('\n', valueBegin), text.size());
    const std::string_view value = text.substr(valueBegin, lineEnd - valueBegin);
    if (value.empty() || value[0] == '#' || value[0] == '[' || value[0] == '\r') return std::nullopt;
    if (opensBlockScalar(text.substr(lineStartOf(text, valueBegin), lineEnd - lineStartOf(text, valueBegin))))
        return StringCommand{std::min(lineEnd + 1, text.size()), 0, false};
    if (value[0] == '"' || value[0] == '\'') return StringCommand{valueBegin + 1, value[0], false};
    return StringCommand{valueBegin, 0, true};
}

// Whether a line is YAML structure rather than a line of a scalar's text: a list item (`- x`) or a
// mapping key (`key:` followed by a blank or the end).
bool isYamlStructureLine(std::string_view line) {
    const std::size_t first = skipBlanks(line, 0);
    if (line.substr(first, 2) == "- " || line.substr(first) == "-" || line.substr(first) == "-\r") return true;
    // A key as compose files write them (`command`, "8000/tcp", x-vllm): no `$`, so a line of
    // command text holding `${VAR:-a: b}` is not taken for one.
    std::size_t i = first;
    while (i < line.size() && (isWordChar(line[i]) || std::string_view("-./\"'").find(line[i]) != std::string_view::npos)) ++i;
    return i > first && i < line.size() && line[i] == ':' && (i + 1 == line.size() || isSpace(line[i + 1]));
}

// The string-form command or entrypoint that offset `pos` lies in, if any: on its key's line, or on
// a line of its block or multi-line scalar. Walks up through less indented lines (a block scalar's
// lines may be indented more than its first) to the first that is YAML structure: the command key
// decides; any other key or list item means `pos` is not in a string command.
std::optional<StringCommand> stringCommandAt(std::string_view text, std::size_t pos) {
    const auto lineAt = [&](std::size_t start) { return text.substr(start, std::min(text.find('\n', start), text.size()) - start); };
    const std::size_t lineStart = lineStartOf(text, pos);
    if (const auto v = commandKeyValue(lineAt(lineStart)); v && lineStart + *v <= pos) return stringCommandFrom(text, lineStart + *v);
    if (isYamlStructureLine(lineAt(lineStart))) return std::nullopt;  // a list item or another key's value
    std::size_t indent = indentOf(lineAt(lineStart));
    for (std::size_t at = lineStart; at > 0;) {
        const std::size_t prev = lineStartOf(text, at - 1);
        const std::string_view line = lineAt(prev);
        at = prev;
        if (line.find_first_not_of(" \t\r") == std::string_view::npos || indentOf(line) >= indent) continue;
        if (const auto v = commandKeyValue(line)) return stringCommandFrom(text, prev + *v);
        if (isYamlStructureLine(line)) return std::nullopt;
        indent = indentOf(line);  // another line of the same scalar
    }
    return std::nullopt;
}

// The shell quote (go-shellwords) open at `pos` of a command string beginning at `c.contentBegin`:
// '\'', '"' or 0. YAML's own escapes are read first (\" in a double-quoted scalar, '' in a single-
// quoted one, each one quote character of the string).
char shellQuoteAt(std::string_view text, const StringCommand& c, std::size_t pos) {
    char quote = 0;
    for (std::size_t i = c.contentBegin; i < pos; ++i) {
        char ch = text[i];
        if (c.yamlQuote == '"' && ch == '\\' && i + 1 < pos) {
            ch = text[++i];
            if (ch != '"' && ch != '\\') continue;
        } else if (c.yamlQuote == '\'' && ch == '\'' && i + 1 < pos && text[i + 1] == '\'') {
            ++i;
        }
        if (ch == '\\' && quote != '\'') ++i;  // escapes the next character
        else if (quote == 0 && (ch == '\'' || ch == '"')) quote = ch;
        else if (quote != 0 && ch == quote) quote = 0;
    }
    return quote;
}

// Whether go-shellwords would split or reject `value` written unquoted (blanks, quotes, escapes,
// the characters that end a command or are errors).
bool splitsAsShellWords(std::string_view value) { return value.find_first_of(" \t\r\n'\"\\;&|<>()`") != std::string_view::npos; }

}  // namespace

std::string quoteWhereComposeSplits(std::string_view text, std::string_view var, std::string_view value) {
    if (!splitsAsShellWords(value)) return std::string(text);
    std::string out;
    std::size_t at = 0;
    for (const auto& r : findComposeReferences(text, var)) {
        const auto command = stringCommandAt(text, r.begin);
        if (!command) continue;
        const char quote = shellQuoteAt(text, *command, r.begin);
        if (quote == '\'') continue;  // literal in single quotes (a value holding ' is refused before)
        if (quote == '"') {
            if (value.find_first_of("\\\"`") != std::string_view::npos)
                throw Error("'" + std::string(value) + "' cannot be written into the \"...\" around ${" + std::string(var) +
                                "} in a command given as one string (Compose reads \\ and \" there as escapes)",
                            {}, "write that command as a list (command: [\"--model\", \"${" + std::string(var) + "}\"]), or rename the model folder");
            continue;
        }
        if (command->plain && r.begin == command->contentBegin)
            throw Error("'" + std::string(value) + "' would be split into several arguments: ${" + std::string(var) +
                            "} starts a command given as one unquoted string, which cannot start with a quote",
                        {}, "write that command as a list (command: [\"--model\", \"${" + std::string(var) + "}\"]), or as a block (command: >)");
        // Single quotes: go-shellwords keeps everything in them literal (the value holds none).
        const std::string mark = command->yamlQuote == '\'' ? "''" : "'";
        out.append(text.substr(at, r.begin - at));
        out += mark;
        out.append(text.substr(r.begin, r.end - r.begin));
        out += mark;
        at = r.end;
    }
    out.append(text.substr(at));
    return out;
}

std::optional<std::string> setComposeDefault(std::string_view text, std::string_view var, std::string_view value) {
    refuseNewline(value);
    if (value.find_first_of("}\"'") != std::string_view::npos)
        throw Error("'" + std::string(value) + "' cannot be written as a ${" + std::string(var) + ":-...} default (it contains } or a quote)",
                    {}, "rename the model folder, or configure an .env file for the target");
    const auto defaults = defaultsOf(text, var);
    if (defaults.empty()) return std::nullopt;
    // In an unquoted YAML scalar, " #" starts a comment and ": " a mapping: the file would no longer
    // say what it did (or no longer be YAML).
    if (hasYamlIndicator(value))
        for (const auto& d : defaults)
            if (inPlainYamlScalar(text, d.argBegin))
                throw Error("'" + std::string(value) + "' cannot be written as the ${" + std::string(var) +
                                ":-...} default of an unquoted YAML value (\" #\" would start a comment, \": \" a mapping)",
                            {}, "quote that value in the compose file, rename the model, or configure an .env file for the target");
    const std::string literal = escapeComposeLiteral(value);
    std::string out;
    std::size_t at = 0;
    for (const auto& d : defaults) {
        out.append(text.substr(at, d.argBegin - at));
        out.append(literal);
        at = d.argEnd;
    }
    out.append(text.substr(at));
    return quoteWhereComposeSplits(out, var, value);
}

namespace {

// The first top-level line of one of `keys`: its index and its value part.
struct KeyLine {
    std::size_t index;
    ValuePart value;
};
std::optional<KeyLine> findYamlKey(const Lines& l, const std::vector<std::string>& keys) {
    for (std::size_t i = 0; i < l.lines.size(); ++i) {
        std::string cr;
        const std::string line = stripCr(l.lines[i], cr);
        if (const auto key = yamlKeyLine(line, keys)) return KeyLine{i, splitValue(line.substr(key->valueBegin))};
    }
    return std::nullopt;
}

// The items of the block list below line `index` (`- item` lines), unquoted.
std::vector<std::string> blockListItems(const Lines& l, std::size_t index) {
    std::vector<std::string> items;
    for (std::size_t j = index + 1; j < l.lines.size() && isIndentedContinuation(l.lines[j]); ++j) {
        std::string cr;
        const std::string next = stripCr(l.lines[j], cr);
        const auto dash = next.find_first_not_of(" \t");
        if (dash != std::string::npos && next.compare(dash, 2, "- ") == 0) items.push_back(splitValue(next.substr(dash + 2)).value);
    }
    return items;
}

}  // namespace

std::optional<std::string> yamlValue(std::string_view text, const std::vector<std::string>& keys) {
    const Lines l = splitLines(text);
    const auto key = findYamlKey(l, keys);
    if (!key) return std::nullopt;
    if (key->value.value.empty() && key->value.quote == 0)  // a block list: its first item
        if (const auto items = blockListItems(l, key->index); !items.empty()) return items.front();
    return key->value.value;
}

std::vector<std::string> yamlListValues(std::string_view text, const std::vector<std::string>& keys) {
    const Lines l = splitLines(text);
    const auto key = findYamlKey(l, keys);
    if (!key) return {};
    const ValuePart& v = key->value;
    if (v.quote == 0 && v.value.empty()) return blockListItems(l, key->index);
    if (v.quote != 0 || v.value.size() < 2 || v.value.front() != '[' || v.value.back() != ']') return {v.value};
    std::vector<std::string> items;
    std::istringstream flow(v.value.substr(1, v.value.size() - 2));
    for (std::string item; std::getline(flow, item, ',');) {
        const auto begin = item.find_first_not_of(" \t"), end = item.find_last_not_of(" \t");
        if (begin != std::string::npos) items.push_back(splitValue(item.substr(begin, end - begin + 1)).value);
    }
    return items;
}

std::string setYamlValue(std::string_view text, const std::vector<std::string>& keys, std::string_view value, bool quoteAsString) {
    refuseNewline(value);
    const std::string written = !quoteAsString || (!value.empty() && allOf(value, "_./@+=-") && value != "null" &&
                                                   value != "true" && value != "false" && value.front() != '-')
                                    ? std::string(value)
                                    : doubleQuoted(value);
    Lines l = splitLines(text);
    for (std::size_t i = 0; i < l.lines.size(); ++i) {
        std::string cr;
        const std::string line = stripCr(l.lines[i], cr);
        const auto key = yamlKeyLine(line, keys);
        if (!key) continue;
        const ValuePart v = splitValue(line.substr(key->valueBegin));
        const std::string space = key->valueBegin == key->colonEnd ? " " : line.substr(key->colonEnd, key->valueBegin - key->colonEnd);
        std::string newValue = written;
        if (v.quote == '\'' && value.find('\'') == std::string_view::npos && quoteAsString) newValue = "'" + std::string(value) + "'";
        if (v.quote == '"' && quoteAsString) newValue = doubleQuoted(value);
        l.lines[i] = line.substr(0, key->colonEnd) + space + newValue + v.rest + cr;
        if (v.value.empty() && v.quote == 0)  // a block value (list) below the key: replaced by the scalar
            while (i + 1 < l.lines.size() && isIndentedContinuation(l.lines[i + 1])) l.lines.erase(l.lines.begin() + long(i) + 1);
        return joinLines(l);
    }
    appendLine(l, keys.front() + ": " + written);
    return joinLines(l);
}

std::string commentOutYamlKey(std::string_view text, const std::vector<std::string>& keys, std::string_view note) {
    Lines l = splitLines(text);
    for (auto& raw : l.lines) {
        std::string cr;
        const std::string line = stripCr(raw, cr);
        if (yamlKeyLine(line, keys)) raw = "# " + line + "  # " + std::string(note) + cr;
    }
    return joinLines(l);
}

namespace {

// `["']?awq` at `i`, not followed by a word character.
bool awqAt(std::string_view line, std::size_t i) {
    if (i < line.size() && (line[i] == '"' || line[i] == '\'')) ++i;
    if (line.substr(i, 3) != "awq") return false;
    i += 3;
    return i >= line.size() || !isWordChar(line[i]);
}

// Every start of `word` in `line`.
template <class F>
bool anyOccurrence(std::string_view line, std::string_view word, F&& matchesAfter) {
    for (auto at = line.find(word); at != std::string_view::npos; at = line.find(word, at + 1))
        if (matchesAfter(at, at + word.size())) return true;
    return false;
}

// Whether a (non-comment) line sets the quantization to awq as a key: `quantization: awq` (YAML),
// `QUANTIZATION=awq` (an environment variable). The flags are found in commandTokens.
bool setsAwqQuantizationKey(std::string_view line) {
    // YAML: `quantization: awq` (or a list item `- quantization: awq`), then at most a comment
    {
        std::size_t i = skipSpaces(line, 0);
        if (i < line.size() && line[i] == '-') i = skipSpaces(line, i + 1);
        if (line.substr(i).starts_with("quantization")) {
            std::size_t k = skipBlanks(line, i + 12);
            if (k < line.size() && line[k] == ':') {
                k = skipBlanks(line, k + 1);
                if (k < line.size() && (line[k] == '"' || line[k] == '\'')) ++k;
                if (line.substr(k, 3) == "awq") {
                    k += 3;
                    if (k < line.size() && (line[k] == '"' || line[k] == '\'')) ++k;
                    k = skipBlanks(line, k);
                    if (k == line.size() || line[k] == '#') return true;
                }
            }
        }
    }
    // QUANTIZATION=awq, VLLM_QUANTIZATION: awq
    return anyOccurrence(line, "QUANTIZATION", [&](std::size_t, std::size_t j) {
        while (j < line.size() && ((line[j] >= 'A' && line[j] <= 'Z') || line[j] == '_')) ++j;
        const std::size_t k = skipBlanks(line, j);
        return k < line.size() && (line[k] == '=' || line[k] == ':') && awqAt(line, skipBlanks(line, k + 1));
    });
}

// f(line without its CR, 1-based number) for every line of `text` that is not a # comment.
template <class F>
void forEachUncommentedLine(std::string_view text, F&& f) {
    const Lines l = splitLines(text);
    for (std::size_t i = 0; i < l.lines.size(); ++i) {
        std::string cr;
        const std::string line = stripCr(l.lines[i], cr);
        const auto first = line.find_first_not_of(" \t");
        if (first != std::string::npos && line[first] == '#') continue;
        f(line, int(i) + 1);
    }
}

// A word of a command and the line (1-based) it is on.
struct CommandToken {
    int line = 0;
    std::string text;
};

// The words of the commands in `text`, in order: a compose command or entrypoint in any YAML form
// (one string, a block list with a flag and its value on two lines, a flow list), a shell script
// with line continuations, an .env value. Split at blanks, quotes, commas and brackets (a ${...}
// reference is one word whatever it holds), without # comments, YAML's list dashes, shell's line
// continuations and a lone `=`: a flag and its value are then neighbours in every form.
std::vector<CommandToken> commandTokens(std::string_view text) {
    std::vector<CommandToken> out;
    forEachUncommentedLine(text, [&](const std::string& line, int number) {
        const auto separates = [](char c) { return isSpace(c) || c == '"' || c == '\'' || c == ',' || c == '[' || c == ']'; };
        for (std::size_t i = 0; i < line.size();) {
            if (separates(line[i])) {
                ++i;
                continue;
            }
            if (line[i] == '#') break;  // a comment: # at the start of a word
            std::size_t end = i;
            for (int depth = 0; end < line.size() && (depth > 0 || !separates(line[end])); ++end) {
                if (line.compare(end, 2, "${") == 0) ++depth, ++end;
                else if (line[end] == '}' && depth > 0) --depth;
            }
            std::string word = line.substr(i, end - i);
            if (word != "-" && word != "\\" && word != "=") out.push_back({number, std::move(word)});
            i = end;
        }
    });
    return out;
}

// f(flag's line, value) for every one of `flags` given a value in `tokens`: `FLAG VALUE` (the next
// word, whichever line it is on), `FLAG=VALUE`, also inside a word after `=` (`ARGS=--flag=v`).
template <class F>
void forEachFlagValue(const std::vector<CommandToken>& tokens, std::initializer_list<std::string_view> flags, F&& f) {
    for (std::size_t i = 0; i < tokens.size(); ++i) {
        const std::string& word = tokens[i].text;
        for (std::size_t at = 0;;) {
            for (const std::string_view flag : flags) {
                if (word.compare(at, flag.size(), flag) != 0) continue;
                const std::size_t after = at + flag.size();
                if (after == word.size() && i + 1 < tokens.size()) f(tokens[i].line, tokens[i + 1].text);
                else if (after < word.size() && word[after] == '=' && after + 1 < word.size()) f(tokens[i].line, word.substr(after + 1));
            }
            const std::size_t eq = word.find('=', at);
            if (eq == std::string::npos) break;
            at = eq + 1;
        }
    }
}

}  // namespace

std::vector<int> forcedAwqKernelLines(std::string_view text) {
    std::vector<int> out;
    forEachUncommentedLine(text, [&](const std::string& line, int number) {
        if (setsAwqQuantizationKey(line)) out.push_back(number);
    });
    forEachFlagValue(commandTokens(text), {"--quantization", "-q"}, [&](int line, const std::string& value) {
        if (value == "awq") out.push_back(line);
    });
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::vector<FlagValue> commandFlagValues(std::string_view text, std::initializer_list<std::string_view> flags) {
    std::vector<FlagValue> out;
    forEachFlagValue(commandTokens(text), flags, [&](int line, const std::string& value) { out.push_back({line, value}); });
    return out;
}

std::vector<FlagValue> maxModelLenFlags(std::string_view text) { return commandFlagValues(text, {"--max-model-len", "--max_model_len"}); }

std::vector<FlagValue> tensorParallelFlags(std::string_view text) {
    return commandFlagValues(text, {"--tensor-parallel-size", "--tensor_parallel_size", "-tp"});
}

std::string unifiedDiff(std::string_view before, std::string_view after, const std::string& fromName, const std::string& toName) {
    if (before == after) return {};
    const Lines a = splitLines(before), b = splitLines(after);
    const std::size_t n = a.lines.size(), m = b.lines.size();
    // A last line without its newline differs from the same text with one (diff -u shows it as - and
    // +): compared with a mark that no line holds.
    const auto keys = [](const Lines& l) {
        std::vector<std::string> k = l.lines;
        if (!l.finalNewline && !k.empty()) k.back() += std::string("\0no newline", 11);
        return k;
    };
    const std::vector<std::string> ak = keys(a), bk = keys(b);
    // Edit script from the longest common subsequence (config files are small; huge ones diff as a
    // whole replacement).
    enum class Op { Keep, Del, Add };
    std::vector<std::pair<Op, std::size_t>> ops;  // index into a (Keep/Del) or b (Add)
    if (n * m <= 16'000'000) {
        std::vector<std::vector<std::uint32_t>> lcs(n + 1, std::vector<std::uint32_t>(m + 1, 0));
        for (std::size_t i = n; i-- > 0;)
            for (std::size_t j = m; j-- > 0;)
                lcs[i][j] = ak[i] == bk[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
        std::size_t i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && ak[i] == bk[j]) {
                ops.push_back({Op::Keep, i});
                ++i, ++j;
            } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
                ops.push_back({Op::Del, i++});  // removals before additions, as diff -u prints them
            } else {
                ops.push_back({Op::Add, j++});
            }
        }
    } else {
        for (std::size_t i = 0; i < n; ++i) ops.push_back({Op::Del, i});
        for (std::size_t j = 0; j < m; ++j) ops.push_back({Op::Add, j});
    }
    auto text = [&](const std::string& s) {
        std::string cr;
        return stripCr(s, cr);
    };
    const std::size_t context = 3;
    std::ostringstream out;
    out << "--- " << fromName << "\n+++ " << toName << "\n";
    std::size_t k = 0;
    while (k < ops.size()) {
        // Find the next change, then grow the hunk while changes are within 2*context lines.
        std::size_t first = k;
        while (first < ops.size() && ops[first].first == Op::Keep) ++first;
        if (first == ops.size()) break;
        std::size_t start = first >= context ? first - context : 0;
        start = std::max(start, k);
        std::size_t end = first;
        for (std::size_t keepRun = 0; end < ops.size(); ++end) {
            if (ops[end].first == Op::Keep) {
                if (++keepRun > 2 * context) break;
            } else {
                keepRun = 0;
            }
        }
        // Trim trailing context to `context` lines.
        std::size_t last = end;
        while (last > first && ops[last - 1].first == Op::Keep) --last;
        end = std::min(ops.size(), last + context);
        // Line numbers of the hunk in a and b.
        std::size_t aStart = 0, bStart = 0, aCount = 0, bCount = 0;
        {
            std::size_t ai = 0, bi = 0;
            for (std::size_t x = 0; x < start; ++x) {
                if (ops[x].first != Op::Add) ++ai;
                if (ops[x].first != Op::Del) ++bi;
            }
            aStart = ai;
            bStart = bi;
            for (std::size_t x = start; x < end; ++x) {
                if (ops[x].first != Op::Add) ++aCount;
                if (ops[x].first != Op::Del) ++bCount;
            }
        }
        // As diff -u writes a range: "START,COUNT", just "START" for one line.
        const auto range = [](std::size_t from, std::size_t count) {
            return std::to_string(count ? from + 1 : from) + (count == 1 ? "" : "," + std::to_string(count));
        };
        out << "@@ -" << range(aStart, aCount) << " +" << range(bStart, bCount) << " @@\n";
        // diff -u's mark follows the line that ends its file without a newline (a kept one ends both).
        const auto lastWithoutNewline = [](const Lines& l, std::size_t idx) { return !l.finalNewline && idx + 1 == l.lines.size(); };
        for (std::size_t x = start; x < end; ++x) {
            const auto& [op, idx] = ops[x];
            if (op == Op::Keep) out << " " << text(a.lines[idx]) << "\n";
            if (op == Op::Del) out << "-" << text(a.lines[idx]) << "\n";
            if (op == Op::Add) out << "+" << text(b.lines[idx]) << "\n";
            if (lastWithoutNewline(op == Op::Add ? b : a, idx)) out << "\\ No newline at end of file\n";
        }
        k = end;
    }
    return out.str();
}

}  // namespace awq::deploy
