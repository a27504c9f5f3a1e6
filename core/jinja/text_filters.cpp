// jinja2's text filters (filesizeformat, striptags, truncate, urlencode, urlize, wordwrap, ...)
// line by line after the Python they name: jinja2 3.1's filters.py and utils.py, markupsafe's
// striptags, textwrap and urllib.parse.quote.
#include "core/jinja/text_filters.h"

#include "core/text/unicode.h"
#include "core/util/html_escape.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_map>

namespace awq::jinja {

namespace td = awq::text;

namespace {

bool isPyWhitespace(char32_t c) { return td::isUnicodeWhitespace(c) || (c >= 0x1C && c <= 0x1F); }

std::vector<char32_t> decode(std::string_view s) {
    std::vector<char32_t> out;
    for (std::size_t i = 0; i < s.size();) out.push_back(td::nextCodePoint(s, i));
    return out;
}

std::string encode(const std::vector<char32_t>& cps, std::size_t begin = 0, std::size_t end = std::string::npos) {
    std::string out;
    end = std::min(end, cps.size());
    for (std::size_t i = begin; i < end; ++i) td::appendUtf8(out, cps[i]);
    return out;
}

std::size_t length(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

// Python's \w.
bool isWordChar(char32_t c) { return td::wordClass(c) != td::WordClass::None; }

std::vector<std::string_view> splitOn(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        const std::size_t p = s.find(sep, start);
        out.push_back(s.substr(start, p == std::string_view::npos ? std::string_view::npos : p - start));
        if (p == std::string_view::npos) return out;
        start = p + 1;
    }
}

std::string trimPy(std::string_view s) {
    const auto cps = decode(s);
    std::size_t b = 0, e = cps.size();
    while (b < e && isPyWhitespace(cps[b])) ++b;
    while (e > b && isPyWhitespace(cps[e - 1])) --e;
    return encode(cps, b, e);
}

// Digits of `base` with single underscores between them (Python's integer / float literal rule).
bool digitsWithUnderscores(std::string_view s, int base, bool underscoreFirst, std::string& clean) {
    if (s.empty()) return false;
    bool lastUnderscore = !underscoreFirst;  // an underscore may follow a base prefix ("0x_ff")
    for (char c : s) {
        if (c == '_') {
            if (lastUnderscore) return false;
            lastUnderscore = true;
            continue;
        }
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'z') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'Z') d = c - 'A' + 10;
        if (d < 0 || d >= base) return false;
        clean += c;
        lastUnderscore = false;
    }
    return !lastUnderscore;
}

}  // namespace

std::vector<std::string> codePoints(std::string_view s) {
    std::vector<std::string> out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        i += td::utf8SeqLen(static_cast<unsigned char>(s[i]));
        if (i > s.size()) i = s.size();
        out.emplace_back(s.substr(start, i - start));
    }
    return out;
}

std::vector<std::string> pySplitLines(std::string_view s) {
    std::vector<std::string> out;
    const auto cps = decode(s);
    std::size_t start = 0;
    for (std::size_t i = 0; i < cps.size(); ++i) {
        const char32_t c = cps[i];
        const bool boundary = c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) || c == 0x85 ||
                              c == 0x2028 || c == 0x2029;
        if (!boundary) continue;
        out.push_back(encode(cps, start, i));
        if (c == '\r' && i + 1 < cps.size() && cps[i + 1] == '\n') ++i;
        start = i + 1;
    }
    if (start < cps.size()) out.push_back(encode(cps, start));
    return out;
}

std::string pyCenter(std::string_view s, std::int64_t width, std::string_view fill) {
    const std::int64_t n = static_cast<std::int64_t>(length(s));
    if (width <= n) return std::string(s);
    const std::int64_t marg = width - n;
    const std::int64_t left = marg / 2 + (marg & width & 1);
    std::string out;
    for (std::int64_t i = 0; i < left; ++i) out += fill;
    out += s;
    for (std::int64_t i = 0; i < marg - left; ++i) out += fill;
    return out;
}

