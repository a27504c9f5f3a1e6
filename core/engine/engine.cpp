#include "core/engine/engine.h"

#include "core/engine/detail/continuous_batch.h"
#include "core/engine/detail/sequence.h"
#include "core/engine/detail/transformer.h"
#include "core/engine/device_check.h"
#include "core/layers/awq_cuda_linear.h"
#include "core/model/lora_adapter.h"
#include "core/model/safetensors.h"
#include "core/system/batch_memory.h"
#include "core/system/blas_kernels.h"
#include "core/system/gpu_probe.h"
#include "core/system/host_memory.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/heap_tuning.h"
#include "core/util/log_line.h"

#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/version.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <optional>

namespace awq {
namespace fs = std::filesystem;
using engine::Clock;
using engine::msBetween;

const char* finishReasonName(FinishReason r) noexcept {
    switch (r) {
        case FinishReason::Length: return "length";
        case FinishReason::StopToken: return "stop_token";
        case FinishReason::StopString: return "stop_string";
        case FinishReason::ContextFull: return "context_full";
        case FinishReason::Cancelled: return "cancelled";
    }
    return "length";
}

const char* deviceKindName(DeviceKind d) noexcept { return d == DeviceKind::Cuda ? "cuda" : "cpu"; }

DeviceKind parseDeviceKind(const std::string& name) {
    if (name == "cpu") return DeviceKind::Cpu;
    if (name == "cuda" || name == "gpu") return DeviceKind::Cuda;
    throw Error("unknown device '" + name + "'", {}, "use cpu or cuda");
}

bool cudaEngineAvailable() { return at::hasCUDA(); }

namespace {
// Whether this libtorch carries its CUDA library: the CPU-only build's hooks are stubs that say no
// (at::hasCUDA() is false both for that and for a CUDA build on a machine without a GPU).
bool torchBuiltWithCuda() { return at::detail::getCUDAHooks().hasCUDART(); }
}  // namespace

std::string deviceUnavailableReason(DeviceKind device) {
    if (device == DeviceKind::Cpu || at::hasCUDA()) return {};
    const auto probe = probeGpus();
    const bool gpu = probe.available && !probe.gpus.empty();
    const std::string gpus = gpu ? "a GPU is present (" + probe.gpus.front().name + ")"
                                 : "no NVIDIA GPU was found" + (probe.reason.empty() ? std::string() : " (" + probe.reason + ")");
    if (!torchBuiltWithCuda()) return "this build has no CUDA (its libtorch is CPU-only); " + gpus;
    return gpu ? "CUDA sees no usable device, though " + gpus + " (driver or CUDA_VISIBLE_DEVICES?)" : "no CUDA device: " + gpus;
}

void requireDeviceAvailable(DeviceKind device) {
    if (const auto why = deviceUnavailableReason(device); !why.empty())
        throw Error("--device " + std::string(deviceKindName(device)) + " is not available: " + why, {},
                    "use --device cpu (or run on a machine with an NVIDIA GPU and a CUDA build: README, GPU build)");
}

// torch's own count, left as it is: Debian's libtorch 1.13 starts with 1 intra-op thread on the
// 2-core CI machine (OpenBLAS still uses both cores in matmuls). Raising it to the cores tried in
// session 22: greedy decode of the demo model +10% (393-426 -> 432-476 tok/s), but quantize 3.3 ->
// 5.8-6.4 s and eval ppl 0.96 -> 2.55 s (libgomp's spinning threads contend with OpenBLAS's).
// The count a speed label names is the larger of the two: the matmuls, most of a CPU step, run on
// OpenBLAS's threads ("1 thread" undersold a run whose matmuls used both cores).
int cpuComputeThreads() { return std::max(at::get_num_threads(), blasThreads()); }

namespace {

// The CPU kernels of older libtorch lack float16 matmuls (1.13: "addmm_impl_cpu_" not implemented
// for 'Half') and some bfloat16 ops: a few of the ops a forward pass runs, tried on tiny tensors
// before the weights load, so an unsupported --dtype is refused naming the option, not failed
// with a backtrace at the first token.
void requireCpuComputeSupport(at::ScalarType dtype) {
    if (dtype == at::kFloat) return;
    try {
        c10::InferenceMode guard;
        const auto options = at::TensorOptions().dtype(dtype);
        const auto x = at::ones({2, 8}, options), w = at::ones({8, 8}, options);
        auto y = at::linear(x, w);
        y = at::silu(y) * at::softmax(y, -1) + at::rsqrt(y.pow(2).mean(-1, true) + 1e-6);
        (void)at::embedding(w, at::zeros({2}, at::kLong));
        (void)at::matmul(x.view({1, 2, 8}), x.view({1, 8, 2}));
    } catch (const c10::Error& e) {
        std::string why = exceptionMessage(e);
        why = why.substr(0, why.find('\n'));
        throw Error(engine::computeDtypeName(dtype) + " compute is not supported on the CPU by this libtorch (" + TORCH_VERSION + "): " + why, {},
                    "leave --dtype out (the CPU computes in float32), or use --device cuda");
    }
}

std::uint64_t peakRssBytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return std::uint64_t(usage.ru_maxrss) * 1024;
}

class TorchEngine final : public Engine {
public:
    TorchEngine(const fs::path& folder, const EngineOptions& options) : options_(options) {
        info_ = describeModel(folder);
        requireEngineSupport(info_);  // activation, quantization method and layout (model_info.h)
        const auto& q = info_.config.quantization;

        at::Device device(at::kCPU);
        if (options.device == DeviceKind::Cuda) {
            requireDeviceAvailable(options.device);
            device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(options.cudaDevice));
        }
        compute_ = at::kFloat;
        if (options.computeDtype != "auto") {
            compute_ = engine::parseComputeDtype(options.computeDtype);
        } else if (device.is_cuda()) {
            compute_ = q.method == QuantMethod::Awq || q.method == QuantMethod::Gptq || info_.config.dtype == "float16" ? at::kHalf : at::kBFloat16;
        }
        if (!device.is_cuda()) requireCpuComputeSupport(compute_);
        maxContext_ = options.maxContext > 0 ? options.maxContext : std::max(info_.config.maxPositions, 1);

