#pragma once
// The preview before a promotion writes anything: the validation issues, the unified diff of every
// file, and the equivalent `vllm serve` command line. "Promote" is disabled while an error stands.
#include "core/deploy/promotion.h"

#include <QDialog>

class QLabel;
class QListWidget;
class QPlainTextEdit;
class QPushButton;

namespace awq::ui {

class PromoteDialog : public QDialog {
    Q_OBJECT
public:
    explicit PromoteDialog(const deploy::PromotionPlan& plan, QWidget* parent = nullptr);

    QPushButton* promoteButton() const { return promote_; }
    QPlainTextEdit* diffView() const { return diff_; }
    QListWidget* issueList() const { return issues_; }
    QString commandLine() const;

private:
    QListWidget* issues_ = nullptr;
    QPlainTextEdit* diff_ = nullptr;
    QLabel* command_ = nullptr;
    QPushButton* promote_ = nullptr;
};

}  // namespace awq::ui