std::optional<double> pyParseFloat(std::string_view text) {
    const std::string s = trimPy(text);
    std::size_t i = 0;
    std::string clean;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) clean += s[i++];
    std::string rest = s.substr(i);
    std::string lower = rest;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == "inf" || lower == "infinity") return clean == "-" ? -INFINITY : INFINITY;
    if (lower == "nan") return NAN;
    // mantissa: digits[.digits] or .digits; exponent: e[sign]digits; underscores between digits
    std::size_t p = 0;
    auto digitRun = [&](bool required) {
        const std::size_t start = p;
        while (p < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[p])) || rest[p] == '_')) ++p;
        if (start == p) return !required;
        return digitsWithUnderscores(std::string_view(rest).substr(start, p - start), 10, true, clean);
    };
    const std::size_t intStart = p;
    if (!digitRun(false)) return std::nullopt;
    const bool hadInt = p > intStart;
    bool hadFraction = false;
    if (p < rest.size() && rest[p] == '.') {
        clean += '.';
        ++p;
        const std::size_t fracStart = p;
        if (!digitRun(false)) return std::nullopt;
        hadFraction = p > fracStart;
    }
    if (!hadInt && !hadFraction) return std::nullopt;
    if (p < rest.size() && (rest[p] == 'e' || rest[p] == 'E')) {
        clean += 'e';
        ++p;
        if (p < rest.size() && (rest[p] == '+' || rest[p] == '-')) clean += rest[p++];
        if (!digitRun(true)) return std::nullopt;
    }
    if (p != rest.size()) return std::nullopt;
    return std::strtod(clean.c_str(), nullptr);
}

std::optional<std::int64_t> pyParseInt(std::string_view text, int base) {
    if (base != 0 && (base < 2 || base > 36)) return std::nullopt;
    const std::string s = trimPy(text);
    std::size_t i = 0;
    bool negative = false;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
    std::string_view rest = std::string_view(s).substr(i);
    bool prefixed = false;
    if (rest.size() >= 2 && rest[0] == '0') {
        const char p = static_cast<char>(std::tolower(static_cast<unsigned char>(rest[1])));
        const int prefixBase = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 0;
        if (prefixBase && (base == 0 || base == prefixBase)) {
            base = prefixBase;
            rest.remove_prefix(2);
            prefixed = true;
        }
    }
    std::string clean;
    if (!digitsWithUnderscores(rest, base == 0 ? 10 : base, !prefixed, clean)) return std::nullopt;
    // base 0 takes a decimal literal, where leading zeros are allowed only in zero itself
    if (base == 0 && clean.size() > 1 && clean[0] == '0' && clean.find_first_not_of('0') != std::string::npos) return std::nullopt;
    errno = 0;
    const long long v = std::strtoll(clean.c_str(), nullptr, base == 0 ? 10 : base);
    if (errno == ERANGE) return std::nullopt;
    return negative ? -v : v;
}

