#include "ui/util/byte_size_edit.h"

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

ByteSizeEdit::ByteSizeEdit(const QString& zeroText, const QString& name, const QString& toolTip, QWidget* parent) : QWidget(parent) {
    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(0, 0, 0, 0);
    row->setSpacing(4);
    value_ = new QDoubleSpinBox;
    value_->setObjectName(name);
    // Up to 1 PiB in either unit; two decimals so 1.5 GiB can be typed.
    value_->setRange(0, 1'073'741'824.0);
    value_->setDecimals(2);
    value_->setSpecialValueText(zeroText);
    value_->setToolTip(toolTip);
    unit_ = new QComboBox;
    unit_->setObjectName(name + QStringLiteral("Unit"));
    unit_->addItem(QStringLiteral("MiB"), QVariant::fromValue<qulonglong>(kMiB));
    unit_->addItem(QStringLiteral("GiB"), QVariant::fromValue<qulonglong>(kGiB));
    unit_->setToolTip(toolTip);
    unit_->setAccessibleName(tr("Unit"));
    row->addWidget(value_);
    row->addWidget(unit_);
    setFocusProxy(value_);

    // Only the user's edits count: setBytes blocks these signals.
    connect(value_, &QDoubleSpinBox::valueChanged, this, [this] { changed_ = unreported_ = true; });
    connect(value_, &QDoubleSpinBox::editingFinished, this, &ByteSizeEdit::finishEdit);
    // A unit has no "editing finished": picking one is the edit (the number keeps its digits).
    connect(unit_, &QComboBox::activated, this, [this] {
        changed_ = unreported_ = true;
        finishEdit();
    });
    setBytes(0);
}

void ByteSizeEdit::setBytes(std::uint64_t bytes) {
    const QSignalBlocker blockValue(value_), blockUnit(unit_);
    // GiB when that is exact (and for 0), else MiB: 1536 MiB stays 1536 MiB.
    const bool gib = bytes % kGiB == 0;
    unit_->setCurrentIndex(gib ? 1 : 0);
    value_->setValue(double(bytes) / double(gib ? kGiB : kMiB));
    set_ = bytes;
    changed_ = unreported_ = false;
}

std::uint64_t ByteSizeEdit::bytes() const {
    if (!changed_) return set_;
    const double unit = double(unit_->currentData().toULongLong());
    return std::uint64_t(std::llround(value_->value() * unit));
}

void ByteSizeEdit::finishEdit() {
    if (!unreported_) return;
    unreported_ = false;
    Q_EMIT sizeEdited(bytes());
}

}  // namespace awq::ui
