#pragma once
// Streaming detokenization: feed generated ids one at a time, get the text each one adds.
// A delta is never part of a UTF-8 sequence: while a byte-level or byte-fallback token leaves a
// character unfinished, push() returns "" and the text arrives with the token that completes it.
// Decoders that depend on context (a leading "▁" or space stripped only at the start of the
// text) are handled by decoding each id together with the previous one, as Hugging Face's
// DecodeStream does, so the concatenated deltas equal decode(all ids).
#include "core/tokenizer/tokenizer.h"

#include <string>
#include <vector>

namespace awq {

class StreamingDecoder {
public:
    explicit StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens = true);

    // The text that `id` completes; "" while a character is still incomplete.
    std::string push(int id);
    // Text still held back (an unfinished UTF-8 sequence, shown as U+FFFD); call at the end.
    std::string flush();
    void reset();

    const std::string& text() const noexcept { return text_; }  // all deltas so far

private:
    Tokenizer tokenizer_;
    bool skipSpecial_;
    std::vector<int> ids_;       // the decode window: context ids + pending ids
    std::size_t prefixIndex_ = 0;  // ids_[0, prefixIndex_) are context already emitted
    std::string prefix_;         // decode(ids_[0, prefixIndex_))
    std::string text_;
};

}  // namespace awq
