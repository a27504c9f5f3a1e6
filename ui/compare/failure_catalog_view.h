#pragma once
// The Battery tab's failure-mode catalog (as the seeds' notes ask): per test category, how many
// tests B fails where A does not, with the symptoms (loop, empty, off-reference, echo, too short)
// and the test ids, next to the failures of A alone and of both. Filled from failureCatalog().
// Activating a row (double-click, Enter) asks to show its first failing test in the answer pane.
#include "core/compare/battery_answers.h"

#include <QWidget>

class QLabel;
class QTableWidget;

namespace awq::ui {

class FailureCatalogView : public QWidget {
    Q_OBJECT
public:
    enum Column { CategoryCol, TestsCol, BOnlyCol, BSymptomsCol, AOnlyCol, BothCol, ColumnCount };

    explicit FailureCatalogView(QWidget* parent = nullptr);

    void showRun(const BatteryRun& run);
    QTableWidget* table() const { return table_; }
    QString summaryText() const;

Q_SIGNALS:
    void testChosen(const QString& testId);   // a catalog row's first failing test (B only, else A only, else both)

private:
    std::vector<CategoryFailures> catalog_;   // what the table shows, row by row
    QLabel* summary_ = nullptr;
    QTableWidget* table_ = nullptr;
};

}  // namespace awq::ui
