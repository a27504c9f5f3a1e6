// Python's printf-style formatting (CPython's unicode_format), conversion by conversion.
#include "core/jinja/format.h"

#include "core/text/unicode.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace awq::jinja {
namespace {

namespace td = awq::text;

// Keeps a formatted field from allocating without bound ("%999999999d"); Python's own limit is
// INT_MAX, far past anything a template prints.
constexpr int kMaxWidth = 1 << 20;

struct Spec {
    bool left = false, plus = false, space = false, alternate = false, zero = false;
    int width = -1;      // -1: none
    int precision = -1;  // -1: none
    char32_t conversion = 0;
};

// `v` through the C library's printf with `format` (one double conversion, e.g. "%+08.3e"). Python's
// float formatting is C's printf flag for flag (CPython hands these to PyOS_snprintf), so printf,
// not {fmt}, is the reference here.
std::string printfDouble(const std::string& format, double v) {
    const int size = std::snprintf(nullptr, 0, format.c_str(), v);
    std::vector<char> buf(static_cast<std::size_t>(size) + 1);
    std::snprintf(buf.data(), buf.size(), format.c_str(), v);
    return std::string(buf.data(), static_cast<std::size_t>(size));
}

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
        if (cp < 0x100) fmt::format_to(std::back_inserter(out), "\\x{:02x}", static_cast<unsigned>(cp));
        else if (cp < 0x10000) fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(cp));
        else fmt::format_to(std::back_inserter(out), "\\U{:08x}", static_cast<unsigned>(cp));
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
    return printfDouble(fmt, d);
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
        // what has __getitem__ (and isn't a tuple or str): dicts, lists, jinja2's Undefined
        if ((args.isObject() && !args.asObject().isNamespace) || (args.isArray() && !args.isTuple()) || args.isUndefined()) mapping_ = &args;
    }

    const Value& next() {
        if (next_ >= length_) throw TemplateError("not enough arguments for format string");
        ++next_;
        return length_ < 0 ? current_ : (*tuple_)[static_cast<std::size_t>(next_ - 1)];
    }

    void selectKey(const std::string& key) {
        if (!mapping_) throw TemplateError("format requires a mapping");
        if (mapping_->isUndefined()) throw TemplateError(mapping_->undefinedMessage());
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
                const std::string code = fmt::format("0x{:x}", static_cast<unsigned>(spec.conversion));
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

// ---- str.format ---------------------------------------------------------------------------------

namespace awq::jinja {
namespace {

struct FormatSpec {
    std::string fill = " ";
    char align = 0;  // '<', '>', '^', '=' or 0 (the type's default)
    char sign = '-';
    bool alternate = false;
    int width = -1;
    char grouping = 0;  // ',' or '_'
    int precision = -1;
    char type = 0;
};

FormatSpec parseFormatSpec(std::string_view spec) {
    FormatSpec f;
    std::size_t i = 0;
    auto isAlign = [](char c) { return c == '<' || c == '>' || c == '^' || c == '='; };
    if (!spec.empty()) {
        const std::size_t first = td::utf8SeqLen(static_cast<unsigned char>(spec[0]));
        if (first < spec.size() && isAlign(spec[first])) {
            f.fill = std::string(spec.substr(0, first));
            f.align = spec[first];
            i = first + 1;
        } else if (isAlign(spec[0])) {
            f.align = spec[0];
            i = 1;
        }
    }
    if (i < spec.size() && (spec[i] == '+' || spec[i] == '-' || spec[i] == ' ')) f.sign = spec[i++];
    if (i < spec.size() && spec[i] == 'z') ++i;
    if (i < spec.size() && spec[i] == '#') f.alternate = true, ++i;
    if (i < spec.size() && spec[i] == '0') {
        if (!f.align) f.fill = "0", f.align = '=';
        ++i;
    }
    auto number = [&]() {
        int n = 0;
        while (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) {
            n = n * 10 + (spec[i++] - '0');
            if (n > kMaxWidth) throw TemplateError("Too many decimal digits in format string");
        }
        return n;
    };
    if (i < spec.size() && std::isdigit(static_cast<unsigned char>(spec[i]))) f.width = number();
    if (i < spec.size() && (spec[i] == ',' || spec[i] == '_')) f.grouping = spec[i++];
    if (i < spec.size() && spec[i] == '.') {
        ++i;
        if (i >= spec.size() || !std::isdigit(static_cast<unsigned char>(spec[i]))) throw TemplateError("Format specifier missing precision");
        f.precision = number();
    }
    if (i < spec.size()) f.type = spec[i++];
    if (i < spec.size()) throw TemplateError("Invalid format specifier '" + std::string(spec) + "'");
    return f;
}

std::string group(const std::string& digits, char separator) {
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += separator;
        out += digits[i];
    }
    return out;
}

// Pads `sign` + `body` to the width: '=' puts the fill between them.
std::string alignField(const std::string& sign, const std::string& body, const FormatSpec& f, char defaultAlign) {
    const char align = f.align ? f.align : defaultAlign;
    const std::size_t length = codePointCount(sign) + codePointCount(body);
    if (f.width < 0 || length >= static_cast<std::size_t>(f.width)) return sign + body;
    const std::size_t pad = static_cast<std::size_t>(f.width) - length;
    auto fill = [&](std::size_t n) {
        std::string out;
        for (std::size_t k = 0; k < n; ++k) out += f.fill;
        return out;
    };
    switch (align) {
        case '<': return sign + body + fill(pad);
        case '^': return fill(pad / 2) + sign + body + fill(pad - pad / 2);
        case '=': return sign + fill(pad) + body;
        default: return fill(pad) + sign + body;
    }
}

[[noreturn]] void unknownCode(char type, const Value& v) {
    throw TemplateError(std::string("Unknown format code '") + type + "' for object of type '" + v.typeName() + "'");
}

std::string formatTextField(const std::string& text, const FormatSpec& f) {
    if (f.sign != '-') throw TemplateError("Sign not allowed in string format specifier");
    if (f.alternate) throw TemplateError("Alternate form (#) not allowed in string format specifier");
    if (f.align == '=') throw TemplateError("'=' alignment not allowed in string format specifier");
    const std::string shown = f.precision >= 0 ? firstCodePoints(text, static_cast<std::size_t>(f.precision)) : text;
    return alignField("", shown, f, '<');
}

std::string fieldSign(bool negative, const FormatSpec& f) { return negative ? "-" : f.sign == '+' ? "+" : f.sign == ' ' ? " " : ""; }

std::string formatIntegerField(std::int64_t n, const FormatSpec& f) {
    const char type = f.type ? f.type : 'd';
    if (type == 'c') {
        std::string text;
        if (n < 0 || n > 0x10FFFF) throw TemplateError("%c arg not in range(0x110000)");
        td::appendUtf8(text, static_cast<char32_t>(n));
        return alignField("", text, f, '<');
    }
    const unsigned base = type == 'x' || type == 'X' ? 16 : type == 'o' ? 8 : type == 'b' ? 2 : 10;
    std::uint64_t magnitude = n < 0 ? 0 - static_cast<std::uint64_t>(n) : static_cast<std::uint64_t>(n);
    const char* symbols = type == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    std::string digits;
    do {
        digits.insert(digits.begin(), symbols[magnitude % base]);
        magnitude /= base;
    } while (magnitude);
    if (f.grouping) digits = group(digits, f.grouping);
    std::string sign = fieldSign(n < 0, f);
    if (f.alternate && base != 10) sign += type == 'x' ? "0x" : type == 'X' ? "0X" : type == 'o' ? "0o" : "0b";
    return alignField(sign, digits, f, '>');
}

std::string formatFloatField(double d, const FormatSpec& f) {
    char type = f.type;
    std::string body;
    if (!std::isfinite(d)) {
        body = std::isnan(d) ? "nan" : "inf";
        if (type == 'E' || type == 'F' || type == 'G')
            for (auto& c : body) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        if (type == '%') body += "%";
    } else if (!type && f.precision < 0) {
        body = formatFloat(std::fabs(d));  // str(float)
    } else {
        const double shown = type == '%' ? std::fabs(d) * 100.0 : std::fabs(d);
        const char conv = !type ? 'g' : type == '%' ? 'f' : type == 'n' ? 'g' : type;
        const int precision = f.precision >= 0 ? f.precision : 6;
        const std::string fmt = std::string("%") + (f.alternate ? "#" : "") + "." + std::to_string(!type && precision == 0 ? 1 : precision) + conv;
        body = printfDouble(fmt, shown);
        // no type: like 'g', but a fixed-point result keeps one digit after the point
        if (!type && body.find_first_of(".e") == std::string::npos) body += ".0";
        if (type == '%') body += "%";
    }
    if (f.grouping && std::isfinite(d)) {
        const std::size_t end = body.find_first_of(".eE%");
        const std::string integer = body.substr(0, end);
        if (std::all_of(integer.begin(), integer.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
            body = group(integer, f.grouping) + (end == std::string::npos ? "" : body.substr(end));
    }
    return alignField(fieldSign(std::signbit(d) && !std::isnan(d), f), body, f, '>');
}

// format(value, spec) for the value kinds templates hold.
std::string formatField(const Value& v, std::string_view specText) {
    if (specText.empty()) return v.str();
    const FormatSpec f = parseFormatSpec(specText);
    if (v.isString()) {
        if (f.type && f.type != 's') unknownCode(f.type, v);
        return formatTextField(v.asString(), f);
    }
    if (v.isInt() || v.isBool()) {
        if (f.type == 's') unknownCode(f.type, v);
        if (std::strchr("eEfFgG%", f.type) && f.type) return formatFloatField(v.asDouble(), f);
        if (f.type && !std::strchr("dnboxXc", f.type)) unknownCode(f.type, v);
        return formatIntegerField(v.asInt(), f);
    }
    if (v.isFloat()) {
        if (f.type && !std::strchr("eEfFgGn%", f.type)) unknownCode(f.type, v);
        return formatFloatField(v.asDouble(), f);
    }
    throw TemplateError("unsupported format string passed to " + v.typeName() + ".__format__");
}

class BraceFormatter {
public:
    BraceFormatter(const CallArgs& args, const FieldLookup& lookup) : args_(args), lookup_(lookup) {}

    std::string run(std::string_view f, int depth = 0) {
        if (depth > 2) throw TemplateError("Max string recursion exceeded");
        std::string out;
        for (std::size_t i = 0; i < f.size();) {
            const char c = f[i];
            if (c == '}') {
                if (i + 1 < f.size() && f[i + 1] == '}') {
                    out += '}';
                    i += 2;
                    continue;
                }
                throw TemplateError("Single '}' encountered in format string");
            }
            if (c != '{') {
                out += c;
                ++i;
                continue;
            }
            if (i + 1 < f.size() && f[i + 1] == '{') {
                out += '{';
                i += 2;
                continue;
            }
            // the field runs to the matching '}' (a spec may hold nested fields)
            std::size_t end = i + 1;
            for (int level = 1; end < f.size(); ++end) {
                if (f[end] == '{') ++level;
                else if (f[end] == '}' && --level == 0) break;
            }
            if (end >= f.size()) throw TemplateError(i + 1 >= f.size() ? "Single '{' encountered in format string" : "expected '}' before end of string");
            out += field(f.substr(i + 1, end - i - 1), depth);
            i = end + 1;
        }
        return out;
    }

private:
    std::string field(std::string_view text, int depth) {
        std::size_t nameEnd = 0;
        while (nameEnd < text.size() && text[nameEnd] != '!' && text[nameEnd] != ':') {
            if (text[nameEnd] == '[') nameEnd = text.find(']', nameEnd);
            if (nameEnd == std::string_view::npos) throw TemplateError("Missing ']' in format string");
            ++nameEnd;
        }
        Value v = resolve(text.substr(0, nameEnd));
        std::size_t i = nameEnd;
        if (i < text.size() && text[i] == '!') {
            if (i + 1 >= text.size()) throw TemplateError("end of string while looking for conversion specifier");
            const char conversion = text[i + 1];
            if (conversion == 's') v = Value(v.str());
            else if (conversion == 'r') v = Value(v.repr());
            else if (conversion == 'a') v = Value(asciiRepr(v));
            else throw TemplateError(std::string("Unknown conversion specifier ") + conversion);
            i += 2;
            if (i < text.size() && text[i] != ':') throw TemplateError("expected ':' after conversion specifier");
        }
        std::string spec;
        if (i < text.size()) spec = run(text.substr(i + 1), depth + 1);
        return formatField(v, spec);
    }

    // "0", "name", "" (the next automatic index), then .attr / [key] parts.
    Value resolve(std::string_view name) {
        std::size_t end = 0;
        while (end < name.size() && name[end] != '.' && name[end] != '[') ++end;
        const std::string first(name.substr(0, end));
        Value v;
        if (first.empty() || std::all_of(first.begin(), first.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
            std::size_t index = 0;
            if (first.empty()) {
                if (manual_) throw TemplateError("cannot switch from manual field specification to automatic field numbering");
                automatic_ = true;
                index = next_++;
            } else {
                if (automatic_) throw TemplateError("cannot switch from automatic field numbering to manual field specification");
                manual_ = true;
                index = std::stoul(first);
            }
            if (index >= args_.positional.size()) throw TemplateError("tuple index out of range");  // jinja2's formatter indexes args
            v = args_.positional[index];
        } else {
            const Value* kw = nullptr;
            for (const auto& [k, x] : args_.keyword)
                if (k == first) kw = &x;
            if (!kw) throw TemplateError("KeyError: '" + first + "'");
            v = *kw;
        }
        for (std::size_t i = end; i < name.size();) {
            if (name[i] == '.') {
                std::size_t stop = i + 1;
                while (stop < name.size() && name[stop] != '.' && name[stop] != '[') ++stop;
                v = lookup_(v, Value(std::string(name.substr(i + 1, stop - i - 1))), true);
                i = stop;
            } else {
                const std::size_t close = name.find(']', i);
                const std::string key(name.substr(i + 1, close - i - 1));
                const bool numeric = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
                v = lookup_(v, numeric ? Value(static_cast<std::int64_t>(std::stoll(key))) : Value(key), false);
                i = close + 1;
            }
        }
        return v;  // an undefined part prints as "" (jinja2's formatter looks parts up as templates do)
    }

    const CallArgs& args_;
    const FieldLookup& lookup_;
    std::size_t next_ = 0;
    bool automatic_ = false, manual_ = false;
};

}  // namespace

std::string braceFormat(std::string_view format, const CallArgs& args, const FieldLookup& lookup) {
    return BraceFormatter(args, lookup).run(format);
}

}  // namespace awq::jinja
