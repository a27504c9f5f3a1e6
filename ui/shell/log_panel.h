#pragma once
// The log dock: every line the program logs through spdlog (core jobs included), as it happens.
// Lines arrive on whatever thread logged them and are marshalled to the GUI thread.
#include <QDateTime>
#include <QString>
#include <QWidget>

#include <deque>

class QComboBox;
class QPlainTextEdit;

namespace awq::ui {

class LogPanel : public QWidget {
    Q_OBJECT
public:
    explicit LogPanel(QWidget* parent = nullptr);
    ~LogPanel() override;

    // Keeps at most this many lines (the log file has them all).
    static constexpr int kMaxLines = 5000;

    int lineCount() const { return static_cast<int>(lines_.size()); }
    QString text() const;          // what the panel shows now (the level filter applies)
    void appendLine(const QString& level, const QString& text);   // GUI thread
    void clearLines();

Q_SIGNALS:
    void lineAdded(const QString& level, const QString& text);
    void warningLogged(const QString& text);   // warnings and errors, for the status bar

private:
    struct Line {
        QDateTime time;
        QString level;
        QString text;
    };
    bool passesFilter(const Line& line) const;
    void render(const Line& line);
    void rerender();

    int listenerId_ = -1;
    std::deque<Line> lines_;
    QPlainTextEdit* view_ = nullptr;
    QComboBox* levelFilter_ = nullptr;
};

}  // namespace awq::ui
