// Normalizers of tokenizer.json ("normalizer"), applied to each piece of input text that is not
// an added token, before pre-tokenization.
#include "core/tokenizer/detail/pipeline.h"
#include "core/text/unicode.h"

#include <nlohmann/json.hpp>

namespace awq::tokenizer::detail {
namespace {

class SequenceNormalizer final : public Normalizer {
public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> parts) : parts_(std::move(parts)) {}
    std::string apply(std::string text) const override {
        for (const auto& p : parts_) text = p->apply(std::move(text));
        return text;
    }

private:
    std::vector<std::unique_ptr<Normalizer>> parts_;
};

class UnicodeNormalizer final : public Normalizer {
public:
    explicit UnicodeNormalizer(NormalForm f) : form_(f) {}
    std::string apply(std::string text) const override { return normalize(text, form_); }

private:
    NormalForm form_;
};

class LowercaseNormalizer final : public Normalizer {
public:
    std::string apply(std::string text) const override { return lowercase(text); }
};

class StripAccentsNormalizer final : public Normalizer {
public:
    std::string apply(std::string text) const override { return stripMarks(text); }
};

class PrependNormalizer final : public Normalizer {
public:
    PrependNormalizer(std::string s, bool append) : s_(std::move(s)), append_(append) {}
    std::string apply(std::string text) const override {
        if (text.empty()) return text;  // as in tokenizers: nothing is added to an empty piece
        return append_ ? text + s_ : s_ + text;
    }

private:
    std::string s_;
    bool append_;
};

class ReplaceNormalizer final : public Normalizer {
public:
    ReplaceNormalizer(Pattern p, std::string content) : pattern_(std::move(p)), content_(std::move(content)) {}
    std::string apply(std::string text) const override { return pattern_.replaceAll(text, content_); }

private:
    Pattern pattern_;
    std::string content_;
};

class StripNormalizer final : public Normalizer {
public:
    StripNormalizer(bool left, bool right) : left_(left), right_(right) {}
    std::string apply(std::string text) const override {
        std::size_t begin = 0, end = text.size();
        if (left_) {
            while (begin < end) {
                std::size_t i = begin;
                if (!isUnicodeWhitespace(nextCodePoint(text, i))) break;
                begin = i;
            }
        }
        if (right_) {
            while (end > begin) {
                std::size_t start = end - 1;
                while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
                std::size_t i = start;
                if (!isUnicodeWhitespace(nextCodePoint(text, i))) break;
                end = start;
            }
        }
        return text.substr(begin, end - begin);
    }

private:
    bool left_, right_;
};

class ByteLevelNormalizer final : public Normalizer {
public:
    std::string apply(std::string text) const override {
        const auto& table = byteToUnicode();
        std::string out;
        out.reserve(text.size() * 2);
        for (unsigned char b : text) out += table[b];
        return out;
    }
};

bool boolOr(const Json& j, const char* key, bool fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string stringField(const Json& j, const char* key, const char* type) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string())
        throw ConfigError(std::string("normalizer ") + type + ": missing string field \"" + key + "\"");
    return it->get<std::string>();
}

}  // namespace

std::unique_ptr<Normalizer> makeNormalizer(const Json& j) {
    if (j.is_null()) return nullptr;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        throw ConfigError("normalizer: expected an object with a \"type\"");
    const std::string type = j["type"].get<std::string>();
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> parts;
        auto it = j.find("normalizers");
        if (it == j.end() || !it->is_array()) throw ConfigError("normalizer Sequence: missing \"normalizers\" list");
        for (const auto& n : *it)
            if (auto p = makeNormalizer(n)) parts.push_back(std::move(p));
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    if (type == "NFC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFC);
    if (type == "NFD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFD);
    if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKC);
    if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(NormalForm::NFKD);
    if (type == "Lowercase") return std::make_unique<LowercaseNormalizer>();
    if (type == "StripAccents") return std::make_unique<StripAccentsNormalizer>();
    if (type == "Prepend") return std::make_unique<PrependNormalizer>(stringField(j, "prepend", "Prepend"), false);
    if (type == "Append") return std::make_unique<PrependNormalizer>(stringField(j, "append", "Append"), true);
    if (type == "Replace") {
        if (!j.contains("pattern")) throw ConfigError("normalizer Replace: missing \"pattern\"");
        return std::make_unique<ReplaceNormalizer>(Pattern::fromJson(j["pattern"], "normalizer Replace"),
                                                   stringField(j, "content", "Replace"));
    }
    if (type == "Strip") return std::make_unique<StripNormalizer>(boolOr(j, "strip_left", true), boolOr(j, "strip_right", true));
    if (type == "ByteLevel") return std::make_unique<ByteLevelNormalizer>();
    if (type == "BertNormalizer") {
        // clean_text / chinese-character spacing are not implemented; the common lowercase +
        // strip_accents part is. Refuse configurations we would get wrong.
        if (boolOr(j, "clean_text", true) || boolOr(j, "handle_chinese_chars", true))
            throw ConfigError("normalizer BertNormalizer with clean_text or handle_chinese_chars is not supported");
        std::vector<std::unique_ptr<Normalizer>> parts;
        const bool lower = boolOr(j, "lowercase", true);
        const bool strip = j.contains("strip_accents") && j["strip_accents"].is_boolean() ? j["strip_accents"].get<bool>() : lower;
        if (strip) {
            parts.push_back(std::make_unique<UnicodeNormalizer>(NormalForm::NFD));
            parts.push_back(std::make_unique<StripAccentsNormalizer>());
        }
        if (lower) parts.push_back(std::make_unique<LowercaseNormalizer>());
        return std::make_unique<SequenceNormalizer>(std::move(parts));
    }
    throw ConfigError("normalizer type \"" + type + "\" is not supported");
}

}  // namespace awq::tokenizer::detail
