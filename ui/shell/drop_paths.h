#pragma once
// What a drop onto the window adds to the library: local folders (model folders or folders of
// models) and .gguf files. Everything else is ignored.
#include <QStringList>

class QMimeData;

namespace awq::ui {

QStringList libraryPathsFromMime(const QMimeData* mime);

}  // namespace awq::ui
