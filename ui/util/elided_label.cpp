#include "ui/util/elided_label.h"

#include <QEvent>
#include <QFontMetrics>

#include <algorithm>

namespace awq::ui {

ElidedLabel::ElidedLabel(QWidget* parent) : ElidedLabel(QString(), parent) {}

ElidedLabel::ElidedLabel(const QString& text, QWidget* parent) : QLabel(parent) {
    setTextFormat(Qt::PlainText);
    setWordWrap(false);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    setFullText(text);
}

void ElidedLabel::setFullText(const QString& text, const QString& tooltip) {
    full_ = text;
    tip_ = tooltip;
    updateGeometry();
    refit();
}

void ElidedLabel::setElideMode(Qt::TextElideMode mode) {
    mode_ = mode;
    refit();
}

QSize ElidedLabel::sizeHint() const {
    const QMargins m = contentsMargins();
    return {fontMetrics().horizontalAdvance(full_) + m.left() + m.right() + 2 * margin() + 1, QLabel::sizeHint().height()};
}

QSize ElidedLabel::minimumSizeHint() const {
    const QMargins m = contentsMargins();
    return {std::min(sizeHint().width(), fontMetrics().horizontalAdvance(QStringLiteral("Wwww…")) + m.left() + m.right() + 2 * margin()),
            QLabel::minimumSizeHint().height()};
}

void ElidedLabel::resizeEvent(QResizeEvent* event) {
    QLabel::resizeEvent(event);
    refit();
}

void ElidedLabel::changeEvent(QEvent* event) {
    QLabel::changeEvent(event);
    if (event->type() == QEvent::FontChange || event->type() == QEvent::StyleChange) refit();
}

void ElidedLabel::refit() {
    const int room = contentsRect().width() - 2 * margin();
    const QString shown = fontMetrics().elidedText(full_, mode_, std::max(0, room));
    if (shown != text()) QLabel::setText(shown);
    setToolTip(!tip_.isEmpty() && tip_ != shown ? tip_ : shown == full_ ? QString() : full_);
}

}  // namespace awq::ui
