#include "ui/util/system_monitor.h"

#include "ui/util/job_runner.h"

#include <QTimer>

#include <spdlog/spdlog.h>

namespace awq::ui {

SystemMonitor::SystemMonitor(GpuProbeFn probe, QObject* parent)
    : QObject(parent), probe_(std::move(probe)), runner_(new JobRunner(QStringLiteral("system-monitor"), QThread::LowPriority, this)),
      timer_(new QTimer(this)) {
    connect(timer_, &QTimer::timeout, this, &SystemMonitor::poll);
}

SystemMonitor::~SystemMonitor() = default;

void SystemMonitor::start(int intervalMs) {
    const bool first = steadyMs_ == 0;
    steadyMs_ = std::max(intervalMs, 1);
    reschedule();
    if (first) poll();
}

void SystemMonitor::beginFastSampling(int intervalMs) {
    ++fastHolders_;
    fastMs_ = std::max(intervalMs, 1);
    reschedule();
    poll();
}

void SystemMonitor::endFastSampling() {
    if (fastHolders_ > 0) --fastHolders_;
    reschedule();
}

void SystemMonitor::reschedule() {
    const int interval = fastHolders_ > 0 ? (steadyMs_ > 0 ? std::min(fastMs_, steadyMs_) : fastMs_) : steadyMs_;
    if (interval <= 0) {
        timer_->stop();
        return;
    }
    if (!timer_->isActive() || timer_->interval() != interval) timer_->start(interval);
}

void SystemMonitor::poll() {
    if (runner_->isRunning()) return;   // a slow probe: skip a beat rather than queue up
    runner_->start<SystemSample>([probe = probe_](std::stop_token, const JobRunner::Post&) { return sampleSystem(probe); },
                                 [this](JobDone<SystemSample> done) {
                                     if (done.value) publish(std::move(*done.value));
                                 });
}

void SystemMonitor::publish(SystemSample sample) {
    const bool firstOrChanged = !hasSample_ || sample.gpus.available != latest_.gpus.available;
    latest_ = std::move(sample);
    hasSample_ = true;
    if (firstOrChanged) {
        if (latest_.gpus.available)
            spdlog::info("GPU: {} device(s), driver {}", latest_.gpus.gpus.size(), latest_.gpus.driverVersion);
        else
            spdlog::info("No GPU: {}", latest_.gpus.reason);
    }
    Q_EMIT sampled(latest_);
}

}  // namespace awq::ui
