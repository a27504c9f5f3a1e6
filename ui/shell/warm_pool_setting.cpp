#include "ui/shell/warm_pool_setting.h"

#include "ui/shell/app_settings.h"
#include "ui/util/path_text.h"

#include "core/deploy/deploy_settings.h"

#include <QDir>

namespace awq::ui {

QString readWarmPool(const QString& deploySettingsFile) {
    const auto pool = deploy::loadSettings(toPath(deploySettingsFile)).pool;
    return pool.empty() ? QString() : QDir::cleanPath(toQString(pool));
}

void writeWarmPool(const QString& deploySettingsFile, const QString& folder) {
    auto s = deploy::loadSettings(toPath(deploySettingsFile));
    const QString clean = folder.trimmed().isEmpty() ? QString() : QDir::cleanPath(folder.trimmed());
    if (toQString(s.pool) == clean) return;  // unchanged: leave the file as it is
    s.pool = toPath(clean);
    deploy::saveSettings(toPath(deploySettingsFile), s);
}

QString migrateWarmPool(AppSettings& settings, const QString& deploySettingsFile) {
    const QString legacy = settings.legacyWarmPool().trimmed();
    if (legacy.isEmpty()) return {};
    QString moved;
    if (readWarmPool(deploySettingsFile).isEmpty()) {
        writeWarmPool(deploySettingsFile, legacy);
        moved = QDir::cleanPath(legacy);
    }
    settings.clearLegacyWarmPool();
    settings.sync();
    return moved;
}

}  // namespace awq::ui