std::string fileSizeFormat(double bytes, bool binary) {
    const double base = binary ? 1024 : 1000;
    static const char* const decimalPrefixes[] = {"kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"};
    static const char* const binaryPrefixes[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"};
    if (bytes == 1) return "1 Byte";
    if (bytes < base) return fmt::format("{:.0f} Bytes", std::trunc(bytes) + 0.0);  // int(bytes); + 0.0: no "-0"
    auto fixed1 = [](double x) { return std::isnan(x) ? std::string("nan") : fmt::format("{:.1f}", x); };
    double unit = base;
    for (int i = 0; i < 8; ++i) {
        unit *= base;
        if (bytes < unit || i == 7) return fixed1(base * bytes / unit) + " " + (binary ? binaryPrefixes[i] : decimalPrefixes[i]);
    }
    return {};
}

namespace {

// html.unescape's named character references: the name (without its semicolon) -> its text, and
// whether HTML also takes the name without the semicolon (a legacy name such as "amp" or "eacute").
struct Entity {
    std::string text;
    bool legacy = false;
};

const std::unordered_map<std::string, Entity>& entities() {
    static const std::unordered_map<std::string, Entity> table = [] {
        static const char* const kTable =
#include "core/jinja/html_entities.inc"
            ;
        std::unordered_map<std::string, Entity> t;
        std::string_view all(kTable);
        while (!all.empty()) {
            const std::size_t semi = all.find(';');
            std::string_view entry = all.substr(0, semi);
            all.remove_prefix(semi == std::string_view::npos ? all.size() : semi + 1);
            const std::size_t eq = entry.find('=');
            Entity e;
            std::string_view points = entry.substr(eq + 1);
            if (!points.empty() && points.back() == '!') {
                e.legacy = true;
                points.remove_suffix(1);
            }
            for (const auto& cp : splitOn(points, '+')) td::appendUtf8(e.text, static_cast<char32_t>(std::stoul(std::string(cp), nullptr, 16)));
            t.emplace(std::string(entry.substr(0, eq)), std::move(e));
        }
        return t;
    }();
    return table;
}

// html.unescape's replacement for one numeric character reference.
std::string numericReference(std::uint64_t n) {
    static const char32_t windows1252[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
                                             0x2039, 0x0152, 0x8D,   0x017D, 0x8F,   0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
                                             0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
    std::string out;
    if (n == 0) td::appendUtf8(out, 0xFFFD);
    else if (n == 0x0D) out = "\r";
    else if (n >= 0x80 && n <= 0x9F) td::appendUtf8(out, windows1252[n - 0x80]);
    else if ((n >= 0xD800 && n <= 0xDFFF) || n > 0x10FFFF) td::appendUtf8(out, 0xFFFD);
    else if ((n >= 0x1 && n <= 0x8) || n == 0xB || (n >= 0xE && n <= 0x1F) || n == 0x7F || (n >= 0xFDD0 && n <= 0xFDEF) ||
             (n & 0xFFFE) == 0xFFFE)
        return {};
    else td::appendUtf8(out, static_cast<char32_t>(n));
    return out;
}

std::string unescapeHtml(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        if (s[i] != '&') {
            out += s[i++];
            continue;
        }
        std::size_t j = i + 1;
        if (j < s.size() && s[j] == '#') {
            const bool hex = j + 1 < s.size() && (s[j + 1] == 'x' || s[j + 1] == 'X');
            std::size_t k = j + (hex ? 2 : 1);
            const std::size_t digitsStart = k;
            while (k < s.size() && (hex ? std::isxdigit(static_cast<unsigned char>(s[k])) : std::isdigit(static_cast<unsigned char>(s[k]))))
                ++k;
            if (k == digitsStart) {
                out += s[i++];
                continue;
            }
            const std::string digits(s.substr(digitsStart, std::min<std::size_t>(k - digitsStart, 12)));
            const std::uint64_t n = k - digitsStart > 12 ? 0x110000 : std::strtoull(digits.c_str(), nullptr, hex ? 16 : 10);
            out += numericReference(n);
            i = k < s.size() && s[k] == ';' ? k + 1 : k;
            continue;
        }
        // a name: up to 32 characters other than tab, newline, form feed, space, <, &, # and ;
        std::size_t k = j;
        while (k < s.size() && k - j < 32 && std::string_view("\t\n\f <&#;").find(s[k]) == std::string_view::npos)
            ++k;
        const std::string name(s.substr(j, k - j));
        const bool semicolon = k < s.size() && s[k] == ';';
        const auto& table = entities();
        if (semicolon)
            if (auto it = table.find(name); it != table.end()) {
                out += it->second.text;
                i = k + 1;
                continue;
            }
        // the longest prefix that is a legacy name, which needs no semicolon
        bool found = false;
        for (std::size_t len = name.size(); len >= 2 && !found; --len) {
            auto it = table.find(name.substr(0, len));
            if (it != table.end() && it->second.legacy) {
                out += it->second.text;
                i = j + len;
                found = true;
            }
        }
        if (!found) out += s[i++];
    }
    return out;
}

}  // namespace

namespace {

// markupsafe's loop `while (start := value.find(open)) != -1: end = value.find(close, start); if
// end == -1: break; value = value[:start] + value[end + len(close):]`, in one pass: `out` is the
// value before the input still to read, and a new `open` may start in its last characters.
std::string removeDelimited(std::string_view s, std::string_view open, std::string_view close) {
    std::string out;
    std::size_t i = 0;
    auto at = [&](std::size_t p) { return p < out.size() ? out[p] : s[i + (p - out.size())]; };
    auto valueSize = [&] { return out.size() + (s.size() - i); };
    auto matchesAt = [&](std::size_t p, std::string_view x) {
        if (p + x.size() > valueSize()) return false;
        for (std::size_t k = 0; k < x.size(); ++k)
            if (at(p + k) != x[k]) return false;
        return true;
    };
    // the first occurrence of `x` in the value at or after `from`
    auto find = [&](std::string_view x, std::size_t from) -> std::size_t {
        for (std::size_t p = from; p < out.size(); ++p)
            if (matchesAt(p, x)) return p;
        const std::size_t inInput = s.find(x, i + (std::max(from, out.size()) - out.size()));
        return inInput == std::string_view::npos ? std::string::npos : out.size() + (inInput - i);
    };
    while (true) {
        const std::size_t start = find(open, out.size() >= open.size() ? out.size() - (open.size() - 1) : 0);
        const std::size_t end = start == std::string::npos ? std::string::npos : find(close, start);
        if (end == std::string::npos) break;
        const std::size_t oldSize = out.size();
        if (start <= oldSize) out.resize(start);
        else out.append(s.substr(i, start - oldSize));
        i += end + close.size() - oldSize;
    }
    out.append(s.substr(i));
    return out;
}

}  // namespace

std::string stripTags(std::string_view input) {
    // comments first, then tags, each removed only where it is closed
    const std::string value = removeDelimited(removeDelimited(input, "<!--", "-->"), "<", ">");
    // " ".join(value.split())
    std::string collapsed;
    const auto cps = decode(value);
    for (std::size_t i = 0; i < cps.size();) {
        while (i < cps.size() && isPyWhitespace(cps[i])) ++i;
        const std::size_t start = i;
        while (i < cps.size() && !isPyWhitespace(cps[i])) ++i;
        if (i > start) collapsed += (collapsed.empty() ? "" : " ") + encode(cps, start, i);
    }
    return unescapeHtml(collapsed);
}

std::string truncate(std::string_view s, std::int64_t maxLength, bool killWords, std::string_view end, std::int64_t leeway) {
    const std::int64_t endLength = static_cast<std::int64_t>(length(end));
    if (maxLength < endLength) throw TemplateError(fmt::format("expected length >= {}, got {}", endLength, maxLength));
    if (leeway < 0) throw TemplateError(fmt::format("expected leeway >= 0, got {}", leeway));
    const auto cps = decode(s);
    if (static_cast<std::int64_t>(cps.size()) <= maxLength + leeway) return std::string(s);
    std::string kept = encode(cps, 0, static_cast<std::size_t>(maxLength - endLength));
    if (!killWords)
        if (const std::size_t space = kept.rfind(' '); space != std::string::npos) kept.resize(space);
    return kept + std::string(end);
}

std::string urlQuote(std::string_view s, bool forQuery) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == '~' || (c == '/' && !forQuery)) out += static_cast<char>(c);
        else if (c == ' ' && forQuery) out += '+';
        else out += fmt::format("%{:02X}", c);
    }
    return out;
}

