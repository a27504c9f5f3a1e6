#pragma once
// Polls awq::probeGpus() every couple of seconds on its own thread (NVML calls can block for a
// moment) and publishes the latest result on the GUI thread.
#include "core/system/gpu_probe.h"

#include <QObject>
#include <QThread>

#include <functional>

namespace awq::ui {

class GpuMonitor : public QObject {
    Q_OBJECT
public:
    using ProbeFn = std::function<GpuProbeResult()>;

    // `probe` defaults to awq::probeGpus; tests pass a fake.
    explicit GpuMonitor(int intervalMs = 2000, ProbeFn probe = {}, QObject* parent = nullptr);
    ~GpuMonitor() override;

    void start();
    bool hasResult() const { return hasResult_; }
    const GpuProbeResult& latest() const { return latest_; }

Q_SIGNALS:
    void updated(const awq::GpuProbeResult& result);

private:
    void publish(GpuProbeResult result);

    int intervalMs_;
    ProbeFn probe_;
    QThread thread_;
    QObject* worker_ = nullptr;
    GpuProbeResult latest_;
    bool hasResult_ = false;
    bool started_ = false;
};

}  // namespace awq::ui
