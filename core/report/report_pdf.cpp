// PDF report through cairo's PDF surface: the same blocks as the HTML report, laid out on A4 pages
// with wrapped table cells, and the same charts drawn as vectors. Without cairo at configure time
// (a bare GPU server) PDF export says so instead.
#include "core/report/chart_canvas.h"
#include "core/report/report_content.h"
#include "core/report/report_export.h"
#include "core/util/error.h"

#if AWQBENCH_HAVE_CAIRO
#include <cairo-pdf.h>
#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>
#endif

namespace awq::report {

#if !AWQBENCH_HAVE_CAIRO

bool pdfExportAvailable() { return false; }

std::string renderPdf(const RunDocument& doc) {
    throw Error("PDF export is not available: this build of AWQ Workbench was configured without cairo", doc.file,
                "export HTML or Markdown instead, or install libcairo2-dev and rebuild");
}

#else

bool pdfExportAvailable() { return true; }

namespace {

constexpr double kPageW = 595.28, kPageH = 841.89;  // A4 in points
constexpr double kMargin = 48;
constexpr double kContentW = kPageW - 2 * kMargin;
constexpr double kBodySize = 9.5, kTableSize = 8, kMonoSize = 7, kCellPad = 3;

void setSource(cairo_t* cr, Color c) { cairo_set_source_rgb(cr, c.r / 255.0, c.g / 255.0, c.b / 255.0); }

void selectFont(cairo_t* cr, double size, bool bold, bool mono) {
    cairo_select_font_face(cr, mono ? "monospace" : "sans-serif", CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

double textWidth(cairo_t* cr, const std::string& s) {
    cairo_text_extents_t e;
    cairo_text_extents(cr, s.c_str(), &e);
    return e.x_advance;
}

// Splits at UTF-8 character boundaries so a long word (a fingerprint, a path) can be broken anywhere.
std::vector<std::string> utf8Chars(const std::string& s) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < s.size();) {
        std::size_t n = 1;
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) n = 4;
        else if (c >= 0xE0) n = 3;
        else if (c >= 0xC0) n = 2;
        out.push_back(s.substr(i, std::min(n, s.size() - i)));
        i += n;
    }
    return out;
}

// Word-wraps with the current font to `width`; explicit newlines are kept.
std::vector<std::string> wrap(cairo_t* cr, const std::string& text, double width) {
    std::vector<std::string> lines;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t nl = text.find('\n', start);
        if (nl == std::string::npos) nl = text.size();
        const std::string para = text.substr(start, nl - start);
        std::string line;
        std::size_t i = 0;
        while (i <= para.size()) {
            std::size_t sp = para.find(' ', i);
            if (sp == std::string::npos) sp = para.size();
            std::string word = para.substr(i, sp - i);
            const std::string candidate = line.empty() ? word : line + " " + word;
            if (textWidth(cr, candidate) <= width) {
                line = candidate;
            } else {
                if (!line.empty()) lines.push_back(line);
                line.clear();
                // A word wider than the column is broken by characters.
                std::string piece;
                for (const auto& ch : utf8Chars(word)) {
                    if (!piece.empty() && textWidth(cr, piece + ch) > width) {
                        lines.push_back(piece);
                        piece.clear();
                    }
                    piece += ch;
                }
                line = piece;
            }
            i = sp + 1;
        }
        lines.push_back(line);
        start = nl + 1;
    }
    return lines;
}

class CairoCanvas : public ChartCanvas {
public:
    explicit CairoCanvas(cairo_t* cr) : cr_(cr) {}
    void rect(double x, double y, double w, double h, Color fill) override {
        setSource(cr_, fill);
        cairo_rectangle(cr_, x, y, w, h);
        cairo_fill(cr_);
    }
    void line(double x1, double y1, double x2, double y2, Color stroke, double width, bool dashed) override {
        setSource(cr_, stroke);
        cairo_set_line_width(cr_, width);
        const double dash[] = {6, 4};
        cairo_set_dash(cr_, dash, dashed ? 2 : 0, 0);
        cairo_move_to(cr_, x1, y1);
        cairo_line_to(cr_, x2, y2);
        cairo_stroke(cr_);
        cairo_set_dash(cr_, nullptr, 0, 0);
    }
    void polyline(const std::vector<std::pair<double, double>>& pts, Color stroke, double width) override {
        if (pts.empty()) return;
        setSource(cr_, stroke);
        cairo_set_line_width(cr_, width);
        cairo_move_to(cr_, pts[0].first, pts[0].second);
        for (std::size_t i = 1; i < pts.size(); ++i) cairo_line_to(cr_, pts[i].first, pts[i].second);
        cairo_stroke(cr_);
    }
    void circle(double cx, double cy, double r, Color fill) override {
        setSource(cr_, fill);
        cairo_arc(cr_, cx, cy, r, 0, 2 * M_PI);
        cairo_fill(cr_);
    }
    void text(double x, double y, const std::string& t, double size, Color color, TextAnchor anchor, bool bold) override {
        selectFont(cr_, size, bold, false);
        const double w = textWidth(cr_, t);
        const double dx = anchor == TextAnchor::Start ? 0 : anchor == TextAnchor::Middle ? -w / 2 : -w;
        setSource(cr_, color);
        cairo_move_to(cr_, x + dx, y);
        cairo_show_text(cr_, t.c_str());
    }

private:
    cairo_t* cr_;
};

