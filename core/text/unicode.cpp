#include "core/text/unicode.h"

#include <cctype>

// How ICU is reached (decided in core/text/CMakeLists.txt):
//  * AWQ_ICU_HEADERS: ICU's development files were found (Debian: libicu-dev). We include its
//    headers and link libicuuc normally.
//  * otherwise: the machine has ICU only as a runtime library (the GPU machine: libicuuc.so.74, no
//    headers). ICU renames every C symbol with its major version (unorm2_normalize_74), so shipping
//    headers from one ICU would not link against another. Instead we dlopen libicuuc (the path
//    CMake found, AWQ_ICU_RUNTIME_LIBRARY, or the usual sonames) and look up the handful of stable
//    C entry points we need with the version suffix taken from the library's soname.
//  * neither: normalization is the identity and a warning says so once (only text that actually
//    needs normalizing is affected; pure ASCII and NFC-stable text below U+0300 never needs ICU).

#include <spdlog/spdlog.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <vector>

#if defined(AWQ_ICU_HEADERS)
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/uversion.h>
#else
#include <dlfcn.h>
#endif

namespace awq::text {

char32_t nextCodePoint(std::string_view s, std::size_t& i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    const std::size_t n = utf8SeqLen(b0);
    if (n == 1 || i + n > s.size()) {
        ++i;
        return b0;
    }
    char32_t cp = b0 & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += n;
    return cp;
}

void appendUtf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

namespace {

// Length of the valid UTF-8 sequence at `i`; 0 if invalid, with `bad` set to the length of the
// maximal invalid subpart (at least 1), or -(bytes seen) if the input ends inside a valid prefix.
struct SeqCheck {
    std::size_t valid = 0;    // > 0: a complete valid sequence of this many bytes
    std::size_t invalid = 0;  // > 0: an invalid subpart of this many bytes
    std::size_t truncated = 0;  // > 0: the input ends after this many bytes of a valid prefix
};

SeqCheck checkSequence(std::string_view s, std::size_t i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return {1, 0, 0};
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 == 0xE0) {
        need = 2, lo = 0xA0;
    } else if ((b0 >= 0xE1 && b0 <= 0xEC) || b0 == 0xEE || b0 == 0xEF) {
        need = 2;
    } else if (b0 == 0xED) {
        need = 2, hi = 0x9F;
    } else if (b0 == 0xF0) {
        need = 3, lo = 0x90;
    } else if (b0 >= 0xF1 && b0 <= 0xF3) {
        need = 3;
    } else if (b0 == 0xF4) {
        need = 3, hi = 0x8F;
    } else {
        return {0, 1, 0};
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) return {0, 0, k};
        const auto b = static_cast<unsigned char>(s[i + k]);
        const bool ok = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xBF);
        if (!ok) return {0, k, 0};
    }
    return {need + 1, 0, 0};
}

}  // namespace

bool isValidUtf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        const auto c = checkSequence(s, i);
        if (!c.valid) return false;
        i += c.valid;
    }
    return true;
}

std::size_t completeUtf8Prefix(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = checkSequence(s, i);
        if (c.truncated) return i;
        i += c.valid ? c.valid : c.invalid;
    }
    return i;
}

std::string utf8Lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    std::size_t i = 0;
    while (i < bytes.size()) {
        const auto c = checkSequence(bytes, i);
        if (c.valid) {
            out.append(bytes.substr(i, c.valid));
            i += c.valid;
        } else {
            out.append("\xEF\xBF\xBD");
            i += c.invalid ? c.invalid : c.truncated;
        }
    }
    return out;
}

bool isUnicodeWhitespace(char32_t c) noexcept {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
    switch (c) {
        case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return c >= 0x2000 && c <= 0x200A;
    }
}

