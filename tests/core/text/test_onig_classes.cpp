// The pre-tokenizer regexes against Oniguruma, the engine Hugging Face tokenizers runs them with:
// every pattern of data/oniguruma/patterns.tsv (the Split regexes real tokenizer.json files ship,
// plus the ByteLevel and Whitespace built-ins), every one of the 1,112,064 Unicode scalar values,
// in a probe string that puts the code point next to letters, digits, space, punctuation and
// newlines. The expected matches come from real Oniguruma (data/oniguruma/expected.txt, made by
// gen_onig_tables.c); our Regex (PCRE2 with translated classes) must give the same, code point by
// code point, with the classes spelled as for this PCRE2 (and for one pattern as explicit ranges).
#include "core/text/detail/onig_translation.h"
#include "core/text/regex.h"
#include "core/text/unicode.h"
#include "tests/support/test_paths.h"

#include <QtTest/QtTest>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

using awq::text::Regex;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kScalarValues = 0x110000 - 0x800;  // 1,112,064

fs::path dataDir() { return awq::test::sourceDir() / "tests/core/tokenizer/data/oniguruma"; }

bool isScalar(char32_t c) { return c < 0xD800 || (c > 0xDFFF && c <= 0x10FFFF); }

std::string utf8(char32_t c) {
    std::string s;
    if (c < 0x80) {
        s += static_cast<char>(c);
    } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 63));
    } else if (c < 0x10000) {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 63));
        s += static_cast<char>(0x80 | (c & 63));
    } else {
        s += static_cast<char>(0xF0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 63));
        s += static_cast<char>(0x80 | ((c >> 6) & 63));
        s += static_cast<char>(0x80 | (c & 63));
    }
    return s;
}

struct ExpectedPattern {
    std::string name;
    std::vector<std::string> results;                 // by id: "s-e,s-e" in code point offsets
    std::vector<std::pair<char32_t, std::uint32_t>> runs;  // (first code point, count) -> result id
    std::vector<std::uint32_t> runResult;
};

struct ExpectedTable {
    std::string probe;  // '%' stands for the code point
    std::vector<ExpectedPattern> patterns;
};

ExpectedTable readExpected(const fs::path& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("can't open " + path.string());
    ExpectedTable t;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        if (line.rfind("probe ", 0) == 0) {
            const std::string hex = line.substr(6);
            for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
                t.probe += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
        } else if (line.rfind("pattern ", 0) == 0) {
            t.patterns.push_back({line.substr(8), {}, {}, {}});
        } else if (line.rfind("r ", 0) == 0) {
            std::istringstream ss(line.substr(2));
            std::size_t id = 0;
            std::string matches;
            ss >> id;
            std::getline(ss >> std::ws, matches);
            auto& results = t.patterns.back().results;
            if (id != results.size()) throw std::runtime_error("result ids out of order in " + path.string());
            results.push_back(matches);
        } else {
            std::istringstream ss(line);
            std::string first;
            std::uint32_t count = 0, id = 0;
            ss >> first >> count >> id;
            auto& p = t.patterns.back();
            p.runs.emplace_back(static_cast<char32_t>(std::stoul(first, nullptr, 16)), count);
            p.runResult.push_back(id);
        }
    }
    return t;
}

std::map<std::string, std::string> readPatterns(const fs::path& path) {
    std::ifstream in(path);
    std::map<std::string, std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        const auto tab = line.find('\t');
        out[line.substr(0, tab)] = line.substr(tab + 1);
    }
    return out;
}

// Our matches on the probe around `c`, as "s-e,..." in code point offsets (the table's form).
std::string ourMatches(const Regex& re, const std::string& probe, char32_t c,
                       std::vector<std::pair<std::size_t, std::size_t>>& scratch) {
    const std::string cp = utf8(c);
    std::string text;
    std::vector<int> cpIndex;  // byte offset -> code point offset
    int cps = 0;
    for (char ch : probe) {
        const std::string piece = ch == '%' ? cp : std::string(1, ch);
        for (std::size_t k = 0; k < piece.size(); ++k) cpIndex.push_back(cps);
        text += piece;
        ++cps;
    }
    cpIndex.push_back(cps);
    scratch.clear();
    re.findAll(text, scratch);
    std::string out;
    for (auto [s, e] : scratch) {
        if (!out.empty()) out += ',';
        out += std::to_string(cpIndex[s]) + '-' + std::to_string(cpIndex[e]);
    }
    return out;
}

}  // namespace

class TestOnigClasses : public QObject {
    Q_OBJECT
private slots:
    void everyCodePointMatchesOniguruma_data();
    void everyCodePointMatchesOniguruma();
    void translationSpellsOutClasses();
    void anchorsAndEscapesAsOniguruma();
    void everyClassSpellingHoldsItsCodePoints();
    void classTablesAreSane();
};

