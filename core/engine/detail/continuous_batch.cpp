#include "core/engine/detail/continuous_batch.h"

#include "core/engine/detail/sequence.h"
#include "core/util/error.h"

#include <algorithm>
#include <optional>

namespace awq::engine {
namespace {

class TorchContinuousBatch final : public ContinuousBatch {
public:
    TorchContinuousBatch(BatchParts parts, int slots, int capacity)
        : parts_(std::move(parts)), slots_(std::size_t(slots)), positions_(std::size_t(slots), 0) {
        std::lock_guard lock(parts_.engineLock);
        c10::InferenceMode guard;
        cache_ = parts_.model.allocateCache(slots, capacity);
    }

    int slots() const override { return int(slots_.size()); }
    int capacity() const override { return cache_.capacity; }
    int active() const override { return int(std::count_if(slots_.begin(), slots_.end(), [](const auto& s) { return s.has_value(); })); }
    bool hasFreeSlot() const override { return active() < slots(); }

    int add(const GenerationRequest& request, std::vector<BatchEvent>& events) override {
        const int S = int(request.promptIds.size());
        if (S == 0) throw Error("empty prompt", {}, "give at least one token");
        for (int id : request.promptIds)
            if (id < 0 || id >= parts_.vocabSize)
                throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(parts_.vocabSize));
        if (S >= capacity())
            throw Error("prompt of " + std::to_string(S) + " tokens leaves no room in the context of " + std::to_string(capacity()), {},
                        "shorten the prompt");
        const auto free = std::find_if(slots_.begin(), slots_.end(), [](const auto& s) { return !s.has_value(); });
        if (free == slots_.end()) throw Error("no free slot in the batch of " + std::to_string(slots()));
        const int slot = int(free - slots_.begin());

        std::lock_guard lock(parts_.engineLock);
        c10::InferenceMode guard;
        auto& seq = free->emplace(request, parts_.defaultStops, parts_.tokenizer);
        started_[slot] = Clock::now();
        if (request.maxNewTokens <= 0) {
            seq.done = true;
            finish(slot, events);
            return slot;
        }
        // Prefill through a batch-1 view of this slot's rows: it writes cache positions 0..S-1 in place.
        at::Tensor logits;
        try {
            auto view = slotView(slot, 1);
            const auto ids = at::tensor(std::vector<int64_t>(request.promptIds.begin(), request.promptIds.end()), at::kLong).view({1, S});
            logits = parts_.model.prefill(ids, {S}, view, true);
        } catch (...) {
            free->reset();  // out of memory and the like: the slot stays usable
            throw;
        }
        positions_[slot] = S;
        seq.firstToken = Clock::now();
        accept(slot, pickTokens(logits, {&seq})[0], events);
        return slot;
    }

    void step(std::vector<BatchEvent>& events) override {
        if (active() == 0) return;
        std::lock_guard lock(parts_.engineLock);
        c10::InferenceMode guard;
        // On CUDA the decode graph is keyed by the cache, so every step decodes all slots (free ones
        // with a dummy token at position 0, which the next prefill overwrites). On the CPU only
        // slots 0..highest active run, through a view of those rows.
        const bool wholeBatch = parts_.model.device().is_cuda();
        int rows = slots();
        if (!wholeBatch) {
            rows = 0;
            for (int b = 0; b < slots(); ++b)
                if (slots_[b]) rows = b + 1;
        }
        std::vector<int64_t> feed(std::size_t(rows), 0);
        std::vector<int> positions(std::size_t(rows), 0);
        for (int b = 0; b < rows; ++b)
            if (slots_[b]) {
                feed[b] = slots_[b]->result.newIds.back();
                positions[b] = positions_[b];
            }
        at::Tensor logits;
        if (wholeBatch) {
            logits = parts_.model.decode(at::tensor(feed, at::kLong), positions, cache_);
        } else {
            auto view = slotView(0, rows);
            logits = parts_.model.decode(at::tensor(feed, at::kLong), positions, view);
        }
        for (int b = 0; b < rows; ++b)
            if (slots_[b]) ++positions_[b];
        std::vector<Sequence*> live(std::size_t(rows), nullptr);
        for (int b = 0; b < rows; ++b)
            if (slots_[b]) live[b] = &*slots_[b];
        const auto next = pickTokens(logits, live);
        for (int b = 0; b < rows; ++b)
            if (slots_[b]) accept(b, next[b], events);
    }

    void cancel(int slot) override {
        if (slot < 0 || slot >= slots()) return;
        slots_[slot].reset();
    }

private:
    // Rows [first, first + count) of the cache as a cache of their own (views share the storage).
    KvCache slotView(int first, int count) {
        KvCache v;
        v.capacity = cache_.capacity;
        v.batch = count;
        for (std::size_t l = 0; l < cache_.keys.size(); ++l) {
            v.keys.push_back(cache_.keys[l].narrow(0, first, count));
            v.values.push_back(cache_.values[l].narrow(0, first, count));
        }
        return v;
    }

    void accept(int slot, int token, std::vector<BatchEvent>& events) {
        auto& seq = *slots_[slot];
        acceptToken(seq, slot, token, [&](const StreamEvent& e) { events.push_back({slot, e.tokenId, e.textDelta, false, {}}); });
        // As generate: the token just accepted goes to positions_[slot]; with that the last row, no room is left.
        if (!seq.done && positions_[slot] + 1 >= capacity()) {
            seq.result.finish = FinishReason::ContextFull;
            seq.done = true;
        }
        if (seq.done) finish(slot, events);
    }

    void finish(int slot, std::vector<BatchEvent>& events) {
        auto& seq = *slots_[slot];
        BatchEvent ev{slot, -1, {}, true, {}};
        ev.textDelta = finishText(seq);
        const auto end = Clock::now();
        auto& m = seq.result.metrics;
        m.newTokens = int(seq.result.newIds.size());
        m.e2eMs = msBetween(started_[slot], end);
        m.ttftMs = m.newTokens > 0 ? msBetween(started_[slot], seq.firstToken) : 0;
        if (m.newTokens > 1) m.tpotMs = (m.e2eMs - m.ttftMs) / (m.newTokens - 1);
        m.tokensPerSecond = m.e2eMs > 0 ? m.newTokens / (m.e2eMs / 1000.0) : 0;
        ev.result = std::move(seq.result);
        events.push_back(std::move(ev));
        slots_[slot].reset();
    }

    BatchParts parts_;
    KvCache cache_;
    std::vector<std::optional<Sequence>> slots_;
    std::vector<int> positions_;  // where each slot's next fed token goes
    std::vector<Clock::time_point> started_ = std::vector<Clock::time_point>(slots_.size());
};

}  // namespace

std::unique_ptr<ContinuousBatch> makeContinuousBatch(BatchParts parts, int slots, int capacity) {
    return std::make_unique<TorchContinuousBatch>(std::move(parts), slots, capacity);
}

}  // namespace awq::engine