// ---- urlize -------------------------------------------------------------------------------------

namespace {

bool isHostChar(unsigned char c) { return std::isalnum(c) || c == '_' || c == '%' || c == '-' || c >= 0x80; }
bool iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
           });
}
bool istartsWith(std::string_view s, std::string_view prefix) { return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix); }


// After the host: an optional ":port" (1 to 5 digits), then the end or a path, query or fragment.
bool validTail(std::string_view rest) {
    if (!rest.empty() && rest[0] == ':') {
        std::size_t i = 1;
        while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) ++i;
        if (i == 1 || i > 6) return false;
        rest.remove_prefix(i);
    }
    return rest.empty() || rest[0] == '/' || rest[0] == '?' || rest[0] == '#';
}

// The host as far as [\w%.-] goes.
std::size_t hostEnd(std::string_view s, std::size_t from) {
    std::size_t i = from;
    while (i < s.size() && (isHostChar(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    return i;
}

bool isIpv6(std::string_view inner) {
    // ([\da-f]{0,4}:){2}([\da-f]{0,4}:?){1,6}
    for (char c : inner)
        if (!std::isxdigit(static_cast<unsigned char>(c)) && c != ':') return false;
    std::size_t pos = 0;
    for (int k = 0; k < 2; ++k) {
        const std::size_t colon = inner.find(':', pos);
        if (colon == std::string_view::npos || colon - pos > 4) return false;
        pos = colon + 1;
    }
    std::size_t units = 0;
    const auto pieces = splitOn(inner.substr(pos), ':');
    for (std::size_t i = 0; i < pieces.size(); ++i) {
        const std::size_t n = pieces[i].size();
        units += i + 1 < pieces.size() ? std::max<std::size_t>(1, (n + 3) / 4) : (n + 3) / 4;
    }
    return units <= 6;
}

// jinja2.utils._http_re.
bool matchesHttp(std::string_view m) {
    const bool scheme = istartsWith(m, "http://") || istartsWith(m, "https://");
    // (https?://|www\.) ([\w%-]+\.)* ([a-z]{2,63} | xn--[\w%]{2,59})
    if (scheme || istartsWith(m, "www.")) {
        const std::size_t start = scheme ? m.find("//") + 2 : 4;
        const std::size_t end = hostEnd(m, start);
        const auto labels = splitOn(m.substr(start, end - start), '.');
        bool ok = std::all_of(labels.begin(), labels.end(), [](std::string_view l) { return !l.empty(); });
        const std::string_view tld = labels.back();
        const bool letters = tld.size() >= 2 && tld.size() <= 63 &&
                             std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); });
        const bool idna = istartsWith(tld, "xn--") && tld.size() >= 6 && tld.size() <= 63 &&
                          std::all_of(tld.begin() + 4, tld.end(), [](char c) { return isHostChar(static_cast<unsigned char>(c)) && c != '-'; });
        if (ok && (letters || idna) && validTail(m.substr(end))) return true;
    }
    // ([\w%-]{2,63}\.)+ (com|net|int|edu|gov|org|info|mil)
    {
        const std::size_t end = hostEnd(m, 0);
        const auto labels = splitOn(m.substr(0, end), '.');
        bool ok = labels.size() >= 2;
        for (std::size_t i = 0; ok && i + 1 < labels.size(); ++i) ok = labels[i].size() >= 2 && labels[i].size() <= 63;
        static const char* const tlds[] = {"com", "net", "int", "edu", "gov", "org", "info", "mil"};
        ok = ok && std::any_of(std::begin(tlds), std::end(tlds), [&](const char* t) { return iequals(labels.back(), t); });
        if (ok && validTail(m.substr(end))) return true;
    }
    // https?:// (IPv4 | [IPv6])
    if (scheme) {
        const std::size_t start = m.find("//") + 2;
        std::string_view host = m.substr(start);
        if (!host.empty() && host[0] == '[') {
            const std::size_t close = host.find(']');
            if (close != std::string_view::npos && isIpv6(host.substr(1, close - 1)) && validTail(host.substr(close + 1))) return true;
        } else {
            std::size_t i = 0;
            bool ok = true;
            for (int part = 0; part < 4 && ok; ++part) {
                if (part > 0) ok = i < host.size() && host[i++] == '.';
                const std::size_t digitsStart = i;
                while (ok && i < host.size() && std::isdigit(static_cast<unsigned char>(host[i])) && i - digitsStart < 3) ++i;
                ok = ok && i > digitsStart;
            }
            if (ok && validTail(host.substr(i))) return true;
        }
    }
    return false;
}

