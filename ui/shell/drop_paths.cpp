#include "ui/shell/drop_paths.h"

#include <QDir>
#include <QFileInfo>
#include <QMimeData>
#include <QUrl>

namespace awq::ui {

QStringList libraryPathsFromMime(const QMimeData* mime) {
    QStringList out;
    if (!mime || !mime->hasUrls()) return out;
    for (const QUrl& url : mime->urls()) {
        if (!url.isLocalFile()) continue;
        const QFileInfo info(url.toLocalFile());
        const bool folder = info.isDir();
        const bool gguf = info.isFile() && info.suffix().compare(QLatin1String("gguf"), Qt::CaseInsensitive) == 0;
        if (folder || gguf) out << QDir::cleanPath(info.absoluteFilePath());
    }
    return out;
}

}  // namespace awq::ui
