#pragma once
// A label that names an input field: its buddy is the field, so Qt's accessibility layer reads it
// as the field's name (screen readers), a click on it focuses the field, and an '&' in the text
// gives an Alt shortcut. Right-aligned, for a label in a row of fields.
#include <QString>

class QLabel;
class QWidget;

namespace awq::ui {

QLabel* fieldLabel(const QString& text, QWidget* field);

}  // namespace awq::ui
