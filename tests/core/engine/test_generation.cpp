// Generation behaviour on CPU: sampling settings, stops, streaming, cancellation, two engines at once.
#include "core/engine/engine.h"
#include "tests/support/error_capture.h"
#include "tests/support/test_paths.h"

#include <QtTest>

#include <algorithm>
#include <chrono>
#include <latch>
#include <thread>

using namespace awq;

namespace {
GenerationRequest storyRequest(const Engine& e, int maxNew) {
    GenerationRequest r;
    r.promptIds = e.encode("Once upon a time, there was a little", false);
    r.maxNewTokens = maxNew;
    return r;
}
}  // namespace

class GenerationTest : public QObject {
    Q_OBJECT
    std::unique_ptr<Engine> engine_;

private Q_SLOTS:
    void initTestCase() { engine_ = Engine::load(test::modelDir("tinystories-qwen3-7m"), {}); }

    void seededSamplingIsReproducible() {
        auto r = storyRequest(*engine_, 30);
        r.sampling = {.greedy = false, .temperature = 0.9f, .topK = 40, .topP = 0.95f, .repetitionPenalty = 1.1f, .seed = 42};
        const auto a = engine_->generate({r})[0].newIds;
        const auto b = engine_->generate({r})[0].newIds;
        QCOMPARE(a, b);
        r.sampling.seed = 43;
        QVERIFY(engine_->generate({r})[0].newIds != a);
    }

    void topKOneIsGreedy() {
        auto greedy = storyRequest(*engine_, 25);
        auto topOne = greedy;
        topOne.sampling = {.greedy = false, .temperature = 1.3f, .topK = 1, .seed = 7};
        QCOMPARE(engine_->generate({topOne})[0].newIds, engine_->generate({greedy})[0].newIds);
    }

    void stopsOnEosAndStopStrings() {
        auto r = storyRequest(*engine_, 400);
        const auto out = engine_->generate({r})[0];
        // The story model ends its stories with the eos token well before 400 tokens.
        QCOMPARE(out.finish, FinishReason::StopToken);
        // generation_config.json lists eos ids 0 and 2 (config.json only 0); both stop.
        QVERIFY(out.newIds.back() == 0 || out.newIds.back() == 2);

        r.stopStrings = {"."};
        const auto cut = engine_->generate({r})[0];
        QCOMPARE(cut.finish, FinishReason::StopString);
        QVERIFY(!QString::fromStdString(cut.text).contains('.'));
        QVERIFY(cut.newIds.size() < out.newIds.size());
    }

    void streamingDeltasAddUpToTheText() {
        auto r = storyRequest(*engine_, 60);
        std::string streamed;
        int events = 0;
        const auto out = engine_->generate({r}, [&](const StreamEvent& e) {
            streamed += e.textDelta;
            ++events;
        })[0];
        QCOMPARE(streamed, out.text);
        QVERIFY(events >= int(out.newIds.size()));
        QVERIFY(out.metrics.ttftMs > 0);
        QVERIFY(out.metrics.tokensPerSecond > 0);
        QCOMPARE(out.metrics.promptTokens, int(r.promptIds.size()));
        QVERIFY(out.metrics.peakMemoryBytes > 0);
    }

    // A stream never shows a stop string or what follows it (a user trial: `generate --stop ", "`
    // printed " upon a time, there" where the result was " upon a time"), and text that only looked
    // like the start of a stop string is still streamed, once the next tokens tell.
    void streamedTextStopsWhereTheResultStops() {
        auto r = storyRequest(*engine_, 60);
        const std::string full = engine_->generate({r})[0].text;
        QVERIFY2(full.size() > 40, full.c_str());
        const std::string middle = full.substr(full.size() / 2, 6);   // a stop string that occurs mid-text
        const auto partialWord = full.substr(1, 3) + "\x01";         // a stop string whose start occurs, never the whole
        for (const auto& stops : std::vector<std::vector<std::string>>{{middle}, {partialWord}, {partialWord, middle}}) {
            r.stopStrings = stops;
            std::string streamed;
            const auto out = engine_->generate({r}, [&](const StreamEvent& e) { streamed += e.textDelta; })[0];
            const bool stopsMidText = stops.back() == middle;
            QCOMPARE(out.text, stopsMidText ? full.substr(0, full.find(middle)) : full);
            QCOMPARE(out.finish, stopsMidText ? FinishReason::StopString : FinishReason::Length);
            QCOMPARE(streamed, out.text);
        }
    }

