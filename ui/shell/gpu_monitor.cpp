#include "ui/shell/gpu_monitor.h"

#include <QMetaObject>
#include <QTimer>

#include <spdlog/spdlog.h>

namespace awq::ui {

GpuMonitor::GpuMonitor(int intervalMs, ProbeFn probe, QObject* parent)
    : QObject(parent), intervalMs_(intervalMs), probe_(probe ? std::move(probe) : ProbeFn(&awq::probeGpus)) {
    worker_ = new QObject;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("gpu-monitor"));
}

GpuMonitor::~GpuMonitor() {
    if (!started_) {
        delete worker_;   // never moved into a running thread: no one else will delete it
        return;
    }
    thread_.quit();
    thread_.wait();
}

void GpuMonitor::start() {
    if (started_) return;
    started_ = true;
    thread_.start(QThread::LowPriority);
    QMetaObject::invokeMethod(
        worker_,
        [this] {
            // Runs on thread_; the timer lives there too and dies with the worker.
            auto poll = [this] {
                GpuProbeResult result;
                try {
                    result = probe_();
                } catch (const std::exception& e) {
                    result.available = false;
                    result.reason = e.what();
                }
                QMetaObject::invokeMethod(this, [this, result = std::move(result)]() mutable { publish(std::move(result)); },
                                          Qt::QueuedConnection);
            };
            auto* timer = new QTimer(worker_);
            timer->setInterval(intervalMs_);
            QObject::connect(timer, &QTimer::timeout, worker_, poll);
            timer->start();
            poll();
        },
        Qt::QueuedConnection);
}

void GpuMonitor::publish(GpuProbeResult result) {
    const bool firstOrChanged = !hasResult_ || result.available != latest_.available;
    latest_ = std::move(result);
    hasResult_ = true;
    if (firstOrChanged) {
        if (latest_.available)
            spdlog::info("GPU: {} device(s), driver {}", latest_.gpus.size(), latest_.driverVersion);
        else
            spdlog::info("No GPU: {}", latest_.reason);
    }
    Q_EMIT updated(latest_);
}

}  // namespace awq::ui
