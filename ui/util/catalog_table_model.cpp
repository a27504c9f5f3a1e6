#include "ui/util/catalog_table_model.h"

#include "ui/util/catalog_text.h"
#include "ui/util/icons.h"
#include "ui/util/path_text.h"

#include <QBrush>
#include <QColor>
#include <QFont>

namespace awq::ui {

CatalogTableModel::CatalogTableModel(QObject* parent) : QAbstractTableModel(parent) {}

void CatalogTableModel::setEntries(std::vector<CatalogEntry> entries) {
    beginResetModel();
    entries_.clear();
    entries_.reserve(entries.size());
    for (auto& e : entries) entries_.push_back(std::make_shared<const CatalogEntry>(std::move(e)));
    endResetModel();
}

void CatalogTableModel::clear() {
    beginResetModel();
    entries_.clear();
    endResetModel();
}

CatalogEntryPtr CatalogTableModel::entry(int row) const {
    if (row < 0 || row >= static_cast<int>(entries_.size())) return nullptr;
    return entries_[static_cast<std::size_t>(row)];
}

CatalogEntryPtr CatalogTableModel::quantizedSibling(const CatalogEntryPtr& base) const {
    auto quantized = [](const CatalogEntry& e) { return e.info && e.info->config.quantization.method != QuantMethod::None; };
    if (!base || !base->ok() || !base->info || quantized(*base)) return nullptr;
    const std::string prefix = base->name + '-';
    CatalogEntryPtr best;
    for (const CatalogEntryPtr& e : entries_) {
        if (!e->ok() || !quantized(*e) || e->origin != base->origin || !e->name.starts_with(prefix)) continue;
        if (!best || e->name == prefix + "awq") best = e;
    }
    return best;
}

int CatalogTableModel::rowOfPath(const QString& path) const {
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (toQString(entries_[i]->path) == path) return static_cast<int>(i);
    return -1;
}

int CatalogTableModel::rowOfName(const QString& name) const {
    // A library model and its warm-pool copy share the name: the library's is the one meant (the
    // copy is a deployment artefact; its Origin column tells it apart).
    int first = -1;
    for (std::size_t i = 0; i < entries_.size(); ++i)
        if (QString::fromStdString(entries_[i]->name) == name) {
            if (entries_[i]->origin == ModelOrigin::Library) return static_cast<int>(i);
            if (first < 0) first = static_cast<int>(i);
        }
    return first;
}

int CatalogTableModel::brokenCount() const {
    int n = 0;
    for (const auto& e : entries_) n += e->ok() ? 0 : 1;
    return n;
}

int CatalogTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : static_cast<int>(entries_.size());
}

int CatalogTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant CatalogTableModel::display(const CatalogEntry& e, int column) const {
    switch (column) {
    case Name: return QString::fromStdString(e.name);
    case Origin: return originText(e.origin);
    case Format: return formatText(e.format);
    case Architecture: return architectureText(e);
    case Parameters: {
        const auto n = parameterCount(e);
        return n ? formatCount(n) : QString();
    }
    case Quantization: return quantizationText(e);
    case SizeOnDisk: {
        const auto n = sizeOnDisk(e);
        return n ? formatBytes(n) : QString();
    }
    case Layers: {
        const auto n = layerCount(e);
        return n ? QString::number(*n) : QString();
    }
    case Context: {
        const auto n = contextLength(e);
        return n ? formatInteger(*n) : QString();
    }
    case Status: return statusText(e);
    default: return {};
    }
}

QVariant CatalogTableModel::sortValue(const CatalogEntry& e, int column) const {
    switch (column) {
    case Parameters: return QVariant::fromValue<qulonglong>(parameterCount(e));
    case SizeOnDisk: return QVariant::fromValue<qulonglong>(sizeOnDisk(e));
    case Layers: return QVariant::fromValue<qlonglong>(layerCount(e).value_or(-1));
    case Context: return QVariant::fromValue<qlonglong>(contextLength(e).value_or(-1));
    case Status: return e.ok() ? QStringLiteral("0 ") + statusText(e) : QStringLiteral("1 ") + statusText(e);
    default: return display(e, column).toString().toLower();
    }
}

