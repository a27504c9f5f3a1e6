#include "ui/shell/settings_dialog.h"

#include "ui/util/icons.h"
#include "ui/util/view_style.h"

#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace awq::ui {

SettingsDialog::SettingsDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Settings"));
    setObjectName(QStringLiteral("settingsDialog"));
    resize(640, 420);

    auto* libraryBox = new QGroupBox(tr("Library folders"));
    auto* libraryLayout = new QVBoxLayout(libraryBox);
    auto* libraryHelp = new QLabel(tr("Folders scanned for Hugging Face model folders (config.json + safetensors) and "
                                      ".gguf files, up to four levels down. A folder may itself be a model."));
    libraryHelp->setWordWrap(true);
    libraryLayout->addWidget(libraryHelp);

    folders_ = new QListWidget;
    folders_->setObjectName(QStringLiteral("libraryFolders"));
    folders_->setSelectionMode(QAbstractItemView::SingleSelection);
    applySoftSelection(folders_);
    add_ = new QPushButton(icon(QStringLiteral("folder-add")), tr("Add…"));
    remove_ = new QPushButton(tr("Remove"));
    up_ = new QPushButton(tr("Up"));
    down_ = new QPushButton(tr("Down"));
    auto* buttons = new QVBoxLayout;
    buttons->addWidget(add_);
    buttons->addWidget(remove_);
    buttons->addWidget(up_);
    buttons->addWidget(down_);
    buttons->addStretch(1);
    auto* listRow = new QHBoxLayout;
    listRow->addWidget(folders_, 1);
    listRow->addLayout(buttons);
    libraryLayout->addLayout(listRow);

    auto* poolBox = new QGroupBox(tr("Warm pool"));
    auto* poolLayout = new QVBoxLayout(poolBox);
    auto* poolHelp = new QLabel(tr("The folder your serving stack loads models from (for example the volume "
                                   "docker-compose mounts for vLLM). Its models are marked \"Warm pool\"."));
    poolHelp->setWordWrap(true);
    warmPool_ = new QLineEdit;
    warmPool_->setObjectName(QStringLiteral("warmPool"));
    warmPool_->setPlaceholderText(tr("none"));
    warmPool_->setAccessibleName(tr("Warm pool folder"));
    warmPool_->setClearButtonEnabled(true);
    auto* browse = new QPushButton(tr("Browse…"));
    auto* poolRow = new QHBoxLayout;
    poolRow->addWidget(warmPool_, 1);
    poolRow->addWidget(browse);
    poolLayout->addWidget(poolHelp);
    poolLayout->addLayout(poolRow);

    auto* box = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);

    sessionNote_ = new QLabel;
    sessionNote_->setObjectName(QStringLiteral("sessionNote"));
    sessionNote_->setWordWrap(true);
    sessionNote_->setTextFormat(Qt::PlainText);
    sessionNote_->hide();

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(sessionNote_);
    layout->addWidget(libraryBox, 1);
    layout->addWidget(poolBox);
    layout->addWidget(box);

    connect(add_, &QPushButton::clicked, this, &SettingsDialog::addFolderInteractive);
    connect(remove_, &QPushButton::clicked, this, &SettingsDialog::removeSelected);
    connect(up_, &QPushButton::clicked, this, [this] { moveSelected(-1); });
    connect(down_, &QPushButton::clicked, this, [this] { moveSelected(+1); });
    connect(browse, &QPushButton::clicked, this, &SettingsDialog::browseWarmPool);
    connect(folders_, &QListWidget::currentRowChanged, this, &SettingsDialog::updateButtons);
    connect(box, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(box, &QDialogButtonBox::rejected, this, &QDialog::reject);
    updateButtons();
}

void SettingsDialog::setLibraryFolders(const QStringList& folders) {
    folders_->clear();
    for (const QString& f : folders) addFolder(f);
    updateButtons();
}

QStringList SettingsDialog::libraryFolders() const {
    QStringList out;
    for (int i = 0; i < folders_->count(); ++i) out << folders_->item(i)->text();
    return out;
}

void SettingsDialog::setWarmPool(const QString& folder) { warmPool_->setText(folder); }

QString SettingsDialog::warmPool() const { return warmPool_->text().trimmed(); }

void SettingsDialog::setSessionNote(const QString& text) {
    sessionNote_->setText(text);
    sessionNote_->setVisible(!text.isEmpty());
}

QString SettingsDialog::sessionNote() const { return sessionNote_->text(); }

void SettingsDialog::addFolder(const QString& folder) {
    const QString clean = QDir::cleanPath(folder);
    if (clean.isEmpty() || !folders_->findItems(clean, Qt::MatchExactly).isEmpty()) return;
    auto* item = new QListWidgetItem(icon(QStringLiteral("library")), clean, folders_);
    if (!QFileInfo::exists(clean)) {
        item->setForeground(QColor(0xb3, 0x26, 0x1e));
        item->setToolTip(tr("This folder does not exist (it is skipped when scanning)"));
    }
    folders_->setCurrentItem(item);
    updateButtons();
}

void SettingsDialog::addFolderInteractive() {
    const QString start = folders_->currentItem() ? folders_->currentItem()->text() : QDir::homePath();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Add a library folder"), start);
    if (!dir.isEmpty()) addFolder(dir);
}

void SettingsDialog::removeSelected() {
    delete folders_->takeItem(folders_->currentRow());
    updateButtons();
}

void SettingsDialog::moveSelected(int delta) {
    const int row = folders_->currentRow();
    const int target = row + delta;
    if (row < 0 || target < 0 || target >= folders_->count()) return;
    QListWidgetItem* item = folders_->takeItem(row);
    folders_->insertItem(target, item);
    folders_->setCurrentRow(target);
}

void SettingsDialog::browseWarmPool() {
    const QString start = warmPool().isEmpty() ? QDir::homePath() : warmPool();
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Choose the warm-pool folder"), start);
    if (!dir.isEmpty()) warmPool_->setText(QDir::cleanPath(dir));
}

void SettingsDialog::updateButtons() {
    const int row = folders_->currentRow();
    remove_->setEnabled(row >= 0);
    up_->setEnabled(row > 0);
    down_->setEnabled(row >= 0 && row + 1 < folders_->count());
}

}  // namespace awq::ui
