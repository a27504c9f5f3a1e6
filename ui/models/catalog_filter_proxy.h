#pragma once
// Sorting and filtering for the Models table. The filter text is split on spaces; a row matches
// when every word occurs (case-insensitive) in its name, architecture, quantization or format,
// so "qwen awq" finds the AWQ Qwen models.
#include <QSortFilterProxyModel>
#include <QStringList>

namespace awq::ui {

class CatalogFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    explicit CatalogFilterProxy(QObject* parent = nullptr);

    void setFilterWords(const QString& text);
    QString filterWords() const { return words_.join(QLatin1Char(' ')); }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;

private:
    QStringList words_;
};

}  // namespace awq::ui