// ---------------------------------------------------------------------------------------------
// ICU access
namespace {

using IcuError = int;  // UErrorCode: an int-sized enum; > 0 means failure
inline bool icuFailed(IcuError e) { return e > 0; }

struct IcuApi {
    const void* (*nfc)(IcuError*) = nullptr;
    const void* (*nfd)(IcuError*) = nullptr;
    const void* (*nfkc)(IcuError*) = nullptr;
    const void* (*nfkd)(IcuError*) = nullptr;
    int32_t (*normalize)(const void*, const char16_t*, int32_t, char16_t*, int32_t, IcuError*) = nullptr;
    int32_t (*toLower)(char16_t*, int32_t, const char16_t*, int32_t, const char*, IcuError*) = nullptr;
    int32_t (*toUpper)(char16_t*, int32_t, const char16_t*, int32_t, const char*, IcuError*) = nullptr;
    int32_t (*toTitle)(char16_t*, int32_t, const char16_t*, int32_t, void*, const char*, IcuError*) = nullptr;
    int8_t (*charType)(int32_t) = nullptr;
    int32_t (*charFromName)(int, const char*, IcuError*) = nullptr;  // optional: "\N{...}" escapes only
    // optional: Python's str predicates and casefold() (ASCII-only without them)
    int8_t (*hasBinaryProperty)(int32_t, int32_t) = nullptr;  // returns UBool
    int32_t (*intPropertyValue)(int32_t, int32_t) = nullptr;
    int32_t (*foldCase)(char16_t*, int32_t, const char16_t*, int32_t, uint32_t, IcuError*) = nullptr;
    bool ok = false;
    std::string description;
};

#if defined(AWQ_ICU_HEADERS)
IcuApi loadIcu() {
    IcuApi api;
    api.nfc = reinterpret_cast<decltype(api.nfc)>(&unorm2_getNFCInstance);
    api.nfd = reinterpret_cast<decltype(api.nfd)>(&unorm2_getNFDInstance);
    api.nfkc = reinterpret_cast<decltype(api.nfkc)>(&unorm2_getNFKCInstance);
    api.nfkd = reinterpret_cast<decltype(api.nfkd)>(&unorm2_getNFKDInstance);
    api.normalize = reinterpret_cast<decltype(api.normalize)>(&unorm2_normalize);
    api.toLower = reinterpret_cast<decltype(api.toLower)>(&u_strToLower);
    api.toUpper = reinterpret_cast<decltype(api.toUpper)>(&u_strToUpper);
    api.toTitle = reinterpret_cast<decltype(api.toTitle)>(&u_strToTitle);
    api.charType = reinterpret_cast<decltype(api.charType)>(&u_charType);
    api.charFromName = reinterpret_cast<decltype(api.charFromName)>(&u_charFromName);
    api.hasBinaryProperty = reinterpret_cast<decltype(api.hasBinaryProperty)>(&u_hasBinaryProperty);
    api.intPropertyValue = reinterpret_cast<decltype(api.intPropertyValue)>(&u_getIntPropertyValue);
    api.foldCase = reinterpret_cast<decltype(api.foldCase)>(&u_strFoldCase);
    api.ok = true;
    api.description = std::string("ICU ") + U_ICU_VERSION + " (linked)";
    return api;
}
#else
IcuApi loadIcu() {
    IcuApi api;
    std::vector<std::string> candidates;
#if defined(AWQ_ICU_RUNTIME_LIBRARY)
    candidates.emplace_back(AWQ_ICU_RUNTIME_LIBRARY);
#endif
    candidates.emplace_back("libicuuc.so");
    for (int v = 90; v >= 50; --v) candidates.push_back("libicuuc.so." + std::to_string(v));
    void* handle = nullptr;
    std::string loaded;
    for (const auto& c : candidates) {
        if ((handle = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL))) {
            loaded = c;
            break;
        }
    }
    if (!handle) {
        api.description = "unavailable: libicuuc could not be loaded";
        return api;
    }
    // The symbol suffix is the major version: from the soname when it has one, else probed.
    std::vector<std::string> suffixes{""};
    if (auto pos = loaded.rfind(".so."); pos != std::string::npos) {
        std::string major;
        for (std::size_t i = pos + 4; i < loaded.size() && loaded[i] >= '0' && loaded[i] <= '9'; ++i) major += loaded[i];
        if (!major.empty()) suffixes.push_back("_" + major);
    }
    for (int v = 90; v >= 50; --v) suffixes.push_back("_" + std::to_string(v));
    std::string suffix;
    bool found = false;
    for (const auto& s : suffixes) {
        if (dlsym(handle, ("unorm2_getNFCInstance" + s).c_str())) {
            suffix = s;
            found = true;
            break;
        }
    }
    if (!found) {
        api.description = "unavailable: " + loaded + " has no unorm2_getNFCInstance";
        return api;
    }
    auto sym = [&](const char* name) { return dlsym(handle, (std::string(name) + suffix).c_str()); };
    api.nfc = reinterpret_cast<decltype(api.nfc)>(sym("unorm2_getNFCInstance"));
    api.nfd = reinterpret_cast<decltype(api.nfd)>(sym("unorm2_getNFDInstance"));
    api.nfkc = reinterpret_cast<decltype(api.nfkc)>(sym("unorm2_getNFKCInstance"));
    api.nfkd = reinterpret_cast<decltype(api.nfkd)>(sym("unorm2_getNFKDInstance"));
    api.normalize = reinterpret_cast<decltype(api.normalize)>(sym("unorm2_normalize"));
    api.toLower = reinterpret_cast<decltype(api.toLower)>(sym("u_strToLower"));
    api.toUpper = reinterpret_cast<decltype(api.toUpper)>(sym("u_strToUpper"));
    api.toTitle = reinterpret_cast<decltype(api.toTitle)>(sym("u_strToTitle"));
    api.charType = reinterpret_cast<decltype(api.charType)>(sym("u_charType"));
    api.charFromName = reinterpret_cast<decltype(api.charFromName)>(sym("u_charFromName"));
    api.hasBinaryProperty = reinterpret_cast<decltype(api.hasBinaryProperty)>(sym("u_hasBinaryProperty"));
    api.intPropertyValue = reinterpret_cast<decltype(api.intPropertyValue)>(sym("u_getIntPropertyValue"));
    api.foldCase = reinterpret_cast<decltype(api.foldCase)>(sym("u_strFoldCase"));
    api.ok = api.nfc && api.nfd && api.nfkc && api.nfkd && api.normalize && api.toLower && api.toUpper && api.toTitle && api.charType;
    api.description = api.ok ? "ICU" + (suffix.empty() ? std::string() : " " + suffix.substr(1)) + " (" + loaded +
                                   ", loaded at run time)"
                             : "unavailable: " + loaded + " lacks some entry points";
    return api;
}
#endif

