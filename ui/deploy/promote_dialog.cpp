#include "ui/deploy/promote_dialog.h"

#include "ui/util/icons.h"
#include "ui/util/path_text.h"

#include <QDialogButtonBox>
#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSyntaxHighlighter>
#include <QVBoxLayout>

namespace awq::ui {

namespace {

// Colours diff lines the way terminals do: additions green, removals red, hunk headers blue.
class DiffHighlighter : public QSyntaxHighlighter {
public:
    using QSyntaxHighlighter::QSyntaxHighlighter;

protected:
    void highlightBlock(const QString& text) override {
        QTextCharFormat f;
        if (text.startsWith(QLatin1String("+++")) || text.startsWith(QLatin1String("---"))) f.setFontWeight(QFont::Bold);
        else if (text.startsWith(QLatin1Char('+'))) f.setForeground(QColor(0x1a, 0x7f, 0x37));
        else if (text.startsWith(QLatin1Char('-'))) f.setForeground(QColor(0xcf, 0x22, 0x2e));
        else if (text.startsWith(QLatin1String("@@"))) f.setForeground(QColor(0x09, 0x69, 0xda));
        else return;
        setFormat(0, int(text.size()), f);
    }
};

}  // namespace

PromoteDialog::PromoteDialog(const deploy::PromotionPlan& plan, QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("promoteDialog"));
    setWindowTitle(tr("Promote %1 to %2").arg(toQString(plan.model.filename()), QString::fromStdString(plan.target)));
    resize(900, 640);
    auto* layout = new QVBoxLayout(this);

    auto* heading = new QLabel(plan.blocked() ? tr("<b>This promotion is refused.</b> Fix the errors below; nothing will be written.")
                                              : tr("<b>Review the changes.</b> Each file is backed up and written atomically; "
                                                   "Undo on the Deploy page restores the backups."));
    heading->setWordWrap(true);
    layout->addWidget(heading);

    issues_ = new QListWidget;
    issues_->setObjectName(QStringLiteral("promoteIssues"));
    for (const auto& i : plan.issues) {
        const bool error = i.severity == deploy::Issue::Severity::Error;
        QString text = QString::fromStdString(i.message);
        if (!i.fix.empty()) text += QStringLiteral("\n→ ") + QString::fromStdString(i.fix);
        auto* item = new QListWidgetItem(icon(error ? QStringLiteral("broken") : QStringLiteral("warning")), text, issues_);
        item->setData(Qt::UserRole, QString::fromStdString(i.code));
        item->setToolTip(QString::fromStdString(i.code));
    }
    // The vLLM config's own settings the promotion keeps (its owner chose them): said, so that a
    // value left as it was is not mistaken for one the plan forgot.
    for (const auto& k : plan.kept) {
        auto* item = new QListWidgetItem(icon(QStringLiteral("ok")),
                                         tr("Kept %1: %2 (set in the config file, not on the target)").arg(QString::fromStdString(k.key), QString::fromStdString(k.value)),
                                         issues_);
        item->setData(Qt::UserRole, QStringLiteral("kept"));
    }
    for (const auto& n : plan.notes) {
        auto* item = new QListWidgetItem(icon(QStringLiteral("settings")), tr("Note: %1").arg(QString::fromStdString(n)), issues_);
        item->setData(Qt::UserRole, QStringLiteral("note"));
    }
    issues_->setVisible(issues_->count() > 0);
    issues_->setMaximumHeight(issues_->count() == 0 ? 0 : 150);
    issues_->setWordWrap(true);
    layout->addWidget(issues_);

    diff_ = new QPlainTextEdit;
    diff_->setObjectName(QStringLiteral("promoteDiff"));
    diff_->setReadOnly(true);
    diff_->setLineWrapMode(QPlainTextEdit::NoWrap);
    diff_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    const std::string diff = plan.diff();
    diff_->setPlainText(plan.blocked() ? tr("(no diff: the promotion is refused, so no file is changed; the errors above name what to fix)")
                        : diff.empty()     ? tr("(no file changes: the target already points at this model)")
                                           : QString::fromStdString(diff));
    new DiffHighlighter(diff_->document());
    layout->addWidget(diff_, 1);

    command_ = new QLabel(plan.command.empty() ? tr("(none: the promotion is refused)") : QString::fromStdString(plan.command));
    command_->setObjectName(QStringLiteral("promoteCommand"));
    command_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    command_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    command_->setWordWrap(true);
    layout->addWidget(new QLabel(tr("Equivalent command line (vLLM picks awq_marlin for AWQ models by itself):")));
    layout->addWidget(command_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Cancel);
    promote_ = buttons->addButton(tr("Promote"), QDialogButtonBox::AcceptRole);
    promote_->setObjectName(QStringLiteral("promoteConfirm"));
    promote_->setEnabled(!plan.blocked() && !plan.changes.empty());
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
}

QString PromoteDialog::commandLine() const { return command_->text(); }

}  // namespace awq::ui
