#include "ui/models/model_facts_view.h"

#include "ui/util/catalog_text.h"
#include "ui/util/path_text.h"
#include "ui/util/view_style.h"

#include <QApplication>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QHeaderView>
#include <QKeyEvent>
#include <QMenu>

namespace awq::ui {
namespace {

QString yesNo(bool b) { return b ? QObject::tr("yes") : QObject::tr("no"); }

QString presence(bool present, const QString& what) {
    return present ? what : QObject::tr("missing");
}

QString idList(const std::vector<int>& ids) {
    QStringList parts;
    for (int id : ids) parts << QString::number(id);
    return parts.join(QStringLiteral(", "));
}

QString ropeText(const RopeConfig& r) {
    QString s = QObject::tr("theta %1").arg(formatInteger(static_cast<std::int64_t>(r.theta)));
    if (r.theta != static_cast<double>(static_cast<std::int64_t>(r.theta))) s = QObject::tr("theta %1").arg(r.theta);
    if (r.type != "default") {
        s += QStringLiteral(", %1").arg(QString::fromStdString(r.type));
        if (r.factor != 1.0) s += QObject::tr(" x%1").arg(r.factor);
        if (r.type == "llama3") s += QObject::tr(" (low %1, high %2)").arg(r.lowFreqFactor).arg(r.highFreqFactor);
        if (r.originalMaxPositions > 0) s += QObject::tr(", original context %1").arg(formatInteger(r.originalMaxPositions));
    }
    return s;
}

}  // namespace

ModelFactsView::ModelFactsView(QWidget* parent) : QTreeWidget(parent) {
    setColumnCount(2);
    setHeaderLabels({tr("Property"), tr("Value")});
    setRootIsDecorated(true);
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionMode(QAbstractItemView::ExtendedSelection);
    setTextElideMode(Qt::ElideMiddle);
    header()->setStretchLastSection(true);
    header()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    setObjectName(QStringLiteral("modelFacts"));
    applySoftSelection(this);
}

void ModelFactsView::addProvenance(QTreeWidgetItem* g, const QuantizationRecord& r) {
    const auto orDash = [](const std::string& s) { return s.empty() ? QStringLiteral("–") : QString::fromStdString(s); };
    add(g, tr("Source model"), orDash(r.sourceName), QString::fromStdString(r.sourcePath));
    add(g, tr("Source fingerprint"), orDash(r.sourceFingerprint));
    add(g, tr("Settings"), orDash(r.settings));
    add(g, tr("Calibration"), orDash(calibrationSummary(r)));
    add(g, tr("Layer error"), orDash(layerErrorSummary(r)), tr("Each layer's output MSE against the unquantized layer on the calibration text"));
    add(g, tr("Quantized"), orDash(r.finished + (r.toolVersion.empty() ? std::string() : " (awqbench " + r.toolVersion + ")")),
        tr("awqbench_quantization.json"));
}

QTreeWidgetItem* ModelFactsView::group(const QString& title) {
    auto* item = new QTreeWidgetItem(this, {title});
    QFont f = item->font(0);
    f.setBold(true);
    item->setFont(0, f);
    item->setFirstColumnSpanned(true);
    item->setFlags(Qt::ItemIsEnabled);
    item->setExpanded(true);
    return item;
}

void ModelFactsView::add(QTreeWidgetItem* parentItem, const QString& property, const QString& value, const QString& tooltip) {
    auto* item = new QTreeWidgetItem(parentItem, {property, value});
    item->setToolTip(1, tooltip.isEmpty() ? value : tooltip);
}

void ModelFactsView::clearFacts() { clear(); }

void ModelFactsView::showEntry(const CatalogEntry& entry) {
    setUpdatesEnabled(false);
    clear();
    if (entry.info)
        showHuggingFace(entry, *entry.info);
    else if (entry.gguf)
        showGguf(entry, *entry.gguf);
    else
        showBroken(entry);
    expandAll();
    setUpdatesEnabled(true);
}

void ModelFactsView::showHuggingFace(const CatalogEntry& entry, const ModelInfo& info) {
    const ModelConfig& c = info.config;

    QTreeWidgetItem* model = group(tr("Model"));
    add(model, tr("Name"), QString::fromStdString(entry.name));
    add(model, tr("Folder"), toQString(entry.path));
    add(model, tr("Origin"), originText(entry.origin));
    add(model, tr("Format"), info.shardCount > 1 ? tr("Hugging Face safetensors, %1 shards").arg(info.shardCount)
                                                 : tr("Hugging Face safetensors"));
    add(model, tr("Parameters"), QStringLiteral("%1 (%2)").arg(formatCount(info.parameterCount), formatInteger(static_cast<std::int64_t>(info.parameterCount))));
    add(model, tr("Storage dtype"), QString::fromStdString(info.storageDtype));
    add(model, tr("Weights"), formatBytes(info.weightBytes), tr("Tensor bytes: what must be in memory to run the model"));
    add(model, tr("Size on disk"), formatBytes(info.bytesOnDisk));
    add(model, tr("Fingerprint"), QString::fromStdString(info.fingerprint),
        tr("SHA-256 over tensor names, dtypes, shapes and sampled bytes; independent of sharding"));

    QTreeWidgetItem* arch = group(tr("Architecture"));
    add(arch, tr("Architecture"), QStringLiteral("%1 (%2)").arg(architectureText(entry), QString::fromStdString(c.architectureClass)));
    add(arch, tr("Hidden size"), formatInteger(c.hiddenSize));
    add(arch, tr("Intermediate size"), formatInteger(c.intermediateSize));
    add(arch, tr("Layers"), QString::number(c.numLayers));
    add(arch, tr("Vocabulary"), formatInteger(c.vocabSize));
    add(arch, tr("Context"), tr("%1 positions").arg(formatInteger(c.maxPositions)));
    add(arch, tr("Activation"), QString::fromStdString(c.hiddenAct));
    add(arch, tr("RMS norm epsilon"), QString::number(c.rmsNormEps, 'g', 3));
    add(arch, tr("Tied embeddings"),
        c.tieWordEmbeddings ? (info.tiedEmbeddingsStoredAsLmHead ? tr("yes (stored only as lm_head.weight)") : tr("yes")) : tr("no"));
    add(arch, tr("Declared dtype"), QString::fromStdString(c.dtype.empty() ? std::string("—") : c.dtype));

    QTreeWidgetItem* attn = group(tr("Attention"));
    add(attn, tr("Heads"), QString::number(c.numHeads));
    QString kv = QString::number(c.numKvHeads);
    if (c.numKvHeads > 0 && c.numKvHeads < c.numHeads) kv += tr(" (GQA, %1 query heads per KV head)").arg(c.numHeads / c.numKvHeads);
    add(attn, tr("KV heads"), kv);
    add(attn, tr("Head dim"), QString::number(c.headDim));
    add(attn, tr("RoPE"), ropeText(c.rope));
    add(attn, tr("q/k/v bias"), yesNo(c.attentionBias));
    add(attn, tr("q/k norm"), yesNo(c.qkNorm));
    add(attn, tr("Sliding window"), c.slidingWindow ? QString::fromStdString(slidingWindowSummary(c)) : tr("none"));

    QTreeWidgetItem* tok = group(tr("Tokenizer and templates"));
    if (info.tokenizerError.empty())
        add(tok, tr("Tokenizer"), presence(info.hasTokenizer, QStringLiteral("tokenizer.json")));
    else  // present but tokenize / chat / quantize refuse it: say so, the reason as tooltip
        add(tok, tr("Tokenizer"), tr("tokenizer.json, broken"), QString::fromStdString(info.tokenizerError));
    add(tok, tr("Chat template"),
        info.hasChatTemplate ? QString::fromStdString(info.chatTemplateSource.empty() ? std::string("present") : info.chatTemplateSource)
                             : tr("none"));
    add(tok, tr("Generation config"), presence(info.hasGenerationConfig, QStringLiteral("generation_config.json")));
    add(tok, tr("BOS token id"), c.bosTokenId ? QString::number(*c.bosTokenId) : tr("none"));
    const auto& stops = info.stopTokenIds;
    add(tok, tr("EOS token ids"),
        stops.ids.empty() ? tr("none") : tr("%1 (%2)").arg(idList(stops.ids), QString::fromStdString(stops.source)));

    QTreeWidgetItem* quant = group(tr("Quantization"));
    const QuantizationConfig& q = c.quantization;
    const QString checkpointMethod =
        q.method == QuantMethod::None ? tr("none") : QString::fromStdString(q.rawMethod.empty() ? std::string(quantMethodName(q.method)) : q.rawMethod);
    const auto& record = info.quantizationRecord;
    const QString madeWith = record ? QString::fromStdString(recordedMethodLabel(*record, q.method)) : QString();
    // Two facts: how the model was made (our record) and the checkpoint format vLLM loads (config.json).
    if (!madeWith.isEmpty() && q.method != QuantMethod::None) {
        add(quant, tr("Method"), madeWith, tr("As recorded in awqbench_quantization.json"));
        add(quant, tr("Checkpoint format"), checkpointMethod, tr("config.json's quant_method: what vLLM loads"));
    } else {
        add(quant, tr("Method"), checkpointMethod);
    }
    if (q.method == QuantMethod::Awq || q.method == QuantMethod::Gptq) {
        add(quant, tr("Bits"), QString::number(q.bits));
        add(quant, tr("Group size"), q.groupSize < 0 ? tr("per channel") : QString::number(q.groupSize));
        add(quant, tr("Zero point"), yesNo(q.zeroPoint));
        if (!q.version.empty()) add(quant, tr("Version"), QString::fromStdString(q.version));
        if (!q.modulesToNotConvert.empty()) {
            QStringList mods;
            for (const auto& m : q.modulesToNotConvert) mods << QString::fromStdString(m);
            add(quant, tr("Not converted"), mods.join(QStringLiteral(", ")));
        }
    }
    add(quant, tr("Summary"), quantizationDetail(q));
    if (record) addProvenance(group(tr("Provenance")), *record);

    if (!info.warnings.empty()) {
        QTreeWidgetItem* warn = group(tr("Warnings"));
        int i = 1;
        for (const auto& w : info.warnings) add(warn, tr("Warning %1").arg(i++), QString::fromStdString(w));
    }
}

void ModelFactsView::showGguf(const CatalogEntry& entry, const GgufInfo& g) {
    QTreeWidgetItem* model = group(tr("Model"));
    add(model, tr("Name"), QString::fromStdString(g.name.empty() ? entry.name : g.name));
    add(model, tr("File"), toQString(entry.path));
    add(model, tr("Origin"), originText(entry.origin));
    add(model, tr("Format"), tr("GGUF version %1").arg(g.version));
    add(model, tr("Parameters"), QStringLiteral("%1 (%2)").arg(formatCount(g.parameterCount), formatInteger(static_cast<std::int64_t>(g.parameterCount))));
    add(model, tr("Tensor types"), ggufPredominantType(g), tr("The tensor type holding most parameters"));
    add(model, tr("Size on disk"), formatBytes(g.fileSize));
    add(model, tr("Tensors"), QString::number(g.tensors.size()));
    add(model, tr("Metadata keys"), QString::number(g.metadata.size()));
    add(model, tr("Alignment"), QString::number(g.alignment));

    QTreeWidgetItem* arch = group(tr("Architecture"));
    add(arch, tr("Architecture"), QString::fromStdString(g.architecture));
    auto addInt = [&](const QString& label, const char* suffix) {
        if (auto v = ggufArchInteger(g, suffix)) add(arch, label, formatInteger(*v));
    };
    addInt(tr("Hidden size"), "embedding_length");
    addInt(tr("Intermediate size"), "feed_forward_length");
    addInt(tr("Layers"), "block_count");
    addInt(tr("Heads"), "attention.head_count");
    addInt(tr("KV heads"), "attention.head_count_kv");
    addInt(tr("Context"), "context_length");
    addInt(tr("Vocabulary"), "vocab_size");

    QTreeWidgetItem* tok = group(tr("Tokenizer and templates"));
    add(tok, tr("Tokenizer"), QString::fromStdString(ggufString(g, "tokenizer.ggml.model").value_or("none")));
    add(tok, tr("Chat template"), g.find("tokenizer.chat_template") ? tr("in the metadata (tokenizer.chat_template)") : tr("none"));
}

void ModelFactsView::showBroken(const CatalogEntry& entry) {
    QTreeWidgetItem* model = group(tr("Model"));
    add(model, tr("Name"), QString::fromStdString(entry.name));
    add(model, entry.format == ModelFormat::Gguf ? tr("File") : tr("Folder"), toQString(entry.path));
    add(model, tr("Origin"), originText(entry.origin));
    add(model, tr("Format"), formatText(entry.format));
    // The reason first, as in the table (the Folder row above has the path; the banner the whole
    // message): the full error was elided in its middle, "/tmp/lib/m/confi…model's source)".
    add(model, tr("Status"), statusText(entry));
}

QString ModelFactsView::value(const QString& property) const {
    for (int g = 0; g < topLevelItemCount(); ++g) {
        const QTreeWidgetItem* grp = topLevelItem(g);
        for (int i = 0; i < grp->childCount(); ++i)
            if (grp->child(i)->text(0) == property) return grp->child(i)->text(1);
    }
    return {};
}

QStringList ModelFactsView::groups() const {
    QStringList out;
    for (int g = 0; g < topLevelItemCount(); ++g) out << topLevelItem(g)->text(0);
    return out;
}

void ModelFactsView::copySelection() const {
    QStringList lines;
    for (const QTreeWidgetItem* item : selectedItems())
        lines << (item->text(1).isEmpty() ? item->text(0) : item->text(0) + QLatin1Char('\t') + item->text(1));
    if (!lines.isEmpty()) QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
}

void ModelFactsView::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Copy)) {
        copySelection();
        return;
    }
    QTreeWidget::keyPressEvent(event);
}

void ModelFactsView::contextMenuEvent(QContextMenuEvent* event) {
    QMenu menu(this);
    QAction* copy = menu.addAction(tr("Copy"), this, &ModelFactsView::copySelection);
    copy->setShortcut(QKeySequence::Copy);
    copy->setEnabled(!selectedItems().isEmpty());
    if (QTreeWidgetItem* item = itemAt(event->pos()); item && !item->text(1).isEmpty()) {
        const QString v = item->text(1);
        menu.addAction(tr("Copy value"), this, [v] { QApplication::clipboard()->setText(v); });
    }
    menu.exec(event->globalPos());
}

}  // namespace awq::ui