const IcuApi& icu() {
    static const IcuApi api = loadIcu();
    return api;
}

void warnNoIcuOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        spdlog::warn("tokenizer: Unicode normalization is unavailable ({}); text is tokenized without it, which "
                     "differs from Hugging Face only for text that is not already normalized. Install ICU "
                     "(libicuuc) to fix this.",
                     icu().description);
    });
}

std::u16string toUtf16(std::string_view s) {
    std::u16string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        char32_t cp = nextCodePoint(s, i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
            out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
        } else {
            out.push_back(static_cast<char16_t>(cp));
        }
    }
    return out;
}

std::string fromUtf16(const char16_t* s, std::size_t n) {
    std::string out;
    out.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        char32_t cp = s[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (s[i + 1] - 0xDC00);
            ++i;
        }
        appendUtf8(out, cp);
    }
    return out;
}

// Below these code points every character is unchanged by the form (ICU's own quick-check limits).
char32_t stableBelow(NormalForm f) {
    switch (f) {
        case NormalForm::NFC: return 0x300;
        case NormalForm::NFD: return 0xC0;
        case NormalForm::NFKC:
        case NormalForm::NFKD: return 0xA0;
    }
    return 0x80;
}

}  // namespace

bool unicodeServicesAvailable() { return icu().ok; }
std::string unicodeServicesDescription() { return icu().description; }

