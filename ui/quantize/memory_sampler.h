#pragma once
// Samples the memory a job uses while it runs, on its own thread (NVML calls can block for a
// moment): on CUDA the card's used memory as NVML reports it (every process on the card), on CPU
// this process's resident memory against the host's RAM. Samples arrive on the GUI thread.
#include <QElapsedTimer>
#include <QObject>
#include <QString>
#include <QThread>

#include <cstdint>
#include <functional>

class QTimer;

namespace awq::ui {

struct MemorySample {
    std::uint64_t usedBytes = 0;
    std::uint64_t totalBytes = 0;   // the card, or the host's RAM
    bool ok = false;                // false: nothing to read (no GPU, no /proc)
};

// What the chart calls the series for a device ("GPU memory (NVML, whole card)", "Process memory (RSS)").
QString memorySeriesName(bool cuda);
MemorySample sampleMemory(bool cuda);

class MemorySampler : public QObject {
    Q_OBJECT
public:
    using ProbeFn = std::function<MemorySample(bool cuda)>;

    // `probe` defaults to sampleMemory; tests may pass a fake.
    explicit MemorySampler(ProbeFn probe = {}, QObject* parent = nullptr);
    ~MemorySampler() override;

    void start(bool cuda, int intervalMs = 250);   // the first sample is taken at once
    void stop();                                   // samples in flight are dropped
    bool isRunning() const { return running_; }

Q_SIGNALS:
    void sampled(double seconds, quint64 usedBytes, quint64 totalBytes);

private:
    ProbeFn probe_;
    QThread thread_;
    QObject* worker_ = nullptr;
    QTimer* timer_ = nullptr;      // a child of worker_, on thread_
    QElapsedTimer clock_;
    quint64 generation_ = 0;
    bool running_ = false;
};

}  // namespace awq::ui
