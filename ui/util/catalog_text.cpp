#include "ui/util/catalog_text.h"

#include "core/util/format.h"

#include <QDir>
#include <QLocale>

#include <algorithm>

#include <map>
#include <type_traits>
#include <variant>

namespace awq::ui {

QString originText(ModelOrigin origin) {
    return origin == ModelOrigin::WarmPool ? QStringLiteral("Warm pool") : QStringLiteral("Library");
}

QString formatText(ModelFormat format) {
    return format == ModelFormat::Gguf ? QStringLiteral("GGUF") : QStringLiteral("Hugging Face");
}

QString architectureText(const CatalogEntry& e) {
    if (e.info) {
        const auto& c = e.info->config;
        if (c.architecture != Architecture::Unknown)
            return QString::fromUtf8(architectureName(c.architecture).data(),
                                     static_cast<qsizetype>(architectureName(c.architecture).size()));
        return QString::fromStdString(c.modelType.empty() ? c.architectureClass : c.modelType);
    }
    if (e.gguf) return QString::fromStdString(e.gguf->architecture);
    return {};
}

QString quantizationDetail(const QuantizationConfig& q) {
    switch (q.method) {
    case QuantMethod::None: return QStringLiteral("none");
    case QuantMethod::Awq:
    case QuantMethod::Gptq: {
        QStringList parts;
        parts << QStringLiteral("%1 %2-bit").arg(q.method == QuantMethod::Awq ? "AWQ" : "GPTQ").arg(q.bits);
        parts << (q.groupSize < 0 ? QStringLiteral("per channel") : QStringLiteral("group %1").arg(q.groupSize));
        if (q.method == QuantMethod::Awq) parts << (q.zeroPoint ? QStringLiteral("zero point") : QStringLiteral("symmetric"));
        if (!q.version.empty()) parts << QString::fromStdString(q.version).toUpper();
        return parts.join(QStringLiteral(", "));
    }
    case QuantMethod::Other:
        return q.rawMethod.empty() ? QStringLiteral("other") : QString::fromStdString(q.rawMethod);
    }
    return {};
}

QString quantizationText(const QuantizationConfig& q, const QuantizationRecord* record) {
    switch (q.method) {
    case QuantMethod::None: return {};
    case QuantMethod::Awq:
    case QuantMethod::Gptq: {
        // How it was made where our record says another method than the format: "RTN 4-bit g128 (AWQ layout)".
        const std::string format(quantMethodName(q.method));
        const bool otherMethod = record && !record->method.empty() && record->method != format;
        QString s = QStringLiteral("%1 %2-bit")
                        .arg(otherMethod ? QString::fromStdString(record->method).toUpper() : QString(q.method == QuantMethod::Awq ? "AWQ" : "GPTQ"))
                        .arg(q.bits);
        if (q.groupSize > 0) s += QStringLiteral(" g%1").arg(q.groupSize);
        if (otherMethod) s += QStringLiteral(" (%1 layout)").arg(QString::fromStdString(format).toUpper());
        return s;
    }
    case QuantMethod::Other:
        return q.rawMethod.empty() ? QStringLiteral("other") : QString::fromStdString(q.rawMethod);
    }
    return {};
}

QString quantizationText(const CatalogEntry& e) {
    if (e.info) {
        const auto& q = e.info->config.quantization;
        if (q.method == QuantMethod::None) return QString::fromStdString(e.info->storageDtype);
        return quantizationText(q, e.info->quantizationRecord ? &*e.info->quantizationRecord : nullptr);
    }
    if (e.gguf) return ggufPredominantType(*e.gguf);
    return {};
}

QStringList distinguishingParents(const QStringList& folders) {
    QList<QStringList> parents;   // each parent's components, last first
    for (const QString& f : folders) {
        QStringList parts = QDir::cleanPath(f).split(QLatin1Char('/'));
        parts.removeLast();   // the model's own folder: the same name in all of them
        std::reverse(parts.begin(), parts.end());
        parents << parts;
    }
    const auto tail = [](const QStringList& reversed, int n) {
        QStringList t = reversed.mid(0, n);
        std::reverse(t.begin(), t.end());
        return t.join(QLatin1Char('/'));
    };
    QStringList out;
    for (int i = 0; i < parents.size(); ++i) {
        const QStringList& mine = parents[i];
        int n = 1;
        for (; n < mine.size(); ++n) {
            bool unique = true;
            for (int j = 0; j < parents.size() && unique; ++j)
                if (j != i && tail(parents[j], n) == tail(mine, n)) unique = false;
            if (unique) break;
        }
        const QString shown = tail(mine, n);
        out << (n >= mine.size() ? (shown.isEmpty() ? QStringLiteral("/") : shown) : QStringLiteral("…/") + shown);
    }
    return out;
}

QHash<QString, QString> sameNameHints(const std::vector<const CatalogEntry*>& entries) {
    QHash<QString, QStringList> byName;   // name + origin -> folders
    for (const CatalogEntry* e : entries)
        if (e) byName[QString::fromStdString(e->name) + QLatin1Char('\n') + originText(e->origin)] << QDir::cleanPath(QString::fromStdString(e->path.string()));
    QHash<QString, QString> hints;
    for (const QStringList& folders : std::as_const(byName)) {
        if (folders.size() < 2) continue;
        const QStringList parents = distinguishingParents(folders);
        for (int i = 0; i < folders.size(); ++i) hints.insert(folders[i], parents[i]);
    }
    return hints;
}

QString statusText(const CatalogEntry& e) {
    if (!e.ok()) {
        // The reason first: the row is the model, so its path (in the Name tooltip and the details)
        // is left out. "/lib/m: missing config.json" read "/lib/m: miss…" in a column of 200 px,
        // the reason never in view; files inside the folder are named relative to it.
        QString reason = QString::fromStdString(e.error);
        const QString folder = QString::fromStdString(e.path.string());
        if (!folder.isEmpty() && reason.startsWith(folder + QStringLiteral(": "))) reason.remove(0, folder.size() + 2);
        if (e.format == ModelFormat::HuggingFace && !folder.isEmpty()) reason.replace(folder + QLatin1Char('/'), QString());
        else if (!folder.isEmpty()) reason.replace(folder, QString::fromStdString(e.path.filename().string()));
        return reason;
    }
    if (e.info && !e.info->unsupported.empty())  // readable, but the engine and quantizer refuse it (as the CLI says)
        return QStringLiteral("Unsupported: config.json %1").arg(QString::fromStdString(e.info->unsupported));
    if (e.gguf) return QStringLiteral("Unsupported: GGUF (metadata only)");
    const std::size_t warnings = e.info ? e.info->warnings.size() : 0;
    if (warnings == 1) return QStringLiteral("OK (1 warning)");
    if (warnings > 1) return QStringLiteral("OK (%1 warnings)").arg(warnings);
    return QStringLiteral("OK");
}

std::uint64_t parameterCount(const CatalogEntry& e) {
    if (e.info) return e.info->parameterCount;
    if (e.gguf) return e.gguf->parameterCount;
    return 0;
}

std::uint64_t sizeOnDisk(const CatalogEntry& e) {
    if (e.info) return e.info->bytesOnDisk;
    if (e.gguf) return e.gguf->fileSize;
    return 0;
}

std::optional<std::int64_t> layerCount(const CatalogEntry& e) {
    if (e.info) return e.info->config.numLayers;
    if (e.gguf) return ggufArchInteger(*e.gguf, "block_count");
    return std::nullopt;
}

std::optional<std::int64_t> contextLength(const CatalogEntry& e) {
    if (e.info) {
        if (e.info->config.maxPositions > 0) return e.info->config.maxPositions;
        return std::nullopt;
    }
    if (e.gguf) return ggufArchInteger(*e.gguf, "context_length");
    return std::nullopt;
}

std::optional<std::int64_t> ggufInteger(const GgufInfo& g, const std::string& key) {
    const GgufKeyValue* kv = g.find(key);
    if (!kv) return std::nullopt;
    const auto* scalar = std::get_if<GgufScalar>(&kv->value);
    if (!scalar) return std::nullopt;
    return std::visit(
        [](const auto& v) -> std::optional<std::int64_t> {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::uint64_t> || std::is_same_v<T, std::int64_t>)
                return static_cast<std::int64_t>(v);
            else
                return std::nullopt;
        },
        *scalar);
}

