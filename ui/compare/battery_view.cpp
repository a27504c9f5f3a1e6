#include "ui/compare/battery_view.h"

#include "core/compare/battery_answers.h"
#include "core/run/battery_scope.h"
#include "ui/compare/answer_pane.h"
#include "ui/compare/failure_catalog_view.h"
#include "ui/util/path_text.h"
#include "ui/util/view_style.h"

#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTabWidget>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

enum BatterySource { BuiltIn, FromFile };

QTableWidgetItem* cell(const QString& text, Qt::Alignment align = Qt::AlignRight | Qt::AlignVCenter) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(align);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

void styleTable(QTableWidget* t) {
    t->verticalHeader()->setDefaultSectionSize(t->fontMetrics().height() + 6);
    t->horizontalHeader()->setHighlightSections(false);
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setAlternatingRowColors(true);
    t->setWordWrap(false);
    applySoftSelection(t);
}

QString seconds(double s) { return QStringLiteral("%1 s").arg(s, 0, 'f', 2); }

}  // namespace

BatteryView::BatteryView(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("batteryView"));
    source_ = new QComboBox;
    source_->setObjectName(QStringLiteral("batterySource"));
    source_->addItem(tr("Built-in battery (16 prompts, 6 categories)"), BuiltIn);
    source_->addItem(tr("Battery file (JSON / JSONL)"), FromFile);
    source_->setAccessibleName(tr("Battery source"));
    file_ = new QLineEdit;
    file_->setObjectName(QStringLiteral("batteryFile"));
    file_->setPlaceholderText(tr("battery.json or battery.jsonl: {\"prompt\", \"category\", \"reference\"}"));
    browse_ = new QPushButton(tr("Browse…"));
    run_ = new QPushButton(tr("Run battery"));
    run_->setObjectName(QStringLiteral("batteryRun"));
    stop_ = new QPushButton(tr("Stop"));
    stop_->setObjectName(QStringLiteral("batteryStop"));
    progress_ = new QProgressBar;
    progress_->setObjectName(QStringLiteral("batteryProgress"));
    progress_->setMinimumWidth(190);
    progress_->setMaximumWidth(260);
    progress_->setRange(0, 1);  // the battery's size is known when a run begins (begin)
    progress_->setValue(0);
    progress_->setFormat(tr("not run yet"));

    auto* tools = new QHBoxLayout;
    tools->addWidget(source_);
    tools->addWidget(file_, 1);
    tools->addWidget(browse_);
    tools->addWidget(progress_);
    tools->addWidget(stop_);
    tools->addWidget(run_);

    tests_ = new QTableWidget(0, FirstSlotCol + 2 * SlotColumnCount);
    tests_->setObjectName(QStringLiteral("batteryTests"));
    styleTable(tests_);
    tests_->verticalHeader()->hide();
    tests_->setColumnWidth(IdCol, 150);
    tests_->setColumnWidth(CategoryCol, 95);
    for (int c = FirstSlotCol; c < tests_->columnCount(); ++c) tests_->setColumnWidth(c, 66);

    // At least kMinTestRows rows of tests: the splitter never squeezes the list below that.
    tests_->setMinimumHeight(tests_->horizontalHeader()->sizeHint().height() + kMinTestRows * tests_->verticalHeader()->defaultSectionSize() +
                             2 * tests_->frameWidth());

    totals_ = new QTableWidget(2, TotalsColumnCount);
    totals_->setObjectName(QStringLiteral("batteryTotals"));
    styleTable(totals_);
    // Short titles, whole in about 110 px: six stretched columns beside the model names leave about
    // that much a column at 1152x720, and "Average per test" or "Substantive answers" were clipped
    // at both ends. Two-line titles fitted too but made the page 14 px taller than a 1280x720
    // window. The tooltips have the long titles.
    totals_->setHorizontalHeaderLabels({tr("Tests"), tr("Total time"), tr("Avg per test"), tr("Loop detections"), tr("Substantive"),
                                        tr("Exact matches")});
    const QString longTitles[TotalsColumnCount] = {tr("Tests"), tr("Total time"), tr("Average per test"), tr("Loop detections"),
                                                   tr("Substantive answers"), tr("Exact matches")};
    for (int c = 0; c < totals_->columnCount(); ++c) totals_->horizontalHeaderItem(c)->setToolTip(longTitles[c]);
    totals_->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    totals_->horizontalHeader()->setTextElideMode(Qt::ElideRight);
    totals_->verticalHeader()->setTextElideMode(Qt::ElideMiddle);   // a long model name keeps both ends
    // ... which it does only when the header is narrower than the name: unbounded, the vertical
    // header took the name's whole width and squeezed the six columns until their headers were
    // clipped at both ends ("erage per te").
    totals_->verticalHeader()->setMaximumWidth(totals_->fontMetrics().averageCharWidth() * 40);
    totals_->setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    totals_->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    totals_->setFixedHeight(totals_->horizontalHeader()->sizeHint().height() + 2 * totals_->verticalHeader()->defaultSectionSize() +
                            2 * totals_->frameWidth());

    answers_ = new AnswerPane;
    catalog_ = new FailureCatalogView;
    details_ = new QTabWidget;
    details_->setObjectName(QStringLiteral("batteryDetails"));
    details_->addTab(answers_, tr("Answers"));
    details_->addTab(catalog_, tr("Failure modes"));
    split_ = new QSplitter(Qt::Vertical);
    split_->setObjectName(QStringLiteral("batterySplitter"));
    split_->setChildrenCollapsible(false);
    split_->addWidget(tests_);
    split_->addWidget(details_);
    split_->setStretchFactor(0, 3);
    split_->setStretchFactor(1, 2);
    auto* split = split_;

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(tools);
    layout->addWidget(split, 1);
    totalsTitle_ = new QLabel(tr("<b>Totals</b>"));
    totalsTitle_->setObjectName(QStringLiteral("batteryTotalsTitle"));
    layout->addWidget(totalsTitle_);
    partialNote_ = new QLabel;
    partialNote_->setObjectName(QStringLiteral("batteryPartialNote"));
    partialNote_->setWordWrap(true);
    partialNote_->hide();
    layout->addWidget(partialNote_);
    layout->addWidget(totals_);

    setModelNames(tr("A"), tr("B"));
    connect(file_, &QLineEdit::textChanged, this, [this](const QString& t) {
        if (!t.trimmed().isEmpty()) source_->setCurrentIndex(FromFile);
    });
    connect(browse_, &QPushButton::clicked, this, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Prompt battery"), QString(), tr("Battery (*.json *.jsonl);;All files (*)"));
        if (!f.isEmpty()) useFile(f);
    });
    connect(tests_, &QTableWidget::currentCellChanged, this, [this] { showSelectedAnswers(); });
    connect(catalog_, &FailureCatalogView::testChosen, this, [this](const QString& id) {
        for (int r = 0; r < tests_->rowCount(); ++r)
            if (tests_->item(r, IdCol) && tests_->item(r, IdCol)->text() == id) {
                tests_->setCurrentCell(r, IdCol);
                details_->setCurrentIndex(AnswersTab);
                return;
            }
    });
    connect(run_, &QPushButton::clicked, this, &BatteryView::runRequested);
    connect(stop_, &QPushButton::clicked, this, &BatteryView::stopRequested);
    setRunning(false, false);
}