        store_ = std::make_unique<TensorStore>(TensorStore::openFolder(folder));
        c10::InferenceMode guard;
        const bool dequantize = !device.is_cuda() && q.method == QuantMethod::Awq && !options.keepAwqPacked && dequantizeOnCpuFits();
        std::optional<LoraAdapter> lora;
        if (!options.lora.empty()) {
            lora = LoraAdapter::load(options.lora, info_.config);
            if (const auto warning = loraPairingWarning(lora->config(), info_)) log::warn("engine: " + *warning);
        }
        model_ = std::make_unique<engine::Transformer>(info_.config, *store_, compute_, device, maxContext_, dequantize,
                                                       lora ? &*lora : nullptr);
        if (lora)
            log::info("engine: LoRA adapter " + options.lora.string() + " on " + std::to_string(lora->adaptedLinears()) +
                      " linears (r " + std::to_string(lora->config().rank) + ", scale " + std::to_string(lora->config().scale) + ")");
        if (info_.hasTokenizer) tokenizer_ = Tokenizer::load(folder);
        defaultStops_ = tokenizer_ ? tokenizer_->eosIds() : info_.config.eosTokenIds;
        if (defaultStops_.empty()) defaultStops_ = info_.config.eosTokenIds;
        log::info("engine: loaded " + info_.name + " on " + device.str() + " (" + engine::computeDtypeName(compute_) + "), " +
                  format::bytes(model_->weightBytes()) + " of weights; decode: " + model_->decodePath());
    }

