#pragma once
// A soft selection colour for the item views: the default saturated highlight swallows our blue
// icons and makes long tables hard to scan. Light and dark palettes both stay readable.
class QWidget;

namespace awq::ui {

void applySoftSelection(QWidget* view);

}  // namespace awq::ui
