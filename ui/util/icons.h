#pragma once
// The workbench's own icons (resources/ui/icons). SVG when Qt's SVG plugin is installed, else the
// PNG renderings shipped beside them, so the icons look the same with or without Qt SVG.
#include <QIcon>
#include <QString>

namespace awq::ui {

// Registers the awqbench resource file; idempotent. Static libraries need this explicit call.
void initResources();

// `name` is the file stem under :/icons, e.g. "models", "warm-pool", "awqbench".
QIcon icon(const QString& name);

}  // namespace awq::ui