std::string normalize(std::string_view s, NormalForm form) {
    const char32_t limit = stableBelow(form);
    bool stable = true;
    for (std::size_t i = 0; i < s.size();) {
        if (static_cast<unsigned char>(s[i]) < 0x80) {
            ++i;
            continue;
        }
        if (nextCodePoint(s, i) >= limit) {
            stable = false;
            break;
        }
    }
    if (stable) return std::string(s);
    const auto& api = icu();
    if (!api.ok) {
        warnNoIcuOnce();
        return std::string(s);
    }
    IcuError err = 0;
    const void* norm = form == NormalForm::NFC    ? api.nfc(&err)
                       : form == NormalForm::NFD  ? api.nfd(&err)
                       : form == NormalForm::NFKC ? api.nfkc(&err)
                                                  : api.nfkd(&err);
    if (icuFailed(err) || !norm) return std::string(s);
    const std::u16string src = toUtf16(s);
    std::u16string dst(src.size() + src.size() / 2 + 16, u'\0');
    err = 0;
    int32_t n = api.normalize(norm, src.data(), static_cast<int32_t>(src.size()), dst.data(),
                              static_cast<int32_t>(dst.size()), &err);
    if (err == 15 /* U_BUFFER_OVERFLOW_ERROR */) {
        dst.assign(static_cast<std::size_t>(n) + 1, u'\0');
        err = 0;
        n = api.normalize(norm, src.data(), static_cast<int32_t>(src.size()), dst.data(),
                          static_cast<int32_t>(dst.size()), &err);
    }
    if (icuFailed(err)) return std::string(s);
    return fromUtf16(dst.data(), static_cast<std::size_t>(n));
}

namespace {

enum class Case { Lower, Upper, Title, Fold };

// Each character through ICU's full case mapping (u_strToLower / u_strToUpper / u_strToTitle /
// u_strFoldCase); ASCII directly.
std::string mapCase(std::string_view s, Case to) {
    const bool upper = to == Case::Upper || to == Case::Title;
    std::string out;
    out.reserve(s.size());
    const auto& api = icu();
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x80) {
            if (upper) out.push_back(static_cast<char>(b >= 'a' && b <= 'z' ? b - 32 : b));
            else out.push_back(static_cast<char>(b >= 'A' && b <= 'Z' ? b + 32 : b));
            ++i;
            continue;
        }
        const std::size_t start = i;
        nextCodePoint(s, i);
        const std::string_view ch = s.substr(start, i - start);
        if (!api.ok || (to == Case::Fold && !api.foldCase)) {
            warnNoIcuOnce();
            out.append(ch);
            continue;
        }
        const std::u16string src = toUtf16(ch);
        std::array<char16_t, 8> dst{};
        IcuError err = 0;
        const auto size = static_cast<int32_t>(dst.size()), srcSize = static_cast<int32_t>(src.size());
        const int32_t n = to == Case::Title  ? api.toTitle(dst.data(), size, src.data(), srcSize, nullptr, "", &err)
                          : to == Case::Fold ? api.foldCase(dst.data(), size, src.data(), srcSize, 0 /* U_FOLD_CASE_DEFAULT */, &err)
                                             : (to == Case::Upper ? api.toUpper : api.toLower)(dst.data(), size, src.data(), srcSize, "", &err);
        if (icuFailed(err) || n < 0 || n > static_cast<int32_t>(dst.size())) {
            out.append(ch);
        } else {
            out += fromUtf16(dst.data(), static_cast<std::size_t>(n));
        }
    }
    return out;
}

}  // namespace

std::string lowercase(std::string_view s) { return mapCase(s, Case::Lower); }
std::string uppercase(std::string_view s) { return mapCase(s, Case::Upper); }
std::string titlecase(std::string_view s) { return mapCase(s, Case::Title); }
std::string casefold(std::string_view s) { return mapCase(s, Case::Fold); }

