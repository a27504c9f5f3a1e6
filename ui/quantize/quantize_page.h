#pragma once
// The Quantize page: pick a library model, method, group size, calibration and device, check the
// job before it starts (pre-flight), run it on a worker thread with progress, a per-layer table,
// a live memory chart and the job's log; cancel at any time and resume an interrupted job. A
// finished model is announced (the window rescans the library) and can be compared with its source.
// New models go into the output folder the window gives (the user's library folder, or the last
// folder chosen here); layers are numbered from 1 everywhere the user reads them.
#include "core/quant/eta_countdown.h"
#include "core/quant/quantize_job.h"
#include "core/quant/quantize_preflight.h"
#include "ui/util/catalog_table_model.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include <memory>

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QFrame;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QTimer;

namespace awq::ui {

class JobRunner;
class MemoryChart;
class ModelPicker;
class PreflightView;
class SystemMonitor;

class QuantizePage : public QWidget {
    Q_OBJECT
public:
    enum LayerColumn { LayerCol, StageCol, ErrorCol, TimeCol, LayerColumnCount };

    // `monitor`: the app's GPU / memory sampler (the memory chart's samples); null: the page makes its own.
    explicit QuantizePage(SystemMonitor* monitor = nullptr, QWidget* parent = nullptr);
    ~QuantizePage() override;

    void setCatalog(CatalogTableModel* catalog);   // the library (owned by the Models page)
    bool selectSource(const QString& path);

    // The folder new models are written into (<folder>/<source name>-awq). Empty: beside the source.
    void setOutputFolder(const QString& folder);
    QString outputFolder() const { return outputFolder_; }

    QuantizeSettings currentSettings() const;
    // Starts the pre-flight now, off the GUI thread (it also runs shortly after each change); a
    // check in flight is replaced. The passed pre-flight is handed to the job Start (or Resume) runs.
    // From the change until the verdict arrives the panel says "Checking…" and Start is disabled.
    // With an interrupted job in <output>.partial the check is of resuming it (the job's own resume
    // check): settings it would refuse are a problem naming them, and Resume is disabled until they
    // match again.
    void refreshPreflight();
    bool preflightPending() const;     // a check is in flight (Start waits for it)
    bool isRunning() const;
    // Where a running job is, for a question before quitting: "layer 3 of 8" (the layer in flight,
    // from 1), or "starting" before it knows its layers; empty while no job runs.
    QString runningJobProgress() const;
    bool hasInterruptedJob() const;    // quantizeWorkFolderFor(output) exists

    void start();                      // a fresh job (the Start button)
    void resume();                     // continues the interrupted job (the Resume button)
    void discardInterruptedJob();      // deletes <output>.partial without asking (the Discard button asks first)
    void cancel();
    // Sets the form to the interrupted job's settings (its journal: method, group, calibration,
    // samples, sequence length, grid, GPTQ's), keeping source, output and device, and checks again,
    // so Resume is enabled. The banner's "Use the interrupted job's settings", shown while the
    // form's settings keep Resume disabled. False when there is no readable journal.
    bool useInterruptedJobSettings();

    // A timed layer (the time estimate's probe) older than this is timed again before Start runs the
    // job (default kPreflightProbeMaxAgeSeconds; tests shorten it).
    void setProbeMaxAgeSeconds(double seconds) { probeMaxAgeSeconds_ = seconds; }
    std::shared_ptr<const QuantizePreflight> lastPreflight() const { return checked_; }

