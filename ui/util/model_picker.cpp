#include "ui/util/model_picker.h"

#include "ui/util/catalog_text.h"
#include "ui/util/path_text.h"

#include <QDir>
#include <QSignalBlocker>

namespace awq::ui {
namespace {
constexpr int kLibraryRole = Qt::UserRole + 1;   // true: a library model (not a warm-pool copy)
}  // namespace

ModelPicker::ModelPicker(QWidget* parent) : QComboBox(parent) {
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(24);
    setPlaceholderText(tr("No model in the library yet"));
    connect(this, &QComboBox::currentIndexChanged, this, [this] {
        pending_.clear();   // the user (or a caller) chose; stop waiting for an older request
        Q_EMIT entryChanged();
    });
}

void ModelPicker::setCatalog(CatalogTableModel* catalog) {
    catalog_ = catalog;
    connect(catalog_, &QAbstractItemModel::modelReset, this, &ModelPicker::rebuild);
    connect(catalog_, &QAbstractItemModel::rowsInserted, this, &ModelPicker::rebuild);
    connect(catalog_, &QAbstractItemModel::rowsRemoved, this, &ModelPicker::rebuild);
    rebuild();
}

void ModelPicker::setFilter(Filter filter) {
    filter_ = std::move(filter);
    rebuild();
}

void ModelPicker::rebuild() {
    const QString before = currentPath();
    const QString keep = pending_.isEmpty() ? before : pending_;
    const QString waiting = pending_;
    {
        const QSignalBlocker block(this);
        clear();
        std::vector<CatalogEntryPtr> listed;
        for (int row = 0; catalog_ && row < catalog_->rowCount(); ++row) {
            const CatalogEntryPtr e = catalog_->entry(row);
            if (!e || !e->ok() || !e->info || (filter_ && !filter_(*e))) continue;
            listed.push_back(e);
        }
        std::vector<const CatalogEntry*> raw;
        for (const auto& e : listed) raw.push_back(e.get());
        const QHash<QString, QString> hints = sameNameHints(raw);
        for (const CatalogEntryPtr& e : listed) {
            const QString path = QDir::cleanPath(toQString(e->path));
            // The origin tells a library model from its warm-pool copy of the same name; the parent
            // folder tells apart two library folders of one name (the demo's and a copy).
            const QString hint = hints.value(path);
            addItem(tr("%1  (%2, %3) · %4")
                            .arg(toQString(e->name), quantizationText(*e), formatCount(parameterCount(*e)), originText(e->origin).toLower()) +
                        (hint.isEmpty() ? QString() : QStringLiteral(" · ") + hint),
                    path);
            setItemData(count() - 1, path, Qt::ToolTipRole);
            setItemData(count() - 1, e->origin == ModelOrigin::Library, kLibraryRole);
        }
        // Shown while none is chosen: an empty library, or a choice left open (no default pair).
        setPlaceholderText(count() > 0 ? tr("Choose a model") : tr("No model in the library yet"));
        const int index = keep.isEmpty() ? -1 : findData(QDir::cleanPath(keep));
        setCurrentIndex(index >= 0 ? index : defaultIndex());
        if (index < 0 && !waiting.isEmpty()) pending_ = waiting;   // still not scanned: keep waiting
    }
    if (currentPath() != before) Q_EMIT entryChanged();   // a rescan that keeps the choice changes nothing
}

int ModelPicker::defaultIndex() const {
    // Nothing chosen yet: the first library model, not a warm-pool copy (a deployment artefact, which
    // may have changed since it was verified); a copy only when the library has none.
    for (int i = 0; i < count(); ++i)
        if (itemData(i, kLibraryRole).toBool()) return i;
    return count() > 0 ? 0 : -1;
}

bool ModelPicker::selectPath(const QString& path) {
    const int index = findData(QDir::cleanPath(path));
    if (index < 0) {
        pending_ = QDir::cleanPath(path);
        return false;
    }
    setCurrentIndex(index);
    pending_.clear();
    return true;
}

QString ModelPicker::currentPath() const { return currentData().toString(); }

CatalogEntryPtr ModelPicker::currentEntry() const {
    const QString path = currentPath();
    for (int row = 0; catalog_ && !path.isEmpty() && row < catalog_->rowCount(); ++row) {
        CatalogEntryPtr e = catalog_->entry(row);
        if (e && QDir::cleanPath(toQString(e->path)) == path) return e;
    }
    return nullptr;
}

}  // namespace awq::ui
