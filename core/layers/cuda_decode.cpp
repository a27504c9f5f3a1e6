// Torch with CUDA: hands torch CUDA tensors and torch's current stream to the fused decode kernels
// (kernels/cuda/decode_ops.h), and captures decode steps with torch's CUDAGraph. Compiled only where
// torch has CUDA (AWQBENCH_TORCH_CUDA); the CPU-only build uses cuda_decode_none.cpp.
#include "core/layers/cuda_decode.h"

#include "core/layers/torch_cuda_util.h"
#include "core/util/error.h"
#include "kernels/cuda/decode_ops.h"

#include <ATen/ATen.h>
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>

#include <cuda_runtime_api.h>

#include <string>
#include <type_traits>

namespace awq::engine {
namespace {

void requireHalfTensor(const at::Tensor& t, const char* name) {
    if (!isHalfOnGpu(t)) throw Error(std::string("decode kernels: '") + name + "' must be a contiguous fp16 or bf16 CUDA tensor");
}

class TorchCapturedStep final : public CapturedStep {
public:
    at::Tensor replay() override {
        graph.replay();
        return output;
    }
    at::cuda::CUDAGraph graph;
    at::Tensor output;
};

}  // namespace

bool cudaDecodeBuiltIn() { return true; }

at::Tensor cudaRmsNormResidual(at::Tensor& x, const at::Tensor& delta, const at::Tensor& weight, double eps) {
    requireHalfTensor(x, "x");
    requireHalfTensor(weight, "norm weight");
    if (delta.defined()) requireHalfTensor(delta, "residual delta");
    const int dim = int(x.size(-1));
    const int rows = int(x.numel() / dim);
    auto out = at::empty_like(x);
    checkKernel(withElementType(x,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::rmsNormResidual<T>(pointer<T>(x), pointer<T>(delta), pointer<T>(weight), pointer<T>(out), rows,
                                                                 dim, float(eps), currentStream(x));
                          }),
          "RMSNorm");
    return out;
}

namespace {
// The rope / KV-write arguments for these tensors (the caches' shapes give D and the capacity); q
// undefined where the attention kernel rotates the queries itself.
template <typename T>
kernels::RopeKvArgs<T> ropeKvArgs(const at::Tensor& qkv, const at::Tensor& qNorm, const at::Tensor& kNorm, double eps, const at::Tensor& cos,
                                  const at::Tensor& sin, const at::Tensor& positions, const at::Tensor& q, at::Tensor& keys, at::Tensor& values,
                                  int heads, int kvHeads, int tokensPerSequence) {
    return {.qkv = pointer<T>(qkv),
            .qNorm = pointer<T>(qNorm),
            .kNorm = pointer<T>(kNorm),
            .normEps = float(eps),
            .cos = cos.data_ptr<float>(),
            .sin = sin.data_ptr<float>(),
            .positions = positions.data_ptr<std::int32_t>(),
            .q = pointer<T>(q),
            .kCache = pointer<T>(keys),
            .vCache = pointer<T>(values),
            .batch = int(qkv.size(0)),
            .heads = heads,
            .kvHeads = kvHeads,
            .headDim = int(keys.size(3)),
            .capacity = int(keys.size(2)),
            .tokensPerSequence = tokensPerSequence};
}

void requireRopeInputs(const at::Tensor& qkv, const at::Tensor& keys, const at::Tensor& values) {
    requireHalfTensor(qkv, "qkv");
    requireHalfTensor(keys, "key cache");
    requireHalfTensor(values, "value cache");
}
}  // namespace

at::Tensor cudaRopeKvWrite(const at::Tensor& qkv, const at::Tensor& qNorm, const at::Tensor& kNorm, double eps, const at::Tensor& cos,
                           const at::Tensor& sin, const at::Tensor& positions, at::Tensor& keys, at::Tensor& values, int heads, int kvHeads,
                           int tokensPerSequence) {
    requireRopeInputs(qkv, keys, values);
    auto q = at::empty({qkv.size(0), heads, keys.size(3)}, qkv.options());
    checkKernel(withElementType(qkv,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::ropeKvWrite<T>(
                                  ropeKvArgs<T>(qkv, qNorm, kNorm, eps, cos, sin, positions, q, keys, values, heads, kvHeads, tokensPerSequence),
                                  currentStream(qkv));
                          }),
          "rotary embedding / KV write");
    return q;
}