    const ModelInfo& model() const override { return info_; }
    const EngineOptions& options() const override { return options_; }
    std::string computeDtype() const override { return engine::computeDtypeName(compute_); }
    std::uint64_t weightMemoryBytes() const override { return model_->weightBytes(); }
    bool hasTokenizer() const override { return tokenizer_.has_value(); }
    EngineMemory memoryUse() const override {
        std::lock_guard lock(memoryMutex_);
        EngineMemory m = lastMemory_;
        m.weights = model_->weightBytes();
        m.fromAllocator = model_->device().is_cuda();
        return m;
    }

    std::vector<int> encode(const std::string& text, bool addSpecialTokens) const override {
        return requireTokenizer().encode(text, addSpecialTokens);
    }
    std::string decode(const std::vector<int>& ids) const override { return requireTokenizer().decode(ids, true); }
    std::vector<int> encodeChat(const std::string& userMessage, const std::map<std::string, std::string>& templateVariables) const override {
        const auto& tok = requireTokenizer();
        return tok.encode(tok.applyChatTemplate({{"user", userMessage}}, true, templateVariables), false);
    }

    std::vector<int> encodeChat(const std::vector<ChatMessage>& messages, const std::map<std::string, std::string>& templateVariables) const override {
        const auto& tok = requireTokenizer();
        return tok.encode(tok.applyChatTemplate(messages, true, templateVariables), false);
    }
    std::string renderChat(const std::vector<ChatMessage>& messages, bool addGenerationPrompt,
                           const std::map<std::string, std::string>& templateVariables) const override {
        return requireTokenizer().applyChatTemplate(messages, addGenerationPrompt, templateVariables);
    }

    int maxContext() const override { return maxContext_; }

    std::unique_ptr<ContinuousBatch> openContinuousBatch(int slots, int capacity) override {
        if (slots < 1 || slots > options_.maxBatch)
            throw Error("a continuous batch of " + std::to_string(slots) + " slots is outside the engine's batch limit of " +
                        std::to_string(options_.maxBatch));
        if (capacity <= 0) capacity = maxContext_;
        if (capacity > maxContext_)
            throw Error(std::to_string(capacity) + " tokens per slot exceed the context of " + std::to_string(maxContext_));
        return engine::makeContinuousBatch({*model_, tokenizer_ ? &*tokenizer_ : nullptr, defaultStops_, mutex_, info_.config.vocabSize},
                                           slots, capacity);
    }

    std::vector<float> logits(const std::vector<int>& ids) override { return logitsBatch({ids}); }

    std::vector<float> logitsBatch(const std::vector<std::vector<int>>& sequences) override {
        if (sequences.empty()) return {};
        const int len = int(sequences[0].size());
        for (const auto& s : sequences) {
            if (int(s.size()) != len || len == 0) throw Error("logitsBatch needs non-empty sequences of equal length");
            checkIds(s);
        }
        if (len > maxContext_) throw Error("sequence of " + std::to_string(len) + " tokens exceeds the context of " + std::to_string(maxContext_));
        std::lock_guard lock(mutex_);
        c10::InferenceMode guard;
        const int B = int(sequences.size());
        auto cache = model_->allocateCache(B, len);
        const auto out = model_->prefill(idsTensor(sequences, len), std::vector<int>(B, len), cache, false).contiguous().cpu();
        return {out.data_ptr<float>(), out.data_ptr<float>() + out.numel()};
    }

