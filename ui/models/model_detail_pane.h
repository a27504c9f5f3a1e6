#pragma once
// The lower half of the Models page: everything about the selected model. A header with its name,
// path and state (OK / warnings / broken reason), the facts list, and tabs for the memory plan, the
// tensor table and (GGUF) the metadata key/values.
#include "core/system/gpu_probe.h"
#include "ui/util/catalog_table_model.h"

#include <QWidget>

class QLabel;
class QLineEdit;
class QScrollArea;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace awq::ui {

class GgufMetadataModel;
class MemoryPlanView;
class ModelFactsView;
class TensorTableModel;

class ModelDetailPane : public QWidget {
    Q_OBJECT
public:
    explicit ModelDetailPane(QWidget* parent = nullptr);

    void showEntry(CatalogEntryPtr entry);
    void clearEntry();
    void setGpus(const GpuProbeResult& probe);

    CatalogEntryPtr entry() const { return entry_; }
    QString title() const;
    QString problemText() const;     // the broken reason or the warnings, as shown in the header

    ModelFactsView* facts() const { return facts_; }
    TensorTableModel* tensors() const { return tensors_; }
    GgufMetadataModel* ggufMetadata() const { return gguf_; }
    MemoryPlanView* memoryPlan() const { return plan_; }
    QTabWidget* tabs() const { return tabs_; }

    enum Tab { MemoryPlanTab, TensorsTab, GgufMetadataTab };
    void showTab(Tab tab);

private:
    void updateTabs();

    CatalogEntryPtr entry_;
    QLabel* title_ = nullptr;
    QLabel* subtitle_ = nullptr;
    QLabel* problem_ = nullptr;
    ModelFactsView* facts_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    MemoryPlanView* plan_ = nullptr;
    QScrollArea* planScroll_ = nullptr;   // the plan's tab: it scrolls rather than set the pane's height
    TensorTableModel* tensors_ = nullptr;
    QSortFilterProxyModel* tensorProxy_ = nullptr;
    QTableView* tensorTable_ = nullptr;
    QLineEdit* tensorFilter_ = nullptr;
    QTableView* ggufTable_ = nullptr;
    QLabel* tensorSummary_ = nullptr;
    GgufMetadataModel* gguf_ = nullptr;
    QWidget* tensorPage_ = nullptr;
    QWidget* ggufPage_ = nullptr;
};

}  // namespace awq::ui
