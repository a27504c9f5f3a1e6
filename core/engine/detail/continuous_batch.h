#pragma once
// The engine's continuous batch (core/engine/continuous_batch.h) over a Transformer.
#include "core/engine/continuous_batch.h"
#include "core/engine/detail/transformer.h"
#include "core/tokenizer/tokenizer.h"

#include <memory>
#include <mutex>
#include <vector>

namespace awq::engine {

// What the batch borrows from its engine (which outlives it).
struct BatchParts {
    Transformer& model;
    const Tokenizer* tokenizer = nullptr;  // null: no text
    std::vector<int> defaultStops;
    std::mutex& engineLock;
    int vocabSize = 0;
};

std::unique_ptr<ContinuousBatch> makeContinuousBatch(BatchParts parts, int slots, int capacity);

}  // namespace awq::engine