    void cancellationStopsMidGeneration() {
        auto r = storyRequest(*engine_, 200);
        r.stopIds = {-1};
        std::stop_source stop;
        int seen = 0;
        const auto out = engine_->generate({r}, [&](const StreamEvent&) {
            if (++seen == 5) stop.request_stop();
        }, stop.get_token())[0];
        QCOMPARE(out.finish, FinishReason::Cancelled);
        QCOMPARE(int(out.newIds.size()), 5);
    }

    void contextLimitEndsGeneration() {
        const auto small = Engine::load(test::modelDir("tinystories-qwen3-7m"), {.maxContext = 24});
        auto r = storyRequest(*small, 100);
        r.stopIds = {-1};
        const auto out = small->generate({r})[0];
        QCOMPARE(out.finish, FinishReason::ContextFull);
        QCOMPARE(int(r.promptIds.size() + out.newIds.size()), 24);
    }

    void twoEnginesGenerateConcurrently() {
        const auto other = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {});
        const auto reqA = storyRequest(*engine_, 40);
        const auto reqB = storyRequest(*other, 40);
        const auto aloneA = engine_->generate({reqA})[0].newIds;
        const auto aloneB = other->generate({reqB})[0].newIds;
        std::vector<int> gotA, gotB;
        // When each token arrived, per engine: the two generations must interleave (one engine does
        // not wait for the other), not merely both finish.
        using Clock = std::chrono::steady_clock;
        std::vector<Clock::time_point> tokensA, tokensB;
        std::latch bothReady(2);
        auto run = [&](Engine& e, const GenerationRequest& r, std::vector<int>& got, std::vector<Clock::time_point>& times) {
            bothReady.arrive_and_wait();
            for (int i = 0; i < 3; ++i) got = e.generate({r}, [&](const StreamEvent&) { times.push_back(Clock::now()); })[0].newIds;
        };
        std::thread ta(run, std::ref(*engine_), std::cref(reqA), std::ref(gotA), std::ref(tokensA));
        std::thread tb(run, std::ref(*other), std::cref(reqB), std::ref(gotB), std::ref(tokensB));
        ta.join();
        tb.join();
        QCOMPARE(gotA, aloneA);
        QCOMPARE(gotB, aloneB);
        QVERIFY(!tokensA.empty() && !tokensB.empty());
        const auto betweenB = std::count_if(tokensA.begin(), tokensA.end(), [&](Clock::time_point t) { return t > tokensB.front() && t < tokensB.back(); });
        QVERIFY2(betweenB > 0, "no token of engine A arrived while engine B was generating: the engines ran one after the other");
    }

    // Each engine reports its own memory: its weights, the KV cache its last generation allocated
    // (on the CPU: batch x capacity x KV heads x head dim x layers x 2, float32) and a transient
    // estimate that grows with the batch; a fresh engine has only weights.
    void memoryUseIsTheEnginesOwn() {
        const auto fresh = Engine::load(test::modelDir("tinystories-qwen3-7m-awq"), {});
        EngineMemory m = fresh->memoryUse();
        QCOMPARE(m.weights, fresh->weightMemoryBytes());
        QCOMPARE(m.kvCache, std::uint64_t(0));
        QCOMPARE(m.activations, std::uint64_t(0));
        QVERIFY(!m.fromAllocator);

        const auto r = storyRequest(*fresh, 12);
        fresh->generate({r, r});
        m = fresh->memoryUse();
        const auto& c = fresh->model().config;
        const std::uint64_t capacity = r.promptIds.size() + 12;
        QCOMPARE(m.kvCache, std::uint64_t(2) * c.numLayers * 2 * c.numKvHeads * capacity * c.headDim * sizeof(float));
        const std::uint64_t twoSequences = m.activations;
        QVERIFY(twoSequences > std::uint64_t(2) * c.vocabSize * sizeof(float));   // the logits alone
        fresh->generate({r});
        QVERIFY2(fresh->memoryUse().activations < twoSequences, "one sequence needs less than two");
        QCOMPARE(fresh->memoryUse().total(), m.weights + fresh->memoryUse().kvCache + fresh->memoryUse().activations);
        // The other engine of the process is not counted in.
        QCOMPARE(engine_->memoryUse().weights, engine_->weightMemoryBytes());
    }

    void badRequestsAreRefused() {
        GenerationRequest empty;
        QVERIFY(test::errorMessageOf([&] { engine_->generate({empty}); }).contains("empty prompt"));
        GenerationRequest outOfVocab;
        outOfVocab.promptIds = {1, 999999};
        QVERIFY(test::errorMessageOf([&] { engine_->generate({outOfVocab}); }).contains("outside the vocabulary"));
    }
};

QTEST_APPLESS_MAIN(GenerationTest)
#include "test_generation.moc"
