#pragma once
// The Reports page: pick a saved run (RUN.json) from the runs folder or anywhere on disk, preview
// its report (HTML with the charts, or the Markdown text), and export it as HTML, Markdown, PDF or
// JSON. Rendering is core/report; a report renders in milliseconds, so no worker thread is needed.
#include "core/report/report_export.h"
#include "core/run/run_document.h"

#include <QString>
#include <QWidget>

#include <map>
#include <optional>

class QComboBox;
class QFileSystemWatcher;
class QTimer;
class QLabel;
class QListWidget;
class QPushButton;
class QTextBrowser;

namespace awq::ui {

class ReportsPage : public QWidget {
    Q_OBJECT
public:
    enum class Preview { Html, Markdown };
    // Each run list item's data: the file's path, and (true) that it is no run document this
    // version reads (invalid JSON, another format or version); its reason is the item's tooltip.
    static constexpr int PathRole = Qt::UserRole + 1;
    static constexpr int UnreadableRole = Qt::UserRole + 2;

    // `runsFolder` empty: appDataFolder("runs") (ui/util/data_folders.h), as AppSettings::runsFolder.
    explicit ReportsPage(const QString& runsFolder = {}, QWidget* parent = nullptr);
    ~ReportsPage() override;

    // Lists the folder's *.json files (not timeline traces), newest first by the time each run was
    // made ("created" in the run document), else by the file's modification time. A readable run
    // shows its models ("A vs B"), then its kind, "cancelled" when it was stopped, and that time; an
    // unreadable one is greyed, says "Unreadable" and why (whole in its tooltip). Long lines are
    // elided in the middle to the list's width (no horizontal scroll bar).
    void setRunsFolder(const QString& folder);
    QString runsFolder() const { return runsFolder_; }
    void refreshRuns();

    // Loads and previews a run; on failure shows the error (naming the file) and returns false.
    bool openRun(const QString& file);
    const RunDocument* currentRun() const { return run_ ? &*run_ : nullptr; }
    QString currentFile() const { return currentFile_; }

    void setPreview(Preview preview);
    Preview preview() const { return preview_; }
    // Writes the current run's report; false (and the error shown) when it fails or no run is open.
    bool exportCurrent(report::ReportFormat format, const QString& file);

    QListWidget* runList() const { return runs_; }
    QTextBrowser* previewBrowser() const { return browser_; }
    QComboBox* previewChoice() const { return previewChoice_; }
    QPushButton* exportButton(report::ReportFormat format) const;
    QLabel* messageLabel() const { return message_; }

Q_SIGNALS:
    void runOpened(const QString& file);
    void reportExported(const QString& file);
    void statusMessage(const QString& text);

private:
    void chooseFolder();
    void openDialog();
    void exportInteractive(report::ReportFormat format);
    void showPreview();
    void showMessage(const QString& text, bool error);
    void updateButtons();
    void watchRunsFolder();   // the folder, or while it is missing its nearest existing ancestor

protected:
    void showEvent(QShowEvent* event) override;

private:
    QString runsFolder_;
    QString currentFile_;
    std::optional<RunDocument> run_;
    Preview preview_ = Preview::Html;

    QLabel* folderLabel_ = nullptr;
    QListWidget* runs_ = nullptr;
    QTextBrowser* browser_ = nullptr;
    QComboBox* previewChoice_ = nullptr;
    QLabel* message_ = nullptr;
    QFileSystemWatcher* watcher_ = nullptr;
    QTimer* refreshTimer_ = nullptr;   // coalesces a burst of folder changes into one refresh
    std::map<report::ReportFormat, QPushButton*> exportButtons_;
};

}  // namespace awq::ui
