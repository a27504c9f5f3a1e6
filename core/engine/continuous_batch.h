#pragma once
// Continuous batching (what a server needs): a fixed number of slots over one persistent KV cache
// [slots, kv heads, capacity, head dim]. add() prefills a request into the lowest free slot and
// chooses its first token; step() decodes one token for every active slot together. Requests
// join (add) and leave (finish, cancel) between steps, so nobody waits for a batch to drain.
//
// One thread drives a batch (not thread-safe); each call holds its engine's lock, so
// Engine::generate from other threads interleaves between calls. The engine must outlive it.
// Results match Engine::generate for the same request (same prefill; on the CPU the decode runs
// over slots 0..highest active, so a lone request decodes exactly as generate's batch of one).
#include "core/engine/generation.h"

#include <string>
#include <vector>

namespace awq {

struct BatchEvent {
    int slot = 0;
    int tokenId = -1;          // -1: text held back until the end (no new token)
    std::string textDelta;     // never splits a UTF-8 sequence, never carries a stop string (held back until known)
    bool finished = false;     // the slot is free again; `result` is complete
    GenerationResult result;   // set when finished: ids, text (cut at a stop string), reason, metrics
};

class ContinuousBatch {
public:
    virtual ~ContinuousBatch() = default;
    virtual int slots() const = 0;
    virtual int capacity() const = 0;   // tokens per slot: prompt + generated
    virtual int active() const = 0;     // slots in use
    virtual bool hasFreeSlot() const = 0;

    // Prefills `request` into the lowest free slot and chooses its first token; returns the slot
    // and appends its events (a request with maxNewTokens <= 0 finishes at once). Throws
    // awq::Error for an empty prompt, ids outside the vocabulary, a prompt that leaves no room in
    // capacity(), or no free slot.
    virtual int add(const GenerationRequest& request, std::vector<BatchEvent>& events) = 0;
    // One decode step of every active slot: appends each slot's token event (finished ones free
    // their slot). Does nothing without active slots.
    virtual void step(std::vector<BatchEvent>& events) = 0;
    // Frees a slot now (its client went away); nothing more is reported for it.
    virtual void cancel(int slot) = 0;
};

}  // namespace awq
