#include "ui/util/field_label.h"

#include <QLabel>

namespace awq::ui {

QLabel* fieldLabel(const QString& text, QWidget* field) {
    auto* label = new QLabel(text);
    label->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    label->setBuddy(field);
    return label;
}

}  // namespace awq::ui
