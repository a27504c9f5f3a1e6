#include "ui/shell/screenshot.h"

#include "ui/models/model_detail_pane.h"
#include "ui/models/models_page.h"
#include "ui/shell/main_window.h"
#ifdef AWQBENCH_UI_WITH_ENGINE
#include "ui/compare/compare_demo.h"
#include "ui/compare/compare_page.h"
#include "ui/util/catalog_table_model.h"
#include "ui/quantize/quantize_demo.h"
#include "ui/quantize/quantize_page.h"
#include "ui/util/path_text.h"
#endif

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

QStringList screenshotPages() {
#ifdef AWQBENCH_UI_WITH_ENGINE
    return {QStringLiteral("models"), QStringLiteral("quantize"), QStringLiteral("compare"), QStringLiteral("deploy"), QStringLiteral("reports")};
#else
    return {QStringLiteral("models"), QStringLiteral("deploy"), QStringLiteral("reports")};
#endif
}

int renderScreenshot(MainWindow& window, const ScreenshotRequest& request) {
    if (!screenshotPages().contains(request.page)) {
        spdlog::error("Screenshot: no page named {} (pages: {})", request.page.toStdString(),
                      screenshotPages().join(QStringLiteral(", ")).toStdString());
        return 1;
    }
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
#ifdef AWQBENCH_UI_WITH_ENGINE
    if (request.page == QLatin1String("quantize") || request.page == QLatin1String("compare")) {
        CatalogEntryPtr source = models->selectedEntry();
        const QString sourcePath = source ? toQString(source->path) : QString();
        const QString scratch = request.scratchDir.isEmpty() ? QDir::tempPath() : request.scratchDir;
        bool ok = false;
        if (request.page == QLatin1String("quantize")) {
            window.showPlace(Place::Quantize);
            ok = runQuantizeDemo(*window.quantizePage(), sourcePath, QDir(scratch).filePath(QFileInfo(sourcePath).fileName() + QStringLiteral("-awq")),
                                 request.timeoutMs);
        } else {
            // B: the selected model's quantized sibling (<name>-awq first, then <name>-<other>). None:
            // B stays empty and nothing runs (an unrelated model is no comparison).
            const CatalogEntryPtr sibling = models->catalog()->quantizedSibling(source);
            const QString b = sibling ? toQString(sibling->path) : QString();
            window.showPlace(Place::Compare);
            if (b.isEmpty()) {
                spdlog::warn("Screenshot: {} has no quantized sibling ({}awq...) in the library: B is left empty and the battery is not run",
                             source ? source->name : std::string("(no model)"), source ? source->name + '-' : std::string());
                window.comparePage()->restoreModels(sourcePath, QString());
                ok = true;
            } else {
                ok = runCompareDemo(*window.comparePage(), sourcePath, b, QDir(scratch).filePath(QStringLiteral("runs")), request.timeoutMs);
            }
        }
        if (!ok) return 1;
    }
#endif
    // Pages that need no job: shown as they are after the scan (layout checks at other sizes).
    if (request.page == QLatin1String("deploy")) window.showPlace(Place::Deploy);
    if (request.page == QLatin1String("reports")) window.showPlace(Place::Reports);
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
