#pragma once
// Character classes as Oniguruma defines them, for running Hugging Face pre-tokenizer patterns on
// PCRE2. Hugging Face tokenizers compiles those patterns with Oniguruma (Rust `onig` crate: Ruby
// syntax, UTF-8); PCRE2 disagrees on some classes (\s: U+180E, U+001C..U+001F; \w: marks,
// connector punctuation; \h is a hex digit in Oniguruma but horizontal space in PCRE2) and its
// Unicode tables follow its own release. So each class is rewritten into the explicit code point
// ranges Oniguruma gives it, generated from real Oniguruma (onig_classes.inc, made by
// tests/core/tokenizer/data/oniguruma/gen_onig_tables.c; Oniguruma version named there).
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace awq::text::detail {

// Inclusive [first, last] code point ranges, ascending and disjoint.
using CodeRanges = std::vector<std::pair<char32_t, char32_t>>;

// How the rewritten classes are spelled for PCRE2. Both match the same code points.
enum class CategorySpelling {
    // PCRE2's \p{L}-style general categories wherever they cover a class exactly, plus ranges for
    // the rest: only valid when PCRE2's Unicode version is onigUnicodeVersion() (the categories are
    // the Unicode Character Database's, so the same version means the same sets); much faster.
    native,
    // every class as explicit ranges: right with any PCRE2, slow on non-Latin text (PCRE2 tests a
    // class's ranges one by one) and close to PCRE2's 64 KiB compiled-size limit for o200k.
    explicitRanges,
};

// The Unicode version of Oniguruma's tables the ranges come from ("14.0.0").
std::string_view onigUnicodeVersion();

// Returns `pattern` (Oniguruma syntax, UTF-8) with these rewritten into bracket expressions of
// the code points Oniguruma gives them, in and outside bracket classes:
//   \s \S \d \D \w \W \h \H;  \p{X} \P{X} \p{^X} for general categories (L, Lu, ..., long names
//   like Letter too), the scripts Han Hiragana Katakana Hangul Latin, White_Space, Alphabetic and
//   the POSIX names (Alpha, Punct, ...);  [:alpha:] [:^alpha:] ... inside brackets;  \uHHHH;
//   \v (a vertical tab only, in Oniguruma).
// Anything else is copied as is. A pattern using Oniguruma-only class syntax PCRE2 reads
// differently (nested [..] classes, && intersection) is returned unchanged. Never throws for
// malformed input: PCRE2 reports the error when it compiles the result.
std::string translateOnigClasses(std::string_view pattern, CategorySpelling spelling);

// For tests: the keys of the generated table ("s", "l", "lu", "alpha", ..., and forms Oniguruma
// gives other code points, "w:in" for [\w]); a key's ranges (empty for an unknown key); and the
// bracket-class items (no brackets) a key is spelled with.
std::vector<std::string_view> onigClassKeys();
const CodeRanges& onigClassRanges(std::string_view key);
std::string onigClassItems(std::string_view key, CategorySpelling spelling);

}  // namespace awq::text::detail