cairo_status_t appendToString(void* closure, const unsigned char* data, unsigned int length) {
    static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
    return CAIRO_STATUS_SUCCESS;
}

class PdfLayout {
public:
    PdfLayout(cairo_t* cr, const RunDocument& doc, std::string title) : cr_(cr), doc_(doc), title_(std::move(title)) {}

    // next: the block after the heading (nullptr: none); the heading moves to a new page with it
    // rather than end a page alone (the trial's "Memory" heading above a table on the next page).
    void heading(const ReportBlock& b, const ReportBlock* next) {
        const double size = b.level <= 1 ? 17 : b.level == 2 ? 13.5 : 11;
        selectFont(cr_, size, true, false);
        const auto lines = wrap(cr_, b.text, kContentW);
        const double own = (b.level <= 2 ? 12 : 6) + lines.size() * size * 1.25 + 9;
        ensure(own + (next ? startHeight(*next) : 0) + 4);
        y_ += b.level <= 2 ? 12 : 6;
        setSource(cr_, {0x22, 0x22, 0x22});
        for (const auto& l : lines) {
            y_ += size * 1.25;
            cairo_move_to(cr_, kMargin, y_);
            cairo_show_text(cr_, l.c_str());
        }
        if (b.level <= 2) {
            setSource(cr_, b.level == 1 ? Color{0x1f, 0x77, 0xb4} : Color{0xcc, 0xcc, 0xcc});
            cairo_set_line_width(cr_, b.level == 1 ? 1.5 : 0.7);
            cairo_move_to(cr_, kMargin, y_ + 4);
            cairo_line_to(cr_, kMargin + kContentW, y_ + 4);
            cairo_stroke(cr_);
        }
        y_ += 9;
    }

