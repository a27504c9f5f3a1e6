#pragma once
// What the workbench remembers between runs (QSettings): the library folders, the window layout.
// The warm-pool folder lives in deploy.json, shared with awqbench-cli (ui/shell/warm_pool_setting.h);
// older versions kept it here, read once to move it there. On the very first start the library is the bundled demo library.
#include "core/library/catalog.h"

#include <QByteArray>
#include <QString>
#include <QStringList>

#include <memory>

class QSettings;

namespace awq::ui {

class AppSettings {
public:
    // `file` empty: the user's settings (organisation/application names set in main); otherwise an
    // INI file (tests, portable installs).
    explicit AppSettings(const QString& file = {});
    ~AppSettings();
    AppSettings(const AppSettings&) = delete;
    AppSettings& operator=(const AppSettings&) = delete;

    // True until library folders were saved once.
    bool hasLibraryFolders() const;
    QStringList libraryFolders() const;
    void setLibraryFolders(const QStringList& folders);
    // The warm-pool folder an older version saved here (empty when none); clearLegacyWarmPool
    // forgets it once it moved into deploy.json.
    QString legacyWarmPool() const;
    void clearLegacyWarmPool();

    // Where the Compare page saves its run documents (RUN.json) for the Reports page; default:
    // Default: appDataFolder("runs") (~/.local/share/awqbench/runs, ui/util/data_folders.h).
    QString runsFolder() const;
    void setRunsFolder(const QString& folder);
    static QString defaultRunsFolder();

    // The folder the Quantize page last wrote a model into (empty until a job ran or the user
    // browsed to one); without one, new models go to the first library folder outside the bundled
    // demo library, else to defaultModelsFolder() (appDataFolder("models"), added to the library).
    QString quantizeOutputFolder() const;
    void setQuantizeOutputFolder(const QString& folder);
    static QString defaultModelsFolder();
    QString defaultQuantizeOutputFolder(const QStringList& libraryFolders, const QString& applicationDir) const;

    // First start: remember the demo library (found beside `applicationDir`) as the only folder.
    void applyFirstRunDefaults(const QString& applicationDir);

    // The Compare page's A/B choices, by model path: the last pair (restored at start) and, for
    // each A, the B it was last compared with (chosen when A is picked again).
    struct ComparePair {
        QString a, b;
    };
    ComparePair lastComparePair() const;
    QString comparePartnerOf(const QString& a) const;   // empty when A was never compared
    void setComparePair(const QString& a, const QString& b);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowLayout(const QByteArray& geometry, const QByteArray& state);

    void sync();
    QString fileName() const;

private:
    std::unique_ptr<QSettings> settings_;
};

// Removes empty entries and duplicates (same canonical folder), keeping the order.
QStringList normalizedFolders(const QStringList& folders);
LibraryRoots makeRoots(const QStringList& folders, const QString& warmPool);

}  // namespace awq::ui
