// Decoders of tokenizer.json ("decoder"): turn token strings back into text. Each works on the
// whole token list (decode_chain); the final text is the concatenation of what the chain returns.
#include "core/tokenizer/detail/pipeline.h"
#include "core/text/unicode.h"

#include <nlohmann/json.hpp>

namespace awq::tokenizer::detail {
namespace {

class SequenceDecoder final : public Decoder {
public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> parts) : parts_(std::move(parts)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (const auto& d : parts_) d->decodeChain(tokens);
    }

private:
    std::vector<std::unique_ptr<Decoder>> parts_;
};

// Maps every character of a token back to its byte; a token with a character outside the table
// keeps its own UTF-8 bytes. The bytes of all tokens are joined and read as lossy UTF-8.
class ByteLevelDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const auto& t : tokens) {
            const std::size_t mark = bytes.size();
            bool ok = true;
            for (std::size_t i = 0; i < t.size();) {
                const int b = unicodeToByte(nextCodePoint(t, i));
                if (b < 0) {
                    ok = false;
                    break;
                }
                bytes.push_back(static_cast<char>(b));
            }
            if (!ok) {
                bytes.resize(mark);
                bytes += t;
            }
        }
        tokens.assign(1, utf8Lossy(bytes));
    }
};

class ReplaceDecoder final : public Decoder {
public:
    ReplaceDecoder(Pattern p, std::string content) : pattern_(std::move(p)), content_(std::move(content)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (auto& t : tokens) t = pattern_.replaceAll(t, content_);
    }

private:
    Pattern pattern_;
    std::string content_;
};

// "<0xAB>" tokens become bytes; each run of them becomes its UTF-8 text, or one U+FFFD per byte
// when the run is not valid UTF-8.
class ByteFallbackDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        out.reserve(tokens.size());
        std::string run;
        auto flush = [&] {
            if (run.empty()) return;
            if (isValidUtf8(run)) {
                out.push_back(run);
            } else {
                for (std::size_t i = 0; i < run.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
            }
            run.clear();
        };
        for (auto& t : tokens) {
            int byte = -1;
            if (t.size() == 6 && t.compare(0, 3, "<0x") == 0 && t[5] == '>') byte = parseHex(t[3], t[4]);
            if (byte >= 0) {
                run.push_back(static_cast<char>(byte));
            } else {
                flush();
                out.push_back(std::move(t));
            }
        }
        flush();
        tokens = std::move(out);
    }

private:
    static int hexDigit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    static int parseHex(char a, char b) {
        const int hi = hexDigit(a), lo = hexDigit(b);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }
};

class FuseDecoder final : public Decoder {
public:
    void decodeChain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

// Removes up to `start` leading and `stop` trailing copies of a character from every token.
class StripDecoder final : public Decoder {
public:
    StripDecoder(std::string content, std::size_t start, std::size_t stop)
        : content_(std::move(content)), start_(start), stop_(stop) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        if (content_.empty()) return;
        for (auto& t : tokens) {
            std::size_t begin = 0, end = t.size();
            for (std::size_t k = 0; k < start_ && t.compare(begin, content_.size(), content_) == 0 && begin < end; ++k)
                begin += content_.size();
            for (std::size_t k = 0; k < stop_ && end >= begin + content_.size() &&
                                    t.compare(end - content_.size(), content_.size(), content_) == 0;
                 ++k)
                end -= content_.size();
            t = t.substr(begin, end - begin);
        }
    }

private:
    std::string content_;
    std::size_t start_, stop_;
};

class MetaspaceDecoder final : public Decoder {
public:
    MetaspaceDecoder(std::string replacement, bool stripFirst) : replacement_(std::move(replacement)), stripFirst_(stripFirst) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string out;
            const std::string& t = tokens[i];
            for (std::size_t pos = 0; pos < t.size();) {
                if (t.compare(pos, replacement_.size(), replacement_) == 0) {
                    if (!(i == 0 && stripFirst_)) out.push_back(' ');
                    pos += replacement_.size();
                } else {
                    out.push_back(t[pos++]);
                }
            }
            tokens[i] = std::move(out);
        }
    }

private:
    std::string replacement_;
    bool stripFirst_;
};

class BpeSuffixDecoder final : public Decoder {
public:
    explicit BpeSuffixDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        if (suffix_.empty()) return;
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            const std::string with = i + 1 == tokens.size() ? "" : " ";
            tokens[i] = Pattern::fromJson(Json{{"String", suffix_}}, "decoder BPEDecoder").replaceAll(tokens[i], with);
        }
    }

