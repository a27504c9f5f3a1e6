#include "ui/compare/compare_page.h"

#include "core/compare/conversation.h"
#include "core/compare/decode_timeline.h"
#include "core/compare/device_label.h"
#include "core/util/utc_time.h"
#include "core/engine/device_check.h"
#include "ui/compare/battery_view.h"
#include "ui/compare/chat_view.h"
#include "ui/compare/compare_session.h"
#include "ui/compare/quality_view.h"
#include "ui/compare/sweep_view.h"
#include "ui/compare/timeline_view.h"
#include "ui/util/catalog_text.h"
#include "ui/util/model_picker.h"
#include "ui/util/icons.h"
#include "ui/util/path_text.h"
#include "ui/util/field_label.h"
#include "ui/util/elided_label.h"
#include "core/serve/local_server.h"
#if AWQBENCH_UI_WITH_SERVE
#include "core/serve/endpoint_compare.h"
#endif

#include <QCheckBox>
#include <QClipboard>
#include <QGuiApplication>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFileInfo>
#include <QGridLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QTabWidget>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <utility>

namespace awq::ui {
namespace {

}  // namespace

ComparePage::ComparePage(QWidget* parent) : QWidget(parent) {
    setObjectName(QStringLiteral("comparePage"));
    session_ = new CompareSession(this);
    confirm_ = [this](const QString& question) {
        QMessageBox ask(QMessageBox::Question, tr("System prompt changed"), question, QMessageBox::Yes | QMessageBox::Cancel, this);
        ask.setObjectName(QStringLiteral("chatNewConversationConfirm"));
        ask.button(QMessageBox::Yes)->setText(tr("Start a new conversation"));
        return ask.exec() == QMessageBox::Yes;
    };

    chat_ = new ChatView;
    battery_ = new BatteryView;
    quality_ = new QualityView;
    sweep_ = new SweepView;
    timeline_ = new TimelineView;
    tabs_ = new QTabWidget;
    tabs_->setObjectName(QStringLiteral("compareTabs"));
    tabs_->addTab(chat_, tr("Chat"));
    tabs_->addTab(battery_, tr("Battery"));
    tabs_->addTab(quality_, tr("Quality"));
    tabs_->addTab(sweep_, tr("Sweep"));
    tabs_->addTab(timeline_, tr("Timeline"));

    status_ = new QLabel;
    status_->setObjectName(QStringLiteral("compareStatus"));
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // A saved run's path holds both model names: a long unbreakable one must wrap within the page,
    // not set the page's minimum width (a horizontal scroll bar at 1152x720).
    status_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);

    speedNote_ = new QLabel;
    speedNote_->setObjectName(QStringLiteral("compareSpeedNote"));
    speedNote_->setWordWrap(true);
    speedNote_->setStyleSheet(QStringLiteral("QLabel { background: #fff4ce; border: 1px solid #e0c060; border-radius: 4px; padding: 4px; }"));
    speedNote_->hide();
    // Its wrapped height at its width is its minimum (see fitSpeedNote).
    speedNote_->installEventFilter(this);

    // Models and generation settings fold away to a one-line summary, giving the tabs the height of
    // a small screen (the page fits 1280x720 with the log open when folded).
    setupFold_ = new QToolButton;
    setupFold_->setObjectName(QStringLiteral("compareSetupFold"));
    setupFold_->setCheckable(true);
    setupFold_->setChecked(true);
    setupFold_->setAutoRaise(true);
    setupFold_->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    // Elided in the middle with the whole line as its tooltip: two long model names clipped the
    // line's end ("max 48 new tokens · loaded") with no ellipsis.
    setupSummary_ = new ElidedLabel;
    setupSummary_->setObjectName(QStringLiteral("compareSetupSummary"));
    setupSummary_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* foldRow = new QHBoxLayout;
    foldRow->addWidget(setupFold_);
    foldRow->addWidget(setupSummary_, 1);
    setup_ = new QWidget;
    auto* setupLayout = new QVBoxLayout(setup_);
    setupLayout->setContentsMargins(0, 0, 0, 0);
    setupLayout->addWidget(buildModelsBar());
    setupLayout->addWidget(buildSettingsBar());
    setupLayout->addWidget(buildServerBar());
    connect(setupFold_, &QToolButton::toggled, this, &ComparePage::setSetupExpanded);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(foldRow);
    layout->addWidget(setup_);
    // Outside the fold: what an endpoint cannot measure stays said once loading folds the setup.
    layout->addWidget(endpointNote_);
    layout->addWidget(tabs_, 1);
    layout->addWidget(speedNote_);
    layout->addWidget(status_);
    updateDeviceLabel();