    void paragraph(const std::string& text, bool warning) {
        selectFont(cr_, kBodySize, warning, false);
        const double indent = warning ? 10 : 0;
        const auto lines = wrap(cr_, warning ? "Warning: " + text : text, kContentW - indent);
        const double lineH = kBodySize * 1.35;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            ensure(lineH + 2);
            y_ += lineH;
            if (warning) {
                setSource(cr_, {0xe6, 0x51, 0x00});
                cairo_rectangle(cr_, kMargin, y_ - lineH + 2, 3, lineH);
                cairo_fill(cr_);
            }
            setSource(cr_, warning ? Color{0x8a, 0x30, 0x00} : Color{0x22, 0x22, 0x22});
            cairo_move_to(cr_, kMargin + indent, y_);
            cairo_show_text(cr_, lines[i].c_str());
        }
        y_ += 6;
    }

    void table(const ReportTable& t) {
        const bool mono = t.monospace;
        const double size = mono ? kMonoSize : kTableSize;
        const double lineH = size * 1.3;
        const auto widths = columnWidths(t, size);
        auto numeric = [&](std::size_t i) { return i < t.rightAligned.size() && t.rightAligned[i]; };
        auto drawRow = [&](const std::vector<std::vector<std::string>>& cells, double h, bool header) {
            if (header) {
                setSource(cr_, {0xf1, 0xf4, 0xf8});
                cairo_rectangle(cr_, kMargin, y_, kContentW, h);
                cairo_fill(cr_);
            }
            double x = kMargin;
            for (std::size_t i = 0; i < cells.size(); ++i) {
                selectFont(cr_, size, header, mono && !header);
                setSource(cr_, {0x22, 0x22, 0x22});
                double ly = y_ + kCellPad;
                for (const auto& l : cells[i]) {
                    ly += lineH;
                    const double lx = numeric(i) ? x + widths[i] - kCellPad - textWidth(cr_, l) : x + kCellPad;
                    cairo_move_to(cr_, lx, ly - size * 0.3);
                    cairo_show_text(cr_, l.c_str());
                }
                x += widths[i];
            }
            setSource(cr_, {0xd5, 0xd5, 0xd5});
            cairo_set_line_width(cr_, 0.5);
            cairo_move_to(cr_, kMargin, y_ + h);
            cairo_line_to(cr_, kMargin + kContentW, y_ + h);
            cairo_stroke(cr_);
            y_ += h;
        };
        const auto [headCells, headH] = layoutRow(t, widths, t.header, true);
        ensure(tableStartHeight(t));
        y_ += 2;
        drawRow(headCells, headH, true);
        for (const auto& row : t.rows) {
            const auto [cells, h] = layoutRow(t, widths, row, false);
            if (y_ + h > kPageH - kMargin) {
                newPage();
                drawRow(headCells, headH, true);  // repeat the header on the next page
            }
            drawRow(cells, h, false);
        }
        y_ += 10;
    }

    void chart(ChartKind kind) {
        const double h = chartHeight(doc_, kind);
        const double maxH = kPageH - 2 * kMargin - 20;
        const double scale = h > maxH ? maxH / h : 1.0;
        ensure(chartStartHeight(kind));
        cairo_save(cr_);
        cairo_translate(cr_, kMargin, y_ + 4);
        cairo_scale(cr_, scale, scale);
        CairoCanvas canvas(cr_);
        drawChart(doc_, kind, canvas, kContentW / scale);
        cairo_restore(cr_);
        y_ += h * scale + 14;
    }

    void footer() {
        cairo_save(cr_);  // keeps the font of the block being laid out
        selectFont(cr_, 7.5, false, false);
        setSource(cr_, {0x77, 0x77, 0x77});
        const std::string text = title_ + "  -  page " + std::to_string(page_);
        cairo_move_to(cr_, kMargin, kPageH - kMargin / 2);
        cairo_show_text(cr_, text.c_str());
        cairo_restore(cr_);
    }

    void finish() { footer(); }

