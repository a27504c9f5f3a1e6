#include "ui/models/gguf_metadata_model.h"

namespace awq::ui {

GgufMetadataModel::GgufMetadataModel(QObject* parent) : QAbstractTableModel(parent) {}

void GgufMetadataModel::setMetadata(const std::vector<GgufKeyValue>& metadata) {
    beginResetModel();
    rows_.clear();
    rows_.reserve(metadata.size());
    for (const auto& kv : metadata)
        rows_.push_back({QString::fromStdString(kv.key), QString::fromStdString(kv.type),
                         QString::fromStdString(kv.displayValue())});
    endResetModel();
}

void GgufMetadataModel::clear() {
    beginResetModel();
    rows_.clear();
    endResetModel();
}

QString GgufMetadataModel::valueOf(const QString& key) const {
    for (const auto& r : rows_)
        if (r.key == key) return r.value;
    return {};
}

int GgufMetadataModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int GgufMetadataModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant GgufMetadataModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole || role == Qt::ToolTipRole || role == Qt::EditRole) {
        switch (index.column()) {
        case Key: return r.key;
        case Type: return r.type;
        case Value:
            // Chat templates run to kilobytes: one line in the cell, the whole text in the tooltip.
            if (role == Qt::DisplayRole && r.value.size() > 200) return r.value.left(200).replace(QLatin1Char('\n'), QLatin1Char(' ')) + QStringLiteral(" …");
            return r.value;
        default: return {};
        }
    }
    return {};
}

QVariant GgufMetadataModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Key: return tr("Key");
    case Type: return tr("Type");
    case Value: return tr("Value");
    default: return {};
    }
}

}  // namespace awq::ui
