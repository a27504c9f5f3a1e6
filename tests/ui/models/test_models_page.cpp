// The Models page end to end: background scan of the real fixtures, table, filter, sort, detail
// pane (facts, tensors, memory plan), broken models, the warm pool and GGUF files.
#include "core/library/catalog.h"
#include "core/model/model_info.h"
#include "core/system/memory_plan.h"
#include "core/util/logging.h"
#include "tests/support/test_paths.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/models/catalog_filter_proxy.h"
#include "ui/util/catalog_table_model.h"
#include "ui/util/catalog_text.h"
#include "ui/models/gguf_metadata_model.h"
#include "ui/models/memory_plan_view.h"
#include "ui/models/model_detail_pane.h"
#include "ui/models/model_facts_view.h"
#include "ui/models/models_page.h"
#include "ui/models/tensor_table_model.h"
#include "ui/util/path_text.h"
#include "ui/util/model_picker.h"

#include <QElapsedTimer>
#include <QComboBox>
#include <QLabel>
#include <QFontMetrics>
#include <QScrollBar>
#include <QHeaderView>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QMenu>
#include <QSplitter>
#include <QDir>
#include <QtTest>

#include <fstream>

#include <atomic>

namespace fs = std::filesystem;
using namespace awq;
using namespace awq::ui;

namespace {

const char* const kSharedModels[] = {"tinystories-656k",     "tinystories-qwen3-7m",     "tinystories-qwen3-7m-awq",
                                     "tinystories-qwen3-7m-autoawq", "qwen2-random", "qwen2-random-awq", "mistral-random"};

fs::path demoLibrary() { return test::sourceDir() / "resources" / "demo-models"; }

QStringList visibleNames(const ModelsPage& page) {
    QStringList names;
    for (int r = 0; r < page.proxy()->rowCount(); ++r)
        names << page.proxy()->index(r, CatalogTableModel::Name).data().toString();
    return names;
}

QString cell(const ModelsPage& page, const QString& name, int column) {
    const int row = page.catalog()->rowOfName(name);
    return row < 0 ? QString() : page.catalog()->index(row, column).data().toString();
}

QString label(const QWidget* parent, const char* objectName) {
    const auto* l = parent->findChild<QLabel*>(QLatin1String(objectName));
    return l ? l->text() : QStringLiteral("<no label %1>").arg(QLatin1String(objectName));
}

// Scans and waits until the page shows the result.
bool scan(ModelsPage& page, const LibraryRoots& roots) {
    QSignalSpy finished(&page, &ModelsPage::scanFinished);
    page.setRoots(roots);
    page.rescan();
    return finished.wait(60000) || finished.count() > 0;
}

}  // namespace

class ModelsPageTest : public QObject {
    Q_OBJECT
    QTemporaryDir tmp_;
    fs::path root() const { return toPath(tmp_.path()); }

private Q_SLOTS:
    void initTestCase() {
        QVERIFY(tmp_.isValid());
        awq::logging::init({}, false, spdlog::level::debug);
        QVERIFY2(fs::is_directory(test::sharedDir() / "models"), "set AWQBENCH_SHARED (ctest does)");
        QVERIFY2(fs::is_directory(demoLibrary()), "set AWQBENCH_SOURCE (ctest does)");
    }