    std::vector<GenerationResult> generate(const std::vector<GenerationRequest>& requests, const StreamCallback& onToken,
                                           std::stop_token stop) override;

private:
    // The CPU engine runs AWQ models at the dense model's speed by dequantizing every linear once at
    // load (one BLAS matmul per call instead of a dequantization per call) when the dense weights
    // take at most half the free host memory; otherwise it keeps them packed (slow, small).
    // The rule is cpuDequantizesAwq's (core/system/batch_memory.h), which the pre-flights of sweep
    // and serve apply to count the weights as held here.
    bool dequantizeOnCpuFits() const {
        const int elementBytes = int(at::elementSize(compute_));
        const std::uint64_t denseBytes = denseLinearBytes(info_.config, elementBytes);
        const auto available = availableHostMemoryBytes();
        const bool fits = cpuDequantizesAwq(info_.config, elementBytes, available);
        log::info("engine: AWQ on CPU: " +
                  (fits ? "dequantizing once at load, " + format::bytes(denseBytes) + " of dense " +
                              engine::computeDtypeName(compute_) + " weights (instead of a dequantization per matmul)"
                        : "keeping weights packed (dense copy " + format::bytes(denseBytes) + " > half of the " +
                              (available ? format::bytes(*available) : std::string("unknown")) +
                              " free); each matmul dequantizes, which is slow"));
        return fits;
    }

    static std::uint64_t cacheBytes(const engine::KvCache& cache) {
        std::uint64_t bytes = 0;
        for (const auto* list : {&cache.keys, &cache.values})
            for (const auto& t : *list)
                if (t.defined()) bytes += std::uint64_t(t.numel()) * t.element_size();
        return bytes;
    }

    // CPU: the transient tensors of a prefill of `batch` x `length` tokens, the largest step of a
    // generation: hidden state, residual and norm output, q/k/v, attention scores and output, the
    // MLP's gate/up/activation, and the last position's float32 logits. An estimate from the shapes.
    std::uint64_t cpuActivationEstimate(int batch, int length) const {
        const auto& c = info_.config;
        const std::uint64_t tokens = std::uint64_t(batch) * length, elem = at::elementSize(compute_);
        const std::uint64_t perToken = 3ull * c.hiddenSize + std::uint64_t(c.numHeads + 2 * c.numKvHeads) * c.headDim +
                                       std::uint64_t(c.numHeads) * c.headDim + 3ull * c.intermediateSize;
        const std::uint64_t scores = std::uint64_t(batch) * c.numHeads * length * length;
        return (tokens * perToken + scores) * elem + std::uint64_t(batch) * c.vocabSize * 4;
    }

    // The KV cache for a generation. On CUDA the last one is kept and reused when batch and
    // capacity allow it, so its captured decode graph is replayed rather than captured anew;
    // capacities round up to 256 tokens so that nearby lengths share one cache.
    engine::KvCache& cacheFor(int batch, int capacity) {
        if (!model_->device().is_cuda()) {
            cache_ = model_->allocateCache(batch, capacity);
            return *cache_;
        }
        if (cache_ && cache_->batch == batch && cache_->capacity >= capacity) return *cache_;
        cache_.reset();  // free the old one before allocating
        cache_ = model_->allocateCache(batch, std::min(maxContext_, (capacity + 255) / 256 * 256));
        return *cache_;
    }

    const Tokenizer& requireTokenizer() const {
        if (!tokenizer_) throw Error("the model has no tokenizer.json", info_.folder, "add the tokenizer files, or pass token ids");
        return *tokenizer_;
    }

    void checkIds(const std::vector<int>& ids) const {
        for (int id : ids)
            if (id < 0 || id >= info_.config.vocabSize)
                throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(info_.config.vocabSize));
    }

    static at::Tensor idsTensor(const std::vector<std::vector<int>>& seqs, int width) {
        auto t = at::zeros({int64_t(seqs.size()), width}, at::kLong);
        auto acc = t.accessor<int64_t, 2>();
        for (std::size_t b = 0; b < seqs.size(); ++b)
            for (std::size_t i = 0; i < seqs[b].size(); ++i) acc[b][i] = seqs[b][i];
        return t;
    }

    ModelInfo info_;
    EngineOptions options_;
    at::ScalarType compute_ = at::kFloat;
    int maxContext_ = 0;
    std::unique_ptr<TensorStore> store_;  // keeps the memory map alive for CPU tensors that alias it
    std::unique_ptr<engine::Transformer> model_;
    std::optional<Tokenizer> tokenizer_;
    std::vector<int> defaultStops_;
    std::optional<engine::KvCache> cache_;
    std::mutex mutex_;  // one generation at a time per engine; two engines run in parallel
    mutable std::mutex memoryMutex_;   // memoryUse() may be asked from another thread than generate()'s
    EngineMemory lastMemory_;
};

