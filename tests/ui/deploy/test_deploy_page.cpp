#include "core/deploy/deploy_settings.h"
#include "core/deploy/promotion.h"
#include "core/util/error.h"
#include "tests/support/test_paths.h"
#include "tests/ui/ui_fixtures.h"
#include "ui/deploy/deploy_page.h"
#include "ui/deploy/promote_dialog.h"
#include "ui/deploy/target_dialog.h"
#include "ui/util/byte_size_edit.h"
#include "ui/util/catalog_table_model.h"
#include "ui/util/path_text.h"

#include <QApplication>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QHeaderView>
#include <QLabel>
#include <QLayout>
#include <QMap>
#include <QMenu>
#include <QTextDocumentFragment>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTimer>
#include <QRegularExpression>
#include <QtTest>

#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

using namespace awq;
using namespace awq::ui;
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& f, const std::string& text) { std::ofstream(f, std::ios::binary) << text; }

fs::path fixture(const char* name) { return test::sourceDir() / "tests/core/deploy_fixtures" / name; }

// Runs `handle` on the promote dialog once promote() opened it (modal: exec() blocks the caller).
void whenDialogOpens(const std::function<void(PromoteDialog*)>& handle) {
    auto* timer = new QTimer;
    timer->setInterval(20);
    QObject::connect(timer, &QTimer::timeout, [timer, handle] {
        if (auto* d = qobject_cast<PromoteDialog*>(QApplication::activeModalWidget())) {
            timer->stop();
            timer->deleteLater();
            handle(d);
        }
    });
    timer->start();
}

struct Fixture {
    QTemporaryDir tmp;
    fs::path root, pool, settings;
    Fixture() {
        root = fs::canonical(tmp.path().toStdString());
        pool = root / "pool";
        settings = root / "config" / "deploy.json";
        fs::create_directories(pool);
    }
    // The page on this fixture's deploy.json and warm pool.
    void attach(DeployPage& page) const {
        page.setSettingsFile(toQString(settings));
        page.setWarmPool(toQString(pool));
    }
    // stack/docker-compose.yml, a copy of the fixture compose.before.yml.
    fs::path copyCompose() const {
        fs::create_directories(root / "stack");
        const fs::path compose = root / "stack" / "docker-compose.yml";
        fs::copy_file(fixture("compose.before.yml"), compose);
        return compose;
    }
};

// A docker compose target of a 16 GiB GPU.
deploy::DeployTarget composeTarget(const std::string& name, const fs::path& compose) {
    deploy::DeployTarget t;
    t.name = name;
    t.composeFile = compose;
    t.gpuMemoryBytes = 16ull << 30;
    return t;
}

// Rows of the pool table in view at 1152x720 (it showed about two).
constexpr int kPoolRowsAt1152x720 = 4;

bool waitForJob(QSignalSpy& spy) { return spy.count() > 0 || spy.wait(60000); }

}  // namespace

class TestDeployPage : public QObject {
    Q_OBJECT

private Q_SLOTS:
    // The target dialog's container paths (HOST:CONTAINER, comma-separated) round-trip, and a
    // malformed one is refused with the expected form.
    void targetDialogContainerPaths() {
        TargetDialog dialog;
        deploy::DeployTarget t;
        t.name = "prime";
        t.composeFile = "/stack/docker-compose.yml";
        t.containerPaths = {{"/srv/models", "/models"}, {"/srv/cache", "/root/.cache"}};
        dialog.setTarget(t);
        auto* edit = dialog.findChild<QLineEdit*>(QStringLiteral("targetContainerPaths"));
        QVERIFY(edit);
        QCOMPARE(edit->text(), QStringLiteral("/srv/models:/models, /srv/cache:/root/.cache"));
        QVERIFY(dialog.target().containerPaths == t.containerPaths);
        // GPU memory that is not whole GiB (24000 MiB) comes back as it was, not cut to 23 GiB.
        t.gpuMemoryBytes = 24000ull << 20;
        dialog.setTarget(t);
        QCOMPARE(dialog.target().gpuMemoryBytes, 24000ull << 20);
        // ... shown as it is (the budget's control: 24000 MiB, not 23.44 GiB), a size that is no whole
        // MiB (a hand-edited deploy.json) kept exactly, and the user's edit taken in the unit shown.
        auto* gpuMemory = dialog.findChild<QDoubleSpinBox*>(QStringLiteral("targetGpuMemory"));
        auto* gpuMemoryUnit = dialog.findChild<QComboBox*>(QStringLiteral("targetGpuMemoryUnit"));
        QVERIFY(gpuMemory && gpuMemoryUnit);
        QCOMPARE(gpuMemory->value(), 24000.0);
        QCOMPARE(gpuMemoryUnit->currentText(), QStringLiteral("MiB"));
        t.gpuMemoryBytes = (24ull << 30) + 1;
        dialog.setTarget(t);
        QCOMPARE(dialog.target().gpuMemoryBytes, (24ull << 30) + 1);
        gpuMemory->setValue(16384);
        QCOMPARE(dialog.target().gpuMemoryBytes, 16ull << 30);
        t.gpuMemoryBytes = 0;
        dialog.setTarget(t);
        QCOMPARE(gpuMemory->text(), QStringLiteral("detect"));
        edit->setText(QStringLiteral("/pool:/models:ro"));
        QVERIFY((dialog.target().containerPaths == std::vector<deploy::PathMapping>{{"/pool", "/models"}}));
        edit->setText(QStringLiteral("pool:/models"));
        QString msg;
        try {
            dialog.target();
        } catch (const Error& e) {
            msg = QString::fromStdString(e.what());
        }
        QVERIFY2(msg.contains(QStringLiteral("HOST:CONTAINER")), qPrintable(msg));
    }