QVariant CatalogTableModel::data(const QModelIndex& index, int role) const {
    const CatalogEntryPtr ptr = entryAt(index);
    if (!ptr) return {};
    const CatalogEntry& e = *ptr;
    const int column = index.column();

    switch (role) {
    case Qt::DisplayRole: return display(e, column);
    case SortRole: return sortValue(e, column);
    case FilterTextRole:
        return QStringList{QString::fromStdString(e.name), architectureText(e), quantizationText(e), formatText(e.format)}
            .join(QLatin1Char(' '));
    case PathRole: return toQString(e.path);
    case BrokenRole: return !e.ok();
    case Qt::ToolTipRole:
        if (column == Name) return toQString(e.path);
        if (column == Status && !e.ok()) return QString::fromStdString(e.error);
        if (column == Status && e.info && !e.info->unsupported.empty())
            return tr("The built-in engine and the quantizer cannot run this model: %1 (%2)")
                .arg(QString::fromStdString((e.path / "config.json").string() + ": " + e.info->unsupported), QString::fromStdString(e.info->unsupportedFix));
        if (column == Status && e.info && !e.info->warnings.empty()) {
            QStringList w;
            for (const auto& s : e.info->warnings) w << QString::fromStdString(s);
            return w.join(QLatin1Char('\n'));
        }
        if (column == Origin && e.origin == ModelOrigin::WarmPool)
            return tr("In the warm pool: the folder your serving stack loads models from");
        if (column == Architecture && e.info) return QString::fromStdString(e.info->config.architectureClass);
        return {};
    case Qt::DecorationRole:
        if (column == Name) return icon(e.format == ModelFormat::Gguf ? QStringLiteral("gguf") : QStringLiteral("model"));
        if (column == Origin) return icon(e.origin == ModelOrigin::WarmPool ? QStringLiteral("warm-pool") : QStringLiteral("library"));
        if (column == Status) {
            if (!e.ok()) return icon(QStringLiteral("broken"));
            if (e.info && (!e.info->warnings.empty() || !e.info->unsupported.empty())) return icon(QStringLiteral("warning"));
            return icon(QStringLiteral("ok"));
        }
        return {};
    case Qt::ForegroundRole:
        if ((!e.ok() || (e.info && !e.info->unsupported.empty())) && (column == Status || column == Name)) return QBrush(QColor(0xb3, 0x26, 0x1e));
        if (column == Origin && e.origin == ModelOrigin::WarmPool) return QBrush(QColor(0xa8, 0x4b, 0x00));
        return {};
    case Qt::FontRole:
        if (column == Origin && e.origin == ModelOrigin::WarmPool) {
            QFont f;
            f.setBold(true);
            return f;
        }
        return {};
    case Qt::TextAlignmentRole:
        switch (column) {
        case Parameters:
        case SizeOnDisk:
        case Layers:
        case Context: return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        default: return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
        }
    default: return {};
    }
}

QVariant CatalogTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    if (role == Qt::DisplayRole) {
        switch (section) {
        case Name: return tr("Name");
        case Origin: return tr("Origin");
        case Format: return tr("Format");
        // Short, as the CLI's `models list` names them (arch, params, size): at 1152x720 (the page
        // is ~1000 px beside the sidebar) "Architecture", "Parameters" and "Dtype / quantization"
        // were cut to "Architectur", "Parameter", "Dtype / quantizatio". The tooltips say it whole.
        case Architecture: return tr("Arch");
        case Parameters: return tr("Params");
        case Quantization: return tr("Weights");
        case SizeOnDisk: return tr("Size");
        case Layers: return tr("Layers");
        case Context: return tr("Context");
        case Status: return tr("Status");
        default: return {};
        }
    }
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case Origin: return tr("Library folder or warm pool (the folder your server loads from)");
        case Architecture: return tr("Architecture (config.json's model_type; GGUF: general.architecture)");
        case Parameters: return tr("Parameters, logical (a 4-bit weight counts as one parameter)");
        case Quantization: return tr("How the weights are stored: the dtype of an unquantized model, or its quantization");
        case SizeOnDisk: return tr("Size on disk: every file of the model folder (GGUF: the file)");
        case Context: return tr("Maximum positions the model was configured for");
        case Status: return tr("OK, or why the model cannot be used");
        default: return {};
        }
    }
    return {};
}

}  // namespace awq::ui