    ModelPicker* sourcePicker() const { return source_; }
    QComboBox* methodChoice() const { return method_; }
    QComboBox* groupChoice() const { return group_; }
    QComboBox* calibrationChoice() const { return calibration_; }
    QLineEdit* calibrationFilesEdit() const { return calibrationFiles_; }
    QSpinBox* samplesSpin() const { return samples_; }
    QSpinBox* seqlenSpin() const { return seqlen_; }
    QSpinBox* gridSpin() const { return grid_; }
    QCheckBox* actOrderCheck() const { return actOrder_; }
    QCheckBox* symmetricCheck() const { return symmetric_; }
    QDoubleSpinBox* dampSpin() const { return damp_; }
    QComboBox* deviceChoice() const { return device_; }
    QLineEdit* outputEdit() const { return output_; }
    PreflightView* preflight() const { return preflight_; }
    QPushButton* startButton() const { return start_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* resumeButton() const { return resume_; }
    QPushButton* discardButton() const { return discard_; }
    QPushButton* useJobSettingsButton() const { return useJobSettings_; }
    QPushButton* compareButton() const { return compare_; }
    QProgressBar* progressBar() const { return progress_; }
    QLabel* statusLabel() const { return status_; }
    QTableWidget* layerTable() const { return layers_; }
    MemoryChart* memoryChart() const { return chart_; }
    QPlainTextEdit* jobLog() const { return log_; }

Q_SIGNALS:
    // A pre-flight verdict is shown (preflight()->canStart() is now this check's): after the check
    // refreshPreflight started has returned, or at once from within refreshPreflight when there is
    // nothing to check (no source or output chosen). The one way to wait for the asynchronous check.
    void preflightChecked();
    void jobStarted();
    void jobFinished(const QString& output, const QString& source);
    void jobFailed(const QString& message, bool cancelled);
    void modelCreated(const QString& output, const QString& source);   // the library should rescan
    void compareRequested(const QString& source, const QString& quantized);
    void statusMessage(const QString& text);
    void outputFolderChosen(const QString& folder);   // the user started a job into it or browsed to it

protected:
    void showEvent(QShowEvent* event) override;

private:
    bool probeIsOld() const;           // the shown estimate's timed layer is older than probeMaxAgeSeconds_
    void buildForm(QWidget* left);
    void buildRunPanel(QWidget* right);
    void onSourceChanged();
    void onSettingsChanged();
    QuantizeSettings checkSettings() const;   // currentSettings(), resume set when an interrupted job is there
    bool resumeRefused() const;               // the current check says the interrupted job cannot be resumed
    void applyDeviceDefaults();        // samples, sequence length and grid that fit the chosen device
    void fitDefaultSeqlen();           // the device's default sequence length, at most the source's context (until the user sets one)
    void updateDefaultOutput();
    void confirmDiscard();             // the Discard button: asks, then discards
    void rememberOutputFolder(const QString& folder);
    void updateControls();
    void runJob(bool resume);
    void prepareLayerRows(int layers);
    void onPreflightDone(const QuantizeSettings& settings, std::shared_ptr<const QuantizePreflight> preflight, const QString& error);
    void stopSampling();
    void onJobEvent(const QuantizeEvent& e);
    void onJobFinished(const QuantizeSummary& summary);
    void onJobFailed(const QString& message, bool cancelled);
    QString etaText() const;           // " · ETA 1:23", " · finishing layer 3…", or empty before the first finished layer
    void showLayerProgress();          // the bar's "n of m layers" text with the ETA as of now
    void appendLog(const QString& line);
    void setStatus(const QString& text, const QString& color = {});

    JobRunner* runner_ = nullptr;            // the quantize job
    JobRunner* preflightRunner_ = nullptr;   // the pre-flight
    QPointer<SystemMonitor> monitor_;        // may be the main window's (gone before this page)
    bool sampling_ = false;                  // the chart takes the monitor's samples (a job runs)
    bool samplingCuda_ = false;
    QElapsedTimer jobClock_;
    std::shared_ptr<const QuantizePreflight> checked_;   // the last pre-flight shown, of checkedSettings_
    QuantizeSettings checkedSettings_;
    bool startWhenChecked_ = false;          // Start was pressed while the check was stale
    QElapsedTimer checkedClock_;             // since checked_ arrived
    double probeMaxAgeSeconds_ = kPreflightProbeMaxAgeSeconds;
    bool freshProbeNext_ = false;            // the next check times its layer again (Start with an old probe)
    bool everShown_ = false;                 // the page was shown: checks after a change run (before, they wait)
    bool preflightDeferred_ = false;         // a check waits for the page's first showing
    QTimer* preflightTimer_ = nullptr;
    bool outputTouched_ = false;
    bool seqlenChosen_ = false;      // the user set the sequence length: it is theirs, not a default to fit
    bool settingSeqlen_ = false;     // fitDefaultSeqlen is writing the spin box
    bool statusOffersResume_ = false;   // the status line says the job can be resumed
    QString outputFolder_;
    int layersDone_ = 0;
    double layerFraction_ = 0;   // share of the layer in flight done (0..1)
    int layerInFlight_ = -1;     // the row a Stage event last named and no LayerDone finished yet
    int jobLayers_ = 0;
    EtaCountdown eta_;            // from the first layer this run finished, on jobClock_
    QTimer* etaTimer_ = nullptr;  // counts the ETA down between layer completions (1 s)
    QString jobSource_;
    QString jobOutput_;

    ModelPicker* source_ = nullptr;
    QComboBox* method_ = nullptr;
    QComboBox* group_ = nullptr;
    QComboBox* calibration_ = nullptr;
    QLineEdit* calibrationFiles_ = nullptr;
    QPushButton* browseCalibration_ = nullptr;
    QSpinBox* samples_ = nullptr;
    QSpinBox* seqlen_ = nullptr;
    QSpinBox* grid_ = nullptr;
    QCheckBox* actOrder_ = nullptr;  // GPTQ only
    QCheckBox* symmetric_ = nullptr;  // GPTQ only
    QDoubleSpinBox* damp_ = nullptr;  // GPTQ only, percent of the Hessian's mean diagonal
    QComboBox* device_ = nullptr;
    QLineEdit* output_ = nullptr;
    QPushButton* browseOutput_ = nullptr;
    QWidget* form_ = nullptr;
    PreflightView* preflight_ = nullptr;
    QFrame* resumeBanner_ = nullptr;
    QLabel* resumeText_ = nullptr;
    QPushButton* resume_ = nullptr;
    QPushButton* discard_ = nullptr;
    QPushButton* useJobSettings_ = nullptr;
    QPushButton* start_ = nullptr;
    QPushButton* cancel_ = nullptr;

    QProgressBar* progress_ = nullptr;
    QLabel* status_ = nullptr;
    MemoryChart* chart_ = nullptr;
    QTableWidget* layers_ = nullptr;
    QPlainTextEdit* log_ = nullptr;
    QFrame* resultBar_ = nullptr;
    QLabel* resultText_ = nullptr;
    QPushButton* compare_ = nullptr;
};

}  // namespace awq::ui
