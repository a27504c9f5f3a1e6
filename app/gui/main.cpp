// awqbench: the AWQ Workbench GUI.
#include "core/util/logging.h"
#include "ui/shell/main_window.h"
#include "ui/shell/screenshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTemporaryDir>

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName(QStringLiteral("awqbench"));
    QCoreApplication::setApplicationName(QStringLiteral("awqbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AWQBENCH_VERSION));
    QGuiApplication::setDesktopFileName(QStringLiteral("awqbench"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("AWQ Workbench: browse, quantize, compare and deploy local LLMs."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption library(QStringList{QStringLiteral("l"), QStringLiteral("library")},
                                     QStringLiteral("Use DIR as the model library for this run (repeatable; not saved)."),
                                     QStringLiteral("DIR"));
    const QCommandLineOption warmPool(QStringLiteral("warm-pool"),
                                      QStringLiteral("Use DIR as the warm pool for this run (not saved)."), QStringLiteral("DIR"));
    const QCommandLineOption settingsFile(QStringLiteral("settings"),
                                          QStringLiteral("Keep settings in this INI file instead of the user's settings."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QStringLiteral("Render the Models page to FILE (PNG) after the scan and exit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption select(QStringLiteral("select"), QStringLiteral("With --screenshot: the model to show."),
                                    QStringLiteral("NAME"));
    const QCommandLineOption page(QStringLiteral("page"),
                                  QStringLiteral("With --screenshot: the page to render: models (default), quantize (runs a short AWQ job "
                                                 "of the selected model into a scratch folder) or compare (loads it and its AWQ version "
                                                 "and runs the battery)."),
                                  QStringLiteral("PAGE"), QStringLiteral("models"));
    const QCommandLineOption verbose(QStringLiteral("verbose"), QStringLiteral("Log debug messages too."));
    parser.addOptions({library, warmPool, settingsFile, screenshot, select, page, verbose});
    parser.process(app);

    awq::logging::init(awq::logging::defaultLogFile(), /*toStderr=*/true,
                       parser.isSet(verbose) ? spdlog::level::debug : spdlog::level::info);

    awq::ui::MainWindowOptions options;
    if (parser.isSet(library)) {
        QStringList dirs;
        for (const QString& d : parser.values(library)) dirs << QDir(d).absolutePath();
        options.libraryOverride = dirs;
    }
    if (parser.isSet(warmPool)) options.warmPoolOverride = QDir(parser.value(warmPool)).absolutePath();
    options.settingsFile = parser.value(settingsFile);

    if (parser.isSet(screenshot)) {
        // A screenshot must not depend on (or change) the user's settings.
        QTemporaryDir scratch;
        if (options.settingsFile.isEmpty()) options.settingsFile = scratch.filePath(QStringLiteral("settings.ini"));
        awq::ui::MainWindow window(options);
        awq::ui::ScreenshotRequest request{parser.value(screenshot), parser.value(select)};
        request.page = parser.value(page);
        request.scratchDir = scratch.path();
        if (request.page != QLatin1String("models")) request.timeoutMs = 600000;   // they run a job first
        return awq::ui::renderScreenshot(window, request);
    }

    awq::ui::MainWindow window(options);
    window.show();
    return QApplication::exec();
}
