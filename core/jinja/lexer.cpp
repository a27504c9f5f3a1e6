#include "core/jinja/lexer.h"

#include "core/text/unicode.h"
#include "core/jinja/interpreter.h"
#include "core/jinja/value.h"

#include <cctype>
#include <cstdint>
#include <limits>

namespace awq::jinja {
namespace {

std::string normalizeNewlines(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\r') {
            out.push_back('\n');
            if (i + 1 < s.size() && s[i + 1] == '\n') ++i;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

// jinja2 strips whitespace with Python's str.rstrip() and the regular expression \s, both Unicode
// aware: a no-break space, an ideographic space or U+001C..U+001F go like spaces and tabs.
// The length of the white-space character at s[i], or 0 when there is none.
std::size_t spaceAt(std::string_view s, std::size_t i) {
    if (i >= s.size()) return 0;
    const auto lead = static_cast<unsigned char>(s[i]);
    if (lead >= 0x80 && text::utf8SeqLen(lead) == 1) return 0;  // a stray byte, not U+0085 or U+00A0
    std::size_t j = i;
    return isPySpace(text::nextCodePoint(s, j)) ? j - i : 0;
}

// The start of the code point that ends just before s[i].
std::size_t previousCodePoint(std::string_view s, std::size_t i) {
    std::size_t j = i - 1;
    while (j > 0 && i - j < 4 && (static_cast<unsigned char>(s[j]) & 0xC0) == 0x80) --j;
    return text::utf8SeqLen(static_cast<unsigned char>(s[j])) == i - j ? j : i - 1;
}

// How far white space reaches back from s[end], not crossing a line end when `inLine`.
std::size_t spaceBefore(std::string_view s, std::size_t end, bool inLine = false) {
    while (end > 0) {
        const std::size_t j = previousCodePoint(s, end);
        if (spaceAt(s, j) != end - j || (inLine && (s[j] == '\n' || s[j] == '\r'))) break;
        end = j;
    }
    return end;
}

std::size_t spaceAfter(std::string_view s, std::size_t i) {
    while (std::size_t n = spaceAt(s, i)) i += n;
    return i;
}

void lstripSpace(std::string& text) { text.erase(0, spaceAfter(text, 0)); }
void rstripSpace(std::string& text) { text.erase(spaceBefore(text, text.size())); }

class Lexer {
public:
    explicit Lexer(std::string_view src) : src_(src) {}

    std::vector<Token> run() {
        std::size_t pos = 0;
        bool stripNext = false;  // a "-" closed the previous tag
        while (pos < src_.size()) {
            const std::size_t tag = findTag(pos);
            std::string text(src_.substr(pos, tag - pos));
            if (stripNext) {
                lstripSpace(text);
                stripNext = false;
            }
            if (tag == src_.size()) {
                emitText(std::move(text), pos);
                break;
            }
            const char kind = src_[tag + 1];  // '{', '%' or '#'
            const char modifier = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
            if (modifier == '-') {
                rstripSpace(text);
            } else if (kind != '{' && modifier != '+') {
                lstripBlock(text, tag);
            }
            emitText(std::move(text), pos);
            std::size_t p = tag + 2 + (modifier == '-' || modifier == '+' ? 1 : 0);
            if (kind == '#') {
                const std::size_t close = src_.find("#}", p);
                if (close == std::string_view::npos) throw error("unterminated comment", tag);
                const bool minus = close > p && src_[close - 1] == '-';
                const bool plus = close > p && src_[close - 1] == '+';
                pos = close + 2;
                if (minus) stripNext = true;
                else if (!plus) pos = trimBlock(pos);
                continue;
            }
            const bool isBlock = kind == '%';
            // {% raw %}: everything up to {% endraw %} is text
            if (isBlock && isRawStart(p)) {
                pos = readRaw(p, tag, stripNext);
                continue;
            }
            tokens_.push_back({isBlock ? TokenType::BlockBegin : TokenType::VarBegin, "", lineAt(tag)});
            char endModifier = '\0';
            pos = lexTag(p, isBlock, endModifier);
            tokens_.push_back({isBlock ? TokenType::BlockEnd : TokenType::VarEnd, "", lineAt(pos)});
            if (endModifier == '-') stripNext = true;
            else if (isBlock && endModifier != '+') pos = trimBlock(pos);
        }
        tokens_.push_back({TokenType::End, "", lineAt(src_.size())});
        return std::move(tokens_);
    }

private:
    std::size_t findTag(std::size_t from) const {
        for (std::size_t i = src_.find('{', from); i != std::string_view::npos; i = src_.find('{', i + 1)) {
            if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) return i;
        }
        return src_.size();
    }

    int lineAt(std::size_t pos) const {
        int line = 1;
        for (std::size_t i = 0; i < pos && i < src_.size(); ++i) line += src_[i] == '\n';
        return line;
    }

    TemplateError error(const std::string& what, std::size_t pos) const {
        return TemplateError("line " + std::to_string(lineAt(pos)) + ": " + what);
    }

    void emitText(std::string text, std::size_t pos) {
        if (text.empty()) return;
        tokens_.push_back({TokenType::Text, normalizeNewlines(text), lineAt(pos)});
    }

    // lstrip_blocks: drop the white space between the start of the line and a block tag (any white
    // space, as jinja2 tests the rest of the line with \s+).
    void lstripBlock(std::string& text, std::size_t tagPos) const {
        const std::size_t k = spaceBefore(src_, tagPos, true);
        if (!(k == 0 || src_[k - 1] == '\n' || src_[k - 1] == '\r')) return;
        text.erase(text.size() - std::min(text.size(), tagPos - k));
    }

    // trim_blocks: drop the first newline after a block tag.
    std::size_t trimBlock(std::size_t pos) const {
        if (pos < src_.size() && src_[pos] == '\n') return pos + 1;
        if (pos + 1 < src_.size() && src_[pos] == '\r' && src_[pos + 1] == '\n') return pos + 2;
        if (pos < src_.size() && src_[pos] == '\r') return pos + 1;
        return pos;
    }

    std::size_t skipSpace(std::size_t p) const { return spaceAfter(src_, p); }

    bool isRawStart(std::size_t p) const {
        p = skipSpace(p);
        if (src_.compare(p, 3, "raw") != 0) return false;
        p = skipSpace(p + 3);
        if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
        return src_.compare(p, 2, "%}") == 0;
    }

    std::size_t readRaw(std::size_t p, std::size_t tag, bool& stripNext) {
        p = skipSpace(p) + 3;
        p = skipSpace(p);
        bool stripBody = false;
        if (src_[p] == '-') stripBody = true;
        if (src_[p] == '-' || src_[p] == '+') ++p;
        p += 2;
        // find {%[-+]? endraw [-+]?%}
        for (std::size_t q = src_.find("{%", p); q != std::string_view::npos; q = src_.find("{%", q + 2)) {
            std::size_t r = q + 2;
            const bool minusBefore = r < src_.size() && src_[r] == '-';
            if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) ++r;
            r = skipSpace(r);
            if (src_.compare(r, 6, "endraw") != 0) continue;
            r = skipSpace(r + 6);
            char endMod = '\0';
            if (r < src_.size() && (src_[r] == '-' || src_[r] == '+')) endMod = src_[r++];
            if (src_.compare(r, 2, "%}") != 0) continue;
            std::string body(src_.substr(p, q - p));
            if (stripBody) lstripSpace(body);  // no trim_blocks after {% raw %}: jinja2's raw_begin has no "\n?"
            if (minusBefore) rstripSpace(body);
            emitText(std::move(body), p);
            std::size_t after = r + 2;
            if (endMod == '-') stripNext = true;
            else if (endMod != '+') after = trimBlock(after);
            return after;
        }
        throw error("{% raw %} without {% endraw %}", tag);
    }

