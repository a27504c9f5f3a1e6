#pragma once
// Where the workbench keeps what it writes for the user by default: ~/.local/share/awqbench/NAME
// (XDG_DATA_HOME honoured), beside the log in ~/.local/state/awqbench and the CLI's conversations.
#include <QString>

namespace awq::ui {

// The default folder NAME ("runs", "models") under the workbench's data folder. Earlier versions
// used Qt's per-application folder, ~/.local/share/awqbench/awqbench/NAME: where that exists and
// the new one does not, it is returned, so saved runs and models stay where they are.
QString appDataFolder(const QString& name);

}  // namespace awq::ui
