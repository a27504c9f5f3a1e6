#pragma once
// The read-only "A | B" figures table of the Compare page's Quality, Sweep and Timeline tabs: one
// row per figure (rowLabels), two right-aligned columns, as tall as its rows (no scrolling).
#include <QString>
#include <QStringList>

class QTableWidget;

namespace awq::ui {

QTableWidget* makeAbResultsTable(const QStringList& rowLabels, const QString& objectName);
// Column headers "A: name" / "B: name": a name wider than its column loses its middle ("A:
// tinysto…wen3-7m"; the tooltip has it whole), not both ends as Qt's unelided header did.
void setAbModelNames(QTableWidget* table, const QString& a, const QString& b);

}  // namespace awq::ui
