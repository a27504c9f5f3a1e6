#pragma once
// The "what is this model" list on the Models page: grouped property/value rows (model, shape of
// the network, attention, RoPE, tokenizer and templates, quantization and, where our record is
// beside the weights, its provenance). Values can be copied.
#include "core/library/catalog.h"

#include <QTreeWidget>

namespace awq::ui {

class ModelFactsView : public QTreeWidget {
    Q_OBJECT
public:
    explicit ModelFactsView(QWidget* parent = nullptr);

    void showEntry(const CatalogEntry& entry);
    void clearFacts();

    // The value shown for a property ("Architecture", "Parameters", ...); empty when absent.
    QString value(const QString& property) const;
    QStringList groups() const;

    void copySelection() const;

protected:
    void keyPressEvent(QKeyEvent* event) override;
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    QTreeWidgetItem* group(const QString& title);
    void add(QTreeWidgetItem* group, const QString& property, const QString& value, const QString& tooltip = {});
    // Our record's account of how the model was made: source, settings, calibration, layer error.
    void addProvenance(QTreeWidgetItem* group, const QuantizationRecord& record);
    void showHuggingFace(const CatalogEntry& entry, const ModelInfo& info);
    void showGguf(const CatalogEntry& entry, const GgufInfo& gguf);
    void showBroken(const CatalogEntry& entry);
};

}  // namespace awq::ui
