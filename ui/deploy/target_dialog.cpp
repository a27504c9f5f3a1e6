#include "ui/deploy/target_dialog.h"

#include "ui/util/byte_size_edit.h"
#include "ui/util/field_label.h"
#include "ui/util/path_text.h"

#include "core/deploy/container_paths.h"
#include "core/deploy/promotion.h"
#include "core/util/error.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QSpinBox>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>


namespace awq::ui {

namespace {
// A form row: the label (whose buddy is the line edit, so it names it), the line edit and a "…"
// button that opens a file dialog.
void addBrowseRow(QFormLayout* form, const QString& label, QLineEdit* edit, QWidget* parent, const QString& filter, bool save) {
    auto* row = new QWidget;
    auto* h = new QHBoxLayout(row);
    h->setContentsMargins(0, 0, 0, 0);
    h->addWidget(edit, 1);
    auto* browse = new QToolButton;
    browse->setText(QStringLiteral("…"));
    browse->setToolTip(QObject::tr("Choose a file"));
    QObject::connect(browse, &QToolButton::clicked, parent, [edit, parent, filter, save] {
        const QString f = save ? QFileDialog::getSaveFileName(parent, QObject::tr("Choose a file"), edit->text(), filter,
                                                              nullptr, QFileDialog::DontConfirmOverwrite)
                               : QFileDialog::getOpenFileName(parent, QObject::tr("Choose a file"), edit->text(), filter);
        if (!f.isEmpty()) edit->setText(f);
    });
    h->addWidget(browse);
    auto* name = new QLabel(label);
    name->setBuddy(edit);
    form->addRow(name, row);
}
}  // namespace

TargetDialog::TargetDialog(QWidget* parent) : QDialog(parent) {
    setObjectName(QStringLiteral("targetDialog"));
    setWindowTitle(tr("Deployment target"));
    auto* layout = new QVBoxLayout(this);
    // Never smaller than its fields need: an error shown below them grows the dialog (it squeezed
    // and clipped the fields).
    layout->setSizeConstraint(QLayout::SetMinimumSize);
    auto* form = new QFormLayout;
    name_ = new QLineEdit;
    name_->setObjectName(QStringLiteral("targetName"));
    name_->setPlaceholderText(tr("e.g. prime"));
    kind_ = new QComboBox;
    kind_->setObjectName(QStringLiteral("targetKind"));
    kind_->addItem(tr("Docker compose project"), QStringLiteral("compose"));
    kind_->addItem(tr("vLLM serve config (YAML)"), QStringLiteral("vllm"));
    form->addRow(tr("Name"), name_);
    form->addRow(tr("Kind"), kind_);
    layout->addLayout(form);

    pages_ = new QStackedWidget;
    auto* composePage = new QWidget;
    auto* composeForm = new QFormLayout(composePage);
    compose_ = new QLineEdit;
    compose_->setObjectName(QStringLiteral("targetCompose"));
    env_ = new QLineEdit;
    env_->setObjectName(QStringLiteral("targetEnv"));
    env_->setPlaceholderText(tr("empty: set ${VAR:-default} in the compose file"));
    pathVar_ = new QLineEdit(QStringLiteral("PRIME_MODEL_PATH"));
    nameVar_ = new QLineEdit(QStringLiteral("PRIME_MODEL"));
    addBrowseRow(composeForm, tr("Compose file"), compose_, this, tr("Compose files (*.yml *.yaml)"), false);
    addBrowseRow(composeForm, tr(".env file"), env_, this, tr("All files (*)"), true);
    composeForm->addRow(tr("Model path variable"), pathVar_);
    composeForm->addRow(tr("Model name variable"), nameVar_);
    pages_->addWidget(composePage);

    auto* vllmPage = new QWidget;
    auto* vllmForm = new QFormLayout(vllmPage);
    vllmConfig_ = new QLineEdit;
    vllmConfig_->setObjectName(QStringLiteral("targetVllmConfig"));
    commandFile_ = new QLineEdit;
    commandFile_->setPlaceholderText(tr("optional: a script for the vllm serve command line"));
    addBrowseRow(vllmForm, tr("Config file"), vllmConfig_, this, tr("YAML (*.yaml *.yml)"), true);
    addBrowseRow(vllmForm, tr("Command script"), commandFile_, this, tr("All files (*)"), true);
    pages_->addWidget(vllmPage);
    layout->addWidget(pages_);
    connect(kind_, &QComboBox::currentIndexChanged, pages_, &QStackedWidget::setCurrentIndex);

    auto* gpuForm = new QFormLayout;
    gpus_ = new QSpinBox;
    gpus_->setRange(0, 1024);
    gpus_->setSpecialValueText(tr("not set"));  // 0: a vLLM config's own tensor-parallel size is kept
    gpuMemory_ = new ByteSizeEdit(tr("detect"), QStringLiteral("targetGpuMemory"),
                                  tr("Memory of one GPU of the deployment (0: this machine's first GPU, when there is one)"));
    utilization_ = new QDoubleSpinBox;
    // 0 = not set: a vLLM config keeps its own value (else vLLM's 0.9).
    utilization_->setRange(0.0, 1.0);
    utilization_->setSingleStep(0.05);
    utilization_->setSpecialValueText(tr("the config's own (else 0.9)"));
    utilization_->setValue(0.0);
    tp_ = new QSpinBox;
    tp_->setRange(0, 1024);
    tp_->setSpecialValueText(tr("automatic"));
    maxModelLen_ = new QSpinBox;
    maxModelLen_->setRange(0, 10'000'000);
    maxModelLen_->setSpecialValueText(tr("model's, cut to what fits"));
    paired_ = new QLineEdit;
    paired_->setPlaceholderText(tr("optional: the FP16 model AWQ models must be quantized from"));
    gpuForm->addRow(tr("GPUs"), gpus_);
    gpuForm->addRow(fieldLabel(tr("Memory per GPU"), gpuMemory_->spinBox()), gpuMemory_);   // the number is what a reader names
    gpuForm->addRow(tr("GPU memory utilization"), utilization_);
    gpuForm->addRow(tr("Tensor-parallel size"), tp_);
    gpuForm->addRow(tr("Max model length"), maxModelLen_);
    gpuForm->addRow(tr("Paired FP16 model"), paired_);
    containerPaths_ = new QLineEdit;
    containerPaths_->setObjectName(QStringLiteral("targetContainerPaths"));
    containerPaths_->setPlaceholderText(tr("e.g. /srv/models:/models (comma-separated); empty: the compose service's volumes"));
    containerPaths_->setToolTip(tr("Where vLLM's container sees host folders: promotion writes the model path as the container sees it"));
    gpuForm->addRow(tr("Container paths"), containerPaths_);
    layout->addLayout(gpuForm);

    // Shown in the dialog, not in a message box, so the user sees it beside the fields to fix.
    error_ = new QLabel;
    error_->setObjectName(QStringLiteral("targetError"));
    error_->setWordWrap(true);
    error_->setStyleSheet(QStringLiteral("color: #b00020;"));
    error_->hide();
    layout->addWidget(error_);

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    ok_ = buttons->button(QDialogButtonBox::Ok);
    connect(buttons, &QDialogButtonBox::accepted, this, &TargetDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    // Wide enough for whole paths (/srv/stack/docker-compose.yml, HOST:CONTAINER mappings): the
    // form's own hint clipped them.
    setMinimumWidth(fontMetrics().horizontalAdvance(QLatin1Char('x')) * 90);
}

void TargetDialog::setTarget(const deploy::DeployTarget& t) {
    name_->setText(QString::fromStdString(t.name));
    kind_->setCurrentIndex(t.kind == deploy::TargetKind::Compose ? 0 : 1);
    compose_->setText(toQString(t.composeFile));
    env_->setText(toQString(t.envFile));
    pathVar_->setText(QString::fromStdString(t.pathVariable));
    nameVar_->setText(QString::fromStdString(t.nameVariable));
    vllmConfig_->setText(toQString(t.vllmConfig));
    commandFile_->setText(toQString(t.commandFile));
    gpus_->setValue(t.gpuCount);
    gpuMemory_->setBytes(t.gpuMemoryBytes);
    utilization_->setValue(t.gpuMemoryUtilization);
    tp_->setValue(t.tensorParallelSize);
    maxModelLen_->setValue(t.maxModelLen);
    paired_->setText(toQString(t.pairedModel));
    QStringList mappings;
    for (const auto& m : t.containerPaths) mappings << QString::fromStdString(deploy::pathMappingText(m));
    containerPaths_->setText(mappings.join(QStringLiteral(", ")));
}

void TargetDialog::fixName() {
    name_->setReadOnly(true);
    name_->setToolTip(tr("A target's name keys its promotion history. To rename it, add a target with the new name and forget this one."));
}

deploy::DeployTarget TargetDialog::target() const {
    deploy::DeployTarget t;
    t.name = name_->text().trimmed().toStdString();
    t.kind = kind_->currentIndex() == 0 ? deploy::TargetKind::Compose : deploy::TargetKind::Vllm;
    t.composeFile = toPath(compose_->text().trimmed());
    t.envFile = toPath(env_->text().trimmed());
    t.pathVariable = pathVar_->text().trimmed().toStdString();
    t.nameVariable = nameVar_->text().trimmed().toStdString();
    t.vllmConfig = toPath(vllmConfig_->text().trimmed());
    t.commandFile = toPath(commandFile_->text().trimmed());
    t.gpuCount = gpus_->value();
    t.gpuMemoryBytes = gpuMemory_->bytes();   // unchanged: the very bytes loaded
    t.gpuMemoryUtilization = utilization_->value();
    t.tensorParallelSize = tp_->value();
    t.maxModelLen = maxModelLen_->value();
    t.pairedModel = toPath(paired_->text().trimmed());
    // Throws awq::Error for a malformed mapping: accept() shows it.
    for (const QString& spec : containerPaths_->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!spec.trimmed().isEmpty()) t.containerPaths.push_back(deploy::parsePathMapping(spec.trimmed().toStdString()));
    return t;
}

void TargetDialog::accept() {
    const QString name = name_->text().trimmed();
    if (name.isEmpty()) {
        showError(tr("Give the target a name: letters, digits, '.', '_' and '-' (e.g. prime)."));
        name_->setFocus();
        return;
    }
    if (taken_.contains(name)) {
        showError(tr("A target named %1 already exists. Pick another name; to change %1, cancel and use Edit….").arg(name));
        name_->setFocus();
        name_->selectAll();
        return;
    }
    deploy::DeployTarget t;
    try {
        t = target();
        deploy::checkTarget(t);
    } catch (const Error& e) {
        showError(QString::fromStdString(e.what()));
        return;
    }
    if (!confirmUnpromotable(t)) return;
    error_->hide();
    QDialog::accept();
}

// As `target add` refuses (exit 2 unless --force) a compose target no promotion could change (its
// file never uses the path variable): the first OK shows why and turns into "Save anyway"; OK again
// on the same settings saves it (the compose file may be edited next). Any edit asks again.
bool TargetDialog::confirmUnpromotable(const deploy::DeployTarget& t) {
    std::vector<deploy::Issue> issues;
    try {
        issues = deploy::checkTargetFiles(t);
    } catch (const Error&) {
        return true;  // an unreadable compose file: the page says so after saving, as before
    }
    QStringList errors;
    for (const auto& i : issues)
        if (i.severity == deploy::Issue::Severity::Error) errors << QString::fromStdString(i.message + (i.fix.empty() ? "" : ": " + i.fix));
    const QString settings = QString::fromStdString(deploy::targetJsonText(t));
    if (errors.isEmpty() || settings == confirmedUnpromotable_) return true;
    confirmedUnpromotable_ = settings;
    ok_->setText(tr("Save anyway"));
    showError(tr("No promotion to this target could change the model it serves: %1. Fix the compose file, or press Save anyway to keep "
                 "the target as it is.")
                  .arg(errors.join(QStringLiteral("; "))));
    return false;
}

// The CLI's flags in core's messages, as this dialog names the same settings (a fix said
// "(--path-var)"): "pass --gpus N" is "fill in GPUs", a flag in a hint "(Model path variable)".
QString TargetDialog::inDialogTerms(QString text) const {
    const std::pair<const char*, QString> fields[] = {
        {"--path-var", tr("Model path variable")},  {"--name-var", tr("Model name variable")},   {"--env", tr(".env file")},
        {"--vllm-config", tr("Config file")},       {"--command-file", tr("Command script")},    {"--container-path", tr("Container paths")},
        {"--gpus", tr("GPUs")},                     {"--gpu-memory", tr("Memory per GPU")},      {"--gpu-util", tr("GPU memory utilization")},
        {"--tp", tr("Tensor-parallel size")},       {"--max-model-len", tr("Max model length")}, {"--paired", tr("Paired FP16 model")},
        {"--compose", tr("Compose file")},
    };
    for (const auto& [flag, field] : fields) {
        const QString f = QRegularExpression::escape(QLatin1String(flag));
        text.replace(QRegularExpression(QStringLiteral("\\bpass %1( \\S+)?").arg(f)), tr("fill in “%1”").arg(field));
        text.replace(QRegularExpression(QStringLiteral("(?<![\\w-])%1(?![\\w-])").arg(f)), QStringLiteral("“%1”").arg(field));
    }
    return text;
}

void TargetDialog::showError(const QString& text) {
    error_->setText(inDialogTerms(text));
    error_->show();
    // Grow to the height the fields and the wrapped message need at this width.
    layout()->activate();
    if (const int needed = layout()->totalHeightForWidth(width()); needed > height()) resize(width(), needed);
}

QString TargetDialog::errorText() const { return error_->isHidden() ? QString() : error_->text(); }

}  // namespace awq::ui
