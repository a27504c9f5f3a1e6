// Python str semantics on UTF-8 for the interpreter: strip, split, replace, title, ... as the
// string methods and filters of templates see them.
#include "core/jinja/interpreter.h"

#include "core/text/unicode.h"

#include <algorithm>
#include <cctype>

namespace awq::jinja {

namespace td = awq::text;

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

std::string pyUpper(const std::string& s) { return td::uppercase(s); }

namespace {

using td::CharProperty;

bool has(char32_t c, CharProperty p) { return td::hasCharProperty(c, p); }

std::vector<char32_t> decode(const std::string& s) {
    std::vector<char32_t> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) out.push_back(td::nextCodePoint(s, i));
    return out;
}

std::string encode(char32_t c) {
    std::string out;
    td::appendUtf8(out, c);
    return out;
}

// CPython's lower_ucs4: the full lowercase mapping, except that a capital sigma is final (ς) where
// Unicode's Final_Sigma context holds: a cased character before it and none after it, skipping
// case-ignorable characters (apostrophes, combining marks) both ways. "ΣΑΣ".lower() is "σας".
std::string lowerAt(const std::vector<char32_t>& cps, std::size_t i) {
    if (cps[i] != 0x3A3) return td::lowercase(encode(cps[i]));
    std::size_t j = i;
    while (j > 0 && has(cps[j - 1], CharProperty::CaseIgnorable)) --j;
    bool final = j > 0 && has(cps[j - 1], CharProperty::Cased);
    if (final) {
        std::size_t k = i + 1;
        while (k < cps.size() && has(cps[k], CharProperty::CaseIgnorable)) ++k;
        final = k == cps.size() || !has(cps[k], CharProperty::Cased);
    }
    return final ? "\u03C2" : "\u03C3";
}

}  // namespace

std::string pyLower(const std::string& s) {
    if (s.find("\u03A3") == std::string::npos) return td::lowercase(s);  // no capital sigma: no context to look at
    const auto cps = decode(s);
    std::string out;
    for (std::size_t i = 0; i < cps.size(); ++i) out += lowerAt(cps, i);
    return out;
}

std::string pyCapitalize(const std::string& s) {  // the first character titlecased (Python 3.8+), the rest lowercased
    const auto cps = decode(s);
    std::string out;
    for (std::size_t i = 0; i < cps.size(); ++i) out += i == 0 ? td::titlecase(encode(cps[0])) : lowerAt(cps, i);
    return out;
}

std::string pyTitle(const std::string& s) {
    // CPython's do_title: a character after a cased one is lowercased, any other titlecased ("ǆ" -> "ǅ");
    // digits and apostrophes are not cased, so "they're 2x" -> "They'Re 2X"
    const auto cps = decode(s);
    std::string out;
    bool prevCased = false;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        out += prevCased ? lowerAt(cps, i) : td::titlecase(encode(cps[i]));
        prevCased = has(cps[i], CharProperty::Cased);
    }
    return out;
}

std::string pySwapcase(const std::string& s) {
    const auto cps = decode(s);
    std::string out;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        if (has(cps[i], CharProperty::Uppercase)) out += lowerAt(cps, i);
        else if (has(cps[i], CharProperty::Lowercase)) out += td::uppercase(encode(cps[i]));
        else out += encode(cps[i]);
    }
    return out;
}

std::string pyCasefold(const std::string& s) { return td::casefold(s); }

