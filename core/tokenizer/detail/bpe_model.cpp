#include "core/tokenizer/detail/bpe_model.h"

#include "core/text/unicode.h"

#include <nlohmann/json.hpp>

#include <queue>

namespace awq::tokenizer::detail {

namespace {
constexpr std::size_t kCacheCapacity = 100000;
constexpr std::size_t kMaxCachedWord = 256;

std::optional<std::string> optionalString(const Json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) throw ConfigError(std::string("model: \"") + key + "\" must be a string or null");
    return it->get<std::string>();
}

bool boolOr(const Json& j, const char* key, bool fallback) {
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() ? it->get<bool>() : fallback;
}
}  // namespace

BpeModel::BpeModel(const Json& model) {
    if (auto it = model.find("dropout"); it != model.end() && it->is_number() && it->get<double>() > 0.0)
        throw ConfigError("model: BPE dropout is not supported for inference (set \"dropout\" to null)");
    options_.unkToken = optionalString(model, "unk_token");
    options_.continuingSubwordPrefix = optionalString(model, "continuing_subword_prefix").value_or("");
    options_.endOfWordSuffix = optionalString(model, "end_of_word_suffix").value_or("");
    options_.fuseUnk = boolOr(model, "fuse_unk", false);
    options_.byteFallback = boolOr(model, "byte_fallback", false);
    options_.ignoreMerges = boolOr(model, "ignore_merges", false);

    auto vocab = model.find("vocab");
    if (vocab == model.end() || !vocab->is_object()) throw ConfigError("model: \"vocab\" must be an object of token -> id");
    vocab_.reserve(vocab->size());
    for (auto it = vocab->begin(); it != vocab->end(); ++it) {
        if (!it.value().is_number_integer() || it.value().get<long long>() < 0 || it.value().get<long long>() > (1 << 30))
            throw ConfigError("model: vocab entry \"" + it.key() + "\" has no valid id");
        const int id = it.value().get<int>();
        vocab_.emplace(it.key(), id);
        if (static_cast<std::size_t>(id) >= idToToken_.size()) {
            idToToken_.resize(static_cast<std::size_t>(id) + 1);
            hasId_.resize(static_cast<std::size_t>(id) + 1, false);
        }
        idToToken_[static_cast<std::size_t>(id)] = it.key();
        hasId_[static_cast<std::size_t>(id)] = true;
    }

    byteTokens_.fill(-1);
    static const char* hex = "0123456789ABCDEF";
    for (int b = 0; b < 256; ++b) {
        const std::string name = std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
        if (auto it = vocab_.find(name); it != vocab_.end()) byteTokens_[static_cast<std::size_t>(b)] = it->second;
    }

    auto merges = model.find("merges");
    if (merges == model.end()) return;
    if (!merges->is_array()) throw ConfigError("model: \"merges\" must be a list");
    merges_.reserve(merges->size());
    const std::size_t prefixLen = options_.continuingSubwordPrefix.size();
    int rank = 0;
    for (const auto& m : *merges) {
        std::string a, b;
        if (m.is_string()) {
            const std::string s = m.get<std::string>();
            const auto space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throw ConfigError("model: merge " + std::to_string(rank + 1) + " (\"" + s + "\") is not two tokens separated by one space");
            a = s.substr(0, space);
            b = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            a = m[0].get<std::string>();
            b = m[1].get<std::string>();
        } else {
            throw ConfigError("model: merge " + std::to_string(rank + 1) + " must be \"a b\" or [\"a\", \"b\"]");
        }
        auto ia = vocab_.find(a), ib = vocab_.find(b);
        if (ia == vocab_.end() || ib == vocab_.end())
            throw ConfigError("model: merge " + std::to_string(rank + 1) + " uses a token that is not in the vocab (\"" +
                              (ia == vocab_.end() ? a : b) + "\")");
        std::string merged = a;
        merged.append(b, prefixLen <= b.size() && b.compare(0, prefixLen, options_.continuingSubwordPrefix) == 0 ? prefixLen : 0,
                      std::string::npos);
        auto in = vocab_.find(merged);
        if (in == vocab_.end())
            throw ConfigError("model: merge " + std::to_string(rank + 1) + " makes \"" + merged + "\", which is not in the vocab");
        merges_[pairKey(ia->second, ib->second)] = {rank, in->second};
        ++rank;
    }
}