    // A budget that is not a whole number of GiB (written by `pool config --budget 100MiB`) shows
    // exactly and survives clicking into the Budget field and leaving it: it became 0 ("no
    // budget") or 1 GiB when the field rounded it to whole GiB and saved on every focus out.
    void budgetSurvivesFocusInAndOut() {
        for (const std::uint64_t budget : {100ull << 20, 1536ull << 20, 50ull << 30}) {
            Fixture fx;
            deploy::DeploySettings s;
            s.pool = fx.pool;
            s.poolBudgetBytes = budget;
            deploy::saveSettings(fx.settings, s);
            const std::string before = readText(fx.settings);

            DeployPage page;
            fx.attach(page);
            page.resize(1000, 700);
            page.show();
            page.activateWindow();
            QVERIFY(QTest::qWaitForWindowActive(&page));
            QDoubleSpinBox* spin = page.budgetEdit()->spinBox();
            QCOMPARE(page.budgetEdit()->bytes(), budget);
            QCOMPARE(page.budgetEdit()->unitBox()->currentText(), budget % (1ull << 30) ? QStringLiteral("MiB") : QStringLiteral("GiB"));

            spin->setFocus();
            QTRY_VERIFY(spin->hasFocus());
            QTest::keyClick(spin, Qt::Key_Tab);   // leave it, nothing typed
            QTRY_VERIFY(!spin->hasFocus());
            QCOMPARE(deploy::loadSettings(fx.settings).poolBudgetBytes, budget);
            QCOMPARE(readText(fx.settings), before);

            // A real edit is saved, in the unit shown.
            spin->setFocus();
            QTRY_VERIFY(spin->hasFocus());
            spin->selectAll();
            QTest::keyClicks(spin, QStringLiteral("250"));
            QTest::keyClick(spin, Qt::Key_Tab);
            const std::uint64_t unit = budget % (1ull << 30) ? 1ull << 20 : 1ull << 30;
            QTRY_COMPARE(deploy::loadSettings(fx.settings).poolBudgetBytes, 250 * unit);
            QCOMPARE(page.budgetEdit()->bytes(), 250 * unit);
        }
    }

