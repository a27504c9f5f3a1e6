// Python's printf-style formatting (CPython's unicode_format), conversion by conversion.
#include "core/tokenizer/jinja/format.h"

#include "core/tokenizer/detail/unicode.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace awq::jinja {
namespace {

namespace td = awq::tokenizer::detail;

// Keeps a formatted field from allocating without bound ("%999999999d"); Python's own limit is
// INT_MAX, far past anything a template prints.
constexpr int kMaxWidth = 1 << 20;

struct Spec {
    bool left = false, plus = false, space = false, alternate = false, zero = false;
    int width = -1;      // -1: none
    int precision = -1;  // -1: none
    char32_t conversion = 0;
};

std::size_t codePointCount(std::string_view s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

std::string firstCodePoints(std::string_view s, std::size_t count) {
    std::size_t i = 0;
    for (std::size_t n = 0; n < count && i < s.size(); ++n) i += td::utf8SeqLen(static_cast<unsigned char>(s[i]));
    return std::string(s.substr(0, std::min(i, s.size())));
}

// Text fields (s, r, a, c) are padded with spaces, counted in code points.
std::string padText(std::string text, const Spec& spec) {
    const std::size_t length = codePointCount(text);
    if (spec.width < 0 || length >= static_cast<std::size_t>(spec.width)) return text;
    const std::string fill(static_cast<std::size_t>(spec.width) - length, ' ');
    return spec.left ? text + fill : fill + text;
}

// Numbers put zero padding between the sign (and 0x prefix) and the digits.
std::string padNumber(const std::string& signAndPrefix, const std::string& digits, const Spec& spec) {
    const std::size_t length = signAndPrefix.size() + digits.size();
    if (spec.width < 0 || length >= static_cast<std::size_t>(spec.width)) return signAndPrefix + digits;
    const std::string::size_type fill = static_cast<std::size_t>(spec.width) - length;
    if (spec.left) return signAndPrefix + digits + std::string(fill, ' ');
    if (spec.zero) return signAndPrefix + std::string(fill, '0') + digits;
    return std::string(fill, ' ') + signAndPrefix + digits;
}

std::string conversionName(char32_t c) {
    std::string s;
    td::appendUtf8(s, c);
    return s;
}

// Python's ascii(): repr() with every non-ASCII code point escaped.
std::string asciiRepr(const Value& v) {
    const std::string r = v.repr();
    std::string out;
    for (std::size_t i = 0; i < r.size();) {
        if (static_cast<unsigned char>(r[i]) < 0x80) {
            out += r[i++];
            continue;
        }
        const char32_t cp = td::nextCodePoint(r, i);
        char buf[16];
        if (cp < 0x100) std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned>(cp));
        else if (cp < 0x10000) std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
        else std::snprintf(buf, sizeof buf, "\\U%08x", static_cast<unsigned>(cp));
        out += buf;
    }
    return out;
}

std::string signOf(bool negative, const Spec& spec) { return negative ? "-" : spec.plus ? "+" : spec.space ? " " : ""; }

std::string formatInteger(const Value& x, const Spec& spec) {
    const char conv = static_cast<char>(spec.conversion);
    const bool decimal = conv == 'd' || conv == 'i' || conv == 'u';
    std::int64_t n = 0;
    if (x.isInt() || x.isBool()) {
        n = x.asInt();
    } else if (x.isFloat() && decimal) {
        const double d = x.asDouble();
        if (std::isnan(d)) throw TemplateError("cannot convert float NaN to integer");
        if (std::isinf(d)) throw TemplateError("cannot convert float infinity to integer");
        if (std::fabs(d) >= 9.2e18) throw TemplateError("%" + conversionName(spec.conversion) + " format: number too large");
        n = static_cast<std::int64_t>(d);  // int(): truncates toward zero
    } else {
        throw TemplateError("%" + conversionName(spec.conversion) + " format: " + (decimal ? "a real number" : "an integer") +
                            " is required, not " + x.typeName());
    }
    const bool negative = n < 0;
    std::uint64_t magnitude = negative ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
    const unsigned base = conv == 'o' ? 8 : decimal ? 10 : 16;
    const char* symbols = conv == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string digits;
    do {
        digits.insert(digits.begin(), symbols[magnitude % base]);
        magnitude /= base;
    } while (magnitude);
    if (spec.precision > static_cast<int>(digits.size())) digits.insert(0, static_cast<std::size_t>(spec.precision) - digits.size(), '0');
    std::string prefix = signOf(negative, spec);
    if (spec.alternate && !decimal) prefix += conv == 'o' ? "0o" : conv == 'x' ? "0x" : "0X";
    return padNumber(prefix, digits, spec);
}

std::string formatReal(const Value& x, const Spec& spec) {
    if (!x.isNumber()) throw TemplateError("must be real number, not " + x.typeName());
    const double d = x.asDouble();
    const char conv = static_cast<char>(spec.conversion);
    if (!std::isfinite(d)) {
        // Python writes inf / nan itself (and pads them with zeros too, unlike C)
        std::string text = std::isnan(d) ? "nan" : "inf";
        if (std::isupper(static_cast<unsigned char>(conv)))
            for (auto& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return padNumber(signOf(std::isinf(d) && d < 0, spec), text, spec);
    }
    std::string fmt = "%";
    if (spec.left) fmt += '-';
    if (spec.plus) fmt += '+';
    if (spec.space) fmt += ' ';
    if (spec.alternate) fmt += '#';
    if (spec.zero) fmt += '0';
    if (spec.width >= 0) fmt += std::to_string(spec.width);
    fmt += "." + std::to_string(spec.precision >= 0 ? spec.precision : 6);
    fmt += conv;
    const int size = std::snprintf(nullptr, 0, fmt.c_str(), d);
    std::vector<char> buf(static_cast<std::size_t>(size) + 1);
    std::snprintf(buf.data(), buf.size(), fmt.c_str(), d);
    return std::string(buf.data(), static_cast<std::size_t>(size));
}

std::string formatChar(const Value& x, const Spec& spec) {
    std::string text;
    if (x.isInt() || x.isBool()) {
        const std::int64_t cp = x.asInt();
        if (cp < 0 || cp > 0x10FFFF) throw TemplateError("%c arg not in range(0x110000)");
        td::appendUtf8(text, static_cast<char32_t>(cp));
    } else if (x.isString() && codePointCount(x.asString()) == 1) {
        text = x.asString();
    } else {
        throw TemplateError("%c requires int or char");
    }
    return padText(std::move(text), spec);
}

std::string formatText(const Value& x, const Spec& spec) {
    std::string text = spec.conversion == 's' ? x.str() : spec.conversion == 'r' ? x.repr() : asciiRepr(x);
    if (spec.precision >= 0) text = firstCodePoints(text, static_cast<std::size_t>(spec.precision));
    return padText(std::move(text), spec);
}

// The arguments as CPython walks them: a tuple one by one; any other value is the one argument;
// "%(key)s" replaces the argument with mapping[key]. A mapping (anything subscriptable that isn't
// a tuple or a string) never counts as an unused argument.
class Arguments {
public:
    explicit Arguments(const Value& args) : current_(args) {
        if (args.isTuple()) {
            tuple_ = &args.asArray();
            length_ = static_cast<std::int64_t>(tuple_->size());
            next_ = 0;
        }
        if ((args.isObject() && !args.asObject().isNamespace) || (args.isArray() && !args.isTuple())) mapping_ = &args;
    }

    const Value& next() {
        if (next_ >= length_) throw TemplateError("not enough arguments for format string");
        ++next_;
        return length_ < 0 ? current_ : (*tuple_)[static_cast<std::size_t>(next_ - 1)];
    }

    void selectKey(const std::string& key) {
        if (!mapping_) throw TemplateError("format requires a mapping");
        if (!mapping_->isObject()) throw TemplateError("list indices must be integers or slices, not str");
        const Value* v = mapping_->asObject().find(key);
        if (!v) throw TemplateError("KeyError: '" + key + "'");
        current_ = *v;
        tuple_ = nullptr;
        length_ = -1;
        next_ = -2;
    }

    void requireAllUsed() const {
        if (next_ < length_ && !mapping_) throw TemplateError("not all arguments converted during string formatting");
    }

private:
    Value current_;
    const Array* tuple_ = nullptr;
    const Value* mapping_ = nullptr;
    std::int64_t length_ = -1;
    std::int64_t next_ = -2;
};

class Formatter {
public:
    Formatter(std::string_view format, const Value& args) : f_(format), args_(args) {}

    std::string run() {
        std::string out;
        while (pos_ < f_.size()) {
            const std::size_t percent = f_.find('%', pos_);
            out.append(f_.substr(pos_, percent == std::string_view::npos ? std::string_view::npos : percent - pos_));
            if (percent == std::string_view::npos) break;
            pos_ = percent + 1;
            out += conversion();
        }
        args_.requireAllUsed();
        return out;
    }

private:
    bool atEnd() const { return pos_ >= f_.size(); }
    char peek() const { return f_[pos_]; }
    [[noreturn]] void incomplete() const { throw TemplateError("incomplete format"); }

    std::string conversion() {
        if (atEnd()) incomplete();
        if (peek() == '%') {
            ++pos_;
            return "%";
        }
        Spec spec;
        if (peek() == '(') readKey();
        readFlags(spec);
        spec.width = readNumber(spec, true);
        if (!atEnd() && peek() == '.') {
            ++pos_;
            spec.precision = std::max(0, readNumber(spec, false));
        }
        while (!atEnd() && (peek() == 'h' || peek() == 'l' || peek() == 'L')) ++pos_;
        if (atEnd()) incomplete();
        const std::size_t at = pos_;
        spec.conversion = td::nextCodePoint(f_, pos_);
        switch (spec.conversion) {
            case '%': return "%";
            case 's': case 'r': case 'a': return formatText(args_.next(), spec);
            case 'd': case 'i': case 'u': case 'o': case 'x': case 'X': return formatInteger(args_.next(), spec);
            case 'e': case 'E': case 'f': case 'F': case 'g': case 'G': return formatReal(args_.next(), spec);
            case 'c': return formatChar(args_.next(), spec);
            default: {
                char code[16];
                std::snprintf(code, sizeof code, "0x%x", static_cast<unsigned>(spec.conversion));
                throw TemplateError("unsupported format character '" + conversionName(spec.conversion) + "' (" + code + ") at index " +
                                    std::to_string(codePointCount(f_.substr(0, at))));
            }
        }
    }

    void readKey() {
        int depth = 1;
        const std::size_t start = ++pos_;
        while (!atEnd() && depth > 0) {
            if (peek() == '(') ++depth;
            else if (peek() == ')') --depth;
            ++pos_;
        }
        if (depth > 0) throw TemplateError("incomplete format key");
        args_.selectKey(std::string(f_.substr(start, pos_ - 1 - start)));
    }

    void readFlags(Spec& spec) {
        for (; !atEnd(); ++pos_) {
            switch (peek()) {
                case '-': spec.left = true; break;
                case '+': spec.plus = true; break;
                case ' ': spec.space = true; break;
                case '#': spec.alternate = true; break;
                case '0': spec.zero = true; break;
                default: return;
            }
        }
    }

    // A width or precision: digits, or "*" taking the next argument (a negative width left-aligns).
    int readNumber(Spec& spec, bool isWidth) {
        if (atEnd()) return -1;
        if (peek() == '*') {
            ++pos_;
            const Value& v = args_.next();
            if (!v.isInt() && !v.isBool()) throw TemplateError("* wants int");
            std::int64_t n = v.asInt();
            if (isWidth && n < 0) {
                spec.left = true;
                n = -n;
            }
            if (n > kMaxWidth) throw TemplateError(isWidth ? "width too big" : "precision too big");
            return static_cast<int>(n);
        }
        if (!std::isdigit(static_cast<unsigned char>(peek()))) return -1;
        std::int64_t n = 0;
        while (!atEnd() && std::isdigit(static_cast<unsigned char>(peek()))) {
            n = n * 10 + (peek() - '0');
            if (n > kMaxWidth) throw TemplateError(isWidth ? "width too big" : "precision too big");
            ++pos_;
        }
        return static_cast<int>(n);
    }

    std::string_view f_;
    std::size_t pos_ = 0;
    Arguments args_;
};

}  // namespace

std::string percentFormat(std::string_view format, const Value& args) { return Formatter(format, args).run(); }

}  // namespace awq::jinja
