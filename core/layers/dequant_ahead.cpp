#include "core/layers/dequant_ahead.h"

#include "core/util/error.h"
#include "kernels/cuda/awq_repacked.h"

#include <c10/cuda/CUDACachingAllocator.h>

#include <cstdlib>
#include <string>

namespace awq::engine {
namespace {

void check(cudaError_t err, const char* what) {
    if (err != cudaSuccess) throw Error(std::string("prefill: ") + what + " failed: " + cudaGetErrorString(err));
}

std::int64_t elements(const RepackedAwqWeight& w) { return std::int64_t(w.N) * w.K; }

// A buffer of at least `count` fp16 elements on the weight's device (allocated in torch's current
// stream, the main one).
void reserve(at::Tensor& buffer, const RepackedAwqWeight& w) {
    if (buffer.defined() && buffer.numel() >= elements(w)) return;
    buffer = at::Tensor();  // freed first: the old and the new one are not held at once
    buffer = at::empty({elements(w)}, w.scaleZeros.options().dtype(at::kHalf));
}

void dequantize(const RepackedAwqWeight& w, at::Tensor& buffer, cudaStream_t stream) {
    check(kernels::awqRepackedDequantize(w.qpack.data_ptr<std::int32_t>(), reinterpret_cast<const __half*>(w.scaleZeros.data_ptr()), w.K, w.N,
                                         w.groupSize, reinterpret_cast<__half*>(buffer.data_ptr()), stream),
          "the AWQ dequantize kernel");
}

at::Tensor weightView(const at::Tensor& buffer, const RepackedAwqWeight& w) { return buffer.narrow(0, 0, elements(w)).view({w.N, w.K}); }

}  // namespace

DequantAhead::~DequantAhead() { reset(-1); }

bool DequantAhead::enabled() {
    static const bool on = [] {
        const char* v = std::getenv("AWQBENCH_DEQUANT_AHEAD");
        return !(v && v[0] == '0');
    }();
    return on;
}

DequantAhead& DequantAhead::forThisThread() {
    thread_local DequantAhead ring;
    return ring;
}

void DequantAhead::reset(int device) {
    // Destroying an event or a buffer with work still queued on it is safe: CUDA releases the event
    // when that work completes, and the caching allocator reuses a buffer only after the streams
    // that used it (recordStream) have passed this point.
    for (Slot& s : slots_) {
        if (s.ready) (void)cudaEventDestroy(s.ready);
        s = Slot{};
    }
    if (mainReached_) (void)cudaEventDestroy(mainReached_);
    mainReached_ = nullptr;
    pending_ = -1;
    side_.reset();
    device_ = device;
    if (device < 0) return;
    for (Slot& s : slots_) check(cudaEventCreateWithFlags(&s.ready, cudaEventDisableTiming), "creating a CUDA event");
    check(cudaEventCreateWithFlags(&mainReached_, cudaEventDisableTiming), "creating a CUDA event");
    side_ = c10::cuda::getStreamFromPool(false, c10::DeviceIndex(device));
}

at::Tensor DequantAhead::acquire(const RepackedAwqWeight& w, const RepackedAwqWeight* next, const c10::cuda::CUDAStream& stream) {
    const cudaStream_t main = stream.stream();
    cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
    check(cudaStreamIsCapturing(main, &capture), "querying the stream's capture");
    if (capture != cudaStreamCaptureStatusNone) {  // a buffer of the graph's own pool, nothing ahead (the side stream is not captured)
        at::Tensor buffer;
        reserve(buffer, w);
        dequantize(w, buffer, main);
        return weightView(buffer, w);
    }
    if (const int device = w.qpack.device().index(); device != device_) reset(device);
    int current;
    if (pending_ >= 0 && slots_[pending_].aheadOf.is_same(w.qpack)) {
        current = pending_;
        check(cudaStreamWaitEvent(main, slots_[current].ready, 0), "waiting for a weight dequantized ahead");
    } else {
        // A weight other than the one dequantized ahead (a pass cut short, another model): that
        // dequantization finishes before its buffer is written again.
        if (pending_ >= 0) check(cudaStreamWaitEvent(main, slots_[pending_].ready, 0), "waiting for the side stream");
        current = 0;
        reserve(slots_[current].buffer, w);
        dequantize(w, slots_[current].buffer, main);
    }
    for (Slot& s : slots_) s.aheadOf = at::Tensor();
    pending_ = -1;
    const at::Tensor weight = weightView(slots_[current].buffer, w);

    if (next && next->defined() && next->qpack.device() == w.qpack.device() && enabled()) {
        Slot& ahead = slots_[1 - current];
        reserve(ahead.buffer, *next);
        // The side stream starts where the main stream is now: past the GEMM that last read this
        // buffer and past any earlier use of memory the allocator just handed out.
        check(cudaEventRecord(mainReached_, main), "recording a CUDA event");
        check(cudaStreamWaitEvent(side_->stream(), mainReached_, 0), "ordering the side stream");
        dequantize(*next, ahead.buffer, side_->stream());
        c10::cuda::CUDACachingAllocator::recordStream(ahead.buffer.storage().data_ptr(), *side_);
        check(cudaEventRecord(ahead.ready, side_->stream()), "recording a CUDA event");
        ahead.aheadOf = next->qpack;
        pending_ = 1 - current;
    }
    return weight;
}

}  // namespace awq::engine
