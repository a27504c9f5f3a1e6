#pragma once
// The read-only "A | B" figures table of the Compare page's Quality, Sweep and Timeline tabs: one
// row per figure (rowLabels), two right-aligned columns, as tall as its rows (no scrolling).
#include <QString>
#include <QStringList>

class QTableWidget;

namespace awq::ui {

QTableWidget* makeAbResultsTable(const QStringList& rowLabels, const QString& objectName);

}  // namespace awq::ui