void TestOnigClasses::everyCodePointMatchesOniguruma_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<bool>("explicitRanges");
    const auto patterns = readPatterns(dataDir() / "patterns.tsv");
    QVERIFY2(patterns.size() >= 9, "patterns.tsv is missing or short");
    // as Regex spells the classes for this PCRE2, and as it would for a PCRE2 of another Unicode
    // version (explicit ranges; slow, 10-40 s a pattern: only the one with \w forms, the other
    // classes' explicit spelling is checked in everyClassSpellingHoldsItsCodePoints)
    for (const auto& [name, pattern] : patterns) {
        QTest::newRow(name.c_str()) << QString::fromStdString(name) << false;
        if (name == "whitespace") QTest::newRow((name + "/explicit").c_str()) << QString::fromStdString(name) << true;
    }
}

void TestOnigClasses::everyCodePointMatchesOniguruma() {
    QFETCH(QString, name);
    QFETCH(bool, explicitRanges);
    static const ExpectedTable table = readExpected(dataDir() / "expected.txt");
    static const auto patterns = readPatterns(dataDir() / "patterns.tsv");
    QVERIFY(table.probe.find('%') != std::string::npos);
    const ExpectedPattern* expected = nullptr;
    for (const auto& p : table.patterns)
        if (p.name == name.toStdString()) expected = &p;
    QVERIFY2(expected, "pattern missing from expected.txt: rerun gen_onig_tables.c");
    // Regex translates the pattern itself; an already translated one passes through unchanged
    const std::string& pattern = patterns.at(name.toStdString());
    using awq::text::detail::CategorySpelling;
    using awq::text::detail::translateOnigClasses;
    const Regex re(explicitRanges ? translateOnigClasses(pattern, CategorySpelling::explicitRanges) : pattern);

    std::size_t covered = 0, disagreements = 0;
    std::string firstFew;
    std::vector<std::pair<std::size_t, std::size_t>> scratch;
    for (std::size_t r = 0; r < expected->runs.size(); ++r) {
        const auto [first, count] = expected->runs[r];
        const std::string& want = expected->results.at(expected->runResult[r]);
        char32_t c = first;
        for (std::uint32_t k = 0; k < count; ++k, ++c) {
            while (!isScalar(c)) ++c;
            ++covered;
            const std::string got = ourMatches(re, table.probe, c, scratch);
            if (got == want) continue;
            if (++disagreements <= 5) {
                char hex[16];
                std::snprintf(hex, sizeof hex, "U+%04X", static_cast<unsigned>(c));
                firstFew += std::string("\n  ") + hex + ": ours " + got + ", Oniguruma " + want;
            }
        }
    }
    QCOMPARE(covered, kScalarValues);
    QVERIFY2(disagreements == 0,
             (std::to_string(disagreements) + " code points disagree with Oniguruma" + firstFew).c_str());
}

// Syntax where Oniguruma (Ruby syntax) and PCRE2 differ beyond classes; the expected values are
// what libonig 6.9.8 returns for the same searches.
void TestOnigClasses::anchorsAndEscapesAsOniguruma() {
    std::vector<std::pair<std::size_t, std::size_t>> m;
    Regex(R"(a$)").findAll("a\nb", m);  // $ is a line end
    QCOMPARE(m.size(), std::size_t(1));
    m.clear();
    Regex(R"(^b)").findAll("a\nb", m);  // ^ a line start
    QCOMPARE(m.size(), std::size_t(1));
    QCOMPARE(m[0].first, std::size_t(2));
    m.clear();
    Regex(R"(\v)").findAll("\x0b\n\r\f", m);  // \v: the vertical tab only
    QCOMPARE(m.size(), std::size_t(1));
    QCOMPARE(m[0].first, std::size_t(0));
}