private:
    // The height a block must have on the page where it starts: a table's header and first row, a
    // chart whole, a paragraph's first line.
    // Measures with the block's own fonts, leaving the current font as it was (a heading measures
    // what follows it before drawing itself).
    double startHeight(const ReportBlock& b) {
        cairo_save(cr_);
        const double h = startHeightIn(b);
        cairo_restore(cr_);
        return h;
    }
    double startHeightIn(const ReportBlock& b) {
        switch (b.type) {
        case ReportBlock::Type::Table: return tableStartHeight(b.table);
        case ReportBlock::Type::Chart: return chartStartHeight(b.chart);
        case ReportBlock::Type::Heading: return 40;
        default: return kBodySize * 1.35 + 2;
        }
    }

    double chartStartHeight(ChartKind kind) const { return std::min(chartHeight(doc_, kind), kPageH - 2 * kMargin - 20) + 10; }

    double tableStartHeight(const ReportTable& t) {
        const auto widths = columnWidths(t, t.monospace ? kMonoSize : kTableSize);
        double h = 2 + layoutRow(t, widths, t.header, true).second;
        if (!t.rows.empty()) h += layoutRow(t, widths, t.rows.front(), false).second;
        return h;
    }

    // A row's cells wrapped to the column widths, and its height.
    std::pair<std::vector<std::vector<std::string>>, double> layoutRow(const ReportTable& t, const std::vector<double>& widths,
                                                                       const std::vector<std::string>& row, bool header) {
        const double size = t.monospace ? kMonoSize : kTableSize, lineH = size * 1.3;
        std::vector<std::vector<std::string>> cells;
        std::size_t maxLines = 1;
        for (std::size_t i = 0; i < widths.size(); ++i) {
            selectFont(cr_, size, header, t.monospace && !header);
            cells.push_back(wrap(cr_, i < row.size() ? row[i] : std::string(), widths[i] - 2 * kCellPad));
            maxLines = std::max(maxLines, cells.back().size());
        }
        // A cell taller than a page is cut (the JSON export keeps everything).
        const std::size_t maxFit = std::size_t((kPageH - 2 * kMargin - 40) / lineH);
        if (maxLines > maxFit) {
            for (auto& c : cells)
                if (c.size() > maxFit) {
                    c.resize(maxFit);
                    c.back() += " [...]";
                }
            maxLines = maxFit;
        }
        return {cells, maxLines * lineH + 2 * kCellPad};
    }

    void newPage() {
        footer();
        cairo_show_page(cr_);
        ++page_;
        y_ = kMargin;
    }

    void ensure(double h) {
        if (y_ + h > kPageH - kMargin && y_ > kMargin + 1) newPage();
    }

    // Natural widths (longest line of each column), shrunk where the table is wider than the page:
    // narrow columns keep their width, wide ones share the rest.
    std::vector<double> columnWidths(const ReportTable& t, double size) {
        const std::size_t n = t.header.size();
        std::vector<double> natural(n, 20);
        for (std::size_t i = 0; i < n; ++i) {
            auto consider = [&](const std::string& s, bool bold) {
                selectFont(cr_, size, bold, t.monospace && !bold);
                std::size_t start = 0;
                while (start <= s.size()) {
                    std::size_t nl = s.find('\n', start);
                    if (nl == std::string::npos) nl = s.size();
                    natural[i] = std::max(natural[i], textWidth(cr_, s.substr(start, nl - start)) + 2 * kCellPad + 1);
                    start = nl + 1;
                }
            };
            // Headers may wrap between words: only their longest word sets a minimum.
            std::string words = t.header[i];
            std::replace(words.begin(), words.end(), ' ', '\n');
            consider(words, true);
            for (const auto& row : t.rows)
                if (i < row.size()) consider(row[i], false);
        }
        double total = 0;
        for (double w : natural) total += w;
        if (total <= kContentW) {
            // Spread the slack so the table spans the page like the HTML one.
            for (auto& w : natural) w += (kContentW - total) / n;
            return natural;
        }
        std::vector<double> widths(n, 0);
        std::vector<bool> fixed(n, false);
        double left = kContentW;
        std::size_t open = n;
        for (bool changed = true; changed && open > 0;) {
            changed = false;
            const double share = left / open;
            for (std::size_t i = 0; i < n; ++i)
                if (!fixed[i] && natural[i] <= share) {
                    widths[i] = natural[i];
                    fixed[i] = true;
                    left -= natural[i];
                    --open;
                    changed = true;
                }
        }
        for (std::size_t i = 0; i < n; ++i)
            if (!fixed[i]) widths[i] = left / open;
        return widths;
    }

    cairo_t* cr_;
    const RunDocument& doc_;
    std::string title_;
    double y_ = kMargin;
    int page_ = 1;
};

}  // namespace

std::string renderPdf(const RunDocument& doc) {
    const ReportContent c = buildReportContent(doc);
    std::string bytes;
    std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> surface(
        cairo_pdf_surface_create_for_stream(appendToString, &bytes, kPageW, kPageH), cairo_surface_destroy);
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_TITLE, c.title.c_str());
    cairo_pdf_surface_set_metadata(surface.get(), CAIRO_PDF_METADATA_CREATOR, "AWQ Workbench");
    std::unique_ptr<cairo_t, decltype(&cairo_destroy)> cr(cairo_create(surface.get()), cairo_destroy);

    PdfLayout layout(cr.get(), doc, c.title);
    ReportBlock title;
    title.type = ReportBlock::Type::Heading;
    title.level = 1;
    title.text = c.title;
    layout.heading(title, c.blocks.empty() ? nullptr : &c.blocks.front());
    for (std::size_t i = 0; i < c.blocks.size(); ++i) {
        const ReportBlock& b = c.blocks[i];
        switch (b.type) {
        case ReportBlock::Type::Heading: layout.heading(b, i + 1 < c.blocks.size() ? &c.blocks[i + 1] : nullptr); break;
        case ReportBlock::Type::Paragraph: layout.paragraph(b.text, false); break;
        case ReportBlock::Type::Warning: layout.paragraph(b.text, true); break;
        case ReportBlock::Type::Preformatted: layout.paragraph(b.text, false); break;
        case ReportBlock::Type::Table: layout.table(b.table); break;
        case ReportBlock::Type::Chart: layout.chart(b.chart); break;
        }
    }
    layout.finish();
    cr.reset();
    cairo_surface_finish(surface.get());
    if (const auto status = cairo_surface_status(surface.get()); status != CAIRO_STATUS_SUCCESS)
        throw Error(std::string("PDF rendering failed: ") + cairo_status_to_string(status), doc.file,
                    "export HTML instead and report this problem");
    return bytes;
}

#endif

}  // namespace awq::report