    // Session -> views
    connect(session_, &CompareSession::busyChanged, this, [this](bool busy) {
        if (!busy) endedRunKind_ = std::exchange(runKind_, QString());
        if (!busy && !chat_->turnComplete()) chat_->closeTurn();   // a reply failed: the exchange is withdrawn
        updateControls();
        Q_EMIT busyChanged(busy);
    });
    connect(session_, &CompareSession::slotLoaded, this, [this](int slot, bool ok, const QString& message) {
        if (ok && session_->isEndpoint(slot)) {
            const RunModel& m = session_->identity(slot);
            modelStatus_[slot]->setText(tr("Endpoint: serves %1").arg(QString::fromStdString(m.name)));
            spdlog::info("Compare: {} is the endpoint {} (model {})", CompareSession::slotName(slot).toStdString(), m.path, m.name);
        } else if (ok) {
            const RunModel& m = session_->identity(slot);
            modelStatus_[slot]->setText(tr("Loaded: %1 weights, %2, %3 s")
                                            .arg(formatMemory(m.weightBytes), QString::fromStdString(m.computeDtype))
                                            .arg(m.loadSeconds, 0, 'f', 2));
            spdlog::info("Compare: loaded {} as {} in {:.2f} s", m.name, CompareSession::slotName(slot).toStdString(), m.loadSeconds);
        } else {
            modelStatus_[slot]->setText(tr("Not loaded: %1").arg(message));
            report(tr("Could not load %1: %2").arg(CompareSession::slotName(slot), message), true);
        }
    });
    connect(session_, &CompareSession::loadFinished, this, [this](bool ok) {
        comparison_.reset();   // a new pair: its runs go into a new document
        comparisonFile_.clear();
        endpointNote_->setText(endpointNote());
        endpointNote_->setVisible(!endpointNote_->text().isEmpty());
        updateNames();
        limitQualityContext();
        if (ok) report(tr("Both models are loaded."));
        Q_EMIT modelsLoadedChanged(ok);
        const QString pending = std::exchange(pendingChat_, QString());
        if (!ok) return;
        // Loaded: models and settings fold to their one-line summary (as the README promises), so
        // that the message box and Send stay above the fold at 1152x720; the arrow unfolds them.
        setSetupExpanded(false);
        restoreConversationIntoModels();
        for (int s = 0; s < 2; ++s) chat_->setNoTemplateModel(s, session_->lacksChatTemplate(s) ? shortName(s) : QString());
        // Typing goes to the chat, not to the setting that took the focus from the disabled button.
        if (tabs_->currentWidget() == chat_) chat_->promptEdit()->setFocus(Qt::OtherFocusReason);
        if (!pending.isEmpty()) QMetaObject::invokeMethod(this, [this, pending] { sendChat(pending); }, Qt::QueuedConnection);
    });
    connect(session_, &CompareSession::chatDelta, chat_, &ChatView::appendDelta);
    connect(session_, &CompareSession::chatFinished, chat_, &ChatView::finishTurn);
    connect(session_, &CompareSession::chatPromptFitted, chat_, &ChatView::noteLeftOutExchanges);
    connect(session_, &CompareSession::chatFinished, this, [this](int slot, const GenerationResult& r, const EngineMemory&) {
        chatTpotMs_[slot] = r.metrics.tpotMs;
        chatReplied_[slot] = true;
        if (chatReplied_[0] && chatReplied_[1]) explainChatSpeeds();
    });
    connect(session_, &CompareSession::batteryEvent, battery_, &BatteryView::onEvent);
    connect(session_, &CompareSession::batteryFinished, this, [this](std::shared_ptr<BatteryOutcome> outcome) {
        battery_->showOutcome(*outcome);
        if (outcome->speed.count("A") && outcome->speed.count("B"))
            explainSpeeds(outcome->speed.at("A").outputTokensPerS, outcome->speed.at("B").outputTokensPerS,
                          "output tokens/s of the battery, each model timed alone");
        saveToComparison([&](RunDocument& doc) {
            doc.battery = outcome->run;
            doc.speed = outcome->speed;
            if (!outcome->stoppedReason.empty()) doc.stoppedReason = outcome->stoppedReason;   // a side failed mid-battery
        }, outcome->cancelled);
        report(!outcome->stoppedReason.empty() ? tr("Battery stopped early (%1); the finished tests are saved.").arg(QString::fromStdString(outcome->stoppedReason))
               : outcome->cancelled           ? tr("Battery stopped; the finished tests are saved.")
                                              : tr("Battery done."));
        Q_EMIT runFinished(QStringLiteral("battery"), outcome->cancelled);
    });
    connect(session_, &CompareSession::qualityProgress, quality_, &QualityView::onProgress);
    connect(session_, &CompareSession::qualityFinished, this, [this](const QualityRun& q, bool cancelled) {
        quality_->showResult(q, cancelled);
        for (int s = 0; s < 2; ++s)   // say it, rather than leave a blank that reads as a failure
            if (session_->isEndpoint(s)) quality_->resultTable()->item(QualityView::PerplexityRow, s)->setText(tr("n/a (endpoint)"));
        saveToComparison([&](RunDocument& doc) { doc.quality = q; }, cancelled);
        report(cancelled ? tr("Quality check stopped.") : tr("Quality check done."));
        Q_EMIT runFinished(QStringLiteral("quality"), cancelled);
    });
    connect(session_, &CompareSession::sweepProgress, sweep_, &SweepView::onProgress);
    connect(session_, &CompareSession::sweepFinished, this, [this](std::shared_ptr<SweepRun> run, bool cancelled) {
        sweep_->showResult(*run, cancelled);
        double best[2] = {0, 0};
        for (const auto& [slot, m] : run->models)
            for (const SweepPoint& p : m.points) best[slot == "B" ? 1 : 0] = std::max(best[slot == "B" ? 1 : 0], p.outputTokensPerS);
        explainSpeeds(best[0], best[1], "the best output tokens/s of the sweep");
        saveToComparison([&](RunDocument& doc) {
            doc.sweep = *run;
            doc.sweep->notes = sweepNotes(doc);  // the CPU speed note, as the CLI saves it
        }, cancelled);
        report(cancelled ? tr("Sweep stopped.") : tr("Sweep done."));
        Q_EMIT runFinished(QStringLiteral("sweep"), cancelled);
    });
    connect(session_, &CompareSession::timelineStage, timeline_, &TimelineView::onStage);
    connect(session_, &CompareSession::timelineFinished, this, [this](std::shared_ptr<TimelineRun> run, bool cancelled) {
        saveToComparison([&](RunDocument& doc) { doc.timeline = *run; }, cancelled);
        const auto& b = session_->identity(1);
        timeline_->showResult(comparison_ && comparison_->timeline ? *comparison_->timeline : *run,
                              b.quantization && b.quantization->bits == 4, comparisonFile_);
        report(cancelled ? tr("Timeline stopped.") : tr("Timeline done: %1").arg(QString::fromStdString(run->verdict)));
        Q_EMIT runFinished(QStringLiteral("timeline"), cancelled);
    });
    connect(session_, &CompareSession::failed, this, [this](const QString& what, const QString& message) {
        // A job's failure comes after the session went idle (busyChanged(false) cleared runKind_, and
        // runFinished said ""): the kind of the run that just ended.
        const QString kind = runKind_.isEmpty() ? endedRunKind_ : runKind_;
        const bool quality = kind == QLatin1String("quality");
        if (quality) quality_->showFailure();
        // Core's fixes name the CLI's flags; the Quality tab's boxes are what the user can change here.
        report(tr("%1 failed: %2").arg(what, quality ? QualityView::inPageTerms(message) : message), true);
        Q_EMIT runFinished(kind, false);
    });

    // Views -> page
    connect(chat_, &ChatView::sendRequested, this, &ComparePage::sendChat);
    connect(chat_, &ChatView::stopRequested, this, &ComparePage::cancel);
    connect(chat_, &ChatView::resetRequested, this, &ComparePage::startNewConversation);
    connect(chat_, &ChatView::regenerateRequested, this, &ComparePage::regenerateChat);
    connect(chat_, &ChatView::turnCompleted, this, &ComparePage::saveConversation);
    connect(chat_, &ChatView::voted, this, &ComparePage::saveConversation);
    connect(chat_, &ChatView::openRequested, this, &ComparePage::openConversation);
    connect(battery_, &BatteryView::runRequested, this, &ComparePage::runBattery);
    connect(battery_, &BatteryView::stopRequested, this, &ComparePage::cancel);
    connect(quality_, &QualityView::runRequested, this, &ComparePage::runQuality);
    connect(quality_, &QualityView::stopRequested, this, &ComparePage::cancel);
    connect(sweep_, &SweepView::runRequested, this, &ComparePage::runSweep);
    connect(sweep_, &SweepView::stopRequested, this, &ComparePage::cancel);
    connect(timeline_, &TimelineView::runRequested, this, &ComparePage::runTimeline);
    connect(timeline_, &TimelineView::stopRequested, this, &ComparePage::cancel);
    connect(maxNew_, &QSpinBox::valueChanged, this, &ComparePage::updateSetupSummary);

    updateControls();
    setSetupExpanded(true);
}

ComparePage::~ComparePage() {
    // Quietly: the window that shows the status may be half gone (it stopped the server on close).
    if (server_) server_->stop();
}

