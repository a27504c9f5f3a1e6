#pragma once
// What the quality-bar tests (test_quant_quality, test_quant_quality_gptq) share: the demo model
// quantized with AutoAWQ's calibration, and its perplexity / KL divergence / top-1 agreement
// against the original on the held-out stories, as the README's quality table measures them.
#include "core/engine/evaluation.h"
#include "core/quant/quantize_job.h"
#include "tests/support/test_paths.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

namespace awq::test {

// The demo model quantized with `method` into `out`: defaults 128 samples x 512 tokens, group 128,
// as AutoAWQ; the same 128 stories AutoAWQ's own AWQ of it was calibrated on (47 blocks).
inline QuantizeSummary quantizeDemo(QuantMethodChoice method, const std::filesystem::path& out) {
    QuantizeSettings s;
    s.model = modelDir("tinystories-qwen3-7m");
    s.output = out;
    s.method = method;
    s.calibrationFiles = {dataFile("calib-stories.txt")};
    return runQuantizeJob(s);
}

struct QualityRow {
    double ppl = 0, kld = 0, top1 = 0;
};

struct QualityModel {
    std::filesystem::path folder;
    bool withPerplexity = false;
};

struct QualityResults {
    double originalPpl = 0;        // the original's perplexity over the whole text where any model's is measured, else 0
    std::vector<QualityRow> rows;  // in the order of the measured models
};

// The original model and the held-out text, for measuring quantized models against it.
class QualityBench {
public:
    QualityBench() : reference_(Engine::load(modelDir("tinystories-qwen3-7m"))) {
        std::ifstream in(dataFile("eval-stories.txt"), std::ios::binary);
        ids_ = reference_->encode(std::string(std::istreambuf_iterator<char>(in), {}), false);
    }
    // Each model's KLD and top-1 agreement against the original over the first 64 windows, and its
    // perplexity over the whole text when `withPerplexity` (else 0). Measured together so that the
    // original runs once a window: the first 64 windows score every model against it, the rest of
    // the text only the perplexities (non-overlapping windows: the text after the 64th window is
    // windowed as the whole text is there, so the two parts' sums are the whole text's).
    QualityResults measure(const std::vector<QualityModel>& models) {
        std::vector<std::unique_ptr<Engine>> engines;
        std::vector<Engine*> all, wholeText{reference_.get()};
        for (const auto& m : models) {
            engines.push_back(Engine::load(m.folder));
            all.push_back(engines.back().get());
            if (m.withPerplexity) wholeText.push_back(engines.back().get());
        }
        static_assert(kFirst64.context == kFirst64.stride && kRest.context == kFirst64.context && kRest.stride == kFirst64.stride);
        const auto first = evaluatePerplexities(all, ids_, kFirst64, reference_.get());
        QualityResults out;
        if (wholeText.size() == 1) {  // KLD and top-1 only
            for (const auto& r : first) out.rows.push_back({0, *r.meanKld, *r.top1Agreement});
            return out;
        }
        const std::vector<int> rest(ids_.begin() + std::ptrdiff_t(kFirst64.maxWindows) * kFirst64.stride, ids_.end());
        const auto later = evaluatePerplexities(wholeText, rest, kRest);  // the original first
        const std::int64_t firstTokens = first.front().scoredTokens;
        auto perplexity = [&](double firstNll, const PerplexityResult& r) {
            return std::exp((firstNll + r.nllSum) / double(firstTokens + r.scoredTokens));
        };
        // The original's own sum over the first windows, back from its perplexity there (rounding ~1e-16).
        out.originalPpl = perplexity(std::log(*first.front().referencePerplexity) * double(firstTokens), later.front());
        std::size_t next = 1;
        for (std::size_t i = 0; i < models.size(); ++i)
            out.rows.push_back({models[i].withPerplexity ? perplexity(first[i].nllSum, later[next++]) : 0, *first[i].meanKld,
                                *first[i].top1Agreement});
        return out;
    }

private:
    static constexpr PerplexityOptions kRest{.context = 256, .stride = 256};
    static constexpr PerplexityOptions kFirst64{.context = 256, .stride = 256, .maxWindows = 64};
    std::unique_ptr<Engine> reference_;
    std::vector<int> ids_;
};

}  // namespace awq::test
