#pragma once
// Runs awq::runQuantizeJob on its own QThread and reports back on the GUI thread: every job event,
// then either the summary or the error. Cancel asks the job to stop through a std::stop_source;
// the job saves its journal first, so the interrupted job can be resumed.
#include "core/quant/quantize_job.h"

#include <QObject>
#include <QString>
#include <QThread>

#include <stop_token>

namespace awq::ui {

class QuantizeRunner : public QObject {
    Q_OBJECT
public:
    explicit QuantizeRunner(QObject* parent = nullptr);
    ~QuantizeRunner() override;   // cancels a running job and waits for it

    // Refused (returns false) while a job runs.
    bool start(const QuantizeSettings& settings);
    void cancel();
    bool isRunning() const { return running_; }
    bool cancelRequested() const { return running_ && stop_.stop_requested(); }

Q_SIGNALS:
    void jobEvent(const awq::QuantizeEvent& event);
    void finished(const awq::QuantizeSummary& summary);
    // `cancelled`: stopped on request (resumable); otherwise the job failed with `message`.
    void failed(const QString& message, bool cancelled);

private:
    QThread thread_;
    QObject* worker_ = nullptr;   // lives on thread_, runs the job
    std::stop_source stop_;
    bool running_ = false;
};

}  // namespace awq::ui