QWidget* ComparePage::buildServerBar() {
    auto* box = new QGroupBox(tr("Local server (OpenAI API)"));
    box->setObjectName(QStringLiteral("compareServerBox"));
    serverHost_ = new QLineEdit(QStringLiteral("127.0.0.1"));
    serverHost_->setObjectName(QStringLiteral("compareServerHost"));
    serverHost_->setToolTip(tr("Address to listen on: 127.0.0.1 is this machine only; 0.0.0.0 opens it to the network"));
    serverPort_ = new QSpinBox;
    serverPort_->setObjectName(QStringLiteral("compareServerPort"));
    serverPort_->setRange(0, 65535);
    serverPort_->setValue(8000);
    serverPort_->setSpecialValueText(tr("any free"));
    serverButton_ = new QPushButton(tr("Start server"));
    serverButton_->setObjectName(QStringLiteral("compareServerButton"));
    serverButton_->setToolTip(tr("Serve the chosen model folders (A and B) as awqbench-cli serve does: /v1/models, /v1/completions, "
                                 "/v1/chat/completions"));
    serverUrl_ = new QLineEdit;
    serverUrl_->setObjectName(QStringLiteral("compareServerUrl"));
    serverUrl_->setReadOnly(true);
    serverUrl_->setPlaceholderText(tr("not running"));
    serverCopy_ = new QPushButton(tr("Copy URL"));
    serverCopy_->setObjectName(QStringLiteral("compareServerCopy"));
    serverUseB_ = new QPushButton(tr("Use as B"));
    serverUseB_->setObjectName(QStringLiteral("compareServerUseB"));
    serverUseB_->setToolTip(tr("Compare the served model as endpoint B"));
    serverState_ = new QLabel(tr("Stopped"));
    serverState_->setObjectName(QStringLiteral("compareServerState"));
    serverState_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    auto* row = new QHBoxLayout(box);
    row->addWidget(fieldLabel(tr("Host"), serverHost_));
    row->addWidget(serverHost_);
    row->addWidget(fieldLabel(tr("Port"), serverPort_));
    row->addWidget(serverPort_);
    row->addWidget(serverButton_);
    row->addWidget(serverUrl_, 2);
    row->addWidget(serverCopy_);
    row->addWidget(serverUseB_);
    row->addWidget(serverState_, 3);
    connect(serverButton_, &QPushButton::clicked, this, [this] {
        if (server_)
            stopServer();
        else
            startServer();
    });
    connect(serverCopy_, &QPushButton::clicked, this, [this] {
        QGuiApplication::clipboard()->setText(serverUrl());
        report(tr("Copied %1.").arg(serverUrl()));
    });
    connect(serverUseB_, &QPushButton::clicked, this, [this] { useServerAs(1); });
#if !AWQBENCH_UI_WITH_SERVE
    box->setEnabled(false);
    serverState_->setText(tr("This build has no HTTP server (cpp-httplib)."));
#endif
    updateServerControls();
    return box;
}

bool ComparePage::startServer() {
#if AWQBENCH_UI_WITH_SERVE
    if (server_) return true;
    serve::ServeOptions o;
    for (int s = 0; s < 2; ++s) {
        const std::string folder = pickers_[s]->currentPath().toStdString();
        if (!isEndpoint(s) && !folder.empty() && std::find(o.models.begin(), o.models.end(), folder) == o.models.end()) o.models.push_back(folder);
    }
    if (o.models.empty()) {
        report(tr("Choose a model folder for A or B to serve."), true);
        return false;
    }
    o.host = serverHost_->text().trimmed().toStdString();
    o.port = serverPort_->value();
    o.device = runSettings().device;
    // The log lines go to the log panel; the load's end comes back to this (GUI) thread. The page
    // outlives the server's threads: stopServer() joins them.
    auto server = std::make_unique<serve::LocalServer>(
        o, [](const std::string& line) { spdlog::info("Local server: {}", line); },
        [this](const std::string& error) {
            const QString message = QString::fromStdString(error);
            QMetaObject::invokeMethod(this, [this, message] {
                if (!server_) return;
                if (!message.isEmpty()) {
                    report(tr("The local server could not load its models: %1").arg(message), true);
                    stopServer();
                    serverState_->setText(tr("Failed: %1").arg(message));
                    return;
                }
                report(tr("The local server is ready at %1.").arg(serverUrl()));
                updateServerControls();
            }, Qt::QueuedConnection);
        });
    try {
        server->start();
    } catch (const std::exception& e) {
        const QString message = QString::fromUtf8(e.what());
        serverState_->setText(tr("Failed: %1").arg(message));
        report(tr("Could not start the local server: %1").arg(message), true);
        return false;
    }
    server_ = std::move(server);
    servedFolders_.clear();
    for (const auto& folder : o.models) servedFolders_ << QString::fromStdString(folder);
    updateServerControls();
    report(tr("The local server listens at %1; loading %n model(s).", nullptr, int(o.models.size())).arg(serverUrl()));
    return true;
#else
    report(tr("This build has no HTTP server (cpp-httplib)."), true);
    return false;
#endif
}

void ComparePage::stopServer() {
#if AWQBENCH_UI_WITH_SERVE
    if (!server_) return;
    const QString url = serverUrl();
    server_->stop();   // ends its requests, closes the port, joins its threads
    server_.reset();
    if (serverButton_) {
        updateServerControls();
        report(tr("The local server at %1 stopped.").arg(url));
    }
#endif
}

bool ComparePage::serverRunning() const {
#if AWQBENCH_UI_WITH_SERVE
    return server_ && server_->running();
#else
    return false;
#endif
}

bool ComparePage::serverReady() const {
#if AWQBENCH_UI_WITH_SERVE
    return server_ && server_->ready();
#else
    return false;
#endif
}

QString ComparePage::serverUrl() const {
#if AWQBENCH_UI_WITH_SERVE
    if (server_) return QString::fromStdString(server_->url());
#endif
    return {};
}

QStringList ComparePage::serverModels() const {
    QStringList ids;
#if AWQBENCH_UI_WITH_SERVE
    if (server_)
        for (const auto& id : server_->modelIds()) ids << QString::fromStdString(id);
#endif
    return ids;
}

void ComparePage::useServerAs(int slot) {
    if (!server_) return report(tr("Start the local server first."), true);
    const QStringList models = serverModels();
    // The model served from this slot's own folder (B's quantized model, not A's original, which is
    // served first); else the last one served.
    const qsizetype own = servedFolders_.indexOf(pickers_[slot]->currentPath());
    const QString model = models.isEmpty() ? QString() : own >= 0 && own < models.size() ? models.at(own) : models.last();
    setEndpoint(slot, serverUrl(), model);
    report(tr("%1 is now the local server's %2; load both to compare.").arg(CompareSession::slotName(slot), shortName(slot)));
}

void ComparePage::updateServerControls() {
    const bool running = serverRunning();
    serverButton_->setText(running ? tr("Stop server") : tr("Start server"));
    serverHost_->setEnabled(!running);
    serverPort_->setEnabled(!running);
    serverUrl_->setText(serverUrl());
    serverCopy_->setEnabled(running);
    serverUseB_->setEnabled(running);
    if (running)
        serverState_->setText(serverReady() ? tr("Ready: %1").arg(serverModels().join(QStringLiteral(", "))) : tr("Loading %1…").arg(serverModels().join(QStringLiteral(", "))));
    else if (!serverState_->text().startsWith(tr("Failed")))
        serverState_->setText(tr("Stopped"));
    Q_EMIT serverStateChanged(running, serverReady());
}

void ComparePage::setSetupExpanded(bool expanded) {
    setupFold_->setChecked(expanded);
    setupFold_->setArrowType(expanded ? Qt::DownArrow : Qt::RightArrow);
    setupFold_->setText(expanded ? tr("Models and generation") : tr("Models and generation:"));
    setup_->setVisible(expanded);
    updateSetupSummary();
}

bool ComparePage::setupExpanded() const { return !setup_->isHidden(); }