void BpeModel::setUnkToken(std::optional<std::string> unk) {
    options_.unkToken = std::move(unk);
    std::lock_guard lock(cacheMutex_);
    cache_.clear();
}

std::optional<int> BpeModel::tokenToId(std::string_view token) const {
    auto it = vocab_.find(token);
    if (it == vocab_.end()) return std::nullopt;
    return it->second;
}

const std::string* BpeModel::idToToken(int id) const {
    if (id < 0 || static_cast<std::size_t>(id) >= idToToken_.size() || !hasId_[static_cast<std::size_t>(id)]) return nullptr;
    return &idToToken_[static_cast<std::size_t>(id)];
}

void BpeModel::tokenize(std::string_view word, std::vector<int>& out) const {
    if (word.empty()) return;
    const bool cacheable = word.size() <= kMaxCachedWord;
    if (cacheable) {
        std::lock_guard lock(cacheMutex_);
        if (auto it = cache_.find(word); it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const std::size_t mark = out.size();
    tokenizeUncached(word, out);
    if (cacheable) {
        std::lock_guard lock(cacheMutex_);
        if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(word), std::vector<int>(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end()));
    }
}

void BpeModel::tokenizeUncached(std::string_view word, std::vector<int>& out) const {
    if (options_.ignoreMerges) {
        if (auto it = vocab_.find(word); it != vocab_.end()) {
            out.push_back(it->second);
            return;
        }
    }

    std::vector<Symbol> symbols;
    symbols.reserve(word.size());
    auto add = [&](int id, std::size_t len, std::size_t start, char32_t cp = kNoChar) {
        const int index = static_cast<int>(symbols.size());
        symbols.push_back({id, index - 1, index + 1, len, cp, start});
    };

    const bool affixes = !options_.continuingSubwordPrefix.empty() || !options_.endOfWordSuffix.empty();
    int unkId = -1;  // pending unknown token, when >= 0
    std::size_t unkLen = 0, unkStart = 0;
    std::string scratch;
    for (std::size_t i = 0; i < word.size();) {
        const std::size_t start = i;
        i += utf8SeqLen(static_cast<unsigned char>(word[i]));
        if (i > word.size()) i = word.size();
        const std::size_t byteLen = i - start;
        std::string_view s = word.substr(start, byteLen);
        if (affixes) {
            scratch.clear();
            if (start != 0) scratch += options_.continuingSubwordPrefix;
            scratch += s;
            if (i == word.size()) scratch += options_.endOfWordSuffix;
            s = scratch;
        }
        if (auto it = vocab_.find(s); it != vocab_.end()) {
            if (unkId >= 0) {
                add(unkId, unkLen, unkStart);
                unkId = -1;
            }
            std::size_t k = start;
            add(it->second, byteLen, start, affixes ? kNoChar : nextCodePoint(word, k));
            continue;
        }
        if (options_.byteFallback) {
            bool all = true;
            for (unsigned char b : s) all = all && byteTokens_[b] >= 0;
            if (all) {
                // tokenizers does not flush a pending unknown token here; neither do we
                for (unsigned char b : s) add(byteTokens_[b], 1, start);
                continue;
            }
        }
        if (options_.unkToken) {
            auto u = vocab_.find(*options_.unkToken);
            if (u == vocab_.end())
                throw ConfigError("model: the unknown token \"" + *options_.unkToken + "\" is not in the vocab");
            if (unkId >= 0 && options_.fuseUnk) {
                unkLen += byteLen;
            } else {
                if (unkId >= 0) add(unkId, unkLen, unkStart);
                unkId = u->second;
                unkLen = byteLen;
                unkStart = start;
            }
        }
        // without an unknown token the character is dropped, as in tokenizers
    }
    if (unkId >= 0) add(unkId, unkLen, unkStart);
    if (symbols.empty()) return;
    symbols.back().next = -1;

    constexpr std::size_t kSegmentThreshold = 64;
    if (symbols.size() < kSegmentThreshold || affixes) {
        mergeAll(symbols, out);
        return;
    }
    const auto& pairs = adjacentPairs();
    // A segment's text runs from its first symbol to the next segment's first symbol, so it
    // includes any characters the model dropped in between (tokenizing it alone drops them too).
    std::size_t segFirst = 0;
    for (std::size_t k = 1; k < symbols.size(); ++k) {
        const Symbol& l = symbols[k - 1];
        const Symbol& r = symbols[k];
        if (l.cp != kNoChar && r.cp != kNoChar && !pairs.count((static_cast<std::uint64_t>(l.cp) << 32) | r.cp)) {
            const std::size_t begin = segFirst == 0 ? 0 : symbols[segFirst].start;
            mergeSegment(word.substr(begin, r.start - begin), &symbols[segFirst], k - segFirst, out);
            segFirst = k;
        }
    }
    const std::size_t begin = segFirst == 0 ? 0 : symbols[segFirst].start;
    mergeSegment(word.substr(begin), &symbols[segFirst], symbols.size() - segFirst, out);
}

const std::unordered_set<std::uint64_t>& BpeModel::adjacentPairs() const {
    std::call_once(pairsOnce_, [this] {
        for (const auto& [token, id] : vocab_) {
            std::size_t i = 0;
            char32_t prev = kNoChar;
            while (i < token.size()) {
                const char32_t cp = nextCodePoint(token, i);
                if (prev != kNoChar) adjacentPairs_.insert((static_cast<std::uint64_t>(prev) << 32) | cp);
                prev = cp;
            }
        }
    });
    return adjacentPairs_;
}

void BpeModel::mergeSegment(std::string_view text, const Symbol* first, std::size_t count, std::vector<int>& out) const {
    const bool cacheable = !options_.ignoreMerges && text.size() <= kMaxCachedWord;
    if (cacheable) {
        std::lock_guard lock(cacheMutex_);
        if (auto it = cache_.find(text); it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    std::vector<Symbol> seg(first, first + count);
    for (std::size_t k = 0; k < count; ++k) {
        seg[k].prev = static_cast<int>(k) - 1;
        seg[k].next = k + 1 < count ? static_cast<int>(k) + 1 : -1;
    }
    const std::size_t mark = out.size();
    mergeAll(seg, out);
    if (cacheable) {
        std::lock_guard lock(cacheMutex_);
        if (cache_.size() < kCacheCapacity)
            cache_.emplace(std::string(text), std::vector<int>(out.begin() + static_cast<std::ptrdiff_t>(mark), out.end()));
    }
}

// tokenizers' Word::merge_all: apply the lowest-ranked merge (leftmost among equals) until none applies.
void BpeModel::mergeAll(std::vector<Symbol>& symbols, std::vector<int>& out) const {
    struct Merge {
        int pos;
        int rank;
        int newId;
    };
    auto worse = [](const Merge& a, const Merge& b) { return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos; };
    std::priority_queue<Merge, std::vector<Merge>, decltype(worse)> queue(worse);
    for (std::size_t k = 0; k + 1 < symbols.size(); ++k) {
        if (auto m = merges_.find(pairKey(symbols[k].id, symbols[k + 1].id)); m != merges_.end())
            queue.push({static_cast<int>(k), m->second.rank, m->second.newId});
    }
    while (!queue.empty()) {
        const Merge top = queue.top();
        queue.pop();
        Symbol& cur = symbols[static_cast<std::size_t>(top.pos)];
        if (cur.len == 0 || cur.next == -1) continue;
        const int nextPos = cur.next;
        const Symbol right = symbols[static_cast<std::size_t>(nextPos)];
        auto m = merges_.find(pairKey(cur.id, right.id));
        if (m == merges_.end() || m->second.newId != top.newId) continue;  // stale entry

        cur.id = top.newId;
        cur.len += right.len;
        cur.next = right.next;
        symbols[static_cast<std::size_t>(nextPos)].len = 0;
        if (right.next >= 0 && static_cast<std::size_t>(right.next) < symbols.size())
            symbols[static_cast<std::size_t>(right.next)].prev = top.pos;

        if (cur.prev >= 0) {
            const Symbol& prev = symbols[static_cast<std::size_t>(cur.prev)];
            if (auto pm = merges_.find(pairKey(prev.id, cur.id)); pm != merges_.end())
                queue.push({cur.prev, pm->second.rank, pm->second.newId});
        }
        if (cur.next >= 0 && static_cast<std::size_t>(cur.next) < symbols.size()) {
            const Symbol& next = symbols[static_cast<std::size_t>(cur.next)];
            if (auto nm = merges_.find(pairKey(cur.id, next.id)); nm != merges_.end())
                queue.push({top.pos, nm->second.rank, nm->second.newId});
        }
    }
    for (const auto& s : symbols)
        if (s.len != 0) out.push_back(s.id);
}

}  // namespace awq::tokenizer::detail
