#pragma once
// Renders the window to a PNG once the library scan is done, for the README and the AppStream
// metadata (`awqbench --screenshot docs/screenshot-models.png --select tinystories-qwen3-7m`).
#include <QSize>
#include <QString>
#include <QStringList>

namespace awq::ui {

class MainWindow;

struct ScreenshotRequest {
    QString file;
    QString selectModel;         // empty: the first model
    QString page = QStringLiteral("models");   // "models", "quantize" (runs a short AWQ job), "compare" (runs the battery), "deploy", "reports"
    QString scratchDir;          // where "quantize" / "compare" write (the new model, the run document)
    QSize size{1280, 800};       // the window's size (--screenshot-size)
    int timeoutMs = 60000;
};

// The pages --page names: models, quantize and compare (in a build with the engine), deploy, reports.
QStringList screenshotPages();

// Shows the window, waits for the scan, selects the model, grabs and saves. Returns 0 on success.
int renderScreenshot(MainWindow& window, const ScreenshotRequest& request);

}  // namespace awq::ui
