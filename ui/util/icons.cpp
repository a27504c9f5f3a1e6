#include "ui/util/icons.h"

#include <QFile>
#include <QHash>
#include <QImageReader>

// Q_INIT_RESOURCE must be used outside any namespace.
static void initAwqbenchResource() { Q_INIT_RESOURCE(awqbench); }

namespace awq::ui {

void initResources() {
    static const bool once = [] {
        initAwqbenchResource();
        return true;
    }();
    (void)once;
}

QIcon icon(const QString& name) {
    initResources();
    static QHash<QString, QIcon> cache;
    if (auto it = cache.constFind(name); it != cache.constEnd()) return *it;

    static const bool svgSupported = QImageReader::supportedImageFormats().contains("svg");
    QIcon result;
    const QString svg = QStringLiteral(":/icons/%1.svg").arg(name);
    if (svgSupported && QFile::exists(svg)) {
        result.addFile(svg, QSize(), QIcon::Normal);
        result.addFile(svg, QSize(), QIcon::Selected);
    } else {
        for (int size : {16, 32, 64, 256}) {
            const QString png = QStringLiteral(":/icons/png/%1-%2.png").arg(name).arg(size);
            if (!QFile::exists(png)) continue;
            // The same picture when selected: Qt's generated selected look tints it into mud.
            result.addFile(png, QSize(size, size), QIcon::Normal);
            result.addFile(png, QSize(size, size), QIcon::Selected);
        }
    }
    cache.insert(name, result);
    return result;
}

}  // namespace awq::ui
