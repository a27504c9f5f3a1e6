#include "ui/deploy/budget_edit.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QHBoxLayout>
#include <QSignalBlocker>

#include <cmath>

namespace awq::ui {

namespace {
constexpr std::uint64_t kMiB = 1ull << 20;
constexpr std::uint64_t kGiB = 1ull << 30;
}  // namespace

BudgetEdit::BudgetEdit(QWidget* parent) : QWidget(parent) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(4);
    value_ = new QDoubleSpinBox;
    value_->setObjectName(QStringLiteral("poolBudget"));
    // Up to 1 PiB in either unit; two decimals so 1.5 GiB can be typed.
    value_->setRange(0, 1'073'741'824.0);
    value_->setDecimals(2);
    value_->setSpecialValueText(tr("no budget"));
    value_->setToolTip(tr("Disk budget of the warm pool: adding a model that would exceed it is refused (0: no budget)"));
    unit_ = new QComboBox;
    unit_->setObjectName(QStringLiteral("poolBudgetUnit"));
    unit_->addItem(QStringLiteral("MiB"), QVariant::fromValue<qulonglong>(kMiB));
    unit_->addItem(QStringLiteral("GiB"), QVariant::fromValue<qulonglong>(kGiB));
    unit_->setToolTip(value_->toolTip());
    unit_->setAccessibleName(tr("Budget unit"));
    row->addWidget(value_);
    row->addWidget(unit_);
    setFocusProxy(value_);

    // Only the user's edits mark the value changed: setBytes blocks these signals.
    connect(value_, &QDoubleSpinBox::valueChanged, this, [this] { edited_ = true; });
    connect(value_, &QDoubleSpinBox::editingFinished, this, &BudgetEdit::finishEdit);
    // A unit has no "editing finished": picking one is the edit (the number keeps its digits).
    connect(unit_, &QComboBox::activated, this, [this] {
        edited_ = true;
        finishEdit();
    });
    setBytes(0);
}

void BudgetEdit::setBytes(std::uint64_t bytes) {
    const QSignalBlocker blockValue(value_), blockUnit(unit_);
    // GiB when that is exact (and for "no budget"), else MiB: 1536 MiB stays 1536 MiB.
    const bool gib = bytes % kGiB == 0;
    unit_->setCurrentIndex(gib ? 1 : 0);
    value_->setValue(double(bytes) / double(gib ? kGiB : kMiB));
    edited_ = false;
}

std::uint64_t BudgetEdit::bytes() const {
    const double unit = double(unit_->currentData().toULongLong());
    return std::uint64_t(std::llround(value_->value() * unit));
}

void BudgetEdit::finishEdit() {
    if (!edited_) return;
    edited_ = false;
    Q_EMIT budgetEdited(bytes());
}

}  // namespace awq::ui
