#pragma once
// How a model fits on a GPU: weights, KV cache per token, and how many sequences of a given
// context length fit in the memory left after weights and the runtime's overhead.
#include "core/model/model_info.h"

#include <cstdint>
#include <string>
#include <vector>

namespace awq {

struct MemoryPlanInput {
    std::uint64_t gpuMemoryBytes = 0;   // total memory of the card
    int contextLength = 0;              // tokens per sequence; 0 = the model's max positions
    int kvBytesPerElement = 2;          // fp16/bf16 KV cache
    double utilization = 0.90;          // fraction of the card we plan to use (vLLM's default)
    std::uint64_t overheadBytes = 1ull << 30;  // CUDA context, activations, allocator slack
};

struct MemoryPlan {
    std::uint64_t weightBytes = 0;
    std::uint64_t kvBytesPerToken = 0;  // layers x kv heads x head dim x 2 (K and V) x element size
    std::uint64_t kvBytesPerSequence = 0;
    std::uint64_t budgetBytes = 0;      // gpu x utilization
    std::int64_t kvBudgetBytes = 0;     // budget - weights - overhead (negative: weights do not fit)
    int contextLength = 0;
    std::int64_t tokensThatFit = 0;
    std::int64_t sequencesThatFit = 0;
    bool weightsFit = false;
};

std::uint64_t kvCacheBytesPerToken(const ModelConfig& c, int bytesPerElement = 2);
MemoryPlan planMemory(const ModelInfo& model, const MemoryPlanInput& input);

// The card sizes the Models page offers when no GPU is detected (GiB).
const std::vector<int>& commonGpuSizesGiB();
// "16 GB card (16 GiB)". GPU vendors name memory in decimal-looking GB but build it in binary sizes:
// NVIDIA's "16 GB" RTX 4080 has 16 GiB (nvidia-smi: 16376 MiB usable of 16384), an "80 GB" A100 /
// H100 80 GiB. So "16 GB" is the product's name, the plan computes with 16 GiB, and the label says
// both (it read "16 GB card" beside sizes in GiB).
std::string commonGpuLabel(int gib);

}  // namespace awq