    std::size_t lexTag(std::size_t p, bool isBlock, char& endModifier) {
        int depth = 0;
        const std::size_t start = p;
        while (true) {
            p = skipSpace(p);
            if (p >= src_.size()) throw error(isBlock ? "unterminated {% ... %} tag" : "unterminated {{ ... }} expression", start);
            // the tag's end, possibly with a modifier
            if (depth == 0) {
                std::size_t q = p;
                char mod = '\0';
                if (src_[q] == '-' || src_[q] == '+') mod = src_[q++];
                if (isBlock ? src_.compare(q, 2, "%}") == 0 : src_.compare(q, 2, "}}") == 0) {
                    endModifier = mod;
                    return q + 2;
                }
            }
            const char c = src_[p];
            const int line = lineAt(p);
            if (nameCharAt(p, true)) {
                std::size_t q = p;
                while (std::size_t n = nameCharAt(q, false)) q += n;
                tokens_.push_back({TokenType::Name, std::string(src_.substr(p, q - p)), line});
                p = q;
            } else if (std::isdigit(static_cast<unsigned char>(c))) {
                p = lexNumber(p, line);
            } else if (c == '\'' || c == '"') {
                p = lexString(p);
            } else {
                static const char* const ops[] = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<", ">",
                                                  "=", "(", ")", "[", "]", "{", "}", ",", ".", ":", "|"};
                bool matched = false;
                for (const char* op : ops) {
                    const std::string_view o(op);
                    if (src_.compare(p, o.size(), o) == 0) {
                        if (o == "(" || o == "[" || o == "{") ++depth;
                        if ((o == ")" || o == "]" || o == "}") && depth > 0) --depth;
                        tokens_.push_back({TokenType::Operator, std::string(o), line});
                        p += o.size();
                        matched = true;
                        break;
                    }
                }
                if (!matched) throw error("unexpected character '" + std::string(src_.substr(p, std::min(src_.size() - p, text::utf8SeqLen(static_cast<unsigned char>(c))))) + "'", p);
            }
        }
    }

