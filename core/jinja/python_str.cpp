// Python str semantics on UTF-8 for the interpreter: strip, split, replace, title, ... as the
// string methods and filters of templates see them.
#include "core/jinja/interpreter.h"

#include "core/text/unicode.h"

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

std::string pyLower(const std::string& s) { return td::lowercase(s); }

namespace {

// The first code point uppercased, the rest as `rest` maps them.
std::string upperFirst(const std::string& s, std::string (*rest)(const std::string&)) {
    if (s.empty()) return s;
    const std::size_t first = std::min(s.size(), td::utf8SeqLen(static_cast<unsigned char>(s[0])));
    return pyUpper(s.substr(0, first)) + rest(s.substr(first));
}

}  // namespace

std::string pyCapitalize(const std::string& s) {  // the first character titlecased (Python 3.8+), the rest lowercased
    if (s.empty()) return s;
    const std::size_t first = std::min(s.size(), td::utf8SeqLen(static_cast<unsigned char>(s[0])));
    return td::titlecase(s.substr(0, first)) + pyLower(s.substr(first));
}

std::string pyTitle(const std::string& s) {
    std::string out;
    bool prevCased = false;
    for (const auto& cp : codePoints(s)) {
        const bool alpha = cp.size() > 1 || std::isalpha(static_cast<unsigned char>(cp[0]));
        if (alpha) {
            out += prevCased ? pyLower(cp) : pyUpper(cp);
            prevCased = true;
        } else {
            out += cp;
            prevCased = false;
        }
    }
    return out;
}

std::string jinjaTitle(const std::string& s) {
    // re.split(r"([-\s({\[<]+)", s): each piece's first character upper, the rest lower
    std::string out, word;
    auto flush = [&] {
        out += upperFirst(word, pyLower);
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
