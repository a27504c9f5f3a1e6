// Renders icons/*.svg to icons/png/<name>-<size>.png, the fallback awq::ui::icon() uses where Qt's
// SVG plugin is not installed (Debian's qt6-base-dev alone has none). Not part of the build; run
// it after editing an SVG, on a machine with the Qt SVG plugin (Debian: libqt6svg6):
//   g++ -std=c++17 -fPIC render_icons.cpp $(pkg-config --cflags --libs Qt6Gui) -o /tmp/render_icons
//   QT_QPA_PLATFORM=offscreen /tmp/render_icons resources/ui/icons
#include <QDir>
#include <QGuiApplication>
#include <QImage>
#include <QImageReader>
#include <cstdio>

int main(int argc, char** argv) {
    QGuiApplication app(argc, argv);
    if (argc < 2) {
        std::fprintf(stderr, "usage: render_icons ICON_DIR\n");
        return 2;
    }
    if (!QImageReader::supportedImageFormats().contains("svg")) {
        std::fprintf(stderr, "render_icons: Qt's SVG image plugin is not installed\n");
        return 1;
    }
    QDir dir(QString::fromLocal8Bit(argv[1]));
    dir.mkpath(QStringLiteral("png"));
    for (const QString& file : dir.entryList({QStringLiteral("*.svg")}, QDir::Files, QDir::Name)) {
        const QString stem = file.chopped(4);
        QList<int> sizes{16, 32, 64};
        if (stem == QLatin1String("awqbench")) sizes << 256;
        for (int size : sizes) {
            QImageReader reader(dir.filePath(file));
            reader.setScaledSize(QSize(size, size));
            const QImage image = reader.read();
            const QString out = dir.filePath(QStringLiteral("png/%1-%2.png").arg(stem).arg(size));
            if (image.isNull() || !image.save(out)) {
                std::fprintf(stderr, "render_icons: %s: %s\n", qPrintable(file), qPrintable(reader.errorString()));
                return 1;
            }
        }
    }
    return 0;
}
