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
    // Sequences of contextLength tokens the KV cache holds at once: a capacity, not how many a
    // server runs together (vLLM caps that with --max-num-seqs; see kvCapacityText).
    std::int64_t sequencesThatFit = 0;
    bool weightsFit = false;
    std::uint64_t gpuMemoryBytes = 0;   // the card planned for (vLLM's default --max-num-seqs depends on it)
    // The model's context as vLLM derives it (vllmDerivedMaxModelLen): vLLM refuses to start with a
    // longer max-model-len, so a plan past it is no plan for a server, whatever the KV cache holds.
    int modelContextLength = 0;
    bool pastModelContext() const { return modelContextLength > 0 && contextLength > modelContextLength; }
};

std::uint64_t kvCacheBytesPerToken(const ModelConfig& c, int bytesPerElement = 2);
MemoryPlan planMemory(const ModelInfo& model, const MemoryPlanInput& input);

// vLLM's default --max-num-seqs, the most sequences it schedules at once (EngineArgs.get_batch_defaults):
// 1024 on a card of 70 GiB or more that is not an A100 (H100, H200, MI300), else 256. The plan knows
// the card's size, not its name, so an 80 GiB card may be either (vllmMaxNumSeqsNote says both).
constexpr int kVllmDefaultMaxNumSeqs = 256;
constexpr int kVllmDefaultMaxNumSeqsLargeCard = 1024;
constexpr std::uint64_t kVllmLargeCardBytes = 70ull << 30;

// "vLLM runs at most 256 at once by default: --max-num-seqs" for a card of `gpuMemoryBytes`
// (on a 70 GiB+ card: "at most 1,024 at once by default, 256 on an A100: --max-num-seqs").
std::string vllmMaxNumSeqsNote(std::uint64_t gpuMemoryBytes);
// What sequencesThatFit means, in the words the GUI's verdict and `models show` both use:
// "KV cache holds 3,426 sequences of 2,048 tokens (vLLM runs at most 256 at once by default:
// --max-num-seqs)". It read "Fits: 3,426 concurrent sequences", which a user took for serving
// capacity; vLLM runs at most max-num-seqs together however many the cache would hold. When the
// cache holds fewer than that limit, the text says the cache is the limit at full context.
// Empty when the weights do not fit or no sequence does.
std::string kvCapacityText(const MemoryPlan& p);
// "3,426": integers with thousands separators, as the GUI shows them.
std::string groupedInteger(std::int64_t n);

// The card sizes the Models page offers when no GPU is detected (GiB).
const std::vector<int>& commonGpuSizesGiB();
// "16 GB card (16 GiB)". GPU vendors name memory in decimal-looking GB but build it in binary sizes:
// NVIDIA's "16 GB" RTX 4080 has 16 GiB (nvidia-smi: 16376 MiB usable of 16384), an "80 GB" A100 /
// H100 80 GiB. So "16 GB" is the product's name, the plan computes with 16 GiB, and the label says
// both (it read "16 GB card" beside sizes in GiB).
std::string commonGpuLabel(int gib);

}  // namespace awq
