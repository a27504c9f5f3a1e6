#pragma once
// How catalog entries read on screen: one place for the words the table, the detail pane and the
// filter use, so a model reads the same everywhere.
#include "core/library/catalog.h"

#include <QHash>
#include <QString>
#include <QStringList>

#include <cstdint>
#include <optional>
#include <vector>

namespace awq::ui {

QString originText(ModelOrigin origin);         // "Library" / "Warm pool"
QString formatText(ModelFormat format);         // "Hugging Face" / "GGUF"
QString architectureText(const CatalogEntry& e);   // "qwen3", "llama" (GGUF: general.architecture)
QString quantizationText(const CatalogEntry& e);   // "BF16", "AWQ 4-bit g128", "RTN 4-bit g128 (AWQ layout)", "GPTQ 4-bit g128", "Q4_K"
QString statusText(const CatalogEntry& e);         // "OK", "OK (2 warnings)", "Unsupported: config.json ...", the broken reason

std::uint64_t parameterCount(const CatalogEntry& e);
std::uint64_t sizeOnDisk(const CatalogEntry& e);
std::optional<std::int64_t> layerCount(const CatalogEntry& e);
std::optional<std::int64_t> contextLength(const CatalogEntry& e);

// "AWQ 4-bit, group 128, zero point, GEMM" or "none"
QString quantizationDetail(const QuantizationConfig& q);

// A checkpoint's quantization as quantizationText(entry) says it ("AWQ 4-bit g128", "RTN 4-bit g128
// (AWQ layout)" where `record`, nullptr for none, names another method than the layout), for a model
// known by its config alone (a warm-pool row); "" for an unquantized one.
QString quantizationText(const QuantizationConfig& q, const QuantizationRecord* record);

// GGUF metadata helpers.
std::optional<std::int64_t> ggufInteger(const GgufInfo& g, const std::string& key);
std::optional<std::string> ggufString(const GgufInfo& g, const std::string& key);
// "<general.architecture>.<suffix>", e.g. ggufArchInteger(g, "block_count").
std::optional<std::int64_t> ggufArchInteger(const GgufInfo& g, const std::string& suffix);
// The tensor type holding most parameters ("Q4_K", "F16").
QString ggufPredominantType(const GgufInfo& g);

// What tells apart model folders that share a name (the demo folder's tinystories-qwen3-7m and a
// copy elsewhere read the same in a picker): for each of `folders` the shortest tail of its parent
// folder that no other's parent ends with, elided at the front ("…/demo-models", "…/shared/models");
// the whole parent where a tail is not enough. In the order given.
QStringList distinguishingParents(const QStringList& folders);

// For the entries of `entries` whose name (and origin) another entry shares: path (cleaned) ->
// distinguishingParents' hint. Entries with a name of their own are absent.
QHash<QString, QString> sameNameHints(const std::vector<const CatalogEntry*>& entries);

// "1 model", "8 models" (English plural; these strings are not translated yet).
QString countNoun(std::int64_t n, const QString& singular, const QString& plural);

// Numbers as the tables show them.
QString formatBytes(std::uint64_t n);       // "14.0 MiB" (binary units, as the CLI prints them)
QString formatGiB(std::uint64_t n);         // "7.00 GiB"
QString formatMemory(std::uint64_t n);      // GiB from 1 GiB up, else "14.0 MiB" (tiny models)
QString formatCount(std::uint64_t n);       // "7.35M"
QString formatInteger(std::int64_t n);      // "1,048,576"

}  // namespace awq::ui
