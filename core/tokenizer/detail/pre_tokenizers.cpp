// Pre-tokenizers of tokenizer.json ("pre_tokenizer"): split normalized text into words, the units
// the BPE model works on, with the exact split semantics of Hugging Face tokenizers.
#include "core/tokenizer/detail/pipeline.h"
#include "core/text/unicode.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace awq::tokenizer::detail {
namespace {

enum class Behavior { Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous };

Behavior parseBehavior(const Json& j, const char* where) {
    auto it = j.find("behavior");
    if (it == j.end() || !it->is_string()) throw ConfigError(std::string(where) + ": missing \"behavior\"");
    const std::string b = it->get<std::string>();
    if (b == "Removed") return Behavior::Removed;
    if (b == "Isolated") return Behavior::Isolated;
    if (b == "MergedWithPrevious") return Behavior::MergedWithPrevious;
    if (b == "MergedWithNext") return Behavior::MergedWithNext;
    if (b == "Contiguous") return Behavior::Contiguous;
    throw ConfigError(std::string(where) + ": unknown behavior \"" + b + "\"");
}

struct Span {
    std::size_t begin, end;
    bool flag;  // in: is a match; out: remove
};

// NormalizedString::split: `matches` are the pattern's matches inside a piece of `length` bytes.
void splitByMatches(Piece& piece, const std::vector<std::pair<std::size_t, std::size_t>>& matches, bool invert,
                    Behavior behavior, std::vector<Piece>& out) {
    const std::size_t length = piece.text.size();
    std::vector<Span> spans;
    spans.reserve(matches.size() * 2 + 1);
    std::size_t prev = 0;
    for (auto [s, e] : matches) {
        if (prev != s) spans.push_back({prev, s, invert});
        spans.push_back({s, e, !invert});
        prev = e;
    }
    if (prev != length) spans.push_back({prev, length, invert});

    std::vector<Span> result;
    result.reserve(spans.size());
    switch (behavior) {
        case Behavior::Isolated:
            for (auto s : spans) result.push_back({s.begin, s.end, false});
            break;
        case Behavior::Removed:
            result = spans;
            break;
        case Behavior::Contiguous: {
            bool previousMatch = false;
            for (auto s : spans) {
                if (s.flag == previousMatch && !result.empty()) {
                    result.back().end = s.end;
                } else {
                    result.push_back({s.begin, s.end, false});
                }
                previousMatch = s.flag;
            }
            break;
        }
        case Behavior::MergedWithPrevious: {
            bool previousMatch = false;
            for (auto s : spans) {
                if (s.flag && !previousMatch && !result.empty()) {
                    result.back().end = s.end;
                } else {
                    result.push_back({s.begin, s.end, false});
                }
                previousMatch = s.flag;
            }
            break;
        }
        case Behavior::MergedWithNext: {
            bool previousMatch = false;
            for (auto it = spans.rbegin(); it != spans.rend(); ++it) {
                if (it->flag && !previousMatch && !result.empty()) {
                    result.back().begin = it->begin;
                } else {
                    result.push_back({it->begin, it->end, false});
                }
                previousMatch = it->flag;
            }
            std::reverse(result.begin(), result.end());
            break;
        }
    }
    for (const auto& s : result) {
        if (s.flag || s.begin >= s.end) continue;
        Piece p;
        p.text = piece.text.substr(s.begin, s.end - s.begin);
        p.atStart = piece.atStart && s.begin == 0;
        out.push_back(std::move(p));
    }
}

class SplitPreTokenizer final : public PreTokenizer {
public:
    SplitPreTokenizer(Pattern p, Behavior b, bool invert) : pattern_(std::move(p)), behavior_(b), invert_(invert) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<std::pair<std::size_t, std::size_t>> matches;
        splitPieces(pieces, [&](Piece& piece, std::vector<Piece>& out) {
            matches.clear();
            pattern_.findAll(piece.text, matches);
            splitByMatches(piece, matches, invert_, behavior_, out);
        });
    }

private:
    Pattern pattern_;
    Behavior behavior_;
    bool invert_;
};

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
public:
    ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex) : addPrefixSpace_(addPrefixSpace) {
        if (useRegex) regex_.emplace(kGpt2Pattern);
    }
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<std::pair<std::size_t, std::size_t>> matches;
        splitPieces(pieces, [&](Piece& piece, std::vector<Piece>& out) {
            if (addPrefixSpace_ && (piece.text.empty() || piece.text[0] != ' ')) piece.text.insert(0, " ");
            if (regex_) {
                matches.clear();
                regex_->findAll(piece.text, matches);
                splitByMatches(piece, matches, false, Behavior::Isolated, out);
            } else if (!piece.text.empty()) {
                out.push_back(std::move(piece));
            }
        });
        const auto& table = byteToUnicode();
        for (auto& p : pieces) {
            if (p.tokenId >= 0) continue;
            std::string mapped;
            mapped.reserve(p.text.size() * 2);
            for (unsigned char b : p.text) mapped += table[b];
            p.text = std::move(mapped);
        }
    }

private:
    bool addPrefixSpace_;
    std::optional<Regex> regex_;
};