void ComparePage::updateSetupSummary() {
    if (!setupSummary_) return;
    if (!setup_->isHidden()) return setupSummary_->setFullText(QString());
    const auto line = [&](const QString& a, const QString& b) {
        return tr("A = %1 · B = %2 · %3 · max %4 new tokens%5")
            .arg(a, b, deviceLabel_)
            .arg(maxNew_->value())
            .arg(modelsLoaded() ? tr(" · loaded") : tr(" · not loaded"));
    };
    // Each long name gives way first (in its middle, to about 32 characters), then the line's
    // middle: two long names clipped the line's end ("max 48 new tokens · loaded") with no ellipsis.
    const QFontMetrics fm = setupSummary_->fontMetrics();
    const int nameRoom = fm.averageCharWidth() * 32;
    const auto fitted = [&](int slot) { return fm.elidedText(shortName(slot), Qt::ElideMiddle, nameRoom); };
    setupSummary_->setFullText(line(fitted(0), fitted(1)), line(shortName(0), shortName(1)));
}

QWidget* ComparePage::buildModelsBar() {
    auto* box = new QGroupBox(tr("Models"));
    auto* grid = new QGridLayout(box);
    grid->setVerticalSpacing(2);
    for (int s = 0; s < 2; ++s) {
        pickers_[s] = new ModelPicker;
        pickers_[s]->setObjectName(s == 0 ? QStringLiteral("compareModelA") : QStringLiteral("compareModelB"));
        modelStatus_[s] = new QLabel(tr("Not loaded"));
        modelStatus_[s]->setObjectName(s == 0 ? QStringLiteral("compareStatusA") : QStringLiteral("compareStatusB"));
        modelStatus_[s]->setEnabled(false);
        // Origin and full path: two entries of the same name (library and warm-pool copy) differ here.
        modelPath_[s] = new QLabel;
        modelPath_[s]->setObjectName(s == 0 ? QStringLiteral("comparePathA") : QStringLiteral("comparePathB"));
        modelPath_[s]->setTextInteractionFlags(Qt::TextSelectableByMouse);
        modelPath_[s]->setStyleSheet(QStringLiteral("QLabel { color: palette(mid); }"));
        modelPath_[s]->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);   // a long path must not widen the window
        auto* name = new QLabel(s == 0 ? tr("<b>A</b> (reference)") : tr("<b>B</b>"));
        name->setBuddy(pickers_[s]);
        grid->addWidget(name, 2 * s, 0);
        grid->addWidget(pickers_[s], 2 * s, 1);
        // An OpenAI endpoint in place of the library model: URL, served model, the key's variable.
        const QString slotName = s == 0 ? QStringLiteral("A") : QStringLiteral("B");
        endpointCheck_[s] = new QCheckBox(tr("Endpoint"));
        endpointCheck_[s]->setObjectName(QStringLiteral("compareEndpoint") + slotName);
        endpointCheck_[s]->setToolTip(tr("Compare an OpenAI-compatible server (vLLM, awqbench-cli serve, ...) as %1").arg(slotName));
        endpointUrl_[s] = new QLineEdit;
        endpointUrl_[s]->setObjectName(QStringLiteral("compareEndpointUrl") + slotName);
        endpointUrl_[s]->setPlaceholderText(QStringLiteral("http://127.0.0.1:8000/v1"));
        endpointModel_[s] = new QLineEdit;
        endpointModel_[s]->setObjectName(QStringLiteral("compareEndpointModel") + slotName);
        endpointModel_[s]->setPlaceholderText(tr("served model (default: the first it lists)"));
        endpointKeyEnv_[s] = new QLineEdit;
        endpointKeyEnv_[s]->setObjectName(QStringLiteral("compareEndpointKeyEnv") + slotName);
        endpointKeyEnv_[s]->setPlaceholderText(tr("API key variable, e.g. OPENAI_API_KEY"));
        endpointKeyEnv_[s]->setToolTip(tr("The name of an environment variable that holds the API key; the key itself is never stored"));
        endpointRow_[s] = new QWidget;
        auto* endpointLayout = new QHBoxLayout(endpointRow_[s]);
        endpointLayout->setContentsMargins(0, 0, 0, 0);
        endpointLayout->addWidget(endpointUrl_[s], 3);
        endpointLayout->addWidget(endpointModel_[s], 2);
        endpointLayout->addWidget(endpointKeyEnv_[s], 2);
        endpointRow_[s]->hide();
        grid->addWidget(endpointRow_[s], 2 * s, 1);
        grid->addWidget(endpointCheck_[s], 2 * s + 1, 0);
        auto changed = [this] {
            updateNames();
            updateModelInfo();
            updateControls();
        };
        connect(endpointCheck_[s], &QCheckBox::toggled, this, [this, s, changed](bool on) {
            pickers_[s]->setVisible(!on);
            endpointRow_[s]->setVisible(on);
            changed();
        });
        connect(endpointUrl_[s], &QLineEdit::textChanged, this, changed);
        connect(endpointModel_[s], &QLineEdit::textChanged, this, changed);
        grid->addWidget(modelStatus_[s], 2 * s, 2);
        grid->addWidget(modelPath_[s], 2 * s + 1, 1, 1, 2);
        connect(pickers_[s], &ModelPicker::entryChanged, this, [this] {
            updateNames();
            updateModelInfo();
            updateControls();
        });
    }
    // The user picked A: the B last compared with it comes back.
    connect(pickers_[0], &QComboBox::activated, this, [this] {
        pairChosen_ = true;
        const QString partner = partnerOf_ ? partnerOf_(pickers_[0]->currentPath()) : QString();
        if (!partner.isEmpty() && partner != pickers_[0]->currentPath()) pickers_[1]->selectPath(partner);
        notePairChosen();
    });
    connect(pickers_[1], &QComboBox::activated, this, [this] {
        pairChosen_ = true;
        notePairChosen();
    });

    referenceWarning_ = new QLabel;
    referenceWarning_->setObjectName(QStringLiteral("compareReferenceWarning"));
    referenceWarning_->setWordWrap(true);
    referenceWarning_->setStyleSheet(QStringLiteral("QLabel { color: #a84b00; }"));
    swap_ = new QPushButton(tr("Swap A and B"));
    swap_->setObjectName(QStringLiteral("compareSwap"));
    swap_->setToolTip(tr("A is the reference of KLD and agreement: usually the unquantized original"));
    auto* warnRow = new QHBoxLayout;
    warnRow->addWidget(referenceWarning_, 1);
    warnRow->addWidget(swap_);
    grid->addLayout(warnRow, 4, 0, 1, 4);
    endpointNote_ = new QLabel;
    endpointNote_->setObjectName(QStringLiteral("compareEndpointNote"));
    endpointNote_->setWordWrap(true);
    endpointNote_->setStyleSheet(QStringLiteral("QLabel { color: #a84b00; }"));
    endpointNote_->hide();   // placed under the foldable setup (see the constructor)

    load_ = new QPushButton(icon(QStringLiteral("compare")), tr("Load both"));
    load_->setObjectName(QStringLiteral("compareLoad"));
    load_->setToolTip(tr("Load A and B at the same time; both stay loaded for chat, battery, quality and sweep"));
    grid->addWidget(load_, 0, 3, 4, 1);
    grid->setColumnStretch(1, 2);
    grid->setColumnStretch(2, 2);
    connect(load_, &QPushButton::clicked, this, &ComparePage::loadModels);
    connect(swap_, &QPushButton::clicked, this, &ComparePage::swapModels);
    updateModelInfo();
    return box;
}