Battery BatteryView::chosenBattery() const {
    if (source_->currentData().toInt() == FromFile) return loadBatteryFile(toPath(file_->text().trimmed()));
    return loadDefaultBattery();
}

void BatteryView::useFile(const QString& path) {
    file_->setText(path);
    source_->setCurrentIndex(FromFile);
}

void BatteryView::setDeviceLabel(const QString& device) {
    totalsTitle_->setText(tr("<b>Totals</b> (times measured on %1)").arg(device.toHtmlEscaped()));
}

QString BatteryView::totalsTitleText() const { return totalsTitle_->text(); }

void BatteryView::setModelNames(const QString& a, const QString& b) {
    names_[0] = a;
    names_[1] = b;
    QStringList headers{tr("Test"), tr("Category")};
    for (const QString& slot : {QStringLiteral("A"), QStringLiteral("B")})
        headers << tr("%1 time").arg(slot) << tr("%1 tokens").arg(slot) << tr("%1 loop").arg(slot) << tr("%1 subst.").arg(slot)
                << tr("%1 exact").arg(slot);
    tests_->setHorizontalHeaderLabels(headers);
    // Elided here in the middle to the header's maximum width: QHeaderView clipped the vertical
    // header's text at its right end instead ("A: tinystories-qwen3-7m-instr").
    QHeaderView* rows = totals_->verticalHeader();
    const int room = rows->maximumWidth() - 2 * rows->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, rows) - 4;
    const auto fitted = [&](const QString& label) { return rows->fontMetrics().elidedText(label, Qt::ElideMiddle, room); };
    totals_->setVerticalHeaderLabels({fitted(tr("A: %1").arg(a)), fitted(tr("B: %1").arg(b))});
    for (int slot = 0; slot < 2; ++slot)
        if (QTableWidgetItem* h = totals_->verticalHeaderItem(slot)) h->setToolTip(slot == 0 ? tr("A: %1").arg(a) : tr("B: %1").arg(b));
    showSelectedAnswers();
}

