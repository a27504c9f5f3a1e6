#pragma once
// The Models page table: one row per catalog entry (ok or broken), ten columns. Entries are shared
// immutable snapshots so the detail pane can keep showing one while a rescan replaces the list.
#include "core/library/catalog.h"

#include <QAbstractTableModel>

#include <memory>
#include <vector>

namespace awq::ui {

using CatalogEntryPtr = std::shared_ptr<const CatalogEntry>;

class CatalogTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Origin, Format, Architecture, Parameters, Quantization, SizeOnDisk, Layers, Context, Status, ColumnCount };
    enum Role {
        SortRole = Qt::UserRole + 1,   // numbers for numeric columns, text otherwise
        FilterTextRole,                // the text the filter searches (name, architecture, quantization, format)
        PathRole,                      // the entry's path as QString
        BrokenRole,                    // bool
    };

    explicit CatalogTableModel(QObject* parent = nullptr);

    void setEntries(std::vector<CatalogEntry> entries);
    void clear();

    CatalogEntryPtr entry(int row) const;
    CatalogEntryPtr entryAt(const QModelIndex& index) const { return index.isValid() ? entry(index.row()) : nullptr; }
    int rowOfPath(const QString& path) const;    // -1 when absent
    int rowOfName(const QString& name) const;    // the library's model of that name before a warm-pool copy; -1 when absent
    int brokenCount() const;
    // The quantized model made from `base`: same origin, ok, quantized, named <base>-<something>,
    // <base>-awq before <base>-autoawq, -rtn, ... (the library's naming for quantize outputs).
    // nullptr when there is none or `base` is itself quantized.
    CatalogEntryPtr quantizedSibling(const CatalogEntryPtr& base) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QVariant display(const CatalogEntry& e, int column) const;
    QVariant sortValue(const CatalogEntry& e, int column) const;

    std::vector<CatalogEntryPtr> entries_;
};

}  // namespace awq::ui