std::optional<bool> pyStrPredicate(const std::string& name, const std::string& s) {
    const auto cps = decode(s);
    auto all = [&](auto test) { return !cps.empty() && std::all_of(cps.begin(), cps.end(), test); };
    auto decimal = [](char32_t c) { return has(c, CharProperty::Decimal); };
    auto digit = [](char32_t c) { return has(c, CharProperty::Digit); };
    auto numeric = [](char32_t c) { return has(c, CharProperty::Numeric); };
    auto alpha = [](char32_t c) { return has(c, CharProperty::Letter); };
    auto upperOrTitle = [](char32_t c) { return has(c, CharProperty::Uppercase) || has(c, CharProperty::TitlecaseLetter); };
    auto lowerOrTitle = [](char32_t c) { return has(c, CharProperty::Lowercase) || has(c, CharProperty::TitlecaseLetter); };
    if (name == "isdecimal") return all(decimal);
    if (name == "isdigit") return all(digit);
    if (name == "isnumeric") return all(numeric);
    if (name == "isalpha") return all(alpha);
    if (name == "isalnum") return all([&](char32_t c) { return alpha(c) || numeric(c); });  // Numeric covers Decimal and Digit
    if (name == "isspace") return all(isPySpace);
    if (name == "isascii") return std::all_of(cps.begin(), cps.end(), [](char32_t c) { return c < 0x80; });
    if (name == "isprintable") return std::all_of(cps.begin(), cps.end(), [](char32_t c) { return td::isPrintable(c); });
    if (name == "isidentifier")
        return !cps.empty() && (cps[0] == '_' || has(cps[0], CharProperty::XidStart)) &&
               std::all_of(cps.begin() + 1, cps.end(), [](char32_t c) { return has(c, CharProperty::XidContinue); });
    if (name == "islower" || name == "isupper") {
        // at least one cased character, none of the other case (nor titlecase: "ǅ" is neither)
        const bool lower = name == "islower";
        bool cased = false;
        for (char32_t c : cps) {
            if (lower ? upperOrTitle(c) : lowerOrTitle(c)) return false;
            cased = cased || has(c, lower ? CharProperty::Lowercase : CharProperty::Uppercase);
        }
        return cased;
    }
    if (name == "istitle") {
        // uppercase or titlecase characters only after uncased ones, lowercase ones only after cased ones
        bool cased = false, prevCased = false;
        for (char32_t c : cps) {
            if (has(c, CharProperty::Uppercase) || has(c, CharProperty::TitlecaseLetter)) {
                if (prevCased) return false;
                prevCased = cased = true;
            } else if (has(c, CharProperty::Lowercase)) {
                if (!prevCased) return false;
                prevCased = cased = true;
            } else {
                prevCased = false;
            }
        }
        return cased;
    }
    return std::nullopt;
}

std::string pyExpandTabs(const std::string& s, std::int64_t tabSize, std::size_t maxBytes) {
    std::string out;
    std::int64_t column = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t c = td::nextCodePoint(s, i);
        if (c == '\t') {
            if (tabSize > 0) {
                const std::int64_t n = tabSize - column % tabSize;
                if (out.size() + static_cast<std::uint64_t>(n) > maxBytes) throw TemplateError("string too long");
                out.append(static_cast<std::size_t>(n), ' ');
                column += n;
            }
        } else {
            out.append(s, start, i - start);
            column = c == '\n' || c == '\r' ? 0 : column + 1;
        }
    }
    return out;
}

std::string jinjaTitle(const std::string& s) {
    // re.split(r"([-\s({\[<]+)", s): each piece's first character upper, the rest lower
    std::string out, word;
    auto flush = [&] {
        // item[0].upper() + item[1:].lower(): uppercase, not titlecase, and the rest lowercased on its own
        const std::size_t first = word.empty() ? 0 : std::min(word.size(), td::utf8SeqLen(static_cast<unsigned char>(word[0])));
        out += pyUpper(word.substr(0, first)) + pyLower(word.substr(first));
        word.clear();
    };
    for (const auto& cp : codePoints(s)) {
        std::size_t i = 0;
        const char32_t c = td::nextCodePoint(cp, i);
        if (isPySpace(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<') {
            flush();
            out += cp;
        } else {
            word += cp;
        }
    }
    flush();
    return out;
}

std::string replaceAll(const std::string& s, const std::string& from, const std::string& to, std::int64_t count, std::size_t maxBytes) {
    auto check = [&](const std::string& out) {
        if (out.size() > maxBytes) throw TemplateError("string too long");
    };
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
            check(out);
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
        check(out);
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

std::string objectTypeRepr(const Value& v) {
    if (v.isNone()) return "None";
    if (v.isObject() && v.asObject().className == "LoopContext") return "jinja2.runtime.LoopContext object";
    if (v.isObject() && !v.asObject().className.empty()) return "jinja2.utils." + v.asObject().className + " object";
    if (v.isObject() && v.asObject().isNamespace) return "jinja2.utils.Namespace object";
    return v.typeName() + " object";
}

Value missingItem(const Value& obj, const Value& key) {
    if (key.isString()) return Value::undefined(key.str(), "'" + objectTypeRepr(obj) + "' has no attribute " + key.repr());
    return Value::undefined(key.str(), objectTypeRepr(obj) + " has no element " + key.repr());
}

}  // namespace awq::jinja
