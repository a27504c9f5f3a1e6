#pragma once
// Runs one warm-pool job at a time (add, verify, remove) on its own QThread and reports back on
// the GUI thread: throttled progress while it runs, the outcome when done. Cancel stops it through
// a std::stop_source (an interrupted add leaves the pool unchanged).
#include "core/pool/warm_pool.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <functional>
#include <stop_token>

namespace awq::ui {

class PoolJobRunner : public QObject {
    Q_OBJECT
public:
    // Returns the message shown on success; throws awq::Error on failure. `cancelled` is set by the
    // job when it stopped early.
    using Job = std::function<QString(std::stop_token, const pool::CopyProgressFn&, bool& cancelled)>;

    explicit PoolJobRunner(QObject* parent = nullptr);
    ~PoolJobRunner() override;

    bool start(const QString& label, Job job);  // false while another job runs
    void cancel();
    bool isRunning() const { return running_; }
    QString label() const { return label_; }

    static constexpr int kProgressIntervalMs = 50;

Q_SIGNALS:
    void started(const QString& label);
    // stage: 0 copy, 1 verify
    void progress(int stage, qint64 bytesDone, qint64 bytesTotal, const QString& file);
    void finished(bool ok, bool cancelled, const QString& message);

private:
    QThread thread_;
    QObject* worker_ = nullptr;
    std::stop_source stop_;
    bool running_ = false;
    QString label_;
};

}  // namespace awq::ui
