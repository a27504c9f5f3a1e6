#pragma once
// The one adapter between a core job (core/util/job.h: settings, progress callback, stop token,
// `cancelled` in the result) and the GUI: it runs the job with QtConcurrent::run on its own
// one-thread pool, hands the job a `toGui` poster for progress (queued to the GUI thread, dropped
// once the runner is gone or the job was replaced), and delivers the outcome through a
// QFutureWatcher on the GUI thread. One job at a time; cancel() requests the stop token; the
// destructor requests it too and waits for the job. The thread is kept for the runner's life, so
// whatever a job leaves on it (an engine and its device state) stays with one thread.
#include <QElapsedTimer>
#include <QFutureWatcher>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QThread>
#include <QThreadPool>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <functional>
#include <optional>
#include <stop_token>
#include <utility>

namespace awq::ui {

// What a finished job left: its value, or the message of what it threw.
template <typename R>
struct JobDone {
    std::optional<R> value;       // empty when the job threw
    QString error;                // what() of the exception (value empty)
    bool stopRequested = false;   // cancel() was called while it ran
    bool ok() const { return value.has_value(); }
};

class JobRunner : public QObject {
    Q_OBJECT
public:
    // Runs `fn` on the GUI thread, in order with the other posts and before the job's outcome.
    using Post = std::function<void(std::function<void()>)>;
    template <typename R>
    using Job = std::function<R(std::stop_token, const Post& toGui)>;
    template <typename R>
    using Done = std::function<void(JobDone<R>)>;

    explicit JobRunner(const QString& name, QThread::Priority priority = QThread::InheritPriority, QObject* parent = nullptr);
    ~JobRunner() override;   // requests a stop and waits for the job

    // Starts `job`; `done` runs on the GUI thread when it returns or throws. Refused (false) while
    // another job runs.
    template <typename R>
    bool start(Job<R> job, Done<R> done) {
        if (running_) return false;
        launch(std::move(job), std::move(done));
        return true;
    }
    // Like start, but a job in flight is stopped instead: its posts and outcome are dropped and
    // `job` runs once it has returned.
    template <typename R>
    void replace(Job<R> job, Done<R> done) {
        discard();
        launch(std::move(job), std::move(done));
    }

    void cancel();
    // Stops the job in flight and drops its posts and outcome (the runner is free at once; a new
    // job runs once the dropped one has returned).
    void discard();
    bool isRunning() const { return running_; }
    bool cancelRequested() const { return running_ && stop_.stop_requested(); }
    // Blocks until the pool is idle (tests, shutdown); false on timeout.
    bool waitForIdle(int timeoutMs = -1);

Q_SIGNALS:
    void runningChanged(bool running);

private:
    template <typename R>
    void launch(Job<R> job, Done<R> done) {
        stop_ = std::stop_source();
        const quint64 generation = ++generation_;
        setRunning(true);
        const Post toGui = poster(generation);
        auto* watcher = new QFutureWatcher<R>(this);
        const std::stop_source stop = stop_;
        connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, stop, done = std::move(done)] {
            watcher->deleteLater();
            if (generation != generation_) return;   // replaced: a newer job owns the runner
            JobDone<R> d;
            d.stopRequested = stop.stop_requested();
            try {
                d.value = watcher->future().result();
            } catch (...) {
                d.error = messageOf(std::current_exception());
            }
            setRunning(false);
            if (done) done(std::move(d));
        });
        watcher->setFuture(QtConcurrent::run(&pool_, [job = std::move(job), token = stop_.get_token(), toGui] { return job(token, toGui); }));
    }
    Post poster(quint64 generation);
    void setRunning(bool running);
    static QString messageOf(std::exception_ptr e);

    QThreadPool pool_;
    std::stop_source stop_;
    quint64 generation_ = 0;
    bool running_ = false;
};

// Lets progress through at most every `intervalMs` (a copy reports every chunk; the GUI needs
// ~20 updates a second); the first and the forced (last) ones always pass.
class ProgressThrottle {
public:
    explicit ProgressThrottle(int intervalMs = 50) : intervalMs_(intervalMs) {}
    bool due(bool force = false) {
        if (!force && clock_.isValid() && clock_.elapsed() < intervalMs_) return false;
        clock_.start();
        return true;
    }

private:
    int intervalMs_;
    QElapsedTimer clock_;
};

}  // namespace awq::ui
