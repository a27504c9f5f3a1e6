// The one adapter between core jobs and the GUI (ui/util/job_runner.h), on real work (a model file
// read in chunks on the runner's thread): progress posts arrive in order and before the outcome, an
// error arrives as its message, cancel and destruction stop a job mid-way, a replaced job's late
// posts and outcome never arrive, and a runner keeps one thread for all its jobs.
#include "core/util/error.h"
#include "tests/support/test_paths.h"
#include "ui/util/job_runner.h"

#include <QElapsedTimer>
#include <QSignalSpy>
#include <QtTest>

#include <atomic>
#include <fstream>
#include <vector>

using namespace awq;
using namespace awq::ui;

namespace {

std::filesystem::path weights() { return test::modelDir("tinystories-656k") / "model.safetensors"; }

// Reads the file in 64 KiB chunks `rounds` times (or until `stop`), posting the bytes read after
// each chunk; returns the bytes read.
qint64 readChunks(std::stop_token stop, const JobRunner::Post& toGui, const std::function<void(qint64)>& onGui, int rounds = 1) {
    std::vector<char> buf(64 << 10);
    qint64 total = 0;
    for (int r = 0; r < rounds && !stop.stop_requested(); ++r) {
        std::ifstream in(weights(), std::ios::binary);
        while (!stop.stop_requested() && in.read(buf.data(), std::streamsize(buf.size())).gcount() > 0) {
            total += in.gcount();
            toGui([onGui, total] { onGui(total); });
        }
    }
    return total;
}

}  // namespace