at::Tensor cudaDecodeAttention(const at::Tensor& qkv, const at::Tensor& qNorm, const at::Tensor& kNorm, double eps, const at::Tensor& cos,
                               const at::Tensor& sin, const at::Tensor& positions, at::Tensor& keys, at::Tensor& values, int heads, int window,
                               double scale) {
    requireRopeInputs(qkv, keys, values);
    const int B = int(qkv.size(0)), kvHeads = int(keys.size(1)), capacity = int(keys.size(2)), D = int(keys.size(3));
    if (qkv.dim() != 2 || qkv.size(1) != std::int64_t(heads + 2 * kvHeads) * D)
        throw Error("decode attention: qkv must be [batch, (heads + 2 kv heads) * head dim] rows of the fused q|k|v projection");
    const int splits = kernels::decodeAttentionSplits(B, kvHeads, capacity);
    const std::size_t workspaceBytes = kernels::decodeAttentionWorkspaceBytes(B, heads, D, splits);
    at::Tensor workspace;
    if (workspaceBytes > 0) workspace = at::empty({std::int64_t(workspaceBytes / sizeof(float))}, qkv.options().dtype(at::kFloat));
    auto out = at::empty({B, heads * D}, qkv.options());
    checkKernel(withElementType(qkv,
                          [&](auto tag) {
                              using T = decltype(tag);
                              const auto rope = ropeKvArgs<T>(qkv, qNorm, kNorm, eps, cos, sin, positions, {}, keys, values, heads, kvHeads, 1);
                              const kernels::DecodeAttentionArgs<T> args{nullptr /* q: rotated in the kernel */, pointer<T>(keys),
                                                                         pointer<T>(values),    positions.data_ptr<std::int32_t>(),
                                                                         pointer<T>(out),       workspace.defined() ? workspace.data_ptr<float>() : nullptr,
                                                                         B,                     heads,
                                                                         kvHeads,               D,
                                                                         capacity,              window,
                                                                         splits,                float(scale)};
                              return kernels::decodeAttention<T>(args, currentStream(qkv), &rope);
                          }),
          "decode attention");
    return out;
}

at::Tensor cudaSiluMul(const at::Tensor& gateUp) {
    requireHalfTensor(gateUp, "gate|up");
    const int inter = int(gateUp.size(-1) / 2);
    const int rows = int(gateUp.numel() / gateUp.size(-1));
    auto sizes = gateUp.sizes().vec();
    sizes.back() = inter;
    auto out = at::empty(sizes, gateUp.options());
    checkKernel(withElementType(gateUp,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::siluMul<T>(pointer<T>(gateUp), pointer<T>(out), rows, inter, currentStream(gateUp));
                          }),
          "SiLU * up");
    return out;
}

at::Tensor cudaEmbedRows(const at::Tensor& table, const at::Tensor& ids, at::Tensor& tileSumSquares) {
    requireHalfTensor(table, "embedding table");
    const int rows = int(ids.numel()), dim = int(table.size(1));
    if (!ids.is_cuda() || ids.scalar_type() != at::kLong || !ids.is_contiguous() || ids.device() != table.device())
        throw Error("embedding kernel: ids must be a contiguous int64 tensor on the table's GPU");
    if (!tileSumSquares.is_cuda() || tileSumSquares.scalar_type() != at::kFloat || !tileSumSquares.is_contiguous() ||
        tileSumSquares.numel() != std::int64_t(rows) * (dim / 16))
        throw Error("embedding kernel: tileSumSquares must be a contiguous float32 CUDA tensor [rows, dim / 16]");
    auto x = at::empty({rows, dim}, table.options());
    checkKernel(withElementType(table,
                          [&](auto tag) {
                              using T = decltype(tag);
                              return kernels::embedRows<T>(pointer<T>(table), table.size(0), ids.data_ptr<std::int64_t>(), pointer<T>(x),
                                                           tileSumSquares.data_ptr<float>(), rows, dim, currentStream(table));
                          }),
          "embedding");
    return x;
}

