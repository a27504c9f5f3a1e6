#include "ui/deploy/pool_job_runner.h"

#include <QElapsedTimer>
#include <QMetaObject>
#include <QPointer>

#include <spdlog/spdlog.h>

namespace awq::ui {

PoolJobRunner::PoolJobRunner(QObject* parent) : QObject(parent) {
    worker_ = new QObject;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("warm-pool"));
    thread_.start();
}

PoolJobRunner::~PoolJobRunner() {
    stop_.request_stop();
    thread_.quit();
    thread_.wait();
}

bool PoolJobRunner::start(const QString& label, Job job) {
    if (running_) return false;
    stop_ = std::stop_source();
    running_ = true;
    label_ = label;
    Q_EMIT started(label);

    QPointer<PoolJobRunner> self(this);
    std::stop_token token = stop_.get_token();
    QMetaObject::invokeMethod(
        worker_,
        [self, job = std::move(job), token] {
            QElapsedTimer sinceLast;
            sinceLast.start();
            auto report = [&](const pool::CopyProgress& p) {
                const bool last = p.bytesDone == p.bytesTotal;
                if (!last && sinceLast.elapsed() < kProgressIntervalMs) return;
                sinceLast.restart();
                const int stage = p.stage == pool::CopyProgress::Stage::Copy ? 0 : 1;
                const auto done = qint64(p.bytesDone), total = qint64(p.bytesTotal);
                const QString file = QString::fromStdString(p.currentFile);
                QMetaObject::invokeMethod(
                    self.data(), [self, stage, done, total, file] { if (self) Q_EMIT self->progress(stage, done, total, file); },
                    Qt::QueuedConnection);
            };
            bool ok = true, cancelled = false;
            QString message;
            try {
                message = job(token, report, cancelled);
            } catch (const std::exception& e) {
                ok = false;
                message = QString::fromStdString(e.what());
                spdlog::error("Warm pool: {}", e.what());
            }
            QMetaObject::invokeMethod(
                self.data(),
                [self, ok, cancelled, message] {
                    if (!self) return;
                    self->running_ = false;
                    Q_EMIT self->finished(ok, cancelled, message);
                },
                Qt::QueuedConnection);
        },
        Qt::QueuedConnection);
    return true;
}

void PoolJobRunner::cancel() {
    if (running_) stop_.request_stop();
}

}  // namespace awq::ui
