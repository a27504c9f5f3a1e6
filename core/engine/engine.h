#pragma once
// The built-in inference engine: Llama / Qwen2 / Qwen3 / Mistral with dense (f32/f16/bf16) or AWQ
// 4-bit weights, on CPU (libtorch) or CUDA (libtorch + our kernels). Each Engine owns its model;
// several engines can live and generate at the same time (side-by-side compare).
#include "core/engine/continuous_batch.h"
#include "core/engine/generation.h"
#include "core/tokenizer/chat_template.h"
#include "core/model/model_info.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

namespace awq {

enum class DeviceKind { Cpu, Cuda };
const char* deviceKindName(DeviceKind d) noexcept;
DeviceKind parseDeviceKind(const std::string& name);  // "cpu" | "cuda"; throws awq::Error
bool cudaEngineAvailable();                            // torch built with CUDA and a device present
int cpuComputeThreads();                               // threads a CPU engine computes with (torch's intra-op threads, or
                                                       // OpenBLAS's where its matmuls use more)

struct EngineOptions {
    DeviceKind device = DeviceKind::Cpu;
    int cudaDevice = 0;
    // "auto": float32 on CPU; on CUDA float16 for AWQ models and the model's dtype otherwise.
    std::string computeDtype = "auto";
    int maxBatch = 16;
    int maxContext = 0;   // 0: the model's max positions
    // CPU and AWQ: dequantize the weights once at load (the dense model's speed and memory) when
    // the dense copy takes at most half the free host memory; true keeps them packed (4-bit in
    // memory, dequantized on every matmul: small and slow).
    bool keepAwqPacked = false;
    // A PEFT LoRA adapter folder (core/model/lora_adapter.h) applied on top of the linears it targets,
    // dense or AWQ: y = W x + scale * B (A x), unmerged. Empty: none. A mismatch between the adapter's
    // base_model_name_or_path and the model (or its recorded quantization source) is logged as a
    // warning, not refused. On CUDA the adapted projections are not fused (q|k|v, gate|up), so the
    // fused-kernel decode path and its CUDA graphs are off for the model: correct, slower.
    std::filesystem::path lora;
};

// The memory one engine holds for itself, in bytes: not the process's (two engines share one
// process) and not the device's (two engines can share one GPU).
struct EngineMemory {
    std::uint64_t weights = 0;       // the weights as held (weightMemoryBytes)
    std::uint64_t kvCache = 0;       // the last generation's KV cache (CUDA: the one kept for reuse)
    // Peak transient memory of the last generation. CUDA: the caching allocator's peak while it ran,
    // above what was allocated when it started (another engine generating on the same device at the
    // same time is counted in too). CPU: estimated from the shapes (prefill activations, attention
    // scores, logits), since the CPU allocator keeps no per-engine figures.
    std::uint64_t activations = 0;
    bool fromAllocator = false;      // CUDA allocator figures (true) or CPU shapes (false)
    std::uint64_t total() const noexcept { return weights + kvCache + activations; }
};

class Engine {
public:
    // Throws awq::Error naming the file for anything it cannot load (unsupported architecture,
    // missing tensors, no CUDA).
    static std::unique_ptr<Engine> load(const std::filesystem::path& modelFolder, const EngineOptions& options = {});
    virtual ~Engine() = default;

    virtual const ModelInfo& model() const = 0;
    virtual const EngineOptions& options() const = 0;
    virtual std::string computeDtype() const = 0;
    virtual std::uint64_t weightMemoryBytes() const = 0;  // bytes of weights as held in memory
    virtual bool hasTokenizer() const = 0;
    // Weights, plus KV cache and activations of the last generate() (zero before the first one).
    virtual EngineMemory memoryUse() const = 0;

    // Generates for all requests as one batch (prefill together, decode together). Stops early
    // for cancellation (results so far are returned with FinishReason::Cancelled).
    virtual std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests,
                                                   const StreamCallback& onToken = {},
                                                   std::stop_token stop = {}) = 0;

    // A continuous batch of `slots` sequences of up to `capacity` tokens each (prompt + new; 0: the
    // engine's context) over its own KV cache, allocated now. Throws awq::Error when slots is
    // outside 1..options().maxBatch or capacity exceeds the context.
    virtual std::unique_ptr<ContinuousBatch> openContinuousBatch(int slots, int capacity = 0) = 0;
    virtual int maxContext() const = 0;  // tokens: options().maxContext or the model's max positions

    // Logits of every position of one sequence, float32 row-major [ids.size(), vocab].
    virtual std::vector<float> logits(const std::vector<int>& ids) = 0;
    // Same for several sequences of equal length, [batch][len][vocab].
    virtual std::vector<float> logitsBatch(const std::vector<std::vector<int>>& sequences) = 0;

    // Text helpers (need tokenizer.json; throw awq::Error otherwise).
    virtual std::vector<int> encode(const std::string& text, bool addSpecialTokens) const = 0;
    virtual std::string decode(const std::vector<int>& ids) const = 0;
    // One user turn through the model's chat template (generation prompt added); templateVariables
    // are extra template variables, name -> JSON text (tools, enable_thinking, ...), as
    // transformers' apply_chat_template(**kwargs) passes them.
    virtual std::vector<int> encodeChat(const std::string& userMessage,
                                        const std::map<std::string, std::string>& templateVariables = {}) const = 0;
    // A whole conversation through the chat template (generation prompt added), as above.
    virtual std::vector<int> encodeChat(const std::vector<ChatMessage>& messages,
                                        const std::map<std::string, std::string>& templateVariables = {}) const = 0;
    // The chat template's text for `messages` (what encodeChat encodes when addGenerationPrompt):
    // for a server whose client picks add_generation_prompt or continues the final message.
    virtual std::string renderChat(const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                                   const std::map<std::string, std::string>& templateVariables = {}) const = 0;
};

}  // namespace awq
