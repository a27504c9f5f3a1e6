#pragma once
// The BPE model of tokenizer.json ("model": {"type": "BPE"}): vocab, ranked merges, byte fallback
// ("<0xAB>" tokens), unknown-token handling, continuing-subword prefix / end-of-word suffix.
// Merging follows tokenizers' Word::merge_all exactly: repeatedly apply the lowest-ranked merge,
// leftmost first. Results per word are cached (thread-safe).
#include "core/tokenizer/detail/pipeline.h"

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace awq::tokenizer::detail {

struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
using TokenMap = std::unordered_map<std::string, int, StringHash, std::equal_to<>>;

class BpeModel {
public:
    struct Options {
        std::optional<std::string> unkToken;
        std::string continuingSubwordPrefix;
        std::string endOfWordSuffix;
        bool fuseUnk = false;
        bool byteFallback = false;
        bool ignoreMerges = false;
    };

    // `model` is tokenizer.json's "model" object. Throws ConfigError.
    explicit BpeModel(const Json& model);

    // Appends the ids of one pre-tokenized word.
    void tokenize(std::string_view word, std::vector<int>& out) const;

    std::optional<int> tokenToId(std::string_view token) const;
    const std::string* idToToken(int id) const;  // nullptr when unknown
    int maxId() const noexcept { return static_cast<int>(idToToken_.size()) - 1; }
    std::size_t size() const noexcept { return vocab_.size(); }
    bool byteFallback() const noexcept { return options_.byteFallback; }
    // transformers' LlamaTokenizer builds its BPE without an unknown token (unknown characters
    // without byte tokens are dropped); the loader uses this to reproduce that.
    void setUnkToken(std::optional<std::string> unk);

private:
    struct MergeTarget {
        int rank;
        int newId;
    };
    static std::uint64_t pairKey(int a, int b) noexcept {
        return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(a)) << 32) | static_cast<std::uint32_t>(b);
    }
    struct Symbol {
        int id;
        int prev;
        int next;
        std::size_t len;  // bytes of the word covered; 0 once merged away
        char32_t cp;      // the character, for a symbol that is one vocab character; else kNoChar
        std::size_t start;  // byte offset in the word where the symbol's text starts
    };
    static constexpr char32_t kNoChar = 0xFFFFFFFF;

    void tokenizeUncached(std::string_view word, std::vector<int>& out) const;
    void mergeAll(std::vector<Symbol>& symbols, std::vector<int>& out) const;
    void mergeSegment(std::string_view text, const Symbol* first, std::size_t count, std::vector<int>& out) const;
    const std::unordered_set<std::uint64_t>& adjacentPairs() const;

    Options options_;
    TokenMap vocab_;
    std::vector<std::string> idToToken_;
    std::vector<bool> hasId_;
    std::unordered_map<std::uint64_t, MergeTarget> merges_;
    std::array<int, 256> byteTokens_{};  // id of "<0xAB>", -1 when absent

    // Pairs of characters that occur next to each other in some vocab token. Between two
    // characters that never do, no merge can ever apply: long words are cut there and the parts
    // merged separately (and cached), which gives the same ids much faster.
    mutable std::once_flag pairsOnce_;
    mutable std::unordered_set<std::uint64_t> adjacentPairs_;

    mutable std::mutex cacheMutex_;
    mutable std::unordered_map<std::string, std::vector<int>, StringHash, std::equal_to<>> cache_;
};

}  // namespace awq::tokenizer::detail
