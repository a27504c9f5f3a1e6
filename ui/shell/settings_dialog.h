#pragma once
// Settings: the library folders (scanned for Hugging Face model folders and .gguf files) and the
// warm-pool folder (the folder a serving stack loads models from).
#include <QDialog>
#include <QStringList>

class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;

namespace awq::ui {

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    explicit SettingsDialog(QWidget* parent = nullptr);

    void setLibraryFolders(const QStringList& folders);
    QStringList libraryFolders() const;
    void setWarmPool(const QString& folder);
    QString warmPool() const;
    // A note above the settings (empty: hidden), e.g. that this run uses --library folders that the
    // dialog does not show because they are not saved.
    void setSessionNote(const QString& text);
    QString sessionNote() const;

    // Adds a folder to the list (as the "Add…" button does after its file dialog).
    void addFolder(const QString& folder);

private:
    void addFolderInteractive();
    void removeSelected();
    void moveSelected(int delta);
    void browseWarmPool();
    void updateButtons();

    QListWidget* folders_ = nullptr;
    QPushButton* add_ = nullptr;
    QPushButton* remove_ = nullptr;
    QPushButton* up_ = nullptr;
    QPushButton* down_ = nullptr;
    QLineEdit* warmPool_ = nullptr;
    QLabel* sessionNote_ = nullptr;
};

}  // namespace awq::ui
