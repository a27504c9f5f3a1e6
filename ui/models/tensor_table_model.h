#pragma once
// The tensor list of a model: name, dtype, shape, elements, bytes. Hugging Face tensors come from
// the safetensors headers; GGUF tensors from the GGUF tensor table (shape as stored, ne[0] first).
#include "core/model/gguf.h"
#include "core/model/model_info.h"

#include <QAbstractTableModel>

#include <vector>

namespace awq::ui {

class TensorTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Name, Dtype, Shape, Elements, Bytes, ColumnCount };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit TensorTableModel(QObject* parent = nullptr);

    void setTensors(const std::vector<TensorSummary>& tensors);
    void setGgufTensors(const std::vector<GgufTensor>& tensors);
    void clear();

    std::uint64_t totalBytes() const { return totalBytes_; }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString name;
        QString dtype;
        QString shape;
        std::uint64_t elements = 0;
        std::uint64_t bytes = 0;
    };
    std::vector<Row> rows_;
    std::uint64_t totalBytes_ = 0;
};

}  // namespace awq::ui
