#pragma once
// The Compare page: any two library models A and B, shared generation settings, both loaded at
// once on worker threads; tabs for Chat (two panes streaming together), Battery, Quality and the
// concurrency Sweep. A or B may be an OpenAI endpoint (URL, served model, the API key's environment
// variable; the key is never stored). One comparison is one run document (RUN.json,
// docs/run-format.md) in the runs folder: the battery, quality and sweep of the loaded A/B pair all
// go into it, where the Reports page finds it. The page can also start the local OpenAI server
// (core/serve/local_server.h) on the chosen model folders and take it as an endpoint.
#include "core/run/run_document.h"
#include "ui/util/catalog_table_model.h"

#include <QWidget>

#include <functional>
#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QToolButton;

namespace awq {
struct Conversation;
}
namespace awq::serve {
class LocalServer;
}

namespace awq::ui {

class BatteryView;
class ElidedLabel;
class ChatView;
class CompareSession;
class ModelPicker;
class QualityView;
class SweepView;
class TimelineView;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    enum Tab { ChatTab, BatteryTab, QualityTab, SweepTab, TimelineTab };

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
    // Slot 0 = A, 1 = B compares an endpoint (url, served model name: "" = the first it lists,
    // the environment variable holding its API key: "" = none), or again its library model.
    void setEndpoint(int slot, const QString& url, const QString& model = {}, const QString& keyEnv = {});
    void clearEndpoint(int slot);
    bool isEndpoint(int slot) const;
    // What the page says cannot be measured for the loaded endpoint(s) ("" when none is loaded).
    QString endpointNote() const;

    // The local OpenAI-compatible server on the chosen model folders (A's and B's that are not
    // endpoints), bound to the host / port fields; false with the reason in the page when it cannot listen.
    bool startServer();
    void stopServer();           // also on window close (MainWindow) and with the page
    bool serverRunning() const;
    bool serverReady() const;    // its models are loaded
    QString serverUrl() const;   // "http://127.0.0.1:8000/v1" while running, else ""
    QStringList serverModels() const;
    // Takes the running server as the endpoint of a slot (its first model).
    void useServerAs(int slot);
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
    // Profiles a decode step of both loaded model folders on the worker thread (the Timeline tab).
    void runTimeline();
    // Sends to both loaded models. Before "Load both" it loads the chosen pair and sends once both
    // are loaded; without a pair, or while something runs, it says why in the status line.
    void sendChat(const QString& message);
    void regenerateChat();   // both models answer the last message again
    void cancel();
    // What runs now and is worth a word before quitting ("battery", "quality check", "sweep",
    // "timeline", "chat", "load"); empty while idle. busyChanged(false) follows a cancel().
    QString runningWork() const;
    // Asks the user a yes / no question (the system prompt changed mid-conversation: start a new
    // one?); a QMessageBox unless a test sets another.
    void setConfirmer(std::function<bool(const QString& question)> confirmer) { confirm_ = std::move(confirmer); }

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
    TimelineView* timeline() const { return timeline_; }
    CompareSession* session() const { return session_; }
    QString lastRunFile() const { return lastRunFile_; }
    QLineEdit* serverHostEdit() const { return serverHost_; }
    QSpinBox* serverPortSpin() const { return serverPort_; }
    QPushButton* serverButton() const { return serverButton_; }
    QLineEdit* serverUrlEdit() const { return serverUrl_; }
    QLabel* serverState() const { return serverState_; }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;   // the speed note's resizes

Q_SIGNALS:
    void modelsLoadedChanged(bool loaded);
    void pairChosen(const QString& a, const QString& b);   // the user chose this A/B pair (remember it)
    void runFinished(const QString& kind, bool cancelled);
    void runSaved(const QString& file);
    void statusMessage(const QString& text);
    void serverStateChanged(bool running, bool ready);
    void busyChanged(bool busy);   // a load, chat, battery, quality check, sweep or timeline started / ended

private:
    CatalogTableModel* catalog_ = nullptr;
    bool pairChosen_ = false;   // restoreModels / setModels / the user's pick: no default pair any more
    QWidget* buildModelsBar();
    QWidget* buildSettingsBar();
    QWidget* buildServerBar();
    void updateServerControls();
    QString sourceKey(int slot) const;   // the picker's path, or the endpoint as the session keys it
    void updateControls();
    void updateNames();
    // The Quality tab's ctx box stops at the smaller context of the loaded model folders (none
    // when the pair is not loaded).
    void limitQualityContext();
    void updateModelInfo();      // origin and path under each picker, the reference warning
    void notePairChosen();
    // Nothing chosen yet (first start: no remembered pair, no "Compare with…", no pick): A and B
    // become a library model and its quantized sibling (<name>-awq first, then <name>-<other>), or
    // stay empty; never two unrelated models, nor a warm-pool copy (it may have changed since it
    // was verified).
    void applyDefaultPair();
    void updateDeviceLabel();    // from the device choice, on this machine
    void updateSetupSummary();
    // Explains a quantized model slower than its original (tokens/s of A and B on this device).
    // The speed note for figures measured the same way for A and B (`figure` names them).
    void explainSpeeds(double aTps, double bTps, const std::string& figure);
    void explainChatSpeeds();   // from the last exchange's decode speed (TPOT) of both replies
    void showSpeedNote(const std::optional<std::string>& note);
    QString shortName(int slot) const;
    RunDocument newDocument(const std::string& kind) const;
    // The loaded pair's run document with `section` filled in (the battery, quality or sweep),
    // saved over the same file: one comparison, one run.
    void saveToComparison(const std::function<void(RunDocument&)>& section, bool cancelled);
    void saveRun(RunDocument& doc);   // pending timeline traces are written beside it
    void report(const QString& text, bool error = false);
    void clearError();   // the status line, when it shows an error
    void saveConversation();          // the chat's conversation, atomically, to its own file
    void saveVotesToComparison(const Conversation& c);
    void refreshSavedConversations();
    bool conversationMatchesModels() const;   // its A and B are the chosen pair
    void restoreConversationIntoModels();
    void startNewConversation();      // the New conversation button: an empty one, errors cleared

