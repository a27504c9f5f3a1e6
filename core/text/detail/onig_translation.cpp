#include "core/text/detail/onig_translation.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <iterator>
#include <map>
#include <optional>

namespace awq::text::detail {

namespace {

struct GeneratedClass {
    const char* key;
    const std::uint32_t* bounds;  // first, last, first, last, ...
    std::size_t count;            // number of uint32 values (twice the ranges)
};

// One static array per class, so the table is constant data, not 30,000 run-time pushes.
#define AWQ_ONIG_UNICODE_VERSION(v)
#define AWQ_ONIG_CLASS(key, ...)                                              \
    [] {                                                                      \
        static constexpr std::uint32_t bounds[] = {__VA_ARGS__};              \
        return GeneratedClass{key, bounds, std::size(bounds)};                \
    }(),
const GeneratedClass kGenerated[] = {
#include "core/text/detail/onig_classes.inc"
};
#undef AWQ_ONIG_CLASS
#undef AWQ_ONIG_UNICODE_VERSION

#define AWQ_ONIG_UNICODE_VERSION(v) constexpr std::string_view kUnicodeVersion = v;
#define AWQ_ONIG_CLASS(key, ...)
#include "core/text/detail/onig_classes.inc"
#undef AWQ_ONIG_CLASS
#undef AWQ_ONIG_UNICODE_VERSION

constexpr char32_t kMaxCodePoint = 0x10FFFF;
constexpr char32_t kSurrogateFirst = 0xD800, kSurrogateLast = 0xDFFF;

// Adds [a, b] minus the surrogates (no UTF-8 text holds them; PCRE2 refuses them as characters).
void addScalarRange(CodeRanges& out, char32_t a, char32_t b) {
    if (a <= kSurrogateLast && b >= kSurrogateFirst) {
        if (a < kSurrogateFirst) out.emplace_back(a, kSurrogateFirst - 1);
        if (b > kSurrogateLast) out.emplace_back(kSurrogateLast + 1, b);
        return;
    }
    if (a <= b) out.emplace_back(a, b);
}

// The scalar values not in `r`.
CodeRanges complement(const CodeRanges& r) {
    CodeRanges out;
    char32_t next = 0;
    for (auto [first, last] : r) {
        if (first > next) addScalarRange(out, next, first - 1);
        next = last + 1;
    }
    if (next <= kMaxCodePoint) addScalarRange(out, next, kMaxCodePoint);
    return out;
}

CodeRanges unite(const CodeRanges& a, const CodeRanges& b) {
    CodeRanges all(a);
    all.insert(all.end(), b.begin(), b.end());
    std::sort(all.begin(), all.end());
    CodeRanges out;
    for (auto r : all) {
        if (!out.empty() && r.first <= out.back().second + 1) out.back().second = std::max(out.back().second, r.second);
        else out.push_back(r);
    }
    return out;
}

CodeRanges subtract(const CodeRanges& a, const CodeRanges& b) {
    CodeRanges out;
    const CodeRanges nb = complement(b);
    // a minus b = a intersected with the complement of b
    std::size_t j = 0;
    for (auto [first, last] : a) {
        while (j < nb.size() && nb[j].second < first) ++j;
        for (std::size_t k = j; k < nb.size() && nb[k].first <= last; ++k)
            out.emplace_back(std::max(first, nb[k].first), std::min(last, nb[k].second));
    }
    return out;
}

bool contains(const CodeRanges& outer, const CodeRanges& inner) { return subtract(inner, outer).empty(); }

const std::map<std::string_view, CodeRanges>& classTable() {
    static const auto table = [] {
        std::map<std::string_view, CodeRanges> t;
        for (const GeneratedClass& g : kGenerated) {
            CodeRanges& r = t[g.key];
            for (std::size_t i = 0; i + 1 < g.count; i += 2) addScalarRange(r, g.bounds[i], g.bounds[i + 1]);
        }
        return t;
    }();
    return table;
}

// General categories by table key and PCRE2 name; one-letter groups first, each followed by its
// members, so a class is spelled with the fewest properties.
constexpr std::pair<std::string_view, std::string_view> kCategories[] = {
    {"l", "L"},  {"lu", "Lu"}, {"ll", "Ll"}, {"lt", "Lt"}, {"lm", "Lm"}, {"lo", "Lo"},
    {"m", "M"},  {"mn", "Mn"}, {"mc", "Mc"}, {"me", "Me"},
    {"n", "N"},  {"nd", "Nd"}, {"nl", "Nl"}, {"no", "No"},
    {"p", "P"},  {"pc", "Pc"}, {"pd", "Pd"}, {"ps", "Ps"}, {"pe", "Pe"}, {"pi", "Pi"}, {"pf", "Pf"}, {"po", "Po"},
    {"s_", "S"}, {"sm", "Sm"}, {"sc", "Sc"}, {"sk", "Sk"}, {"so", "So"},
    {"z", "Z"},  {"zs", "Zs"}, {"zl", "Zl"}, {"zp", "Zp"},
    {"c", "C"},  {"cc", "Cc"}, {"cf", "Cf"}, {"co", "Co"}, {"cn", "Cn"},
};

std::optional<std::string_view> pcre2Category(std::string_view key) {
    for (auto [k, name] : kCategories)
        if (k == key) return name;
    return std::nullopt;
}

void appendCodePoint(std::string& out, char32_t c) {
    if (c < 0x80 && std::isalnum(static_cast<int>(c))) {
        out.push_back(static_cast<char>(c));
        return;
    }
    fmt::format_to(std::back_inserter(out), "\\x{{{:X}}}", static_cast<unsigned>(c));
}

// The ranges as bracket-class items (no brackets).
void appendItems(std::string& out, const CodeRanges& r) {
    for (auto [first, last] : r) {
        appendCodePoint(out, first);
        if (last == first) continue;
        if (last > first + 1) out.push_back('-');
        appendCodePoint(out, last);
    }
}

// Bracket-class items for a class with PCRE2's general categories where they cover it exactly:
// the categories wholly inside the class, then the rest as ranges (\w is \p{L}\p{M}\p{Nd}\p{Nl}
// \p{Pc} and a few ranges). PCRE2 scans a class's items one by one, so this is far faster than
// hundreds of ranges on non-Latin text.
std::string nativeItems(std::string_view key) {
    if (auto name = pcre2Category(key)) return "\\p{" + std::string(*name) + "}";
    const CodeRanges& r = onigClassRanges(key);
    std::string out;
    CodeRanges covered;
    bool groupTaken = false;
    for (auto [k, name] : kCategories) {
        const bool isGroup = name.size() == 1;
        if (!isGroup && groupTaken) continue;  // already inside its group
        const CodeRanges& g = onigClassRanges(k);
        const bool take = !g.empty() && contains(r, g);
        if (isGroup) groupTaken = take;
        if (!take) continue;
        out += "\\p{" + std::string(name) + "}";
        covered = unite(covered, g);
    }
    appendItems(out, subtract(r, covered));
    return out;
}

// Bracket-class items of every class for one spelling, computed once.
const std::string& classItems(std::string_view key, CategorySpelling spelling) {
    static const auto items = [] {
        std::map<std::string_view, std::string> native, explicitRanges;
        for (const auto& [k, r] : classTable()) {
            native[k] = nativeItems(k);
            appendItems(explicitRanges[k], r);
        }
        return std::pair{native, explicitRanges};
    }();
    const auto& m = spelling == CategorySpelling::native ? items.first : items.second;
    return m.at(key);
}

void appendClass(std::string& out, std::string_view key, bool negated, bool insideBrackets,
                 CategorySpelling spelling) {
    // Oniguruma gives some forms other code points than the class or its complement ([\w] lacks
    // U+00B2, which \w has): those forms have their own table entry, used as a positive class.
    const std::string form =
        std::string(key) + (insideBrackets ? (negated ? ":in-neg" : ":in") : (negated ? ":neg" : ""));
    if (auto it = classTable().find(form); it != classTable().end()) {
        key = it->first;
        negated = false;
    }
    if (insideBrackets && negated) {
        // a negated class inside a bracket: \P{..} for a category, else the complement's ranges
        const auto name = pcre2Category(key);
        if (spelling == CategorySpelling::native && name) out += "\\P{" + std::string(*name) + "}";
        else appendItems(out, complement(onigClassRanges(key)));
        return;
    }
    if (!insideBrackets) out += negated ? "[^" : "[";
    out += classItems(key, spelling);
    if (!insideBrackets) out.push_back(']');
}

// Oniguruma matches property names ignoring case, spaces, '_' and '-'.
std::string looseName(std::string_view name) {
    std::string out;
    for (char c : name)
        if (c != ' ' && c != '_' && c != '-')
            out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    return out;
}

// \p{name} -> table key. Short general categories map to themselves ("s" is \s, so \p{S} is "s_").
std::optional<std::string_view> propertyKey(std::string_view name) {
    static const std::map<std::string, std::string_view, std::less<>> aliases = {
        {"l", "l"}, {"letter", "l"}, {"lu", "lu"}, {"uppercaseletter", "lu"}, {"ll", "ll"}, {"lowercaseletter", "ll"},
        {"lt", "lt"}, {"titlecaseletter", "lt"}, {"lm", "lm"}, {"modifierletter", "lm"}, {"lo", "lo"},
        {"otherletter", "lo"}, {"m", "m"}, {"mark", "m"}, {"combiningmark", "m"}, {"mn", "mn"},
        {"nonspacingmark", "mn"}, {"mc", "mc"}, {"spacingmark", "mc"}, {"me", "me"}, {"enclosingmark", "me"},
        {"n", "n"}, {"number", "n"}, {"nd", "nd"}, {"decimalnumber", "nd"}, {"nl", "nl"}, {"letternumber", "nl"},
        {"no", "no"}, {"othernumber", "no"}, {"p", "p"}, {"punctuation", "p"}, {"pc", "pc"},
        {"connectorpunctuation", "pc"}, {"pd", "pd"}, {"dashpunctuation", "pd"}, {"ps", "ps"},
        {"openpunctuation", "ps"}, {"pe", "pe"}, {"closepunctuation", "pe"}, {"pi", "pi"},
        {"initialpunctuation", "pi"}, {"pf", "pf"}, {"finalpunctuation", "pf"}, {"po", "po"},
        {"otherpunctuation", "po"}, {"s", "s_"}, {"symbol", "s_"}, {"sm", "sm"}, {"mathsymbol", "sm"},
        {"sc", "sc"}, {"currencysymbol", "sc"}, {"sk", "sk"}, {"modifiersymbol", "sk"}, {"so", "so"},
        {"othersymbol", "so"}, {"z", "z"}, {"separator", "z"}, {"zs", "zs"}, {"spaceseparator", "zs"},
        {"zl", "zl"}, {"lineseparator", "zl"}, {"zp", "zp"}, {"paragraphseparator", "zp"}, {"c", "c"},
        {"other", "c"}, {"cc", "cc"}, {"control", "cc"}, {"cf", "cf"}, {"format", "cf"}, {"co", "co"},
        {"privateuse", "co"}, {"cn", "cn"}, {"unassigned", "cn"},
        {"han", "han"}, {"hani", "han"}, {"hiragana", "hiragana"}, {"hira", "hiragana"}, {"katakana", "katakana"},
        {"kana", "katakana"}, {"hangul", "hangul"}, {"hang", "hangul"}, {"latin", "latin"}, {"latn", "latin"},
        {"whitespace", "whitespace"}, {"alphabetic", "alphabetic"},
        {"alpha", "alpha"}, {"alnum", "alnum"}, {"blank", "blank"}, {"cntrl", "cntrl"}, {"digit", "digit"},
        {"graph", "graph"}, {"lower", "lower"}, {"print", "print"}, {"punct", "punct"}, {"space", "space"},
        {"upper", "upper"}, {"xdigit", "xdigit"}, {"word", "word"},
    };
    auto it = aliases.find(looseName(name));
    if (it == aliases.end()) return std::nullopt;
    return it->second;
}

bool isHex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

}  // namespace

const CodeRanges& onigClassRanges(std::string_view key) {
    static const CodeRanges none;
    const auto& t = classTable();
    auto it = t.find(key);
    return it == t.end() ? none : it->second;
}

std::vector<std::string_view> onigClassKeys() {
    std::vector<std::string_view> keys;
    for (const auto& [k, r] : classTable()) keys.push_back(k);
    return keys;
}

std::string onigClassItems(std::string_view key, CategorySpelling spelling) { return classItems(key, spelling); }

std::string_view onigUnicodeVersion() { return kUnicodeVersion; }

std::string translateOnigClasses(std::string_view pattern, CategorySpelling spelling) {
    std::string out;
    out.reserve(pattern.size() * 4);
    bool inBrackets = false;
    std::size_t classStart = 0;  // index just past '[' or '[^' of the open class
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        const char c = pattern[i];
        if (c == '\\' && i + 1 < pattern.size()) {
            const char e = pattern[i + 1];
            const char* key = nullptr;
            switch (e) {
                case 's': case 'S': key = "s"; break;
                case 'd': case 'D': key = "d"; break;
                case 'w': case 'W': key = "w"; break;
                case 'h': case 'H': key = "h"; break;
                default: break;
            }
            if (key) {
                appendClass(out, key, std::isupper(static_cast<unsigned char>(e)) != 0, inBrackets, spelling);
                ++i;
                continue;
            }
            if ((e == 'p' || e == 'P') && i + 2 < pattern.size() && pattern[i + 2] == '{') {
                const std::size_t close = pattern.find('}', i + 3);
                if (close != std::string_view::npos) {
                    std::string_view name = pattern.substr(i + 3, close - (i + 3));
                    bool negated = e == 'P';
                    if (!name.empty() && name.front() == '^') {
                        negated = !negated;
                        name.remove_prefix(1);
                    }
                    if (auto k = propertyKey(name)) {
                        appendClass(out, *k, negated, inBrackets, spelling);
                        i = close;
                        continue;
                    }
                }
            }
            // \v is the vertical tab alone in Oniguruma, any vertical space in PCRE2
            if (e == 'v') {
                out += "\\x{B}";
                ++i;
                continue;
            }
            // \uHHHH (Ruby syntax) is \x{HHHH} in PCRE2
            if (e == 'u' && i + 5 < pattern.size() && isHex(pattern[i + 2]) && isHex(pattern[i + 3]) &&
                isHex(pattern[i + 4]) && isHex(pattern[i + 5])) {
                out += "\\x{";
                out.append(pattern.substr(i + 2, 4));
                out.push_back('}');
                i += 5;
                continue;
            }
            out.push_back(c);
            out.push_back(e);
            ++i;
            continue;
        }
        if (!inBrackets) {
            out.push_back(c);
            if (c == '[') {
                inBrackets = true;
                if (i + 1 < pattern.size() && pattern[i + 1] == '^') out.push_back(pattern[++i]);
                classStart = i + 1;
            }
            continue;
        }
        // inside a bracket class
        if (c == ']' && i != classStart) {
            inBrackets = false;
            out.push_back(c);
            continue;
        }
        if (c == '[' && i + 1 < pattern.size() && pattern[i + 1] == ':') {
            const std::size_t close = pattern.find(":]", i + 2);
            if (close != std::string_view::npos) {
                std::string_view name = pattern.substr(i + 2, close - (i + 2));
                bool negated = false;
                if (!name.empty() && name.front() == '^') {
                    negated = true;
                    name.remove_prefix(1);
                }
                static constexpr std::string_view posix[] = {"alpha", "alnum", "blank", "cntrl", "digit",
                                                              "graph", "lower", "print", "punct", "space",
                                                              "upper", "xdigit", "word"};
                if (std::find(std::begin(posix), std::end(posix), name) != std::end(posix)) {
                    appendClass(out, name, negated, true, spelling);
                    i = close + 1;
                    continue;
                }
            }
        }
        // nested classes and && intersections mean something else to PCRE2: leave the pattern alone
        if (c == '[' || (c == '&' && i + 1 < pattern.size() && pattern[i + 1] == '&')) return std::string(pattern);
        out.push_back(c);
    }
    return out;
}

}  // namespace awq::text::detail
