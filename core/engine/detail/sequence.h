#pragma once
// The state of one sequence while it generates, shared by Engine::generate (a static batch) and
// the continuous batch: sampler, stop checks, streamed text, result.
#include "core/engine/generation.h"
#include "core/engine/sampler.h"
#include "core/tokenizer/streaming_decoder.h"

#include <ATen/ATen.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace awq::engine {

using Clock = std::chrono::steady_clock;

struct Sequence {
    GenerationRequest request;
    std::vector<int> seen;     // prompt + generated (repetition penalty)
    std::vector<int> stopIds;
    Sampler sampler;
    std::optional<StreamingDecoder> text;
    GenerationResult result;
    std::size_t streamed = 0;  // bytes of result.text handed to the stream callback so far
    bool done = false;
    Clock::time_point firstToken;

    Sequence(const GenerationRequest& r, const std::vector<int>& defaultStops, const Tokenizer* tokenizer);
};

// Records a token: stop ids, stop strings, max tokens, text delta; calls onToken with `index`. The
// delta never carries a stop string or the start of one: text that could begin a stop string is held
// back until the next tokens tell (as vLLM's detokenizer holds it), so a stream shows what
// result.text ends with, not ", there" past a stop string ", ".
void acceptToken(Sequence& s, int index, int token, const StreamCallback& onToken);

// When a sequence ends: the text not streamed yet (held back for a stop string that did not come,
// plus the detokenizer's last incomplete bytes, which join result.text unless a stop string ended it).
std::string finishText(Sequence& s);

// Each live sequence's next token from logits [B, vocab] (row b for sequences[b]; nullptr or done
// rows are skipped): argmax on the device when no live sequence samples, the host sampler otherwise.
std::vector<int> pickTokens(const at::Tensor& logits, const std::vector<Sequence*>& sequences);

double msBetween(Clock::time_point a, Clock::time_point b);

}  // namespace awq::engine
