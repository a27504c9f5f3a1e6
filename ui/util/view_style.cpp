#include "ui/util/view_style.h"

#include <QPalette>
#include <QWidget>

namespace awq::ui {

void applySoftSelection(QWidget* view) {
    QPalette p = view->palette();
    const bool dark = p.color(QPalette::Base).lightness() < 128;
    const QColor highlight = dark ? QColor(0x2d, 0x4f, 0x7c) : QColor(0xcf, 0xe0, 0xf7);
    const QColor text = p.color(QPalette::Text);
    for (QPalette::ColorGroup group : {QPalette::Active, QPalette::Inactive}) {
        p.setColor(group, QPalette::Highlight, highlight);
        p.setColor(group, QPalette::HighlightedText, text);
    }
    view->setPalette(p);
}

}  // namespace awq::ui