void BatteryView::setRunning(bool running, bool canRun) {
    run_->setEnabled(!running && canRun);
    stop_->setEnabled(running);
    source_->setEnabled(!running);
    file_->setEnabled(!running);
    browse_->setEnabled(!running);
}

void BatteryView::begin(const Battery& battery) {
    finished_ = 0;
    shown_ = BatteryRun{.name = battery.name, .source = battery.source, .tests = {}, .totals = {}};
    for (const BatteryTest& t : battery.tests) shown_.tests.push_back(TestRecord{t.id, t.category, t.prompt, t.reference, {}});
    tests_->setRowCount(static_cast<int>(battery.tests.size()));
    for (int r = 0; r < tests_->rowCount(); ++r) {
        const BatteryTest& t = battery.tests[static_cast<std::size_t>(r)];
        tests_->setItem(r, IdCol, cell(QString::fromStdString(t.id), Qt::AlignLeft | Qt::AlignVCenter));
        tests_->item(r, IdCol)->setToolTip(QString::fromStdString(t.prompt));
        tests_->setItem(r, CategoryCol, cell(QString::fromStdString(t.category), Qt::AlignLeft | Qt::AlignVCenter));
        for (int c = FirstSlotCol; c < tests_->columnCount(); ++c) tests_->setItem(r, c, cell(QString()));
    }
    for (int slot = 0; slot < 2; ++slot)
        for (int c = 0; c < TotalsColumnCount; ++c) totals_->setItem(slot, c, cell(QString()));
    progress_->setRange(0, std::max(1, 2 * tests_->rowCount()));
    progress_->setValue(0);
    progress_->setFormat(tr("%v of %m generations"));
    partialNote_->hide();
    catalog_->showRun(shown_);
    showSelectedAnswers();
}

void BatteryView::onEvent(const BatteryEvent& e) {
    const int slot = e.slot == "B" ? 1 : 0;
    if (e.test < 0 || e.test >= tests_->rowCount()) return;
    if (e.kind == BatteryEvent::Kind::TestStarted) {
        tests_->item(e.test, FirstSlotCol + slot * SlotColumnCount + TimeCol)->setText(tr("running"));
        tests_->scrollToItem(tests_->item(e.test, IdCol));
    } else if (e.kind == BatteryEvent::Kind::TestFinished) {
        setResult(e.test, slot, e.result);
        progress_->setValue(++finished_);
        if (e.test < static_cast<int>(shown_.tests.size())) shown_.tests[static_cast<std::size_t>(e.test)].results[e.slot] = e.result;
        catalog_->showRun(shown_);
        if (e.test == tests_->currentRow()) showSelectedAnswers();
    }
}

