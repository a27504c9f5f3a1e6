// awqbench: the AWQ Workbench GUI.
#include "core/system/blas_kernels.h"
#include "core/util/logging.h"
#include "ui/shell/main_window.h"
#include "ui/shell/screenshot.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QTemporaryDir>

#include <cstdio>
#include <cstdlib>

namespace {

// The command line, parsed twice: once without a display (--help, --version and a mistyped option
// answer on a headless machine too; QApplication aborts there), then for the window.
struct CommandLine {
    QCommandLineParser parser;
    const QCommandLineOption library{QStringList{QStringLiteral("l"), QStringLiteral("library")},
                                     QStringLiteral("Use DIR as the model library for this run (repeatable; not saved)."), QStringLiteral("DIR")};
    const QCommandLineOption warmPool{QStringLiteral("warm-pool"), QStringLiteral("Use DIR as the warm pool for this run (not saved)."),
                                      QStringLiteral("DIR")};
    const QCommandLineOption settingsFile{QStringLiteral("settings"), QStringLiteral("Keep settings in this INI file instead of the user's settings."),
                                          QStringLiteral("FILE")};
    const QCommandLineOption screenshot{QStringLiteral("screenshot"),
                                        QStringLiteral("Render a page (--page) to FILE (PNG) after the scan and exit. Uses scratch settings (unless "
                                                       "--settings) and a scratch deploy.json, never yours: the Deploy page shows no targets and only the "
                                                       "warm pool given by --warm-pool."),
                                        QStringLiteral("FILE")};
    const QCommandLineOption select{QStringLiteral("select"), QStringLiteral("With --screenshot: the model to show (the library's before a warm-pool copy of that name)."), QStringLiteral("NAME")};
    const QCommandLineOption page{QStringLiteral("page"),
                                  QStringLiteral("With --screenshot: the page to render: models (default), quantize (runs a short AWQ job "
                                                 "of the selected model into a scratch folder), compare (loads it and its quantized sibling "
                                                 "<name>-awq and runs the battery; B stays empty when it has none), deploy or reports."),
                                  QStringLiteral("PAGE"), QStringLiteral("models")};
    const QCommandLineOption screenshotSize{QStringLiteral("screenshot-size"),
                                            QStringLiteral("With --screenshot: the window's size, WIDTHxHEIGHT (default 1280x800), "
                                                           "e.g. 1152x720 to check a small screen."),
                                            QStringLiteral("WxH"), QStringLiteral("1280x800")};
    const QCommandLineOption verbose{QStringLiteral("verbose"), QStringLiteral("Log debug messages too.")};

    CommandLine() {
        parser.setApplicationDescription(QStringLiteral("AWQ Workbench: browse, quantize, compare and deploy local LLMs."));
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addOptions({library, warmPool, settingsFile, screenshot, select, page, screenshotSize, verbose});
    }
};

void nameTheApplication() {
    QCoreApplication::setOrganizationName(QStringLiteral("awqbench"));
    QCoreApplication::setApplicationName(QStringLiteral("awqbench"));
    QCoreApplication::setApplicationVersion(QStringLiteral(AWQBENCH_VERSION));
}

// Whether Qt can open a window here: a display server, or a platform chosen explicitly
// (QT_QPA_PLATFORM=offscreen, as the tests and screenshots use).
// "1152x720" -> QSize; an invalid size for anything else (or a window too small to lay out).
QSize parseSize(const QString& text) {
    const QStringList parts = text.trimmed().toLower().split(QLatin1Char('x'));
    if (parts.size() != 2) return {};
    bool okW = false, okH = false;
    const QSize size(parts[0].toInt(&okW), parts[1].toInt(&okH));
    if (!okW || !okH || size.width() < 320 || size.height() < 240 || size.width() > 8192 || size.height() > 8192) return {};
    return size;
}

bool displayAvailable() {
    for (const char* name : {"DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"})
        if (const char* v = std::getenv(name); v && *v) return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    awq::selectBlasKernels();  // first, before any thread could run a matmul (blas_kernels.h)
    {
        QCoreApplication headless(argc, argv);
        nameTheApplication();
        CommandLine early;
        early.parser.process(headless);  // exits for --help, --version and unknown options
        if (const QString page = early.parser.value(early.page); !awq::ui::screenshotPages().contains(page)) {
            std::fprintf(stderr, "awqbench: --page wants one of %s; got \"%s\"\n",
                         qPrintable(awq::ui::screenshotPages().join(QStringLiteral(", "))), qPrintable(page));
            return 1;
        }
        if (early.parser.isSet(early.screenshotSize) && !parseSize(early.parser.value(early.screenshotSize)).isValid()) {
            std::fprintf(stderr, "awqbench: --screenshot-size wants WIDTHxHEIGHT (320x240 to 8192x8192), e.g. 1152x720; got \"%s\"\n",
                         qPrintable(early.parser.value(early.screenshotSize)));
            return 2;
        }
    }
    if (!displayAvailable()) {
        std::fprintf(stderr,
                     "awqbench: no display (neither DISPLAY nor WAYLAND_DISPLAY is set)\n"
                     "  fix: run it in a desktop session, under xvfb-run, or use awqbench-cli, which does everything the GUI does\n");
        return 1;
    }

    QApplication app(argc, argv);
    nameTheApplication();
    QGuiApplication::setDesktopFileName(QStringLiteral("awqbench"));
    CommandLine cl;
    cl.parser.process(app);
    const QCommandLineParser& parser = cl.parser;

    awq::logging::init(awq::logging::defaultLogFile(), /*toStderr=*/true,
                       parser.isSet(cl.verbose) ? spdlog::level::debug : spdlog::level::info);

    awq::ui::MainWindowOptions options;
    if (parser.isSet(cl.library)) {
        QStringList dirs;
        for (const QString& d : parser.values(cl.library)) dirs << QDir(d).absolutePath();
        options.libraryOverride = dirs;
    }
    if (parser.isSet(cl.warmPool)) options.warmPoolOverride = QDir(parser.value(cl.warmPool)).absolutePath();
    options.settingsFile = parser.value(cl.settingsFile);

    if (parser.isSet(cl.screenshot)) {
        // A screenshot must not depend on (or change) the user's settings.
        QTemporaryDir scratch;
        if (options.settingsFile.isEmpty()) options.settingsFile = scratch.filePath(QStringLiteral("settings.ini"));
        // deploy.json too: it holds the warm-pool folder and the targets.
        options.deploySettingsFile = scratch.filePath(QStringLiteral("deploy.json"));
        awq::ui::MainWindow window(options);
        awq::ui::ScreenshotRequest request{parser.value(cl.screenshot), parser.value(cl.select)};
        request.page = parser.value(cl.page);
        request.size = parseSize(parser.value(cl.screenshotSize));   // checked above
        request.scratchDir = scratch.path();
        if (request.page != QLatin1String("models")) request.timeoutMs = 600000;   // they run a job first
        return awq::ui::renderScreenshot(window, request);
    }

    awq::ui::MainWindow window(options);
    window.show();
    return QApplication::exec();
}
