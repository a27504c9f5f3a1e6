// How entries read in the table and what the filter matches, on hand-made entries (no disk).
#include "ui/models/catalog_filter_proxy.h"
#include "ui/util/catalog_table_model.h"
#include "ui/util/catalog_text.h"
#include "ui/shell/app_settings.h"
#include "ui/shell/drop_paths.h"

#include <QMimeData>
#include <QTemporaryDir>
#include <QUrl>
#include <QtTest>

#include <fstream>

using namespace awq;
using namespace awq::ui;

namespace {

CatalogEntry hfEntry(const std::string& name, Architecture arch, std::uint64_t params, QuantMethod q = QuantMethod::None) {
    CatalogEntry e;
    e.name = name;
    e.path = "/models/" + name;
    ModelInfo info;
    info.name = name;
    info.config.architecture = arch;
    info.config.numLayers = 32;
    info.config.maxPositions = 40960;
    info.config.quantization.method = q;
    if (q == QuantMethod::Awq || q == QuantMethod::Gptq) {
        info.config.quantization.bits = 4;
        info.config.quantization.groupSize = 128;
        info.config.quantization.zeroPoint = true;
        info.config.quantization.version = "gemm";
    }
    info.parameterCount = params;
    info.storageDtype = q == QuantMethod::None ? "BF16" : "I32";
    info.bytesOnDisk = params * 2;
    e.info = info;
    return e;
}

CatalogEntry ggufEntry(const std::string& name) {
    CatalogEntry e;
    e.name = name;
    e.path = "/models/" + name + ".gguf";
    e.format = ModelFormat::Gguf;
    GgufInfo g;
    g.architecture = "llama";
    g.name = name;
    g.fileSize = 4'000'000'000ull;
    g.parameterCount = 8'000'000'000ull;
    g.metadata.push_back({"llama.block_count", "uint32", GgufScalar{std::uint64_t(32)}});
    g.metadata.push_back({"llama.context_length", "uint32", GgufScalar{std::uint64_t(8192)}});
    g.tensors.push_back({"blk.0.attn_q.weight", {4096, 4096}, "Q4_K", 0, 9'437'184});
    g.tensors.push_back({"token_embd.weight", {4096, 32000}, "Q6_K", 0, 107'520'000});
    g.tensors.push_back({"output_norm.weight", {4096}, "F32", 0, 16384});
    g.tensors.push_back({"blk.1.ffn_up.weight", {4096, 14336}, "Q4_K", 0, 33'030'144});
    g.tensors.push_back({"blk.1.ffn_down.weight", {14336, 4096}, "Q4_K", 0, 33'030'144});
    g.tensors.push_back({"blk.1.ffn_gate.weight", {4096, 14336}, "Q4_K", 0, 33'030'144});
    e.gguf = g;
    return e;
}

CatalogEntry brokenEntry(const std::string& name, const std::string& why) {
    CatalogEntry e;
    e.name = name;
    e.path = "/models/" + name;
    e.error = why;
    return e;
}

}  // namespace

class CatalogTextTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    // Folders of one name told apart by the shortest tail of their parent that differs.
    void distinguishesFoldersOfOneName() {
        QCOMPARE(distinguishingParents({"/work/main/resources/demo-models/tinystories", "/work/shared/models/tinystories"}),
                 (QStringList{"…/demo-models", "…/models"}));
        QCOMPARE(distinguishingParents({"/a/models/m", "/b/models/m"}), (QStringList{"…/a/models", "…/b/models"}));
        QCOMPARE(distinguishingParents({"/models/m", "/x/models/m"}), (QStringList{"/models", "…/x/models"}));
    }

    void describesEntries() {
        const auto plain = hfEntry("Qwen3-8B", Architecture::Qwen3, 8'190'735'360ull);
        QCOMPARE(architectureText(plain), QStringLiteral("qwen3"));
        QCOMPARE(quantizationText(plain), QStringLiteral("BF16"));
        QCOMPARE(statusText(plain), QStringLiteral("OK"));
        QCOMPARE(layerCount(plain).value(), 32);
        QCOMPARE(contextLength(plain).value(), 40960);

        const auto awqModel = hfEntry("Qwen3-8B-AWQ", Architecture::Qwen3, 8'190'735'360ull, QuantMethod::Awq);
        QCOMPARE(quantizationText(awqModel), QStringLiteral("AWQ 4-bit g128"));
        QCOMPARE(quantizationDetail(awqModel.info->config.quantization), QStringLiteral("AWQ 4-bit, group 128, zero point, GEMM"));
        QCOMPARE(quantizationText(hfEntry("x", Architecture::Llama, 1, QuantMethod::Gptq)), QStringLiteral("GPTQ 4-bit g128"));
        // RTN writes AWQ's layout: config.json says awq, only our record says how it was made.
        auto rtn = awqModel;
        rtn.info->quantizationRecord = QuantizationRecord{.method = "rtn"};
        QCOMPARE(quantizationText(rtn), QStringLiteral("RTN 4-bit g128 (AWQ layout)"));
        rtn.info->quantizationRecord->method = "awq";
        QCOMPARE(quantizationText(rtn), QStringLiteral("AWQ 4-bit g128"));
        auto other = hfEntry("fp8", Architecture::Llama, 1, QuantMethod::Other);
        other.info->config.quantization.rawMethod = "compressed-tensors";
        QCOMPARE(quantizationText(other), QStringLiteral("compressed-tensors"));

        auto warned = plain;
        warned.info->warnings = {"no chat template", "no generation config"};
        QCOMPARE(statusText(warned), QStringLiteral("OK (2 warnings)"));

        // Readable but refused by the engine: said in the status, as `models list` says it.
        auto gelu = plain;
        gelu.info->unsupported = "hidden_act is \"gelu\": the engine computes SiLU only";
        QCOMPARE(statusText(gelu), QStringLiteral("Unsupported: config.json hidden_act is \"gelu\": the engine computes SiLU only"));

        const auto broken = brokenEntry("cut", "model.safetensors is truncated");
        QCOMPARE(statusText(broken), QStringLiteral("model.safetensors is truncated"));
        QCOMPARE(parameterCount(broken), std::uint64_t(0));
        // The table names files relative to the model folder it already shows.
        QCOMPARE(statusText(brokenEntry("cut", "/models/cut/model.safetensors: header runs past the end")),
                 QStringLiteral("model.safetensors: header runs past the end"));
        // An error about the folder itself starts with the reason, not the path (trial 35: the
        // Status column read "/work/trial35/scratch/li…" for every such model).
        QCOMPARE(statusText(brokenEntry("cut", "/models/cut: missing config.json (copy the model's config.json from its source)")),
                 QStringLiteral("missing config.json (copy the model's config.json from its source)"));
        QCOMPARE(statusText(brokenEntry("cut", "/models/cut/config.json: is a folder, not a file (replace it)")),
                 QStringLiteral("config.json: is a folder, not a file (replace it)"));
        QVERIFY(!layerCount(broken));

        const auto gguf = ggufEntry("Llama-3-8B.Q4_K_M");
        QCOMPARE(architectureText(gguf), QStringLiteral("llama"));
        QCOMPARE(quantizationText(gguf), QStringLiteral("Q4_K"));   // most parameters, not most bytes
        QCOMPARE(layerCount(gguf).value(), 32);
        QCOMPARE(contextLength(gguf).value(), 8192);
        QCOMPARE(sizeOnDisk(gguf), std::uint64_t(4'000'000'000ull));
        QCOMPARE(statusText(gguf), QStringLiteral("Unsupported: GGUF (metadata only)"));  // not "OK": nothing here runs it
    }

    void tableAndFilter() {
        CatalogTableModel model;
        std::vector<CatalogEntry> entries;
        entries.push_back(hfEntry("Qwen3-8B", Architecture::Qwen3, 8'000'000'000ull));
        entries.push_back(hfEntry("Qwen3-8B-AWQ", Architecture::Qwen3, 8'000'000'000ull, QuantMethod::Awq));
        entries.push_back(hfEntry("Llama-3.1-8B", Architecture::Llama, 8'030'000'000ull));
        entries.push_back(hfEntry("Qwen3-0.6B", Architecture::Qwen3, 600'000'000ull));
        entries.push_back(ggufEntry("Mistral-7B.Q4_K_M"));
        entries.push_back(brokenEntry("half-download", "model-00002-of-00004.safetensors is missing"));
        entries.back().origin = ModelOrigin::WarmPool;
        model.setEntries(std::move(entries));
        QCOMPARE(model.rowCount(), 6);
        QCOMPARE(model.columnCount(), static_cast<int>(CatalogTableModel::ColumnCount));
        QCOMPARE(model.brokenCount(), 1);
        QCOMPARE(model.headerData(CatalogTableModel::Quantization, Qt::Horizontal).toString(), QStringLiteral("Weights"));
        QCOMPARE(model.index(5, CatalogTableModel::Origin).data().toString(), QStringLiteral("Warm pool"));
        QCOMPARE(model.index(4, CatalogTableModel::Format).data().toString(), QStringLiteral("GGUF"));

        CatalogFilterProxy proxy;
        proxy.setSourceModel(&model);
        auto names = [&] {
            QStringList n;
            for (int r = 0; r < proxy.rowCount(); ++r) n << proxy.index(r, 0).data().toString();
            return n;
        };
        proxy.setFilterWords("qwen3");
        QCOMPARE(proxy.rowCount(), 3);
        proxy.setFilterWords("qwen3 awq");
        QCOMPARE(names(), QStringList{"Qwen3-8B-AWQ"});
        proxy.setFilterWords("bf16 llama");
        QCOMPARE(names(), QStringList{"Llama-3.1-8B"});
        proxy.setFilterWords("q4_k");
        QCOMPARE(names(), QStringList{"Mistral-7B.Q4_K_M"});
        proxy.setFilterWords("gguf");
        QCOMPARE(proxy.rowCount(), 1);
        proxy.setFilterWords("");
        QCOMPARE(proxy.rowCount(), 6);

        // Numbers sort as numbers: 600M < 8.00B < 8.03B, broken (0) first.
        proxy.sort(CatalogTableModel::Parameters, Qt::AscendingOrder);
        QCOMPARE(names().mid(0, 2), (QStringList{"half-download", "Qwen3-0.6B"}));
        QCOMPARE(names().last(), QStringLiteral("Llama-3.1-8B"));
        proxy.sort(CatalogTableModel::Status, Qt::DescendingOrder);
        QCOMPARE(names().first(), QStringLiteral("half-download"));
    }

    void normalizesFolders() {
        QTemporaryDir dir;
        const QString a = dir.filePath("a");
        QDir().mkpath(a);
        QCOMPARE(normalizedFolders({a, a + "/", "  ", a + "/../a", dir.filePath("b")}), (QStringList{a, dir.filePath("b")}));
        const LibraryRoots roots = makeRoots({a}, "  ");
        QCOMPARE(roots.folders.size(), std::size_t(1));
        QVERIFY(roots.warmPool.empty());
    }

    void dropAcceptsFoldersAndGguf() {
        QTemporaryDir dir;
        QDir().mkpath(dir.filePath("model"));
        std::ofstream(dir.filePath("m.gguf").toStdString()) << "x";
        std::ofstream(dir.filePath("M2.GGUF").toStdString()) << "x";
        std::ofstream(dir.filePath("notes.txt").toStdString()) << "x";
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(dir.filePath("model")), QUrl::fromLocalFile(dir.filePath("m.gguf")),
                      QUrl::fromLocalFile(dir.filePath("M2.GGUF")), QUrl::fromLocalFile(dir.filePath("notes.txt")),
                      QUrl("https://huggingface.co/Qwen/Qwen3-8B")});
        QCOMPARE(libraryPathsFromMime(&mime), (QStringList{dir.filePath("model"), dir.filePath("m.gguf"), dir.filePath("M2.GGUF")}));
        QVERIFY(libraryPathsFromMime(nullptr).isEmpty());
    }
};

QTEST_MAIN(CatalogTextTest)
#include "test_catalog_text.moc"
