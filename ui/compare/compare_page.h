#pragma once
// The Compare page: any two library models A and B, shared generation settings, both loaded at
// once on worker threads; tabs for Chat (two panes streaming together), Battery, Quality and the
// concurrency Sweep. Every battery, quality and sweep run is saved as a run document (RUN.json,
// docs/run-format.md) in the runs folder, where the Reports page finds it.
#include "core/compare/run_document.h"
#include "ui/models/catalog_table_model.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace awq::ui {

class BatteryView;
class ChatView;
class CompareSession;
class ModelPicker;
class QualityView;
class SweepView;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    enum Tab { ChatTab, BatteryTab, QualityTab, SweepTab };

    explicit ComparePage(QWidget* parent = nullptr);
    ~ComparePage() override;

    void setCatalog(CatalogTableModel* catalog);
    void setRunsFolder(const QString& folder);
    QString runsFolder() const { return runsFolder_; }

    // Chooses A and B (now, or as soon as the library lists them) and shows the page's models.
    void setModels(const QString& a, const QString& b);
    void loadModels();
    bool modelsLoaded() const;   // the chosen A and B are the loaded ones
    RunSettings runSettings() const;

    void runBattery();
    void runQuality();
    void runSweep();
    void sendChat(const QString& message);
    void cancel();

    ModelPicker* pickerA() const { return pickers_[0]; }
    ModelPicker* pickerB() const { return pickers_[1]; }
    QPushButton* loadButton() const { return load_; }
    QLabel* modelStatus(int slot) const { return modelStatus_[slot]; }
    QSpinBox* maxNewSpin() const { return maxNew_; }
    QComboBox* deviceChoice() const { return device_; }
    QTabWidget* tabs() const { return tabs_; }
    ChatView* chat() const { return chat_; }
    BatteryView* battery() const { return battery_; }
    QualityView* quality() const { return quality_; }
    SweepView* sweep() const { return sweep_; }
    CompareSession* session() const { return session_; }
    QString lastRunFile() const { return lastRunFile_; }

Q_SIGNALS:
    void modelsLoadedChanged(bool loaded);
    void runFinished(const QString& kind, bool cancelled);
    void runSaved(const QString& file);
    void statusMessage(const QString& text);

private:
    QWidget* buildModelsBar();
    QWidget* buildSettingsBar();
    void updateControls();
    void updateNames();
    QString shortName(int slot) const;
    RunDocument newDocument(const std::string& kind) const;
    void saveRun(const RunDocument& doc);
    void report(const QString& text, bool error = false);

    CompareSession* session_ = nullptr;
    QString runsFolder_;
    QString lastRunFile_;
    QString runKind_;   // what runs now ("battery", "quality", "sweep", "chat", "load")

    ModelPicker* pickers_[2] = {};
    QLabel* modelStatus_[2] = {};
    QPushButton* load_ = nullptr;
    QComboBox* device_ = nullptr;
    QSpinBox* maxNew_ = nullptr;
    QCheckBox* greedy_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* topK_ = nullptr;
    QDoubleSpinBox* topP_ = nullptr;
    QDoubleSpinBox* repetition_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QLabel* status_ = nullptr;
    QTabWidget* tabs_ = nullptr;
    ChatView* chat_ = nullptr;
    BatteryView* battery_ = nullptr;
    QualityView* quality_ = nullptr;
    SweepView* sweep_ = nullptr;
};

}  // namespace awq::ui
