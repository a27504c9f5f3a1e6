#pragma once
// The report charts drawn with QPainter, so the preview (a QTextBrowser, which cannot show inline
// SVG) shows the same charts the HTML and PDF exports carry.
#include "core/report/chart_canvas.h"

#include <QImage>

namespace awq::ui {

// The chart at `width` points, rendered at `scale` device pixels per point.
QImage renderReportChart(const RunDocument& doc, report::ChartKind kind, double width, qreal scale = 1.0);

}  // namespace awq::ui