QWidget* ComparePage::buildSettingsBar() {
    auto* box = new QGroupBox(tr("Generation (both models)"));
    device_ = new QComboBox;
    device_->setObjectName(QStringLiteral("compareDevice"));
    device_->addItem(tr("CPU"), QStringLiteral("cpu"));
    device_->addItem(tr("CUDA"), QStringLiteral("cuda"));
    if (cudaEngineAvailable())
        device_->setCurrentIndex(1);
    else if (auto* items = qobject_cast<QStandardItemModel*>(device_->model())) {
        items->item(1)->setEnabled(false);
        // Why, in the CLI's words for the same refusal (awq::deviceUnavailableReason).
        items->item(1)->setToolTip(tr("Not available: %1").arg(QString::fromStdString(deviceUnavailableReason(DeviceKind::Cuda))));
    }
    maxNew_ = new QSpinBox;
    maxNew_->setObjectName(QStringLiteral("compareMaxNew"));
    maxNew_->setRange(1, 8192);
    maxNew_->setValue(96);
    greedy_ = new QCheckBox(tr("Greedy"));
    greedy_->setChecked(true);
    temperature_ = new QDoubleSpinBox;
    temperature_->setRange(0.01, 5);
    temperature_->setSingleStep(0.1);
    temperature_->setValue(1.0);
    topK_ = new QSpinBox;
    topK_->setRange(0, 100000);
    topK_->setSpecialValueText(tr("off"));
    topP_ = new QDoubleSpinBox;
    topP_->setRange(0.01, 1);
    topP_->setSingleStep(0.05);
    topP_->setValue(1.0);
    repetition_ = new QDoubleSpinBox;
    repetition_->setRange(0.5, 3);
    repetition_->setSingleStep(0.05);
    repetition_->setValue(1.0);
    seed_ = new QSpinBox;
    seed_->setRange(0, 1 << 30);

    // Two rows: in one, the eight fields made the page wider than the first-start window (1152
    // px) and pushed every tab's buttons behind a horizontal scroll bar.
    auto* grid = new QGridLayout(box);
    auto place = [grid](int row, int& column, QWidget* field, const QString& label) {
        if (!label.isEmpty()) grid->addWidget(fieldLabel(label, field), row, column++);
        grid->addWidget(field, row, column++, 1, label.isEmpty() ? 2 : 1);
        if (label.isEmpty()) ++column;
    };
    int column = 0;
    place(0, column, device_, tr("Device"));
    place(0, column, maxNew_, tr("Max new tokens"));
    place(0, column, greedy_, {});
    place(0, column, seed_, tr("Seed"));
    column = 0;
    place(1, column, temperature_, tr("Temperature"));
    place(1, column, topK_, tr("Top-k"));
    place(1, column, topP_, tr("Top-p"));
    place(1, column, repetition_, tr("Repetition penalty"));
    grid->setColumnStretch(column, 1);
    auto sampling = [this] {
        for (QWidget* w : std::initializer_list<QWidget*>{temperature_, topK_, topP_, seed_}) w->setEnabled(!greedy_->isChecked());
    };
    connect(greedy_, &QCheckBox::toggled, this, sampling);
    connect(device_, &QComboBox::currentIndexChanged, this, &ComparePage::updateControls);
    connect(device_, &QComboBox::currentIndexChanged, this, &ComparePage::updateDeviceLabel);
    sampling();
    return box;
}

void ComparePage::setCatalog(CatalogTableModel* catalog) {
    catalog_ = catalog;
    for (ModelPicker* p : pickers_) p->setCatalog(catalog);
    applyDefaultPair();
    // After the pickers' own rebuild (connected first, in setCatalog).
    connect(catalog, &QAbstractItemModel::modelReset, this, &ComparePage::applyDefaultPair);
    connect(catalog, &QAbstractItemModel::rowsInserted, this, &ComparePage::applyDefaultPair);
}

void ComparePage::applyDefaultPair() {
    if (pairChosen_ || modelsLoaded() || !catalog_) return;
    // The first library model with a quantized sibling (<name>-awq first).
    QString a, b;
    for (int row = 0; row < catalog_->rowCount() && b.isEmpty(); ++row) {
        const CatalogEntryPtr base = catalog_->entry(row);
        if (!base || base->origin != ModelOrigin::Library) continue;
        if (const CatalogEntryPtr sibling = catalog_->quantizedSibling(base)) {
            a = toQString(base->path);
            b = toQString(sibling->path);
        }
    }
    for (ModelPicker* p : pickers_) {
        const QSignalBlocker block(p);
        p->setCurrentIndex(-1);
    }
    if (!a.isEmpty()) {
        pickers_[0]->selectPath(a);
        pickers_[1]->selectPath(b);
    }
    updateNames();
    updateModelInfo();
    updateControls();
}

void ComparePage::setRunsFolder(const QString& folder) {
    runsFolder_ = folder;
    refreshSavedConversations();
}

void ComparePage::setConversationsFolder(const QString& folder) {
    conversationsFolder_ = folder;
    refreshSavedConversations();
}

QString ComparePage::conversationsFolder() const {
    if (!conversationsFolder_.isEmpty()) return conversationsFolder_;
    const QString runs = runsFolder_.isEmpty() ? QDir::current().filePath(QStringLiteral("runs")) : runsFolder_;
    return QDir::cleanPath(runs + QStringLiteral("/../conversations"));
}

void ComparePage::refreshSavedConversations() {
    QStringList files, titles;
    for (const auto& path : listConversations(toPath(conversationsFolder()))) {
        try {
            const Conversation c = loadConversation(path);
            const VoteTally t = c.tally();
            files << toQString(path);
            titles << tr("%1 · %2 vs %3 · %4").arg(QString::fromStdString(c.created.substr(0, 16)).replace(QLatin1Char('T'), QLatin1Char(' ')),
                                                  QString::fromStdString(c.models[0].name), QString::fromStdString(c.models[1].name),
                                                  QString::fromStdString(c.title())) +
                          (t.total() ? tr(" · %n vote(s)", nullptr, t.total()) : QString());
        } catch (const std::exception& e) {
            spdlog::warn("Compare: skipping a saved conversation: {}", e.what());
        }
    }
    chat_->setSavedConversations(files, titles);
}

// The chat's votes belong to the comparison's run document too (one comparison, one run), when the
// conversation is between the pair loaded now (a reopened older conversation may not be).
void ComparePage::saveVotesToComparison(const Conversation& c) {
    const VoteTally t = c.tally();
    if (t.total() == 0 || !modelsLoaded()) return;
    for (int s = 0; s < 2; ++s)
        if (c.models[s].path != session_->loadedPath(s).toStdString()) return;
    const std::string file = toPath(conversationFile_).string();
    saveToComparison([&](RunDocument& d) {
        if (!d.arena) d.arena.emplace();
        auto& list = d.arena->conversations;
        auto it = std::find_if(list.begin(), list.end(), [&](const ArenaConversation& a) { return a.file == file; });
        if (it == list.end()) it = list.insert(list.end(), ArenaConversation{file});
        it->aBetter = t.aBetter;
        it->bBetter = t.bBetter;
        it->tie = t.tie;
        it->bothBad = t.bothBad;
    }, false);
}

void ComparePage::saveConversation() {
    Conversation& c = chat_->conversation();
    if (c.turns.empty()) return;
    if (c.created.empty() || conversationFile_.isEmpty()) {
        if (c.created.empty()) c.created = utcNow();
        for (int s = 0; s < 2; ++s) c.models[s] = {shortName(s).toStdString(), session_->loadedPath(s).toStdString()};
        c.device = deviceLabel_.toStdString();
        conversationFile_ = QDir(conversationsFolder()).filePath(QString::fromStdString(conversationFileName(c)));
        // A new conversation within the same second as the last one (a changed system prompt) must
        // not overwrite it.
        const QString stem = conversationFile_.chopped(5);
        for (int n = 2; QFileInfo::exists(conversationFile_); ++n) conversationFile_ = QStringLiteral("%1-%2.json").arg(stem).arg(n);
    }
    // Each turn keeps the prompt it was sent under; the top-level one (older readers) is the first's.
    c.systemPrompt = c.turns.front().systemPrompt;
    try {
        awq::saveConversation(c, toPath(conversationFile_));
        spdlog::info("Compare: conversation saved to {}", conversationFile_.toStdString());
    } catch (const std::exception& e) {
        return report(tr("Could not save the conversation: %1").arg(QString::fromUtf8(e.what())), true);
    }
    saveVotesToComparison(c);
    refreshSavedConversations();
}

