#pragma once
// The Models page: every model in the library folders and the warm pool, in a sortable, filterable
// table, scanned in the background, with the selected model's details below.
#include "core/library/catalog.h"
#include "core/system/gpu_probe.h"
#include "ui/util/catalog_table_model.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QMenu;
class QProgressBar;
class QTableView;
class QToolButton;

namespace awq::ui {

class CatalogFilterProxy;
class JobRunner;
class ModelDetailPane;

class ModelsPage : public QWidget {
    Q_OBJECT
public:
    explicit ModelsPage(QWidget* parent = nullptr);
    ~ModelsPage() override;

    void setRoots(const LibraryRoots& roots);      // does not scan; call rescan()
    const LibraryRoots& roots() const { return roots_; }

    // Scans the roots off the GUI thread (core scanLibrary through a JobRunner); a scan in flight is
    // stopped and its late results dropped.
    void rescan();
    void cancelScan();
    bool isScanning() const;
    bool hasScanned() const { return scans_ > 0; }
    static constexpr int kScanProgressIntervalMs = 50;

    void focusFilter();
    void setFilterText(const QString& text);
    bool selectModel(const QString& name);        // selects the first row with that name
    CatalogEntryPtr selectedEntry() const;
    void setGpus(const GpuProbeResult& probe);

    // The row's actions (the table's context menu): Quantize…, Compare with ▸ (each other model of the
    // same vocabulary; the rest under "Other models ▸"; a name another model shares with the tail of
    // its parent folder), Add to warm pool, Open folder. Disabled where they do not apply (a broken model, a GGUF file,
    // an already quantized model for Quantize). The caller owns the menu.
    QMenu* contextMenuFor(const CatalogEntryPtr& entry, QWidget* parent = nullptr);

    CatalogTableModel* catalog() const { return model_; }
    CatalogFilterProxy* proxy() const { return proxy_; }
    QTableView* table() const { return table_; }
    ModelDetailPane* detail() const { return detail_; }
    QLineEdit* filterEdit() const { return filter_; }
    int visibleRowCount() const;

Q_SIGNALS:
    void scanStarted();
    void scanProgress(int found, int described, const QString& current);   // at most every 50 ms, the last always
    void scanFinished(int models, int broken, bool cancelled);
    void statusMessage(const QString& text);
    void quantizeRequested(const QString& path);
    void compareRequested(const QString& path, const QString& otherPath);
    void addToPoolRequested(const QString& path);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;   // the table's viewport resized: fitColumns()

private:
    void onScanProgress(int found, int described, const QString& current);
    // foldersNotSearched: folders at the scan's depth bound with subfolders left unsearched (said in the status).
    void onScanFinished(std::vector<CatalogEntry> entries, bool cancelled, std::size_t foldersNotSearched = 0);
    void onSelectionChanged();
    void updateCount();
    void fitColumns();
    void updateEmptyHint();

    LibraryRoots roots_;
    int scans_ = 0;
    JobRunner* scanner_ = nullptr;
    CatalogTableModel* model_ = nullptr;
    CatalogFilterProxy* proxy_ = nullptr;
    QLineEdit* filter_ = nullptr;
    QLabel* count_ = nullptr;
    QProgressBar* progress_ = nullptr;
    QToolButton* rescan_ = nullptr;
    QToolButton* cancel_ = nullptr;
    QTableView* table_ = nullptr;
    QLabel* emptyHint_ = nullptr;
    ModelDetailPane* detail_ = nullptr;
};

}  // namespace awq::ui
