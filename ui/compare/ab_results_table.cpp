#include "ui/compare/ab_results_table.h"

#include "ui/util/view_style.h"

#include <QHeaderView>
#include <QTableWidget>

namespace awq::ui {

QTableWidget* makeAbResultsTable(const QStringList& rowLabels, const QString& objectName) {
    const int rows = int(rowLabels.size());
    auto* table = new QTableWidget(rows, 2);
    table->setObjectName(objectName);
    table->setVerticalHeaderLabels(rowLabels);
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    // Model names are long ("tinystories-qwen3-7m-awq"): their middle goes, not both ends.
    table->horizontalHeader()->setTextElideMode(Qt::ElideMiddle);
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 8);
    table->setMaximumHeight(table->verticalHeader()->defaultSectionSize() * (rows + 1) + 8);
    applySoftSelection(table);
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < 2; ++c) {
            auto* item = new QTableWidgetItem;
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
            table->setItem(r, c, item);
        }
    return table;
}

void setAbModelNames(QTableWidget* table, const QString& a, const QString& b) {
    const QString names[2] = {a, b};
    for (int c = 0; c < 2; ++c) {
        const QString slot = c == 0 ? QStringLiteral("A") : QStringLiteral("B");
        auto* item = new QTableWidgetItem(QStringLiteral("%1: %2").arg(slot, names[c]));
        item->setToolTip(item->text());
        table->setHorizontalHeaderItem(c, item);
    }
}

}  // namespace awq::ui
