#include "ui/shell/screenshot.h"

#include "ui/models/model_detail_pane.h"
#include "ui/models/models_page.h"
#include "ui/shell/main_window.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QPixmap>
#include <QThread>

#include <spdlog/spdlog.h>

namespace awq::ui {
namespace {

// Lets queued work (scan results, replots, layouts) run for `ms` milliseconds.
void settle(int ms) {
    QElapsedTimer t;
    t.start();
    while (t.elapsed() < ms) {
        QApplication::processEvents(QEventLoop::AllEvents, 20);
        QThread::msleep(5);
    }
}

}  // namespace

int renderScreenshot(MainWindow& window, const ScreenshotRequest& request) {
    window.resize(request.size);
    window.show();
    window.showPlace(Place::Models);

    ModelsPage* models = window.modelsPage();
    QElapsedTimer timer;
    timer.start();
    settle(50);
    while ((models->isScanning() || !models->hasScanned()) && timer.elapsed() < request.timeoutMs) settle(20);
    if (!models->hasScanned()) {
        spdlog::error("Screenshot: the library scan did not finish within {} ms", request.timeoutMs);
        return 1;
    }
    if (!request.selectModel.isEmpty() && !models->selectModel(request.selectModel)) {
        spdlog::error("Screenshot: no model named {} in the library", request.selectModel.toStdString());
        return 1;
    }
    models->detail()->showTab(ModelDetailPane::MemoryPlanTab);
    settle(300);

    const QPixmap shot = window.grab();
    QDir().mkpath(QFileInfo(request.file).absolutePath());
    if (!shot.save(request.file, "PNG")) {
        spdlog::error("Screenshot: cannot write {}", request.file.toStdString());
        return 1;
    }
    spdlog::info("Screenshot written to {} ({}x{})", request.file.toStdString(), shot.width(), shot.height());
    return 0;
}

}  // namespace awq::ui