WordClass wordClass(char32_t cp) {
    if (cp < 0x80) {
        if (cp >= '0' && cp <= '9') return WordClass::Digit;
        return std::isalpha(static_cast<int>(cp)) || cp == '_' ? WordClass::Letter : WordClass::None;
    }
    const auto& api = icu();
    if (!api.ok) {
        warnNoIcuOnce();
        return isUnicodeWhitespace(cp) ? WordClass::None : WordClass::Letter;
    }
    switch (api.charType(static_cast<int32_t>(cp))) {
        case 1: case 2: case 3: case 4: case 5:  // U_UPPERCASE_LETTER .. U_OTHER_LETTER
        case 10: case 11:                        // U_LETTER_NUMBER, U_OTHER_NUMBER
            return WordClass::Letter;
        case 9:  // U_DECIMAL_DIGIT_NUMBER
            return WordClass::Digit;
        default:
            return WordClass::None;
    }
}

bool isPrintable(char32_t cp) {
    if (cp < 0x80) return cp >= 0x20 && cp != 0x7F;
    const auto& api = icu();
    if (!api.ok) {
        warnNoIcuOnce();
        return !isUnicodeWhitespace(cp) && !(cp >= 0x80 && cp < 0xA0);
    }
    switch (api.charType(static_cast<int32_t>(cp))) {
        case 0:                                    // U_UNASSIGNED (Cn)
        case 12: case 13: case 14:                 // U_SPACE_SEPARATOR, U_LINE_SEPARATOR, U_PARAGRAPH_SEPARATOR
        case 15: case 16: case 17: case 18:        // U_CONTROL_CHAR, U_FORMAT_CHAR, U_PRIVATE_USE_CHAR, U_SURROGATE
            return false;
        default:
            return true;
    }
}

namespace {

// ICU's UProperty and UNumericType values (stable C API constants; the run-time-loaded build has no
// headers to name them).
constexpr int32_t kUcharLowercase = 22, kUcharUppercase = 30, kUcharXidContinue = 32, kUcharXidStart = 33, kUcharCased = 49,
                  kUcharCaseIgnorable = 50, kUcharNumericType = 0x1009, kUcharEastAsianWidth = 0x1004;
constexpr int32_t kNumericDecimal = 1, kNumericDigit = 2, kEastAsianFullwidth = 3, kEastAsianWide = 5;
#if defined(AWQ_ICU_HEADERS)
static_assert(kUcharLowercase == UCHAR_LOWERCASE && kUcharUppercase == UCHAR_UPPERCASE && kUcharXidContinue == UCHAR_XID_CONTINUE &&
              kUcharXidStart == UCHAR_XID_START && kUcharCased == UCHAR_CASED && kUcharCaseIgnorable == UCHAR_CASE_IGNORABLE &&
              kUcharNumericType == UCHAR_NUMERIC_TYPE && kNumericDecimal == U_NT_DECIMAL && kNumericDigit == U_NT_DIGIT &&
              kUcharEastAsianWidth == UCHAR_EAST_ASIAN_WIDTH && kEastAsianFullwidth == U_EA_FULLWIDTH && kEastAsianWide == U_EA_WIDE);
#endif

bool asciiHasProperty(char32_t c, CharProperty p) {
    const bool lower = c >= 'a' && c <= 'z', upper = c >= 'A' && c <= 'Z', digit = c >= '0' && c <= '9';
    switch (p) {
        case CharProperty::Letter: return lower || upper;
        case CharProperty::TitlecaseLetter: return false;
        case CharProperty::Lowercase: return lower;
        case CharProperty::Uppercase: return upper;
        case CharProperty::Cased: return lower || upper;
        case CharProperty::CaseIgnorable: return c == '\'' || c == '.' || c == ':' || c == '^' || c == '`';
        case CharProperty::XidStart: return lower || upper;
        case CharProperty::XidContinue: return lower || upper || digit || c == '_';
        case CharProperty::Decimal:
        case CharProperty::Digit:
        case CharProperty::Numeric: return digit;
    }
    return false;
}

}  // namespace