bool ComparePage::openConversation(const QString& file) {
    if (session_->isBusy()) {
        report(tr("Wait until the %1 finishes, or stop it, to open a conversation.").arg(runKind_), true);
        return false;
    }
    Conversation c;
    try {
        c = loadConversation(toPath(file));
    } catch (const std::exception& e) {
        report(tr("Cannot open the conversation: %1").arg(QString::fromUtf8(e.what())), true);
        return false;
    }
    restoreModels(QString::fromStdString(c.models[0].path), QString::fromStdString(c.models[1].path));
    chat_->showConversation(c);
    conversationFile_ = file;
    tabs_->setCurrentWidget(chat_);
    restorePending_ = true;
    if (modelsLoaded())
        restoreConversationIntoModels();
    else
        report(tr("Opened the conversation of %1 and %2; it continues once both are loaded.")
                   .arg(QString::fromStdString(c.models[0].name), QString::fromStdString(c.models[1].name)));
    return true;
}

bool ComparePage::conversationMatchesModels() const {
    const Conversation& c = chat_->conversation();
    return QDir::cleanPath(QString::fromStdString(c.models[0].path)) == QDir::cleanPath(pickers_[0]->currentPath()) &&
           QDir::cleanPath(QString::fromStdString(c.models[1].path)) == QDir::cleanPath(pickers_[1]->currentPath());
}

void ComparePage::restoreConversationIntoModels() {
    const Conversation& c = chat_->conversation();
    if (!std::exchange(restorePending_, false) || c.turns.empty() || !conversationMatchesModels()) return;
    std::array<std::vector<std::pair<std::string, std::string>>, 2> exchanges;
    for (const ConversationTurn& t : c.turns)
        for (int s = 0; s < 2; ++s) exchanges[s].emplace_back(t.user, t.replies[s].text);
    if (session_->restoreChat(exchanges))
        report(tr("The opened conversation continues: %1 so far.").arg(countNoun(std::int64_t(c.turns.size()), tr("exchange"), tr("exchanges"))));
}

void ComparePage::setModels(const QString& a, const QString& b) {
    restoreModels(a, b);
    // A pair chosen from elsewhere (Compare with…, Swap) that is not the loaded one: the models bar
    // unfolds, with its warning, Swap and "Load both" (loading folds it to one line).
    if (!modelsLoaded()) setSetupExpanded(true);
    notePairChosen();
}

void ComparePage::restoreModels(const QString& a, const QString& b) {
    pairChosen_ = pairChosen_ || !a.isEmpty() || !b.isEmpty();
    // An empty path: no model on that side (not whatever the picker held).
    for (int s = 0; s < 2; ++s) {
        const QString& path = s == 0 ? a : b;
        if (path.isEmpty()) pickers_[s]->setCurrentIndex(-1);
        else pickers_[s]->selectPath(path);
    }
    updateNames();
    updateModelInfo();
    updateControls();
}

void ComparePage::swapModels() {
    const QString a = pickers_[0]->currentPath(), b = pickers_[1]->currentPath();
    if (a.isEmpty() || b.isEmpty()) return;
    setModels(b, a);
    report(tr("Swapped: A is now %1, B is %2.").arg(shortName(0), shortName(1)));
}

void ComparePage::notePairChosen() {
    const QString a = pickers_[0]->currentPath(), b = pickers_[1]->currentPath();
    if (!a.isEmpty() && !b.isEmpty()) Q_EMIT pairChosen(a, b);
}

namespace {
bool isQuantized(const CatalogEntryPtr& e) { return e && e->info && e->info->config.quantization.method != QuantMethod::None; }
}  // namespace

void ComparePage::updateModelInfo() {
    for (int s = 0; s < 2; ++s) {
        const CatalogEntryPtr e = pickers_[s]->currentEntry();
        if (isEndpoint(s))
            modelPath_[s]->setText(tr("Endpoint: %1").arg(endpointUrl_[s]->text().trimmed()));
        else
            modelPath_[s]->setText(e ? tr("%1: %2").arg(originText(e->origin), pickers_[s]->currentPath()) : QString());
        modelPath_[s]->setToolTip(modelPath_[s]->text());
    }
    const CatalogEntryPtr a = pickers_[0]->currentEntry(), b = pickers_[1]->currentEntry();
    const bool flipped = !isEndpoint(0) && !isEndpoint(1) && isQuantized(a) && b && b->info && !isQuantized(b);
    referenceWarning_->setText(flipped ? tr("A is quantized (%1) and B is not: KLD and agreement are measured against A, so the "
                                            "quantized model would be the reference. Swap them to measure B against the original?")
                                             .arg(quantizationText(*a))
                                       : QString());
    referenceWarning_->setVisible(flipped);
    swap_->setVisible(flipped);
}

void ComparePage::updateDeviceLabel() {
    if (!device_) return;
    deviceLabel_ = QString::fromStdString(awq::deviceLabel(thisHost(device_->currentData().toString().toStdString())));
    chat_->setDeviceLabel(deviceLabel_);
    battery_->setDeviceLabel(deviceLabel_);
    sweep_->setDeviceLabel(deviceLabel_);
    speedNote_->hide();   // a note about the other device no longer applies
    updateSetupSummary();
}

void ComparePage::explainSpeeds(double aTps, double bTps, const std::string& figure) {
    if (isEndpoint(0) || isEndpoint(1)) return;   // an endpoint's device is the server's, unknown here
    // Only where one loaded model is the other's quantization (its source fingerprint): another
    // source's quantized model is no "original's speed" to explain.
    showSpeedNote(pairSpeedNote(thisHost(runSettings().device), session_->identity(0), session_->identity(1), aTps, bTps, figure));
}

void ComparePage::explainChatSpeeds() {
    if (isEndpoint(0) || isEndpoint(1)) return;
    // Like with like: the replies' decode speed, not end-to-end tok/s (each prompt's prefill differs).
    showSpeedNote(chatSpeedNote(thisHost(runSettings().device), session_->identity(0), session_->identity(1), chatTpotMs_[0], chatTpotMs_[1]));
}

void ComparePage::showSpeedNote(const std::optional<std::string>& note) {
    speedNote_->setText(note ? QString::fromStdString(*note) : QString());
    speedNote_->setVisible(note.has_value());
    speedNote_->setMinimumHeight(std::max(0, speedNote_->heightForWidth(speedNote_->width())));   // -1: no text
}

// The speed note wraps to three lines at 1152x720, but a wrapped label's minimum size counts fewer:
// the page then squeezed the battery's answer boxes to two lines instead of scrolling. Its
// minimum height follows its wrapped height at the width it has.
bool ComparePage::eventFilter(QObject* watched, QEvent* event) {
    if (watched == speedNote_ && event->type() == QEvent::Resize) {
        const int h = speedNote_->heightForWidth(speedNote_->width());
        if (h > 0 && h != speedNote_->minimumHeight()) speedNote_->setMinimumHeight(h);
    }
    return QWidget::eventFilter(watched, event);
}