private:
    std::string suffix_;
};

class WordPieceDecoder final : public Decoder {
public:
    WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
    void decodeChain(std::vector<std::string>& tokens) const override {
        for (std::size_t i = 0; i < tokens.size(); ++i) {
            std::string& t = tokens[i];
            if (i != 0) {
                if (t.compare(0, prefix_.size(), prefix_) == 0) t.erase(0, prefix_.size());
                else t = " " + t;
            }
            if (cleanup_) t = cleanupTokenization(t);
        }
    }
    static std::string cleanupTokenization(std::string s) {
        static const std::pair<const char*, const char*> rules[] = {
            {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
            {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
        for (auto [from, to] : rules) {
            const std::string f(from), t(to);
            std::string out;
            std::size_t prev = 0;
            for (std::size_t pos = s.find(f); pos != std::string::npos; pos = s.find(f, pos)) {
                out.append(s, prev, pos - prev);
                out += t;
                pos += f.size();
                prev = pos;
            }
            out.append(s, prev, std::string::npos);
            s = std::move(out);
        }
        return s;
    }

private:
    std::string prefix_;
    bool cleanup_;
};

std::string stringOr(const Json& j, const char* key, const char* fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string(fallback);
}

std::size_t sizeOr(const Json& j, const char* key, std::size_t fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_number_unsigned() ? it->get<std::size_t>() : fallback;
}

}  // namespace

std::unique_ptr<Decoder> makeDecoderSequence(std::vector<std::unique_ptr<Decoder>> decoders) {
    return std::make_unique<SequenceDecoder>(std::move(decoders));
}
std::unique_ptr<Decoder> makeReplaceDecoder(std::string from, std::string to) {
    return std::make_unique<ReplaceDecoder>(Pattern::fromJson(Json{{"String", from}}, "decoder Replace"), std::move(to));
}
std::unique_ptr<Decoder> makeByteFallbackDecoder() { return std::make_unique<ByteFallbackDecoder>(); }
std::unique_ptr<Decoder> makeFuseDecoder() { return std::make_unique<FuseDecoder>(); }
std::unique_ptr<Decoder> makeStripDecoder(std::string content, std::size_t start, std::size_t stop) {
    return std::make_unique<StripDecoder>(std::move(content), start, stop);
}

std::unique_ptr<Decoder> makeDecoder(const Json& j) {
    if (j.is_null()) return nullptr;
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string())
        throw ConfigError("decoder: expected an object with a \"type\"");
    const std::string type = j["type"].get<std::string>();
    if (type == "Sequence") {
        auto it = j.find("decoders");
        if (it == j.end() || !it->is_array()) throw ConfigError("decoder Sequence: missing \"decoders\" list");
        std::vector<std::unique_ptr<Decoder>> parts;
        for (const auto& d : *it)
            if (auto p = makeDecoder(d)) parts.push_back(std::move(p));
        return std::make_unique<SequenceDecoder>(std::move(parts));
    }
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Replace") {
        if (!j.contains("pattern")) throw ConfigError("decoder Replace: missing \"pattern\"");
        return std::make_unique<ReplaceDecoder>(Pattern::fromJson(j["pattern"], "decoder Replace"), stringOr(j, "content", ""));
    }
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip") return std::make_unique<StripDecoder>(stringOr(j, "content", " "), sizeOr(j, "start", 0), sizeOr(j, "stop", 0));
    if (type == "Metaspace") {
        bool stripFirst = true;
        if (auto it = j.find("prepend_scheme"); it != j.end() && it->is_string()) stripFirst = it->get<std::string>() != "never";
        else if (auto a = j.find("add_prefix_space"); a != j.end() && a->is_boolean()) stripFirst = a->get<bool>();
        return std::make_unique<MetaspaceDecoder>(stringOr(j, "replacement", "\xE2\x96\x81"), stripFirst);
    }
    if (type == "BPEDecoder") return std::make_unique<BpeSuffixDecoder>(stringOr(j, "suffix", "</w>"));
    if (type == "WordPiece") {
        auto it = j.find("cleanup");
        return std::make_unique<WordPieceDecoder>(stringOr(j, "prefix", "##"), it == j.end() || !it->is_boolean() || it->get<bool>());
    }
    throw ConfigError("decoder type \"" + type + "\" is not supported");
}

}  // namespace awq::tokenizer::detail