// jinja2.utils._email_re: ^\S+@\w[\w.-]*\.\w+$
bool matchesEmail(std::string_view m) {
    for (std::size_t at = m.find('@', 1); at != std::string_view::npos; at = m.find('@', at + 1)) {
        const std::string_view domain = m.substr(at + 1);
        if (domain.empty() || !isHostChar(static_cast<unsigned char>(domain[0])) || domain[0] == '-' || domain[0] == '%') continue;
        const bool chars = std::all_of(domain.begin(), domain.end(), [](char c) {
            return (isHostChar(static_cast<unsigned char>(c)) && c != '%') || c == '.';
        });
        const std::size_t dot = domain.rfind('.');
        if (!chars || dot == std::string_view::npos || dot == 0 || dot + 1 == domain.size()) continue;
        const std::string_view last = domain.substr(dot + 1);
        if (std::all_of(last.begin(), last.end(), [](char c) { return isHostChar(static_cast<unsigned char>(c)) && c != '%' && c != '-'; }))
            return true;
    }
    return false;
}

std::size_t countOf(std::string_view s, std::string_view x) {
    std::size_t n = 0;
    for (std::size_t p = s.find(x); p != std::string_view::npos; p = s.find(x, p + x.size())) ++n;
    return n;
}

}  // namespace

