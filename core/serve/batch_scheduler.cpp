#include "core/serve/batch_scheduler.h"

#include "core/util/error.h"
#include "core/util/log_line.h"

#include <algorithm>
#include <exception>

namespace awq::serve {

std::optional<BatchEvent> Job::next(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [&] { return !events_.empty(); })) return std::nullopt;
    auto e = std::move(events_.front());
    events_.pop_front();
    return e;
}

std::string Job::error() const {
    std::lock_guard lock(mutex_);
    return error_;
}

void Job::push(BatchEvent e) {
    {
        std::lock_guard lock(mutex_);
        events_.push_back(std::move(e));
    }
    ready_.notify_all();
}

void Job::fail(const std::string& message) {
    BatchEvent e;
    e.finished = true;
    e.result.finish = FinishReason::Cancelled;
    {
        std::lock_guard lock(mutex_);
        error_ = message;
        events_.push_back(std::move(e));
    }
    ready_.notify_all();
}

BatchScheduler::BatchScheduler(std::unique_ptr<ContinuousBatch> batch, int maxQueue)
    : batch_(std::move(batch)), maxQueue_(maxQueue), slots_(batch_->slots()), capacity_(batch_->capacity()) {
    thread_ = std::thread([this] { run(); });
}

BatchScheduler::~BatchScheduler() { stop(); }

std::shared_ptr<Job> BatchScheduler::submit(GenerationRequest request) {
    auto job = std::make_shared<Job>(std::move(request));
    {
        std::lock_guard lock(mutex_);
        // Free slots take requests at once; beyond them, maxQueue may wait.
        const int freeSlots = slots_ - stats_.running;
        if (stopping_ || int(queue_.size()) >= maxQueue_ + std::max(freeSlots, 0)) return nullptr;
        queue_.push_back(job);
        stats_.waiting = int(queue_.size());
    }
    wake_.notify_all();
    return job;
}

void BatchScheduler::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && !thread_.joinable()) return;
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

SchedulerStats BatchScheduler::stats() const {
    std::lock_guard lock(mutex_);
    return stats_;
}

void BatchScheduler::dispatch(std::vector<BatchEvent>& events) {
    // Counters first, so that a client seeing its last event also sees it counted.
    {
        std::lock_guard lock(mutex_);
        for (const auto& e : events) {
            if (!running_.count(e.slot)) continue;
            if (e.tokenId >= 0) ++stats_.generatedTokens;
            if (e.finished) ++stats_.finished;
        }
        stats_.running = int(running_.size() - std::count_if(events.begin(), events.end(), [](const BatchEvent& e) { return e.finished; }));
    }
    for (auto& e : events) {
        const auto it = running_.find(e.slot);
        if (it == running_.end()) continue;
        const bool last = e.finished;
        it->second->push(std::move(e));
        if (last) running_.erase(it);
    }
    events.clear();
}

void BatchScheduler::endAll() {
    std::deque<std::shared_ptr<Job>> waiting;
    {
        std::lock_guard lock(mutex_);
        waiting.swap(queue_);
        stats_.waiting = 0;
    }
    for (auto& [slot, job] : running_) {
        batch_->cancel(slot);
        BatchEvent e{slot, -1, {}, true, {}};
        e.result.finish = FinishReason::Cancelled;
        job->push(std::move(e));
    }
    running_.clear();
    for (auto& job : waiting) job->fail("the server is shutting down");
    std::lock_guard lock(mutex_);
    stats_.running = 0;
}

void BatchScheduler::run() {
    std::vector<BatchEvent> events;
    while (true) {
        // Between steps: clients that left free their slots, waiting requests take free slots.
        std::uint64_t cancelled = 0;
        for (auto it = running_.begin(); it != running_.end();) {
            if (it->second->cancelled()) {
                batch_->cancel(it->first);
                it = running_.erase(it);
                ++cancelled;
            } else {
                ++it;
            }
        }
        std::shared_ptr<Job> admit;
        {
            std::unique_lock lock(mutex_);
            // Waiting requests whose client left leave the queue now, not when a slot would have
            // come to them (they were counted as waiting, and held a place under --max-queue).
            cancelled += std::erase_if(queue_, [](const std::shared_ptr<Job>& job) { return job->cancelled(); });
            stats_.waiting = int(queue_.size());
            stats_.cancelled += cancelled;
            stats_.running = int(running_.size());
            wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || !running_.empty(); });
            if (stopping_) break;
            if (batch_->hasFreeSlot() && !queue_.empty()) {
                admit = std::move(queue_.front());
                queue_.pop_front();
                stats_.waiting = int(queue_.size());
                // It holds its slot from now on: submit() counts it while its prefill runs (it
                // let a second request past --max-queue in that window).
                ++stats_.running;
            }
        }
        if (admit) {
            if (admit->cancelled()) {
                std::lock_guard lock(mutex_);
                ++stats_.cancelled;
                continue;
            }
            try {
                const int slot = batch_->add(admit->request, events);
                running_[slot] = admit;
            } catch (const std::exception& e) {
                admit->fail(exceptionMessage(e));
                events.clear();
                continue;
            }
            dispatch(events);
            continue;  // admit every waiting request that fits before the next step
        }
        if (running_.empty()) continue;
        {
            std::lock_guard lock(mutex_);
            stats_.maxRunningSeen = std::max(stats_.maxRunningSeen, int(running_.size()));
            ++stats_.steps;
        }
        try {
            batch_->step(events);
        } catch (const std::exception& e) {
            log::warn("serve: decode step failed: " + exceptionMessage(e));
            for (auto& [slot, job] : running_) {
                batch_->cancel(slot);
                job->fail(exceptionMessage(e));
            }
            running_.clear();
            events.clear();
            continue;
        }
        dispatch(events);
    }
    endAll();
}

}  // namespace awq::serve
