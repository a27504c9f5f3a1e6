// pprint.PrettyPrinter(width=80, indent=1, sort_dicts=True).pformat, after CPython's pprint.py:
// a value whose repr fits stays on one line; a list, tuple or dict that doesn't puts one item per
// line, and a long string is cut at word boundaries into implicitly joined pieces.
#include "core/jinja/pprint.h"

#include "core/jinja/text_filters.h"
#include "core/text/unicode.h"

#include <algorithm>

namespace awq::jinja {

namespace {

constexpr std::size_t kWidth = 80;

std::size_t length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

bool isDict(const Value& v) { return v.isObject() && !v.asObject().isNamespace; }

// The dict's items in pprint's order: by key, keys Python can't compare ordered by type name.
std::vector<std::pair<Value, Value>> sortedItems(const Object& o) {
    auto items = o.items;
    std::stable_sort(items.begin(), items.end(), [](const auto& x, const auto& y) {
        if (const auto c = compareValues(x.first, y.first)) return *c < 0;
        return x.first.typeName() < y.first.typeName();
    });
    return items;
}

// repr() with every dict's keys sorted, as pprint's _safe_repr writes it.
std::string sortedRepr(const Value& v) {
    // groupby's _GroupTuple defines its own __repr__, which pprint leaves to it: plain repr()
    if ((!isDict(v) && !v.isArray()) || v.isGroupTuple()) return v.repr();
    const NestingGuard guard;
    if (isDict(v)) {
        std::string out = "{";
        bool first = true;
        for (const auto& [k, x] : sortedItems(v.asObject())) {
            out += (first ? "" : ", ") + sortedRepr(k) + ": " + sortedRepr(x);
            first = false;
        }
        return out + "}";
    }
    if (v.isArray()) {
        std::string out = v.isTuple() ? "(" : "[";
        for (std::size_t i = 0; i < v.asArray().size(); ++i) out += (i ? ", " : "") + sortedRepr(v.asArray()[i]);
        if (v.isTuple() && v.asArray().size() == 1) out += ",";
        return out + (v.isTuple() ? ")" : "]");
    }
    return v.repr();
}

class Printer {
public:
    explicit Printer(std::size_t maxBytes) : maxBytes_(maxBytes) {}
    std::string out;

    void format(const Value& v, std::size_t indent, std::size_t allowance, int level) {
        const NestingGuard guard;
        const std::string rep = sortedRepr(v);
        const std::size_t used = indent + allowance;
        if (length(rep) > (kWidth > used ? kWidth - used : 0) && !v.isGroupTuple()) {
            if (isDict(v)) return dict(v.asObject(), indent, allowance, level + 1);
            if (v.isArray() && v.isTuple()) return tuple(v.asArray(), indent, allowance, level + 1);
            if (v.isArray()) return list(v.asArray(), indent, allowance, level + 1);
            if (v.isString() && !v.asString().empty()) return str(v.asString(), indent, allowance, level + 1);
        }
        out += rep;
        if (out.size() > maxBytes_) throw TemplateError("string too long");
    }

private:
    std::size_t maxBytes_;

    void newline(std::size_t indent) {
        out += ",\n" + std::string(indent, ' ');
        if (out.size() > maxBytes_) throw TemplateError("string too long");
    }

    void dict(const Object& o, std::size_t indent, std::size_t allowance, int level) {
        out += "{";
        const auto items = sortedItems(o);
        indent += 1;
        for (std::size_t i = 0; i < items.size(); ++i) {
            const bool last = i + 1 == items.size();
            const std::string key = sortedRepr(items[i].first);
            out += key + ": ";
            format(items[i].second, indent + length(key) + 2, last ? allowance + 1 : 1, level);
            if (!last) newline(indent);
        }
        out += "}";
    }

    void list(const Array& items, std::size_t indent, std::size_t allowance, int level) {
        out += "[";
        formatItems(items, indent, allowance + 1, level);
        out += "]";
    }

    void tuple(const Array& items, std::size_t indent, std::size_t allowance, int level) {
        const std::string end = items.size() == 1 ? ",)" : ")";
        out += "(";
        formatItems(items, indent, allowance + end.size(), level);
        out += end;
    }

    void formatItems(const Array& items, std::size_t indent, std::size_t allowance, int level) {
        indent += 1;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) newline(indent);
            format(items[i], indent, i + 1 == items.size() ? allowance : 1, level);
        }
    }

    // _pprint_str: each line (and a line too long, each run of words) as its own repr.
    void str(const std::string& s, std::size_t indent, std::size_t allowance, int level) {
        std::vector<std::string> lines;  // splitlines(keepends=True) on \n and \r\n, enough for templates
        for (std::size_t start = 0; start < s.size();) {
            std::size_t nl = s.find('\n', start);
            nl = nl == std::string::npos ? s.size() : nl + 1;
            lines.push_back(s.substr(start, nl - start));
            start = nl;
        }
        if (level == 1) {
            indent += 1;
            allowance += 1;
        }
        const std::size_t maxWidth = kWidth > indent ? kWidth - indent : 0;
        std::size_t maxWidth1 = maxWidth;
        auto repr = [](const std::string& x) { return Value(x).repr(); };
        std::vector<std::string> chunks;
        std::string lastRep;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            const std::string rep = repr(lines[i]);
            lastRep = rep;
            const bool lastLine = i + 1 == lines.size();
            if (lastLine) maxWidth1 = maxWidth1 > allowance ? maxWidth1 - allowance : 0;
            if (length(rep) <= maxWidth1) {
                chunks.push_back(rep);
                continue;
            }
            // re.findall(r'\S*\s*', line) without its empty last match
            std::vector<std::string> parts;
            const auto cps = codePoints(lines[i]);
            auto space = [](const std::string& cp) {
                std::size_t k = 0;
                const char32_t c = text::nextCodePoint(cp, k);
                return text::isUnicodeWhitespace(c) || (c >= 0x1C && c <= 0x1F);
            };
            for (std::size_t k = 0; k < cps.size();) {
                std::string part;
                while (k < cps.size() && !space(cps[k])) part += cps[k++];
                while (k < cps.size() && space(cps[k])) part += cps[k++];
                parts.push_back(std::move(part));
            }
            std::size_t maxWidth2 = maxWidth;
            std::string current;
            for (std::size_t j = 0; j < parts.size(); ++j) {
                const std::string candidate = current + parts[j];
                if (j + 1 == parts.size() && lastLine) maxWidth2 = maxWidth2 > allowance ? maxWidth2 - allowance : 0;
                if (length(repr(candidate)) > maxWidth2) {
                    if (!current.empty()) chunks.push_back(repr(current));
                    current = parts[j];
                } else {
                    current = candidate;
                }
            }
            if (!current.empty()) chunks.push_back(repr(current));
        }
        if (chunks.size() == 1) {
            out += lastRep;
            return;
        }
        if (level == 1) out += "(";
        for (std::size_t i = 0; i < chunks.size(); ++i) out += (i ? "\n" + std::string(indent, ' ') : "") + chunks[i];
        if (level == 1) out += ")";
    }
};

}  // namespace

std::string prettyFormat(const Value& value, std::size_t maxBytes) {
    Printer p(maxBytes);
    p.format(value, 0, 0, 0);
    return p.out;
}

}  // namespace awq::jinja