std::optional<std::string> ggufString(const GgufInfo& g, const std::string& key) {
    const GgufKeyValue* kv = g.find(key);
    if (!kv) return std::nullopt;
    const auto* scalar = std::get_if<GgufScalar>(&kv->value);
    if (!scalar) return std::nullopt;
    if (const auto* s = std::get_if<std::string>(scalar)) return *s;
    return std::nullopt;
}

std::optional<std::int64_t> ggufArchInteger(const GgufInfo& g, const std::string& suffix) {
    if (g.architecture.empty()) return std::nullopt;
    return ggufInteger(g, g.architecture + "." + suffix);
}

QString ggufPredominantType(const GgufInfo& g) {
    std::map<std::string, std::uint64_t> elementsByType;
    for (const auto& t : g.tensors) {
        std::uint64_t n = 1;
        for (auto d : t.shape) n *= d;
        elementsByType[t.type] += n;
    }
    std::string best;
    std::uint64_t bestCount = 0;
    for (const auto& [type, n] : elementsByType) {
        if (n > bestCount) {
            best = type;
            bestCount = n;
        }
    }
    return QString::fromStdString(best);
}

QString formatBytes(std::uint64_t n) { return QString::fromStdString(awq::format::bytes(n)); }
QString formatGiB(std::uint64_t n) { return QString::fromStdString(awq::format::gib(n)); }
QString formatMemory(std::uint64_t n) { return n >= (1ull << 30) ? formatGiB(n) : formatBytes(n); }

QString countNoun(std::int64_t n, const QString& singular, const QString& plural) {
    return QStringLiteral("%1 %2").arg(formatInteger(n), n == 1 ? singular : plural);
}
QString formatCount(std::uint64_t n) { return QString::fromStdString(awq::format::count(n)); }
QString formatInteger(std::int64_t n) { return QLocale(QLocale::English).toString(static_cast<qlonglong>(n)); }

}  // namespace awq::ui
