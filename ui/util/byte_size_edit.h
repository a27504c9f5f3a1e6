#pragma once
// A size in bytes as a number and a unit (MiB / GiB): the warm pool's disk budget, a target's GPU
// memory. It shows a size exactly when it is a whole number of MiB (100 MiB or 24000 MiB is not
// rounded to GiB), gives back the very bytes it was set to until the user changes it (a size that is
// no whole MiB, from a hand-edited file, is not rounded by opening and closing a dialog), and reports
// an edit only when the user changed the number or the unit: focusing in and out (Tab) must never
// rewrite a settings file.
#include <QWidget>

#include <cstdint>

class QComboBox;
class QDoubleSpinBox;

namespace awq::ui {

class ByteSizeEdit : public QWidget {
    Q_OBJECT
public:
    // `zeroText`: what 0 means, shown in its place ("no budget", "detect"). `name`: the object
    // names of the number ("NAME") and the unit ("NAMEUnit") fields, for tests and accessibility.
    ByteSizeEdit(const QString& zeroText, const QString& name, const QString& toolTip, QWidget* parent = nullptr);

    // Shows `bytes` (0: zeroText) without reporting it.
    void setBytes(std::uint64_t bytes);
    // The bytes set, until the user changed the field; then what it shows.
    std::uint64_t bytes() const;

    QDoubleSpinBox* spinBox() const { return value_; }
    QComboBox* unitBox() const { return unit_; }

Q_SIGNALS:
    // The user changed the size (number or unit) and finished editing; not emitted by setBytes.
    void sizeEdited(std::uint64_t bytes);

private:
    void finishEdit();

    QDoubleSpinBox* value_ = nullptr;
    QComboBox* unit_ = nullptr;
    std::uint64_t set_ = 0;       // setBytes' value, returned while !changed_
    bool changed_ = false;        // the user changed the field since setBytes
    bool unreported_ = false;     // ... and that change was not reported yet
};

}  // namespace awq::ui