    // The length of the identifier character at p (0: none): ASCII letters, digits (not first) and
    // "_", and the Unicode characters Python identifiers take (XID_Start, XID_Continue), as jinja2's
    // name_re reads names ({% set café = 1 %}).
    std::size_t nameCharAt(std::size_t p, bool first) const {
        if (p >= src_.size()) return 0;
        const auto b = static_cast<unsigned char>(src_[p]);
        if (b < 0x80) return std::isalpha(b) || b == '_' || (!first && std::isdigit(b)) ? 1 : 0;
        std::size_t q = p;
        const char32_t cp = text::nextCodePoint(src_, q);
        return text::hasCharProperty(cp, first ? text::CharProperty::XidStart : text::CharProperty::XidContinue) ? q - p : 0;
    }

    // The end of a run of digits of `base` with single underscores between them, as jinja2's
    // (\d+_)*\d+ reads one; `p` itself when there is no digit at p.
    std::size_t digitsEnd(std::size_t p, int base = 10) const {
        auto isDigit = [&](std::size_t i) {
            if (i >= src_.size()) return false;
            const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[i])));
            const int v = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : (d >= 'a' && d <= 'f') ? d - 'a' + 10 : 99;
            return v < base;
        };
        if (!isDigit(p)) return p;
        std::size_t q = p + 1;
        while (isDigit(q) || (q < src_.size() && src_[q] == '_' && isDigit(q + 1))) ++q;
        return q;
    }

    // A number as jinja2's lexer reads one: float_re first (digits with a fraction, an exponent or
    // both), then integer_re: 0b / 0o / 0x with digits, a decimal integer without leading zeros, or
    // zeros ("007" is the integer "00" and then "7": a syntax error). An underscore only between
    // digits ("1_000"; "1__0" and "1_" end the number before the underscore).
    std::size_t lexNumber(std::size_t p, int line) {
        const std::size_t whole = digitsEnd(p);
        std::size_t fraction = whole;
        if (whole < src_.size() && src_[whole] == '.') fraction = digitsEnd(whole + 1) > whole + 1 ? digitsEnd(whole + 1) : whole;
        std::size_t exponent = fraction;
        if (fraction < src_.size() && (src_[fraction] == 'e' || src_[fraction] == 'E')) {
            std::size_t r = fraction + 1;
            if (r < src_.size() && (src_[r] == '+' || src_[r] == '-')) ++r;
            if (digitsEnd(r) > r) exponent = digitsEnd(r);
        }
        const bool afterDot = p > 0 && src_[p - 1] == '.';  // float_re's (?<!\.): "x.1.5" is x[1][5]
        if (!afterDot && exponent > whole) {
            std::string spelling;
            for (char ch : src_.substr(p, exponent - p))
                if (ch != '_') spelling.push_back(ch);
            tokens_.push_back({TokenType::Float, spelling, line});
            return exponent;
        }
        const char prefix = p + 1 < src_.size() ? static_cast<char>(std::tolower(static_cast<unsigned char>(src_[p + 1]))) : '\0';
        if (src_[p] == '0' && (prefix == 'x' || prefix == 'o' || prefix == 'b')) {
            const int base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
            std::size_t q = p + 2;
            if (q < src_.size() && src_[q] == '_') ++q;  // 0x_ff: an underscore may lead
            if (digitsEnd(q, base) > q) return lexPrefixedInteger(p, digitsEnd(q, base), base, line);
        }
        std::size_t end = whole;
        if (src_[p] == '0') {  // 0(_?0)*
            end = p + 1;
            while (end < src_.size() && (src_[end] == '0' || (src_[end] == '_' && end + 1 < src_.size() && src_[end + 1] == '0')))
                end += src_[end] == '_' ? 2 : 1;
        }
        std::string spelling;
        for (char ch : src_.substr(p, end - p))
            if (ch != '_') spelling.push_back(ch);
        tokens_.push_back({TokenType::Integer, spelling, line});
        return end;
    }

    // 0x1F, 0o17, 0b101 (digits from p + 2 to end, underscores between them): the integer's decimal spelling.
    std::size_t lexPrefixedInteger(std::size_t p, std::size_t end, int base, int line) {
        std::uint64_t value = 0;
        for (std::size_t q = p + 2; q < end; ++q) {
            const char d = static_cast<char>(std::tolower(static_cast<unsigned char>(src_[q])));
            if (d == '_') continue;
            const int digit = std::isdigit(static_cast<unsigned char>(d)) ? d - '0' : d - 'a' + 10;
            if (value > (std::numeric_limits<std::uint64_t>::max() >> 4)) throw error("integer literal past 64 bits (jinja2 has Python's unbounded integers; this interpreter's are 64-bit)", p);
            value = value * static_cast<unsigned>(base) + static_cast<unsigned>(digit);
        }
        tokens_.push_back({TokenType::Integer, std::to_string(value), line});
        return end;
    }

    // A string literal as jinja2 reads one: the raw text's line ends normalized first (\r\n and \r
    // become \n), then Python's escapes decoded ("unicode-escape": \n \t \r \b \f \v \a \\ \' \",
    // octal \o to \ooo, \xhh, \uhhhh, \Uhhhhhhhh, \N{NAME}, backslash-newline), so '\r\n' written as
    // escapes stays a carriage return and line feed. An unknown escape keeps its backslash.
    std::size_t lexString(std::size_t p) {
        const char quote = src_[p];
        const std::size_t start = p++;
        std::string raw;
        for (; p < src_.size() && src_[p] != quote; ++p) {
            raw.push_back(src_[p]);
            if (src_[p] == '\\' && p + 1 < src_.size()) raw.push_back(src_[++p]);  // an escaped quote does not end it
        }
        if (p >= src_.size()) throw error("unterminated string", start);
        raw = normalizeNewlines(raw);
        std::string out;
        for (std::size_t i = 0; i < raw.size();) {
            const char c = raw[i++];
            if (c != '\\' || i >= raw.size()) {
                out.push_back(c);
                continue;
            }
            const char e = raw[i++];
            switch (e) {
                case 'n': out.push_back('\n'); break;
                case 't': out.push_back('\t'); break;
                case 'r': out.push_back('\r'); break;
                case 'b': out.push_back('\b'); break;
                case 'f': out.push_back('\f'); break;
                case 'v': out.push_back('\v'); break;
                case 'a': out.push_back('\a'); break;
                case '\\': out.push_back('\\'); break;
                case '\'': out.push_back('\''); break;
                case '"': out.push_back('"'); break;
                case '\n': break;  // line continuation
                case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
                    char32_t cp = static_cast<char32_t>(e - '0');
                    for (int k = 0; k < 2 && i < raw.size() && raw[i] >= '0' && raw[i] <= '7'; ++k) cp = cp * 8 + static_cast<char32_t>(raw[i++] - '0');
                    text::appendUtf8(out, cp);
                    break;
                }
                case 'x': case 'u': case 'U': {
                    const std::size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + n > raw.size()) throw error("bad escape in string", start);
                    char32_t cp = 0;
                    for (std::size_t k = 0; k < n; ++k) {
                        const char h = raw[i + k];
                        const int d = std::isdigit(static_cast<unsigned char>(h)) ? h - '0'
                                      : (h >= 'a' && h <= 'f')                   ? h - 'a' + 10
                                      : (h >= 'A' && h <= 'F')                   ? h - 'A' + 10
                                                                                 : -1;
                        if (d < 0) throw error("bad escape in string", start);
                        cp = cp * 16 + static_cast<char32_t>(d);
                    }
                    if (cp > 0x10FFFF) throw error("bad escape in string: illegal Unicode character", start);
                    i += n;
                    text::appendUtf8(out, cp);
                    break;
                }
                case 'N': {
                    const std::size_t close = raw.find('}', i);
                    if (i >= raw.size() || raw[i] != '{' || close == std::string::npos) throw error("bad escape in string: malformed \\N character escape", start);
                    const auto cp = text::characterNamed(std::string_view(raw).substr(i + 1, close - i - 1));
                    if (!cp) throw error("bad escape in string: unknown Unicode character name " + raw.substr(i + 1, close - i - 1), start);
                    text::appendUtf8(out, *cp);
                    i = close + 1;
                    break;
                }
                default:
                    out.push_back('\\');
                    out.push_back(e);
            }
        }
        tokens_.push_back({TokenType::String, out, lineAt(start)});
        return p + 1;
    }

    std::string_view src_;
    std::vector<Token> tokens_;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
    // keep_trailing_newline = False: one trailing newline of the template is dropped
    if (!source.empty() && source.back() == '\n') {
        source.remove_suffix(1);
        if (!source.empty() && source.back() == '\r') source.remove_suffix(1);
    } else if (!source.empty() && source.back() == '\r') {
        source.remove_suffix(1);
    }
    return Lexer(source).run();
}

}  // namespace awq::jinja
