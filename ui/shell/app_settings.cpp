#include "ui/shell/app_settings.h"

#include "ui/util/data_folders.h"
#include "ui/util/path_text.h"

#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QVariantMap>

#include <spdlog/spdlog.h>

namespace awq::ui {
namespace {
const QString kLibraryFolders = QStringLiteral("library/folders");
const QString kWarmPool = QStringLiteral("library/warmPool");
const QString kRunsFolder = QStringLiteral("runs/folder");
const QString kQuantizeOutput = QStringLiteral("quantize/outputFolder");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
const QString kCompareA = QStringLiteral("compare/a");
const QString kCompareB = QStringLiteral("compare/b");
const QString kComparePartners = QStringLiteral("compare/partners");
}  // namespace

AppSettings::AppSettings(const QString& file)
    : settings_(file.isEmpty() ? std::make_unique<QSettings>() : std::make_unique<QSettings>(file, QSettings::IniFormat)) {}

AppSettings::~AppSettings() = default;

bool AppSettings::hasLibraryFolders() const { return settings_->contains(kLibraryFolders); }

QStringList AppSettings::libraryFolders() const { return settings_->value(kLibraryFolders).toStringList(); }

void AppSettings::setLibraryFolders(const QStringList& folders) {
    settings_->setValue(kLibraryFolders, normalizedFolders(folders));
}

QString AppSettings::legacyWarmPool() const { return settings_->value(kWarmPool).toString(); }

void AppSettings::clearLegacyWarmPool() { settings_->remove(kWarmPool); }

QString AppSettings::runsFolder() const {
    const QString f = settings_->value(kRunsFolder).toString();
    return f.isEmpty() ? defaultRunsFolder() : f;
}

void AppSettings::setRunsFolder(const QString& folder) {
    settings_->setValue(kRunsFolder, folder.trimmed().isEmpty() ? QString() : QDir::cleanPath(folder.trimmed()));
}

QString AppSettings::defaultRunsFolder() { return appDataFolder(QStringLiteral("runs")); }

QString AppSettings::quantizeOutputFolder() const { return settings_->value(kQuantizeOutput).toString(); }

void AppSettings::setQuantizeOutputFolder(const QString& folder) {
    settings_->setValue(kQuantizeOutput, folder.trimmed().isEmpty() ? QString() : QDir::cleanPath(folder.trimmed()));
}

QString AppSettings::defaultModelsFolder() { return appDataFolder(QStringLiteral("models")); }

QString AppSettings::defaultQuantizeOutputFolder(const QStringList& libraryFolders, const QString& applicationDir) const {
    if (const QString saved = quantizeOutputFolder(); !saved.isEmpty()) return saved;
    // The bundled demo library is part of the installation (often read-only, replaced on update).
    const QString demo = toQString(findDemoLibrary(toPath(applicationDir)));
    const QString demoPrefix = QDir::cleanPath(demo) + QLatin1Char('/');
    for (const QString& f : libraryFolders) {
        const QString clean = QDir::cleanPath(f);
        if (QFileInfo(clean).isDir() && (demo.isEmpty() || !(clean + QLatin1Char('/')).startsWith(demoPrefix))) return clean;
    }
    return defaultModelsFolder();
}

void AppSettings::applyFirstRunDefaults(const QString& applicationDir) {
    if (hasLibraryFolders()) return;
    const std::filesystem::path demo = findDemoLibrary(toPath(applicationDir));
    QStringList folders;
    if (!demo.empty()) {
        folders << toQString(demo);
        spdlog::info("First start: the library is the bundled demo library at {}", demo.string());
    } else {
        spdlog::info("First start: no bundled demo library found; add your model folders in Settings");
    }
    setLibraryFolders(folders);
}

AppSettings::ComparePair AppSettings::lastComparePair() const {
    return {settings_->value(kCompareA).toString(), settings_->value(kCompareB).toString()};
}

QString AppSettings::comparePartnerOf(const QString& a) const {
    return settings_->value(kComparePartners).toMap().value(QDir::cleanPath(a)).toString();
}

void AppSettings::setComparePair(const QString& a, const QString& b) {
    if (a.isEmpty() || b.isEmpty()) return;
    settings_->setValue(kCompareA, QDir::cleanPath(a));
    settings_->setValue(kCompareB, QDir::cleanPath(b));
    // Paths are map keys, not setting keys: a '/' in a QSettings key would nest groups.
    QVariantMap partners = settings_->value(kComparePartners).toMap();
    partners.insert(QDir::cleanPath(a), QDir::cleanPath(b));
    settings_->setValue(kComparePartners, partners);
}

QByteArray AppSettings::windowGeometry() const { return settings_->value(kGeometry).toByteArray(); }
QByteArray AppSettings::windowState() const { return settings_->value(kState).toByteArray(); }

void AppSettings::setWindowLayout(const QByteArray& geometry, const QByteArray& state) {
    settings_->setValue(kGeometry, geometry);
    settings_->setValue(kState, state);
}

void AppSettings::sync() { settings_->sync(); }

QString AppSettings::fileName() const { return settings_->fileName(); }

QStringList normalizedFolders(const QStringList& folders) {
    QStringList out;
    QStringList seen;
    for (const QString& raw : folders) {
        const QString f = raw.trimmed();
        if (f.isEmpty()) continue;
        const QString clean = QDir::cleanPath(f);
        const QString canonical = QFileInfo(clean).canonicalFilePath();
        const QString key = canonical.isEmpty() ? clean : canonical;
        if (seen.contains(key)) continue;
        seen << key;
        out << clean;
    }
    return out;
}

LibraryRoots makeRoots(const QStringList& folders, const QString& warmPool) {
    LibraryRoots roots;
    roots.folders = toPaths(normalizedFolders(folders));
    if (!warmPool.trimmed().isEmpty()) roots.warmPool = toPath(QDir::cleanPath(warmPool.trimmed()));
    return roots;
}

}  // namespace awq::ui
