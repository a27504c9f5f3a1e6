#pragma once
// A combo box over the library (the Models page's catalog): the Hugging Face models that load,
// optionally narrowed by a predicate; each item names its origin (library / warm pool), where another
// item shares its name the tail of its parent folder that tells them apart, and has its path as
// tooltip and data. Follows rescans and keeps the choice by path; a path asked
// for before the scan has found it is selected as soon as it appears.
#include "ui/util/catalog_table_model.h"

#include <QComboBox>

#include <functional>

namespace awq::ui {

class ModelPicker : public QComboBox {
    Q_OBJECT
public:
    using Filter = std::function<bool(const CatalogEntry&)>;

    explicit ModelPicker(QWidget* parent = nullptr);

    void setCatalog(CatalogTableModel* catalog);
    void setFilter(Filter filter);

    // Selects the model at `path` now, or once a rescan lists it. Returns whether it is listed now.
    bool selectPath(const QString& path);
    QString currentPath() const;
    CatalogEntryPtr currentEntry() const;
    // The item chosen when nothing was asked for: the first library model before any warm-pool copy
    // (-1 when the list is empty).
    int defaultIndex() const;

Q_SIGNALS:
    void entryChanged();

private:
    void rebuild();

    CatalogTableModel* catalog_ = nullptr;
    Filter filter_;
    QString pending_;
};

}  // namespace awq::ui
