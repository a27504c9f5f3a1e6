#include "ui/models/catalog_filter_proxy.h"

#include "ui/util/catalog_table_model.h"

namespace awq::ui {

CatalogFilterProxy::CatalogFilterProxy(QObject* parent) : QSortFilterProxyModel(parent) {
    setSortRole(CatalogTableModel::SortRole);
    setSortCaseSensitivity(Qt::CaseInsensitive);
    setDynamicSortFilter(true);
}

void CatalogFilterProxy::setFilterWords(const QString& text) {
    const QStringList words = text.simplified().split(QLatin1Char(' '), Qt::SkipEmptyParts);
    if (words == words_) return;
    words_ = words;
    invalidateRowsFilter();
}

bool CatalogFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const {
    if (words_.isEmpty()) return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const QString haystack = index.data(CatalogTableModel::FilterTextRole).toString();
    for (const QString& w : words_)
        if (!haystack.contains(w, Qt::CaseInsensitive)) return false;
    return true;
}

}  // namespace awq::ui
