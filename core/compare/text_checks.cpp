#include "core/compare/text_checks.h"

#include <algorithm>
#include <cctype>
#include <map>

namespace awq {

namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
char lower(char c) { return char(std::tolower(static_cast<unsigned char>(c))); }

std::string joinWords(const std::vector<std::string>& w, std::size_t from, std::size_t count) {
    std::string out;
    for (std::size_t i = from; i < from + count && i < w.size(); ++i) out += (out.empty() ? "" : " ") + w[i];
    return out;
}

// Rule 1: the best periodic tail over words (or any sequence with ==).
template <class Seq>
LoopReport periodicTail(const Seq& s, int maxPeriod, int minRepeats, int minSpan) {
    LoopReport best;
    const int n = int(s.size());
    for (int p = 1; p <= std::min(maxPeriod, n / 2); ++p) {
        int tail = 0;  // positions i (from the end) with s[i] == s[i - p]
        for (int i = n - 1; i >= p && s[std::size_t(i)] == s[std::size_t(i - p)]; --i) ++tail;
        const int span = tail + p;
        const int copies = span / p;
        if (copies < minRepeats || span < minSpan) continue;
        const double coverage = double(span) / n;
        if (!best.detected || coverage > best.coverage) {
            best.detected = true;
            best.period = p;
            best.repeats = copies;
            best.coverage = coverage;
            best.rule = std::to_string(n - span);  // start index, replaced by the caller
        }
    }
    return best;
}

}  // namespace

std::vector<std::string> normalizedWords(std::string_view text) {
    std::vector<std::string> words;
    std::string cur;
    for (char c : text) {
        if (isSpace(c)) {
            if (!cur.empty()) words.push_back(std::move(cur));
            cur.clear();
        } else {
            cur += lower(c);
        }
    }
    if (!cur.empty()) words.push_back(std::move(cur));
    return words;
}

std::string normalizeText(std::string_view text) {
    std::string out;
    for (const auto& w : normalizedWords(text)) out += (out.empty() ? "" : " ") + w;
    return out;
}

namespace {

// Punctuation and quotes around a word: "\"Max!\"" -> "max" (words are already lowercased).
std::string bareWord(const std::string& w) {
    const auto isPunct = [](char c) { return std::ispunct(static_cast<unsigned char>(c)) != 0; };
    std::size_t b = 0, e = w.size();
    while (b < e && isPunct(w[b])) ++b;
    while (e > b && isPunct(w[e - 1])) --e;
    return w.substr(b, e - b);
}

std::vector<std::string> bareWords(std::string_view text) {
    std::vector<std::string> out;
    for (const auto& w : normalizedWords(text))
        if (auto b = bareWord(w); !b.empty()) out.push_back(std::move(b));
    return out;
}

}  // namespace

LoopReport detectLoop(std::string_view text, const LoopDetectorSettings& s) {
    // Bare words: a loop cut off by max-new ends in "too" where the earlier copies had "too.".
    const auto words = bareWords(text);
    const int n = int(words.size());

    if (auto r = periodicTail(words, s.maxPeriod, s.minRepeats, s.minLoopWords); r.detected) {
        const auto start = std::size_t(std::stoi(r.rule));
        r.rule = "periodic-tail";
        r.unit = joinWords(words, start, std::size_t(r.period));
        return r;
    }

    if (n >= 24 && s.ngram > 0 && n >= s.ngram) {
        std::map<std::vector<std::string>, int> counts;
        for (int i = 0; i + s.ngram <= n; ++i) ++counts[{words.begin() + i, words.begin() + i + s.ngram}];
        std::vector<char> covered(std::size_t(n), 0);
        const std::vector<std::string>* top = nullptr;
        int topCount = 0;
        for (int i = 0; i + s.ngram <= n; ++i) {
            const auto it = counts.find({words.begin() + i, words.begin() + i + s.ngram});
            if (it->second < s.ngramMinCount) continue;
            std::fill(covered.begin() + i, covered.begin() + i + s.ngram, 1);
            if (it->second > topCount) {
                topCount = it->second;
                top = &it->first;
            }
        }
        const double coverage = double(std::count(covered.begin(), covered.end(), 1)) / n;
        if (coverage >= s.ngramMinCoverage) {
            LoopReport r;
            r.detected = true;
            r.rule = "repeated-ngrams";
            r.period = s.ngram;
            r.repeats = topCount;
            r.coverage = coverage;
            r.unit = joinWords(*top, 0, top->size());
            return r;
        }
    }

    if (n < 4) {
        std::string chars;
        for (char c : text)
            if (!isSpace(c)) chars += c;
        if (auto r = periodicTail(chars, 8, s.charMinRepeats, s.charMinRepeats); r.detected) {
            const auto start = std::size_t(std::stoi(r.rule));
            r.rule = "repeated-chars";
            r.unit = chars.substr(start, std::size_t(r.period));
            return r;
        }
    }
    return {};
}

SubstantiveCheck checkSubstantive(std::string_view output, std::string_view prompt, const LoopReport& loop, int minWords) {
    const auto out = normalizeText(output);
    if (out.empty()) return {false, "empty"};
    if (loop.detected) return {false, "loop"};
    // Remove every copy of the prompt; what is left must still be an answer.
    std::string rest = out;
    if (const auto p = normalizeText(prompt); !p.empty())
        for (auto at = rest.find(p); at != std::string::npos; at = rest.find(p)) rest.erase(at, p.size());
    const int left = int(normalizedWords(rest).size());
    if (left < minWords) return {false, left == 0 || int(normalizedWords(out).size()) >= minWords ? "echo of the prompt" : "too short"};
    return {true, ""};
}

bool matchesReference(std::string_view output, std::string_view reference) {
    const auto ref = bareWords(reference);
    const auto out = bareWords(output);
    if (ref.empty() || out.size() < ref.size()) return false;
    return std::equal(ref.begin(), ref.end(), out.begin());
}

}  // namespace awq
