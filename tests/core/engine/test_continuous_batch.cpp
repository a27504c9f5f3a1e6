// Continuous batching on CPU: requests join and leave a running batch between decode steps and get
// exactly what Engine::generate gives each of them alone; cancelled slots are reused.
#include "core/engine/engine.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <map>

using namespace awq;

namespace {
GenerationRequest request(const Engine& e, const std::string& prompt, int maxNew, std::uint64_t seed = 0) {
    GenerationRequest r;
    r.promptIds = e.encode(prompt, false);
    r.maxNewTokens = maxNew;
    if (seed) r.sampling = {.greedy = false, .temperature = 0.8f, .topP = 0.9f, .seed = seed};
    return r;
}

// Per slot: the ids and text streamed, and the finished result.
struct Collected {
    std::map<int, std::vector<int>> ids;
    std::map<int, std::string> text;
    std::map<int, GenerationResult> results;
    void take(std::vector<BatchEvent>& events) {
        for (auto& e : events) {
            if (e.tokenId >= 0) ids[e.slot].push_back(e.tokenId);
            text[e.slot] += e.textDelta;
            if (e.finished) results[e.slot] = std::move(e.result);
        }
        events.clear();
    }
};
}  // namespace

class ContinuousBatchTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> engine_;

private Q_SLOTS:
    void initTestCase() { engine_ = Engine::load(test::modelDir("tinystories-qwen3-7m"), {.maxBatch = 4}); }

    void loneRequestMatchesGenerate() {
        for (std::uint64_t seed : {0, 42}) {
            const auto r = request(*engine_, "Once upon a time, there was a little", 40, seed);
            const auto alone = engine_->generate({r})[0];
            auto batch = engine_->openContinuousBatch(4, 256);
            std::vector<BatchEvent> events;
            Collected got;
            const int slot = batch->add(r, events);
            QCOMPARE(slot, 0);
            got.take(events);
            while (batch->active() > 0) {
                batch->step(events);
                got.take(events);
            }
            QCOMPARE(got.ids[0], alone.newIds);
            QCOMPARE(got.results[0].newIds, alone.newIds);
            QCOMPARE(got.results[0].text, alone.text);
            QCOMPARE(got.text[0], alone.text);
            QCOMPARE(got.results[0].finish, alone.finish);
            QCOMPARE(got.results[0].metrics.newTokens, int(alone.newIds.size()));
        }
    }

    // The batch streams what generate returns, also where a stop string cuts the text (the held-back
    // start of a stop string is neither streamed past the stop nor lost at a length finish).
    void streamStopsWhereTheResultStops() {
        auto r = request(*engine_, "Once upon a time, there was a little", 40, 0);
        const std::string full = engine_->generate({r})[0].text;
        for (const auto& stop : {full.substr(full.size() / 2, 5), full.substr(2, 2) + "\x01"}) {
            r.stopStrings = {stop};
            const auto alone = engine_->generate({r})[0];
            auto batch = engine_->openContinuousBatch(4, 256);
            std::vector<BatchEvent> events;
            Collected got;
            batch->add(r, events);
            got.take(events);
            while (batch->active() > 0) {
                batch->step(events);
                got.take(events);
            }
            QCOMPARE(got.results[0].text, alone.text);
            QCOMPARE(got.text[0], alone.text);
            QVERIFY(alone.text.find(stop) == std::string::npos);
        }
    }

    void requestsJoinAndLeaveBetweenSteps() {
        const std::vector<GenerationRequest> rs = {request(*engine_, "Once upon a time, there was a little", 30),
                                                   request(*engine_, "The cat sat on the", 12, 7),
                                                   request(*engine_, "Lily and Tom went to the park", 25)};
        std::vector<std::vector<int>> alone;
        for (const auto& r : rs) alone.push_back(engine_->generate({r})[0].newIds);

        auto batch = engine_->openContinuousBatch(2, 128);
        std::vector<BatchEvent> events;
        Collected got;
        std::map<int, int> requestOfSlot;  // the slot a request had when it finished
        std::map<int, std::vector<int>> idsOf;
        auto harvest = [&] {
            for (auto& e : events) {
                if (e.tokenId >= 0) idsOf[requestOfSlot[e.slot]].push_back(e.tokenId);
            }
            events.clear();
        };
        requestOfSlot[batch->add(rs[0], events)] = 0;
        harvest();
        for (int i = 0; i < 5; ++i) {
            batch->step(events);
            harvest();
        }
        // The second joins a running batch (slot 1) while the first is mid-way.
        QCOMPARE(batch->active(), 1);
        requestOfSlot[batch->add(rs[1], events)] = 1;
        harvest();
        QCOMPARE(batch->active(), 2);
        QVERIFY(!batch->hasFreeSlot());
        QVERIFY(test::errorMessageOf([&] { batch->add(rs[2], events); }).contains("no free slot"));
        int maxActive = 0;
        bool thirdAdded = false;
        while (batch->active() > 0 || !thirdAdded) {
            if (!thirdAdded && batch->hasFreeSlot()) {  // the third takes the first slot that frees
                requestOfSlot[batch->add(rs[2], events)] = 2;
                harvest();
                thirdAdded = true;
            }
            maxActive = std::max(maxActive, batch->active());
            batch->step(events);
            harvest();
        }
        QCOMPARE(maxActive, 2);
        for (int i = 0; i < 3; ++i) QCOMPARE(idsOf[i], alone[i]);
    }

    void cancelFreesTheSlotForTheNext() {
        auto batch = engine_->openContinuousBatch(1, 128);
        std::vector<BatchEvent> events;
        auto r = request(*engine_, "Once upon a time, there was a little", 100);
        r.stopIds = {-1};
        const int slot = batch->add(r, events);
        for (int i = 0; i < 3; ++i) batch->step(events);
        batch->cancel(slot);
        QCOMPARE(batch->active(), 0);
        QVERIFY(batch->hasFreeSlot());
        events.clear();
        batch->step(events);
        QVERIFY(events.empty());  // nothing more for the cancelled slot
        // The freed slot's cache rows are rewritten: a new request gets generate's answer.
        const auto next = request(*engine_, "The cat sat on the", 20);
        Collected got;
        QCOMPARE(batch->add(next, events), 0);
        got.take(events);
        while (batch->active() > 0) {
            batch->step(events);
            got.take(events);
        }
        QCOMPARE(got.results[0].newIds, engine_->generate({next})[0].newIds);
    }

    void limitsAreChecked() {
        auto batch = engine_->openContinuousBatch(2, 16);
        std::vector<BatchEvent> events;
        auto r = request(*engine_, "Once upon a time, there was a little girl who liked to play in the park with", 5);
        QVERIFY(r.promptIds.size() >= 16);
        QVERIFY(test::errorMessageOf([&] { batch->add(r, events); }).contains("leaves no room"));
        // A request running into the slot's capacity ends with ContextFull, as generate's context does.
        auto shortOne = request(*engine_, "Once upon a time", 100);
        shortOne.stopIds = {-1};
        Collected got;
        batch->add(shortOne, events);
        got.take(events);
        while (batch->active() > 0) {
            batch->step(events);
            got.take(events);
        }
        QCOMPARE(got.results[0].finish, FinishReason::ContextFull);
        QCOMPARE(int(shortOne.promptIds.size() + got.results[0].newIds.size()), 16);
        QVERIFY(test::errorMessageOf([&] { engine_->openContinuousBatch(5, 16); }).contains("batch limit"));
        QVERIFY(test::errorMessageOf([&] { engine_->openContinuousBatch(2, 100000); }).contains("exceed the context"));
    }
};

QTEST_APPLESS_MAIN(ContinuousBatchTest)
#include "test_continuous_batch.moc"
