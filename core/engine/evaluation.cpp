#include "core/engine/evaluation.h"

#include "core/util/error.h"
#include "core/util/format.h"

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

std::vector<PerplexityResult> evaluatePerplexities(const std::vector<Engine*>& models, const std::vector<int>& ids, const PerplexityOptions& opt,
                                                  Engine* reference, const EvalProgressFn& progress, std::stop_token stop) {
    if (opt.context < 2 || opt.stride < 1 || opt.stride > opt.context)
        throw Error("invalid window: context " + std::to_string(opt.context) + ", stride " + std::to_string(opt.stride), {},
                    "use a context of at least 2 and 1 <= stride <= context");
    if (models.empty()) return {};
    const int vocab = models.front()->model().config.vocabSize;
    for (Engine* model : models)
        if (model->model().config.vocabSize != vocab)
            throw Error("the models' vocabularies differ (" + std::to_string(model->model().config.vocabSize) + " vs " + std::to_string(vocab) + ")",
                        model->model().folder, "compare models that share a tokenizer");
    if (reference && reference->model().config.vocabSize != vocab)
        throw Error("the reference model's vocabulary differs (" + std::to_string(reference->model().config.vocabSize) + " vs " +
                        std::to_string(vocab) + ")",
                    reference->model().folder, "compare models that share a tokenizer");

    int windows = ids.size() >= std::size_t(opt.context) ? int((ids.size() - opt.context) / opt.stride) + 1 : 0;
    if (opt.maxWindows > 0) windows = std::min(windows, opt.maxWindows);
    if (windows == 0)
        throw Error("the text has " + format::counted(ids.size(), "token") + ", fewer than one window of " + std::to_string(opt.context), {},
                    "use a longer text or a smaller --ctx");

    const std::size_t n = models.size();
    std::vector<PerplexityResult> r(n);
    for (auto& one : r) one.totalTokens = std::int64_t(ids.size());
    std::vector<double> kldSum(n, 0.0);
    std::vector<std::int64_t> agree(n, 0);
    double referenceNllSum = 0;
    std::int64_t scored = 0, windowsDone = 0;
    bool cancelled = false;
    std::vector<double> lp, lq;
    std::vector<std::vector<float>> logits(n);
    for (int w = 0; w < windows; ++w) {
        if (stop.stop_requested()) {
            cancelled = true;
            break;
        }
        const std::size_t begin = std::size_t(w) * opt.stride;
        const std::vector<int> window(ids.begin() + begin, ids.begin() + begin + opt.context);
        for (std::size_t m = 0; m < n; ++m) logits[m] = models[m]->logits(window);
        std::vector<float> refLogits;
        if (reference) refLogits = reference->logits(window);
        // Position p predicts token p+1; score the targets p+1 in the window's scored range.
        const int firstTarget = w == 0 ? 1 : std::max(1, opt.context - opt.stride);
        for (int t = firstTarget; t < opt.context; ++t) {
            const float* refRow = reference ? refLogits.data() + std::size_t(t - 1) * vocab : nullptr;
            std::ptrdiff_t refTop = 0;
            if (reference) {
                logSoftmax(refRow, vocab, lp);  // once for every model measured against it
                referenceNllSum -= lp[window[t]];
                refTop = std::max_element(refRow, refRow + vocab) - refRow;
            }
            for (std::size_t m = 0; m < n; ++m) {
                const float* row = logits[m].data() + std::size_t(t - 1) * vocab;
                logSoftmax(row, vocab, lq);
                r[m].nllSum -= lq[window[t]];
                if (reference) {
                    double kl = 0;
                    for (int i = 0; i < vocab; ++i) kl += std::exp(lp[i]) * (lp[i] - lq[i]);
                    kldSum[m] += kl;
                    agree[m] += (std::max_element(row, row + vocab) - row) == refTop;
                }
            }
            ++scored;
        }
        ++windowsDone;
        if (progress) progress({w + 1, windows});
    }
    for (std::size_t m = 0; m < n; ++m) {
        r[m].scoredTokens = scored;
        r[m].windows = int(windowsDone);
        r[m].cancelled = cancelled;
        if (scored == 0) continue;
        r[m].perplexity = std::exp(r[m].nllSum / double(scored));
        if (reference) {
            r[m].meanKld = kldSum[m] / double(scored);
            r[m].top1Agreement = double(agree[m]) / double(scored);
            r[m].referencePerplexity = std::exp(referenceNllSum / double(scored));
        }
    }
    return r;
}

PerplexityResult evaluatePerplexity(Engine& model, const std::vector<int>& ids, const PerplexityOptions& opt, Engine* reference,
                                    const EvalProgressFn& progress, std::stop_token stop) {
    return evaluatePerplexities({&model}, ids, opt, reference, progress, std::move(stop)).front();
}

}  // namespace awq