QString ComparePage::speedNote() const { return speedNote_->isHidden() ? QString() : speedNote_->text(); }

QString ComparePage::statusText() const { return status_->text(); }

bool ComparePage::referenceWarningShown() const { return !referenceWarning_->isHidden(); }

QString ComparePage::referenceWarning() const { return referenceWarning_->text(); }

bool ComparePage::modelsLoaded() const {
    return session_->isLoaded() && session_->loadedPath(0) == sourceKey(0) && session_->loadedPath(1) == sourceKey(1);
}

bool ComparePage::isEndpoint(int slot) const { return endpointCheck_[slot]->isChecked(); }

QString ComparePage::sourceKey(int slot) const {
    if (!isEndpoint(slot)) return pickers_[slot]->currentPath();
    const QString url = endpointUrl_[slot]->text().trimmed();
    if (url.isEmpty()) return {};
    return CompareSession::Source{{}, serve::Endpoint{url.toStdString(), endpointModel_[slot]->text().trimmed().toStdString(), {}}}.key();
}

void ComparePage::setEndpoint(int slot, const QString& url, const QString& model, const QString& keyEnv) {
    endpointUrl_[slot]->setText(url);
    endpointModel_[slot]->setText(model);
    endpointKeyEnv_[slot]->setText(keyEnv);
    endpointCheck_[slot]->setChecked(true);
}

void ComparePage::clearEndpoint(int slot) { endpointCheck_[slot]->setChecked(false); }

QString ComparePage::endpointNote() const {
    QStringList notes;
#if AWQBENCH_UI_WITH_SERVE
    for (int s = 0; s < 2; ++s)
        if (session_->isLoaded() && session_->endpoint(s))
            notes << QString::fromStdString(serve::endpointNote(CompareSession::slotName(s).toStdString(), *session_->endpoint(s), false));
#endif
    return notes.join(QLatin1Char('\n'));
}

RunSettings ComparePage::runSettings() const {
    RunSettings s;
    s.device = device_->currentData().toString().toStdString();
    s.maxNewTokens = maxNew_->value();
    s.greedy = greedy_->isChecked();
    s.temperature = temperature_->value();
    s.topK = topK_->value();
    s.topP = topP_->value();
    s.repetitionPenalty = repetition_->value();
    s.seed = static_cast<std::uint64_t>(seed_->value());
    return s;
}

void ComparePage::loadModels() {
    std::array<CompareSession::Source, 2> sources;
    for (int s = 0; s < 2; ++s) {
        if (sourceKey(s).isEmpty()) return report(tr("Choose models A and B first."), true);
        if (!isEndpoint(s)) {
            sources[s].folder = pickers_[s]->currentPath();
            continue;
        }
        // The key is read from the named variable now and kept in memory only (never in a run document).
        std::string key;
        if (const QString var = endpointKeyEnv_[s]->text().trimmed(); !var.isEmpty()) {
            const char* value = std::getenv(var.toLocal8Bit().constData());
            if (!value) return report(tr("The environment variable %1 (the API key of %2) is not set.").arg(var, CompareSession::slotName(s)), true);
            key = value;
        }
        sources[s].endpoint = serve::Endpoint{endpointUrl_[s]->text().trimmed().toStdString(), endpointModel_[s]->text().trimmed().toStdString(), key};
    }
    if (!isEndpoint(0) && !isEndpoint(1)) notePairChosen();
    for (QLabel* l : modelStatus_) l->setText(tr("Loading…"));
    endpointNote_->hide();
    runKind_ = QStringLiteral("load");
    spdlog::info("Compare: loading A = {} and B = {}", sourceKey(0).toStdString(), sourceKey(1).toStdString());
    session_->load(sources, runSettings());
    // A conversation opened for this pair continues once loaded; a live one ends with the reload.
    if (!restorePending_ || !conversationMatchesModels()) {
        restorePending_ = false;
        chat_->clearConversation();
        conversationFile_.clear();
    }
}

void ComparePage::sendChat(const QString& message) {
    if (session_->isBusy())
        return report(runKind_ == QLatin1String("load") ? tr("Still loading A and B; send again when both are loaded.")
                                                        : tr("Wait until the %1 finishes, or stop it, to chat.").arg(runKind_),
                      true);
    if (!modelsLoaded()) {
        if (sourceKey(0).isEmpty() || sourceKey(1).isEmpty())
            return report(tr("Choose models A and B to chat with."), true);
        pendingChat_ = message;
        loadModels();
        if (session_->isBusy()) report(tr("Loading A and B first; your message is sent when both are loaded."));
        return;
    }
    // One conversation, one system prompt: its saved exchanges (and their votes) stay what they were
    // sent under, and the models' history is rendered under the prompt it was answered under.
    if (chat_->systemPromptChanged()) {
        if (!confirm_(tr("The system prompt changed. Start a new conversation with it? The current conversation stays saved "
                         "with its own system prompt.")))
            return report(tr("Not sent: the system prompt differs from this conversation's (\"%1\"). Set it back, or start a new "
                             "conversation to use the new one.")
                              .arg(chat_->conversationSystemPrompt()),
                          true);
        chat_->clearConversation();
        startNewConversation();
    }
    runKind_ = QStringLiteral("chat");
    chatReplied_[0] = chatReplied_[1] = false;
    clearError();   // the last exchange's failure is not this one's
    chat_->beginTurn(message);
    session_->chat(message, runSettings(), chat_->systemPrompt());
}

void ComparePage::regenerateChat() {
    const QString message = chat_->lastUserMessage();
    if (message.isEmpty() || !modelsLoaded() || session_->isBusy() || !chat_->turnComplete()) return;
    runKind_ = QStringLiteral("chat");
    chatReplied_[0] = chatReplied_[1] = false;
    chat_->beginRegenerate();
    // Asked again under the prompt it was first sent under (the field may have changed since).
    session_->chat(message, runSettings(), chat_->conversationSystemPrompt(), true);
}

void ComparePage::clearError() {
    if (status_->styleSheet().isEmpty()) return;
    status_->clear();
    status_->setToolTip({});
    status_->setStyleSheet({});
}

void ComparePage::startNewConversation() {
    session_->resetChat();
    conversationFile_.clear();
    restorePending_ = false;
    report(tr("New conversation."));   // an error of the last one no longer applies
}

QString ComparePage::runningWork() const {
    if (!session_->isBusy()) return {};
    return runKind_ == QLatin1String("quality") ? tr("quality check") : runKind_;
}

void ComparePage::runBattery() {
    if (!modelsLoaded()) return;
    Battery battery;
    try {
        battery = battery_->chosenBattery();
    } catch (const std::exception& e) {
        return report(tr("Cannot read the battery: %1").arg(QString::fromUtf8(e.what())), true);
    }
    runKind_ = QStringLiteral("battery");
    battery_->begin(battery);
    spdlog::info("Compare: battery {} ({} tests) on A and B", battery.name, battery.tests.size());
    session_->runBattery(battery, runSettings());
}

void ComparePage::runQuality() {
    if (!modelsLoaded()) return;
    const QualityOptions options = quality_->options();
    if (options.text.empty()) return report(tr("Choose a text file to score."), true);
    if (session_->isEndpoint(0) && session_->isEndpoint(1))
        return report(tr("Perplexity and KLD need a model's logits, which an endpoint does not give: choose a model folder for A or B."), true);
    runKind_ = QStringLiteral("quality");
    quality_->begin();
    spdlog::info("Compare: perplexity and KLD on {}", options.text.string());
    session_->runQuality(options);
}

