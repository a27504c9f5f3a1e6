#pragma once
// Adds or edits a deployment target: a docker compose project (compose file, optional .env,
// variable names) or a vLLM serve config (YAML, optional command script), plus the serving
// machine's GPUs and where vLLM's container sees host folders.
#include "core/deploy/deploy_settings.h"

#include <QDialog>
#include <QStringList>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QStackedWidget;

namespace awq::ui {

class ByteSizeEdit;

class TargetDialog : public QDialog {
    Q_OBJECT
public:
    explicit TargetDialog(QWidget* parent = nullptr);

    void setTarget(const deploy::DeployTarget& target);
    deploy::DeployTarget target() const;
    // Edit…: the name cannot change. It keys the target's promotion history (undo, history) and
    // the pool's "deployed by" protection; a changed name added a second target beside the old one.
    void fixName();

    // Names the dialog refuses (the other targets'): "Add target…" must not silently replace a
    // target (its kind, files, GPU settings and the pool's "deployed by" protection would be lost);
    // Edit… is the way to change one.
    void setTakenNames(const QStringList& names) { taken_ = names; }

    // Validates (name free, deploy::checkTarget) before closing; a compose target no promotion could
    // change (deploy::checkTargetFiles errors) needs a second OK ("Save anyway"), as `target add` --force.
    void accept() override;
    // Why the last OK was refused (shown in the dialog), empty when none.
    QString errorText() const;

private:
    void showError(const QString& text);
    QString inDialogTerms(QString text) const;
    bool confirmUnpromotable(const deploy::DeployTarget& t);  // false: refused once, OK reads "Save anyway"

    QStringList taken_;
    QString confirmedUnpromotable_;   // the settings (deploy::targetJsonText) "Save anyway" was offered for
    QPushButton* ok_ = nullptr;
    QLabel* error_ = nullptr;
    QLineEdit* name_ = nullptr;
    QComboBox* kind_ = nullptr;
    QStackedWidget* pages_ = nullptr;
    QLineEdit* compose_ = nullptr;
    QLineEdit* env_ = nullptr;
    QLineEdit* pathVar_ = nullptr;
    QLineEdit* nameVar_ = nullptr;
    QLineEdit* vllmConfig_ = nullptr;
    QLineEdit* commandFile_ = nullptr;
    QSpinBox* gpus_ = nullptr;
    ByteSizeEdit* gpuMemory_ = nullptr;
    QDoubleSpinBox* utilization_ = nullptr;
    QSpinBox* tp_ = nullptr;
    QSpinBox* maxModelLen_ = nullptr;
    QLineEdit* paired_ = nullptr;
    QLineEdit* containerPaths_ = nullptr;   // "HOST:CONTAINER, ..." (deploy::parsePathMapping)
};

}  // namespace awq::ui
