#pragma once
// "Will it run on my card?": awq::planMemory for the selected model on the detected GPU or a card
// size the user picks, at a context length the user picks. Shows weights, KV cache per token and
// per sequence, how many sequences fit, a verdict, and a bar of how the card's memory is spent.
#include "core/system/gpu_probe.h"
#include "core/system/memory_plan.h"
#include "ui/util/catalog_table_model.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QStackedWidget;

namespace awq::ui {

class MemoryPlanView : public QWidget {
    Q_OBJECT
public:
    explicit MemoryPlanView(QWidget* parent = nullptr);

    void setEntry(CatalogEntryPtr entry);
    void setGpus(const GpuProbeResult& probe);

    // The card the plan is for; selects a detected GPU or one of the common sizes.
    bool selectGpuSizeGiB(int gib);
    void setContextLength(int tokens);

    QComboBox* gpuChoice() const { return gpu_; }
    QSpinBox* contextLength() const { return context_; }
    const std::optional<MemoryPlan>& plan() const { return plan_; }
    QString verdict() const;
    QString unavailableReason() const;   // why there is no plan (GGUF, broken, nothing selected)

Q_SIGNALS:
    void planChanged();

private:
    void rebuildGpuChoices(const GpuProbeResult& probe);
    void recompute();
    void showPlan(const MemoryPlan& plan, std::uint64_t cardBytes);
    void updateChart(const MemoryPlan& plan, std::uint64_t cardBytes, std::uint64_t overhead);
    void showUnavailable(const QString& reason);

    CatalogEntryPtr entry_;
    GpuProbeResult probe_;
    std::optional<MemoryPlan> plan_;
    bool contextTouchedByUser_ = false;
    bool settingContext_ = false;

    QStackedWidget* stack_ = nullptr;
    QLabel* unavailable_ = nullptr;
    QComboBox* gpu_ = nullptr;
    QSpinBox* context_ = nullptr;
    QComboBox* kvType_ = nullptr;
    QDoubleSpinBox* utilization_ = nullptr;
    QLabel* weights_ = nullptr;
    QLabel* kvPerToken_ = nullptr;
    QLabel* kvPerSequence_ = nullptr;
    QLabel* budget_ = nullptr;
    QLabel* kvBudget_ = nullptr;
    QLabel* tokens_ = nullptr;
    QLabel* sequences_ = nullptr;
    QLabel* verdict_ = nullptr;
    QCustomPlot* chart_ = nullptr;
};

}  // namespace awq::ui
