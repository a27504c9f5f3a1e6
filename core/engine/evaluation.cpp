#include "core/engine/evaluation.h"

#include "core/util/error.h"

#include <algorithm>
#include <cmath>

namespace awq {
namespace {

// log-softmax of one row, in double for stable sums over large vocabularies.
void logSoftmax(const float* row, int vocab, std::vector<double>& out) {
    out.resize(vocab);
    const double top = *std::max_element(row, row + vocab);
    double sum = 0;
    for (int i = 0; i < vocab; ++i) sum += std::exp(double(row[i]) - top);
    const double logSum = top + std::log(sum);
    for (int i = 0; i < vocab; ++i) out[i] = double(row[i]) - logSum;
}

}  // namespace

PerplexityResult evaluatePerplexity(Engine& model, const std::vector<int>& ids, const PerplexityOptions& opt, Engine* reference,
                                    const EvalProgressFn& progress, std::stop_token stop) {
    if (opt.context < 2 || opt.stride < 1 || opt.stride > opt.context)
        throw Error("invalid window: context " + std::to_string(opt.context) + ", stride " + std::to_string(opt.stride), {},
                    "use a context of at least 2 and 1 <= stride <= context");
    if (reference && reference->model().config.vocabSize != model.model().config.vocabSize)
        throw Error("the reference model's vocabulary differs (" + std::to_string(reference->model().config.vocabSize) + " vs " +
                        std::to_string(model.model().config.vocabSize) + ")",
                    reference->model().folder, "compare models that share a tokenizer");

    PerplexityResult r;
    r.totalTokens = std::int64_t(ids.size());
    int windows = ids.size() >= std::size_t(opt.context) ? int((ids.size() - opt.context) / opt.stride) + 1 : 0;
    if (opt.maxWindows > 0) windows = std::min(windows, opt.maxWindows);
    if (windows == 0)
        throw Error("the text has " + std::to_string(ids.size()) + " tokens, fewer than one window of " + std::to_string(opt.context), {},
                    "use a longer text or a smaller --ctx");

    const int vocab = model.model().config.vocabSize;
    double kldSum = 0, referenceNllSum = 0;
    std::int64_t agree = 0;
    std::vector<double> lp, lq;
    for (int w = 0; w < windows; ++w) {
        if (stop.stop_requested()) {
            r.cancelled = true;
            break;
        }
        const std::size_t begin = std::size_t(w) * opt.stride;
        const std::vector<int> window(ids.begin() + begin, ids.begin() + begin + opt.context);
        const auto logits = model.logits(window);
        std::vector<float> refLogits;
        if (reference) refLogits = reference->logits(window);
        // Position p predicts token p+1; score the targets p+1 in the window's scored range.
        const int firstTarget = w == 0 ? 1 : std::max(1, opt.context - opt.stride);
        for (int t = firstTarget; t < opt.context; ++t) {
            const float* row = logits.data() + std::size_t(t - 1) * vocab;
            logSoftmax(row, vocab, lq);
            r.nllSum -= lq[window[t]];
            ++r.scoredTokens;
            if (reference) {
                const float* refRow = refLogits.data() + std::size_t(t - 1) * vocab;
                logSoftmax(refRow, vocab, lp);
                referenceNllSum -= lp[window[t]];
                double kl = 0;
                for (int i = 0; i < vocab; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
                kldSum += kl;
                agree += (std::max_element(row, row + vocab) - row) == (std::max_element(refRow, refRow + vocab) - refRow);
            }
        }
        ++r.windows;
        if (progress) progress({w + 1, windows});
    }
    if (r.scoredTokens > 0) {
        r.perplexity = std::exp(r.nllSum / double(r.scoredTokens));
        if (reference) {
            r.meanKld = kldSum / double(r.scoredTokens);
            r.top1Agreement = double(agree) / double(r.scoredTokens);
            r.referencePerplexity = std::exp(referenceNllSum / double(r.scoredTokens));
        }
    }
    return r;
}

}  // namespace awq
