#pragma once
// A one-line label that elides its text to the width it is given (in the middle by default, so a
// model name keeps its start and its "-awq" end) instead of asking for the whole text's width: a
// long model name in a summary line must not widen the page behind a horizontal scroll bar, and a
// plain QLabel with an Ignored size policy clipped such a line with no ellipsis. The whole text is
// the tooltip while it is elided.
#include <QLabel>

namespace awq::ui {

class ElidedLabel : public QLabel {
    Q_OBJECT
public:
    explicit ElidedLabel(QWidget* parent = nullptr);
    explicit ElidedLabel(const QString& text, QWidget* parent = nullptr);

    // Plain text. `tooltip`: shown as the tooltip instead of `text` (the line with nothing cut, when
    // the caller shortened parts of `text` itself); empty: `text`, while it is elided.
    void setFullText(const QString& text, const QString& tooltip = {});
    QString fullText() const { return full_; }
    void setElideMode(Qt::TextElideMode mode);
    bool isElided() const { return text() != full_; }

    QSize sizeHint() const override;           // the whole text
    QSize minimumSizeHint() const override;    // a few characters

protected:
    void resizeEvent(QResizeEvent* event) override;
    void changeEvent(QEvent* event) override;

private:
    void refit();

    QString full_;
    QString tip_;
    Qt::TextElideMode mode_ = Qt::ElideMiddle;
};

}  // namespace awq::ui
