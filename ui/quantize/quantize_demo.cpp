#include "ui/quantize/quantize_demo.h"

#include "ui/quantize/preflight_view.h"
#include "ui/quantize/quantize_page.h"

#include <QComboBox>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QTimer>

#include <spdlog/spdlog.h>

#include <algorithm>

namespace awq::ui {
namespace {

// Waits in an event loop for the first of the signals it was told about, or until the deadline.
// The page's own signals say when its asynchronous work is done; checking its state at once, or
// after a guessed sleep, read the verdict of the check before (the pre-flight runs off the GUI
// thread: "Choose a source model" was still shown right after the source had been chosen).
class SignalWait {
public:
    template <typename Sender, typename Signal>
    void on(Sender* sender, Signal signal) {
        QObject::connect(sender, signal, &loop_, [this] {
            fired_ = true;
            loop_.quit();
        });
    }
    // Also hands the signal's arguments to `handler`; the connection ends with this object.
    template <typename Sender, typename Signal, typename Handler>
    void on(Sender* sender, Signal signal, Handler handler) {
        QObject::connect(sender, signal, &loop_, handler);
        on(sender, signal);
    }
    // True once a signal fired (also before wait was called); false when `timeoutMs` passed first.
    bool wait(int timeoutMs) {
        if (!fired_) {
            QTimer::singleShot(std::max(0, timeoutMs), &loop_, &QEventLoop::quit);
            loop_.exec();
        }
        return fired_;
    }

private:
    QEventLoop loop_;
    bool fired_ = false;
};

}  // namespace

bool runQuantizeDemo(QuantizePage& page, const QString& sourcePath, const QString& outputFolder, int timeoutMs) {
    QElapsedTimer clock;
    clock.start();
    const auto left = [&] { return int(std::max<qint64>(0, timeoutMs - clock.elapsed())); };
    if (!page.selectSource(sourcePath)) {
        spdlog::error("Quantize demo: {} is not an unquantized model of the library", sourcePath.toStdString());
        return false;
    }
    page.deviceChoice()->setCurrentIndex(page.deviceChoice()->findData(QStringLiteral("cpu")));   // first: it applies its defaults
    page.methodChoice()->setCurrentIndex(0);   // AWQ
    page.calibrationChoice()->setCurrentIndex(0);   // the bundled text
    page.samplesSpin()->setValue(16);
    page.seqlenSpin()->setValue(64);
    page.outputEdit()->setText(outputFolder);

    // The pre-flight of exactly these settings, waited for: it reads the model and tokenizes the
    // calibration text on a worker thread.
    SignalWait checked;
    checked.on(&page, &QuantizePage::preflightChecked);
    page.refreshPreflight();
    if (!checked.wait(left())) {
        spdlog::error("Quantize demo: the pre-flight did not finish within {} ms", timeoutMs);
        return false;
    }
    if (!page.preflight()->canStart()) {
        spdlog::error("Quantize demo: pre-flight says {} {}", page.preflight()->verdict().toStdString(), page.preflight()->details().toStdString());
        return false;
    }

    SignalWait ended;
    bool failed = false;
    QString failure;
    ended.on(&page, &QuantizePage::jobFinished);
    ended.on(&page, &QuantizePage::jobFailed, [&](const QString& message, bool) {
        failed = true;
        failure = message;
    });
    page.start();
    if (!page.isRunning()) {
        spdlog::error("Quantize demo: the job did not start: {}", page.statusLabel()->text().toStdString());
        return false;
    }
    if (!ended.wait(left())) {
        spdlog::error("Quantize demo: the job did not finish within {} ms", timeoutMs);
        page.cancel();
        return false;
    }
    if (failed) {
        spdlog::error("Quantize demo: the job failed: {}", failure.toStdString());
        return false;
    }
    return true;
}

}  // namespace awq::ui