void TestOnigClasses::translationSpellsOutClasses() {
    using awq::text::detail::CategorySpelling;
    const auto translateOnigClasses = [](std::string_view p) {
        return awq::text::detail::translateOnigClasses(p, CategorySpelling::native);
    };
    // U+180E MONGOLIAN VOWEL SEPARATOR: PCRE2's \s (and \h) includes it, Oniguruma's \s does not
    const std::string mvs = utf8(0x180E);
    std::vector<std::pair<std::size_t, std::size_t>> m;
    Regex(R"(\s)").findAll("a" + mvs + "b", m);
    QVERIFY(m.empty());
    Regex(R"(\S+)").findAll("a" + mvs + "b", m);
    QCOMPARE(m.size(), std::size_t(1));
    // \h is a hex digit in Oniguruma
    m.clear();
    Regex(R"(\h+)").findAll("xBEEFx", m);
    QCOMPARE(m.size(), std::size_t(1));
    QCOMPARE(m[0], (std::pair<std::size_t, std::size_t>(1, 5)));
    // \uHHHH and POSIX brackets, negated ones inside a class
    m.clear();
    Regex(R"([\u3040-\u309F]+)").findAll("a\u3042\u3044b", m);
    QCOMPARE(m.size(), std::size_t(1));
    m.clear();
    Regex(R"([[:^alpha:][:digit:]]+)").findAll("ab 12!cd", m);
    QCOMPARE(m.size(), std::size_t(1));
    QCOMPARE(m[0], (std::pair<std::size_t, std::size_t>(2, 6)));
    // long property names and \p{^..}
    m.clear();
    Regex(R"(\p{Letter}+|\p{^L}+)").findAll("ab12", m);
    QCOMPARE(m.size(), std::size_t(2));
    // Oniguruma-only syntax is left to PCRE2 as it was, escapes are not classes
    QCOMPARE(translateOnigClasses(R"([a-z&&[^aeiou]])"), std::string(R"([a-z&&[^aeiou]])"));
    QCOMPARE(translateOnigClasses(R"(\\s\[\s)").substr(0, 6), std::string(R"(\\s\[[)"));
    QCOMPARE(translateOnigClasses(R"(\p{NoSuchProperty})"), std::string(R"(\p{NoSuchProperty})"));
    // every real pattern spelled out compiles within PCRE2's 64 KiB compiled-size limit (o200k: ~54 KB)
    for (const auto& [name, pattern] : readPatterns(dataDir() / "patterns.tsv"))
        Regex(awq::text::detail::translateOnigClasses(pattern, CategorySpelling::explicitRanges));
    // a translated pattern translates to itself (Regex translates whatever it is given)
    const std::string o200k =
        R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\w)";
    for (const auto spelling : {CategorySpelling::native, CategorySpelling::explicitRanges}) {
        const std::string once = awq::text::detail::translateOnigClasses(o200k, spelling);
        QCOMPARE(awq::text::detail::translateOnigClasses(once, spelling), once);
    }
}

// Every class of the table, spelled both ways, holds exactly the table's code points under this
// PCRE2: checks the spelling (escapes, ranges) and, for the native one, that PCRE2's general
// categories are Oniguruma's (the same Unicode version; else Regex spells every class out).
void TestOnigClasses::everyClassSpellingHoldsItsCodePoints() {
    using namespace awq::text;
    using namespace awq::text::detail;
    std::string all;                 // every scalar value once, in order
    std::vector<char32_t> cpAt;      // byte offset -> code point
    for (char32_t c = 0; c <= 0x10FFFF; ++c) {
        if (!isScalar(c)) continue;
        const std::string u = utf8(c);
        all += u;
        cpAt.insert(cpAt.end(), u.size(), c);
    }
    std::vector<std::pair<std::size_t, std::size_t>> m;
    for (const auto spelling : {CategorySpelling::native, CategorySpelling::explicitRanges}) {
        for (const std::string_view key : onigClassKeys()) {
            // the explicit spelling is slow (PCRE2 tries ranges one by one): the classes the patterns use
            if (spelling == CategorySpelling::explicitRanges && key != "s" && key != "l" && key != "n" && key != "w:in")
                continue;
            CodeRanges want = onigClassRanges(key), got;
            m.clear();
            Regex("[" + onigClassItems(key, spelling) + "]+").findAll(all, m);
            for (auto [s, e] : m) {
                // a match is a run of consecutive scalar values (surrogates are not in the string)
                for (std::size_t b = s; b < e;) {
                    const char32_t c = cpAt[b];
                    if (!got.empty() && (got.back().second + 1 == c || (got.back().second == 0xD7FF && c == 0xE000)))
                        got.back().second = c;
                    else
                        got.emplace_back(c, c);
                    b += utf8(c).size();
                }
            }
            // the table splits ranges at the surrogates; join them as the matches do
            CodeRanges joined;
            for (auto r : want) {
                if (!joined.empty() && joined.back().second == 0xD7FF && r.first == 0xE000)
                    joined.back().second = r.second;
                else
                    joined.push_back(r);
            }
            const std::string what = std::string(key) +
                                     (spelling == CategorySpelling::native ? " (native)" : " (explicit)") +
                                     " holds other code points than Oniguruma's";
            QVERIFY2(got == joined, what.c_str());
        }
    }
}

void TestOnigClasses::classTablesAreSane() {
    using awq::text::detail::onigClassRanges;
    for (const char* key : {"s", "d", "w", "w:in", "h", "l", "lu", "ll", "lt", "lm", "lo", "m", "n", "p", "s_", "z",
                            "han", "alpha", "punct", "space", "word"}) {
        const auto& r = onigClassRanges(key);
        QVERIFY2(!r.empty(), key);
        for (std::size_t i = 0; i < r.size(); ++i) {
            QVERIFY2(r[i].first <= r[i].second, key);
            if (i) QVERIFY2(r[i - 1].second + 1 < r[i].first, key);  // sorted, disjoint, merged
        }
    }
    QVERIFY(onigClassRanges("no-such-class").empty());
}

QTEST_GUILESS_MAIN(TestOnigClasses)
#include "test_onig_classes.moc"