std::vector<GenerationResult> TorchEngine::generate(const std::vector<GenerationRequest>& requests, const StreamCallback& onToken,
                                                    std::stop_token stop) {
    if (requests.empty()) return {};
    if (int(requests.size()) > options_.maxBatch)
        throw Error(std::to_string(requests.size()) + " requests exceed the engine's batch limit of " + std::to_string(options_.maxBatch));
    int longestPrompt = 0, capacity = 0;
    for (const auto& r : requests) {
        if (r.promptIds.empty()) throw Error("empty prompt", {}, "give at least one token");
        checkIds(r.promptIds);
        longestPrompt = std::max(longestPrompt, int(r.promptIds.size()));
        capacity = std::max(capacity, int(r.promptIds.size()) + std::max(r.maxNewTokens, 0));
    }
    if (longestPrompt >= maxContext_)
        throw Error("prompt of " + std::to_string(longestPrompt) + " tokens leaves no room in the context of " + std::to_string(maxContext_),
                    {}, "shorten the prompt");
    capacity = std::min(capacity, maxContext_);

    std::lock_guard lock(mutex_);
    c10::InferenceMode guard;
    const bool onGpu = model_->device().is_cuda();
    if (onGpu) engine::cudaResetPeak(options_.cudaDevice);
    const auto start = Clock::now();
    std::uint64_t allocatedBefore = 0;

    std::vector<engine::Sequence> slots;
    slots.reserve(requests.size());
    for (const auto& r : requests) slots.emplace_back(r, defaultStops_, tokenizer_ ? &*tokenizer_ : nullptr);
    std::vector<engine::Sequence*> live;
    for (auto& s : slots) live.push_back(&s);
    std::vector<std::vector<int>> prompts;
    std::vector<int> lengths, positions;
    for (const auto& r : requests) {
        prompts.push_back(r.promptIds);
        lengths.push_back(int(r.promptIds.size()));
    }

    auto& cache = cacheFor(int(requests.size()), capacity);
    if (onGpu) allocatedBefore = engine::cudaAllocatedBytes(options_.cudaDevice);
    const std::uint64_t kvBytes = cacheBytes(cache);
    auto logits = model_->prefill(idsTensor(prompts, longestPrompt), lengths, cache, true);
    positions = lengths;

    auto anyLive = [&] { return std::any_of(slots.begin(), slots.end(), [](const engine::Sequence& s) { return !s.done; }); };
    // Greedy batches on the fused CUDA path run one step ahead: step N+1 is queued before the host
    // reads step N's tokens, so the host's share of a step (reading tokens, stop checks, callbacks,
    // the graph launch) overlaps the GPU's. The lookahead costs at most one wasted step when a
    // sequence ends on a stop token.
    const bool chained = model_->greedyChainSupported() && std::all_of(requests.begin(), requests.end(), [](const GenerationRequest& r) {
                             return r.sampling.greedy && r.sampling.repetitionPenalty == 1.0f;
                         });
    int queued = 0;  // chained steps in flight
    // Whether a live sequence may still want a token after the `queued` steps in flight.
    auto wantsAnotherStep = [&] {
        for (std::size_t b = 0; b < slots.size(); ++b)
            if (!slots[b].done && int(slots[b].result.newIds.size()) + queued < slots[b].request.maxNewTokens &&
                positions[b] + queued + 1 < capacity)
                return true;
        return false;
    };
    auto next = engine::pickTokens(logits, live);
    bool first = true;
    while (true) {
        const auto now = Clock::now();
        for (std::size_t b = 0; b < slots.size(); ++b) {
            if (slots[b].done) continue;
            if (first) slots[b].firstToken = now;
            if (slots[b].request.maxNewTokens <= 0) {
                slots[b].done = true;
                continue;
            }
            engine::acceptToken(slots[b], int(b), next[b], onToken);
        }
        first = false;
        if (!anyLive()) break;
        if (stop.stop_requested()) {
            for (auto& s : slots)
                if (!s.done) {
                    s.result.finish = FinishReason::Cancelled;
                    s.done = true;
                }
            break;
        }
        // The token just accepted goes to positions[b]; with that slot the last one, no room is left.
        for (auto& s : slots)
            if (!s.done && positions[&s - slots.data()] + 1 >= capacity) {
                s.result.finish = FinishReason::ContextFull;
                s.done = true;
            }
        if (!anyLive()) break;
        if (chained && queued > 0) {
            if (wantsAnotherStep()) {
                model_->queueGreedyStep(cache);
                ++queued;
            }
        } else {
            // Finished sequences stay in the batch (it stays rectangular), rewriting their last slot.
            std::vector<int64_t> feed(slots.size());
            for (std::size_t b = 0; b < slots.size(); ++b) {
                feed[b] = slots[b].result.newIds.empty() ? 0 : slots[b].result.newIds.back();
                if (slots[b].done) positions[b] = std::min(positions[b], capacity - 1);
            }
            if (chained) {
                model_->startGreedyChain(at::tensor(feed, at::kLong), positions, cache);
                model_->queueGreedyStep(cache);
                queued = 1;
                if (wantsAnotherStep()) {
                    model_->queueGreedyStep(cache);
                    ++queued;
                }
            } else {
                logits = model_->decode(at::tensor(feed, at::kLong), positions, cache);
            }
        }
        if (chained) {
            next = model_->nextGreedyIds(cache);
            --queued;
        } else {
            next = engine::pickTokens(logits, live);
        }
        for (std::size_t b = 0; b < slots.size(); ++b)
            if (!slots[b].done) ++positions[b];
    }
    for (; queued > 0; --queued) model_->nextGreedyIds(cache);  // a step queued ahead that no sequence needed

    for (std::size_t b = 0; b < slots.size(); ++b)
        if (auto tail = engine::finishText(slots[b]); !tail.empty() && onToken) onToken({int(b), -1, tail});
    if (!onGpu) cache_.reset();  // the CPU keeps no cache between generations
    const auto end = Clock::now();
    const std::uint64_t peak = onGpu ? engine::cudaPeakAllocatedBytes(options_.cudaDevice) : peakRssBytes();
    {
        std::lock_guard memoryLock(memoryMutex_);
        lastMemory_.kvCache = kvBytes;
        lastMemory_.activations = onGpu ? (peak > allocatedBefore ? peak - allocatedBefore : 0)
                                        : cpuActivationEstimate(int(requests.size()), longestPrompt);
    }
    std::vector<GenerationResult> results;
    for (auto& s : slots) {
        auto& m = s.result.metrics;
        m.newTokens = int(s.result.newIds.size());
        m.e2eMs = msBetween(start, end);
        m.ttftMs = m.newTokens > 0 ? msBetween(start, s.firstToken) : 0;
        if (m.newTokens > 1) m.tpotMs = (m.e2eMs - m.ttftMs) / (m.newTokens - 1);
        m.tokensPerSecond = m.e2eMs > 0 ? m.newTokens / (m.e2eMs / 1000.0) : 0;
        m.peakMemoryBytes = peak;
        results.push_back(std::move(s.result));
    }
    return results;
}

}  // namespace

std::unique_ptr<Engine> Engine::load(const fs::path& modelFolder, const EngineOptions& options) {
    retainLargeAllocations();  // CPU forward passes reuse chunk-sized blocks instead of faulting them in again
    selectBlasKernels();       // the CPU's own matmul kernels where OpenBLAS fell back to generic ones
    return std::make_unique<TorchEngine>(modelFolder, options);
}

}  // namespace awq