bool hasCharProperty(char32_t cp, CharProperty p) {
    if (cp < 0x80) return asciiHasProperty(cp, p);
    const auto& api = icu();
    if (!api.ok || !api.hasBinaryProperty || !api.intPropertyValue) {
        warnNoIcuOnce();
        return false;
    }
    const auto c = static_cast<int32_t>(cp);
    auto binary = [&](int32_t which) { return api.hasBinaryProperty(c, which) != 0; };
    switch (p) {
        case CharProperty::Letter: {
            const int8_t t = api.charType(c);
            return t >= 1 && t <= 5;  // U_UPPERCASE_LETTER .. U_OTHER_LETTER
        }
        case CharProperty::TitlecaseLetter: return api.charType(c) == 3;  // U_TITLECASE_LETTER
        case CharProperty::Lowercase: return binary(kUcharLowercase);
        case CharProperty::Uppercase: return binary(kUcharUppercase);
        case CharProperty::Cased: return binary(kUcharCased);
        case CharProperty::CaseIgnorable: return binary(kUcharCaseIgnorable);
        case CharProperty::XidStart: return binary(kUcharXidStart);
        case CharProperty::XidContinue: return binary(kUcharXidContinue);
        case CharProperty::Decimal: return api.intPropertyValue(c, kUcharNumericType) == kNumericDecimal;
        case CharProperty::Digit: {
            const int32_t t = api.intPropertyValue(c, kUcharNumericType);
            return t == kNumericDecimal || t == kNumericDigit;
        }
        case CharProperty::Numeric: return api.intPropertyValue(c, kUcharNumericType) != 0;  // U_NT_NONE
    }
    return false;
}


std::size_t displayWidth(std::string_view s) {
    const auto& api = icu();
    std::size_t width = 0;
    for (std::size_t i = 0; i < s.size();) {
        const char32_t cp = nextCodePoint(s, i);
        if (cp < 0x80 || !api.ok || !api.intPropertyValue) {
            ++width;
            continue;
        }
        const auto c = static_cast<int32_t>(cp);
        const int8_t category = api.charType(c);
        if (category == 6 || category == 7 || category == 16) continue;  // U_NON_SPACING_MARK, U_ENCLOSING_MARK, U_FORMAT_CHAR
        const int32_t eaw = api.intPropertyValue(c, kUcharEastAsianWidth);
        width += eaw == kEastAsianWide || eaw == kEastAsianFullwidth ? 2 : 1;
    }
    return width;
}

std::optional<char32_t> characterNamed(std::string_view name) {
    const auto& api = icu();
    if (!api.ok || !api.charFromName || name.empty() || name.size() > 200) return std::nullopt;
    const std::string z(name);
    for (int choice : {0, 3}) {  // U_UNICODE_CHAR_NAME, then U_CHAR_NAME_ALIAS (as Python's \N{} takes aliases)
        IcuError e = 0;
        const int32_t cp = api.charFromName(choice, z.c_str(), &e);
        if (!icuFailed(e) && cp >= 0 && cp <= 0x10FFFF) return static_cast<char32_t>(cp);
    }
    return std::nullopt;
}

std::string stripMarks(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    const auto& api = icu();
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const char32_t cp = nextCodePoint(s, i);
        bool mark = false;
        if (cp >= 0x300) {
            if (api.ok) {
                mark = api.charType(static_cast<int32_t>(cp)) == 6;  // U_NON_SPACING_MARK
            } else {
                warnNoIcuOnce();
                mark = cp <= 0x36F;  // Combining Diacritical Marks, the common case
            }
        }
        if (!mark) out.append(s.substr(start, i - start));
    }
    return out;
}

}  // namespace awq::text
