#include "core/engine/detail/sequence.h"

#include "core/layers/cuda_decode.h"

#include <algorithm>
#include <string>

namespace awq::engine {

Sequence::Sequence(const GenerationRequest& r, const std::vector<int>& defaultStops, const Tokenizer* tokenizer)
    : request(r), sampler(r.sampling) {
    seen = r.promptIds;
    stopIds = r.stopIds.empty() ? defaultStops : r.stopIds;
    if (tokenizer) text.emplace(*tokenizer);
    result.metrics.promptTokens = int(r.promptIds.size());
}

double msBetween(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double, std::milli>(b - a).count(); }

std::vector<int> pickTokens(const at::Tensor& logits, const std::vector<Sequence*>& sequences) {
    std::vector<int> next(sequences.size(), 0);
    bool anySampling = false;
    for (const auto* s : sequences)
        if (s && !s->done) anySampling |= !s->request.sampling.greedy || s->request.sampling.repetitionPenalty != 1.0f;
    if (!anySampling) {
        const bool ownArgmax = logits.is_cuda() && logits.scalar_type() == at::kFloat && logits.dim() == 2 && logits.is_contiguous() &&
                               cudaDecodeBuiltIn();
        const auto ids = (ownArgmax ? cudaArgmaxRows(logits) : logits.argmax(-1)).to(at::kLong).cpu();
        for (std::size_t b = 0; b < sequences.size(); ++b) next[b] = int(ids[int64_t(b)].item<int64_t>());
        return next;
    }
    const auto host = logits.to(at::kFloat).contiguous().cpu();
    const int64_t vocab = host.size(1);
    for (std::size_t b = 0; b < sequences.size(); ++b) {
        auto* s = sequences[b];
        if (!s || s->done) continue;
        float* row = host.data_ptr<float>() + int64_t(b) * vocab;
        next[b] = s->sampler.next({row, std::size_t(vocab)}, s->seen);
    }
    return next;
}

namespace {

// Bytes at the end of `text` that could be the start of a stop string (the longest such suffix).
std::size_t heldForStopStrings(const std::string& text, const std::vector<std::string>& stops) {
    std::size_t hold = 0;
    for (const auto& stop : stops) {
        if (stop.empty()) continue;
        for (std::size_t n = std::min(stop.size() - 1, text.size()); n > hold; --n)
            if (text.compare(text.size() - n, n, stop, 0, n) == 0) {
                hold = n;
                break;
            }
    }
    return hold;
}

}  // namespace

void acceptToken(Sequence& s, int index, int token, const StreamCallback& onToken) {
    s.result.newIds.push_back(token);
    s.seen.push_back(token);
    if (s.text) {
        s.result.text += s.text->push(token);
        for (const auto& stopString : s.request.stopStrings) {
            const auto at = stopString.empty() ? std::string::npos : s.result.text.find(stopString);
            if (at != std::string::npos) {
                s.result.text.resize(at);
                s.result.finish = FinishReason::StopString;
                s.done = true;
            }
        }
    }
    if (!s.done && std::find(s.stopIds.begin(), s.stopIds.end(), token) != s.stopIds.end()) {
        s.result.finish = FinishReason::StopToken;
        s.done = true;
    } else if (!s.done && int(s.result.newIds.size()) >= s.request.maxNewTokens) {
        s.result.finish = FinishReason::Length;
        s.done = true;
    }
    StreamEvent ev{index, token, {}};
    if (s.text) {
        // A held-back start of a stop string is released once the sequence is done (finishText).
        const std::size_t ready = s.done ? s.result.text.size() : s.result.text.size() - heldForStopStrings(s.result.text, s.request.stopStrings);
        if (ready > s.streamed) {
            ev.textDelta = s.result.text.substr(s.streamed, ready - s.streamed);
            s.streamed = ready;
        }
    }
    if (onToken) onToken(ev);
}

std::string finishText(Sequence& s) {
    if (!s.text) return {};
    if (s.result.finish != FinishReason::StopString) s.result.text += s.text->flush();
    std::string rest = s.streamed < s.result.text.size() ? s.result.text.substr(s.streamed) : std::string();
    s.streamed = s.result.text.size();
    return rest;
}

}  // namespace awq::engine
