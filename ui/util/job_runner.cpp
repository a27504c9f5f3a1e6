#include "ui/util/job_runner.h"

#include "core/util/error.h"

#include <QException>

namespace awq::ui {

JobRunner::JobRunner(const QString& name, QThread::Priority priority, QObject* parent) : QObject(parent) {
    setObjectName(name);
    pool_.setObjectName(name);
    pool_.setMaxThreadCount(1);   // one job at a time, in order
    pool_.setExpiryTimeout(-1);   // one thread for the runner's life (see the header)
    pool_.setThreadPriority(priority);
}

JobRunner::~JobRunner() {
    stop_.request_stop();   // e.g. a quantize job stops after saving its journal
    ++generation_;          // nothing more reaches this object
    pool_.waitForDone();
}

void JobRunner::cancel() {
    if (running_) stop_.request_stop();
}

void JobRunner::discard() {
    if (!running_) return;
    stop_.request_stop();
    ++generation_;
    setRunning(false);
}

bool JobRunner::waitForIdle(int timeoutMs) { return pool_.waitForDone(timeoutMs); }

JobRunner::Post JobRunner::poster(quint64 generation) {
    // `self` is only dereferenced on the GUI thread, inside the queued call.
    QPointer<JobRunner> self(this);
    return [self, generation](std::function<void()> fn) {
        QMetaObject::invokeMethod(
            self.data(), [self, generation, fn = std::move(fn)] { if (self && self->generation_ == generation) fn(); },
            Qt::QueuedConnection);
    };
}

void JobRunner::setRunning(bool running) {
    if (running_ == running) return;
    running_ = running;
    Q_EMIT runningChanged(running);
}

QString JobRunner::messageOf(std::exception_ptr e) {
    try {
        std::rethrow_exception(e);
    } catch (const QUnhandledException& wrapped) {   // QtConcurrent wraps what is not a QException
        if (wrapped.exception()) return messageOf(wrapped.exception());
    } catch (const std::exception& x) {
        return QString::fromStdString(exceptionMessage(x));
    } catch (...) {
    }
    return QStringLiteral("unknown error");
}

}  // namespace awq::ui
