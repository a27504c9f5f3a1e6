#include "ui/util/data_folders.h"

#include <QDir>
#include <QFileInfo>
#include <QStandardPaths>

namespace awq::ui {

QString appDataFolder(const QString& name) {
    const QString current = QDir(QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation)).filePath(QStringLiteral("awqbench/") + name);
    const QString legacy = QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(name);
    if (legacy != current && QFileInfo(legacy).isDir() && !QFileInfo::exists(current)) return legacy;
    return current;
}

}  // namespace awq::ui
