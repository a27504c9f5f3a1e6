// Markdown report (GitHub-flavoured tables). Charts have no portable Markdown form: their data is
// in the table next to them, and the HTML / PDF reports draw them.
#include "core/report/chart_canvas.h"
#include "core/report/report_content.h"
#include "core/report/report_export.h"

namespace awq::report {

namespace {

// Document text must not become Markdown or HTML structure: escape what renderers interpret, with
// CommonMark's backslash escapes (any ASCII punctuation), which read as plain text too: "->" stays
// "->" (a '>' only starts a block quote at the start of a line), "<park>" becomes "\<park>" (no tag).
std::string escapeInline(const std::string& s, bool inTable) {
    std::string out;
    for (char ch : s) {
        switch (ch) {
        case '>':
            if (out.empty() || out.back() == '\n') out += '\\';
            out += ch;
            break;
        case '|': out += "\\|"; break;
        case '&': case '<': case '\\': case '`': case '*': case '_': case '[': case ']':
            out += '\\';
            out += ch;
            break;
        case '\r': break;
        case '\n': out += inTable ? "<br>" : "  \n"; break;
        default: out += ch;
        }
    }
    return out;
}

void renderTable(const ReportTable& t, std::string& out) {
    auto numeric = [&](std::size_t i) { return i < t.rightAligned.size() && t.rightAligned[i]; };
    out += "|";
    for (const auto& h : t.header) out += " " + (h.empty() ? std::string(" ") : escapeInline(h, true)) + " |";
    out += "\n|";
    for (std::size_t i = 0; i < t.header.size(); ++i) out += numeric(i) ? " ---: |" : " --- |";
    out += "\n";
    for (const auto& row : t.rows) {
        out += "|";
        for (const auto& cell : row) out += " " + escapeInline(cell, true) + " |";
        out += "\n";
    }
    out += "\n";
}

}  // namespace

std::string renderMarkdown(const RunDocument& doc) {
    const ReportContent c = buildReportContent(doc);
    std::string out = "# " + escapeInline(c.title, false) + "\n\n";
    for (const auto& b : c.blocks) {
        switch (b.type) {
        case ReportBlock::Type::Heading:
            out += std::string(std::size_t(std::max(1, std::min(b.level, 4))), '#') + " " + escapeInline(b.text, false) + "\n\n";
            break;
        case ReportBlock::Type::Paragraph: out += escapeInline(b.text, false) + "\n\n"; break;
        case ReportBlock::Type::Warning: out += "> **Warning:** " + escapeInline(b.text, false) + "\n\n"; break;
        case ReportBlock::Type::Preformatted: out += "```\n" + b.text + "\n```\n\n"; break;
        case ReportBlock::Type::Table: renderTable(b.table, out); break;
        case ReportBlock::Type::Chart:
            out += "*Chart: " + chartTitle(b.chart) + " (drawn in the HTML and PDF reports; the numbers are in the tables).*\n\n";
            break;
        }
    }
    return out;
}

std::string renderJson(const RunDocument& doc) { return runDocumentToJson(doc); }  // unknown keys kept

}  // namespace awq::report
