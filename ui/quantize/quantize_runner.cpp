#include "ui/quantize/quantize_runner.h"

#include <QMetaObject>
#include <QPointer>

#include <spdlog/spdlog.h>

#include <memory>

namespace awq::ui {

QuantizeRunner::QuantizeRunner(QObject* parent) : QObject(parent) {
    worker_ = new QObject;
    worker_->moveToThread(&thread_);
    connect(&thread_, &QThread::finished, worker_, &QObject::deleteLater);
    thread_.setObjectName(QStringLiteral("quantize-job"));
    thread_.start();
}

QuantizeRunner::~QuantizeRunner() {
    stop_.request_stop();   // the job stops after the layer in flight, with its journal saved
    thread_.quit();
    thread_.wait();
}

bool QuantizeRunner::start(const QuantizeSettings& settings) {
    if (running_) return false;
    stop_ = std::stop_source();
    running_ = true;

    QPointer<QuantizeRunner> self(this);
    std::stop_token token = stop_.get_token();
    QMetaObject::invokeMethod(
        worker_,
        [self, settings, token] {
            // `self` is only dereferenced on the GUI thread, inside the queued calls.
            auto onEvent = [self](const QuantizeEvent& e) {
                QMetaObject::invokeMethod(
                    self.data(), [self, e] { if (self) Q_EMIT self->jobEvent(e); }, Qt::QueuedConnection);
            };
            try {
                auto summary = std::make_shared<QuantizeSummary>(runQuantizeJob(settings, onEvent, token));
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, summary] {
                        if (!self) return;
                        self->running_ = false;
                        Q_EMIT self->finished(*summary);
                    },
                    Qt::QueuedConnection);
            } catch (const std::exception& e) {
                const bool cancelled = token.stop_requested();
                const QString message = QString::fromUtf8(e.what());
                QMetaObject::invokeMethod(
                    self.data(),
                    [self, message, cancelled] {
                        if (!self) return;
                        self->running_ = false;
                        Q_EMIT self->failed(message, cancelled);
                    },
                    Qt::QueuedConnection);
            }
        },
        Qt::QueuedConnection);
    return true;
}

void QuantizeRunner::cancel() {
    if (running_) stop_.request_stop();
}

}  // namespace awq::ui