class MetaspacePreTokenizer final : public PreTokenizer {
public:
    MetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split)
        : replacement_(std::move(replacement)), scheme_(scheme), split_(split) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<std::pair<std::size_t, std::size_t>> matches;
        splitPieces(pieces, [&](Piece& piece, std::vector<Piece>& out) {
            std::string text;
            text.reserve(piece.text.size() + replacement_.size());
            for (char c : piece.text) {
                if (c == ' ') text += replacement_;
                else text.push_back(c);
            }
            const bool startsWithReplacement = text.compare(0, replacement_.size(), replacement_) == 0;
            if (!startsWithReplacement && (scheme_ == PrependScheme::Always || (scheme_ == PrependScheme::First && piece.atStart)))
                text.insert(0, replacement_);
            piece.text = std::move(text);
            if (!split_) {
                if (!piece.text.empty()) out.push_back(std::move(piece));
                return;
            }
            matches.clear();
            for (std::size_t pos = piece.text.find(replacement_); pos != std::string::npos;
                 pos = piece.text.find(replacement_, pos + replacement_.size()))
                matches.emplace_back(pos, pos + replacement_.size());
            splitByMatches(piece, matches, false, Behavior::MergedWithNext, out);
        });
    }

private:
    std::string replacement_;
    PrependScheme scheme_;
    bool split_;
};

class SequencePreTokenizer final : public PreTokenizer {
public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> parts) : parts_(std::move(parts)) {}
    void apply(std::vector<Piece>& pieces) const override {
        for (const auto& p : parts_) p->apply(pieces);
    }

private:
    std::vector<std::unique_ptr<PreTokenizer>> parts_;
};

// Whitespace, WhitespaceSplit, Digits, Punctuation: a fixed pattern and behavior.
class FixedPreTokenizer final : public PreTokenizer {
public:
    FixedPreTokenizer(const char* pattern, Behavior b, bool invert) : regex_(pattern), behavior_(b), invert_(invert) {}
    void apply(std::vector<Piece>& pieces) const override {
        std::vector<std::pair<std::size_t, std::size_t>> matches;
        splitPieces(pieces, [&](Piece& piece, std::vector<Piece>& out) {
            matches.clear();
            regex_.findAll(piece.text, matches);
            splitByMatches(piece, matches, invert_, behavior_, out);
        });
    }

private:
    Regex regex_;
    Behavior behavior_;
    bool invert_;
};

bool boolOr(const Json& j, const char* key, bool fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

}  // namespace

std::unique_ptr<PreTokenizer> makeMetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split) {
    return std::make_unique<MetaspacePreTokenizer>(std::move(replacement), scheme, split);
}

std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& j) {
    if (j.is_null()) return nullptr;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        throw ConfigError("pre_tokenizer: expected an object with a \"type\"");
    const std::string type = j["type"].get<std::string>();
    if (type == "Sequence") {
        auto it = j.find("pretokenizers");
        if (it == j.end() || !it->is_array()) throw ConfigError("pre_tokenizer Sequence: missing \"pretokenizers\" list");
        std::vector<std::unique_ptr<PreTokenizer>> parts;
        for (const auto& p : *it)
            if (auto pt = makePreTokenizer(p)) parts.push_back(std::move(pt));
        return std::make_unique<SequencePreTokenizer>(std::move(parts));
    }
    if (type == "Split") {
        if (!j.contains("pattern")) throw ConfigError("pre_tokenizer Split: missing \"pattern\"");
        return std::make_unique<SplitPreTokenizer>(Pattern::fromJson(j["pattern"], "pre_tokenizer Split"),
                                                   parseBehavior(j, "pre_tokenizer Split"), boolOr(j, "invert", false));
    }
    if (type == "ByteLevel") return std::make_unique<ByteLevelPreTokenizer>(boolOr(j, "add_prefix_space", true), boolOr(j, "use_regex", true));
    if (type == "Metaspace") {
        std::string replacement = "\xE2\x96\x81";
        if (auto it = j.find("replacement"); it != j.end() && it->is_string()) replacement = it->get<std::string>();
        PrependScheme scheme = PrependScheme::Always;
        if (auto it = j.find("prepend_scheme"); it != j.end() && it->is_string()) {
            const std::string s = it->get<std::string>();
            if (s == "always") scheme = PrependScheme::Always;
            else if (s == "first") scheme = PrependScheme::First;
            else if (s == "never") scheme = PrependScheme::Never;
            else throw ConfigError("pre_tokenizer Metaspace: unknown prepend_scheme \"" + s + "\"");
        } else if (!boolOr(j, "add_prefix_space", true)) {
            scheme = PrependScheme::Never;
        }
        return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, boolOr(j, "split", true));
    }
    if (type == "Whitespace") return std::make_unique<FixedPreTokenizer>(R"(\w+|[^\w\s]+)", Behavior::Removed, true);
    if (type == "WhitespaceSplit") return std::make_unique<FixedPreTokenizer>(R"(\s+)", Behavior::Removed, false);
    if (type == "Digits") {
        return boolOr(j, "individual_digits", false)
                   ? std::make_unique<FixedPreTokenizer>(R"(\p{N})", Behavior::Isolated, false)
                   : std::make_unique<FixedPreTokenizer>(R"(\p{N})", Behavior::Contiguous, false);
    }
    if (type == "Punctuation") {
        Behavior b = j.contains("behavior") ? parseBehavior(j, "pre_tokenizer Punctuation") : Behavior::Isolated;
        return std::make_unique<FixedPreTokenizer>(R"([\p{P}\x{21}-\x{2F}\x{3A}-\x{40}\x{5B}-\x{60}\x{7B}-\x{7E}])", b, false);
    }
    throw ConfigError("pre_tokenizer type \"" + type + "\" is not supported");
}

}  // namespace awq::tokenizer::detail
