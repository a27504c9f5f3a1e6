#pragma once
// The warm pool's disk budget as a number and a unit (MiB / GiB). It shows the budget exactly when
// it is a whole number of MiB (a 100 MiB or 1536 MiB budget is not rounded to whole GiB), and it
// reports a new budget only when the user changed the number or the unit: focusing in and out
// (Tab) must never rewrite deploy.json.
#include <QWidget>

#include <cstdint>

class QComboBox;
class QDoubleSpinBox;

namespace awq::ui {

class BudgetEdit : public QWidget {
    Q_OBJECT
public:
    explicit BudgetEdit(QWidget* parent = nullptr);

    // Shows `bytes` (0: "no budget") without reporting it.
    void setBytes(std::uint64_t bytes);
    // What the control shows, in bytes.
    std::uint64_t bytes() const;

    QDoubleSpinBox* spinBox() const { return value_; }
    QComboBox* unitBox() const { return unit_; }

Q_SIGNALS:
    // The user changed the budget (number or unit) and finished editing; not emitted by setBytes.
    void budgetEdited(std::uint64_t bytes);

private:
    void finishEdit();

    QDoubleSpinBox* value_ = nullptr;
    QComboBox* unit_ = nullptr;
    bool edited_ = false;  // the user touched the number since the last setBytes / report
};

}  // namespace awq::ui