class JobRunnerTest : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void postsArriveInOrderBeforeTheOutcome() {
        JobRunner runner(QStringLiteral("test"));
        QSignalSpy running(&runner, &JobRunner::runningChanged);
        std::vector<qint64> posted;
        std::optional<JobDone<qint64>> outcome;
        bool postAfterOutcome = false;
        QVERIFY(runner.start<qint64>([&](std::stop_token stop, const JobRunner::Post& toGui) {
            return readChunks(stop, toGui, [&](qint64 n) {
                postAfterOutcome = postAfterOutcome || outcome.has_value();
                posted.push_back(n);
            });
        }, [&](JobDone<qint64> d) { outcome = std::move(d); }));
        QVERIFY(runner.isRunning());
        QVERIFY(!runner.start<qint64>([](std::stop_token, const JobRunner::Post&) { return qint64(0); }, {}));  // one at a time
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 30000);
        const auto size = qint64(std::filesystem::file_size(weights()));
        QVERIFY(outcome->ok());
        QCOMPARE(*outcome->value, size);
        QVERIFY(!outcome->stopRequested);
        QVERIFY(posted.size() > 1);
        QVERIFY(std::is_sorted(posted.begin(), posted.end()) && std::adjacent_find(posted.begin(), posted.end()) == posted.end());
        QCOMPARE(posted.back(), size);
        QVERIFY(!postAfterOutcome);
        QVERIFY(!runner.isRunning());
        QCOMPARE(running.count(), 2);   // true, then false
        QCOMPARE(running.at(0).at(0).toBool(), true);
        QCOMPARE(running.at(1).at(0).toBool(), false);
    }

    void anErrorArrivesAsItsMessage() {
        JobRunner runner(QStringLiteral("test"));
        std::optional<JobDone<int>> outcome;
        runner.start<int>([](std::stop_token, const JobRunner::Post&) -> int {
            throw Error("not a model folder", weights().parent_path() / "missing", "choose another folder");
        }, [&](JobDone<int> d) { outcome = std::move(d); });
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 10000);
        QVERIFY(!outcome->ok());
        QCOMPARE(outcome->error, QString::fromStdString(Error("not a model folder", weights().parent_path() / "missing", "choose another folder").what()));
    }

    void cancelStopsTheJobMidWay() {
        JobRunner runner(QStringLiteral("test"));
        const auto size = qint64(std::filesystem::file_size(weights()));
        constexpr int kRounds = 100000;   // minutes of reading unless stopped
        qint64 firstPost = 0;
        std::optional<JobDone<qint64>> outcome;
        runner.start<qint64>([&](std::stop_token stop, const JobRunner::Post& toGui) {
            return readChunks(stop, toGui, [&](qint64 n) {
                if (firstPost == 0) {
                    firstPost = n;
                    runner.cancel();
                }
            }, kRounds);
        }, [&](JobDone<qint64> d) { outcome = std::move(d); });
        QElapsedTimer clock;
        clock.start();
        QTRY_VERIFY_WITH_TIMEOUT(outcome.has_value(), 20000);
        QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
        QVERIFY(firstPost > 0);
        QVERIFY(outcome->ok() && outcome->stopRequested);
        QVERIFY2(*outcome->value < size * kRounds, "the job read everything: the stop did not land");
    }

    void replacedJobsDeliverNothing() {
        JobRunner runner(QStringLiteral("test"));
        std::atomic<bool> firstStopped{false};
        int firstPosts = 0, firstOutcomes = 0;
        std::optional<JobDone<int>> second;
        runner.start<qint64>([&](std::stop_token stop, const JobRunner::Post& toGui) {
            const qint64 n = readChunks(stop, toGui, [&](qint64) { ++firstPosts; }, 100000);
            firstStopped = stop.stop_requested();
            return n;
        }, [&](JobDone<qint64>) { ++firstOutcomes; });
        QTRY_VERIFY_WITH_TIMEOUT(firstPosts > 0, 10000);   // the first job is reading
        runner.replace<int>([](std::stop_token, const JobRunner::Post&) { return 42; }, [&](JobDone<int> d) { second = std::move(d); });
        const int postsAtReplace = firstPosts;
        QTRY_VERIFY_WITH_TIMEOUT(second.has_value(), 20000);
        QTest::qWait(100);
        QVERIFY(firstStopped);
        QCOMPARE(firstOutcomes, 0);
        QCOMPARE(firstPosts, postsAtReplace);   // nothing of the replaced job after the replace
        QCOMPARE(*second->value, 42);
    }

    void destroyingTheRunnerStopsAndWaitsForItsJob() {
        auto* runner = new JobRunner(QStringLiteral("test"));
        std::atomic<bool> ended{false};
        int posts = 0;
        runner->start<qint64>([&](std::stop_token stop, const JobRunner::Post& toGui) {
            const qint64 n = readChunks(stop, toGui, [&](qint64) { ++posts; }, 100000);
            ended = true;
            return n;
        }, {});
        QTRY_VERIFY_WITH_TIMEOUT(posts > 0, 10000);
        QElapsedTimer clock;
        clock.start();
        delete runner;
        QVERIFY(ended);   // waited for the job
        QVERIFY2(clock.elapsed() < 5000, qPrintable(QString::number(clock.elapsed())));
        const int postsAtDelete = posts;
        QTest::qWait(100);
        QCOMPARE(posts, postsAtDelete);   // queued posts found the runner gone
    }

    void oneThreadForAllJobs() {
        JobRunner runner(QStringLiteral("test"));
        std::vector<QThread*> threads;
        for (int i = 0; i < 2; ++i) {
            std::optional<JobDone<QThread*>> d;
            runner.start<QThread*>([](std::stop_token, const JobRunner::Post&) { return QThread::currentThread(); },
                                   [&](JobDone<QThread*> done) { d = std::move(done); });
            QTRY_VERIFY_WITH_TIMEOUT(d.has_value(), 10000);
            threads.push_back(*d->value);
        }
        QVERIFY(threads[0] != QThread::currentThread());
        QCOMPARE(threads[0], threads[1]);
    }
};

QTEST_MAIN(JobRunnerTest)
#include "test_job_runner.moc"
