#include "ui/shell/log_panel.h"

#include "core/util/logging.h"

#include <QComboBox>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QMetaObject>
#include <QPlainTextEdit>
#include <QScrollBar>
#include <QTextBlock>
#include <QTextCharFormat>
#include <QTextCursor>
#include <QToolButton>
#include <QVBoxLayout>

namespace awq::ui {
namespace {

int levelRank(const QString& level) {
    if (level == QLatin1String("trace")) return 0;
    if (level == QLatin1String("debug")) return 1;
    if (level == QLatin1String("info")) return 2;
    if (level == QLatin1String("warning") || level == QLatin1String("warn")) return 3;
    if (level == QLatin1String("error")) return 4;
    if (level == QLatin1String("critical")) return 5;
    return 2;
}

QColor levelColor(int rank) {
    switch (rank) {
    case 0:
    case 1: return QColor(0x80, 0x80, 0x80);
    case 3: return QColor(0xa8, 0x4b, 0x00);
    case 4:
    case 5: return QColor(0xb3, 0x26, 0x1e);
    default: return {};
    }
}

}  // namespace

LogPanel::LogPanel(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("logPanel"));
    view_ = new QPlainTextEdit;
    view_->setObjectName(QStringLiteral("logText"));
    view_->setReadOnly(true);
    view_->setUndoRedoEnabled(false);
    view_->setLineWrapMode(QPlainTextEdit::NoWrap);
    view_->setMaximumBlockCount(kMaxLines);
    view_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    levelFilter_ = new QComboBox;
    levelFilter_->addItem(tr("Debug and above"), 1);
    levelFilter_->addItem(tr("Info and above"), 2);
    levelFilter_->addItem(tr("Warnings and errors"), 3);
    levelFilter_->setCurrentIndex(0);
    levelFilter_->setAccessibleName(tr("Log level shown"));
    auto* clear = new QToolButton;
    clear->setText(tr("Clear"));

    levelFilter_->setToolTip(tr("Which log lines to show"));
    clear->setToolTip(tr("Clear the panel (the log file keeps every line: Help ▸ About shows where)"));
    view_->setMinimumHeight(48);

    // Tools beside the text, so that a short dock still shows several lines.
    auto* tools = new QVBoxLayout;
    tools->setContentsMargins(0, 0, 0, 0);
    tools->addWidget(levelFilter_);
    tools->addWidget(clear, 0, Qt::AlignRight);
    tools->addStretch(1);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(4, 0, 4, 4);
    layout->setSpacing(4);
    layout->addWidget(view_, 1);
    layout->addLayout(tools);

    connect(levelFilter_, &QComboBox::currentIndexChanged, this, &LogPanel::rerender);
    connect(clear, &QToolButton::clicked, this, &LogPanel::clearLines);

    // The listener runs on the logging thread, under the sink's lock: copy the line and queue it.
    // removeListener (destructor) takes the same lock, so no call is in flight after it returns,
    // and events still queued for this object are discarded with it.
    listenerId_ = awq::logging::addListener([this](const awq::logging::LogLine& line) {
        const QString level = QString::fromStdString(line.level);
        const QString text = QString::fromStdString(line.text);
        QMetaObject::invokeMethod(this, [this, level, text] { appendLine(level, text); }, Qt::QueuedConnection);
    });
}

LogPanel::~LogPanel() { awq::logging::removeListener(listenerId_); }

void LogPanel::appendLine(const QString& level, const QString& text) {
    lines_.push_back({QDateTime::currentDateTime(), level, text});
    if (lines_.size() > static_cast<std::size_t>(kMaxLines)) lines_.pop_front();
    if (passesFilter(lines_.back())) render(lines_.back());
    Q_EMIT lineAdded(level, text);
    if (levelRank(level) >= 3) Q_EMIT warningLogged(text);
}

void LogPanel::clearLines() {
    lines_.clear();
    view_->clear();
}

QString LogPanel::text() const { return view_->toPlainText(); }

bool LogPanel::passesFilter(const Line& line) const { return levelRank(line.level) >= levelFilter_->currentData().toInt(); }

void LogPanel::render(const Line& line) {
    QScrollBar* bar = view_->verticalScrollBar();
    const bool atBottom = bar->value() >= bar->maximum() - 2;
    QTextCursor cursor(view_->document());
    cursor.movePosition(QTextCursor::End);
    if (!view_->document()->isEmpty()) cursor.insertBlock();
    QTextCharFormat timeFormat;
    timeFormat.setForeground(QColor(0x80, 0x80, 0x80));
    cursor.insertText(line.time.toString(QStringLiteral("HH:mm:ss ")), timeFormat);
    QTextCharFormat format;
    const int rank = levelRank(line.level);
    if (QColor c = levelColor(rank); c.isValid()) format.setForeground(c);
    if (rank >= 3) format.setFontWeight(QFont::Bold);
    cursor.insertText(QStringLiteral("%1 ").arg(line.level, -8), format);
    QTextCharFormat body;
    if (rank <= 1 || rank >= 3) body.setForeground(format.foreground());
    cursor.insertText(line.text, body);
    if (atBottom) bar->setValue(bar->maximum());
}

void LogPanel::rerender() {
    view_->clear();
    for (const Line& line : lines_)
        if (passesFilter(line)) render(line);
}

}  // namespace awq::ui