void ComparePage::runSweep() {
    if (!modelsLoaded()) return;
    SweepSettings settings;
    try {
        settings = sweep_->settings();
    } catch (const std::exception& e) {
        return report(QString::fromUtf8(e.what()), true);
    }
    if (settings.concurrency.back() > 64) return report(tr("Concurrency is limited to 64 sequences here."), true);
    runKind_ = QStringLiteral("sweep");
    sweep_->begin();
    spdlog::info("Compare: concurrency sweep of A and B");
    session_->runSweep(settings, runSettings());
}

void ComparePage::runTimeline() {
    if (!modelsLoaded()) return;
    if (session_->isEndpoint(0) || session_->isEndpoint(1))
        return report(tr("The decode timeline records the kernels of model folders on this machine; an endpoint's run on its server."), true);
    runKind_ = QStringLiteral("timeline");
    timeline_->begin();
    spdlog::info("Compare: decode timeline of A and B ({} steps)", timeline_->steps());
    session_->runTimeline(TimelineOptions{.steps = timeline_->steps(), .prompt = timeline_->prompt().toStdString()});
}

void ComparePage::cancel() { session_->cancel(); }

void ComparePage::limitQualityContext() {
    int limit = 0;
    QStringList whose;   // the slot(s) with the smaller context
    for (int s = 0; s < 2; ++s) {
        const int context = session_->isLoaded() ? session_->contextTokens(s) : 0;
        if (context <= 0) continue;   // an endpoint: its server's limit, not known here
        const QString name = tr("%1 (%2)").arg(QString::fromStdString(session_->identity(s).name), CompareSession::slotName(s));
        if (limit == 0 || context < limit) {
            limit = context;
            whose = {name};
        } else if (context == limit) {
            whose << name;
        }
    }
    quality_->setContextLimit(limit, whose.join(tr(" and ")));
}

void ComparePage::updateNames() {
    const QString a = shortName(0), b = shortName(1);
    chat_->setModelNames(a, b);
    battery_->setModelNames(a, b);
    quality_->setModelNames(a, b);
    sweep_->setModelNames(a, b);
    timeline_->setModelNames(a, b);
}

QString ComparePage::shortName(int slot) const {
    if (isEndpoint(slot)) {
        const QString model = endpointModel_[slot]->text().trimmed();
        if (!model.isEmpty()) return model;
        if (session_->isLoaded() && session_->loadedPath(slot) == sourceKey(slot)) return QString::fromStdString(session_->identity(slot).name);
        return endpointUrl_[slot]->text().trimmed();
    }
    const QString path = pickers_[slot]->currentPath();
    return path.isEmpty() ? tr("none") : QFileInfo(path).fileName();
}

void ComparePage::updateControls() {
    updateSetupSummary();
    const bool busy = session_->isBusy();
    const bool ready = modelsLoaded() && !busy;
    load_->setEnabled(!busy && !sourceKey(0).isEmpty() && !sourceKey(1).isEmpty());
    for (ModelPicker* p : pickers_) p->setEnabled(!busy);
    for (int s = 0; s < 2; ++s) {
        endpointCheck_[s]->setEnabled(!busy);
        endpointRow_[s]->setEnabled(!busy);
    }
    swap_->setEnabled(!busy);
    device_->setEnabled(!busy);
    chat_->setRunning(busy && runKind_ == QLatin1String("chat"), ready);
    battery_->setRunning(busy && runKind_ == QLatin1String("battery"), ready);
    quality_->setRunning(busy && runKind_ == QLatin1String("quality"), ready);
    sweep_->setRunning(busy && runKind_ == QLatin1String("sweep"), ready);
    timeline_->setRunning(busy && runKind_ == QLatin1String("timeline"), ready && !isEndpoint(0) && !isEndpoint(1));
    if (!busy && !modelsLoaded() && session_->isLoaded())
        for (QLabel* l : modelStatus_) l->setText(tr("Changed: load both again"));
}

RunDocument ComparePage::newDocument(const std::string& kind) const {
    RunDocument doc = newRunDocument(kind, runSettings());
    doc.models["A"] = session_->identity(0);
    doc.models["B"] = session_->identity(1);
    for (const QString& note : endpointNote().split(QLatin1Char('\n'), Qt::SkipEmptyParts)) doc.notes.push_back(note.toStdString());
    return doc;
}

void ComparePage::saveToComparison(const std::function<void(RunDocument&)>& section, bool cancelled) {
    if (!comparison_) comparison_ = newDocument("compare");
    section(*comparison_);
    comparison_->cancelled = comparison_->cancelled || cancelled;
    saveRun(*comparison_);
}

void ComparePage::saveRun(RunDocument& doc) {
    const QString folder = runsFolder_.isEmpty() ? QDir::current().filePath(QStringLiteral("runs")) : runsFolder_;
    QString stamp = QString::fromStdString(doc.created);
    stamp.remove(QLatin1Char(':')).remove(QLatin1Char('-'));
    const auto safe = [](QString name) { return name.replace(QRegularExpression(QStringLiteral("[^A-Za-z0-9._-]")), QStringLiteral("_")); };
    const QString base = QStringLiteral("%1-%2-%3-vs-%4").arg(stamp, QString::fromStdString(doc.kind), safe(shortName(0)), safe(shortName(1)));
    // The comparison's file once it has one: its later runs are saved over it.
    QString file = comparisonFile_;
    if (file.isEmpty()) {
        file = QDir(folder).filePath(base + QStringLiteral(".json"));
        for (int n = 2; QFileInfo::exists(file); ++n) file = QDir(folder).filePath(QStringLiteral("%1-%2.json").arg(base).arg(n));
    }
    try {
        QDir().mkpath(folder);
        if (doc.timeline) saveTimelineTraces(*doc.timeline, toPath(file));   // beside it, named in it
        saveRunDocument(doc, toPath(file));
        comparisonFile_ = file;
        lastRunFile_ = file;
        spdlog::info("Compare: run saved to {}", file.toStdString());
        Q_EMIT runSaved(file);
    } catch (const std::exception& e) {
        report(tr("Could not save the run: %1").arg(QString::fromUtf8(e.what())), true);
    }
}

void ComparePage::report(const QString& text, bool error) {
    QString shown = text;
    QString inPage = text;
    if (!error && !lastRunFile_.isEmpty() && runKind_ != QLatin1String("load")) {
        shown += tr(" Saved: %1").arg(lastRunFile_);
        // On the page the path (which holds both model names) is elided in its middle to one line,
        // whole in the tooltip and in the status bar's: with long names it wrapped to a second line
        // cut off at the page's bottom.
        const QFontMetrics fm = status_->fontMetrics();
        const int room = std::max(fm.averageCharWidth() * 30, status_->width() - fm.horizontalAdvance(text + tr(" Saved: ")) - 8);
        inPage += tr(" Saved: %1").arg(fm.elidedText(lastRunFile_, Qt::ElideMiddle, room));
    }
    status_->setText(inPage);
    status_->setToolTip(inPage == shown ? QString() : shown);
    status_->setStyleSheet(error ? QStringLiteral("QLabel { color: #b3261e; }") : QString());
    if (error) spdlog::warn("Compare: {}", text.toStdString());
    Q_EMIT statusMessage(shown);
}

}  // namespace awq::ui
