#pragma once
// Which input fields of a window carry no name a user (or a screen reader) can find: every line
// edit, spin box and combo box needs a label whose buddy it is (QFormLayout's row labels are),
// an accessible name, a placeholder (line edits) or a prefix (spin boxes). Qt's accessibility
// layer reads the buddy label as the field's name; a field named only by its tooltip is silent.
#include <QAbstractSpinBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QSet>
#include <QSpinBox>
#include <QStringList>
#include <QWidget>

namespace awq::test {

// Object names (or class names where unnamed) of `root`'s input fields that nothing names.
inline QStringList unnamedInputs(const QWidget& root) {
    QSet<const QWidget*> labelled;
    for (const QLabel* label : root.findChildren<QLabel*>())
        if (label->buddy() && !label->text().trimmed().isEmpty()) labelled.insert(label->buddy());
    auto prefixOf = [](const QWidget* w) {
        if (auto* s = qobject_cast<const QSpinBox*>(w)) return s->prefix();
        if (auto* d = qobject_cast<const QDoubleSpinBox*>(w)) return d->prefix();
        return QString();
    };
    QStringList unnamed;
    for (const QWidget* w : root.findChildren<QWidget*>()) {
        const bool lineEdit = qobject_cast<const QLineEdit*>(w) != nullptr;
        if (!lineEdit && !qobject_cast<const QAbstractSpinBox*>(w) && !qobject_cast<const QComboBox*>(w)) continue;
        // The editor inside a spin box or an editable combo box is part of its owner.
        if (lineEdit && (qobject_cast<const QAbstractSpinBox*>(w->parentWidget()) || qobject_cast<const QComboBox*>(w->parentWidget())))
            continue;
        if (labelled.contains(w) || !w->accessibleName().isEmpty() || !prefixOf(w).trimmed().isEmpty()) continue;
        if (auto* e = qobject_cast<const QLineEdit*>(w); e && !e->placeholderText().isEmpty()) continue;
        unnamed << (w->objectName().isEmpty() ? QString::fromLatin1(w->metaObject()->className()) : w->objectName());
    }
    return unnamed;
}

}  // namespace awq::test
