// tokenizer.json (+ tokenizer_config.json), then encode and decode a text with it. The input is
// the three parts separated by NUL bytes: tokenizer.json, tokenizer_config.json, the text (issue 17
// item 1: a deeply nested post_processor overflowed the stack).
#include "core/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto parts = awq::fuzz::splitAtNul(awq::fuzz::asText(data, size), 3);
    try {
        const auto tok = awq::Tokenizer::fromJson(parts[0], parts.size() > 1 ? parts[1] : std::string_view{});
        const std::string_view text = parts.size() > 2 ? parts[2] : std::string_view("Hello world, <|im_start|> 123");
        for (const bool special : {true, false}) {
            const auto ids = tok.encode(text, special);
            (void)tok.idsToTokens(ids);
            (void)tok.decode(ids, special);
        }
        (void)tok.describe();
        (void)tok.vocabSize();
        const int probe[] = {0, 1, -1, 2147483647, tok.vocabSize() - 1};
        (void)tok.decode(probe, false);
    } catch (const awq::Error&) {
    }
    return 0;
}
