#include "ui/quantize/quantize_page.h"

#include "core/model/model_files.h"

#include "core/engine/device_check.h"
#include "core/quant/interrupted_job.h"
#include "core/quant/model_writer.h"
#include "core/quant/quantize_defaults.h"
#include "core/quant/quantize_preflight.h"
#include "core/util/error.h"
#include "core/util/folder_lock.h"
#include "ui/util/catalog_text.h"
#include "ui/quantize/memory_chart.h"
#include "ui/util/model_picker.h"
#include "ui/quantize/preflight_view.h"
#include "ui/util/icons.h"
#include "ui/util/job_runner.h"
#include "ui/util/path_text.h"
#include "ui/util/system_monitor.h"
#include "ui/util/view_style.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTableWidget>
#include <QTime>

#include <optional>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>

#include <spdlog/spdlog.h>

#include <filesystem>
#include <utility>

namespace fs = std::filesystem;

namespace awq::ui {
namespace {

// Log lines are read whole up to this many characters ("Time by stage: calibration 0.0 s (0%), ...").
constexpr int kLogColumns = 56;

// The per-layer table and the job's log: side by side when the log gets kLogColumns characters
// beside the table's full width, else the log under the table. Side by side at 1152x720 (and
// still at 1280x800) the log was about 110 px wide and wrapped its lines almost word by word.
class TableAndLogSplitter : public QSplitter {
public:
    TableAndLogSplitter(QWidget* table, QWidget* log, int logWidth) : QSplitter(Qt::Vertical), table_(table), logWidth_(logWidth) {
        setChildrenCollapsible(false);
        addWidget(table);
        addWidget(log);
    }

protected:
    void resizeEvent(QResizeEvent* event) override {
        const bool sideBySide = width() >= table_->minimumWidth() + handleWidth() + logWidth_;
        const Qt::Orientation wanted = sideBySide ? Qt::Horizontal : Qt::Vertical;
        if (wanted != orientation() || !placed_) {
            placed_ = true;
            setOrientation(wanted);
            // Side by side: the table as narrow as it may be, the log the rest; stacked: halves.
            if (sideBySide) setSizes({table_->minimumWidth(), std::max(1, width() - table_->minimumWidth())});
            else setSizes({height() / 2, height() - height() / 2});
        }
        QSplitter::resizeEvent(event);
    }

private:
    QWidget* table_;
    int logWidth_;
    bool placed_ = false;
};

enum CalibrationSource { BundledCalibration, FileCalibration };

QString durationText(double seconds) {
    const int s = static_cast<int>(seconds + 0.5);
    return s >= 3600 ? QStringLiteral("%1:%2:%3").arg(s / 3600).arg(s / 60 % 60, 2, 10, QLatin1Char('0')).arg(s % 60, 2, 10, QLatin1Char('0'))
                     : QStringLiteral("%1:%2").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

QTableWidgetItem* cellItem(const QString& text, Qt::Alignment align = Qt::AlignLeft | Qt::AlignVCenter) {
    auto* item = new QTableWidgetItem(text);
    item->setTextAlignment(align);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

}  // namespace

QuantizePage::QuantizePage(SystemMonitor* monitor, QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("quantizePage"));
    runner_ = new JobRunner(QStringLiteral("quantize-job"), QThread::InheritPriority, this);
    preflightRunner_ = new JobRunner(QStringLiteral("quantize-preflight"), QThread::InheritPriority, this);
    monitor_ = monitor ? monitor : new SystemMonitor({}, this);
    preflightTimer_ = new QTimer(this);
    preflightTimer_->setSingleShot(true);
    preflightTimer_->setInterval(250);   // typing a path should not re-read headers on every key
    etaTimer_ = new QTimer(this);
    etaTimer_->setInterval(1000);
    connect(etaTimer_, &QTimer::timeout, this, [this] {
        if (layersDone_ > 0 && layersDone_ < jobLayers_) showLayerProgress();
    });

    auto* left = new QWidget;
    auto* right = new QWidget;
    buildForm(left);
    buildRunPanel(right);

    auto* split = new QSplitter(Qt::Horizontal);
    split->setObjectName(QStringLiteral("quantizeSplitter"));
    split->setChildrenCollapsible(false);
    split->addWidget(left);
    split->addWidget(right);
    split->setStretchFactor(0, 2);
    split->setStretchFactor(1, 3);
    split->setSizes({430, 650});

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addWidget(split);

    // The check after a change waits until the page is first shown: at start-up it timed its layer
    // while the library scan ran (estimates of 9 to 66 s for jobs of 22-35 s, never corrected).
    connect(preflightTimer_, &QTimer::timeout, this, [this] {
        if (!everShown_) {
            preflightDeferred_ = true;
            return;
        }
        refreshPreflight();
    });
    connect(monitor_, &SystemMonitor::sampled, this, [this](const SystemSample& sample) {
        if (!sampling_) return;   // samples of no job, or in flight when it ended: dropped
        if (const auto m = jobMemory(sample, samplingCuda_)) chart_->addSample(jobClock_.elapsed() / 1000.0, m->usedBytes, m->totalBytes);
    });
    updateControls();
}

QuantizePage::~QuantizePage() { stopSampling(); }

void QuantizePage::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (std::exchange(everShown_, true)) return;
    if (std::exchange(preflightDeferred_, false)) refreshPreflight();
}

bool QuantizePage::probeIsOld() const {
    if (!checked_ || !checked_->layerTimed) return false;   // no layer timed (the FLOP count does not age)
    return checked_->probeAgeSeconds + double(checkedClock_.elapsed()) / 1000.0 > probeMaxAgeSeconds_;
}

void QuantizePage::stopSampling() {
    if (!sampling_) return;
    sampling_ = false;
    if (monitor_) monitor_->endFastSampling();
}

void QuantizePage::buildForm(QWidget* left) {
    source_ = new ModelPicker;
    source_->setObjectName(QStringLiteral("quantizeSource"));
    source_->setToolTip(tr("The model to quantize: an unquantized Hugging Face model from the library"));
    source_->setFilter([](const CatalogEntry& e) { return e.info && e.info->config.quantization.method == QuantMethod::None; });

    method_ = new QComboBox;
    method_->setObjectName(QStringLiteral("quantizeMethod"));
    method_->addItem(tr("AWQ (activation-aware scales and clipping)"), static_cast<int>(QuantMethodChoice::Awq));
    method_->addItem(tr("GPTQ (Hessian-based error feedback, GPTQ checkpoint layout)"), static_cast<int>(QuantMethodChoice::Gptq));
    method_->addItem(tr("RTN (round to nearest, no calibration search)"), static_cast<int>(QuantMethodChoice::Rtn));
    group_ = new QComboBox;
    group_->setObjectName(QStringLiteral("quantizeGroup"));
    for (int g : {128, 64, 32}) group_->addItem(tr("%1").arg(g), g);
    group_->addItem(tr("per channel"), -1);
    group_->setToolTip(tr("Weights per scale and zero point; vLLM's fast Marlin kernel takes 32, 64, 128 or per channel"));

    calibration_ = new QComboBox;
    calibration_->setObjectName(QStringLiteral("quantizeCalibration"));
    calibration_->addItem(tr("Bundled default text"), BundledCalibration);
    calibration_->addItem(tr("Text or JSONL files"), FileCalibration);
    calibrationFiles_ = new QLineEdit;
    calibrationFiles_->setObjectName(QStringLiteral("quantizeCalibrationFiles"));
    calibrationFiles_->setPlaceholderText(tr("file.txt; data.jsonl"));
    calibrationFiles_->setToolTip(tr(".txt: texts separated by blank lines; .jsonl: one {\"text\": ...} per line. Separate files with ;"));
    browseCalibration_ = new QPushButton(tr("Browse…"));
    auto* calibRow = new QHBoxLayout;
    calibRow->setContentsMargins(0, 0, 0, 0);
    calibRow->addWidget(calibrationFiles_, 1);
    calibRow->addWidget(browseCalibration_);
    samples_ = new QSpinBox;
    samples_->setObjectName(QStringLiteral("quantizeSamples"));
    samples_->setRange(1, 4096);
    samples_->setToolTip(tr("Calibration texts (AutoAWQ: 128; CPU default: 32)"));
    seqlen_ = new QSpinBox;
    seqlen_->setObjectName(QStringLiteral("quantizeSeqlen"));
    seqlen_->setRange(8, 8192);
    seqlen_->setSuffix(tr(" tokens"));
    grid_ = new QSpinBox;
    grid_->setObjectName(QStringLiteral("quantizeGrid"));
    grid_->setRange(1, 100);
    grid_->setSuffix(tr(" ratios"));
    grid_->setToolTip(tr("AWQ scale-search candidates per scaling group (AutoAWQ: 20; CPU default: 10). "
                         "Each costs one pass of the layer over the calibration tokens."));
    actOrder_ = new QCheckBox(tr("Quantize columns by descending Hessian diagonal (desc_act)"));
    actOrder_->setObjectName(QStringLiteral("quantizeActOrder"));
    actOrder_->setToolTip(tr("GPTQ act-order: usually a lower error; the checkpoint's g_idx then scatters each group over the "
                             "inputs, which this engine and vLLM's fastest kernels run dequantized or slower"));
    symmetric_ = new QCheckBox(tr("Symmetric grid (sym: zero fixed at 8)"));
    symmetric_->setObjectName(QStringLiteral("quantizeSym"));
    symmetric_->setToolTip(tr("GPTQ sym, the default of GPTQModel and AutoGPTQ: what vLLM's gptq_marlin kernel and GPTQModel's "
                              "loader of v1 checkpoints take. Off: the asymmetric grid, a lower error, which vLLM runs on "
                              "its slower gptq kernel and GPTQModel refuses unless it wrote the file itself"));
    damp_ = new QDoubleSpinBox;
    damp_->setObjectName(QStringLiteral("quantizeDamp"));
    damp_->setRange(0.01, 50.0);
    damp_->setDecimals(2);
    damp_->setSingleStep(0.5);
    damp_->setSuffix(tr(" %"));
    damp_->setValue(QuantizeSettings{}.dampPercent * 100.0);
    damp_->setToolTip(tr("GPTQ damping added to the Hessian's diagonal, as a share of its mean (AutoGPTQ damp_percent: 1%); "
                         "raise it if a layer's Hessian is not positive definite"));

    device_ = new QComboBox;
    device_->setObjectName(QStringLiteral("quantizeDevice"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA GPU"), QStringLiteral("cuda"));
    if (cudaEngineAvailable()) {
        device_->setCurrentIndex(1);
    } else if (auto* items = qobject_cast<QStandardItemModel*>(device_->model())) {
        items->item(1)->setEnabled(false);
        // The CLI's words for the same refusal (awq::deviceUnavailableReason).
        items->item(1)->setToolTip(tr("Not available: %1").arg(QString::fromStdString(deviceUnavailableReason(DeviceKind::Cuda))));
    }
    applyDeviceDefaults();

    output_ = new QLineEdit;
    output_->setObjectName(QStringLiteral("quantizeOutput"));
    output_->setToolTip(tr("The new model's folder; the job works in <folder>.partial until it is complete"));
    browseOutput_ = new QPushButton(tr("Browse…"));
    auto* outRow = new QHBoxLayout;
    outRow->setContentsMargins(0, 0, 0, 0);
    outRow->addWidget(output_, 1);
    outRow->addWidget(browseOutput_);

    auto* job = new QGroupBox(tr("Job"));
    auto* form = new QFormLayout(job);
    form->addRow(tr("Source model"), source_);
    form->addRow(tr("Method"), method_);
    form->addRow(tr("Group size"), group_);
    form->addRow(tr("Calibration"), calibration_);
    form->addRow(tr("Files"), calibRow);
    form->addRow(tr("Samples"), samples_);
    form->addRow(tr("Sequence length"), seqlen_);
    form->addRow(tr("Scale grid"), grid_);
    form->addRow(tr("Act order"), actOrder_);
    form->addRow(tr("Symmetric"), symmetric_);
    form->addRow(tr("Damping"), damp_);
    form->addRow(tr("Device"), device_);
    form->addRow(tr("Output folder"), outRow);
    // A row that is a layout (field + Browse) gets a label without a buddy: name the field.
    for (auto [row, field] : {std::pair<QLayout*, QWidget*>{calibRow, calibrationFiles_}, {outRow, output_}})
        qobject_cast<QLabel*>(form->labelForField(row))->setBuddy(field);
    form_ = job;

    preflight_ = new PreflightView;

    resumeBanner_ = new QFrame;
    resumeBanner_->setObjectName(QStringLiteral("resumeBanner"));
    resumeBanner_->setFrameShape(QFrame::StyledPanel);
    resumeBanner_->setStyleSheet(QStringLiteral("QFrame#resumeBanner { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; }"));
    resumeText_ = new QLabel;
    resumeText_->setWordWrap(true);
    resume_ = new QPushButton(icon(QStringLiteral("rescan")), tr("Resume"));
    resume_->setObjectName(QStringLiteral("quantizeResume"));
    discard_ = new QPushButton(tr("Discard"));
    discard_->setObjectName(QStringLiteral("quantizeDiscard"));
    discard_->setToolTip(tr("Delete the interrupted job's folder and start over"));
    // Shown while the form's settings keep Resume disabled: the journal's settings back into the form
    // (the user had to type --grid, --samples and --seqlen back after a restart).
    useJobSettings_ = new QPushButton(tr("Use the interrupted job's settings"));
    useJobSettings_->setObjectName(QStringLiteral("quantizeUseJobSettings"));
    useJobSettings_->setToolTip(tr("Set the form to the settings the interrupted job was started with, so that it can be resumed"));
    auto* bannerButtons = new QHBoxLayout;
    bannerButtons->addStretch(1);
    bannerButtons->addWidget(useJobSettings_);
    bannerButtons->addWidget(resume_);
    bannerButtons->addWidget(discard_);
    auto* bannerLayout = new QVBoxLayout(resumeBanner_);
    bannerLayout->addWidget(resumeText_);
    bannerLayout->addLayout(bannerButtons);

    start_ = new QPushButton(icon(QStringLiteral("quantize")), tr("Start"));
    start_->setObjectName(QStringLiteral("quantizeStart"));
    start_->setDefault(true);
    cancel_ = new QPushButton(icon(QStringLiteral("cancel")), tr("Cancel"));
    cancel_->setObjectName(QStringLiteral("quantizeCancel"));
    cancel_->setToolTip(tr("Stop within seconds; the finished layers are kept and the job can be resumed"));
    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(cancel_);
    buttons->addWidget(start_);

    // The form and the pre-flight scroll on their own; the resume banner and Start / Cancel stay
    // under them, in view on a 1152x720 window (they used to sit below the page's fold).
    auto* settings = new QWidget;
    auto* settingsLayout = new QVBoxLayout(settings);
    settingsLayout->setContentsMargins(0, 0, 0, 0);
    settingsLayout->addWidget(job);
    settingsLayout->addWidget(preflight_, 1);
    auto* settingsScroll = new QScrollArea;
    settingsScroll->setObjectName(QStringLiteral("quantizeSettingsScroll"));
    settingsScroll->setWidget(settings);
    settingsScroll->setWidgetResizable(true);
    settingsScroll->setFrameShape(QFrame::NoFrame);
    settingsScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    // As wide as the form needs, so that only the height scrolls.
    settingsScroll->setMinimumWidth(settings->minimumSizeHint().width() + settingsScroll->verticalScrollBar()->sizeHint().width());

    auto* layout = new QVBoxLayout(left);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(settingsScroll, 1);
    layout->addWidget(resumeBanner_);
    layout->addLayout(buttons);

    connect(source_, &ModelPicker::entryChanged, this, &QuantizePage::onSourceChanged);
    for (QComboBox* c : {method_, group_, calibration_, device_})
        connect(c, &QComboBox::currentIndexChanged, this, &QuantizePage::onSettingsChanged);
    connect(method_, &QComboBox::currentIndexChanged, this, &QuantizePage::updateDefaultOutput);
    for (QSpinBox* s : {samples_, seqlen_, grid_}) connect(s, &QSpinBox::valueChanged, this, &QuantizePage::onSettingsChanged);
    connect(seqlen_, &QSpinBox::valueChanged, this, [this] { seqlenChosen_ = seqlenChosen_ || !settingSeqlen_; });
    connect(device_, &QComboBox::currentIndexChanged, this, &QuantizePage::applyDeviceDefaults);
    for (QCheckBox* c : {actOrder_, symmetric_}) connect(c, &QCheckBox::toggled, this, &QuantizePage::onSettingsChanged);
    connect(damp_, &QDoubleSpinBox::valueChanged, this, &QuantizePage::onSettingsChanged);
    auto enableMethodControls = [this] {  // each method's own knobs; the others' are greyed out
        const auto m = static_cast<QuantMethodChoice>(method_->currentData().toInt());
        grid_->setEnabled(m == QuantMethodChoice::Awq);
        actOrder_->setEnabled(m == QuantMethodChoice::Gptq);
        symmetric_->setEnabled(m == QuantMethodChoice::Gptq);
        damp_->setEnabled(m == QuantMethodChoice::Gptq);
    };
    connect(method_, &QComboBox::currentIndexChanged, this, enableMethodControls);
    enableMethodControls();
    connect(calibrationFiles_, &QLineEdit::textChanged, this, [this] {
        if (!calibrationFiles_->text().trimmed().isEmpty()) calibration_->setCurrentIndex(FileCalibration);
        onSettingsChanged();
    });
    connect(output_, &QLineEdit::textEdited, this, [this] { outputTouched_ = true; });
    connect(output_, &QLineEdit::textChanged, this, &QuantizePage::onSettingsChanged);
    connect(browseCalibration_, &QPushButton::clicked, this, [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Calibration text"), QString(),
                                                                tr("Text or JSONL (*.txt *.jsonl);;All files (*)"));
        if (!files.isEmpty()) calibrationFiles_->setText(files.join(QStringLiteral("; ")));
    });
    connect(browseOutput_, &QPushButton::clicked, this, [this] {
        const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder to put the new model in"),
                                                              QFileInfo(output_->text()).absolutePath());
        if (dir.isEmpty()) return;
        outputTouched_ = true;
        output_->setText(QDir(dir).filePath(QFileInfo(output_->text()).fileName()));
        rememberOutputFolder(dir);
    });
    connect(start_, &QPushButton::clicked, this, &QuantizePage::start);
    connect(cancel_, &QPushButton::clicked, this, &QuantizePage::cancel);
    connect(resume_, &QPushButton::clicked, this, &QuantizePage::resume);
    connect(discard_, &QPushButton::clicked, this, &QuantizePage::confirmDiscard);
    connect(useJobSettings_, &QPushButton::clicked, this, &QuantizePage::useInterruptedJobSettings);
}

void QuantizePage::buildRunPanel(QWidget* right) {
    progress_ = new QProgressBar;
    progress_->setObjectName(QStringLiteral("quantizeProgress"));
    progress_->setRange(0, 1);
    progress_->setValue(0);
    progress_->setFormat(tr("Not started"));
    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("quantizeStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    chart_ = new MemoryChart;
    chart_->setMinimumHeight(190);

    layers_ = new QTableWidget(0, LayerColumnCount);
    layers_->setObjectName(QStringLiteral("quantizeLayers"));
    layers_->setHorizontalHeaderLabels({tr("Layer"), tr("Stage"), tr("Output MSE"), tr("Time")});
    layers_->verticalHeader()->hide();
    layers_->verticalHeader()->setDefaultSectionSize(layers_->fontMetrics().height() + 6);
    layers_->horizontalHeader()->setStretchLastSection(true);
    // Columns as wide as their header and widest value (the time stretches), and the table never
    // narrower than that, so that "Time" and an MSE's digits are not cut at 1152x720.
    {
        const QFontMetrics fm = layers_->fontMetrics();
        const QFontMetrics header = layers_->horizontalHeader()->fontMetrics();
        const int pad = 18;
        auto widthOf = [&](const QString& title, const QStringList& values) {
            int w = header.horizontalAdvance(title) + pad;
            for (const QString& v : values) w = std::max(w, fm.horizontalAdvance(v) + pad);
            return w;
        };
        const int layer = widthOf(tr("Layer"), {QStringLiteral("888")});
        const int stage = widthOf(tr("Stage"), {tr("done earlier"), tr("waiting"), tr("searching")});
        const int error = widthOf(tr("Output MSE"), {QStringLiteral("0.0000e-00")});
        const int time = widthOf(tr("Time"), {QStringLiteral("88.88 s")});
        layers_->setColumnWidth(LayerCol, layer);
        layers_->setColumnWidth(StageCol, stage);
        layers_->setColumnWidth(ErrorCol, error);
        layers_->setColumnWidth(TimeCol, time);   // the stretched last column grows from this, never shrinks below
        layers_->setMinimumWidth(layer + stage + error + time + 2 * layers_->frameWidth() +
                                 layers_->verticalScrollBar()->sizeHint().width());
    }
    layers_->setSelectionBehavior(QAbstractItemView::SelectRows);
    layers_->setAlternatingRowColors(true);
    applySoftSelection(layers_);

    log_ = new QPlainTextEdit;
    log_->setObjectName(QStringLiteral("quantizeLog"));
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(2000);
    log_->setLineWrapMode(QPlainTextEdit::WidgetWidth);
    log_->setPlaceholderText(tr("The job's log appears here."));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    log_->setFont(mono);

    // The log beside the table when both fit, else under it (TableAndLogSplitter says why).
    const int logWidth = QFontMetrics(mono).horizontalAdvance(QLatin1Char('0')) * kLogColumns + 2 * log_->frameWidth() +
                         log_->verticalScrollBar()->sizeHint().width() + 8;
    auto* bottom = new TableAndLogSplitter(layers_, log_, logWidth);
    bottom->setObjectName(QStringLiteral("quantizeLogSplitter"));

    resultBar_ = new QFrame;
    resultBar_->setObjectName(QStringLiteral("quantizeResult"));
    resultText_ = new QLabel;
    resultText_->setWordWrap(true);
    resultText_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    compare_ = new QPushButton(icon(QStringLiteral("compare")), tr("Compare with source"));
    compare_->setObjectName(QStringLiteral("quantizeCompare"));
    auto* resultLayout = new QHBoxLayout(resultBar_);
    resultLayout->setContentsMargins(0, 0, 0, 0);
    resultLayout->addWidget(resultText_, 1);
    resultLayout->addWidget(compare_);
    resultBar_->hide();

    auto* layout = new QVBoxLayout(right);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(progress_);
    layout->addWidget(status_);
    layout->addWidget(chart_, 2);
    layout->addWidget(bottom, 3);
    layout->addWidget(resultBar_);

    connect(compare_, &QPushButton::clicked, this, [this] { Q_EMIT compareRequested(jobSource_, jobOutput_); });
}

void QuantizePage::setCatalog(CatalogTableModel* catalog) { source_->setCatalog(catalog); }

bool QuantizePage::selectSource(const QString& path) { return source_->selectPath(path); }

void QuantizePage::setOutputFolder(const QString& folder) {
    outputFolder_ = folder.isEmpty() ? QString() : QDir::cleanPath(folder);
    updateDefaultOutput();
}

void QuantizePage::rememberOutputFolder(const QString& folder) {
    const QString clean = QDir::cleanPath(folder);
    if (clean.isEmpty() || clean == outputFolder_) return;
    outputFolder_ = clean;
    Q_EMIT outputFolderChosen(clean);
}

QuantizeSettings QuantizePage::currentSettings() const {
    QuantizeSettings s;
    s.model = toPath(source_->currentPath());
    s.output = toPath(output_->text().trimmed());
    s.method = static_cast<QuantMethodChoice>(method_->currentData().toInt());
    s.groupSize = group_->currentData().toInt();
    if (calibration_->currentData().toInt() == FileCalibration)
        for (const QString& f : calibrationFiles_->text().split(QLatin1Char(';'), Qt::SkipEmptyParts))
            if (!f.trimmed().isEmpty()) s.calibrationFiles.push_back(toPath(f.trimmed()));
    s.samples = samples_->value();
    s.seqlen = seqlen_->value();
    s.gridRatios = grid_->value();
    s.actOrder = actOrder_->isChecked();
    s.sym = symmetric_->isChecked() && s.method == QuantMethodChoice::Gptq;  // a GPTQ setting only
    s.dampPercent = damp_->value() / 100.0;
    s.device = device_->currentData().toString().toStdString();
    return s;
}

void QuantizePage::applyDeviceDefaults() {
    // A CPU gets a quarter of AutoAWQ's tokens and half its grid (the pre-flight says what is traded).
    const QuantizeDefaults d = quantizeDefaults(device_->currentData().toString().toStdString());
    samples_->setValue(d.samples);
    grid_->setValue(d.gridRatios);
    seqlenChosen_ = false;  // a device's defaults replace every value, as before
    fitDefaultSeqlen();
}

void QuantizePage::fitDefaultSeqlen() {
    if (seqlenChosen_) return;
    // The core's rule, as the CLI applies it: CUDA's 512 is cut to a shorter model's context (the
    // pre-flight refused the default with an error naming config.json); a value the user sets is checked, not cut.
    const std::string device = device_->currentData().toString().toStdString();
    const CatalogEntryPtr e = source_ ? source_->currentEntry() : nullptr;
    const FittedSeqlen fitted = e && e->info ? defaultSeqlenFor(e->info->config, device) : FittedSeqlen{quantizeDefaults(device).seqlen, {}};
    settingSeqlen_ = true;
    seqlen_->setValue(fitted.seqlen);
    settingSeqlen_ = false;
    const QString tip = tr("Tokens per calibration block (AutoAWQ: 512; CPU default: 256; at most the model's context)");
    seqlen_->setToolTip(fitted.note.empty() ? tip : tip + QStringLiteral("\n") + QString::fromStdString(fitted.note));
}

bool QuantizePage::isRunning() const { return runner_->isRunning(); }

QString QuantizePage::runningJobProgress() const {
    if (!isRunning()) return {};
    if (jobLayers_ <= 0) return tr("starting");
    return tr("layer %1 of %2").arg(std::min(layersDone_ + 1, jobLayers_)).arg(jobLayers_);
}

bool QuantizePage::hasInterruptedJob() const {
    const QString out = output_->text().trimmed();
    if (out.isEmpty()) return false;
    const fs::path work = quantizeWorkFolderFor(toPath(out));
    std::error_code ec;
    // A folder another job (awqbench-cli, another window) is writing now is not interrupted: no
    // Resume or Discard for it (the pre-flight says who holds it).
    return fs::is_directory(work, ec) && !FolderLock::heldByAnother(work);
}

void QuantizePage::onSourceChanged() {
    fitDefaultSeqlen();
    updateDefaultOutput();
    onSettingsChanged();
}

void QuantizePage::updateDefaultOutput() {
    if (outputTouched_) return;
    const CatalogEntryPtr e = source_->currentEntry();
    if (!e) return;
    // In the output folder (else next to the source): <name>-awq (-gptq, -rtn), numbered when taken; an
    // interrupted job there is kept as the default so that it is offered for resume.
    const QString suffix = QStringLiteral("-") + QString::fromLatin1(quantMethodChoiceName(static_cast<QuantMethodChoice>(method_->currentData().toInt())));
    // A hub cache snapshot (named ORG/NAME) gets ORG--NAME-awq beside the cache folder, not a
    // folder inside the cache's snapshots/.
    QDir parent = outputFolder_.isEmpty() ? QFileInfo(toQString(e->path)).dir() : QDir(outputFolder_);
    if (outputFolder_.isEmpty() && hubRepoId(e->path)) {
        parent.cdUp();  // models--ORG--NAME
        parent.cdUp();  // the hub cache
        parent.cdUp();  // beside it
    }
    const QString baseName = toQString(e->name).replace(QLatin1Char('/'), QStringLiteral("--"));
    QString candidate;
    for (int n = 1; n < 100; ++n) {
        candidate = parent.filePath(baseName + suffix + (n > 1 ? QStringLiteral("-%1").arg(n) : QString()));
        std::error_code ec;
        if (!fs::exists(toPath(candidate), ec) || fs::is_directory(quantizeWorkFolderFor(toPath(candidate)), ec)) break;
    }
    output_->setText(candidate);
}

void QuantizePage::onSettingsChanged() {
    calibrationFiles_->setEnabled(!isRunning());
    if (!isRunning()) {
        preflightTimer_->start();
        // The shown verdict is of the old settings: say so until the new one arrives.
        if (!source_->currentPath().isEmpty() && !output_->text().trimmed().isEmpty()) preflight_->showChecking();
    }
    updateControls();
}

QuantizeSettings QuantizePage::checkSettings() const {
    QuantizeSettings s = currentSettings();
    s.resume = hasInterruptedJob();   // what Resume would run: the pre-flight checks that the job takes it
    return s;
}

bool QuantizePage::resumeRefused() const {
    return checked_ && !checked_->resumeProblem.empty() && checkedSettings_ == checkSettings();
}

void QuantizePage::refreshPreflight() {
    preflightTimer_->stop();
    checked_.reset();
    if (source_->currentPath().isEmpty() || output_->text().trimmed().isEmpty()) {
        preflightRunner_->discard();
        preflight_->showUnavailable(source_->currentPath().isEmpty() ? tr("Choose a source model to check the job.") : tr("Choose an output folder."));
        startWhenChecked_ = false;
        updateControls();
        Q_EMIT preflightChecked();
        return;
    }
    // Reading the model's headers and tokenizing the calibration text takes a moment: off the GUI thread.
    using Checked = std::shared_ptr<const QuantizePreflight>;
    const QuantizeSettings s = checkSettings();
    const double probeMaxAge = std::exchange(freshProbeNext_, false) ? 0.0 : probeMaxAgeSeconds_;
    preflight_->showChecking();
    preflightRunner_->replace<Checked>(
        [s, probeMaxAge](std::stop_token, const JobRunner::Post&) {
            return std::make_shared<const QuantizePreflight>(preflightQuantizeJob(s, probeMaxAge));
        },
        [this, s](JobDone<Checked> done) { onPreflightDone(s, done.value.value_or(nullptr), done.error); });
    updateControls();
}

bool QuantizePage::preflightPending() const { return preflightRunner_->isRunning(); }

void QuantizePage::onPreflightDone(const QuantizeSettings& settings, std::shared_ptr<const QuantizePreflight> preflight, const QString& error) {
    if (preflight) {
        preflight_->showPreflight(*preflight, settings);
        checked_ = std::move(preflight);
        checkedSettings_ = settings;
        checkedClock_.start();
    } else {
        preflight_->showUnavailable(tr("The check failed: %1").arg(error));
    }
    updateControls();
    Q_EMIT preflightChecked();
    if (std::exchange(startWhenChecked_, false) && checked_) start();   // Start was pressed while this check ran
}

void QuantizePage::updateControls() {
    const bool running = isRunning();
    const bool interrupted = !running && hasInterruptedJob();
    form_->setEnabled(!running);
    start_->setEnabled(!running && !interrupted && preflight_->canStart() && !preflightTimer_->isActive() && !preflightPending());
    cancel_->setEnabled(running && !runner_->cancelRequested());
    resumeBanner_->setVisible(interrupted);
    resume_->setEnabled(interrupted && !resumeRefused());
    useJobSettings_->setVisible(interrupted && resumeRefused() && interruptedJobSettings(currentSettings()).has_value());
    // "can be resumed" must not outlive the interrupted job (discarded, or another output chosen).
    if (statusOffersResume_ && !interrupted && !running) {
        statusOffersResume_ = false;
        setStatus(QString());
        progress_->setRange(0, 1);
        progress_->setValue(0);
        progress_->setFormat(tr("Not started"));
    }
    if (interrupted) {
        const QuantizedModelWriter writer(toPath(output_->text().trimmed()));
        const QString found = tr("An interrupted job was found in %1 (%2 written).")
                                  .arg(toQString(writer.workFolder()), countNoun(writer.layerFilesWritten(), tr("layer"), tr("layers")));
        // The refusal names what differs and the fix (the job's own words), e.g. "(--samples 8, now 4)".
        resumeText_->setText(resumeRefused() ? tr("%1 It cannot be resumed: %2").arg(found, QString::fromStdString(checked_->resumeProblem))
                                             : tr("%1 Resume it with the same settings, or discard it.").arg(found));
    }
}

void QuantizePage::start() {
    if (isRunning()) return;
    // The job runs on the pre-flight of exactly these settings; a stale or missing one is redone first.
    if (hasInterruptedJob()) return;   // Resume or Discard first (Start is disabled then)
    if (!checked_ || preflightPending() || preflightTimer_->isActive() || !(checkedSettings_ == checkSettings())) {
        startWhenChecked_ = true;
        refreshPreflight();
        return;
    }
    if (!preflight_->canStart() || hasInterruptedJob()) return;
    // The estimate shown is the one the job is judged by: an old probe (another load then) is timed again first.
    if (probeIsOld()) {
        appendLog(tr("Timing a layer again before the job starts: the estimate shown is %1 s old.")
                      .arg(int(checked_->probeAgeSeconds + double(checkedClock_.elapsed()) / 1000.0)));
        startWhenChecked_ = true;
        freshProbeNext_ = true;
        refreshPreflight();
        return;
    }
    runJob(false);
}

bool QuantizePage::useInterruptedJobSettings() {
    if (isRunning()) return false;
    const auto job = interruptedJobSettings(currentSettings());
    if (!job) return false;
    const QString output = output_->text();  // a method's default folder must not replace the job's
    method_->setCurrentIndex(method_->findData(static_cast<int>(job->method)));
    if (const int group = group_->findData(job->groupSize); group >= 0) group_->setCurrentIndex(group);
    QStringList files;
    for (const auto& f : job->calibrationFiles) files << toQString(f);
    calibrationFiles_->setText(files.join(QStringLiteral("; ")));
    calibration_->setCurrentIndex(calibration_->findData(files.isEmpty() ? BundledCalibration : FileCalibration));
    samples_->setValue(job->samples);
    seqlen_->setValue(job->seqlen);   // the user's now (seqlenChosen_): a source change must not refit it
    grid_->setValue(job->gridRatios);
    actOrder_->setChecked(job->actOrder);
    symmetric_->setChecked(job->sym);
    damp_->setValue(job->dampPercent * 100.0);
    output_->setText(output);
    refreshPreflight();
    return true;
}

void QuantizePage::resume() {
    if (isRunning() || !hasInterruptedJob()) return;
    runJob(true);
}

void QuantizePage::confirmDiscard() {
    if (isRunning() || !hasInterruptedJob()) return;
    const QuantizedModelWriter writer(toPath(output_->text().trimmed()));
    // Deleting finished layers cannot be undone: the user says so first (No is the default).
    QMessageBox ask(QMessageBox::Question, tr("Discard the interrupted job?"),
                    tr("Delete %1 and its %2? The job then has to start over.")
                        .arg(toQString(writer.workFolder()), countNoun(writer.layerFilesWritten(), tr("finished layer"), tr("finished layers"))),
                    QMessageBox::Yes | QMessageBox::No, this);
    ask.setObjectName(QStringLiteral("quantizeDiscardConfirm"));
    ask.setDefaultButton(QMessageBox::No);
    ask.button(QMessageBox::Yes)->setText(tr("Discard"));
    if (ask.exec() == QMessageBox::Yes) discardInterruptedJob();
}

void QuantizePage::discardInterruptedJob() {
    if (isRunning() || !hasInterruptedJob()) return;
    const QuantizedModelWriter writer(toPath(output_->text().trimmed()));
    // Held while deleting, so that a job started meanwhile elsewhere is not deleted under it.
    std::optional<FolderLock> lock;
    try {
        lock = FolderLock::tryLock(writer.workFolder());
    } catch (const Error& e) {
        setStatus(QString::fromStdString(e.what()));
        return;
    }
    if (!lock) {
        refreshPreflight();
        setStatus(tr("Not discarded: another quantize job is writing %1 now.").arg(toQString(writer.workFolder())));
        return;
    }
    spdlog::info("Quantize: discarding the interrupted job in {}", writer.workFolder().string());
    writer.discardWorkFolder();
    refreshPreflight();   // clears a "can be resumed" status
    setStatus(tr("Discarded the interrupted job in %1.").arg(toQString(writer.workFolder())));
    appendLog(tr("Discarded %1").arg(toQString(writer.workFolder())));
}

void QuantizePage::cancel() {
    if (!isRunning()) return;
    runner_->cancel();
    setStatus(tr("Cancelling…"));
    appendLog(tr("Cancel requested"));
    updateControls();
}

void QuantizePage::runJob(bool resume) {
    QuantizeSettings s = currentSettings();
    s.resume = resume;
    jobSource_ = source_->currentPath();
    jobOutput_ = output_->text().trimmed();
    rememberOutputFolder(QFileInfo(jobOutput_).absolutePath());   // the next job's default folder
    statusOffersResume_ = false;
    const CatalogEntryPtr e = source_->currentEntry();
    layersDone_ = 0;
    jobLayers_ = 0;
    eta_.reset();
    prepareLayerRows(e && e->info ? e->info->config.numLayers : 0);
    log_->clear();
    resultBar_->hide();
    const bool cuda = s.device == "cuda";
    chart_->reset(memorySeriesName(cuda), cuda);

    // What the method searches: scale ratios are AWQ's; GPTQ has its damping and column order, RTN nothing.
    const auto method = static_cast<QuantMethodChoice>(method_->currentData().toInt());
    const QString search = method == QuantMethodChoice::Awq    ? tr("%1 scale ratios").arg(s.gridRatios)
                           : method == QuantMethodChoice::Gptq ? tr("damp %1, %2").arg(s.dampPercent).arg(s.actOrder ? tr("act-order") : tr("columns in order"))
                                                               : tr("no search");
    const QString what = tr("%1 %2, group %3, %4 × %5 calibration tokens, %6 on %7")
                             .arg(resume ? tr("Resuming") : tr("Quantizing"), QString::fromLatin1(quantMethodChoiceName(method)).toUpper())
                             .arg(s.groupSize)
                             .arg(s.samples)
                             .arg(s.seqlen)
                             .arg(search, QString::fromStdString(s.device));
    appendLog(tr("%1: %2 → %3").arg(what, jobSource_, jobOutput_));
    spdlog::info("Quantize: {} {} -> {}", what.toStdString(), jobSource_.toStdString(), jobOutput_.toStdString());
    setStatus(tr("Starting…"));
    progress_->setRange(0, 0);
    // The passed pre-flight of these settings: the job reuses the model description and calibration blocks it read.
    std::shared_ptr<const QuantizePreflight> preflight = checked_ && checked_->ok() && checkedSettings_ == s ? checked_ : nullptr;
    runner_->start<QuantizeSummary>(
        [this, s, preflight](std::stop_token stop, const JobRunner::Post& toGui) {
            // `this` is only used on the GUI thread, in the posts (dropped once the runner is gone).
            return runQuantizeJob(s, [this, &toGui](const QuantizeEvent& event) { toGui([this, event] { onJobEvent(event); }); }, stop, preflight.get());
        },
        [this](JobDone<QuantizeSummary> done) {
            if (!done.value) onJobFailed(done.error, done.stopRequested);
            else if (done.value->cancelled) onJobFailed(QString::fromStdString(done.value->stopNote), true);
            else onJobFinished(*done.value);
        });
    jobClock_.start();
    etaTimer_->start();
    samplingCuda_ = cuda;
    if (!std::exchange(sampling_, true)) monitor_->beginFastSampling();
    updateControls();
    Q_EMIT jobStarted();
    Q_EMIT statusMessage(tr("Quantizing %1…").arg(toQString(fs::path(toPath(jobSource_)).filename())));
}

void QuantizePage::prepareLayerRows(int layers) {
    layerInFlight_ = -1;
    layers_->setRowCount(layers);
    for (int l = 0; l < layers; ++l) {
        layers_->setItem(l, LayerCol, cellItem(QString::number(l + 1), Qt::AlignRight | Qt::AlignVCenter));
        layers_->setItem(l, StageCol, cellItem(tr("waiting")));
        layers_->setItem(l, ErrorCol, cellItem(QString(), Qt::AlignRight | Qt::AlignVCenter));
        layers_->setItem(l, TimeCol, cellItem(QString(), Qt::AlignRight | Qt::AlignVCenter));
    }
}

void QuantizePage::onJobEvent(const QuantizeEvent& e) {
    if (e.layers > 0 && layers_->rowCount() != e.layers) prepareLayerRows(e.layers);
    if (e.gpuPeakBytes > 0) chart_->notePeak(e.gpuPeakBytes);
    switch (e.kind) {
    case QuantizeEvent::Kind::Started:
        appendLog(tr("Started: %1, %2").arg(countNoun(e.layers, tr("layer"), tr("layers")), QString::fromStdString(e.stage)));
        setStatus(tr("Preparing the calibration set…"));
        break;
    case QuantizeEvent::Kind::Stage: {
        // Layers before the first one this run works on were finished by the interrupted run.
        for (int l = 0; l < e.layer && l < layers_->rowCount(); ++l) {
            if (layers_->item(l, StageCol)->text() != tr("waiting")) continue;
            layers_->item(l, StageCol)->setText(tr("done earlier"));
            ++layersDone_;
        }
        // Progress inside the layer: the bar moves in hundredths of a layer.
        layerFraction_ = e.layerFraction >= 0 ? std::min(1.0, e.layerFraction) : 0;
        const QString stage = e.layerFraction >= 0 ? tr("%1 %2%").arg(QString::fromStdString(e.stage)).arg(int(layerFraction_ * 100))
                                                   : QString::fromStdString(e.stage);
        if (e.layer < layers_->rowCount()) {
            layerInFlight_ = e.layer;
            layers_->item(e.layer, StageCol)->setText(stage);
            layers_->scrollToItem(layers_->item(e.layer, StageCol));
        }
        progress_->setRange(0, std::max(e.layers, 1) * 100);
        progress_->setValue(layersDone_ * 100 + int(layerFraction_ * 100));
        jobLayers_ = e.layers;
        showLayerProgress();
        setStatus(tr("Layer %1 of %2: %3").arg(e.layer + 1).arg(e.layers).arg(stage));
        spdlog::debug("quantize: layer {}/{} {}", e.layer + 1, e.layers, e.stage);
        break;
    }
    case QuantizeEvent::Kind::LayerDone: {
        ++layersDone_;
        if (e.layer == layerInFlight_) layerInFlight_ = -1;
        if (e.layer < layers_->rowCount()) {
            layers_->item(e.layer, StageCol)->setText(tr("done"));
            layers_->item(e.layer, ErrorCol)->setText(QString::number(e.layerError, 'g', 3));
            layers_->item(e.layer, TimeCol)->setText(tr("%1 s").arg(e.layerSeconds, 0, 'f', 2));
        }
        layerFraction_ = 0;
        progress_->setRange(0, std::max(e.layers, 1) * 100);
        progress_->setValue(layersDone_ * 100);
        // Counted from when the page heard of it, on the page's clock (the timer ticks on it).
        eta_.layerDone(e.etaS, e.layers - e.layer - 1, jobClock_.elapsed() / 1000.0);
        jobLayers_ = e.layers;
        showLayerProgress();
        const QString line = tr("Layer %1/%2 done in %3 s, output MSE %4")
                                 .arg(e.layer + 1)
                                 .arg(e.layers)
                                 .arg(e.layerSeconds, 0, 'f', 2)
                                 .arg(QString::number(e.layerError, 'g', 3));
        appendLog(line);
        break;
    }
    case QuantizeEvent::Kind::Warning:
        appendLog(tr("Warning: %1").arg(QString::fromStdString(e.message)));
        spdlog::warn("Quantize: {}", e.message);
        break;
    case QuantizeEvent::Kind::Finished:
        appendLog(tr("Writing done after %1").arg(durationText(e.elapsedS)));
        break;
    }
}

QString QuantizePage::etaText() const {
    const double now = jobClock_.elapsed() / 1000.0;
    const auto left = eta_.remaining(now);
    if (!left) return {};
    // Past the average layer the in-flight one has no time to count down: say so rather than 0 or less.
    if (eta_.overdue(now))
        return *left >= 1 ? tr(" · finishing layer %1…, then ETA %2").arg(layersDone_ + 1).arg(durationText(*left))
                          : tr(" · finishing layer %1…").arg(layersDone_ + 1);
    return tr(" · ETA %1").arg(durationText(*left));
}

void QuantizePage::showLayerProgress() {
    progress_->setFormat(tr("%1 of %2 layers%3").arg(layersDone_).arg(jobLayers_).arg(etaText()));
}

void QuantizePage::onJobFinished(const QuantizeSummary& summary) {
    stopSampling();
    etaTimer_->stop();
    if (summary.peakGpuBytes > 0) chart_->notePeak(summary.peakGpuBytes);
    progress_->setRange(0, std::max(summary.layers, 1));
    progress_->setValue(summary.layers);
    progress_->setFormat(tr("%1 of %1 layers · done").arg(summary.layers));
    const QString out = toQString(summary.output);
    QString text = tr("Done in %1: %2 (%3), %4 calibration tokens.")
                       .arg(durationText(summary.seconds), out, formatBytes(summary.outputBytes))
                       .arg(formatInteger(static_cast<std::int64_t>(summary.calibrationTokens)));
    if (summary.resumedFromLayer > 0) text += tr(" Resumed at layer %1.").arg(summary.resumedFromLayer + 1);
    setStatus(text, QStringLiteral("#1e7b34"));
    appendLog(text);
    spdlog::info("Quantize: {}", text.toStdString());
    // Where the time went (the CLI prints the same stages as a table); stages the method skips are left out.
    QStringList stages;
    const double total = summary.stageSeconds.total();
    for (const auto& [name, seconds] : summary.stageSeconds.named())
        if (seconds > 0 && total > 0)
            stages << tr("%1 %2 s (%3%)").arg(QString::fromStdString(name)).arg(seconds, 0, 'f', 1).arg(100.0 * seconds / total, 0, 'f', 0);
    if (!stages.isEmpty()) appendLog(tr("Time by stage: %1").arg(stages.join(QStringLiteral(", "))));
    resultText_->setText(tr("The new model is added to the library with its source recorded (awqbench_quantization.json)."));
    resultBar_->show();
    outputTouched_ = false;
    updateDefaultOutput();   // the next job gets a fresh folder name
    refreshPreflight();
    Q_EMIT statusMessage(tr("Quantized model written to %1").arg(out));
    Q_EMIT modelCreated(out, jobSource_);
    Q_EMIT jobFinished(out, jobSource_);
}

void QuantizePage::onJobFailed(const QString& message, bool cancelled) {
    stopSampling();
    etaTimer_->stop();
    progress_->setRange(0, std::max(layers_->rowCount(), 1));
    progress_->setValue(layersDone_);
    // The interrupted layer's row says so, not the stage it was in ("scale search 13%" stayed).
    if (layerInFlight_ >= 0 && layerInFlight_ < layers_->rowCount()) {
        QTableWidgetItem* item = layers_->item(layerInFlight_, StageCol);
        item->setToolTip(cancelled ? tr("Cancelled during %1").arg(item->text()) : tr("Failed during %1: %2").arg(item->text(), message));
        item->setText(cancelled ? tr("cancelled") : tr("failed"));
        item->setForeground(cancelled ? QColor(0xa8, 0x4b, 0x00) : QColor(0xb3, 0x26, 0x1e));
    }
    layerInFlight_ = -1;
    if (cancelled) {
        // Resume is offered only while the interrupted job's folder is really there.
        const bool resumable = hasInterruptedJob();
        const QString text = resumable ? tr("Cancelled after %1; the finished layers are kept and the job can be resumed.")
                                             .arg(countNoun(layersDone_, tr("layer"), tr("layers")))
                                       : tr("Cancelled after %1; nothing was kept.").arg(countNoun(layersDone_, tr("layer"), tr("layers")));
        progress_->setFormat(tr("%1 of %2 layers · cancelled").arg(layersDone_).arg(layers_->rowCount()));
        setStatus(text, QStringLiteral("#a84b00"));
        statusOffersResume_ = resumable;
        appendLog(text);
        spdlog::info("Quantize: {}", text.toStdString());
    } else {
        progress_->setFormat(tr("Failed"));
        setStatus(tr("Failed: %1").arg(message), QStringLiteral("#b3261e"));
        appendLog(tr("Failed: %1").arg(message));
        spdlog::error("Quantize failed: {}", message.toStdString());
    }
    refreshPreflight();
    Q_EMIT statusMessage(cancelled ? tr("Quantization cancelled") : tr("Quantization failed"));
    Q_EMIT jobFailed(message, cancelled);
}

void QuantizePage::appendLog(const QString& line) {
    log_->appendPlainText(QStringLiteral("%1  %2").arg(QTime::currentTime().toString(QStringLiteral("HH:mm:ss")), line));
}

void QuantizePage::setStatus(const QString& text, const QString& color) {
    status_->setText(text);
    status_->setStyleSheet(color.isEmpty() ? QString() : QStringLiteral("QLabel { color: %1; font-weight: bold; }").arg(color));
}

}  // namespace awq::ui
