#include "core/tokenizer/detail/pipeline.h"

#include <nlohmann/json.hpp>

namespace awq::tokenizer::detail {

Pattern Pattern::fromJson(const Json& j, const char* where) {
    Pattern p;
    if (j.is_object() && j.contains("String") && j["String"].is_string()) {
        p.literal_ = j["String"].get<std::string>();
        return p;
    }
    if (j.is_object() && j.contains("Regex") && j["Regex"].is_string()) {
        try {
            p.regex_.emplace(j["Regex"].get<std::string>());
        } catch (const std::invalid_argument& e) {
            throw ConfigError(std::string(where) + ": " + e.what());
        }
        return p;
    }
    throw ConfigError(std::string(where) + ": \"pattern\" must be {\"String\": ...} or {\"Regex\": ...}");
}

void Pattern::findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) const {
    if (regex_) {
        regex_->findAll(text, out);
        return;
    }
    if (literal_.empty()) return;
    for (std::size_t pos = text.find(literal_); pos != std::string_view::npos; pos = text.find(literal_, pos)) {
        out.emplace_back(pos, pos + literal_.size());
        pos += literal_.size();
    }
}

std::string Pattern::replaceAll(std::string_view text, std::string_view replacement) const {
    if (regex_) return regex_->replaceAll(text, replacement);
    if (literal_.empty()) return std::string(text);
    std::string out;
    out.reserve(text.size());
    std::size_t prev = 0;
    for (std::size_t pos = text.find(literal_); pos != std::string_view::npos; pos = text.find(literal_, pos)) {
        out.append(text.substr(prev, pos - prev));
        out.append(replacement);
        pos += literal_.size();
        prev = pos;
    }
    out.append(text.substr(prev));
    return out;
}

namespace {
struct ByteTables {
    std::array<std::string, 256> toChar;
    std::array<int, 512> fromChar{};  // every mapped code point is < 324
    ByteTables() {
        fromChar.fill(-1);
        int extra = 0;
        for (int b = 0; b < 256; ++b) {
            const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
            const char32_t cp = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + extra++);
            std::string s;
            if (cp < 0x80) {
                s.push_back(static_cast<char>(cp));
            } else {
                s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
                s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            toChar[b] = s;
            fromChar[cp] = b;
        }
    }
};
const ByteTables& tables() {
    static const ByteTables t;
    return t;
}
}  // namespace

const std::array<std::string, 256>& byteToUnicode() { return tables().toChar; }

int unicodeToByte(char32_t c) { return c < 512 ? tables().fromChar[c] : -1; }

}  // namespace awq::tokenizer::detail