void BatteryView::setResult(int row, int slot, const TestResult& r) {
    const int base = FirstSlotCol + slot * SlotColumnCount;
    tests_->item(row, base + TimeCol)->setText(seconds(r.seconds));
    tests_->item(row, base + TokensCol)->setText(QString::number(r.outputTokens));
    tests_->item(row, base + LoopCol)->setText(r.loopDetected ? tr("loop") : tr("–"));
    tests_->item(row, base + SubstantiveCol)->setText(r.substantive ? tr("yes") : tr("no"));
    // "n/a": the test has no reference answer to match (a blank cell read as "not measured").
    tests_->item(row, base + ExactCol)->setText(r.exactMatch ? (*r.exactMatch ? tr("yes") : tr("no")) : tr("n/a"));
    // The full answer is in the answer pane; the tip is a short reminder. "<qt>" makes Qt read it as
    // rich text, so the escaped quotes render as quotes (plain-looking tips showed "&quot;" and "<p>").
    QString tip = QStringLiteral("<qt>%1").arg(QString::fromStdString(verdictLine(r)).toHtmlEscaped());
    if (!r.notes.empty()) tip += QStringLiteral("<br><i>%1</i>").arg(QString::fromStdString(r.notes).toHtmlEscaped());
    if (!r.exactMatch) tip += tr("<br>Exact: n/a, the test has no reference answer.");
    tip += tr("<br>Select the row to read both answers below.");
    for (int c = 0; c < SlotColumnCount; ++c) tests_->item(row, base + c)->setToolTip(tip);
    if (r.loopDetected) tests_->item(row, base + LoopCol)->setForeground(QColor(0xb3, 0x26, 0x1e));
}

void BatteryView::setTotals(int slot, const BatteryTotals& t) {
    auto set = [&](int column, const QString& text) { totals_->item(slot, column)->setText(text); };
    set(TotalsTestsCol, QString::number(t.tests));
    set(TotalsTimeCol, seconds(t.totalSeconds));
    set(TotalsAverageCol, seconds(t.avgSeconds));
    set(TotalsLoopsCol, QString::number(t.loopDetections));
    set(TotalsSubstantiveCol, tr("%1 of %2").arg(t.substantive).arg(t.tests));
    set(TotalsExactCol, t.withReference ? tr("%1 of %2").arg(t.exactMatches).arg(t.withReference) : tr("no references"));
}

void BatteryView::showSelectedAnswers() {
    const int row = tests_->currentRow();
    if (row < 0 || row >= static_cast<int>(shown_.tests.size())) return answers_->clear();
    answers_->showTest(testAnswers(shown_.tests[static_cast<std::size_t>(row)]), names_[0], names_[1]);
}

void BatteryView::showOutcome(const BatteryOutcome& outcome) {
    shown_ = outcome.run;
    catalog_->showRun(shown_);
    showSelectedAnswers();
    for (int r = 0; r < tests_->rowCount() && r < static_cast<int>(outcome.run.tests.size()); ++r)
        for (const auto& [slot, result] : outcome.run.tests[static_cast<std::size_t>(r)].results) setResult(r, slot == "B" ? 1 : 0, result);
    for (const auto& [slot, totals] : outcome.run.totals) setTotals(slot == "B" ? 1 : 0, totals);
    // Stopped early: the totals compare the tests both models finished, and the page says so.
    const std::string partial = partialBatteryNote(outcome.run);
    partialNote_->setText(tr("Partial run: %1.").arg(QString::fromStdString(partial)));
    partialNote_->setVisible(!partial.empty());
}

}  // namespace awq::ui
