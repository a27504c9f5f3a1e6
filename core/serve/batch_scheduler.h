#pragma once
// Runs a ContinuousBatch on its own thread for a server: requests wait in a bounded queue, join
// the batch between decode steps as slots free up, and their tokens go to the request's Job as
// they come. A Job cancelled by its client (disconnect) leaves the batch, or the queue, at the next
// step (a scheduler with nothing to do is idle: its queue is empty then).
#include "core/engine/continuous_batch.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace awq::serve {

// One request's channel from the scheduler thread to the thread answering it.
class Job {
public:
    explicit Job(GenerationRequest r) : request(std::move(r)) {}
    const GenerationRequest request;

    // Waits up to `timeout` for the next event. nullopt: nothing yet. The last event of a job has
    // finished = true (its result; FinishReason::Cancelled when the server stopped) or an error.
    std::optional<BatchEvent> next(std::chrono::milliseconds timeout);
    void cancel() { cancelled_ = true; }   // the client is gone: free the slot
    bool cancelled() const { return cancelled_; }
    std::string error() const;             // set when the engine refused the request

    void push(BatchEvent e);               // scheduler side
    void fail(const std::string& message);

private:
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<BatchEvent> events_;
    std::string error_;
    std::atomic<bool> cancelled_{false};
};

struct SchedulerStats {
    int running = 0;              // requests in the batch now
    int waiting = 0;              // requests queued for a slot
    int maxRunningSeen = 0;       // most requests decoded together in one step (observed)
    std::uint64_t steps = 0;      // decode steps
    std::uint64_t finished = 0;   // requests that ran to a finish reason
    std::uint64_t cancelled = 0;  // requests whose client left, running or waiting
    std::uint64_t generatedTokens = 0;
};

class BatchScheduler {
public:
    // maxQueue: requests that may wait for a slot beyond those running.
    BatchScheduler(std::unique_ptr<ContinuousBatch> batch, int maxQueue);
    ~BatchScheduler();  // stop()
    BatchScheduler(const BatchScheduler&) = delete;
    BatchScheduler& operator=(const BatchScheduler&) = delete;

    // The job, or nullptr when the queue is full (answer 429) or the scheduler is stopping.
    std::shared_ptr<Job> submit(GenerationRequest request);
    // Ends every job (finished with FinishReason::Cancelled) and joins the thread.
    void stop();
    SchedulerStats stats() const;
    int slots() const { return slots_; }
    int capacity() const { return capacity_; }

private:
    void run();
    void dispatch(std::vector<BatchEvent>& events);
    void endAll();

    std::unique_ptr<ContinuousBatch> batch_;
    const int maxQueue_, slots_, capacity_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<std::shared_ptr<Job>> queue_;
    std::map<int, std::shared_ptr<Job>> running_;  // slot -> job; only the scheduler thread touches it
    SchedulerStats stats_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace awq::serve
