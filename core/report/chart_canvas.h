#pragma once
// The few drawing calls the report charts need. Charts are drawn once against this interface; an
// SVG writer (HTML reports) and a cairo context (PDF reports) implement it.
#include "core/report/report_content.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace awq::report {

struct Color {
    std::uint8_t r = 0, g = 0, b = 0;
    std::string hex() const;  // "#1f77b4"
};

enum class TextAnchor { Start, Middle, End };

class ChartCanvas {
public:
    virtual ~ChartCanvas() = default;
    virtual void rect(double x, double y, double w, double h, Color fill) = 0;
    virtual void line(double x1, double y1, double x2, double y2, Color stroke, double width, bool dashed = false) = 0;
    virtual void polyline(const std::vector<std::pair<double, double>>& points, Color stroke, double width) = 0;
    virtual void circle(double cx, double cy, double r, Color fill) = 0;
    // `y` is the text's baseline.
    virtual void text(double x, double y, const std::string& text, double size, Color color, TextAnchor anchor,
                      bool bold = false) = 0;
};

// Chart size in points (SVG user units), width fixed by the caller.
double chartHeight(const RunDocument& doc, ChartKind kind);
std::string chartTitle(ChartKind kind);
// Draws the chart into (0,0)-(width, chartHeight) of the canvas.
void drawChart(const RunDocument& doc, ChartKind kind, ChartCanvas& canvas, double width);

// The chart as an inline <svg> element (no external references, no xmlns URL needed inside HTML).
std::string chartSvg(const RunDocument& doc, ChartKind kind, double width);

}  // namespace awq::report
