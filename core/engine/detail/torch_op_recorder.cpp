// TorchOpRecorder on at::RecordFunction thread-local callbacks (what torch's own profiler uses):
// every operator and RECORD_USER_SCOPE this thread enters, of which the outermost ones are kept,
// so nested operators (aten::linear -> aten::matmul -> aten::mm) count once.
#include "core/engine/kernel_timeline.h"

#include "core/util/error.h"

#include <ATen/record_function.h>

#include <chrono>

namespace awq {
namespace {

std::uint64_t nowNs() {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

struct Recording {
    std::vector<KernelRecord> records;
    int depth = 0;
};
thread_local Recording* active = nullptr;

struct OpStart final : at::ObserverContext {
    std::uint64_t startNs = 0;
    bool outermost = false;
};

std::unique_ptr<at::ObserverContext> onEnter(const at::RecordFunction&) {
    auto ctx = std::make_unique<OpStart>();
    if (!active) return ctx;
    ctx->outermost = active->depth++ == 0;
    ctx->startNs = nowNs();
    return ctx;
}

void onExit(const at::RecordFunction& fn, at::ObserverContext* context) {
    auto* ctx = static_cast<OpStart*>(context);
    if (!active || !ctx) return;
    --active->depth;
    if (ctx->outermost) active->records.push_back({fn.name(), ctx->startNs, nowNs(), 0});
}

}  // namespace

struct TorchOpRecorder::State {
    Recording recording;
    at::CallbackHandle handle = 0;
};

TorchOpRecorder::TorchOpRecorder() : state_(std::make_unique<State>()) {
    if (active) throw Error("recording torch operators: a recording is already running on this thread");
    active = &state_->recording;
    state_->handle = at::addThreadLocalCallback(
        at::RecordFunctionCallback(&onEnter, &onExit).needsInputs(false).scopes({at::RecordScope::FUNCTION, at::RecordScope::USER_SCOPE}));
}

TorchOpRecorder::~TorchOpRecorder() { stop(); }

std::vector<KernelRecord> TorchOpRecorder::stop() {
    if (!state_ || !state_->handle) return {};
    at::removeCallback(state_->handle);
    state_->handle = 0;
    active = nullptr;
    return std::move(state_->recording.records);
}

}  // namespace awq