namespace {

// ids = the argmax of each row of logits, with the greedy step's bookkeeping (kernels::argmaxRows).
void argmaxInto(const at::Tensor& logits, at::Tensor& ids, at::Tensor& workspace, const kernels::ArgmaxBookkeeping& bookkeeping) {
    if (!logits.is_cuda() || logits.dim() != 2 || !logits.is_contiguous() || !(logits.scalar_type() == at::kFloat || isHalfOnGpu(logits)))
        throw Error("argmax kernel: logits must be a contiguous float32, float16 or bfloat16 CUDA tensor [rows, vocab]");
    const c10::cuda::CUDAGuard guard(logits.device());
    const int rows = int(logits.size(0));
    if (!ids.is_cuda() || ids.scalar_type() != at::kLong || !ids.is_contiguous() || ids.numel() != rows)
        throw Error("argmax kernel: ids must be a contiguous int64 CUDA tensor [rows]");
    // Zeroed once for a row count (its layout depends on it), re-armed by every call.
    const auto bytes = std::int64_t(kernels::argmaxWorkspaceBytes(rows));
    if (!workspace.defined() || workspace.device() != logits.device() || workspace.numel() != bytes)
        workspace = at::zeros({bytes}, logits.options().dtype(at::kByte));
    const auto launch = [&](auto tag) {
        using L = decltype(tag);
        return kernels::argmaxRows<L>(pointer<L>(logits), rows, int(logits.size(1)), ids.data_ptr<std::int64_t>(), workspace.data_ptr(),
                                      currentStream(logits), bookkeeping);
    };
    checkKernel(logits.scalar_type() == at::kFloat ? launch(float{}) : withElementType(logits, launch), "argmax");
}

// A step's ids in its slot of the mapped ring, there once the step's event has completed.
class SlotIds final : public PendingIds {
public:
    SlotIds(std::shared_ptr<std::int64_t> ring, const std::int64_t* slot, int rows, const at::cuda::CUDAStream& stream)
        : ring_(std::move(ring)), slot_(slot), rows_(rows) {
        done_.record(stream);
    }
    std::vector<int> wait() override {
        done_.synchronize();
        return std::vector<int>(slot_, slot_ + rows_);
    }

private:
    std::shared_ptr<std::int64_t> ring_;  // kept alive while a step may still be read
    const std::int64_t* slot_;
    int rows_;
    at::cuda::CUDAEvent done_;
};

class MappedRingStepEnd final : public GreedyStepEnd {
public:
    MappedRingStepEnd(int rows, const at::Device& device) : rows_(rows), device_(device) {
        const c10::cuda::CUDAGuard guard(device);
        void* host = nullptr;
        if (const cudaError_t err = cudaHostAlloc(&host, sizeof(std::int64_t) * std::size_t(rows) * kSlots, cudaHostAllocMapped); err != cudaSuccess) {
            cudaGetLastError();
            throw Error(std::string("greedy decode: mapped pinned host memory for the token ids: ") + cudaGetErrorString(err), {},
                        "set AWQBENCH_CUDA_GRAPHS=0, or free host memory");
        }
        ring_ = std::shared_ptr<std::int64_t>(static_cast<std::int64_t*>(host), [](std::int64_t* p) { cudaFreeHost(p); });
        void* onDevice = nullptr;
        checkKernel(cudaHostGetDevicePointer(&onDevice, host, 0), "mapping the token-id ring");
        ringOnDevice_ = static_cast<std::int64_t*>(onDevice);
        cursor_ = at::zeros({rows}, at::TensorOptions().dtype(at::kInt).device(device));
    }
    void advance(const at::Tensor& logits, at::Tensor& ids, at::Tensor& positions, int positionLimit) override {
        if (positions.device() != logits.device() || positions.scalar_type() != at::kInt || !positions.is_contiguous() || positions.numel() != rows_ ||
            logits.dim() != 2 || logits.size(0) != rows_)
            throw Error("greedy step: logits [rows, vocab] and positions (int32 [rows]) for the ring's rows on one GPU");
        argmaxInto(logits, ids, workspace_, {positions.data_ptr<std::int32_t>(), positionLimit, ringOnDevice_, cursor_.data_ptr<std::int32_t>(), kSlots});
    }
    void restart() override {
        cursor_.zero_();
        queued_ = 0;
    }
    std::unique_ptr<PendingIds> stepQueued() override {
        const std::int64_t* slot = ring_.get() + std::size_t(queued_++ % kSlots) * rows_;
        return std::make_unique<SlotIds>(ring_, slot, rows_, c10::cuda::getCurrentCUDAStream(device_.index()));
    }

private:
    int rows_;
    at::Device device_;
    std::shared_ptr<std::int64_t> ring_;  // [kSlots][rows] host view
    std::int64_t* ringOnDevice_ = nullptr;
    at::Tensor cursor_;     // int32 [rows]: the slot the next advance writes (per row; all equal)
    at::Tensor workspace_;  // the argmax's counters (captured with the step)
    std::int64_t queued_ = 0;
};

}  // namespace

at::Tensor cudaArgmaxRows(const at::Tensor& logits, at::Tensor* workspace) {
    auto out = at::empty({logits.dim() == 2 ? logits.size(0) : 0}, logits.options().dtype(at::kLong));
    // Per thread unless given, so two engines decoding on two threads (the Compare page) never share one.
    thread_local at::Tensor perThread;
    argmaxInto(logits, out, workspace ? *workspace : perThread, {});
    return out;
}

std::unique_ptr<GreedyStepEnd> makeGreedyStepEnd(int rows, const at::Device& device) { return std::make_unique<MappedRingStepEnd>(rows, device); }

std::unique_ptr<CapturedStep> captureStep(const std::function<at::Tensor()>& step, const at::Device& device, at::Tensor& firstOutput) {
    const c10::cuda::CUDAGuard deviceGuard(device);
    auto current = c10::cuda::getCurrentCUDAStream(device.index());
    auto side = c10::cuda::getStreamFromPool(false, device.index());
    auto captured = std::make_unique<TorchCapturedStep>();
    current.synchronize();  // the prefill's cache writes are done before the side stream reads them
    {
        const c10::cuda::CUDAStreamGuard streamGuard(side);
        // Warm-up on the capture stream (cuBLAS handles and workspaces are per stream), and the
        // real output of this step.
        firstOutput = step();
        side.synchronize();
        try {
            // Thread-local capture: another engine may be decoding (and allocating) on another
            // thread at the same time (the Compare page runs two).
            captured->graph.capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
            captured->output = step();
            captured->graph.capture_end();
        } catch (const std::exception& e) {
            throw Error(std::string("capturing the decode step as a CUDA graph failed: ") + e.what(), {},
                        "set AWQBENCH_CUDA_GRAPHS=0 to decode without graphs, and report the model and GPU");
        }
    }
    return captured;
}

}  // namespace awq::engine