    // "Add target…" with a taken name is refused in the dialog (it replaced the target: its files,
    // GPU memory and the pool's "deployed by" protection went without a word); an empty name says
    // what a name needs. deploy.json is left as it was.
    void addTargetRefusesATakenName() {
        Fixture fx;
        fs::create_directories(fx.root / "stack");
        deploy::DeploySettings s;
        deploy::DeployTarget prime;
        prime.name = "prime";
        prime.composeFile = fx.root / "stack" / "docker-compose.yml";
        prime.gpuMemoryBytes = 24ull << 30;
        prime.containerPaths = {{fx.pool, "/models"}};
        deploy::upsertTarget(s, prime);
        deploy::saveSettings(fx.settings, s);
        const std::string before = readText(fx.settings);

        DeployPage page;
        fx.attach(page);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));

        QString takenMessage, emptyMessage;
        bool handled = false;
        auto* timer = new QTimer(&page);
        timer->setInterval(20);
        connect(timer, &QTimer::timeout, [&] {
            auto* d = qobject_cast<TargetDialog*>(QApplication::activeModalWidget());
            if (!d) return;
            timer->stop();
            auto* ok = d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
            d->findChild<QLineEdit*>(QStringLiteral("targetName"))->setText(QStringLiteral("prime"));
            d->findChild<QLineEdit*>(QStringLiteral("targetCompose"))->setText(QStringLiteral("/elsewhere/docker-compose.yml"));
            QTest::mouseClick(ok, Qt::LeftButton);
            takenMessage = d->isVisible() ? d->errorText() : QStringLiteral("(dialog closed)");
            d->findChild<QLineEdit*>(QStringLiteral("targetName"))->clear();
            QTest::mouseClick(ok, Qt::LeftButton);
            emptyMessage = d->isVisible() ? d->errorText() : QStringLiteral("(dialog closed)");
            handled = true;
            d->reject();
        });
        timer->start();
        QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("targetAdd")), Qt::LeftButton);
        QVERIFY(handled);
        QVERIFY2(takenMessage.contains(QStringLiteral("prime already exists")) && takenMessage.contains(QStringLiteral("Edit")), qPrintable(takenMessage));
        QVERIFY2(emptyMessage.startsWith(QStringLiteral("Give the target a name")), qPrintable(emptyMessage));
        QCOMPARE(readText(fx.settings), before);

        // The page's own addTarget refuses it too; saveTarget (Edit…) replaces.
        deploy::DeployTarget other = prime;
        other.composeFile = "/elsewhere/docker-compose.yml";
        QVERIFY(!page.addTarget(other));
        QVERIFY2(page.errorLabel()->text().contains(QStringLiteral("already exists")), qPrintable(page.errorLabel()->text()));
        QCOMPARE(readText(fx.settings), before);
        QVERIFY(page.saveTarget(other));
        QCOMPARE(deploy::loadSettings(fx.settings).find("prime")->composeFile, fs::path("/elsewhere/docker-compose.yml"));
    }

    // Trial 35: a target without a GPU count read "– × 24.00 GiB" in the GPUs column. Count and
    // memory have columns of their own, and an unset one says what is used instead, in the words
    // of `awqbench-cli target list`.
    void targetTableSaysWhatUnsetGpuSettingsMean() {
        Fixture fx;
        deploy::DeploySettings s;
        deploy::DeployTarget web = composeTarget("web", fx.root / "stack" / "docker-compose.yml");
        web.gpuMemoryBytes = 24ull << 30;   // the count unset
        deploy::DeployTarget api;
        api.name = "api";
        api.kind = deploy::TargetKind::Vllm;
        api.vllmConfig = fx.root / "vllm" / "config.yaml";   // neither count nor memory set
        deploy::DeployTarget big = composeTarget("big", fx.root / "stack" / "big.yml");
        big.gpuCount = 2;
        big.gpuMemoryBytes = 80ull << 30;
        for (const auto& t : {web, api, big}) deploy::upsertTarget(s, t);
        deploy::saveSettings(fx.settings, s);

        DeployPage page;
        fx.attach(page);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTableWidget* table = page.targetTable();
        QCOMPARE(table->columnCount(), 6);
        QCOMPARE(table->horizontalHeaderItem(3)->text(), QStringLiteral("GPUs"));
        QCOMPARE(table->horizontalHeaderItem(4)->text(), QStringLiteral("Memory per GPU"));
        QCOMPARE(table->horizontalHeaderItem(5)->text(), QStringLiteral("Current model"));
        const auto row = [&](const char* name) {
            for (int r = 0; r < table->rowCount(); ++r)
                if (table->item(r, 0)->text() == QLatin1String(name)) return r;
            return -1;
        };
        const int w = row("web"), a = row("api"), b = row("big");
        QVERIFY(w >= 0 && a >= 0 && b >= 0);
        QCOMPARE(table->item(w, 3)->text(), QStringLiteral("not set (the compose command's tensor-parallel size)"));
        QCOMPARE(table->item(w, 4)->text(), QStringLiteral("24.00 GiB"));
        QCOMPARE(table->item(a, 3)->text(), QStringLiteral("not set (the config's tensor-parallel-size)"));
        QCOMPARE(table->item(a, 4)->text(), QStringLiteral("not set (detected at promote)"));
        QCOMPARE(table->item(b, 3)->text(), QStringLiteral("2"));
        QCOMPARE(table->item(b, 4)->text(), QStringLiteral("80.00 GiB"));
        for (int r = 0; r < table->rowCount(); ++r) QVERIFY(!table->item(r, 3)->text().contains(QStringLiteral("×")));
    }

    // As `target add` refuses a compose file that never uses the path variable (exit 2 unless
    // --force), the dialog's first OK shows why and offers "Save anyway"; OK again on the same
    // settings saves, a changed setting asks again, a usable file is taken at once.
    void targetDialogAsksBeforeSavingAnUnpromotableTarget() {
        QTemporaryDir tmp;
        const fs::path fixed = fs::path(tmp.path().toStdString()) / "fixed.yml", good = fs::path(tmp.path().toStdString()) / "good.yml";
        writeText(fixed, "services:\n  vllm:\n    command: --model /models/qwen-old\n");
        writeText(good, "services:\n  vllm:\n    command: --model ${PRIME_MODEL_PATH:-/models/x}\n");
        deploy::DeployTarget t;
        t.name = "prime";
        t.composeFile = fixed;
        TargetDialog dialog;
        dialog.setTarget(t);
        auto* ok = dialog.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QVERIFY2(dialog.errorText().startsWith(QStringLiteral("No promotion to this target could change the model it serves")) &&
                     dialog.errorText().contains(QStringLiteral("never uses $PRIME_MODEL_PATH")),
                 qPrintable(dialog.errorText()));
        QCOMPARE(ok->text(), QStringLiteral("Save anyway"));
        // In the dialog's own words (it said "--path-var", a flag of the CLI) ...
        QVERIFY2(!dialog.errorText().contains(QStringLiteral("--")) && dialog.errorText().contains(QStringLiteral("“Model path variable”")),
                 qPrintable(dialog.errorText()));
        // ... and the dialog grows to hold it: no field squeezed below what it needs, none clipped.
        dialog.resize(560, dialog.minimumSizeHint().height());
        dialog.show();
        QVERIFY(QTest::qWaitForWindowExposed(&dialog));
        t.gpuCount = 3;   // asked again (another setting), now on a visible dialog
        dialog.setTarget(t);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        QApplication::processEvents();
        QVERIFY2(dialog.height() >= dialog.layout()->totalHeightForWidth(dialog.width()),
                 qPrintable(QStringLiteral("%1 < %2").arg(dialog.height()).arg(dialog.layout()->totalHeightForWidth(dialog.width()))));
        for (auto* field : dialog.findChildren<QLineEdit*>())
            if (field->isVisible() && !qobject_cast<QAbstractSpinBox*>(field->parentWidget())) QVERIFY2(field->height() >= field->minimumSizeHint().height(), qPrintable(field->objectName()));
        dialog.hide();
        t.gpuCount = 2;   // another setting: asked again
        dialog.setTarget(t);
        dialog.accept();
        QCOMPARE(dialog.result(), int(QDialog::Rejected));
        dialog.accept();  // Save anyway
        QCOMPARE(dialog.result(), int(QDialog::Accepted));

        TargetDialog usable;
        t.composeFile = good;
        usable.setTarget(t);
        usable.accept();
        QCOMPARE(usable.result(), int(QDialog::Accepted));
    }

    // A compose file that never uses the path variable is saved but told at once (it was only
    // refused at the first promote); Edit… keeps the name (a new name added a second target and
    // left the old one, with its promotion history, behind).
    void addTellsOfUnusedVariableAndEditKeepsTheName() {
        Fixture fx;
        fs::create_directories(fx.root / "stack");
        const fs::path fixed = fx.root / "stack" / "fixed.yml", good = fx.root / "stack" / "docker-compose.yml";
        writeText(fixed, "services:\n  vllm:\n    command: --model /models/x --served-model-name ${PRIME_MODEL:-x}\n");
        writeText(good, "services:\n  vllm:\n    command: --model ${PRIME_MODEL_PATH:-/models/x} --served-model-name ${PRIME_MODEL:-x}\n");
        DeployPage page;
        fx.attach(page);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));

        deploy::DeployTarget prime;
        prime.name = "prime";
        prime.composeFile = fixed;
        prime.gpuMemoryBytes = 24ull << 30;
        QVERIFY(page.addTarget(prime));
        const QString note = page.errorLabel()->text();
        QVERIFY2(page.errorLabel()->isVisibleTo(&page) && note.startsWith(QStringLiteral("Saved target prime. Before promoting to it:")) &&
                     note.contains(QStringLiteral("never uses $PRIME_MODEL_PATH")),
                 qPrintable(note));
        QVERIFY(deploy::loadSettings(fx.settings).find("prime"));

        QVERIFY(page.selectTarget(QStringLiteral("prime")));
        bool nameFixed = false, handled = false;
        auto* timer = new QTimer(&page);
        timer->setInterval(20);
        connect(timer, &QTimer::timeout, [&] {
            auto* d = qobject_cast<TargetDialog*>(QApplication::activeModalWidget());
            if (!d) return;
            timer->stop();
            auto* name = d->findChild<QLineEdit*>(QStringLiteral("targetName"));
            nameFixed = name->isReadOnly() && name->text() == QStringLiteral("prime");
            QTest::keyClicks(name, QStringLiteral("2"));   // read-only: ignored
            d->findChild<QLineEdit*>(QStringLiteral("targetCompose"))->setText(toQString(good));
            QTest::mouseClick(d->findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok), Qt::LeftButton);
            handled = true;
        });
        timer->start();
        QTest::mouseClick(page.findChild<QPushButton*>(QStringLiteral("targetEdit")), Qt::LeftButton);
        QVERIFY(handled);
        QVERIFY(nameFixed);
        const auto s = deploy::loadSettings(fx.settings);
        QCOMPARE(s.targets.size(), std::size_t(1));
        QCOMPARE(s.targets[0].name, std::string("prime"));
        QCOMPARE(s.targets[0].composeFile, good);
        QVERIFY2(!page.errorLabel()->isVisibleTo(&page), qPrintable(page.errorLabel()->text()));
    }

    // Fresh-user trial: the page said "5 models found, 1 broken" (the library scan's status
    // message, which counts model folders of the library and the pool as the catalog reads them)
    // while its table showed 3 broken pool entries: an empty folder, a link, a wrong model. The page
    // now counts its own rows, as the table marks them.
    void poolCountAgreesWithTheTable() {
        Fixture fx;
        test::copyFixtureModel("tinystories-656k", fx.pool / "good");
        fs::create_directories(fx.pool / "emptydir");
        fs::create_directory_symlink(test::modelDir("tinystories-656k"), fx.pool / "linked");
        test::copyFixtureModel("tinystories-656k", fx.pool / "manual-wrong");
        {
            std::string config = readText(fx.pool / "manual-wrong" / "config.json");
            const auto at = config.find("\"hidden_size\"");
            QVERIFY(at != std::string::npos);
            config.insert(config.find(':', at) + 1, " \"wide\", \"was_hidden_size\":");
            fs::permissions(fx.pool / "manual-wrong" / "config.json", fs::perms::owner_write, fs::perm_options::add);
            writeText(fx.pool / "manual-wrong" / "config.json", config);
        }
        writeText(fx.pool / "stray.txt", "hi\n");
        DeployPage page;
        fx.attach(page);
        page.resize(1000, 700);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTableWidget* table = page.poolTable();
        int red = 0;
        QStringList names;
        for (int r = 0; r < table->rowCount(); ++r) {
            names << table->item(r, 0)->text();
            if (table->item(r, 0)->foreground().color() == QColor(0xb3, 0x26, 0x1e)) ++red;
        }
        QVERIFY2(red == 3, qPrintable(names.join(QLatin1String(", "))));
        const QString count = QTextDocumentFragment::fromHtml(page.poolCountLabel()->text()).toPlainText();
        QCOMPARE(count, QStringLiteral("%1 in the pool · %2 broken").arg(table->rowCount()).arg(red));
        QVERIFY(!page.poolCountLabel()->toolTip().isEmpty());
        // Without a broken entry it says only how many.
        fs::remove_all(fx.pool / "emptydir");
        fs::remove(fx.pool / "linked");
        fs::remove_all(fx.pool / "manual-wrong");
        page.refresh();
        QCOMPARE(page.poolCountLabel()->text(), QStringLiteral("%1 in the pool").arg(page.poolTable()->rowCount()));
    }

    // "Add model…" listed the library's models by bare name: the demo's tinystories-656k and a copy in
    // another library folder read alike. The parent folder tells them apart, as in the Compare
    // pickers (sameNameHints); a name of its own gets no hint.
    void addMenuTellsApartModelsOfOneName() {
        Fixture fx;
        const fs::path demo = fx.root / "lib" / "demo-models" / "tinystories-656k";
        const fs::path shared = fx.root / "lib" / "shared" / "models" / "tinystories-656k";
        test::copyFixtureModel("tinystories-656k", demo);
        test::copyFixtureModel("tinystories-656k", shared);
        CatalogTableModel library;
        library.setEntries({describeCandidate(demo, ModelOrigin::Library), describeCandidate(shared, ModelOrigin::Library),
                            describeCandidate(test::modelDir("tinystories-qwen3-7m"), ModelOrigin::Library)});
        DeployPage page;
        fx.attach(page);
        page.setLibrary(&library);
        page.fillAddMenu();
        QMap<QString, QString> offered;   // path -> text
        for (QAction* a : page.addMenu()->actions())
            if (!a->data().toString().isEmpty()) offered.insert(a->data().toString(), a->text());
        QCOMPARE(offered.size(), 3);
        QCOMPARE(offered.value(toQString(demo)), QStringLiteral("tinystories-656k · …/demo-models"));
        QCOMPARE(offered.value(toQString(shared)), QStringLiteral("tinystories-656k · …/models"));
        QCOMPARE(offered.value(toQString(test::modelDir("tinystories-qwen3-7m"))), QStringLiteral("tinystories-qwen3-7m"));
    }

    // The pool table said "awq w4 g128" for an RTN model (our record beside its AWQ-layout weights)
    // where the Models page says "RTN 4-bit g128 (AWQ layout)".
    void poolTableSaysHowModelsWereMade() {
        Fixture fx;
        test::copyFixtureModel("tinystories-qwen3-7m-awq", fx.pool / "ts-rtn");
        writeText(fx.pool / "ts-rtn" / "awqbench_quantization.json",
                  R"({"tool": "awqbench", "settings": {"method": "rtn", "bits": 4, "group_size": 128, "zero_point": true}})");
        test::copyFixtureModel("tinystories-qwen3-7m-awq", fx.pool / "ts-awq");
        test::copyFixtureModel("tinystories-656k", fx.pool / "ts-small");
        DeployPage page;
        fx.attach(page);
        QTableWidget* table = page.poolTable();
        QMap<QString, QString> quant;
        for (int r = 0; r < table->rowCount(); ++r) quant.insert(table->item(r, 0)->text(), table->item(r, 1)->text());
        QCOMPARE(quant.value(QStringLiteral("ts-rtn")), QStringLiteral("RTN 4-bit g128 (AWQ layout)"));
        QCOMPARE(quant.value(QStringLiteral("ts-awq")), QStringLiteral("AWQ 4-bit g128"));
        QCOMPARE(quant.value(QStringLiteral("ts-small")), QStringLiteral("none"));
    }

    // At 1152x720 the pool table showed about two rows while the page had room for more.
    void poolTableHasRoomAt1152x720() {
        Fixture fx;
        DeployPage page;
        fx.attach(page);
        page.resize(990, 560);   // about the page inside a 1152x720 window (sidebar, menu and status bars)
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QTableWidget* table = page.poolTable();
        const int row = table->verticalHeader()->defaultSectionSize();
        QTRY_VERIFY2(table->viewport()->height() >= kPoolRowsAt1152x720 * row,
                     qPrintable(QStringLiteral("%1 px, %2 rows").arg(table->viewport()->height()).arg(double(table->viewport()->height()) / row)));
        // The targets and the history keep two rows each.
        QTableWidget* targets = page.findChild<QTableWidget*>(QStringLiteral("targetTable"));
        for (QTableWidget* t : {targets, page.historyTable()})
            QVERIFY2(t->viewport()->height() >= 2 * row, qPrintable(t->objectName()));
        // At 1920x1080 the extra height is shared, not all given to the pool.
        page.resize(1900, 1000);
        QTRY_VERIFY2(targets->height() >= table->height() / 2 && page.historyTable()->height() >= table->height() / 3 &&
                         table->viewport()->height() >= kPoolRowsAt1152x720 * row,
                     qPrintable(QStringLiteral("pool %1, targets %2, history %3").arg(table->height()).arg(targets->height()).arg(page.historyTable()->height())));
    }

    void addVerifyRemoveWithProgress() {
        Fixture fx;
        DeployPage page;
        fx.attach(page);
        page.resize(1000, 700);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        QCOMPARE(page.poolLabel()->text(), QStringLiteral("Warm pool: ") + toQString(fx.pool));
        QCOMPARE(page.poolTable()->rowCount(), 0);

        page.setBudgetBytes(1ull << 30);
        QSignalSpy finished(&page, &DeployPage::jobFinished);
        QSignalSpy progress(&page, &DeployPage::jobProgressed);
        QVERIFY(page.addModel(toQString(test::modelDir("tinystories-656k"))));
        QVERIFY(page.isBusy());
        QVERIFY(page.cancelButton()->isEnabled());
        QVERIFY(!page.addButton()->isEnabled());
        QVERIFY(waitForJob(finished));
        QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(2).toString()));
        QVERIFY(progress.count() > 0);

        QCOMPARE(page.poolTable()->rowCount(), 1);
        QCOMPARE(page.poolTable()->item(0, 0)->text(), QStringLiteral("tinystories-656k"));
        QCOMPARE(page.poolTable()->item(0, 1)->text(), QStringLiteral("none"));
        QCOMPARE(page.poolTable()->item(0, 4)->text(), QStringLiteral("SHA-256 manifest"));
        QVERIFY(page.diskBar()->value() > 0);  // 2.7 MiB of a 1 GiB budget
        // Sizes in the budget's binary units, as `pool list` prints them (the table said "2.7 MB"
        // beside "2.6 MiB of 1.00 GiB budget").
        const QString disk = page.findChild<QLabel*>(QStringLiteral("poolDiskText"))->text();
        QVERIFY2(QRegularExpression(QStringLiteral("^2\\.\\d MiB of 1\\.0 GiB budget · [\\d.]+ [KMGT]iB free on disk$")).match(disk).hasMatch(),
                 qPrintable(disk));
        QVERIFY2(QRegularExpression(QStringLiteral("^2\\.\\d MiB$")).match(page.poolTable()->item(0, 2)->text()).hasMatch(),
                 qPrintable(page.poolTable()->item(0, 2)->text()));

        // Verify through the button.
        QVERIFY(page.selectModel(QStringLiteral("tinystories-656k")));
        QVERIFY(page.verifyButton()->isEnabled());
        finished.clear();
        QTest::mouseClick(page.verifyButton(), Qt::LeftButton);
        QVERIFY(waitForJob(finished));
        QVERIFY(finished.at(0).at(0).toBool());
        QVERIFY(finished.at(0).at(2).toString().contains("verified"));
        // The status column shows the last full verify beside the cheap check, as `pool list` does.
        const auto status = [&] { return page.poolTable()->item(0, 5)->text(); };
        QVERIFY2(QRegularExpression(QStringLiteral("^sizes match; verified \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$")).match(status()).hasMatch(),
                 qPrintable(status()));

        // A tampered file makes verify fail with the file named.
        std::ofstream(fx.pool / "tinystories-656k" / "config.json", std::ios::app) << " ";
        finished.clear();
        QTest::mouseClick(page.verifyButton(), Qt::LeftButton);
        QVERIFY(waitForJob(finished));
        QVERIFY(!finished.at(0).at(0).toBool());
        QVERIFY(page.errorLabel()->text().contains("changed: config.json"));
        QVERIFY2(status().contains(QLatin1String("; verify FAILED ")), qPrintable(status()));
        QVERIFY2(page.poolTable()->item(0, 5)->toolTip().contains(QLatin1String("last verify: changed: config.json")),
                 qPrintable(page.poolTable()->item(0, 5)->toolTip()));

        // Remove: asks first; "no" keeps it.
        QString asked;
        page.setConfirmer([&](const QString& q) { asked = q; return false; });
        QTest::mouseClick(page.removeButton(), Qt::LeftButton);
        QVERIFY(asked.contains("tinystories-656k"));
        QVERIFY(fs::exists(fx.pool / "tinystories-656k"));
        page.setConfirmer([](const QString&) { return true; });
        finished.clear();
        QTest::mouseClick(page.removeButton(), Qt::LeftButton);
        QVERIFY(waitForJob(finished));
        QCOMPARE(page.poolTable()->rowCount(), 0);
        QVERIFY(!fs::exists(fx.pool / "tinystories-656k"));
    }

    void cancelledCopyLeavesPoolUnchanged() {
        Fixture fx;
        DeployPage page;
        fx.attach(page);
        QSignalSpy finished(&page, &DeployPage::jobFinished);
        // Cancelled on the first copied bytes: mid-copy, not before the copy started.
        qint64 doneAtCancel = -1, totalAtCancel = 0;
        connect(&page, &DeployPage::jobProgressed, this, [&](int stage, qint64 done, qint64 total) {
            if (doneAtCancel >= 0 || stage != 0 || done <= 0) return;
            doneAtCancel = done;
            totalAtCancel = total;
            page.cancelJob();
        });
        QVERIFY(page.addModel(toQString(test::modelDir("tinystories-qwen3-7m"))));
        QVERIFY(!page.addModel(toQString(test::modelDir("tinystories-656k"))));  // one job at a time
        QVERIFY(waitForJob(finished));
        QVERIFY2(doneAtCancel > 0 && doneAtCancel < totalAtCancel, qPrintable(QStringLiteral("%1 of %2 bytes").arg(doneAtCancel).arg(totalAtCancel)));
        QVERIFY(finished.at(0).at(1).toBool());  // cancelled
        QCOMPARE(std::distance(fs::directory_iterator(fx.pool), fs::directory_iterator()), 0);
        QCOMPARE(page.poolTable()->rowCount(), 0);
    }

    void promoteWithPreviewThenUndo() {
        Fixture fx;
        test::copyFixtureModel("tinystories-qwen3-7m-awq", fx.pool / "tinystories-qwen3-7m-awq");
        const fs::path compose = fx.copyCompose();

        DeployPage page;
        fx.attach(page);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        const deploy::DeployTarget t = composeTarget("prime", compose);
        QVERIFY(page.addTarget(t));
        QCOMPARE(page.targetTable()->rowCount(), 1);
        QVERIFY(page.selectModel(QStringLiteral("tinystories-qwen3-7m-awq")));
        QVERIFY(page.selectTarget(QStringLiteral("prime")));
        QVERIFY(page.promoteButton()->isEnabled());

        // Cancel in the preview: nothing is written.
        bool sawDiff = false;
        whenDialogOpens([&](PromoteDialog* d) {
            sawDiff = d->diffView()->toPlainText().contains("+      --model ${PRIME_MODEL_PATH:-" + toQString(fx.pool) + "/tinystories-qwen3-7m-awq}");
            QVERIFY(d->commandLine().startsWith("vllm serve "));
            QVERIFY(!d->commandLine().contains("--quantization"));
            d->reject();
        });
        QTest::mouseClick(page.promoteButton(), Qt::LeftButton);
        QVERIFY(sawDiff);
        QCOMPARE(readText(compose), readText(fixture("compose.before.yml")));

        // Promote from the preview.
        whenDialogOpens([](PromoteDialog* d) {
            QVERIFY(d->promoteButton()->isEnabled());
            QTest::mouseClick(d->promoteButton(), Qt::LeftButton);
        });
        QSignalSpy promoted(&page, &DeployPage::promoted);
        QTest::mouseClick(page.promoteButton(), Qt::LeftButton);
        QCOMPARE(promoted.count(), 1);
        std::string expected = readText(fixture("compose.expected.yml"));
        for (auto pos = expected.find("@POOL@"); pos != std::string::npos; pos = expected.find("@POOL@")) expected.replace(pos, 6, fx.pool.string());
        QCOMPARE(readText(compose), expected);
        QCOMPARE(page.poolTable()->item(0, 3)->text(), QStringLiteral("prime"));
        QCOMPARE(page.targetTable()->item(0, 5)->text(), QStringLiteral("tinystories-qwen3-7m-awq"));
        QCOMPARE(page.historyTable()->rowCount(), 1);

        // The deployed model cannot be removed.
        page.setConfirmer([](const QString&) { return true; });
        QVERIFY(!page.removeModel(QStringLiteral("tinystories-qwen3-7m-awq")));
        QVERIFY(page.errorLabel()->text().contains("deployed"));

        QTest::mouseClick(page.undoButton(), Qt::LeftButton);
        QCOMPARE(readText(compose), readText(fixture("compose.before.yml")));
        QCOMPARE(page.historyTable()->rowCount(), 2);
        QCOMPARE(page.historyTable()->item(0, 1)->text(), QStringLiteral("undo"));
        QCOMPARE(page.historyTable()->item(1, 4)->text(), QStringLiteral("undone"));

        // Promoted again, then the target edited to another compose file: Undo restored the old file,
        // which the target no longer uses. Refused by core's check, as `awqbench-cli undo` is.
        QVERIFY(page.selectModel(QStringLiteral("tinystories-qwen3-7m-awq")));
        QVERIFY(page.selectTarget(QStringLiteral("prime")));
        whenDialogOpens([](PromoteDialog* d) { QTest::mouseClick(d->promoteButton(), Qt::LeftButton); });
        QTest::mouseClick(page.promoteButton(), Qt::LeftButton);
        QCOMPARE(readText(compose), expected);
        fs::copy_file(fixture("compose.before.yml"), fx.root / "stack" / "other.yml");
        auto edited = t;
        edited.composeFile = fx.root / "stack" / "other.yml";
        QVERIFY(page.saveTarget(edited));
        QVERIFY(!page.undo(QStringLiteral("prime")));
        const QString refused = page.errorLabel()->text();
        QVERIFY2(refused.contains(toQString(compose) + ": promotion ") && refused.contains("no longer uses") && refused.contains("backup"),
                 qPrintable(refused));
        QCOMPARE(readText(compose), expected);
    }

    // Fault 1 of the fresh-user trial: the page open on a target, then `awqbench-cli undo --target
    // web` from a shell (core's undoLastPromotion, what the CLI runs) left "Current model" and the
    // history's "active" as they were. The page follows deploy.json, history.json and the target's
    // files; Undo is off (and says why) when core says there is nothing to undo.
    void followsPromotionsAndUndosFromOutside() {
        Fixture fx;
        test::copyFixtureModel("tinystories-qwen3-7m-awq", fx.pool / "tinystories-qwen3-7m-awq");
        const fs::path compose = fx.copyCompose();
        const fs::path stateDir = deploy::stateDirFor(fx.settings);

        auto page = std::make_unique<DeployPage>();
        fx.attach(*page);
        page->show();
        QVERIFY(QTest::qWaitForWindowExposed(page.get()));
        const deploy::DeployTarget t = composeTarget("web", compose);
        QVERIFY(page->addTarget(t));
        QVERIFY(page->selectTarget(QStringLiteral("web")));
        QCOMPARE(page->targetTable()->item(0, 5)->text(), QStringLiteral("Qwen3-4B-Instruct-2507-heretic"));
        // Never promoted: nothing to undo, and the button says so.
        QVERIFY(!page->undoButton()->isEnabled());
        QVERIFY2(page->undoButton()->toolTip().contains("Nothing to undo for target web"), qPrintable(page->undoButton()->toolTip()));

        QVERIFY(page->selectModel(QStringLiteral("tinystories-qwen3-7m-awq")));
        whenDialogOpens([](PromoteDialog* d) { QTest::mouseClick(d->promoteButton(), Qt::LeftButton); });
        QTest::mouseClick(page->promoteButton(), Qt::LeftButton);
        QCOMPARE(page->targetTable()->item(0, 5)->text(), QStringLiteral("tinystories-qwen3-7m-awq"));
        QCOMPARE(page->historyTable()->item(0, 4)->text(), QStringLiteral("active"));
        QVERIFY(page->undoButton()->isEnabled());
        QVERIFY(page->watchedPaths().contains(toQString(stateDir / "history.json")));
        QVERIFY(page->watchedPaths().contains(toQString(compose)));

        // `awqbench-cli undo --target web` from a shell: no click here.
        deploy::undoLastPromotion("web", deploy::loadSettings(fx.settings), stateDir);
        // The compose file's model from before the promotion again.
        QTRY_COMPARE_WITH_TIMEOUT(page->targetTable()->item(0, 5)->text(), QStringLiteral("Qwen3-4B-Instruct-2507-heretic"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(page->historyTable()->rowCount(), 2, 5000);
        QCOMPARE(page->historyTable()->item(0, 1)->text(), QStringLiteral("undo"));
        QCOMPARE(page->historyTable()->item(1, 4)->text(), QStringLiteral("undone"));
        QCOMPARE(page->poolTable()->item(0, 3)->text(), QStringLiteral("–"));
        QVERIFY(!page->undoButton()->isEnabled());
        QVERIFY(page->undoButton()->toolTip().contains("Nothing to undo"));

        // `awqbench-cli promote` from a shell: shown too (history.json was replaced by rename since
        // the watch was set: the page watches the new file, not the old inode).
        const auto settings = deploy::loadSettings(fx.settings);
        deploy::PlanOptions options;
        options.pool = fx.pool;
        options.stateDir = stateDir;
        deploy::applyPromotion(deploy::planPromotion(*settings.find("web"), fx.pool / "tinystories-qwen3-7m-awq", options), stateDir);
        QTRY_COMPARE_WITH_TIMEOUT(page->targetTable()->item(0, 5)->text(), QStringLiteral("tinystories-qwen3-7m-awq"), 5000);
        QTRY_COMPARE_WITH_TIMEOUT(page->historyTable()->rowCount(), 3, 5000);
        QCOMPARE(page->historyTable()->item(0, 4)->text(), QStringLiteral("active"));
        QTRY_VERIFY_WITH_TIMEOUT(page->undoButton()->isEnabled(), 5000);
        QVERIFY(page->undoButton()->toolTip().contains("Restore the files of target web"));
        deploy::undoLastPromotion("web", deploy::loadSettings(fx.settings), stateDir);
        QTRY_COMPARE_WITH_TIMEOUT(page->historyTable()->rowCount(), 4, 5000);

        // A fresh start with both promotions of the target undone: Undo is off from the start (it used
        // to be on and only the click said "nothing to undo").
        page.reset();
        DeployPage fresh;
        fx.attach(fresh);
        fresh.show();
        QVERIFY(QTest::qWaitForWindowExposed(&fresh));
        QCOMPARE(fresh.selectedTarget(), QStringLiteral("web"));
        QVERIFY(!fresh.undoButton()->isEnabled());
        QVERIFY2(fresh.undoButton()->toolTip().contains("Nothing to undo for target web"), qPrintable(fresh.undoButton()->toolTip()));
        QVERIFY(fresh.errorLabel()->isHidden());
    }

    void refusedPromotionAndReadOnlyTarget() {
        Fixture fx;
        test::copyFixtureModel("tinystories-656k", fx.pool / "tinystories-656k");
        test::copyFixtureModel("tinystories-qwen3-7m-awq", fx.pool / "tinystories-qwen3-7m-awq");
        const fs::path yaml = fx.root / "serve.yaml";
        fs::copy_file(fixture("vllm.before.yaml"), yaml);
        DeployPage page;
        fx.attach(page);
        deploy::DeployTarget t;
        t.name = "serve";
        t.kind = deploy::TargetKind::Vllm;
        t.vllmConfig = yaml;
        t.gpuMemoryBytes = 16ull << 30;
        QVERIFY(page.addTarget(t));

        // Tied embeddings stored only as lm_head.weight (vLLM cannot load them): the preview shows
        // the error and cannot promote.
        bool refused = false;
        whenDialogOpens([&](PromoteDialog* d) {
            bool named = false;
            for (int i = 0; i < d->issueList()->count(); ++i)
                named = named || d->issueList()->item(i)->data(Qt::UserRole).toString() == "tied_embeddings_missing";
            // No command line for a refused promotion (it showed the refused values as one).
            refused = !d->promoteButton()->isEnabled() && named && d->commandLine() == QStringLiteral("(none: the promotion is refused)");
            // No diff either: it showed the refused model's path as what would be written.
            refused = refused && d->diffView()->toPlainText().startsWith(QLatin1String("(no diff: the promotion is refused, so no file is changed"));
            d->reject();
        });
        QVERIFY(!page.promote(QStringLiteral("tinystories-656k"), QStringLiteral("serve")));
        QVERIFY(refused);

        // The config's own `dtype: auto` is kept, and the dialog says so beside the issues.
        QString kept;
        whenDialogOpens([&](PromoteDialog* d) {
            for (int i = 0; i < d->issueList()->count(); ++i)
                if (d->issueList()->item(i)->data(Qt::UserRole).toString() == "kept") kept += d->issueList()->item(i)->text();
            d->reject();
        });
        QVERIFY(!page.promote(QStringLiteral("tinystories-qwen3-7m-awq"), QStringLiteral("serve")));
        QCOMPARE(kept, QStringLiteral("Kept dtype: auto (set in the config file, not on the target)"));

        // A read-only target: a clear error, nothing changed.
        fs::permissions(yaml, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        whenDialogOpens([](PromoteDialog* d) { d->accept(); });
        QVERIFY(!page.promote(QStringLiteral("tinystories-qwen3-7m-awq"), QStringLiteral("serve")));
        QVERIFY2(page.errorLabel()->text().contains("read-only"), qPrintable(page.errorLabel()->text()));
        fs::permissions(yaml, fs::perms::owner_write, fs::perm_options::add);
        QCOMPARE(readText(yaml), readText(fixture("vllm.before.yaml")));
        QCOMPARE(page.historyTable()->rowCount(), 0);

        // The banner goes when what it says is past (a trial saw "...changed since the preview..."
        // stay through later promotions and navigation): a promotion recorded since, here by another
        // program, clears it at the refresh that reads it ...
        QVERIFY(!page.errorLabel()->isHidden());
        deploy::PlanOptions options;
        options.pool = fx.pool;
        options.stateDir = deploy::stateDirFor(fx.settings);
        deploy::applyPromotion(deploy::planPromotion(t, fx.pool / "tinystories-qwen3-7m-awq", options), options.stateDir);
        page.refresh();
        QVERIFY2(page.errorLabel()->isHidden(), qPrintable(page.errorLabel()->text()));
        // ... and so does coming back to the page; a refresh that still fails says so again.
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        fs::permissions(yaml, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        QVERIFY(!page.undo(QStringLiteral("serve")));  // read-only: refused, said on the banner
        QVERIFY2(page.errorLabel()->text().contains("read-only"), qPrintable(page.errorLabel()->text()));
        page.hide();
        page.show();
        QVERIFY2(page.errorLabel()->isHidden(), qPrintable(page.errorLabel()->text()));
        fs::permissions(yaml, fs::perms::owner_write, fs::perm_options::add);
    }

    // A banner of three lines and more keeps the pool table clear of its buttons (it pushed the
    // table over Add model / Remove / Verify): the page scrolls instead of squeezing.
    void longBannerKeepsTablesClearOfButtons() {
        Fixture fx;
        DeployPage page;
        fx.attach(page);
        page.resize(1152, 560);
        page.show();
        QVERIFY(QTest::qWaitForWindowExposed(&page));
        page.errorLabel()->setText(QString(QStringLiteral("The file changed since the preview: nothing was written. ")).repeated(12));
        page.errorLabel()->show();
        QApplication::processEvents();
        const auto rectIn = [&](QWidget* w) { return QRect(w->mapTo(&page, QPoint(0, 0)), w->size()); };
        const QRect table = rectIn(page.poolTable()), add = rectIn(page.addButton()), banner = rectIn(page.errorLabel());
        QVERIFY2(table.bottom() < add.top(), qPrintable(QStringLiteral("table %1..%2, buttons from %3").arg(table.top()).arg(table.bottom()).arg(add.top())));
        QVERIFY2(banner.bottom() < table.top(), qPrintable(QStringLiteral("banner to %1, table from %2").arg(banner.bottom()).arg(table.top())));
        QVERIFY(page.poolTable()->height() >= page.poolTable()->minimumHeight());
    }
};

QTEST_MAIN(TestDeployPage)
#include "test_deploy_page.moc"
