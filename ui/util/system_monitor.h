#pragma once
// The app's one GPU / memory sampler (core/system/system_sampler.h), polled through a JobRunner so
// that NVML never blocks the GUI thread; samples arrive on the GUI thread. The main window starts
// steady polling for the status bar; the Quantize page asks for fast samples while its job runs;
// the Deploy page reads the latest sample. Owned by the main window and handed to the pages
// (a page on its own makes its own).
#include "core/system/system_sampler.h"

#include <QObject>

class QTimer;

namespace awq::ui {

class JobRunner;

class SystemMonitor : public QObject {
    Q_OBJECT
public:
    explicit SystemMonitor(GpuProbeFn probe = {}, QObject* parent = nullptr);
    ~SystemMonitor() override;

    void start(int intervalMs = 2000);              // steady polling; the first sample at once
    // While at least one holder wants them, samples come every `intervalMs` (the first at once).
    void beginFastSampling(int intervalMs = 250);
    void endFastSampling();

    bool hasSample() const { return hasSample_; }
    const SystemSample& latest() const { return latest_; }

Q_SIGNALS:
    void sampled(const awq::SystemSample& sample);

private:
    void reschedule();
    void poll();
    void publish(SystemSample sample);

    GpuProbeFn probe_;
    JobRunner* runner_ = nullptr;
    QTimer* timer_ = nullptr;
    int steadyMs_ = 0;          // 0: not started
    int fastMs_ = 250;
    int fastHolders_ = 0;
    SystemSample latest_;
    bool hasSample_ = false;
};

}  // namespace awq::ui
