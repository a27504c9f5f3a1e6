#pragma once
// What the quality-bar tests (test_quant_quality, test_quant_quality_gptq) share: the demo model
// quantized with AutoAWQ's calibration, and its perplexity / KL divergence / top-1 agreement
// against the original on the held-out stories, as the README's quality table measures them.
#include "core/engine/evaluation.h"
#include "core/quant/quantize_job.h"
#include "tests/support/test_paths.h"

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

// The original model and the held-out text, for measuring quantized models against it.
class QualityBench {
public:
    QualityBench() : reference_(Engine::load(modelDir("tinystories-qwen3-7m"))) {
        std::ifstream in(dataFile("eval-stories.txt"), std::ios::binary);
        ids_ = reference_->encode(std::string(std::istreambuf_iterator<char>(in), {}), false);
    }
    // Perplexity of the original over the whole text.
    double originalPerplexity() { return evaluatePerplexity(*reference_, ids_, kAll).perplexity; }
    // KLD and top-1 agreement against the original over the first 64 windows; perplexity over the
    // whole text when `withPerplexity` (else 0).
    QualityRow measure(const std::filesystem::path& folder, bool withPerplexity) {
        const auto engine = Engine::load(folder);
        const auto q = evaluatePerplexity(*engine, ids_, kFirst64, reference_.get());
        return {withPerplexity ? evaluatePerplexity(*engine, ids_, kAll).perplexity : 0, *q.meanKld, *q.top1Agreement};
    }

private:
    static constexpr PerplexityOptions kAll{.context = 256, .stride = 256};
    static constexpr PerplexityOptions kFirst64{.context = 256, .stride = 256, .maxWindows = 64};
    std::unique_ptr<Engine> reference_;
    std::vector<int> ids_;
};

}  // namespace awq::test