std::string urlize(std::string_view text, const std::function<std::string(const std::string&)>& trimUrl, std::string_view rel,
                   std::string_view target, const std::vector<std::string>& extraSchemes) {
    const std::string relAttr = rel.empty() ? "" : " rel=\"" + htmlEscape(rel) + "\"";
    const std::string targetAttr = target.empty() ? "" : " target=\"" + htmlEscape(target) + "\"";
    // re.split(r"(\s+)", escape(text)): words and the whitespace between them
    const auto cps = decode(htmlEscape(text));
    std::string out;
    for (std::size_t i = 0; i < cps.size();) {
        const bool space = isPyWhitespace(cps[i]);
        std::size_t j = i;
        while (j < cps.size() && isPyWhitespace(cps[j]) == space) ++j;
        std::string word = encode(cps, i, j);
        i = j;
        std::string head, middle = word, tail;
        // leading ( < &lt; and trailing ) > . , \n &gt;
        for (bool more = true; more;) {
            more = false;
            for (const char* lead : {"(", "<", "&lt;"})
                if (middle.rfind(lead, 0) == 0) {
                    head += lead;
                    middle.erase(0, std::string_view(lead).size());
                    more = true;
                }
        }
        for (bool more = true; more && !middle.empty();) {
            more = false;
            if (std::string_view(")>.,\n").find(middle.back()) != std::string_view::npos) {
                tail.insert(0, 1, middle.back());
                middle.pop_back();
                more = true;
            } else if (middle.size() >= 4 && middle.compare(middle.size() - 4, 4, "&gt;") == 0) {
                tail.insert(0, "&gt;");
                middle.resize(middle.size() - 4);
                more = true;
            }
        }
        // balance parentheses and brackets by taking closing ones back from the tail
        for (const auto& [open, close] : {std::pair<std::string_view, std::string_view>{"(", ")"}, {"<", ">"}, {"&lt;", "&gt;"}}) {
            const std::size_t opened = countOf(middle, open);
            if (opened <= countOf(middle, close)) continue;
            const std::size_t moves = std::min(opened, countOf(tail, close));
            for (std::size_t k = 0; k < moves; ++k) {
                const std::size_t endIndex = tail.find(close) + close.size();
                middle += tail.substr(0, endIndex);
                tail.erase(0, endIndex);
            }
        }
        if (matchesHttp(middle)) {
            // jinja2 tests the scheme case-sensitively here
            const bool hasScheme = middle.rfind("https://", 0) == 0 || middle.rfind("http://", 0) == 0;
            middle = "<a href=\"" + (hasScheme ? middle : "https://" + middle) + "\"" + relAttr + targetAttr + ">" + trimUrl(middle) + "</a>";
        } else if (middle.rfind("mailto:", 0) == 0 && matchesEmail(std::string_view(middle).substr(7))) {
            middle = "<a href=\"" + middle + "\">" + middle.substr(7) + "</a>";
        } else if (middle.find('@') != std::string::npos && middle.rfind("www.", 0) != 0 && middle[0] != '@' &&
                   middle.find(':') == std::string::npos && matchesEmail(middle)) {
            middle = "<a href=\"mailto:" + middle + "\">" + middle + "</a>";
        } else {
            for (const auto& scheme : extraSchemes)
                if (middle != scheme && middle.rfind(scheme, 0) == 0)
                    middle = "<a href=\"" + middle + "\"" + relAttr + targetAttr + ">" + middle + "</a>";
        }
        out += head + middle + tail;
    }
    return out;
}

