#pragma once
// A GGUF file's metadata key/values (arrays shown as a preview with their length).
#include "core/model/gguf.h"

#include <QAbstractTableModel>

#include <vector>

namespace awq::ui {

class GgufMetadataModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Key, Type, Value, ColumnCount };

    explicit GgufMetadataModel(QObject* parent = nullptr);

    void setMetadata(const std::vector<GgufKeyValue>& metadata);
    void clear();
    QString valueOf(const QString& key) const;   // empty when absent

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    struct Row {
        QString key;
        QString type;
        QString value;
    };
    std::vector<Row> rows_;
};

}  // namespace awq::ui
