#pragma once
// Next-token choice from one row of logits, on the host, identical on CPU and GPU runs:
// repetition penalty (HF semantics), temperature, top-k, top-p, then a seeded draw.
#include "core/engine/generation.h"

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace awq {

class Sampler {
public:
    explicit Sampler(const SamplingSettings& settings);
    // `seen` holds the prompt and generated ids (for the repetition penalty). Modifies `logits`.
    int next(std::span<float> logits, std::span<const int> seen);

private:
    SamplingSettings settings_;
    std::mt19937_64 rng_;
};

}  // namespace awq
