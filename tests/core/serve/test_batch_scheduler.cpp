// The server's scheduler (core/serve/batch_scheduler) on the demo model's real continuous batch
// (CPU): how many requests it admits under a burst, and that each gets its whole continuation.
#include "core/engine/engine.h"
#include "core/serve/batch_scheduler.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

using namespace awq;
using namespace awq::serve;
using namespace std::chrono_literals;

namespace {
// A request that runs until its token budget: a long prompt (its prefill takes a while) and no
// stop token the model can produce.
GenerationRequest longRequest(int promptTokens, int maxNew) {
    GenerationRequest r;
    for (int i = 0; i < promptTokens; ++i) r.promptIds.push_back(100 + i % 500);
    r.maxNewTokens = maxNew;
    r.stopIds = {-1};
    return r;
}

// Events until the job's last; the number of tokens it got.
int drain(Job& job) {
    int tokens = 0;
    while (true) {
        auto e = job.next(10s);
        if (!e) return -1;
        if (e->tokenId >= 0) ++tokens;
        if (e->finished) return tokens;
    }
}
}  // namespace

class BatchSchedulerTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { engine_ = Engine::load(test::modelDir("tinystories-qwen3-7m")); }

    // One slot and --max-queue 1: while the first request's prefill runs, it holds the slot, so of
    // two more requests one may wait and the other is refused (429). The first's prefill was not
    // counted as running, and both were let in: 2 waiting behind --max-queue 1.
    void burstBeyondTheQueueIsRefused() {
        for (int round = 0; round < 5; ++round) {
            BatchScheduler scheduler(engine_->openContinuousBatch(1, 1024), 1);
            auto first = scheduler.submit(longRequest(900, 8));
            QVERIFY(first);
            // Until the scheduler has taken the first request off the queue (its prefill runs).
            for (int i = 0; i < 1000 && scheduler.stats().waiting > 0; ++i) std::this_thread::sleep_for(100us);
            auto second = scheduler.submit(longRequest(4, 8));
            auto third = scheduler.submit(longRequest(4, 8));
            QVERIFY2(second, "one request may wait");
            QVERIFY2(!third, "a second waiting request is past --max-queue 1");
            QCOMPARE(drain(*first), 8);
            QCOMPARE(drain(*second), 8);
        }
    }

    // A waiting request whose client left leaves the queue at the next step, counted as cancelled,
    // while the slot is still taken; it was kept (counted waiting) until it would have had the slot.
    void aCancelledWaitingRequestLeavesTheQueue() {
        BatchScheduler scheduler(engine_->openContinuousBatch(1, 1024), 4);
        auto first = scheduler.submit(longRequest(4, 1000));
        auto second = scheduler.submit(longRequest(4, 1000));
        QVERIFY(first && second);
        for (int i = 0; i < 1000 && scheduler.stats().running == 0; ++i) std::this_thread::sleep_for(1ms);
        QCOMPARE(scheduler.stats().waiting, 1);
        second->cancel();
        for (int i = 0; i < 2000 && scheduler.stats().waiting > 0; ++i) std::this_thread::sleep_for(1ms);
        const auto stats = scheduler.stats();
        QCOMPARE(stats.waiting, 0);
        QCOMPARE(stats.cancelled, std::uint64_t(1));
        QCOMPARE(stats.running, 1);  // the first still runs
        first->cancel();
    }

private:
    std::unique_ptr<Engine> engine_;
};

QTEST_GUILESS_MAIN(BatchSchedulerTest)
#include "test_batch_scheduler.moc"
