#pragma once
// Help > Quick guide: what each place is for, the steps of each action, and the awqbench-cli
// command that does the same headless (on a GPU server without Qt, in scripts, in CI).
#include <QString>

class QWidget;

namespace awq::ui {

QString quickGuideHtml();                 // the guide's text (HTML)
void showQuickGuide(QWidget* parent);     // a non-modal window with it

}  // namespace awq::ui
