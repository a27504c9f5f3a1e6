#include "core/text/regex.h"

#include "core/text/detail/onig_translation.h"
#include "core/text/unicode.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <stdexcept>

namespace awq::text {

using detail::CategorySpelling;
using detail::onigUnicodeVersion;
using detail::translateOnigClasses;

namespace {

// PCRE2's own general categories are used for Oniguruma's when both follow the same Unicode version.
CategorySpelling spellingForThisPcre2() {
    static const CategorySpelling spelling = [] {
        char version[32] = {};
        pcre2_config(PCRE2_CONFIG_UNICODE_VERSION, version);
        return onigUnicodeVersion() == version ? CategorySpelling::native : CategorySpelling::explicitRanges;
    }();
    return spelling;
}

}  // namespace

struct Regex::Compiled {
    pcre2_code* code = nullptr;
    ~Compiled() {
        if (code) pcre2_code_free(code);
    }
};

Regex::Regex(std::string_view pattern) : pattern_(pattern) {
    // PCRE2 runs the pattern with Oniguruma's classes (what Hugging Face matches with), spelled out
    const std::string translated = translateOnigClasses(pattern, spellingForThisPcre2());
    int errorCode = 0;
    PCRE2_SIZE errorOffset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(translated.data()), translated.size(),
                                     // ^ and $ are line anchors in Oniguruma's Ruby syntax
                                     PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &errorCode, &errorOffset, nullptr);
    if (!code) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(errorCode, buffer, sizeof buffer);
        throw std::invalid_argument("invalid regular expression \"" + std::string(pattern) + "\" at offset " +
                                    std::to_string(errorOffset) + " (of the pattern with its classes spelled out): " +
                                    reinterpret_cast<const char*>(buffer));
    }
    // JIT is an optimisation only: a PCRE2 built without it still matches, just slower.
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    auto compiled = std::make_shared<Compiled>();
    compiled->code = code;
    code_ = std::move(compiled);
}

Regex Regex::literal(std::string_view text) { return Regex(regexEscape(text)); }

void Regex::findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) const {
    if (text.empty()) return;
    pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
    if (!md) throw std::bad_alloc();
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    std::size_t pos = 0;
    while (pos <= text.size()) {
        int rc = pcre2_match(code_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
        // the JIT's default 32 KiB stack can run out on pathological input: the interpreter, which
        // uses the heap, gives the same match
        if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
            rc = pcre2_match(code_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, md, nullptr);
        if (rc == PCRE2_ERROR_NOMATCH) break;
        if (rc < 0) {
            pcre2_match_data_free(md);
            PCRE2_UCHAR buffer[256];
            pcre2_get_error_message(rc, buffer, sizeof buffer);
            throw std::runtime_error("regular expression \"" + pattern_ + "\" failed: " +
                                     reinterpret_cast<const char*>(buffer));
        }
        const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
        const std::size_t start = ov[0], end = ov[1];
        out.emplace_back(start, end);
        if (end > start) {
            pos = end;
        } else {
            if (end >= text.size()) break;
            pos = end + utf8SeqLen(static_cast<unsigned char>(text[end]));
        }
    }
    pcre2_match_data_free(md);
}

std::string Regex::replaceAll(std::string_view text, std::string_view replacement) const {
    std::vector<std::pair<std::size_t, std::size_t>> matches;
    findAll(text, matches);
    if (matches.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t prev = 0;
    for (auto [s, e] : matches) {
        out.append(text.substr(prev, s - prev));
        out.append(replacement);
        prev = e;
    }
    out.append(text.substr(prev));
    return out;
}

std::string regexEscape(std::string_view text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '\\': case '^': case '$': case '.': case '|': case '?': case '*': case '+': case '(': case ')':
            case '[': case ']': case '{': case '}': case '-': case '#': case '&': case '~': case ' ':
                out.push_back('\\');
                [[fallthrough]];
            default:
                out.push_back(c);
        }
    }
    return out;
}

}  // namespace awq::text
