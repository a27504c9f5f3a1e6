#include "ui/models/tensor_table_model.h"

#include "ui/util/catalog_text.h"

namespace awq::ui {
namespace {

template <typename Dim>
QString shapeText(const std::vector<Dim>& shape) {
    if (shape.empty()) return QStringLiteral("[]");
    QStringList parts;
    for (auto d : shape) parts << QString::number(d);
    return QLatin1Char('[') + parts.join(QStringLiteral(", ")) + QLatin1Char(']');
}

template <typename Dim>
std::uint64_t elementCount(const std::vector<Dim>& shape) {
    std::uint64_t n = 1;
    for (auto d : shape) n *= static_cast<std::uint64_t>(d);
    return n;
}

}  // namespace

TensorTableModel::TensorTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void TensorTableModel::setTensors(const std::vector<TensorSummary>& tensors) {
    beginResetModel();
    rows_.clear();
    totalBytes_ = 0;
    rows_.reserve(tensors.size());
    for (const auto& t : tensors) {
        rows_.push_back({QString::fromStdString(t.name), QString::fromStdString(t.dtype), shapeText(t.shape),
                         elementCount(t.shape), t.bytes});
        totalBytes_ += t.bytes;
    }
    endResetModel();
}

void TensorTableModel::setGgufTensors(const std::vector<GgufTensor>& tensors) {
    beginResetModel();
    rows_.clear();
    totalBytes_ = 0;
    rows_.reserve(tensors.size());
    for (const auto& t : tensors) {
        rows_.push_back({QString::fromStdString(t.name), QString::fromStdString(t.type), shapeText(t.shape),
                         elementCount(t.shape), t.byteSize});
        totalBytes_ += t.byteSize;
    }
    endResetModel();
}

void TensorTableModel::clear() {
    beginResetModel();
    rows_.clear();
    totalBytes_ = 0;
    endResetModel();
}

int TensorTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(rows_.size());
}

int TensorTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant TensorTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= static_cast<int>(rows_.size())) return {};
    const Row& r = rows_[static_cast<std::size_t>(index.row())];
    if (role == Qt::DisplayRole) {
        switch (index.column()) {
        case Name: return r.name;
        case Dtype: return r.dtype;
        case Shape: return r.shape;
        case Elements: return formatInteger(static_cast<std::int64_t>(r.elements));
        case Bytes: return formatBytes(r.bytes);
        default: return {};
        }
    }
    if (role == SortRole) {
        switch (index.column()) {
        case Elements: return QVariant::fromValue<qulonglong>(r.elements);
        case Bytes: return QVariant::fromValue<qulonglong>(r.bytes);
        default: return data(index, Qt::DisplayRole);
        }
    }
    if (role == Qt::ToolTipRole && index.column() == Bytes) return QStringLiteral("%1 bytes").arg(formatInteger(static_cast<std::int64_t>(r.bytes)));
    if (role == Qt::TextAlignmentRole && (index.column() == Elements || index.column() == Bytes))
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    return {};
}

QVariant TensorTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    switch (section) {
    case Name: return tr("Tensor");
    case Dtype: return tr("Dtype");
    case Shape: return tr("Shape");
    case Elements: return tr("Elements");
    case Bytes: return tr("Bytes");
    default: return {};
    }
}

}  // namespace awq::ui