    CompareSession* session_ = nullptr;
    QString runsFolder_;
    QString conversationsFolder_;
    QString conversationFile_;
    bool restorePending_ = false;   // an opened conversation waits for its models to be loaded
    QString lastRunFile_;
    QString runKind_;   // what runs now ("battery", "quality", "sweep", "chat", "load")
    QString endedRunKind_;   // runKind_ of the run that ended last (its failure is reported after the session went idle)
    QString pendingChat_;   // typed before the models were loaded: sent when they are
    std::function<bool(const QString&)> confirm_;

    ModelPicker* pickers_[2] = {};
    QLabel* modelStatus_[2] = {};
    QLabel* modelPath_[2] = {};
    QLabel* referenceWarning_ = nullptr;
    QCheckBox* endpointCheck_[2] = {};
    QWidget* endpointRow_[2] = {};
    QLineEdit* endpointUrl_[2] = {};
    QLineEdit* endpointModel_[2] = {};
    QLineEdit* endpointKeyEnv_[2] = {};
    QLabel* endpointNote_ = nullptr;
    std::optional<RunDocument> comparison_;   // the loaded pair's run document
    QString comparisonFile_;
    std::unique_ptr<serve::LocalServer> server_;
    QStringList servedFolders_;   // the server's model folders, in the order of its model ids
    QLineEdit* serverHost_ = nullptr;
    QSpinBox* serverPort_ = nullptr;
    QPushButton* serverButton_ = nullptr;
    QLineEdit* serverUrl_ = nullptr;
    QPushButton* serverCopy_ = nullptr;
    QPushButton* serverUseB_ = nullptr;
    QLabel* serverState_ = nullptr;
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
    std::optional<double> chatTpotMs_[2];   // the last exchange's decode speed per slot (the speed note)
    bool chatReplied_[2] = {false, false};
    QTabWidget* tabs_ = nullptr;
    QToolButton* setupFold_ = nullptr;
    ElidedLabel* setupSummary_ = nullptr;
    QWidget* setup_ = nullptr;
    ChatView* chat_ = nullptr;
    BatteryView* battery_ = nullptr;
    QualityView* quality_ = nullptr;
    SweepView* sweep_ = nullptr;
    TimelineView* timeline_ = nullptr;
};

}  // namespace awq::ui
