#pragma once
// UTF-8 helpers and Unicode services (for the tokenizer, chat templates and LoRA target patterns):
// normalization forms, lowercase, mark stripping. Normalization is ICU's (see unicode.cpp for how ICU is found on machines with and
// without its headers); everything else here is plain UTF-8 bookkeeping.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace awq::text {

// Bytes in the UTF-8 sequence that starts with `lead` (1 for ASCII and for stray bytes).
inline std::size_t utf8SeqLen(unsigned char lead) noexcept {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 1;
}

// Decodes the code point at `i` of valid UTF-8 and advances `i` past it.
char32_t nextCodePoint(std::string_view s, std::size_t& i) noexcept;
void appendUtf8(std::string& out, char32_t cp);

bool isValidUtf8(std::string_view s) noexcept;
// Length of the longest prefix of `s` that ends on a complete, valid UTF-8 sequence boundary
// and leaves out only an unfinished (not invalid) trailing sequence.
std::size_t completeUtf8Prefix(std::string_view s) noexcept;
// Rust's String::from_utf8_lossy: each maximal invalid subpart becomes one U+FFFD.
std::string utf8Lossy(std::string_view bytes);

// Unicode White_Space (what Rust's char::is_whitespace tests).
bool isUnicodeWhitespace(char32_t c) noexcept;

enum class NormalForm { NFC, NFD, NFKC, NFKD };
// Unicode normalization through ICU. Where ICU can't be loaded, text is returned unchanged (a
// warning is logged once); `unicodeServicesAvailable()` says which case applies.
std::string normalize(std::string_view s, NormalForm form);
// Full per-character lowercase mapping (Rust's char::to_lowercase applied to each character).
std::string lowercase(std::string_view s);
// Full per-character uppercase mapping ("ß" -> "SS"), as Python's str.upper() maps characters.
std::string uppercase(std::string_view s);
// Full per-character titlecase mapping ("ǆ" -> "ǅ", "ﬁ" -> "Fi"), as str.capitalize() maps a first character.
std::string titlecase(std::string_view s);
// What Python's regular expressions see in a character: \w is a letter, a number or "_" (categories
// L*, N*), \d a decimal digit (Nd). Without ICU, every non-ASCII character but whitespace is a letter.
enum class WordClass { None, Letter, Digit };
WordClass wordClass(char32_t cp);
// Python's str.isprintable() for one character: not a control, format, surrogate, private-use or
// unassigned character, nor a separator other than the ASCII space (categories Cc Cf Cs Co Cn Zl Zp
// Zs). repr() escapes the others. Without ICU, non-ASCII characters count as printable except
// Unicode white space.
bool isPrintable(char32_t cp);
// The Unicode properties Python's str methods test (isalpha, isdecimal, islower, istitle,
// isidentifier, ...) and its case mappings consult (Final_Sigma needs Cased and Case_Ignorable).
// Through ICU; without it, only ASCII characters have any of them.
enum class CharProperty {
    Letter,           // general category L* (str.isalpha)
    TitlecaseLetter,  // general category Lt
    Lowercase,        // the Lowercase property (str.islower)
    Uppercase,        // the Uppercase property (str.isupper)
    Cased,
    CaseIgnorable,
    XidStart,
    XidContinue,
    Decimal,  // Numeric_Type=Decimal (str.isdecimal)
    Digit,    // Numeric_Type=Decimal or Digit (str.isdigit)
    Numeric,  // any Numeric_Type (str.isnumeric)
};
bool hasCharProperty(char32_t cp, CharProperty property);
// Full case folding ("ß" -> "ss"), as Python's str.casefold() folds each character.
std::string casefold(std::string_view s);
// The character of a Unicode name or name alias, matched as Python's "\N{...}" escape matches it
// (case-insensitively); nullopt when there is none or ICU is not available.
std::optional<char32_t> characterNamed(std::string_view name);
// Removes combining marks (general category Mn), as the StripAccents normalizer does.
std::string stripMarks(std::string_view s);
// The columns a terminal gives `s` (UTF-8), cell by cell as wcwidth(3) counts them: combining marks
// and format characters (Mn, Me, Cf: accents, zero-width joiner, variation selectors) 0, East Asian
// Wide / Fullwidth (CJK, Hangul, most emoji) 2, others 1 (Unicode's East_Asian_Width, UAX #11, via
// ICU). Without ICU one column a code point. For aligning plain-text tables.
std::size_t displayWidth(std::string_view s);
bool unicodeServicesAvailable();
// "ICU 74 (libicuuc.so.74, loaded at run time)" or "ICU 72 (linked)" or "unavailable: ..."
std::string unicodeServicesDescription();

}  // namespace awq::text
