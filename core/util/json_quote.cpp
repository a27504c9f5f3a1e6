#include "core/util/json_quote.h"

#include <fmt/format.h>

namespace awq {

void appendJsonQuoted(std::string_view text, std::string& out) {
    out += '"';
    for (unsigned char c : text) {
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            default:
                if (c < 0x20) {
                    fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

std::string jsonQuoted(std::string_view text) {
    std::string out;
    appendJsonQuoted(text, out);
    return out;
}

}  // namespace awq
