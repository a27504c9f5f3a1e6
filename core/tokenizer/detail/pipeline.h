#pragma once
// The stages of a Hugging Face tokenizer pipeline, built from the matching sections of
// tokenizer.json: normalizer -> pre-tokenizer -> model -> post-processor, and the decoder.
// Internal to core/tokenizer (not a public header). Offsets are not tracked: we need ids and
// text, not alignments.
#include "core/text/regex.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace awq::tokenizer::detail {

using Json = nlohmann::json;
// UTF-8, normalization and Regex are core/text's; the pipeline stages use them unqualified.
using namespace awq::text;

// A problem in tokenizer.json; the loader turns it into awq::Error naming the file.
class ConfigError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A span of text on its way through the pipeline. `tokenId` >= 0 marks an added token that was
// matched as a whole and skips the remaining stages. `atStart` is true while the piece begins at
// offset 0 of the original input (Metaspace's prepend_scheme "first" needs that).
struct Piece {
    std::string text;
    int tokenId = -1;
    bool atStart = false;
};

// {"String": "..."} or {"Regex": "..."} as the Split pre-tokenizer and Replace use them.
class Pattern {
public:
    static Pattern fromJson(const Json& j, const char* where);
    void findAll(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) const;
    std::string replaceAll(std::string_view text, std::string_view replacement) const;

private:
    std::string literal_;
    std::optional<Regex> regex_;
};

class Normalizer {
public:
    virtual ~Normalizer() = default;
    virtual std::string apply(std::string text) const = 0;
};
std::unique_ptr<Normalizer> makeNormalizer(const Json& j);  // nullptr for null

class PreTokenizer {
public:
    virtual ~PreTokenizer() = default;
    // Splits (and may rewrite) every piece that is not an added token.
    virtual void apply(std::vector<Piece>& pieces) const = 0;
};
std::unique_ptr<PreTokenizer> makePreTokenizer(const Json& j);  // nullptr for null

enum class PrependScheme { Always, First, Never };
std::unique_ptr<PreTokenizer> makeMetaspacePreTokenizer(std::string replacement, PrependScheme scheme, bool split);

class Decoder {
public:
    virtual ~Decoder() = default;
    virtual void decodeChain(std::vector<std::string>& tokens) const = 0;
};
std::unique_ptr<Decoder> makeDecoder(const Json& j);  // nullptr for null
std::unique_ptr<Decoder> makeDecoderSequence(std::vector<std::unique_ptr<Decoder>> decoders);
std::unique_ptr<Decoder> makeReplaceDecoder(std::string from, std::string to);
std::unique_ptr<Decoder> makeByteFallbackDecoder();
std::unique_ptr<Decoder> makeFuseDecoder();
std::unique_ptr<Decoder> makeStripDecoder(std::string content, std::size_t start, std::size_t stop);

class PostProcessor {
public:
    virtual ~PostProcessor() = default;
    // Adds the special tokens of a single sequence (when `addSpecial`).
    virtual void apply(std::vector<int>& ids, bool addSpecial) const = 0;
};
std::unique_ptr<PostProcessor> makePostProcessor(const Json& j);  // nullptr for null
// TemplateProcessing "[bos:0] $A:0 [eos:0]" as transformers builds it from add_bos/add_eos_token.
std::unique_ptr<PostProcessor> makeBosEosProcessor(std::optional<int> bos, std::optional<int> eos);

// GPT-2's byte <-> printable character table (ByteLevel pre-tokenizer and decoder).
const std::array<std::string, 256>& byteToUnicode();
int unicodeToByte(char32_t c);  // -1 when `c` is not one of the 256 characters

// Splits every piece that is not an added token with `fn`, dropping empty results.
template <class Fn>
void splitPieces(std::vector<Piece>& pieces, Fn&& fn) {
    std::vector<Piece> out;
    out.reserve(pieces.size() * 2);
    for (auto& p : pieces) {
        if (p.tokenId >= 0) {
            out.push_back(std::move(p));
            continue;
        }
        fn(p, out);
    }
    pieces = std::move(out);
}

}  // namespace awq::tokenizer::detail
