#include "ui/shell/status_bar.h"

#include <QChildEvent>
#include <QEvent>
#include <QFontMetrics>
#include <QSizeGrip>

#include <algorithm>

namespace awq::ui {

StatusBar::StatusBar(QWidget* parent) : QStatusBar(parent) {
    setObjectName(QStringLiteral("statusBar"));
    connect(this, &QStatusBar::messageChanged, this, [this] {
        if (eliding_) return;
        // Cleared (its timeout, clearMessage) or replaced by a plain showMessage: the tooltip of
        // the elided message must not outlive it.
        full_.clear();
        setToolTip(QString());
    });
}

int StatusBar::messageRoom() const {
    // QStatusBar paints the message from x = 6 up to 2 px before the first visible permanent
    // widget (or width - 12 without one); the widgets here are all permanent.
    int right = width() - 12;
    for (QWidget* w : findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
        if (w->isVisibleTo(this) && !qobject_cast<QSizeGrip*>(w)) right = std::min(right, w->x() - 2);
    return std::max(0, right - 6 - kGap);
}

void StatusBar::showFullMessage(const QString& text, int timeoutMs) {
    full_ = text;
    timeoutMs_ = timeoutMs;
    shown_.start();
    showElided(timeoutMs);
}

void StatusBar::showElided(int timeoutMs) {
    const QString shown = fontMetrics().elidedText(full_, Qt::ElideMiddle, messageRoom());
    eliding_ = true;
    showMessage(shown, timeoutMs);
    eliding_ = false;
    setToolTip(shown == full_ ? QString() : full_);
}

void StatusBar::resizeEvent(QResizeEvent* event) {
    QStatusBar::resizeEvent(event);
    reElide();
}

void StatusBar::childEvent(QChildEvent* event) {
    QStatusBar::childEvent(event);
    // addPermanentWidget reparents the widget here: watch where it goes.
    if (event->added() && event->child()->isWidgetType()) event->child()->installEventFilter(this);
}

bool StatusBar::eventFilter(QObject* watched, QEvent* event) {
    switch (event->type()) {
    case QEvent::Move:
    case QEvent::Resize:
    case QEvent::Show:
    case QEvent::Hide:
        if (watched->parent() == this) reElide();
        break;
    default: break;
    }
    return QStatusBar::eventFilter(watched, event);
}

void StatusBar::reElide() {
    if (full_.isEmpty() || currentMessage().isEmpty()) return;
    // Re-elide for the new width, for the time the message had left.
    int left = 0;
    if (timeoutMs_ > 0) {
        left = timeoutMs_ - int(shown_.elapsed());
        if (left <= 0) return;   // about to be cleared by its own timer
    }
    showElided(left);
}

}  // namespace awq::ui
