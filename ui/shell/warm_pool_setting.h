#pragma once
// The warm-pool folder, kept where awqbench-cli keeps it: "pool" in deploy.json (core/deploy), so
// `awqbench-cli pool config --pool DIR` and the GUI's Change… / Settings choose the same folder.
#include <QString>

namespace awq::ui {

class AppSettings;

// The pool folder deploy.json names (empty when none). Throws awq::Error for an unreadable file.
QString readWarmPool(const QString& deploySettingsFile);
// Stores `folder` (cleaned; empty: none) in deploy.json, keeping its targets and budget. Throws awq::Error.
void writeWarmPool(const QString& deploySettingsFile, const QString& folder);
// Once: a pool folder an older GUI saved in its own settings moves into deploy.json when deploy.json
// names none (a pool set there, say by the CLI, wins), and is then forgotten by the GUI settings.
// Returns the folder moved (empty when nothing moved). Throws awq::Error (the old value is kept).
QString migrateWarmPool(AppSettings& settings, const QString& deploySettingsFile);

}  // namespace awq::ui
