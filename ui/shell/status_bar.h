#pragma once
// The window's status bar. A temporary message wider than the room left of the permanent widgets
// (the library label, the GPU status) is elided in the middle, so a path keeps its start and its
// file name, and the whole text goes in the tooltip; the message keeps a gap from those widgets.
// QStatusBar clipped such a message mid-word, 2 px from the library label ("Battery done. Saved:
// /tmp/.../runs/2026" ran into "1 library folder"). The room is measured again whenever a permanent
// widget moves, resizes, shows or hides (its text changed: the GPU status's first probe, the library
// label), not only when the bar resizes: a message elided for the old room ran into the label
// ("...-vs-tinystories-qwe1 library folder" on the Compare page).
#include <QElapsedTimer>
#include <QStatusBar>

namespace awq::ui {

class StatusBar : public QStatusBar {
    Q_OBJECT
public:
    static constexpr int kGap = 16;   // px between the message and the first permanent widget

    explicit StatusBar(QWidget* parent = nullptr);

    // As showMessage, with the text elided to the room it has (again on each resize while shown).
    void showFullMessage(const QString& text, int timeoutMs = 0);
    QString fullMessage() const { return full_; }   // the message as given, while it is shown
    int messageRoom() const;                         // px the message's text may take

protected:
    void resizeEvent(QResizeEvent* event) override;
    void childEvent(QChildEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void showElided(int timeoutMs);
    void reElide();   // for the room it has now, for the time the message has left

    QString full_;
    int timeoutMs_ = 0;
    QElapsedTimer shown_;
    bool eliding_ = false;   // our own showMessage, not a caller's
};

}  // namespace awq::ui
