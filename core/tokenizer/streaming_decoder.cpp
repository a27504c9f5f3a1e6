#include "core/tokenizer/streaming_decoder.h"


namespace awq {

namespace {
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

bool endsWithReplacement(const std::string& s) {
    return s.size() >= kReplacement.size() && s.compare(s.size() - kReplacement.size(), kReplacement.size(), kReplacement) == 0;
}

// Start of the UTF-8 character that contains byte `i` of valid UTF-8 `s`.
std::size_t charStart(const std::string& s, std::size_t i) {
    while (i > 0 && i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;
    return i;
}
}  // namespace

StreamingDecoder::StreamingDecoder(Tokenizer tokenizer, bool skipSpecialTokens)
    : tokenizer_(std::move(tokenizer)), skipSpecial_(skipSpecialTokens) {}

void StreamingDecoder::reset() {
    ids_.clear();
    prefixIndex_ = 0;
    prefix_.clear();
    text_.clear();
}

std::string StreamingDecoder::push(int id) {
    ids_.push_back(id);
    const std::string full = tokenizer_.decode(ids_, skipSpecial_);
    if (full.size() <= prefix_.size() || endsWithReplacement(full)) return {};

    std::string delta;
    if (full.compare(0, prefix_.size(), prefix_) == 0) {
        delta = full.substr(prefix_.size());
    } else {
        // The decoder rewrote text it had already produced (not seen with Hugging Face decoders);
        // emit what is new after the common part, cut at a character boundary.
        std::size_t common = 0;
        while (common < prefix_.size() && common < full.size() && prefix_[common] == full[common]) ++common;
        delta = full.substr(charStart(full, common));
    }
    // Keep the last emitted id as context for the next one.
    const std::size_t newPrefixIndex = ids_.size() - prefixIndex_;
    ids_.erase(ids_.begin(), ids_.begin() + static_cast<std::ptrdiff_t>(prefixIndex_));
    prefixIndex_ = newPrefixIndex;
    prefix_ = tokenizer_.decode(ids_, skipSpecial_);
    text_ += delta;
    return delta;
}

std::string StreamingDecoder::flush() {
    const std::string full = tokenizer_.decode(ids_, skipSpecial_);
    std::string delta;
    if (full.size() > prefix_.size() && full.compare(0, prefix_.size(), prefix_) == 0) delta = full.substr(prefix_.size());
    ids_.clear();
    prefixIndex_ = 0;
    prefix_.clear();
    text_ += delta;
    return delta;
}

}  // namespace awq
