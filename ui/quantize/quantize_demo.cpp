#include "ui/quantize/quantize_demo.h"

#include "ui/quantize/preflight_view.h"
#include "ui/quantize/quantize_page.h"

#include <QApplication>
#include <QComboBox>
#include <QElapsedTimer>
#include <QLineEdit>
#include <QSpinBox>
#include <QThread>

#include <spdlog/spdlog.h>

namespace awq::ui {

bool runQuantizeDemo(QuantizePage& page, const QString& sourcePath, const QString& outputFolder, int timeoutMs) {
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
    page.refreshPreflight();
    if (!page.preflight()->canStart()) {
        spdlog::error("Quantize demo: pre-flight says {} {}", page.preflight()->verdict().toStdString(), page.preflight()->details().toStdString());
        return false;
    }
    page.start();
    QElapsedTimer t;
    t.start();
    while (page.isRunning() && t.elapsed() < timeoutMs) {
        QApplication::processEvents(QEventLoop::AllEvents, 50);
        QThread::msleep(10);
    }
    if (page.isRunning()) {
        spdlog::error("Quantize demo: the job did not finish within {} ms", timeoutMs);
        page.cancel();
        return false;
    }
    return true;
}

}  // namespace awq::ui
