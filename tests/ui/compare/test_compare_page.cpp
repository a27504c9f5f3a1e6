// The Compare page end to end on two demo models (the FP16 story model and its AWQ version): load
// both, chat with both at once, run the battery (built in and a user file with references) and
// read the totals table, perplexity / KLD, a small concurrency sweep; every run lands as a run
// document in the runs folder from the settings.
#include "core/compare/device_label.h"
#include "core/compare/chat_session.h"
#include "core/compare/conversation.h"
#include "core/engine/engine.h"
#include "core/library/catalog.h"
#include "core/run/run_document.h"
#include "core/util/logging.h"
#include "tests/support/test_paths.h"
#include "tests/ui/ui_fixtures.h"
#include "core/compare/battery_answers.h"
#include "ui/compare/answer_pane.h"
#include "ui/compare/battery_view.h"
#include "ui/compare/failure_catalog_view.h"
#include "ui/compare/chat_view.h"
#include "ui/compare/compare_page.h"
#include "ui/compare/compare_session.h"
#include "ui/compare/quality_view.h"
#include "ui/compare/sweep_view.h"
#include "ui/compare/timeline_view.h"
#include "ui/util/catalog_text.h"
#include "ui/models/models_page.h"
#include "ui/util/model_picker.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/main_window.h"
#include "ui/util/path_text.h"
#include "ui/util/qcustomplot_include.h"

#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QFileInfo>
#include <QTextBrowser>
#include <QDir>
#include <QGuiApplication>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabBar>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTextDocument>
#include <QtTest>

#include <fstream>
#include <iterator>

namespace fs = std::filesystem;
using namespace awq;
using namespace awq::ui;

namespace {

QString totals(const BatteryView& v, int column, int slot) { return v.totalsTable()->item(slot, column)->text(); }

}  // namespace

class ComparePageTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    std::unique_ptr<MainWindow> window_;
    QString runs_;
    QString builtInRun_;   // the built-in battery's run document
    QString savedConversation_;   // saved by regenerateVoteAndSavedConversations
    ComparePage& page() { return *window_->comparePage(); }

    // The demo pair loaded (a test before may have chosen another pair), the Chat tab shown, an
    // empty conversation.
    void useDemoPairForChat(ComparePage& p) {
        p.setModels(toQString(test::modelDir("tinystories-qwen3-7m")), toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        if (!p.modelsLoaded()) {
            QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
            p.loadModels();
            QVERIFY(loaded.wait(120000));
            QVERIFY(p.modelsLoaded());
        }
        p.tabs()->setCurrentIndex(ComparePage::ChatTab);
        QTest::mouseClick(p.chat()->newButton(), Qt::LeftButton);
    }

    static std::string longStory(int sentences) {
        std::string story;
        for (int i = 0; i < sentences; ++i) story += "Once upon a time there was a little cat who liked to play in the garden with a red ball. ";
        return story;
    }

    // Sends what the message box holds and waits until both replies (or failures) are in.
    bool sendAndWait(ComparePage& p, const QString& message) {
        p.chat()->promptEdit()->setText(message);
        QTest::keyClick(p.chat()->promptEdit(), Qt::Key_Return);
        return QTest::qWaitFor([&] { return !p.session()->isBusy(); }, 180000);
    }

    // Runs one of the page's jobs and waits for its run document.
    QString waitForRun(const char* what) {
        QSignalSpy saved(&page(), &ComparePage::runSaved);
        QSignalSpy finished(&page(), &ComparePage::runFinished);
        if (!finished.wait(300000)) {
            qWarning("%s did not finish", what);
            return {};
        }
        return saved.isEmpty() ? QString() : saved.first().at(0).toString();
    }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        awq::logging::init({}, false, spdlog::level::debug);
        const QString settingsFile = tmp_.filePath(QStringLiteral("settings.ini"));
        runs_ = tmp_.filePath(QStringLiteral("runs"));
        {
            AppSettings s(settingsFile);
            QCOMPARE(s.runsFolder(), AppSettings::defaultRunsFolder());   // default: under the app data dir
            s.setRunsFolder(runs_);
            s.sync();
        }
        MainWindowOptions o;
        o.settingsFile = settingsFile;
        o.libraryOverride = QStringList{toQString(test::modelDir("tinystories-qwen3-7m")), toQString(test::modelDir("tinystories-qwen3-7m-awq"))};
        o.monitorGpus = false;
        o.scanOnStart = false;
        window_ = std::make_unique<MainWindow>(o);
        QVERIFY(window_->comparePage());
        QCOMPARE(page().runsFolder(), runs_);
        window_->resize(1280, 800);
        window_->show();
        QSignalSpy scanned(window_->modelsPage(), &ModelsPage::scanFinished);
        window_->rescan();
        QVERIFY(scanned.wait(60000));
        window_->showPlace(Place::Compare);
    }

    void cleanupTestCase() { window_.reset(); }

    // Without models to load, Enter in the chat says why nothing happens.
    void enterWithoutModelsSaysWhy() {
        ComparePage empty;   // no catalog: nothing to choose
        empty.show();
        empty.tabs()->setCurrentIndex(ComparePage::ChatTab);
        QVERIFY(empty.pickerA()->currentPath().isEmpty());
        QTest::keyClicks(empty.chat()->promptEdit(), QStringLiteral("Hello"));
        QTest::keyClick(empty.chat()->promptEdit(), Qt::Key_Return);
        QCOMPARE(empty.statusText(), QStringLiteral("Choose models A and B to chat with."));
        QVERIFY(!empty.session()->isBusy());
        QCOMPARE(empty.chat()->promptEdit()->text(), QStringLiteral("Hello"));   // kept for when they are chosen
    }

    // First start (no remembered pair): A and B are a library model and its quantized sibling, never a
    // warm-pool copy (the trial's A was one flagged CHANGED) nor an unrelated model; without such a
    // pair, nothing is chosen.
    void firstStartPicksAModelAndItsSibling() {
        const QDir scratch(tmp_.path());
        QVERIFY(scratch.mkpath(QStringLiteral("default-pair/pool")));
        const fs::path poolCopy = toPath(scratch.filePath(QStringLiteral("default-pair/pool/tinystories-qwen3-7m-awq")));
        test::copyFixtureModel("tinystories-qwen3-7m-awq", poolCopy);
        auto entry = [](const fs::path& path, ModelOrigin origin) { return describeCandidate(path, origin); };
        CatalogTableModel catalog;
        ComparePage p;
        p.setCatalog(&catalog);
        // The pool copy and an unrelated model listed first, as the scan may list them.
        std::vector<CatalogEntry> entries{entry(poolCopy, ModelOrigin::WarmPool), entry(test::modelDir("tinystories-656k"), ModelOrigin::Library),
                                          entry(test::modelDir("tinystories-qwen3-7m-awq"), ModelOrigin::Library),
                                          entry(test::modelDir("tinystories-qwen3-7m-autoawq"), ModelOrigin::Library),
                                          entry(test::modelDir("tinystories-qwen3-7m"), ModelOrigin::Library)};
        for (const auto& e : entries) QVERIFY2(e.ok(), e.error.c_str());
        catalog.setEntries(entries);
        QCOMPARE(p.pickerA()->currentPath(), QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m"))));
        QCOMPARE(p.pickerB()->currentPath(), QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m-awq"))));

        // No model with a quantized sibling in the library (the pool copy does not count): nothing.
        catalog.setEntries({entry(poolCopy, ModelOrigin::WarmPool), entry(test::modelDir("tinystories-656k"), ModelOrigin::Library),
                            entry(test::modelDir("mistral-random"), ModelOrigin::Library)});
        QCOMPARE(p.pickerA()->currentIndex(), -1);
        QCOMPARE(p.pickerB()->currentIndex(), -1);
        QVERIFY(p.pickerA()->currentPath().isEmpty() && p.pickerB()->currentPath().isEmpty());
        QCOMPARE(p.pickerB()->placeholderText(), QStringLiteral("Choose a model"));

        // A pair the user chose stays through rescans, even one that lists a model-and-sibling pair.
        p.setModels(toQString(test::modelDir("tinystories-656k")), toQString(test::modelDir("mistral-random")));
        entries.push_back(entry(test::modelDir("mistral-random"), ModelOrigin::Library));
        catalog.setEntries(entries);
        QCOMPARE(p.pickerA()->currentPath(), QDir::cleanPath(toQString(test::modelDir("tinystories-656k"))));
        QCOMPARE(p.pickerB()->currentPath(), QDir::cleanPath(toQString(test::modelDir("mistral-random"))));
    }

    // Enter in the chat before "Load both" loads the pair and sends the message once both are
    // loaded (it used to do nothing); the prompt keeps the focus for the next message.
    void enterBeforeLoadingLoadsAndSends() {
        ComparePage& p = page();
        p.setModels(toQString(test::modelDir("tinystories-qwen3-7m")), toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        p.maxNewSpin()->setValue(8);
        p.tabs()->setCurrentIndex(ComparePage::ChatTab);
        ChatView* chat = p.chat();
        QVERIFY(!p.modelsLoaded());
        QVERIFY(!chat->sendButton()->isEnabled());
        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        chat->promptEdit()->setFocus();
        QTest::keyClicks(chat->promptEdit(), QStringLiteral("Once upon a time"));
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QVERIFY(p.session()->isBusy());
        QVERIFY2(p.statusText().contains(QLatin1String("Loading A and B first")), qPrintable(p.statusText()));
        // Enter again while loading says why nothing more happens.
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QVERIFY2(p.statusText().contains(QLatin1String("Still loading")), qPrintable(p.statusText()));
        QVERIFY(loaded.wait(120000));
        QCOMPARE(loaded.first().at(0).toBool(), true);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2, 60000);
        for (int s = 0; s < 2; ++s)
            QVERIFY2(chat->transcript(s)->toPlainText().startsWith(QLatin1String("You: Once upon a time")), qPrintable(chat->transcript(s)->toPlainText()));
        QVERIFY(chat->promptEdit()->text().isEmpty());
        QCOMPARE(window_->focusWidget(), chat->promptEdit());
    }

    void loadsBothModels() {
        ComparePage& p = page();
        QCOMPARE(p.pickerA()->count(), 2);
        p.setModels(toQString(test::modelDir("tinystories-qwen3-7m")), toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        QVERIFY(p.pickerA()->currentText().startsWith(QLatin1String("tinystories-qwen3-7m ")));
        QVERIFY(p.pickerB()->currentText().startsWith(QLatin1String("tinystories-qwen3-7m-awq")));
        // Each choice names its origin and path (a library model and its warm-pool copy share a name).
        QVERIFY2(p.pickerA()->currentText().endsWith(QStringLiteral("· library")), qPrintable(p.pickerA()->currentText()));
        QCOMPARE(p.modelPath(0)->text(), QStringLiteral("Library: %1").arg(QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m")))));
        QCOMPARE(p.modelPath(1)->text(), QStringLiteral("Library: %1").arg(QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m-awq")))));
        QVERIFY(!p.referenceWarningShown());   // A is the original: nothing to warn about
        QVERIFY(p.deviceLabel().startsWith(QLatin1String("CPU (")));
        p.maxNewSpin()->setValue(16);
        p.tabs()->setCurrentIndex(ComparePage::ChatTab);

        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        p.loadButton()->setFocus();   // as a click leaves it; the button is disabled while loading
        QTest::mouseClick(p.loadButton(), Qt::LeftButton);
        QVERIFY(!p.battery()->runButton()->isEnabled());   // nothing loaded yet
        QVERIFY(loaded.wait(120000));
        QCOMPARE(loaded.first().at(0).toBool(), true);
        QVERIFY(p.modelsLoaded());
        QVERIFY2(p.modelStatus(0)->text().startsWith(QLatin1String("Loaded")), qPrintable(p.modelStatus(0)->text()));
        QVERIFY2(p.modelStatus(1)->text().startsWith(QLatin1String("Loaded")), qPrintable(p.modelStatus(1)->text()));
        QVERIFY(p.battery()->runButton()->isEnabled());
        // User trial: loaded, models and settings fold to one line (they stayed open, pushing the
        // message box and Send below the fold at 1152x720); the summary names the pair.
        QVERIFY(!p.setupExpanded());
        const QString summary = p.findChild<QLabel*>(QStringLiteral("compareSetupSummary"))->text();
        QVERIFY2(summary.endsWith(QStringLiteral(" · loaded")), qPrintable(summary));
        // Typing after the load goes to the chat prompt, not into "Max new tokens".
        QCOMPARE(window_->focusWidget(), p.chat()->promptEdit());
        QTest::keyClicks(window_->focusWidget(), QStringLiteral("42"));
        QCOMPARE(p.chat()->promptEdit()->text(), QStringLiteral("42"));
        QCOMPARE(p.maxNewSpin()->value(), 16);
        p.chat()->promptEdit()->clear();
    }

    void chatsWithBothAtOnce() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::ChatTab);
        ChatView* chat = p.chat();
        // Replies long enough (~0.5 s each on CPU) that the two threads overlap even on a loaded
        // 2-core machine; 16 tokens of this 7M model fit in one time slice of one thread.
        const int maxNewBefore = p.maxNewSpin()->value();
        p.maxNewSpin()->setValue(128);
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        QSignalSpy deltas(p.session(), &CompareSession::chatDelta);
        chat->promptEdit()->setText(QStringLiteral("Once upon a time, a little cat"));
        QTest::mouseClick(chat->sendButton(), Qt::LeftButton);
        QVERIFY(p.session()->isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2, 60000);
        // Each slot streams from its own thread at the same time: their text arrives interleaved,
        // not A's whole reply and then B's.
        QList<int> order;
        for (const auto& d : deltas) order << d.at(0).toInt();
        QVERIFY2(order.indexOf(1) < order.lastIndexOf(0) && order.indexOf(0) < order.lastIndexOf(1),
                 qPrintable(QStringLiteral("slot order of the streamed text: %1").arg([&] {
                     QStringList s;
                     for (int slot : order) s << QString::number(slot);
                     return s.join(QString());
                 }())));
        for (int s = 0; s < 2; ++s) {
            QVERIFY(chat->transcript(s)->toPlainText().startsWith(QLatin1String("You: Once upon a time, a little cat")));
            QVERIFY(chat->transcript(s)->toPlainText().size() > 40);   // the streamed reply
            QVERIFY2(chat->metrics(s)->text().contains(QLatin1String("TTFT")), qPrintable(chat->metrics(s)->text()));
            QVERIFY2(chat->metrics(s)->text().contains(QStringLiteral("tok/s on %1").arg(p.deviceLabel())), qPrintable(chat->metrics(s)->text()));
            // Measured while the other model generated on the same device, and said so.
            QVERIFY2(chat->metrics(s)->text().contains(QStringLiteral("while %1 generated too").arg(s == 0 ? "B" : "A")), qPrintable(chat->metrics(s)->text()));
        }
        // A second turn continues the same conversation.
        QTRY_VERIFY(chat->sendButton()->isEnabled());
        chat->promptEdit()->setText(QStringLiteral("Then what happened?"));
        QString whileStreaming;  // the reply streams below the message, not glued to it
        const auto firstDelta = connect(p.session(), &CompareSession::chatDelta, chat, [&](int slot) {
            if (slot == 0 && whileStreaming.isEmpty()) whileStreaming = chat->transcript(0)->toPlainText();
        });
        QTest::mouseClick(chat->sendButton(), Qt::LeftButton);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 4, 60000);
        disconnect(firstDelta);
        QVERIFY2(whileStreaming.contains(QLatin1String("You: Then what happened?\n")), qPrintable(whileStreaming));
        QVERIFY(chat->transcript(0)->toPlainText().contains(QLatin1String("You: Then what happened?")));
        QVERIFY(chat->transcript(0)->toPlainText().startsWith(QLatin1String("You: Once upon a time")));
        p.maxNewSpin()->setValue(maxNewBefore);
    }

    // The system prompt goes to both models as the chat template's system message: the same
    // message costs more prompt tokens with it, and it stays for the next conversation.
    void systemPromptLeadsTheConversation() {
        ComparePage& p = page();
        ChatView* chat = p.chat();
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        auto promptTokens = [&](const QString& system) {
            QTest::mouseClick(chat->newButton(), Qt::LeftButton);
            chat->systemPromptEdit()->setText(system);
            chat->promptEdit()->setText(QStringLiteral("Tell me a story."));
            const qsizetype before = done.count();
            QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
            if (!QTest::qWaitFor([&] { return done.count() == before + 2; }, 60000)) return -1;
            if (!QTest::qWaitFor([&] { return !p.session()->isBusy(); }, 10000)) return -1;
            return done.last().at(1).value<GenerationResult>().metrics.promptTokens;
        };
        const int plain = promptTokens(QString());
        const int withSystem = promptTokens(QStringLiteral("You are a storyteller who writes about dragons."));
        QVERIFY2(plain > 0 && withSystem >= plain + 9, qPrintable(QStringLiteral("%1 vs %2").arg(plain).arg(withSystem)));
        QCOMPARE(chat->systemPrompt(), QStringLiteral("You are a storyteller who writes about dragons."));
        chat->systemPromptEdit()->clear();
    }

    // Each pane names its own engine's memory (weights + KV cache + activations, the figures of
    // Engine::memoryUse) apart from the process total; Regenerate asks both models again for the
    // last message (greedy: the same replies); a vote is saved with the conversation in its own
    // file; the file reopens with replies and votes, as Markdown or as plain text.
    void regenerateVoteAndSavedConversations() {
        ComparePage& p = page();
        ChatView* chat = p.chat();
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        QTest::mouseClick(chat->newButton(), Qt::LeftButton);
        QVERIFY(p.conversationFile().isEmpty());
        QVERIFY(!chat->regenerateButton()->isEnabled());
        QVERIFY(!chat->voteButton(Vote::ABetter)->isEnabled());
        chat->promptEdit()->setText(QStringLiteral("Once upon a time, a dog"));
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2 && !p.session()->isBusy(), 60000);

        const int slotOfFirst = done.at(0).at(0).toInt();
        for (int i = 0; i < 2; ++i) {
            const int s = done.at(i).at(0).toInt();
            const auto memory = done.at(i).at(2).value<EngineMemory>();
            const auto result = done.at(i).at(1).value<GenerationResult>();
            QCOMPARE(memory.weights, p.session()->identity(s).weightBytes);
            QVERIFY(memory.kvCache > 0 && memory.activations > 0);
            QVERIFY2(memory.total() < result.metrics.peakMemoryBytes, "one engine is less than the process");
            const QString text = chat->metrics(s)->text();
            QVERIFY2(text.contains(QStringLiteral("%1's engine: %2 (weights %3").arg(s == 0 ? "A" : "B", formatMemory(memory.total()),
                                                                                       formatMemory(memory.weights))),
                     qPrintable(text));
            QVERIFY2(text.contains(QStringLiteral("process peak RSS, both models and the app: %1").arg(formatMemory(result.metrics.peakMemoryBytes))),
                     qPrintable(text));
        }
        Q_UNUSED(slotOfFirst);
        // Saved after the exchange, in a file of its own under the conversations folder.
        const QString file = p.conversationFile();
        QVERIFY(!file.isEmpty());
        QCOMPARE(QFileInfo(file).absolutePath(), QDir::cleanPath(tmp_.filePath(QStringLiteral("conversations"))));
        const QString firstA = QString::fromStdString(chat->conversation().turns.back().replies[0].text);
        QVERIFY(!firstA.isEmpty());

        // Regenerate: the same message again; greedy decoding gives the same reply, one exchange in all.
        QVERIFY(chat->regenerateButton()->isEnabled());
        QTest::mouseClick(chat->regenerateButton(), Qt::LeftButton);
        QVERIFY(p.session()->isBusy());
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 4 && !p.session()->isBusy(), 60000);
        QCOMPARE(chat->conversation().turns.size(), std::size_t(1));
        QCOMPARE(QString::fromStdString(chat->conversation().turns[0].replies[0].text), firstA);
        QCOMPARE(chat->transcript(0)->toPlainText().count(QStringLiteral("You: Once upon a time, a dog")), 1);

        // The vote goes into the file, and a second exchange continues the same file.
        QVERIFY(chat->voteButton(Vote::BBetter)->isEnabled());
        QTest::mouseClick(chat->voteButton(Vote::BBetter), Qt::LeftButton);
        QVERIFY(chat->voteButton(Vote::BBetter)->isChecked());
        QCOMPARE(loadConversation(toPath(file)).turns.at(0).vote, Vote::BBetter);
        chat->promptEdit()->setText(QStringLiteral("The end"));
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 6 && !p.session()->isBusy(), 60000);
        QTest::mouseClick(chat->voteButton(Vote::Tie), Qt::LeftButton);
        QCOMPARE(chat->voteSummary()->text(), QStringLiteral("This conversation: A 0 · B 1 · tie 1 · both bad 0"));
        const Conversation saved = loadConversation(toPath(file));
        QCOMPARE(saved.turns.size(), std::size_t(2));
        QCOMPARE(saved.turns[1].vote, Vote::Tie);
        // The votes go into the comparison's run document as well (one comparison, one run).
        const RunDocument run = loadRunDocument(toPath(p.lastRunFile()));
        QVERIFY(run.arena);
        QCOMPARE(run.arena->conversations.size(), std::size_t(1));
        QCOMPARE(run.arena->conversations[0].file, toPath(file).string());
        QCOMPARE(run.arena->conversations[0].bBetter, 1);
        QCOMPARE(run.arena->conversations[0].tie, 1);
        QCOMPARE(run.arena->conversations[0].aBetter + run.arena->conversations[0].bothBad, 0);
        QCOMPARE(saved.models[1].path, toPath(p.session()->loadedPath(1)).string());
        QCOMPARE(QString::fromStdString(saved.device), p.deviceLabel());
        QVERIFY(saved.turns[1].replies[1].engineMemoryBytes > 0);
        const std::string secondB = saved.turns[1].replies[1].text;

        savedConversation_ = file;
        // A new conversation is a new file; the old one is listed and reopens, and continues:
        // the next prompt carries both saved exchanges (more prompt tokens than a fresh chat).
        QTest::mouseClick(chat->newButton(), Qt::LeftButton);
        QVERIFY(chat->transcript(0)->toPlainText().isEmpty());
        QVERIFY(chat->savedList()->findData(file) > 0);
        const int index = chat->savedList()->findData(file);
        chat->savedList()->setCurrentIndex(index);
        Q_EMIT chat->savedList()->activated(index);
        QCOMPARE(p.conversationFile(), file);
        QCOMPARE(chat->conversation().turns.size(), std::size_t(2));
        QVERIFY(chat->voteButton(Vote::Tie)->isChecked());
        QVERIFY(chat->transcript(1)->toPlainText().contains(QString::fromStdString(secondB).trimmed()));
        chat->promptEdit()->setText(QStringLiteral("Again"));
        QTest::keyClick(chat->promptEdit(), Qt::Key_Return);
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 8 && !p.session()->isBusy(), 60000);
        QVERIFY2(done.last().at(1).value<GenerationResult>().metrics.promptTokens > 10, "the saved exchanges lead the prompt");
        QCOMPARE(loadConversation(toPath(file)).turns.size(), std::size_t(3));

        // Markdown view: a saved reply with Markdown renders formatted; the toggle shows the raw text.
        Conversation md = saved;
        md.turns.resize(1);
        md.turns[0].replies[0].text = "A **bold** word and a list:\n\n- one\n- two";
        const QString mdFile = tmp_.filePath(QStringLiteral("conversations/markdown.json"));
        saveConversation(md, toPath(mdFile));
        QVERIFY(p.openConversation(mdFile));
        QVERIFY(chat->markdownToggle()->isChecked());
        const QString rendered = chat->transcript(0)->toPlainText();
        QVERIFY2(rendered.contains(QLatin1String("A bold word")) && !rendered.contains(QLatin1String("**")), qPrintable(rendered));
        QVERIFY(chat->transcript(0)->toHtml().contains(QLatin1String("font-weight:700")));
        chat->markdownToggle()->setChecked(false);
        QVERIFY(chat->transcript(0)->toPlainText().contains(QLatin1String("A **bold** word")));
        chat->markdownToggle()->setChecked(true);
        QTest::mouseClick(chat->newButton(), Qt::LeftButton);
    }

    // A conversation opened in a window whose models are not loaded yet: it names its pair, and
    // once "Load both" is done its exchanges lead the next prompt.
    void openedConversationContinuesAfterLoading() {
        QVERIFY(!savedConversation_.isEmpty());
        MainWindowOptions o;
        o.settingsFile = tmp_.filePath(QStringLiteral("settings-reopen.ini"));
        o.libraryOverride = QStringList{toQString(test::modelDir("tinystories-qwen3-7m-awq")), toQString(test::modelDir("tinystories-qwen3-7m"))};
        o.monitorGpus = false;
        o.scanOnStart = false;
        MainWindow w(o);
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        w.rescan();
        QVERIFY(scanned.wait(60000));
        ComparePage& p = *w.comparePage();
        p.setRunsFolder(runs_);
        QVERIFY(p.chat()->savedList()->findData(savedConversation_) > 0);
        QVERIFY(p.openConversation(savedConversation_));
        QVERIFY2(p.statusText().contains(QLatin1String("continues once both are loaded")), qPrintable(p.statusText()));
        const Conversation saved = loadConversation(toPath(savedConversation_));
        QCOMPARE(toPath(p.pickerA()->currentPath()).string(), saved.models[0].path);
        QCOMPARE(toPath(p.pickerB()->currentPath()).string(), saved.models[1].path);
        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        p.loadModels();
        QVERIFY(loaded.wait(120000));
        QCOMPARE(p.chat()->conversation().turns.size(), saved.turns.size());   // kept through the load
        QVERIFY2(p.statusText().contains(QLatin1String("continues")), qPrintable(p.statusText()));
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        p.maxNewSpin()->setValue(4);
        p.sendChat(QStringLiteral("Again"));
        QTRY_VERIFY_WITH_TIMEOUT(done.count() == 2 && !p.session()->isBusy(), 60000);
        // A's prompt is exactly what a chat session restored from the file would feed.
        const auto engine = Engine::load(toPath(p.session()->loadedPath(0)), {});
        ChatSession expected(*engine);
        std::vector<std::pair<std::string, std::string>> exchanges;
        for (const auto& t : saved.turns) exchanges.emplace_back(t.user, t.replies[0].text);
        expected.restore(exchanges);
        const int slotA = done.at(0).at(0).toInt() == 0 ? 0 : 1;
        QCOMPARE(done.at(slotA).at(1).value<GenerationResult>().metrics.promptTokens, int(expected.promptFor("Again").size()));
        QVERIFY(expected.promptFor("Again").size() > 20);
        QCOMPARE(loadConversation(toPath(savedConversation_)).turns.size(), saved.turns.size() + 1);
    }

    // One model cannot chat (no tokenizer.json): the status says so, the other's reply stays, and
    // the exchange is closed, so that vote and Regenerate work again.
    void aFailedReplyClosesTheExchange() {
        const fs::path noTokenizer = toPath(tmp_.filePath(QStringLiteral("no-tokenizer")));
        test::copyFixtureModel("tinystories-656k", noTokenizer);
        fs::remove(noTokenizer / "tokenizer.json");
        MainWindowOptions o;
        o.settingsFile = tmp_.filePath(QStringLiteral("settings-fail.ini"));
        o.libraryOverride = QStringList{toQString(test::modelDir("tinystories-qwen3-7m")), toQString(noTokenizer)};
        o.monitorGpus = false;
        o.scanOnStart = false;
        MainWindow w(o);
        QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
        w.rescan();
        QVERIFY(scanned.wait(60000));
        ComparePage& p = *w.comparePage();
        p.setRunsFolder(tmp_.filePath(QStringLiteral("runs-fail")));
        p.setModels(toQString(test::modelDir("tinystories-qwen3-7m")), toQString(noTokenizer));
        p.maxNewSpin()->setValue(4);
        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        p.loadModels();
        QVERIFY(loaded.wait(120000));
        QVERIFY(loaded.first().at(0).toBool());
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        p.sendChat(QStringLiteral("Once upon a time"));
        QTRY_VERIFY_WITH_TIMEOUT(!p.session()->isBusy(), 60000);
        QCOMPARE(done.count(), 1);   // A answered
        QVERIFY2(p.statusText().contains(QLatin1String("Chat with B failed")), qPrintable(p.statusText()));
        QVERIFY(!p.chat()->conversation().turns.back().replies[0].text.empty());
        QVERIFY(p.chat()->turnComplete());
        // The fresh-user trial: "generating…" stayed under the pane whose reply failed.
        const int slotB = 1;
        QVERIFY2(p.chat()->metrics(slotB)->text().startsWith(QLatin1String("No reply")), qPrintable(p.chat()->metrics(slotB)->text()));
        QVERIFY(p.chat()->voteButton(Vote::BothBad)->isEnabled());
        QVERIFY(p.chat()->regenerateButton()->isEnabled());
    }

    void runsTheBuiltInBatteryAndShowsTotals() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::BatteryTab);
        BatteryView* b = p.battery();
        QCOMPARE(b->progressBar()->text(), QStringLiteral("not run yet"));  // not QProgressBar's "0 of 100"
        QTest::mouseClick(b->runButton(), Qt::LeftButton);
        const QString file = waitForRun("battery");
        QCOMPARE(b->progressBar()->text(), QStringLiteral("32 of 32 generations"));  // 16 tests, A and B
        QVERIFY(!file.isEmpty());
        QVERIFY(file.startsWith(runs_));
        builtInRun_ = file;

        QCOMPARE(b->testTable()->rowCount(), 16);
        // User trial: at 1152x720 about 2.5 of the 16 tests showed, the answers and a six-row
        // totals table taking the rest. The list keeps kMinTestRows rows at each size, and the
        // totals are one short row per model.
        {
            const QSize before = window_->size();
            QTableWidget* tests = b->testTable();
            QTableWidget* totalsTable = b->totalsTable();
            for (const QSize size : {QSize(1152, 720), QSize(1280, 800), QSize(1920, 1080)}) {
                window_->resize(size);
                QCoreApplication::processEvents();
                const QString where = QStringLiteral("%1x%2: tests %3 px high, totals %4 px")
                                          .arg(size.width()).arg(size.height()).arg(tests->height()).arg(totalsTable->height());
                QTRY_VERIFY2(tests->viewport()->height() >= BatteryView::kMinTestRows * tests->verticalHeader()->defaultSectionSize(), qPrintable(where));
                QCOMPARE(totalsTable->rowCount(), 2);
                QVERIFY2(totalsTable->height() <= 4 * totalsTable->verticalHeader()->defaultSectionSize() + 8, qPrintable(where));
                QCOMPARE(totalsTable->verticalScrollBar()->maximum(), 0);   // both models' rows whole
            }
            window_->resize(before);
        }
        // Totals side by side, as the seeds' table: both columns filled from the run.
        const RunDocument doc = loadRunDocument(toPath(file));
        QCOMPARE(doc.kind, std::string("compare"));
        QVERIFY(doc.battery);
        QCOMPARE(doc.battery->tests.size(), std::size_t(16));
        QVERIFY(!doc.models.at("A").fingerprint.empty());
        QVERIFY(doc.models.at("B").quantization.has_value());
        for (int slot = 0; slot < 2; ++slot) {
            const BatteryTotals& t = doc.battery->totals.at(slot == 0 ? "A" : "B");
            QCOMPARE(t.tests, 16);
            QCOMPARE(totals(*b, BatteryView::TotalsTestsCol, slot), QStringLiteral("16"));
            QVERIFY(t.totalSeconds > 0);
            QCOMPARE(totals(*b, BatteryView::TotalsTimeCol, slot), QStringLiteral("%1 s").arg(t.totalSeconds, 0, 'f', 2));
            QCOMPARE(totals(*b, BatteryView::TotalsAverageCol, slot), QStringLiteral("%1 s").arg(t.avgSeconds, 0, 'f', 2));
            QCOMPARE(totals(*b, BatteryView::TotalsLoopsCol, slot), QString::number(t.loopDetections));
            QCOMPARE(totals(*b, BatteryView::TotalsSubstantiveCol, slot), QStringLiteral("%1 of 16").arg(t.substantive));
            QVERIFY(t.substantive > 0);   // the story models do write stories
            // Per-test cells agree with the document.
            const TestResult& first = doc.battery->tests[0].results.at(slot == 0 ? "A" : "B");
            const int base = BatteryView::FirstSlotCol + slot * BatteryView::SlotColumnCount;
            QCOMPARE(b->testTable()->item(0, base + BatteryView::TokensCol)->text(), QString::number(first.outputTokens));
            QCOMPARE(b->testTable()->item(0, base + BatteryView::LoopCol)->text(), first.loopDetected ? QStringLiteral("loop") : QStringLiteral("–"));
            // The built-in continuation tests have no reference: "n/a", not a blank that reads as missing.
            QVERIFY(!first.exactMatch);
            QCOMPARE(b->testTable()->item(0, base + BatteryView::ExactCol)->text(), QStringLiteral("n/a"));
        }
        QCOMPARE(doc.speed.size(), std::size_t(2));
        // The times name their device; a quantized B slower than A on the CPU is explained, not left
        // bare, where B is A's quantization (its recorded source fingerprint is A's): a quantized
        // model of another source, or of an unrecorded one, gets no "the original's speed" note.
        QVERIFY2(b->totalsTitleText().contains(QStringLiteral("measured on %1").arg(p.deviceLabel().toHtmlEscaped())), qPrintable(b->totalsTitleText()));
        const bool bSlower = doc.speed.at("B").outputTokensPerS < 0.95 * doc.speed.at("A").outputTokensPerS &&
                             quantizedFrom(doc.models.at("B"), doc.models.at("A"));
        QCOMPARE(!p.speedNote().isEmpty(), bSlower);
        if (bSlower) QVERIFY2(p.speedNote().contains(QLatin1String("measured on the CPU")), qPrintable(p.speedNote()));
    }

    // Selecting a row of the results shows that test side by side: prompt, both answers, verdicts
    // and notes, as plain text (no "&quot;", no "<p><i>"); the failure-mode catalog lists per
    // category where B fails and A does not.
    void answerPaneShowsBothAnswersAsPlainText() {
        ComparePage& p = page();
        BatteryView* b = p.battery();
        QVERIFY(!builtInRun_.isEmpty());
        const RunDocument doc = loadRunDocument(toPath(builtInRun_));
        QCOMPARE(b->detailTabs()->currentIndex(), int(BatteryView::AnswersTab));
        const auto& tests = doc.battery->tests;
        // Prompts with quotes (dialogue, repetition trap) are where the tooltips showed "&quot;".
        for (int row = 0; row < int(tests.size()); ++row) {
            QTest::mouseClick(b->testTable()->viewport(), Qt::LeftButton, {},
                              b->testTable()->visualItemRect(b->testTable()->item(row, BatteryView::IdCol)).center());
            QCOMPARE(b->testTable()->currentRow(), row);
            const TestRecord& t = tests[std::size_t(row)];
            AnswerPane* pane = b->answerPane();
            QCOMPARE(pane->testId(), QString::fromStdString(t.id));
            QCOMPARE(pane->promptView()->toPlainText(), QString::fromStdString(t.prompt));
            for (int slot = 0; slot < 2; ++slot) {
                const TestResult& r = t.results.at(slot == 0 ? "A" : "B");
                QCOMPARE(pane->answerView(slot)->toPlainText(), QString::fromStdString(r.text));
                QVERIFY2(pane->verdictLabel(slot)->text().startsWith(QString::fromStdString(verdictLine(r))), qPrintable(pane->verdictLabel(slot)->text()));
                QCOMPARE(pane->notesLabel(slot)->text(), QString::fromStdString(r.notes));
                QCOMPARE(pane->verdictLabel(slot)->textFormat(), Qt::PlainText);
                QCOMPARE(pane->notesLabel(slot)->textFormat(), Qt::PlainText);
            }
            // The cells' tips are read as rich text (so escaped quotes render as quotes, not "&quot;").
            const QString tip = b->testTable()->item(row, int(BatteryView::FirstSlotCol) + BatteryView::LoopCol)->toolTip();
            QVERIFY2(Qt::mightBeRichText(tip), qPrintable(tip));
            QTextDocument rendered;
            rendered.setHtml(tip);
            QVERIFY2(!rendered.toPlainText().contains(QLatin1String("&quot;")) && !rendered.toPlainText().contains(QLatin1String("<i>")), qPrintable(tip));
            if (!t.results.at("A").notes.empty()) QVERIFY(rendered.toPlainText().contains(QString::fromStdString(t.results.at("A").notes)));
            const QString shown = pane->shownText();
            for (const char* markup : {"&quot;", "&amp;", "&lt;", "<p>", "<i>", "<br>", "<qt>"})
                QVERIFY2(!shown.contains(QLatin1String(markup)), qPrintable(QStringLiteral("%1 in: %2").arg(QLatin1String(markup), shown)));
            QVERIFY2(shown.contains(QLatin1String("\nA: tinystories-qwen3-7m\n")) && shown.contains(QLatin1String("\nB: tinystories-qwen3-7m-awq\n")), qPrintable(shown));
        }
        // A prompt with quotes is shown with its quotes.
        QVERIFY(b->answerPane()->promptView()->toPlainText().contains(QLatin1Char('"')));
        // "Copy test" puts the same test on the clipboard as plain text.
        QTest::mouseClick(b->answerPane()->copyButton(), Qt::LeftButton);
        const QString copied = QGuiApplication::clipboard()->text();
        QCOMPARE(copied, QString::fromStdString(answersText(testAnswers(tests.back()), "tinystories-qwen3-7m", "tinystories-qwen3-7m-awq")));
        QVERIFY(!copied.contains(QLatin1String("&quot;")));

        // The catalog: one row per category of the built-in battery, counts as failureCatalog() finds them.
        b->detailTabs()->setCurrentIndex(BatteryView::FailureModesTab);
        const auto catalog = failureCatalog(*doc.battery);
        QTableWidget* table = b->failureCatalog()->table();
        QCOMPARE(table->rowCount(), 6);
        int bOnly = 0;
        for (int r = 0; r < table->rowCount(); ++r) {
            const CategoryFailures& c = catalog[std::size_t(r)];
            QCOMPARE(table->item(r, FailureCatalogView::CategoryCol)->text(), QString::fromStdString(c.category));
            QCOMPARE(table->item(r, FailureCatalogView::TestsCol)->text(), QString::number(c.tests));
            QVERIFY(table->item(r, FailureCatalogView::BOnlyCol)->text().startsWith(QString::number(c.bOnly.size())));
            QCOMPARE(table->item(r, FailureCatalogView::BSymptomsCol)->text(), QString::fromStdString(symptomSummary(c.bOnly)));
            for (const auto& f : c.bOnly) QVERIFY(table->item(r, FailureCatalogView::BOnlyCol)->text().contains(QString::fromStdString(f.testId)));
            bOnly += int(c.bOnly.size());
        }
        QVERIFY2(b->failureCatalog()->summaryText().contains(bOnly ? QStringLiteral("B fails %1 %2 that A passes").arg(bOnly).arg(bOnly == 1 ? "test" : "tests") : QStringLiteral("B fails no test")),
                 qPrintable(b->failureCatalog()->summaryText()));
        // Activating a category with a failure shows its first failing test in the answer pane.
        int activated = 0;
        for (int r = 0; r < table->rowCount(); ++r) {
            const CategoryFailures& c = catalog[std::size_t(r)];
            const FailureCase* first = !c.bOnly.empty() ? &c.bOnly.front() : !c.aOnly.empty() ? &c.aOnly.front() : !c.both.empty() ? &c.both.front() : nullptr;
            if (!first) continue;
            b->detailTabs()->setCurrentIndex(BatteryView::FailureModesTab);
            table->setCurrentCell(r, FailureCatalogView::CategoryCol);
            QTest::keyClick(table, Qt::Key_Return);
            QCOMPARE(b->detailTabs()->currentIndex(), int(BatteryView::AnswersTab));
            QCOMPARE(b->answerPane()->testId(), QString::fromStdString(first->testId));
            ++activated;
        }
        QVERIFY(activated > 0);   // greedy 16-token answers of the demo models miss some references (facts, counting)
        b->detailTabs()->setCurrentIndex(BatteryView::AnswersTab);
    }

    void runsAUserBatteryWithReferences() {
        ComparePage& p = page();
        const QString file = tmp_.filePath(QStringLiteral("mine.jsonl"));
        {
            std::ofstream out(toPath(file));
            out << "{\"id\": \"t1\", \"category\": \"names\", \"prompt\": \"Tom had a dog named Max. The dog's name was\", \"reference\": \"Max\"}\n";
            out << "{\"id\": \"t2\", \"category\": \"story\", \"prompt\": \"Once upon a time\"}\n";
        }
        p.battery()->useFile(file);
        QTest::mouseClick(p.battery()->runButton(), Qt::LeftButton);
        const QString run = waitForRun("user battery");
        QVERIFY(!run.isEmpty());
        QCOMPARE(p.battery()->testTable()->rowCount(), 2);
        const RunDocument doc = loadRunDocument(toPath(run));
        QCOMPARE(doc.battery->source, file.toStdString());
        for (int slot = 0; slot < 2; ++slot) {
            const BatteryTotals& t = doc.battery->totals.at(slot == 0 ? "A" : "B");
            QCOMPARE(t.withReference, 1);
            QCOMPARE(totals(*p.battery(), BatteryView::TotalsExactCol, slot), QStringLiteral("%1 of 1").arg(t.exactMatches));
            const int base = BatteryView::FirstSlotCol + slot * BatteryView::SlotColumnCount;
            const QString withReference = p.battery()->testTable()->item(0, base + BatteryView::ExactCol)->text();
            QVERIFY2(withReference == QStringLiteral("yes") || withReference == QStringLiteral("no"), qPrintable(withReference));
            QCOMPARE(p.battery()->testTable()->item(1, base + BatteryView::ExactCol)->text(), QStringLiteral("n/a"));  // has none
        }
        // A broken file is reported, nothing runs.
        const QString broken = tmp_.filePath(QStringLiteral("broken.json"));
        std::ofstream(toPath(broken)) << "[{\"category\": \"no prompt\"}]";
        p.battery()->useFile(broken);
        QSignalSpy started(p.session(), &CompareSession::busyChanged);
        QTest::mouseClick(p.battery()->runButton(), Qt::LeftButton);
        QCOMPARE(started.count(), 0);
        QVERIFY(p.findChild<QLabel*>(QStringLiteral("compareStatus"))->text().contains(QLatin1String("broken.json")));
    }

    void measuresPerplexityAndKld() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::QualityTab);
        QualityView* q = p.quality();
        // A default text is there from the start: the bundled held-out stories, with ctx 256, stride
        // 256 and at most 64 windows.
        QVERIFY2(q->textEdit()->text().endsWith(QLatin1String("quality/heldout-stories.txt")), qPrintable(q->textEdit()->text()));
        QCOMPARE(q->contextSpin()->value(), 256);
        QCOMPARE(q->strideSpin()->value(), 256);
        QCOMPARE(q->windowsSpin()->value(), 64);
        QVERIFY2(q->windowsSpin()->toolTip().contains(QLatin1String("the bundled text gives 18 at ctx 256")), qPrintable(q->windowsSpin()->toolTip()));
        const QString bundled = q->textEdit()->text();
        q->setTextFile(toQString(test::dataFile("eval-stories.txt")));
        q->contextSpin()->setValue(128);
        q->windowsSpin()->setValue(2);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        const QString run = waitForRun("quality");
        QVERIFY2(!run.isEmpty(), qPrintable(p.findChild<QLabel*>(QStringLiteral("compareStatus"))->text()));
        const RunDocument doc = loadRunDocument(toPath(run));
        QVERIFY(doc.quality);
        const double pplA = doc.quality->models.at("A").perplexity, pplB = doc.quality->models.at("B").perplexity;
        QVERIFY(pplA > 1 && pplB > 1);
        QVERIFY(doc.quality->models.at("B").kldVsA.has_value());
        QCOMPARE(q->resultTable()->item(QualityView::PerplexityRow, 0)->text(), QString::number(pplA, 'f', 3));
        QCOMPARE(q->resultTable()->item(QualityView::PerplexityRow, 1)->text(), QString::number(pplB, 'f', 3));
        QVERIFY(!q->resultTable()->item(QualityView::KldRow, 1)->text().isEmpty());
        QVERIFY(q->resultTable()->item(QualityView::Top1Row, 1)->text().endsWith(QLatin1String("%")));
        QVERIFY(q->shortfallLabel()->isHidden());   // the 2 windows asked for were scored

        // The defaults score enough windows for a sound figure (the bundled text gave 4 of the 64
        // asked for, and every default run was flagged as noisy): 18, the whole text, said in the notes.
        q->setTextFile(bundled);
        q->contextSpin()->setValue(256);
        q->strideSpin()->setValue(256);  // the 128 context above capped it
        q->windowsSpin()->setValue(64);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        const RunDocument defaultDoc = loadRunDocument(toPath(waitForRun("quality of the default text")));
        QVERIFY(defaultDoc.quality);
        QCOMPARE(defaultDoc.quality->windows, 18);
        QVERIFY(q->shortfallLabel()->isHidden());
        QVERIFY2(q->notesLabel()->text().contains(QLatin1String(", ctx 256, stride 256, 18 windows (the whole text; 64 allowed).")),
                 qPrintable(q->notesLabel()->text()));

        // A text too short for a sound figure: said above the results (it used to be only "4
        // windows" in the caption below).
        const QString shortText = tmp_.filePath(QStringLiteral("short-stories.txt"));
        {
            std::ifstream in(toPath(bundled));
            std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            std::ofstream(toPath(shortText)) << text.substr(0, 4062);  // the first 8 stories, the old default: 4 windows
        }
        q->setTextFile(shortText);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        const RunDocument shortDoc = loadRunDocument(toPath(waitForRun("quality of a short text")));
        QVERIFY(shortDoc.quality);
        QCOMPARE(shortDoc.quality->windows, 4);
        QVERIFY(q->shortfallLabel()->isVisible());
        QCOMPARE(q->shortfallLabel()->text(), QStringLiteral("4 of 64 windows: the text is short, KLD/top-1 are noisy; choose a longer text "
                                                             "(e.g. WikiText-2 test)."));
    }

    void sweepsConcurrencyAndCharts() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::SweepTab);
        SweepView* s = p.sweep();
        // Before a run the log2 axis spans the default levels (QCustomPlot's 0..5 gave ticks 0.0039, 0.0156...).
        QCOMPARE(s->throughputChart()->xAxis->range().lower, 1.0);
        s->concurrencyEdit()->setText(QStringLiteral("1,2"));
        s->maxNewSpin()->setValue(8);
        QTest::mouseClick(s->runButton(), Qt::LeftButton);
        const QString run = waitForRun("sweep");
        QVERIFY(!run.isEmpty());
        // One comparison, one run: the sweep joins the battery and quality of this pair in their document.
        QCOMPARE(run, builtInRun_);
        const RunDocument doc = loadRunDocument(toPath(run));
        QCOMPARE(doc.kind, std::string("compare"));
        QVERIFY(doc.battery && doc.quality && doc.sweep);
        QCOMPARE(doc.sweep->models.at("A").points.size(), std::size_t(2));
        QCOMPARE(doc.sweep->models.at("B").points.size(), std::size_t(2));
        // Throughput and p95 latency of A and B against concurrency; the SLO line on the latency chart.
        QCOMPARE(s->throughputChart()->graphCount(), 2);
        QCOMPARE(s->throughputChart()->graph(0)->dataCount(), 2);
        QCOMPARE(s->latencyChart()->graphCount(), 3);
        QVERIFY(!s->summaryTable()->item(SweepView::BestRow, 0)->text().isEmpty());
        // No default price: no cost until the user gives what an hour of this device costs.
        QCOMPARE(s->priceSpin()->value(), 0.0);
        QVERIFY(!doc.sweep->gpuHourlyUsd);
        // Short in the cell (a long CPU name cut it off), whole in the tooltip.
        QCOMPARE(s->summaryTable()->item(SweepView::CostRow, 1)->text(), QStringLiteral("– (no price per hour)"));
        QCOMPARE(s->summaryTable()->item(SweepView::CostRow, 1)->toolTip(),
                 QStringLiteral("No cost: give a price per hour of %1 above and run the sweep again").arg(p.deviceLabel()));
        // The legend is below the axes: the SLO line (near the top when every latency is under it)
        // is not hidden behind it.
        for (QCustomPlot* chart : {s->throughputChart(), s->latencyChart()}) {
            chart->replot();
            QVERIFY(chart->legend->visible());
            QVERIFY(!chart->axisRect()->insetLayout()->elements(false).contains(chart->legend));
            QVERIFY2(!chart->legend->outerRect().intersects(chart->axisRect()->rect()),
                     qPrintable(QStringLiteral("legend %1,%2 %3x%4 over the axes")
                                    .arg(chart->legend->outerRect().x()).arg(chart->legend->outerRect().y())
                                    .arg(chart->legend->outerRect().width()).arg(chart->legend->outerRect().height())));
        }
        // The device is named on the x axis (on the y axis the long label lost both ends).
        QVERIFY(s->throughputChart()->xAxis->label().endsWith(p.deviceLabel()));

        s->priceSpin()->setValue(0.10);
        s->concurrencyEdit()->setText(QStringLiteral("1"));
        QTest::mouseClick(s->runButton(), Qt::LeftButton);
        const RunDocument priced = loadRunDocument(toPath(waitForRun("priced sweep")));
        QCOMPARE(*priced.sweep->gpuHourlyUsd, 0.10);
        const double cost = *priced.sweep->models.at("B").costPerMillionTokensUsd;
        QCOMPARE(s->summaryTable()->item(SweepView::CostRow, 1)->text(), QStringLiteral("$%1 at $0.10/h").arg(cost, 0, 'f', 2));
        QCOMPARE(s->summaryTable()->item(SweepView::CostRow, 1)->toolTip(),
                 QStringLiteral("$%1 per 1M output tokens at $0.10 per hour of %2").arg(cost, 0, 'f', 2).arg(p.deviceLabel()));
    }

    // The Timeline tab profiles a decode step of the loaded pair on the worker thread, shows both
    // side by side with the verdict, and saves the section and the traces with the comparison.
    void profilesTheDecodeTimeline() {
        ComparePage& p = page();
        p.tabs()->setCurrentIndex(ComparePage::TimelineTab);
        TimelineView* t = p.timeline();
        // Before a run the empty chart spans its widget (an empty legend row squeezed it into a sliver).
        t->stepChart()->replot();
        QVERIFY2(t->stepChart()->axisRect()->width() > t->stepChart()->width() / 2,
                 qPrintable(QStringLiteral("axis rect %1 of %2 px").arg(t->stepChart()->axisRect()->width()).arg(t->stepChart()->width())));
        QVERIFY(t->runButton()->isEnabled());
        QVERIFY(!t->saveTraceButton(0)->isEnabled());
        t->stepsSpin()->setValue(3);
        QTest::mouseClick(t->runButton(), Qt::LeftButton);
        QVERIFY(p.session()->isBusy());   // on the worker: the GUI thread is free while it runs
        QVERIFY(!t->runButton()->isEnabled());
        const QString run = waitForRun("timeline");
        QVERIFY2(!run.isEmpty(), qPrintable(p.statusText()));
        QCOMPARE(run, builtInRun_);   // one comparison, one run
        const RunDocument doc = loadRunDocument(toPath(run));
        QVERIFY(doc.timeline && doc.battery && doc.sweep);
        for (int s = 0; s < 2; ++s) {
            const TimelineModel& m = doc.timeline->models.at(s == 0 ? "A" : "B");
            QCOMPARE(m.steps, 3);
            // In ms a step, as TPOT and the CLI give step times (the run keeps microseconds).
            QCOMPARE(t->resultTable()->item(TimelineView::StepRow, s)->text(), QString::number(m.stepUs / 1000.0, 'f', 3));
            QCOMPARE(t->resultTable()->item(TimelineView::GemmRow, s)->text(), QString::number(m.categoryUs[0] / 1000.0, 'f', 3));
            QVERIFY(t->resultTable()->item(TimelineView::BandwidthRow, s)->text().endsWith(QLatin1String("%)")));
            // The trace lies beside the run document and is named in it.
            QCOMPARE(t->traceFile(s), QFileInfo(run).dir().filePath(QString::fromStdString(m.traceFile)));
            QVERIFY(QFileInfo(t->traceFile(s)).size() > 1000);
            QVERIFY(t->saveTraceButton(s)->isEnabled());
        }
        // Stacked bars: GEMM/GEMV, attention, norms, other, nothing running; A's stack is A's categories (in ms).
        QCOMPARE(t->stepChart()->plottableCount(), 5);
        auto* gemm = qobject_cast<QCPBars*>(t->stepChart()->plottable(0));
        QVERIFY(gemm && gemm->dataCount() == 2);
        QCOMPARE(gemm->data()->findBegin(2, false)->value, doc.timeline->models.at("A").categoryUs[0] / 1000.0);
        auto* idle = qobject_cast<QCPBars*>(t->stepChart()->plottable(4));
        QCOMPARE(idle->data()->findBegin(1, false)->value, doc.timeline->models.at("B").idleUs / 1000.0);
        QCOMPARE(idle->barBelow()->barBelow()->barBelow()->barBelow(), gemm);
        QVERIFY(!doc.timeline->verdict.empty());
        QCOMPARE(t->verdictLabel()->text(), QString::fromStdString(doc.timeline->verdict));
        QVERIFY2(t->ceilingsLabel()->text().contains(QLatin1String("CPU")), qPrintable(t->ceilingsLabel()->text()));
    }

    // A/B by path: a quantized A with an unquantized B is flagged (KLD "vs A" would take the
    // quantized model as the reference) and Swap fixes it; the choice survives a restart even when
    // the library lists the models in another order, and each A brings back its last B.
    void keepsABByPathAndWarnsWhenAIsQuantized() {
        ComparePage& p = page();
        const QString fp16 = QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m")));
        const QString awq = QDir::cleanPath(toQString(test::modelDir("tinystories-qwen3-7m-awq")));
        p.setModels(awq, fp16);
        QVERIFY(p.referenceWarningShown());
        QVERIFY2(p.referenceWarning().startsWith(QLatin1String("A is quantized (AWQ 4-bit g128) and B is not")), qPrintable(p.referenceWarning()));
        QVERIFY(p.swapButton()->isVisible());
        QTest::mouseClick(p.swapButton(), Qt::LeftButton);
        QCOMPARE(p.pickerA()->currentPath(), fp16);
        QCOMPARE(p.pickerB()->currentPath(), awq);
        QVERIFY(!p.referenceWarningShown());
        QVERIFY(!p.swapButton()->isVisible());

        const QString settingsFile = tmp_.filePath(QStringLiteral("settings.ini"));
        {
            AppSettings s(settingsFile);
            QCOMPARE(s.lastComparePair().a, fp16);
            QCOMPARE(s.lastComparePair().b, awq);
            QCOMPARE(s.comparePartnerOf(awq), fp16);   // from the pair before the swap
        }
        // A restart, the library folders listed in the other order: the pair comes back by path.
        MainWindowOptions o;
        o.settingsFile = settingsFile;
        o.libraryOverride = QStringList{awq, fp16};
        o.monitorGpus = false;
        o.scanOnStart = false;
        MainWindow w2(o);
        QSignalSpy scanned(w2.modelsPage(), &ModelsPage::scanFinished);
        w2.rescan();
        QVERIFY(scanned.wait(60000));
        ComparePage& p2 = *w2.comparePage();
        QCOMPARE(p2.pickerA()->count(), 2);
        QCOMPARE(p2.pickerA()->currentPath(), fp16);
        QCOMPARE(p2.pickerB()->currentPath(), awq);
        QVERIFY(!p2.referenceWarningShown());

        // The user picks the AWQ model as A: its last partner (the original) comes back as B, with the warning.
        const int awqIndex = p2.pickerA()->findData(awq);
        p2.pickerA()->setCurrentIndex(awqIndex);
        Q_EMIT p2.pickerA()->activated(awqIndex);
        QCOMPARE(p2.pickerB()->currentPath(), fp16);
        QVERIFY(p2.referenceWarningShown());
    }

    // At the first-start size (1152x720: 90% of a 1280x800 screen) and at 1280x720, each tab's
    // first action is on screen without scrolling sideways, its text whole: "Load both",
    // "Evaluate", "Run sweep", "Profile A and B" and "New conversation" sat behind a horizontal
    // scroll bar (the page was wider than the window).
    void firstActionsFitTheFirstStartSize() {
        ComparePage& p = page();
        window_->showPlace(Place::Compare);
        p.setSetupExpanded(true);   // as on first start: "Load both" is in the models bar
        auto* scroll = window_->findChild<QScrollArea*>(QStringLiteral("compareScroll"));
        QVERIFY(scroll);
        scroll->verticalScrollBar()->setValue(0);   // the top of the page, as it opens (earlier tests scrolled it)
        struct Action {
            ComparePage::Tab tab;
            const char* name;
        };
        const Action actions[] = {{ComparePage::ChatTab, "compareLoad"},  {ComparePage::ChatTab, "chatSend"},
                                  {ComparePage::ChatTab, "chatNew"},      {ComparePage::BatteryTab, "batteryRun"},
                                  {ComparePage::QualityTab, "qualityRun"}, {ComparePage::SweepTab, "sweepRun"},
                                  {ComparePage::TimelineTab, "timelineRun"}};
        const QSize before = window_->size();
        for (const QSize size : {QSize(1152, 720), QSize(1280, 720)}) {
            window_->resize(size);
            for (const Action& a : actions) {
                p.tabs()->setCurrentIndex(a.tab);
                QCoreApplication::processEvents();
                auto* button = p.findChild<QPushButton*>(QLatin1String(a.name));
                QVERIFY2(button, a.name);
                QTRY_VERIFY(button->isVisible());
                QTRY_COMPARE(scroll->horizontalScrollBar()->maximum(), 0);   // nothing to scroll sideways
                const QRect inViewport(button->mapTo(scroll->viewport(), QPoint(0, 0)), button->size());
                const QString where = QStringLiteral("%1 at %2x%3: %4,%5 %6x%7 in a %8x%9 viewport")
                                          .arg(QLatin1String(a.name)).arg(size.width()).arg(size.height())
                                          .arg(inViewport.x()).arg(inViewport.y()).arg(inViewport.width()).arg(inViewport.height())
                                          .arg(scroll->viewport()->width()).arg(scroll->viewport()->height());
                // Sideways: wholly inside; its text not cut short.
                QVERIFY2(inViewport.left() >= 0 && inViewport.right() < scroll->viewport()->width(), qPrintable(where));
                QVERIFY2(button->width() >= button->sizeHint().width(), qPrintable(where));
                // Up and down too, for the tool rows at the top of a tab; the chat's input row sits
                // at the bottom of its tab, below the unfolded models and settings (folded, the page
                // fits 1280x720: test_ui_main_window's fitsSmallScreens).
                if (a.tab != ComparePage::ChatTab || QLatin1String(a.name) == QLatin1String("compareLoad"))
                    QVERIFY2(inViewport.top() >= 0 && inViewport.bottom() < scroll->viewport()->height(), qPrintable(where));
            }
        }
        window_->resize(1152, 720);
        // The sweep's y-axis label fits the axis (it named the device and lost both ends); the
        // device is on the x axis. Timeline headers elide a long model name in the middle.
        p.tabs()->setCurrentIndex(ComparePage::SweepTab);
        QCoreApplication::processEvents();
        QCustomPlot* tput = p.sweep()->throughputChart();
        tput->replot();
        QVERIFY2(QFontMetrics(tput->yAxis->labelFont()).horizontalAdvance(tput->yAxis->label()) <= tput->axisRect()->height(),
                 qPrintable(tput->yAxis->label()));
        QVERIFY2(tput->xAxis->label().contains(p.deviceLabel()), qPrintable(tput->xAxis->label()));
        p.timeline()->setModelNames(QStringLiteral("tinystories-qwen3-7m"), QStringLiteral("tinystories-qwen3-7m-awq"));
        QCOMPARE(p.timeline()->resultTable()->horizontalHeader()->textElideMode(), Qt::ElideMiddle);
        QCOMPARE(p.timeline()->resultTable()->horizontalHeaderItem(1)->toolTip(), QStringLiteral("B: tinystories-qwen3-7m-awq"));
        p.setSetupExpanded(true);
        window_->resize(before);
    }

    // Fresh-user trial: with a long model name (84 characters, and the realistic
    // "DeepSeek-R1-Distill-Qwen-7B-abliterated-v2") the page at 1152x720 grew a horizontal scroll bar
    // and was scrolled right: the Chat and Battery tabs and the Test column off screen, "Failure
    // modes" read "e modes", the totals headers clipped at both ends, the folded summary lost its end
    // with no ellipsis. Long names elide in the middle (whole in tooltips) instead of widening it.
    void longModelNamesElideInsteadOfWideningThePage() {
        const QString names[] = {QStringLiteral("tinystories-qwen3-7m-instruct-finetuned-with-a-rather-long-descriptive-suffix-v12345"),
                                 QStringLiteral("DeepSeek-R1-Distill-Qwen-7B-abliterated-v2")};
        QCOMPARE(names[0].size(), 84);
        for (const QString& name : names) {
            QTemporaryDir dir;
            const fs::path lib = toPath(dir.filePath(QStringLiteral("library")));
            fs::create_directories(lib);
            fs::create_directory_symlink(test::modelDir("tinystories-qwen3-7m"), lib / name.toStdString());
            fs::create_directory_symlink(test::modelDir("tinystories-qwen3-7m-awq"), lib / (name + QStringLiteral("-awq")).toStdString());
            const QString settingsFile = dir.filePath(QStringLiteral("settings.ini"));
            {
                AppSettings s(settingsFile);
                s.setRunsFolder(dir.filePath(QStringLiteral("runs")));
                s.sync();
            }
            MainWindowOptions o;
            o.settingsFile = settingsFile;
            o.libraryOverride = QStringList{toQString(lib)};
            o.monitorGpus = false;
            o.scanOnStart = false;
            MainWindow w(o);
            w.resize(1152, 720);
            w.show();
            QVERIFY(QTest::qWaitForWindowExposed(&w));
            QSignalSpy scanned(w.modelsPage(), &ModelsPage::scanFinished);
            w.rescan();
            QVERIFY(scanned.wait(60000));
            w.showPlace(Place::Compare);
            ComparePage& p = *w.comparePage();
            p.setModels(toQString(lib / name.toStdString()), toQString(lib / (name + QStringLiteral("-awq")).toStdString()));
            p.maxNewSpin()->setValue(4);
            QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
            p.loadModels();
            QVERIFY(loaded.wait(120000));
            QVERIFY(p.modelsLoaded());
            p.tabs()->setCurrentIndex(ComparePage::BatteryTab);
            QSignalSpy finished(&p, &ComparePage::runFinished);
            QTest::mouseClick(p.battery()->runButton(), Qt::LeftButton);
            QVERIFY(finished.wait(300000));
            p.battery()->testTable()->setCurrentCell(0, 0);

            auto* scroll = w.findChild<QScrollArea*>(QStringLiteral("compareScroll"));
            QVERIFY(scroll);
            QCoreApplication::processEvents();
            // Nothing to scroll sideways.
            QTRY_COMPARE(scroll->horizontalScrollBar()->maximum(), 0);
            const QRect view = scroll->viewport()->rect();
            const auto inView = [&](const QWidget* widget, QRect r) { return QRect(widget->mapTo(scroll->viewport(), r.topLeft()), r.size()); };
            const auto whole = [&](const QFontMetrics& fm, const QString& text, int room) { return fm.horizontalAdvance(text) <= room; };
            // "Saved: <path>" on one line, the path elided in its middle, whole in the tooltip.
            auto* status = p.findChild<QLabel*>(QStringLiteral("compareStatus"));
            QVERIFY2(p.statusText().contains(QLatin1String("Saved: ")) && p.statusText().endsWith(QLatin1String(".json")), qPrintable(p.statusText()));
            QVERIFY2(whole(status->fontMetrics(), p.statusText(), status->contentsRect().width()), qPrintable(p.statusText()));
            if (!p.statusText().contains(name)) QVERIFY2(status->toolTip().contains(name), qPrintable(status->toolTip()));
            // Every tab of the page and of the battery's details, wholly in view, its text whole.
            for (QTabWidget* tabs : {p.tabs(), p.battery()->detailTabs()}) {
                QTabBar* bar = tabs->tabBar();
                for (int i = 0; i < bar->count(); ++i) {
                    const QRect r = inView(bar, bar->tabRect(i));
                    const QString where = QStringLiteral("%1 tab \"%2\" at %3,%4 %5 px wide").arg(name, bar->tabText(i)).arg(r.x()).arg(r.y()).arg(r.width());
                    QVERIFY2(r.left() >= 0 && r.right() < view.width(), qPrintable(where));
                    QVERIFY2(whole(bar->fontMetrics(), bar->tabText(i), bar->tabRect(i).width()), qPrintable(where));
                }
            }
            // The Test column in view.
            QTableWidget* tests = p.battery()->testTable();
            const QRect testColumn = inView(tests->viewport(), QRect(tests->columnViewportPosition(0), 0, tests->columnWidth(0), 1));
            QVERIFY2(testColumn.left() >= 0 && testColumn.right() < view.width(), qPrintable(name));
            // Totals headers whole (not clipped, not elided); the model names elided in the middle.
            QTableWidget* totalsTable = p.battery()->totalsTable();
            QHeaderView* header = totalsTable->horizontalHeader();
            const int headerMargin = 2 * header->style()->pixelMetric(QStyle::PM_HeaderMargin, nullptr, header);
            for (int c = 0; c < totalsTable->columnCount(); ++c) {
                const QString text = totalsTable->horizontalHeaderItem(c)->text();
                const QString where = QStringLiteral("%1: totals header \"%2\" in %3 px").arg(name, text).arg(header->sectionSize(c));
                for (const QString& line : text.split(QLatin1Char('\n')))
                    QVERIFY2(whole(header->fontMetrics(), line, header->sectionSize(c) - headerMargin), qPrintable(where));
                const QRect r = inView(header->viewport(), QRect(header->sectionViewportPosition(c), 0, header->sectionSize(c), 1));
                QVERIFY2(r.left() >= 0 && r.right() < view.width(), qPrintable(where));
            }
            QVERIFY(totalsTable->verticalHeader()->width() < totalsTable->width() / 3);
            for (int r = 0; r < 2; ++r) {
                const QString label = totalsTable->verticalHeaderItem(r)->text();
                QVERIFY2(whole(totalsTable->verticalHeader()->fontMetrics(), label, totalsTable->verticalHeader()->width() - headerMargin), qPrintable(label));
            }
            QCOMPARE(totalsTable->verticalHeaderItem(1)->toolTip(), QStringLiteral("B: %1-awq").arg(name));
            // The folded summary keeps its end, with an ellipsis where it was cut, whole in its tooltip.
            auto* summary = p.findChild<QLabel*>(QStringLiteral("compareSetupSummary"));
            QVERIFY(!p.setupExpanded());
            QVERIFY2(summary->text().endsWith(QStringLiteral("max 4 new tokens · loaded")), qPrintable(summary->text()));
            QVERIFY2(whole(summary->fontMetrics(), summary->text(), summary->contentsRect().width()), qPrintable(summary->text()));
            QVERIFY2(summary->text().contains(QChar(0x2026)) || !summary->toolTip().isEmpty() || summary->text().contains(name), qPrintable(summary->text()));
            if (summary->text().contains(QChar(0x2026))) QVERIFY2(summary->toolTip().contains(name + QStringLiteral("-awq")), qPrintable(summary->toolTip()));
            // The answer titles and chat titles: one line, in their room, the name whole in the tooltip when cut.
            for (QLabel* title : {p.battery()->answerPane()->findChild<QLabel*>(QStringLiteral("answerTitleB")),
                                  p.chat()->findChild<QLabel*>(QStringLiteral("chatTitleB"))}) {
                QVERIFY(title);
                QVERIFY2(whole(title->fontMetrics(), title->text(), title->contentsRect().width()), qPrintable(title->text()));
                if (title->text() != QStringLiteral("B: %1-awq").arg(name)) QCOMPARE(title->toolTip(), QStringLiteral("B: %1-awq").arg(name));
            }
            // At the top of the page, the battery's table shows a useful number of rows on screen
            // (2.5 showed), and each answer box at least three lines.
            scroll->verticalScrollBar()->setValue(0);
            QCoreApplication::processEvents();
            const QRect testsVisible = inView(tests->viewport(), tests->viewport()->rect()).intersected(view);
            const int rowHeight = tests->verticalHeader()->defaultSectionSize();
            QVERIFY2(testsVisible.height() >= BatteryView::kMinTestRows * rowHeight,
                     qPrintable(QStringLiteral("%1: %2 px of the test list on screen, rows of %3 px").arg(name).arg(testsVisible.height()).arg(rowHeight)));
            auto* answer = p.battery()->answerPane()->findChild<QPlainTextEdit*>(QStringLiteral("answerTextA"));
            QVERIFY(answer);
            QVERIFY2(answer->viewport()->height() >= 3 * answer->fontMetrics().lineSpacing(), qPrintable(QString::number(answer->viewport()->height())));
        }
    }

    // The fresh-user trial: once the conversation outgrew the context (1024 tokens), every later
    // message failed ("prompt of 1047 tokens leaves no room"), "generating…" stayed under both
    // panes and the failed turns stayed without reply. The oldest exchanges are left out of the
    // prompt instead, and the panes say so.
    void chatOutgrowingTheContextLeavesOutTheOldestExchanges() {
        ComparePage& p = page();
        useDemoPairForChat(p);
        if (QTest::currentTestFailed()) return;
        ChatView* chat = p.chat();
        Conversation c;
        c.created = "2026-12-05T10:00:00Z";
        c.device = "CPU";
        for (int s = 0; s < 2; ++s) c.models[s] = {s == 0 ? "tinystories-qwen3-7m" : "tinystories-qwen3-7m-awq", p.session()->loadedPath(s).toStdString()};
        for (int i = 0; i < 6; ++i) {   // ~6 x 300 tokens: well over the context
            ConversationTurn t;
            t.user = "Tell me a long story.";
            t.replies[0].text = t.replies[1].text = longStory(12);
            c.turns.push_back(t);
        }
        const QString file = tmp_.filePath(QStringLiteral("long-conversation.json"));
        saveConversation(c, toPath(file));
        QVERIFY(p.openConversation(file));
        const int maxNewBefore = p.maxNewSpin()->value();
        p.maxNewSpin()->setValue(300);
        QSignalSpy done(p.session(), &CompareSession::chatFinished);
        QVERIFY(sendAndWait(p, QStringLiteral("And then?")));
        p.maxNewSpin()->setValue(maxNewBefore);
        QCOMPARE(done.count(), 2);
        QVERIFY2(!p.statusText().contains(QLatin1String("failed")), qPrintable(p.statusText()));
        for (int s = 0; s < 2; ++s) {
            const QString metrics = chat->metrics(s)->text();
            QVERIFY2(QRegularExpression(QStringLiteral("^The oldest \\d+ exchanges no longer fit the model's context of 1024 tokens and were left "
                                                       "out of the prompt\\."))
                         .match(metrics)
                         .hasMatch(),
                     qPrintable(metrics));
            // The pane keeps the whole conversation; only the prompt left the oldest out.
            QVERIFY(chat->transcript(s)->toPlainText().startsWith(QLatin1String("You: Tell me a long story.")));
            QVERIFY(chat->transcript(s)->toPlainText().contains(QLatin1String("You: And then?")));
        }
        QCOMPARE(int(chat->conversation().turns.size()), 7);
    }

    // A message that alone fills the context: a clear error naming the fix; no pane stays
    // "generating…", the exchange neither model answered is withdrawn (its message back in the
    // box), and New conversation clears the error.
    void chatMessageLongerThanTheContextSaysHowToFixIt() {
        ComparePage& p = page();
        useDemoPairForChat(p);
        if (QTest::currentTestFailed()) return;
        ChatView* chat = p.chat();
        QVERIFY(sendAndWait(p, QStringLiteral("Once upon a time")));
        QCOMPARE(int(chat->conversation().turns.size()), 1);
        const QString huge = QString::fromStdString(longStory(60));   // ~1500 tokens
        QVERIFY(sendAndWait(p, huge));
        QVERIFY2(p.statusText().contains(QLatin1String("leaves no room for a reply in the model's context of 1024 tokens")), qPrintable(p.statusText()));
        QVERIFY2(p.statusText().contains(QLatin1String("shorten the message")), qPrintable(p.statusText()));
        QCOMPARE(int(chat->conversation().turns.size()), 1);
        for (int s = 0; s < 2; ++s) {
            QVERIFY2(!chat->metrics(s)->text().contains(QLatin1String("generating")), qPrintable(chat->metrics(s)->text()));
            QVERIFY(!chat->transcript(s)->toPlainText().contains(huge.left(200).trimmed()));
        }
        QCOMPARE(chat->promptEdit()->text(), huge.trimmed());   // as sent
        QVERIFY(chat->sendButton()->isEnabled());
        // The conversation goes on.
        chat->promptEdit()->clear();
        QVERIFY(sendAndWait(p, QStringLiteral("Then what?")));
        QCOMPARE(int(chat->conversation().turns.size()), 2);
        QVERIFY2(!p.statusText().contains(QLatin1String("failed")), qPrintable(p.statusText()));
        // An error shown, then New conversation: the error goes.
        QVERIFY(sendAndWait(p, huge));
        QVERIFY(p.statusText().contains(QLatin1String("failed")));
        QTest::mouseClick(chat->newButton(), Qt::LeftButton);
        QVERIFY2(!p.statusText().contains(QLatin1String("failed")), qPrintable(p.statusText()));
        chat->promptEdit()->clear();
    }

    // The fresh-user trial: changing the system prompt mid-conversation rewrote the saved record
    // (turn 1 and its vote looked made under the new prompt). A conversation keeps one system
    // prompt, saved with each turn; a changed one offers a new conversation, the old one kept.
    void changedSystemPromptStartsANewConversation() {
        ComparePage& p = page();
        useDemoPairForChat(p);
        if (QTest::currentTestFailed()) return;
        ChatView* chat = p.chat();
        chat->systemPromptEdit()->setText(QStringLiteral("Be brief."));
        QVERIFY(sendAndWait(p, QStringLiteral("Tell me a story.")));
        const QString first = p.conversationFile();
        QVERIFY(!first.isEmpty());

        chat->systemPromptEdit()->setText(QStringLiteral("Be verbose."));
        QStringList asked;
        bool answer = false;
        p.setConfirmer([&](const QString& question) {
            asked << question;
            return answer;
        });
        QVERIFY(sendAndWait(p, QStringLiteral("Another one.")));
        QCOMPARE(asked.size(), 1);
        QVERIFY2(asked[0].contains(QLatin1String("Start a new conversation")), qPrintable(asked[0]));
        QCOMPARE(int(chat->conversation().turns.size()), 1);   // declined: nothing sent
        QVERIFY2(p.statusText().startsWith(QLatin1String("Not sent")), qPrintable(p.statusText()));
        QCOMPARE(chat->promptEdit()->text(), QStringLiteral("Another one."));

        answer = true;
        QVERIFY(sendAndWait(p, QStringLiteral("Another one.")));
        QCOMPARE(asked.size(), 2);
        QCOMPARE(int(chat->conversation().turns.size()), 1);
        QCOMPARE(chat->conversation().turns[0].systemPrompt, std::string("Be verbose."));
        QVERIFY(p.conversationFile() != first);
        const Conversation kept = loadConversation(toPath(first));
        QCOMPARE(int(kept.turns.size()), 1);
        QCOMPARE(kept.turns[0].systemPrompt, std::string("Be brief."));
        QCOMPARE(kept.systemPrompt, std::string("Be brief."));
        const Conversation next = loadConversation(toPath(p.conversationFile()));
        QCOMPARE(next.turns[0].systemPrompt, std::string("Be verbose."));
        QCOMPARE(next.turns[0].user, std::string("Another one."));

        // Unchanged prompt: no question.
        QVERIFY(sendAndWait(p, QStringLiteral("And one more.")));
        QCOMPARE(asked.size(), 2);
        QCOMPARE(int(chat->conversation().turns.size()), 2);
        chat->systemPromptEdit()->clear();
        QTest::mouseClick(chat->newButton(), Qt::LeftButton);
        p.setConfirmer([](const QString&) { return true; });
    }

    // The fresh-user trial: a model without a chat template silently got the plain-text fallback
    // in the Chat tab (the CLI prints a note). Its pane says so.
    void chatPaneSaysWhenAModelHasNoChatTemplate() {
        ComparePage& p = page();
        const QString bare = QDir::cleanPath(toQString(test::modelDir("tinystories-656k")));
        QSignalSpy scanned(window_->modelsPage(), &ModelsPage::scanFinished);
        window_->addLibraryPaths({bare});
        QVERIFY(scanned.wait(60000));
        p.setModels(bare, toQString(test::modelDir("tinystories-qwen3-7m")));
        QTRY_COMPARE(p.pickerA()->currentPath(), bare);
        QSignalSpy loaded(&p, &ComparePage::modelsLoadedChanged);
        p.loadModels();
        QVERIFY(loaded.wait(120000));
        QVERIFY(p.modelsLoaded());
        QVERIFY(!p.chat()->paneNote(0)->isHidden());
        QVERIFY2(p.chat()->paneNote(0)->text().contains(QLatin1String("has no chat template (none in tokenizer_config.json or chat_template.jinja)")),
                 qPrintable(p.chat()->paneNote(0)->text()));
        QVERIFY(p.chat()->paneNote(0)->text().contains(QLatin1String("plain text")));
        QVERIFY(p.chat()->paneNote(1)->isHidden());   // the other has a template
    }

    // Trial 35 (the pair above: tinystories-656k, context 512, as A; the 1,024-token story model as
    // B). Typing 512 over ctx 256 left the stride at 51: it was clamped to each keystroke's ctx
    // ("5", "51", "512") and never followed back up, and the run used overlapping windows under a
    // caption that said "non-overlapping". The stride follows a finished ctx edit now, a stride
    // the user set is clamped only then, and the caption and the notes say which windows are used.
    void typingACtxKeepsTheStrideOnTheProtocol() {
        ComparePage& p = page();
        window_->showPlace(Place::Compare);
        QVERIFY(p.modelsLoaded());
        p.tabs()->setCurrentIndex(ComparePage::QualityTab);
        QualityView* q = p.quality();
        QSpinBox* ctx = q->contextSpin();
        QSpinBox* stride = q->strideSpin();
        window_->activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(window_.get()));
        const auto type = [](QSpinBox* box, const QString& text) {
            box->setFocus();
            QTRY_VERIFY(box->hasFocus());
            box->selectAll();
            QTest::keyClicks(box, text);
        };
        ctx->setValue(256);
        stride->setValue(256);
        QVERIFY2(q->captionLabel()->text().startsWith(QLatin1String("Perplexity over non-overlapping windows of 256 tokens (lower is better).")),
                 qPrintable(q->captionLabel()->text()));

        type(ctx, QStringLiteral("512"));
        QCOMPARE(stride->value(), 256);   // nothing is clamped while the number is typed
        QTest::keyClick(ctx, Qt::Key_Tab);
        QTRY_COMPARE(ctx->value(), 512);
        QCOMPARE(stride->value(), 512);   // was 51
        QVERIFY2(q->captionLabel()->text().startsWith(QLatin1String("Perplexity over non-overlapping windows of 512 tokens")),
                 qPrintable(q->captionLabel()->text()));

        // A stride the user chose stays while a ctx is typed past it, and is clamped to a shorter one
        // once its edit is done.
        type(stride, QStringLiteral("128"));
        QTest::keyClick(stride, Qt::Key_Tab);
        QTRY_COMPARE(stride->value(), 128);
        type(ctx, QStringLiteral("384"));
        QTest::keyClick(ctx, Qt::Key_Tab);
        QTRY_COMPARE(ctx->value(), 384);
        QCOMPARE(stride->value(), 128);   // was clamped to 38 on the way
        QVERIFY2(q->captionLabel()->text().startsWith(QLatin1String("Perplexity over overlapping windows: 384 tokens each, one every 128 tokens, "
                                                                    "each scoring its last 128")),
                 qPrintable(q->captionLabel()->text()));
        type(ctx, QStringLiteral("64"));
        QTest::keyClick(ctx, Qt::Key_Return);
        QTRY_COMPARE(ctx->value(), 64);
        QCOMPARE(stride->value(), 64);
        stride->setValue(32);

        // The run's notes say its windows overlap, as the caption does.
        q->setTextFile(toQString(test::dataFile("eval-stories.txt")));
        q->windowsSpin()->setValue(2);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        const QString run = waitForRun("quality with overlapping windows");
        QVERIFY2(!run.isEmpty(), qPrintable(p.findChild<QLabel*>(QStringLiteral("compareStatus"))->text()));
        const RunDocument doc = loadRunDocument(toPath(run));
        QVERIFY(doc.quality);
        QCOMPARE(doc.quality->ctx, 64);
        QCOMPARE(doc.quality->stride, 32);
        QVERIFY2(q->notesLabel()->text().contains(QLatin1String(", ctx 64, stride 32 (overlapping windows), 2 windows.")),
                 qPrintable(q->notesLabel()->text()));
        QVERIFY2(q->captionLabel()->text().startsWith(QLatin1String("Perplexity over overlapping windows: 64 tokens each, one every 32 tokens")),
                 qPrintable(q->captionLabel()->text()));

        // Back to the stride of the protocol: it follows the ctx again.
        stride->setValue(64);
        ctx->setValue(128);
        QCOMPARE(stride->value(), 128);
    }

    // Trial 35: the ctx box took any value (5000 with 256-token models) and the run failed only
    // after Evaluate; a failed run left the progress bar in its busy animation; the messages said
    // "--ctx" and "--text", flags this page does not have.
    void qualityCtxStopsAtTheModelsContextAndFailuresSayWhatToChange() {
        ComparePage& p = page();
        window_->showPlace(Place::Compare);
        QVERIFY(p.modelsLoaded());
        QCOMPARE(p.session()->contextTokens(0), 512);    // tinystories-656k
        QCOMPARE(p.session()->contextTokens(1), 1024);   // tinystories-qwen3-7m
        p.tabs()->setCurrentIndex(ComparePage::QualityTab);
        QualityView* q = p.quality();
        QCOMPARE(q->contextSpin()->maximum(), 512);
        QVERIFY2(q->contextLimitLabel()->isVisible(), qPrintable(QStringLiteral("view %1, page %2, to view %3").arg(q->isVisible()).arg(p.isVisible()).arg(q->contextLimitLabel()->isVisibleTo(q))));
        QCOMPARE(q->contextLimitLabel()->text(), QStringLiteral("ctx at most 512 tokens: the context of tinystories-656k (A)."));
        q->contextSpin()->setValue(5000);
        QCOMPARE(q->contextSpin()->value(), 512);
        QCOMPARE(q->strideSpin()->value(), 512);   // following the ctx

        auto* status = p.findChild<QLabel*>(QStringLiteral("compareStatus"));
        const QString missing = QStringLiteral("/nonexistent/file.txt");
        q->setTextFile(missing);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        QVERIFY(waitForRun("quality of a missing text").isEmpty());
        QCOMPARE(status->text(), QStringLiteral("Quality failed: /nonexistent/file.txt: cannot read the quality text: No such file or directory "
                                                "(check the path of the text file)"));
        // The bar stopped: not busy (a range of 0 to 0), and says so.
        QCOMPARE(q->progressBar()->maximum(), 1);
        QCOMPARE(q->progressBar()->value(), 0);
        QCOMPARE(q->progressBar()->format(), QStringLiteral("failed"));
        QVERIFY(q->runButton()->isEnabled());

        const QString shortText = tmp_.filePath(QStringLiteral("one-line.txt"));
        std::ofstream(toPath(shortText)) << "Once upon a time there was a cat.";
        q->setTextFile(shortText);
        QTest::mouseClick(q->runButton(), Qt::LeftButton);
        QVERIFY(waitForRun("quality of a one-line text").isEmpty());
        QVERIFY2(status->text().startsWith(QLatin1String("Quality failed: the text has ")) &&
                     status->text().endsWith(QLatin1String(", fewer than one window of 512 (use a longer text or a smaller ctx)")),
                 qPrintable(status->text()));
        QVERIFY2(!status->text().contains(QLatin1String("--")), qPrintable(status->text()));
        QCOMPARE(q->progressBar()->format(), QStringLiteral("failed"));

        // The CLI keeps its own words; only the page's copy is reworded, flag by whole flag.
        QCOMPARE(QualityView::inPageTerms(QStringLiteral("use a window (--ctx) of at most 256 tokens; --stride-x stays; see --max-windows")),
                 QStringLiteral("use a window (ctx) of at most 256 tokens; --stride-x stays; see windows"));
    }
};

QTEST_MAIN(ComparePageTest)
#include "test_compare_page.moc"
