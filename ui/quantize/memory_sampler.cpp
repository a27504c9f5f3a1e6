#include "ui/quantize/memory_sampler.h"

#include "core/system/gpu_probe.h"

#include <QFile>
#include <QMetaObject>
#include <QPointer>
#include <QTimer>

#include <unistd.h>

namespace awq::ui {

QString memorySeriesName(bool cuda) {
    return cuda ? QObject::tr("GPU memory in use (NVML, whole card)") : QObject::tr("Process memory (RSS: the whole app, not the job alone)");
}

MemorySample sampleMemory(bool cuda) {
    MemorySample s;
    if (cuda) {
        const GpuProbeResult probe = probeGpus();
        if (!probe.available || probe.gpus.empty()) return s;
        s.usedBytes = probe.gpus.front().usedBytes;
        s.totalBytes = probe.gpus.front().totalBytes;
        s.ok = true;
        return s;
    }
    // /proc/self/statm: size resident shared ... in pages.
    QFile statm(QStringLiteral("/proc/self/statm"));
    if (!statm.open(QIODevice::ReadOnly)) return s;
    const QList<QByteArray> fields = statm.readAll().split(' ');
    const auto page = static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
    if (fields.size() < 2) return s;
    s.usedBytes = fields[1].toULongLong() * page;
    s.totalBytes = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) * page;
    s.ok = true;
    return s;
}

MemorySampler::MemorySampler(ProbeFn probe, QObject* parent) : QObject(parent), probe_(probe ? std::move(probe) : ProbeFn(sampleMemory)) {
    worker_ = new QObject;
    timer_ = new QTimer(worker_);
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("memory-sampler"));
    thread_.start(QThread::LowPriority);
}

MemorySampler::~MemorySampler() {
    thread_.quit();
    thread_.wait();
}

void MemorySampler::start(bool cuda, int intervalMs) {
    const quint64 generation = ++generation_;
    running_ = true;
    clock_.start();
    QPointer<MemorySampler> self(this);
    ProbeFn probe = probe_;
    QTimer* timer = timer_;
    QMetaObject::invokeMethod(
        worker_,
        [self, probe, timer, cuda, intervalMs, generation] {
            QObject::disconnect(timer, &QTimer::timeout, nullptr, nullptr);
            auto take = [self, probe, cuda, generation] {
                const MemorySample s = probe(cuda);
                if (!s.ok) return;
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, s, generation] {
                        if (self && self->running_ && self->generation_ == generation)
                            Q_EMIT self->sampled(self->clock_.elapsed() / 1000.0, s.usedBytes, s.totalBytes);
                    },
                    Qt::QueuedConnection);
            };
            QObject::connect(timer, &QTimer::timeout, timer, take);
            timer->start(intervalMs);
            take();
        },
        Qt::QueuedConnection);
}

void MemorySampler::stop() {
    running_ = false;
    ++generation_;
    QTimer* timer = timer_;
    QMetaObject::invokeMethod(worker_, [timer] { timer->stop(); }, Qt::QueuedConnection);
}

}  // namespace awq::ui
