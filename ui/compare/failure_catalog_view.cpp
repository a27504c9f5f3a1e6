#include "ui/compare/failure_catalog_view.h"

#include "ui/util/catalog_text.h"
#include "ui/util/view_style.h"

#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

// "2: fact-bird-sky (off-reference), continue-rain (loop)" (or "0").
QString casesText(const std::vector<FailureCase>& cases) {
    if (cases.empty()) return QStringLiteral("0");
    QStringList items;
    for (const auto& c : cases) items << QStringLiteral("%1 (%2)").arg(QString::fromStdString(c.testId), QString::fromStdString(symptomSummary({c})));
    return QStringLiteral("%1: %2").arg(cases.size()).arg(items.join(QStringLiteral(", ")));
}

QTableWidgetItem* cell(const QString& text) {
    auto* item = new QTableWidgetItem(text);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    item->setToolTip(text.toHtmlEscaped().prepend(QStringLiteral("<qt>")));   // <qt>: entities render, never shown raw
    return item;
}

}  // namespace

FailureCatalogView::FailureCatalogView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("failureCatalog"));
    summary_ = new QLabel;
    summary_->setObjectName(QStringLiteral("failureCatalogSummary"));
    summary_->setTextFormat(Qt::PlainText);
    summary_->setWordWrap(true);
    table_ = new QTableWidget(0, ColumnCount);
    table_->setObjectName(QStringLiteral("failureCatalogTable"));
    table_->setHorizontalHeaderLabels({tr("Category"), tr("Tests"), tr("B fails, A does not"), tr("B's symptoms"),
                                       tr("A fails, B does not"), tr("Both fail")});
    table_->verticalHeader()->hide();
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setWordWrap(false);
    table_->horizontalHeader()->setStretchLastSection(true);
    applySoftSelection(table_);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    layout->addWidget(summary_);
    layout->addWidget(table_, 1);
    connect(table_, &QTableWidget::cellActivated, this, [this](int row, int) {
        if (row < 0 || row >= static_cast<int>(catalog_.size())) return;
        const CategoryFailures& c = catalog_[static_cast<std::size_t>(row)];
        for (const auto* cases : {&c.bOnly, &c.aOnly, &c.both})
            if (!cases->empty()) return Q_EMIT testChosen(QString::fromStdString(cases->front().testId));
    });
    showRun({});
}

void FailureCatalogView::showRun(const BatteryRun& run) {
    catalog_ = failureCatalog(run);
    const auto& catalog = catalog_;
    table_->setRowCount(static_cast<int>(catalog.size()));
    int bOnly = 0, tests = 0;
    std::vector<FailureCase> allB;
    for (int r = 0; r < table_->rowCount(); ++r) {
        const CategoryFailures& c = catalog[static_cast<std::size_t>(r)];
        tests += c.tests;
        bOnly += static_cast<int>(c.bOnly.size());
        allB.insert(allB.end(), c.bOnly.begin(), c.bOnly.end());
        table_->setItem(r, CategoryCol, cell(QString::fromStdString(c.category)));
        table_->setItem(r, TestsCol, cell(QString::number(c.tests)));
        table_->setItem(r, BOnlyCol, cell(casesText(c.bOnly)));
        table_->setItem(r, BSymptomsCol, cell(QString::fromStdString(symptomSummary(c.bOnly))));
        table_->setItem(r, AOnlyCol, cell(casesText(c.aOnly)));
        table_->setItem(r, BothCol, cell(casesText(c.both)));
        if (!c.bOnly.empty()) table_->item(r, BOnlyCol)->setForeground(QColor(0xb3, 0x26, 0x1e));
    }
    table_->resizeColumnsToContents();
    if (tests == 0) summary_->setText(tr("Run the battery: the failures of B where A passes are listed here per category."));
    else if (bOnly == 0) summary_->setText(tr("B fails no test that A passes (%1 tests judged on both).").arg(tests));
    else
        summary_->setText(tr("B fails %1 that A passes (of %2 judged on both): %3.")
                              .arg(countNoun(bOnly, tr("test"), tr("tests")))
                              .arg(tests)
                              .arg(QString::fromStdString(symptomSummary(allB))));
}

QString FailureCatalogView::summaryText() const { return summary_->text(); }

}  // namespace awq::ui
