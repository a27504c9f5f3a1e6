#include "ui/reports/chart_painter.h"

#include <QFont>
#include <QFontMetricsF>
#include <QPainter>
#include <QPainterPath>
#include <QPolygonF>

#include <cmath>

namespace awq::ui {

namespace {

QColor toQt(report::Color c) { return QColor(c.r, c.g, c.b); }

class PainterCanvas : public report::ChartCanvas {
public:
    explicit PainterCanvas(QPainter& p) : p_(p) {}

    void rect(double x, double y, double w, double h, report::Color fill) override { p_.fillRect(QRectF(x, y, w, h), toQt(fill)); }

    void line(double x1, double y1, double x2, double y2, report::Color stroke, double width, bool dashed) override {
        QPen pen(toQt(stroke), width);
        if (dashed) pen.setDashPattern({6 / std::max(width, 0.1), 4 / std::max(width, 0.1)});
        p_.setPen(pen);
        p_.drawLine(QPointF(x1, y1), QPointF(x2, y2));
    }

    void polyline(const std::vector<std::pair<double, double>>& points, report::Color stroke, double width) override {
        QPolygonF poly;
        for (const auto& [x, y] : points) poly << QPointF(x, y);
        p_.setPen(QPen(toQt(stroke), width));
        p_.drawPolyline(poly);
    }

    void circle(double cx, double cy, double r, report::Color fill) override {
        p_.setPen(Qt::NoPen);
        p_.setBrush(toQt(fill));
        p_.drawEllipse(QPointF(cx, cy), r, r);
        p_.setBrush(Qt::NoBrush);
    }

    void text(double x, double y, const std::string& t, double size, report::Color color, report::TextAnchor anchor,
              bool bold) override {
        QFont font = p_.font();
        font.setPixelSize(std::max(1, int(std::lround(size))));  // chart units are pixels of the image
        font.setBold(bold);
        p_.setFont(font);
        const QString s = QString::fromStdString(t);
        const double w = QFontMetricsF(font).horizontalAdvance(s);
        const double dx = anchor == report::TextAnchor::Start ? 0 : anchor == report::TextAnchor::Middle ? -w / 2 : -w;
        p_.setPen(toQt(color));
        p_.drawText(QPointF(x + dx, y), s);
    }

private:
    QPainter& p_;
};

}  // namespace

QImage renderReportChart(const RunDocument& doc, report::ChartKind kind, double width, qreal scale) {
    const double height = report::chartHeight(doc, kind);
    QImage image(QSize(int(std::ceil(width * scale)), int(std::ceil(height * scale))), QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(scale);
    image.fill(Qt::white);
    QPainter p(&image);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::TextAntialiasing);
    PainterCanvas canvas(p);
    report::drawChart(doc, kind, canvas, width);
    return image;
}

}  // namespace awq::ui