// ---- wordwrap (textwrap.TextWrapper) ---------------------------------------------------------------

namespace {

bool isWrapSpace(char32_t c) { return c == '\t' || c == '\n' || c == 0x0B || c == 0x0C || c == '\r' || c == ' '; }
bool isLetter(char32_t c) { return td::wordClass(c) == td::WordClass::Letter; }  // [^\d\W]
bool isWordPunct(char32_t c) { return isWordChar(c) || c == '!' || c == '"' || c == '\'' || c == '&' || c == '.' || c == ',' || c == '?'; }

using Chunk = std::vector<char32_t>;

// TextWrapper._split_chunks: whitespace runs, em-dashes between words, and words, which (with
// break_on_hyphens) end after a hyphen between letters.
std::vector<Chunk> splitChunks(const std::vector<char32_t>& t, bool breakOnHyphens) {
    std::vector<Chunk> chunks;
    const std::size_t n = t.size();
    auto at = [&](std::size_t i) -> char32_t { return i < n ? t[i] : 0; };
    auto dashesThenWord = [&](std::size_t i) {  // -{2,}\w
        std::size_t k = i;
        while (k < n && t[k] == '-') ++k;
        return k - i >= 2 && k < n && isWordChar(t[k]);
    };
    for (std::size_t i = 0; i < n;) {
        std::size_t end = i;
        if (isWrapSpace(t[i])) {
            while (end < n && isWrapSpace(t[end])) ++end;
        } else if (!breakOnHyphens) {
            while (end < n && !isWrapSpace(t[end])) ++end;
        } else if (i > 0 && isWordPunct(t[i - 1]) && dashesThenWord(i)) {
            while (t[end] == '-') ++end;
        } else {
            // the shortest run of non-space that ends at a hyphen between letters, before a space or
            // the end, or before an em-dash that follows word punctuation
            for (end = i + 1;; ++end) {
                if (end < n && t[end] == '-') {
                    const bool behind = (end >= 2 && isLetter(t[end - 2]) && isLetter(t[end - 1])) ||
                                        (end >= 3 && isLetter(t[end - 3]) && t[end - 2] == '-' && isLetter(t[end - 1]));
                    const bool ahead = isLetter(at(end + 1)) && (isLetter(at(end + 2)) || (at(end + 2) == '-' && isLetter(at(end + 3))));
                    if (behind && ahead) {
                        ++end;
                        break;
                    }
                }
                if (end >= n || isWrapSpace(t[end])) break;
                if (isWordPunct(t[end - 1]) && dashesThenWord(end)) break;
            }
        }
        chunks.emplace_back(t.begin() + static_cast<std::ptrdiff_t>(i), t.begin() + static_cast<std::ptrdiff_t>(end));
        i = end;
    }
    return chunks;
}

bool isBlank(const Chunk& c) {
    return std::all_of(c.begin(), c.end(), isPyWhitespace);
}

// TextWrapper._wrap_chunks with no indents and no max_lines.
std::vector<Chunk> wrapChunks(std::vector<Chunk> chunks, std::size_t width, bool breakLongWords, bool breakOnHyphens) {
    std::vector<Chunk> lines;
    std::reverse(chunks.begin(), chunks.end());
    while (!chunks.empty()) {
        std::vector<Chunk> line;
        std::size_t lineLength = 0;
        if (isBlank(chunks.back()) && !lines.empty()) chunks.pop_back();
        while (!chunks.empty() && lineLength + chunks.back().size() <= width) {
            lineLength += chunks.back().size();
            line.push_back(std::move(chunks.back()));
            chunks.pop_back();
        }
        if (!chunks.empty() && chunks.back().size() > width) {
            // _handle_long_word
            const std::size_t spaceLeft = width < 1 ? 1 : width - lineLength;
            if (breakLongWords) {
                Chunk& chunk = chunks.back();
                std::size_t end = spaceLeft;
                if (breakOnHyphens && chunk.size() > spaceLeft) {
                    std::size_t hyphen = std::string::npos;
                    for (std::size_t k = 0; k < spaceLeft; ++k)
                        if (chunk[k] == '-') hyphen = k;
                    if (hyphen != std::string::npos && hyphen > 0 &&
                        std::any_of(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(hyphen), [](char32_t c) { return c != '-'; }))
                        end = hyphen + 1;
                }
                line.emplace_back(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(end));
                chunk.erase(chunk.begin(), chunk.begin() + static_cast<std::ptrdiff_t>(end));
            } else if (line.empty()) {
                line.push_back(std::move(chunks.back()));
                chunks.pop_back();
            }
        }
        if (!line.empty() && isBlank(line.back())) line.pop_back();
        if (!line.empty()) {
            Chunk joined;
            for (const auto& c : line) joined.insert(joined.end(), c.begin(), c.end());
            lines.push_back(std::move(joined));
        }
    }
    return lines;
}

}  // namespace

