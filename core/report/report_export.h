#pragma once
// Exports a saved run as a report: self-contained HTML (inline CSS, inline SVG charts, no external
// references), Markdown, the run document as the workbench writes it (core/run: every known key in
// docs/run-format.md order, unknown keys kept), or PDF (cairo; see pdfExportAvailable).
#include "core/run/run_document.h"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace awq::report {

enum class ReportFormat { Html, Markdown, Json, Pdf };

std::string_view formatName(ReportFormat f);      // "html", "md", "json", "pdf"
std::string_view formatExtension(ReportFormat f); // ".html", ".md", ".json", ".pdf"
// "html"/"htm", "md"/"markdown", "json", "pdf" (case-insensitive).
std::optional<ReportFormat> parseFormatName(std::string_view name);
// From the file name's extension (".html", ".htm", ".md", ".markdown", ".json", ".pdf").
std::optional<ReportFormat> formatFromPath(const std::filesystem::path& path);

std::string renderHtml(const RunDocument& doc);
std::string renderMarkdown(const RunDocument& doc);
std::string renderJson(const RunDocument& doc);

// PDF is written with cairo, found at configure time; builds without it report that here.
bool pdfExportAvailable();
std::string renderPdf(const RunDocument& doc);  // throws awq::Error when !pdfExportAvailable()

// Refuses to write a report over the run document it is made from (`out` is `runFile`, also
// through a link or another spelling of the path): the run would be replaced by its report. Throws
// awq::Error naming `out`, with another file name as the fix. A `runFile` that does not exist, or
// is empty, passes.
void checkReportOutput(const std::filesystem::path& runFile, const std::filesystem::path& out, ReportFormat format);

// Renders and writes `out` atomically (temp file + rename). Throws awq::Error naming `out`; refuses
// `out` when it is the run document the doc was loaded from (checkReportOutput with doc.file).
void exportReport(const RunDocument& doc, ReportFormat format, const std::filesystem::path& out);

}  // namespace awq::report
