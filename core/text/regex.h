#pragma once
// A compiled Unicode regular expression (PCRE2 in UTF + UCP mode, JIT-compiled where available)
// with the find-all semantics of the Oniguruma engine Hugging Face tokenizers uses: matches are
// non-overlapping, left to right; after an empty match the search resumes one character later.
// \p{L}, \p{N}, \s, \w, [[:alpha:]]... match Oniguruma's code points (onig_translation.h);
// ^ and $ match at line ends; (?i:...) and look-ahead such as (?!\S) behave as there.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awq::text {

class Regex {
public:
    // Throws std::invalid_argument with PCRE2's message and the offset of the problem.
    explicit Regex(std::string_view pattern);
    static Regex literal(std::string_view text);  // matches `text` verbatim

    // Appends [start, end) byte ranges of all matches in `text` (valid UTF-8) to `out`.
    void findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) const;
    // Replaces every match with `replacement` (taken literally).
    std::string replaceAll(std::string_view text, std::string_view replacement) const;
    const std::string& pattern() const noexcept { return pattern_; }

private:
    struct Compiled;
    std::shared_ptr<const Compiled> code_;
    std::string pattern_;
};

// Escapes every regex metacharacter in `text`.
std::string regexEscape(std::string_view text);

}  // namespace awq::text