std::string wordWrap(std::string_view s, std::int64_t width, bool breakLongWords, std::string_view wrapString, bool breakOnHyphens,
                     std::size_t maxBytes) {
    std::string out;
    bool firstLine = true;
    for (const std::string& line : pySplitLines(s)) {
        if (width <= 0) throw TemplateError(fmt::format("invalid width {} (must be > 0)", width));
        if (!firstLine) out += wrapString;
        firstLine = false;
        const auto wrapped = wrapChunks(splitChunks(decode(line), breakOnHyphens), static_cast<std::size_t>(width), breakLongWords, breakOnHyphens);
        for (std::size_t i = 0; i < wrapped.size(); ++i) {
            if (i > 0) out += wrapString;
            out += encode(wrapped[i]);
            if (out.size() > maxBytes) throw TemplateError("string too long");
        }
    }
    return out;
}

bool isValidXmlAttributeName(std::string_view name) {
    return name.find_first_of(" \t\n\r\f\v/>=") == std::string_view::npos;
}

const std::vector<std::string>& loremIpsumWords() {
    static const std::vector<std::string> words = [] {
        static const char* const kWords =
    "a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum "
    "blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum "
    "curabitur curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget "
    "eleifend elementum elit enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus "
    "felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit hymenaeos iaculis "
    "id imperdiet in inceptos integer interdum ipsum justo lacinia lacus laoreet lectus leo libero "
    "ligula litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris metus mi "
    "molestie mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy "
    "nostra nulla nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra "
    "phasellus placerat platea porta porttitor posuere potenti praesent pretium primis proin pulvinar "
    "purus quam quis quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper "
    "senectus sit sociis sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus "
    "tincidunt torquent tortor tristique turpis ullamcorper ultrices ultricies urna ut varius vehicula "
    "vel velit venenatis vestibulum vitae vivamus viverra volutpat vulputate";
        std::vector<std::string> out;
        for (auto w : splitOn(kWords, ' ')) out.emplace_back(w);
        return out;
    }();
    return words;
}

}  // namespace awq::jinja
