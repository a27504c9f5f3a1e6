#pragma once
// The Compare page: any two library models A and B, shared generation settings, both loaded at
// once on worker threads; tabs for Chat (two panes streaming together), Battery, Quality and the
// concurrency Sweep. Every battery, quality and sweep run is saved as a run document (RUN.json,
// docs/run-format.md) in the runs folder, where the Reports page finds it.
#include "core/compare/run_document.h"
#include "ui/models/catalog_table_model.h"

#include <QWidget>

#include <functional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;

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
    // Where each chat conversation is saved as a file of its own (default: "conversations" beside
    // the runs folder); the Chat tab lists them for opening.
    void setConversationsFolder(const QString& folder);
    QString conversationsFolder() const;
    QString conversationFile() const { return conversationFile_; }   // the file of the shown conversation
    // Shows a saved conversation and chooses its A and B; once they are loaded it can be continued.
    bool openConversation(const QString& file);

    // Chooses A and B (now, or as soon as the library lists them) and shows the page's models.
    // Counts as the user's choice: pairChosen is emitted.
    void setModels(const QString& a, const QString& b);
    // Chooses A and B remembered from an earlier session, without emitting pairChosen.
    void restoreModels(const QString& a, const QString& b);
    // The B last compared with a given A (by path), chosen when the user picks that A again.
    void setPartnerLookup(std::function<QString(const QString& a)> lookup) { partnerOf_ = std::move(lookup); }
    void swapModels();           // A <-> B (the Swap button)
    // Shown when A is quantized and B is not: KLD and agreement "vs A" would take the quantized
    // model as the reference.
    bool referenceWarningShown() const;
    QString referenceWarning() const;
    // The device every speed figure of the page names, and (when the quantized model of the pair
    // came out slower on the CPU) why; empty when there is nothing to explain.
    QString deviceLabel() const { return deviceLabel_; }
    QString speedNote() const;
    void loadModels();
    bool modelsLoaded() const;   // the chosen A and B are the loaded ones
    RunSettings runSettings() const;

    void runBattery();
    void runQuality();
    void runSweep();
    // Sends to both loaded models. Before "Load both" it loads the chosen pair and sends once both
    // are loaded; without a pair, or while something runs, it says why in the status line.
    void sendChat(const QString& message);
    void regenerateChat();   // both models answer the last message again
    void cancel();

    ModelPicker* pickerA() const { return pickers_[0]; }
    ModelPicker* pickerB() const { return pickers_[1]; }
    QPushButton* loadButton() const { return load_; }
    QPushButton* swapButton() const { return swap_; }
    QLabel* modelPath(int slot) const { return modelPath_[slot]; }
    QLabel* modelStatus(int slot) const { return modelStatus_[slot]; }
    QSpinBox* maxNewSpin() const { return maxNew_; }
    QComboBox* deviceChoice() const { return device_; }
    QTabWidget* tabs() const { return tabs_; }
    QString statusText() const;   // the page's status line (what was done, or why not)
    // The models and generation bars, folded to a one-line summary or shown (the fold button).
    void setSetupExpanded(bool expanded);
    bool setupExpanded() const;
    QToolButton* setupFoldButton() const { return setupFold_; }
    ChatView* chat() const { return chat_; }
    BatteryView* battery() const { return battery_; }
    QualityView* quality() const { return quality_; }
    SweepView* sweep() const { return sweep_; }
    CompareSession* session() const { return session_; }
    QString lastRunFile() const { return lastRunFile_; }

Q_SIGNALS:
    void modelsLoadedChanged(bool loaded);
    void pairChosen(const QString& a, const QString& b);   // the user chose this A/B pair (remember it)
    void runFinished(const QString& kind, bool cancelled);
    void runSaved(const QString& file);
    void statusMessage(const QString& text);

private:
    QWidget* buildModelsBar();
    QWidget* buildSettingsBar();
    void updateControls();
    void updateNames();
    void updateModelInfo();      // origin and path under each picker, the reference warning
    void notePairChosen();
    void updateDeviceLabel();    // from the device choice, on this machine
    void updateSetupSummary();
    // Explains a quantized model slower than its original (tokens/s of A and B on this device).
    void explainSpeeds(double aTps, double bTps);
    QString shortName(int slot) const;
    RunDocument newDocument(const std::string& kind) const;
    void saveRun(const RunDocument& doc);
    void report(const QString& text, bool error = false);
    void saveConversation();          // the chat's conversation, atomically, to its own file
    void refreshSavedConversations();
    bool conversationMatchesModels() const;   // its A and B are the chosen pair
    void restoreConversationIntoModels();

    CompareSession* session_ = nullptr;
    QString runsFolder_;
    QString conversationsFolder_;
    QString conversationFile_;
    bool restorePending_ = false;   // an opened conversation waits for its models to be loaded
    QString lastRunFile_;
    QString runKind_;   // what runs now ("battery", "quality", "sweep", "chat", "load")
    QString pendingChat_;   // typed before the models were loaded: sent when they are

    ModelPicker* pickers_[2] = {};
    QLabel* modelStatus_[2] = {};
    QLabel* modelPath_[2] = {};
    QLabel* referenceWarning_ = nullptr;
    QPushButton* swap_ = nullptr;
    QPushButton* load_ = nullptr;
    std::function<QString(const QString&)> partnerOf_;
    QComboBox* device_ = nullptr;
    QSpinBox* maxNew_ = nullptr;
    QCheckBox* greedy_ = nullptr;
    QDoubleSpinBox* temperature_ = nullptr;
    QSpinBox* topK_ = nullptr;
    QDoubleSpinBox* topP_ = nullptr;
    QDoubleSpinBox* repetition_ = nullptr;
    QSpinBox* seed_ = nullptr;
    QLabel* status_ = nullptr;
    QLabel* speedNote_ = nullptr;
    QString deviceLabel_;
    double chatTps_[2] = {0, 0};
    QTabWidget* tabs_ = nullptr;
    QToolButton* setupFold_ = nullptr;
    QLabel* setupSummary_ = nullptr;
    QWidget* setup_ = nullptr;
    ChatView* chat_ = nullptr;
    BatteryView* battery_ = nullptr;
    QualityView* quality_ = nullptr;
    SweepView* sweep_ = nullptr;
};

}  // namespace awq::ui