    void listsSharedAndDemoModels() {
        ModelsPage page;
        QVERIFY(!page.hasScanned());
        QVERIFY(scan(page, {{test::sharedDir() / "models", demoLibrary()}, {}}));
        QTRY_VERIFY(page.hasScanned());
        QVERIFY(!page.isScanning());

        const QStringList names = visibleNames(page);
        for (const char* name : kSharedModels) QVERIFY2(names.contains(QLatin1String(name)), name);
        QVERIFY2(page.catalog()->rowOfPath(toQString(fs::weakly_canonical(demoLibrary() / "tinystories-qwen3-7m"))) >= 0 ||
                     page.catalog()->rowOfPath(toQString(demoLibrary() / "tinystories-qwen3-7m")) >= 0,
                 "the demo model is listed");
        QCOMPARE(page.catalog()->rowCount(), static_cast<int>(std::size(kSharedModels)) + 1);
        QCOMPARE(page.catalog()->brokenCount(), 0);

        // Every column says something for a good model.
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Origin), QStringLiteral("Library"));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Format), QStringLiteral("Hugging Face"));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Architecture), QStringLiteral("llama"));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Parameters), formatCount(656000));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Quantization), QStringLiteral("F32"));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Layers), QStringLiteral("2"));
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Status), QStringLiteral("OK"));
        QVERIFY(!cell(page, "tinystories-656k", CatalogTableModel::SizeOnDisk).isEmpty());
        QVERIFY(!cell(page, "tinystories-656k", CatalogTableModel::Context).isEmpty());
        QCOMPARE(cell(page, "tinystories-qwen3-7m-awq", CatalogTableModel::Quantization), QStringLiteral("AWQ 4-bit g128"));
        QCOMPARE(cell(page, "tinystories-qwen3-7m", CatalogTableModel::Quantization), QStringLiteral("BF16"));
        QCOMPARE(cell(page, "mistral-random", CatalogTableModel::Architecture), QStringLiteral("mistral"));

        // The first model is selected and shown once the scan is in.
        QVERIFY(page.selectedEntry() != nullptr);
        QCOMPARE(page.detail()->title(), QString::fromStdString(page.selectedEntry()->name));
    }

    void selectingAModelShowsItsDetails() {
        ModelsPage page;
        QVERIFY(scan(page, {{test::modelDir("tinystories-qwen3-7m")}, {}}));
        QVERIFY(page.selectModel(QStringLiteral("tinystories-qwen3-7m")));
        ModelDetailPane* detail = page.detail();
        QCOMPARE(detail->title(), QStringLiteral("tinystories-qwen3-7m"));
        QVERIFY(detail->problemText().isEmpty());

        const ModelInfo info = describeModel(test::modelDir("tinystories-qwen3-7m"));
        const ModelFactsView* facts = detail->facts();
        QVERIFY2(facts->value("Architecture").startsWith("qwen3 (Qwen3ForCausalLM)"), qPrintable(facts->value("Architecture")));
        QVERIFY2(facts->value("Parameters").contains(formatInteger(static_cast<std::int64_t>(info.parameterCount))),
                 qPrintable(facts->value("Parameters")));
        QVERIFY(facts->value("Parameters").startsWith("7.3"));
        QCOMPARE(facts->value("Hidden size"), QStringLiteral("256"));
        QCOMPARE(facts->value("Layers"), QStringLiteral("8"));
        QCOMPARE(facts->value("Heads"), QStringLiteral("4"));
        QVERIFY(facts->value("KV heads").startsWith("2 (GQA"));
        QCOMPARE(facts->value("Head dim"), QStringLiteral("64"));
        QCOMPARE(facts->value("Vocabulary"), QStringLiteral("4,096"));
        QCOMPARE(facts->value("q/k norm"), QStringLiteral("yes"));
        QCOMPARE(facts->value("Declared dtype"), QStringLiteral("bfloat16"));
        QCOMPARE(facts->value("Storage dtype"), QStringLiteral("BF16"));
        QCOMPARE(facts->value("Chat template"), QStringLiteral("chat_template.jinja"));
        QCOMPARE(facts->value("Tokenizer"), QStringLiteral("tokenizer.json"));
        QCOMPARE(facts->value("Generation config"), QStringLiteral("generation_config.json"));
        QCOMPARE(facts->value("Method"), QStringLiteral("none"));
        QCOMPARE(facts->value("Fingerprint"), QString::fromStdString(info.fingerprint));
        QVERIFY(!info.fingerprint.empty());
        QVERIFY(facts->value("Format").contains("2 shards"));
        QVERIFY(facts->value("RoPE").startsWith("theta"));

        // The tensor table lists every tensor with dtype, shape and bytes.
        const TensorTableModel* tensors = detail->tensors();
        QCOMPARE(tensors->rowCount(), static_cast<int>(info.tensors.size()));
        QVERIFY(tensors->rowCount() > 50);
        QCOMPARE(tensors->index(0, TensorTableModel::Name).data().toString(), QString::fromStdString(info.tensors[0].name));
        QCOMPARE(tensors->index(0, TensorTableModel::Dtype).data().toString(), QStringLiteral("BF16"));
        QVERIFY(tensors->index(0, TensorTableModel::Shape).data().toString().startsWith('['));
        QCOMPARE(tensors->index(0, TensorTableModel::Bytes).data(TensorTableModel::SortRole).toULongLong(), info.tensors[0].bytes);
        QVERIFY(detail->tabs()->tabText(ModelDetailPane::TensorsTab).contains(QString::number(info.tensors.size())));

        // The memory plan: 16 GB card by default without a GPU, the model's own context.
        MemoryPlanView* plan = detail->memoryPlan();
        QVERIFY(plan->plan().has_value());
        QCOMPARE(plan->contextLength()->value(), info.config.maxPositions);
        QVERIFY(plan->selectGpuSizeGiB(24));
        QVERIFY(plan->plan().has_value());
        MemoryPlanInput input;
        input.gpuMemoryBytes = 24ull << 30;
        input.contextLength = info.config.maxPositions;
        const MemoryPlan expected = planMemory(info, input);
        QCOMPARE(plan->plan()->kvBytesPerToken, std::uint64_t(8 * 2 * 64 * 2 * 2));   // layers x kv x dim x K,V x fp16
        QCOMPARE(plan->plan()->kvBytesPerToken, expected.kvBytesPerToken);
        QCOMPARE(plan->plan()->weightBytes, expected.weightBytes);
        QCOMPARE(plan->plan()->sequencesThatFit, expected.sequencesThatFit);
        QCOMPARE(label(plan, "planSequences"), formatInteger(expected.sequencesThatFit));
        QCOMPARE(label(plan, "planKvPerToken"), formatBytes(expected.kvBytesPerToken));
        QCOMPARE(label(plan, "planBudget"), formatGiB(expected.budgetBytes));
        QVERIFY2(plan->verdict().startsWith("Fits:"), qPrintable(plan->verdict()));
        // User trial: "Fits: 3,426 concurrent sequences" read as serving capacity. The verdict says
        // what the KV cache holds and vLLM's own limit, in the words `models show` uses.
        QCOMPARE(plan->verdict(), QStringLiteral("Fits: %1.").arg(QString::fromStdString(kvCapacityText(expected))));
        QVERIFY2(plan->verdict().contains(QStringLiteral("KV cache holds %1 sequences of %2 tokens")
                                              .arg(formatInteger(expected.sequencesThatFit), formatInteger(info.config.maxPositions))),
                 qPrintable(plan->verdict()));
        QVERIFY2(plan->verdict().contains(QLatin1String("vLLM runs at most 256 at once by default: --max-num-seqs")), qPrintable(plan->verdict()));
        QVERIFY(!plan->verdict().contains(QLatin1String("concurrent")));

        // A longer context: fewer sequences, numbers follow the spin box.
        plan->setContextLength(1'000'000);
        input.contextLength = 1'000'000;
        const MemoryPlan longer = planMemory(info, input);
        QCOMPARE(plan->plan()->sequencesThatFit, longer.sequencesThatFit);
        QVERIFY(longer.sequencesThatFit < expected.sequencesThatFit);
        QCOMPARE(label(plan, "planSequences"), formatInteger(longer.sequencesThatFit));

        // FP8 KV cache halves the per-token cost.
        plan->findChild<QComboBox*>(QStringLiteral("planKvType"))->setCurrentIndex(1);
        QCOMPARE(plan->plan()->kvBytesPerToken, expected.kvBytesPerToken / 2);
    }

    void verdictWhenWeightsDoNotFit() {
        // A 7M model always fits; a fake 3B-parameter config checks the other verdicts honestly.
        ModelsPage page;
        QVERIFY(scan(page, {{test::modelDir("tinystories-qwen3-7m")}, {}}));
        auto entry = std::make_shared<CatalogEntry>(*page.catalog()->entry(0));
        entry->info->weightBytes = 30ull << 30;
        MemoryPlanView view;
        view.setEntry(entry);
        QVERIFY(view.selectGpuSizeGiB(16));
        QVERIFY(view.plan().has_value());
        QVERIFY(!view.plan()->weightsFit);
        QVERIFY2(view.verdict().startsWith("Does not fit"), qPrintable(view.verdict()));
        QCOMPARE(label(&view, "planSequences"), QStringLiteral("0"));

        entry->info->weightBytes = 13ull << 30;   // fits, KV room ~0.4 GiB
        entry->info->config.maxPositions = 2'000'000;   // a context the model has (past it, vLLM refuses: contextPastTheModelsIsNoFit)
        view.setEntry(entry);
        view.setContextLength(2'000'000);
        QVERIFY(view.plan()->weightsFit);
        QCOMPARE(view.plan()->sequencesThatFit, std::int64_t(0));
        QVERIFY2(view.verdict().startsWith("The weights fit, but"), qPrintable(view.verdict()));
    }

    // Trial 35: 50,000 tokens typed for the 1,024-token story model read "Fits: KV cache holds 70
    // sequences of 50,000 tokens" in green, while `models show --context 50000` notes that vLLM
    // refuses a max-model-len past the model's context. The verdict says so now, in red.
    void contextPastTheModelsIsNoFit() {
        ModelsPage page;
        page.resize(1100, 700);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(scan(page, {{test::modelDir("tinystories-qwen3-7m")}, {}}));
        QVERIFY(page.selectModel(QStringLiteral("tinystories-qwen3-7m")));
        page.detail()->tabs()->setCurrentIndex(ModelDetailPane::MemoryPlanTab);
        MemoryPlanView* plan = page.detail()->memoryPlan();
        QVERIFY(plan->selectGpuSizeGiB(16));
        const ModelInfo info = describeModel(test::modelDir("tinystories-qwen3-7m"));
        QCOMPARE(vllmDerivedMaxModelLen(info.config), 1024);

        QSpinBox* context = plan->contextLength();
        context->setFocus();
        QTRY_VERIFY(context->hasFocus());
        context->selectAll();
        QTest::keyClicks(context, QStringLiteral("50000"));
        QTest::keyClick(context, Qt::Key_Tab);
        QTRY_COMPARE(plan->plan()->contextLength, 50000);
        QCOMPARE(plan->plan()->modelContextLength, 1024);
        QVERIFY(plan->plan()->weightsFit && plan->plan()->sequencesThatFit > 0);   // the cache alone would hold some
        QCOMPARE(plan->verdict(), QStringLiteral("Context 50,000 is past the model's 1,024 tokens (as vLLM derives them from config.json): vLLM "
                                                 "refuses a longer max-model-len and would not start. Lower the context to 1,024 tokens or fewer."));
        auto* verdict = plan->findChild<QLabel*>(QStringLiteral("planVerdict"));
        QVERIFY2(verdict->styleSheet().contains(QLatin1String("#b3261e")), qPrintable(verdict->styleSheet()));   // not the green of "Fits"

        // At the model's own context it fits, in green, as before.
        plan->setContextLength(1024);
        QVERIFY2(plan->verdict().startsWith(QLatin1String("Fits: ")), qPrintable(plan->verdict()));
        QVERIFY(verdict->styleSheet().contains(QLatin1String("#1e7b34")));
        plan->setContextLength(1025);
        QVERIFY2(plan->verdict().startsWith(QLatin1String("Context 1,025 is past the model's 1,024 tokens")), qPrintable(plan->verdict()));
    }

    void filterNarrowsRows() {
        ModelsPage page;
        QVERIFY(scan(page, {{test::sharedDir() / "models"}, {}}));
        const int all = page.visibleRowCount();
        QCOMPARE(all, static_cast<int>(std::size(kSharedModels)));

        page.setFilterText(QStringLiteral("mistral"));
        QCOMPARE(visibleNames(page), QStringList{QStringLiteral("mistral-random")});

        page.setFilterText(QStringLiteral("awq"));   // names and quantization text
        QCOMPARE(page.visibleRowCount(), 3);
        for (const QString& n : visibleNames(page)) QVERIFY2(n.contains("awq"), qPrintable(n));

        page.setFilterText(QStringLiteral("  QWEN3   awq "));   // words, any case, all must match
        QCOMPARE(page.visibleRowCount(), 2);

        page.setFilterText(QStringLiteral("llama"));   // architecture
        QCOMPARE(visibleNames(page), QStringList{QStringLiteral("tinystories-656k")});

        page.setFilterText(QStringLiteral("F32"));   // dtype
        QCOMPARE(visibleNames(page), QStringList{QStringLiteral("tinystories-656k")});

        page.setFilterText(QStringLiteral("no-such-model"));
        QCOMPARE(page.visibleRowCount(), 0);

        page.setFilterText(QString());
        QCOMPARE(page.visibleRowCount(), all);
    }

    void sortsNumericColumnsByValue() {
        ModelsPage page;
        QVERIFY(scan(page, {{test::sharedDir() / "models"}, {}}));
        page.table()->sortByColumn(CatalogTableModel::Parameters, Qt::AscendingOrder);
        QStringList order = visibleNames(page);
        QCOMPARE(order.first(), QStringLiteral("tinystories-656k"));   // 656K < 1.44M < 7.35M
        qulonglong previous = 0;
        for (int r = 0; r < page.proxy()->rowCount(); ++r) {
            const qulonglong v = page.proxy()->index(r, CatalogTableModel::Parameters).data(CatalogTableModel::SortRole).toULongLong();
            QVERIFY(v >= previous);
            previous = v;
        }
        page.table()->sortByColumn(CatalogTableModel::SizeOnDisk, Qt::DescendingOrder);
        QVERIFY(visibleNames(page).first().startsWith("tinystories-qwen3-7m"));
    }

    void brokenModelShowsItsReason() {
        const fs::path lib = root() / "broken-lib";
        test::writeTruncatedModel(lib / "cut-short");
        test::copyFixtureModel("tinystories-656k", lib / "fine");

        ModelsPage page;
        QVERIFY(scan(page, {{lib}, {}}));
        QCOMPARE(page.catalog()->rowCount(), 2);
        QCOMPARE(page.catalog()->brokenCount(), 1);

        const int row = page.catalog()->rowOfName(QStringLiteral("cut-short"));
        QVERIFY(row >= 0);
        const QString status = page.catalog()->index(row, CatalogTableModel::Status).data().toString();
        QVERIFY2(status != "OK" && status.contains("model.safetensors"), qPrintable(status));
        QVERIFY(page.catalog()->index(row, 0).data(CatalogTableModel::BrokenRole).toBool());
        QCOMPARE(cell(page, "fine", CatalogTableModel::Status), QStringLiteral("OK"));

        QVERIFY(page.selectModel(QStringLiteral("cut-short")));
        const QString problem = page.detail()->problemText();
        QVERIFY2(problem.startsWith("Broken: ") && problem.contains(status), qPrintable(problem));
        QVERIFY(page.detail()->facts()->value("Status").endsWith(status));
        QVERIFY2(status.startsWith("model.safetensors"), qPrintable(status));   // relative to the model folder
        QVERIFY(!page.detail()->memoryPlan()->plan().has_value());
        QVERIFY(page.detail()->memoryPlan()->unavailableReason().contains("broken"));
        QCOMPARE(page.detail()->tensors()->rowCount(), 0);

        // Filtering for "ok" models must not hide the broken one by accident; sorting by status puts it last.
        page.table()->sortByColumn(CatalogTableModel::Status, Qt::AscendingOrder);
        QCOMPARE(visibleNames(page).last(), QStringLiteral("cut-short"));
    }

    // Fresh-user trial: at 1920x1080 the Origin column showed "Warm p…" while Name was very wide; and
    // a library model and its warm-pool copy of the same name: the name means the library's.
    void shortColumnsAreNotElidedAndTheLibraryCopyIsMeant() {
        const fs::path pool = root() / "pool-same-name";
        test::copyFixtureModel("tinystories-656k", pool / "tinystories-656k");
        ModelsPage page;
        page.resize(1920, 1080);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(scan(page, {{test::modelDir("tinystories-656k")}, pool}));
        QCOMPARE(page.catalog()->rowCount(), 2);
        const int row = page.catalog()->rowOfName(QStringLiteral("tinystories-656k"));
        QCOMPARE(page.catalog()->entry(row)->origin, ModelOrigin::Library);
        QVERIFY(page.selectModel(QStringLiteral("tinystories-656k")));
        QCOMPARE(page.detail()->facts()->value("Origin"), QStringLiteral("Library"));

        QTableView* table = page.table();
        const QAbstractItemView* view = table;   // sizeHintForColumn: public there
        QFont bold = table->font();
        bold.setBold(true);
        const int needed = QFontMetrics(bold).horizontalAdvance(QStringLiteral("Warm pool")) + table->iconSize().width();
        QVERIFY2(table->columnWidth(CatalogTableModel::Origin) > needed,
                 qPrintable(QStringLiteral("%1 <= %2").arg(table->columnWidth(CatalogTableModel::Origin)).arg(needed)));
        // Every short column holds its widest text and its header; Name still takes the rest.
        for (int c = 0; c < CatalogTableModel::ColumnCount; ++c) {
            if (c == CatalogTableModel::Name || c == CatalogTableModel::Status) continue;
            QVERIFY2(table->columnWidth(c) >= view->sizeHintForColumn(c), qPrintable(QString::number(c)));
            QVERIFY2(table->columnWidth(c) >= table->horizontalHeader()->sectionSizeHint(c), qPrintable(QString::number(c)));
        }
        QVERIFY(table->columnWidth(CatalogTableModel::Name) > table->columnWidth(CatalogTableModel::Origin));
        QVERIFY(!table->horizontalScrollBar()->isVisible());

        // A narrow window: the headers give way, not the names nor "Warm pool".
        page.resize(1000, 700);
        QTRY_VERIFY(table->columnWidth(CatalogTableModel::Name) >= view->sizeHintForColumn(CatalogTableModel::Name));
        QVERIFY(table->columnWidth(CatalogTableModel::Origin) > needed);
        QVERIFY(!table->horizontalScrollBar()->isVisible());
    }

    // Trial 35, the page in its default 1152x720 window with the shared models, the demo library and
    // broken ones: the headers read "Architectur", "Parameter", "Dtype / quantizatio", and a broken
    // model's Status began with its folder's path ("/work/trial35/scratch/li…"), the reason never
    // in view. Every header fits now, and the reason comes first (the path is in the tooltip).
    void headersAndBrokenReasonsReadAt1152x720() {
        const fs::path lib = root() / "trial35-lib";
        test::copyFixtureModel("qwen2-random", lib / "dirconfig");
        fs::remove(lib / "dirconfig" / "config.json");
        fs::create_directories(lib / "dirconfig" / "config.json");
        test::copyFixtureModel("qwen2-random", lib / "badjson");
        std::ofstream(lib / "badjson" / "config.json") << "{not json";
        ModelsPage page;
        page.resize(1000, 560);   // the page beside the sidebar of a 1152x720 window (the trial's screenshot)
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(scan(page, {{test::sharedDir() / "models", demoLibrary(), lib}, {}}));
        QCOMPARE(page.catalog()->brokenCount(), 2);

        const int row = page.catalog()->rowOfName(QStringLiteral("dirconfig"));
        QVERIFY(row >= 0);
        const QModelIndex status = page.catalog()->index(row, CatalogTableModel::Status);
        const QString folder = toQString(lib / "dirconfig");
        // Files relative to the model folder (the row), the full paths in the tooltip.
        QCOMPARE(status.data().toString(), QStringLiteral("config.json: is a folder, not a file (replace the folder with the file: rm -r \"config.json\", "
                                                          "then copy config.json from the model's source)"));
        QCOMPARE(status.data(Qt::ToolTipRole).toString(),
                 QStringLiteral("%1/config.json: is a folder, not a file (replace the folder with the file: rm -r \"%1/config.json\", "
                                "then copy config.json from the model's source)")
                     .arg(folder));

        // The details' Status row too (the Folder row has the path, the banner the whole message).
        QVERIFY(page.selectModel(QStringLiteral("dirconfig")));
        QCOMPARE(page.detail()->facts()->value("Status"), status.data().toString());
        QVERIFY(page.detail()->problemText().contains(folder + QStringLiteral("/config.json: is a folder, not a file")));

        QTableView* table = page.table();
        QHeaderView* header = table->horizontalHeader();
        const QAbstractItemView* view = table;
        QTRY_VERIFY(table->columnWidth(CatalogTableModel::Status) > 0);
        for (int c = 0; c < CatalogTableModel::ColumnCount; ++c) {
            if (c == CatalogTableModel::Name) continue;
            const QString title = page.catalog()->headerData(c, Qt::Horizontal, Qt::DisplayRole).toString();
            QVERIFY2(table->columnWidth(c) >= header->sectionSizeHint(c),
                     qPrintable(QStringLiteral("%1: %2 px < %3 px").arg(title).arg(table->columnWidth(c)).arg(header->sectionSizeHint(c))));
            if (c != CatalogTableModel::Status)   // Status is elided, its tooltip holds it all
                QVERIFY2(table->columnWidth(c) >= view->sizeHintForColumn(c), qPrintable(title));
        }
        // The reason's start is in view: "config.json: is a folder" fits the Status column.
        const int statusText = table->fontMetrics().horizontalAdvance(QStringLiteral("config.json: is a folder")) + table->iconSize().width() + 8;
        QVERIFY2(table->columnWidth(CatalogTableModel::Status) >= statusText,
                 qPrintable(QStringLiteral("%1 < %2").arg(table->columnWidth(CatalogTableModel::Status)).arg(statusText)));
        QVERIFY(table->columnWidth(CatalogTableModel::Name) >= view->sizeHintForColumn(CatalogTableModel::Name));
        QVERIFY(!table->horizontalScrollBar()->isVisible());
    }

    // A model deeper than the scan goes is not listed; the scan's status says how many folders it left.
    void foldersTooDeepAreCountedInTheStatus() {
        fs::path deep = root() / "deep-lib";
        for (int level = 1; level <= kLibraryScanDepth; ++level) deep /= "l" + std::to_string(level);
        test::copyFixtureModel("tinystories-656k", deep / "too-deep");
        test::copyFixtureModel("tinystories-656k", root() / "deep-lib" / "shallow");
        ModelsPage page;
        QSignalSpy messages(&page, &ModelsPage::statusMessage);
        QVERIFY(scan(page, {{root() / "deep-lib"}, {}}));
        QCOMPARE(visibleNames(page), QStringList{QStringLiteral("shallow")});
        QCOMPARE(messages.last().at(0).toString(), QStringLiteral("Library scan: 1 model found; 1 folder too deep to search (6 levels below a library folder; see the log)"));
    }

    void warmPoolModelsAreMarked() {
        const fs::path pool = root() / "pool";
        test::copyFixtureModel("qwen2-random-awq", pool / "pooled-awq");
        ModelsPage page;
        QVERIFY(scan(page, {{test::modelDir("tinystories-656k")}, pool}));
        QCOMPARE(page.catalog()->rowCount(), 2);
        const int row = page.catalog()->rowOfName(QStringLiteral("pooled-awq"));
        QVERIFY(row >= 0);
        const QModelIndex origin = page.catalog()->index(row, CatalogTableModel::Origin);
        QCOMPARE(origin.data().toString(), QStringLiteral("Warm pool"));
        QVERIFY(origin.data(Qt::FontRole).value<QFont>().bold());
        QVERIFY(!origin.data(Qt::DecorationRole).value<QIcon>().isNull());
        QCOMPARE(cell(page, "tinystories-656k", CatalogTableModel::Origin), QStringLiteral("Library"));
        QVERIFY(!page.catalog()->index(page.catalog()->rowOfName("tinystories-656k"), CatalogTableModel::Origin)
                     .data(Qt::FontRole).value<QFont>().bold());

        QVERIFY(page.selectModel(QStringLiteral("pooled-awq")));
        QCOMPARE(page.detail()->facts()->value("Origin"), QStringLiteral("Warm pool"));
        QCOMPARE(page.detail()->facts()->value("Method"), QStringLiteral("awq"));
        QCOMPARE(page.detail()->facts()->value("Bits"), QStringLiteral("4"));
        QCOMPARE(page.detail()->facts()->value("Group size"), QStringLiteral("128"));
        QCOMPARE(page.detail()->facts()->value("Zero point"), QStringLiteral("yes"));
        QCOMPARE(page.detail()->facts()->value("Version"), QStringLiteral("gemm"));
    }

    // At 1152x720 the table showed ~3.5 rows and the splitter could not enlarge it: the detail pane's
    // minimum (the memory plan's forms and chart) held the rest. Now the table gets the room.
    void tableGetsTheRoomAt1152x720() {
        ModelsPage page;
        QVERIFY(scan(page, {{test::modelDir("tinystories-656k")}, {}}));
        page.resize(1140, 620);   // the page inside a 1152x720 window (sidebar, status bar)
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QVERIFY(page.selectModel(QStringLiteral("tinystories-656k")));   // the detail pane full
        auto* table = page.findChild<QTableView*>(QStringLiteral("modelTable"));
        auto* split = page.findChild<QSplitter*>(QStringLiteral("modelsSplitter"));
        QVERIFY(table && split);
        const int row = table->verticalHeader()->defaultSectionSize();
        QTRY_VERIFY2(table->viewport()->height() >= 7 * row,
                     qPrintable(QStringLiteral("%1 px, %2 rows").arg(table->viewport()->height()).arg(double(table->viewport()->height()) / row)));
        // Dragging the splitter down gives the table all but the detail pane's small minimum (title,
        // tabs: the memory plan scrolls).
        const int before = table->viewport()->height();
        const int total = split->sizes().at(0) + split->sizes().at(1);
        split->setSizes({total, 0});
        QTRY_VERIFY2(split->sizes().at(1) <= 240 && table->viewport()->height() >= before + 40,
                     qPrintable(QStringLiteral("detail %1 px, table %2 -> %3 px").arg(split->sizes().at(1)).arg(before).arg(table->viewport()->height())));
    }

    // Two folders of one name (the demo's tinystories-qwen3-7m and a copy elsewhere) read the same in
    // the Quantize source list and the Compare-with menu; the menu listed models of another
    // vocabulary beside the comparable ones and ran past the window.
    void sameNamesAreToldApartAndOtherVocabulariesSetAside() {
        const fs::path lib = root() / "same-names";
        const fs::path demo = lib / "demo-models" / "tinystories-qwen3-7m";
        const fs::path shared = lib / "shared" / "models" / "tinystories-qwen3-7m";
        test::copyFixtureModel("tinystories-qwen3-7m", demo);
        test::copyFixtureModel("tinystories-qwen3-7m", shared);
        test::copyFixtureModel("tinystories-656k", lib / "small");   // another vocabulary (2048, not 4096)
        ModelsPage page;
        QVERIFY(scan(page, {{lib}, {}}));
        QCOMPARE(page.catalog()->rowCount(), 3);

        ModelPicker picker;
        picker.setCatalog(page.catalog());
        QStringList texts;
        for (int i = 0; i < picker.count(); ++i) texts << picker.itemText(i);
        QCOMPARE(texts.filter(QStringLiteral("tinystories-qwen3-7m")).size(), 2);
        QVERIFY2(texts.filter(QStringLiteral(" · …/demo-models")).size() == 1 && texts.filter(QStringLiteral(" · …/models")).size() == 1,
                 qPrintable(texts.join(QLatin1Char('\n'))));
        QVERIFY2(texts.filter(QStringLiteral("small")).size() == 1 && !texts.filter(QStringLiteral("small")).constFirst().contains(QStringLiteral("…/")), qPrintable(texts.join(QLatin1Char('\n'))));

        const CatalogEntryPtr entry = page.catalog()->entry(page.catalog()->rowOfPath(QDir::cleanPath(toQString(demo))));
        QVERIFY(entry);
        std::unique_ptr<QMenu> menu(page.contextMenuFor(entry));
        auto* compare = menu->findChild<QMenu*>(QStringLiteral("compareWithMenu"));
        QVERIFY(compare);
        QStringList direct;
        for (QAction* a : compare->actions())
            if (!a->data().toString().isEmpty()) direct << a->text();
        QCOMPARE(direct, QStringList{QStringLiteral("tinystories-qwen3-7m · library · …/models")});
        auto* other = compare->findChild<QMenu*>(QStringLiteral("compareWithOtherMenu"));
        QVERIFY(other);
        QCOMPARE(other->actions().size(), 1);
        QCOMPARE(other->actions().constFirst()->data().toString(), QDir::cleanPath(toQString(lib / "small")));
    }

    // An RTN model (AWQ's layout, config.json "awq") said "AWQ 4-bit g128" and "Method awq": only our
    // record beside the weights says how it was made, and its provenance was nowhere.
    void recordedMethodAndProvenanceAreShown() {
        const fs::path lib = root() / "rtn-lib";
        test::copyFixtureModel("qwen2-random-awq", lib / "made-by-rtn");
        std::ofstream(lib / "made-by-rtn" / "awqbench_quantization.json")
            << R"({"version": "0.1.0", "finished": "2026-12-05T13:31:46Z",
                  "settings": {"method": "rtn", "group_size": 128, "zero_point": true, "samples": 32, "seqlen": 256},
                  "source": {"name": "qwen2-random", "path": "/models/qwen2-random", "fingerprint": "0e9d"},
                  "calibration": {"files": ["default.txt"], "bundled": true, "texts": 32, "tokens": 9984},
                  "layers": [{"layer": 0, "output_mse": 0.25}, {"layer": 1, "output_mse": 0.75}]})";
        ModelsPage page;
        QVERIFY(scan(page, {{lib}, {}}));
        QCOMPARE(cell(page, "made-by-rtn", CatalogTableModel::Quantization), QStringLiteral("RTN 4-bit g128 (AWQ layout)"));
        QVERIFY(page.selectModel(QStringLiteral("made-by-rtn")));
        const auto* facts = page.detail()->facts();
        QCOMPARE(facts->value("Method"), QStringLiteral("RTN (AWQ layout)"));
        QCOMPARE(facts->value("Checkpoint format"), QStringLiteral("awq"));
        QVERIFY(facts->groups().contains(QStringLiteral("Provenance")));
        QCOMPARE(facts->value("Source model"), QStringLiteral("qwen2-random"));
        QCOMPARE(facts->value("Settings"), QStringLiteral("group 128, zero point, 32 samples x 256 tokens"));
        QCOMPARE(facts->value("Calibration"), QStringLiteral("bundled default.txt: 32 texts, 9984 tokens"));
        QCOMPARE(facts->value("Layer error"), QStringLiteral("output MSE mean 0.5, max 0.75 (layer 1) over 2 layers"));
    }

    void ggufFilesShowMetadataAndTensors() {
        const fs::path lib = root() / "gguf-lib";
        test::writeSmallGguf(lib / "tiny.Q8.gguf", "tiny gguf model");
        ModelsPage page;
        QVERIFY(scan(page, {{lib}, {}}));
        QCOMPARE(page.catalog()->rowCount(), 1);
        QCOMPARE(page.catalog()->brokenCount(), 0);
        const QString name = QStringLiteral("tiny gguf model");
        QCOMPARE(cell(page, name, CatalogTableModel::Format), QStringLiteral("GGUF"));
        QCOMPARE(cell(page, name, CatalogTableModel::Architecture), QStringLiteral("llama"));
        QCOMPARE(cell(page, name, CatalogTableModel::Layers), QStringLiteral("2"));
        QCOMPARE(cell(page, name, CatalogTableModel::Context), QStringLiteral("256"));
        QCOMPARE(cell(page, name, CatalogTableModel::Quantization), QStringLiteral("F32"));
        QCOMPARE(cell(page, name, CatalogTableModel::Parameters), formatCount(8 * 16 + 8));

        QVERIFY(page.selectModel(name));
        ModelDetailPane* detail = page.detail();
        QCOMPARE(detail->ggufMetadata()->valueOf("general.architecture"), QStringLiteral("llama"));
        QCOMPARE(detail->ggufMetadata()->valueOf("llama.block_count"), QStringLiteral("2"));
        QVERIFY(detail->ggufMetadata()->valueOf("tokenizer.ggml.tokens").contains("hello"));
        QCOMPARE(detail->ggufMetadata()->rowCount(), 7);
        QCOMPARE(detail->tensors()->rowCount(), 2);
        QCOMPARE(detail->tensors()->index(0, TensorTableModel::Name).data().toString(), QStringLiteral("token_embd.weight"));
        QCOMPARE(detail->tensors()->index(0, TensorTableModel::Shape).data().toString(), QStringLiteral("[8, 16]"));
        QCOMPARE(detail->tensors()->index(0, TensorTableModel::Bytes).data(TensorTableModel::SortRole).toULongLong(), 512ull);
        QVERIFY(detail->tabs()->isTabVisible(ModelDetailPane::GgufMetadataTab));
        QCOMPARE(detail->facts()->value("Layers"), QStringLiteral("2"));
        QCOMPARE(detail->facts()->value("Tokenizer"), QStringLiteral("gpt2"));
        QVERIFY(detail->memoryPlan()->unavailableReason().contains("GGUF"));

        // Back on a Hugging Face model the GGUF tab goes away again.
        ModelsPage other;
        QVERIFY(scan(other, {{test::modelDir("tinystories-656k")}, {}}));
        QVERIFY(!other.detail()->tabs()->isTabVisible(ModelDetailPane::GgufMetadataTab));
    }

    void rescanKeepsTheSelection() {
        ModelsPage page;
        QVERIFY(scan(page, {{test::sharedDir() / "models"}, {}}));
        QVERIFY(page.selectModel(QStringLiteral("qwen2-random")));
        QVERIFY(scan(page, page.roots()));
        QVERIFY(page.selectedEntry());
        QCOMPARE(QString::fromStdString(page.selectedEntry()->name), QStringLiteral("qwen2-random"));
    }

    void rescanReportsProgressAndDropsSupersededScans() {
        ModelsPage page;
        QSignalSpy progress(&page, &ModelsPage::scanProgress);
        QSignalSpy finished(&page, &ModelsPage::scanFinished);
        page.setRoots({{test::sharedDir() / "models"}, {}});
        page.rescan();
        page.setRoots({{test::modelDir("mistral-random")}, {}});
        page.rescan();   // replaces the first scan
        QVERIFY(page.isScanning());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QTest::qWait(200);
        QCOMPARE(finished.count(), 1);   // the superseded scan's results never arrive
        QCOMPARE(page.catalog()->rowCount(), 1);
        QVERIFY(page.catalog()->rowOfName(QStringLiteral("mistral-random")) >= 0);
        QCOMPARE(finished.at(0).at(2).toBool(), false);
        QVERIFY(!page.isScanning());
        QVERIFY(progress.count() >= 1);
        for (const auto& p : progress) QVERIFY2(p.at(0).toInt() <= 1, "a progress report of the superseded scan arrived");
        const auto last = progress.last();
        QCOMPARE(last.at(0).toInt(), 1);
        QCOMPARE(last.at(1).toInt(), 1);
    }

    void cancelStopsTheScanMidWay() {
        // Cancelled once the first candidates are described (not before the scan starts): what was
        // described by then is kept, fewer than all, and the page says the scan was cancelled.
        const fs::path lib = root() / "many";
        makeCandidates(lib, kCandidates);
        ModelsPage page;
        QSignalSpy finished(&page, &ModelsPage::scanFinished);
        int describedAtCancel = -1;
        connect(&page, &ModelsPage::scanProgress, this, [&](int, int described) {
            if (described < 1 || describedAtCancel >= 0) return;
            describedAtCancel = described;
            page.cancelScan();
        });
        page.setRoots({{lib}, {}});
        page.rescan();
        QVERIFY(page.isScanning());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 60000);
        QVERIFY2(describedAtCancel >= 1 && describedAtCancel < kCandidates, qPrintable(QString::number(describedAtCancel)));
        QCOMPARE(finished.at(0).at(2).toBool(), true);   // cancelled
        QVERIFY(!page.isScanning());
        const int rows = page.catalog()->rowCount();
        QVERIFY2(rows >= describedAtCancel && rows < kCandidates, qPrintable(QStringLiteral("%1 rows, cancelled at %2").arg(rows).arg(describedAtCancel)));
    }

    void destroyingThePageMidScanStopsTheScan() {
        // Config-only candidates (each described, as broken, in about a millisecond; each logs one
        // "broken model" line): the lines logged tell how far the scan really got.
        QTemporaryDir dir;
        const auto lib = fs::path(dir.path().toStdString());
        makeCandidates(lib, kCandidates);
        std::atomic<int> described{0};
        const int listener = logging::addListener([&](const logging::LogLine& line) {
            if (line.text.find("broken model") != std::string::npos) ++described;
        });
        auto* page = new ModelsPage;
        QSignalSpy progress(page, &ModelsPage::scanProgress);
        bool finished = false;
        connect(page, &ModelsPage::scanFinished, this, [&] { finished = true; });
        page->setRoots({{lib}, {}});
        page->rescan();
        QVERIFY(page->isScanning());
        QTRY_VERIFY_WITH_TIMEOUT(!progress.isEmpty() && progress.last().at(1).toInt() >= 1, 20000);  // inside the scan
        QVERIFY2(!finished, "the scan ended before the page was destroyed: nothing was tested");
        QElapsedTimer timer;
        timer.start();
        delete page;  // stops the scan and waits for it
        QVERIFY2(timer.elapsed() < 5000, qPrintable(QStringLiteral("destroying took %1 ms: the scan was not stopped").arg(timer.elapsed())));
        QTest::qWait(100);  // queued deliveries find the page gone and do nothing
        const int seen = described.load();
        logging::removeListener(listener);
        QVERIFY2(seen >= 1 && seen < kCandidates, qPrintable(QStringLiteral("%1 of %2 candidates described").arg(seen).arg(kCandidates)));
        QVERIFY(!finished);
        // The next page scans the same library whole.
        ModelsPage next;
        QSignalSpy nextFinished(&next, &ModelsPage::scanFinished);
        next.setRoots({{lib}, {}});
        next.rescan();
        QTRY_COMPARE_WITH_TIMEOUT(nextFinished.count(), 1, 60000);
        QCOMPARE(next.catalog()->rowCount(), kCandidates);
        QCOMPARE(nextFinished.at(0).at(2).toBool(), false);
    }

private:
    static constexpr int kCandidates = 3000;   // about 3 s of scanning: a stop surely lands mid-way
    // `count` folders holding only a config.json: candidates the scan describes (as broken) quickly.
    static void makeCandidates(const fs::path& root, int count) {
        for (int i = 0; i < count; ++i) {
            const auto folder = root / ("m" + std::to_string(i));
            fs::create_directories(folder);
            fs::copy_file(test::modelDir("tinystories-656k") / "config.json", folder / "config.json", fs::copy_options::overwrite_existing);
        }
    }
};

QTEST_MAIN(ModelsPageTest)
#include "test_models_page.moc"
