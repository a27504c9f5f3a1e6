#include "core/report/report_export.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

namespace awq::report {

std::string_view formatName(ReportFormat f) {
    switch (f) {
    case ReportFormat::Html: return "html";
    case ReportFormat::Markdown: return "md";
    case ReportFormat::Json: return "json";
    case ReportFormat::Pdf: return "pdf";
    }
    return "html";
}

std::string_view formatExtension(ReportFormat f) {
    switch (f) {
    case ReportFormat::Html: return ".html";
    case ReportFormat::Markdown: return ".md";
    case ReportFormat::Json: return ".json";
    case ReportFormat::Pdf: return ".pdf";
    }
    return ".html";
}

std::optional<ReportFormat> parseFormatName(std::string_view name) {
    std::string n(name);
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (!n.empty() && n[0] == '.') n.erase(0, 1);
    if (n == "html" || n == "htm") return ReportFormat::Html;
    if (n == "md" || n == "markdown") return ReportFormat::Markdown;
    if (n == "json") return ReportFormat::Json;
    if (n == "pdf") return ReportFormat::Pdf;
    return std::nullopt;
}

std::optional<ReportFormat> formatFromPath(const std::filesystem::path& path) {
    const std::string ext = path.extension().string();
    if (ext.empty()) return std::nullopt;
    return parseFormatName(ext);
}

void checkReportOutput(const std::filesystem::path& runFile, const std::filesystem::path& out, ReportFormat format) {
    if (runFile.empty()) return;
    std::error_code ec;
    if (!std::filesystem::equivalent(runFile, out, ec) || ec) return;
    std::filesystem::path other = runFile;
    other.replace_extension(formatExtension(format));
    if (other == runFile) other.replace_extension(std::string(".report") + std::string(formatExtension(format)));
    throw Error("this is the run document the report is made from: the report would replace it", out,
                "write the report to another file (e.g. " + other.string() + ")");
}

void exportReport(const RunDocument& doc, ReportFormat format, const std::filesystem::path& out) {
    checkReportOutput(doc.file, out, format);
    std::string content;
    switch (format) {
    case ReportFormat::Html: content = renderHtml(doc); break;
    case ReportFormat::Markdown: content = renderMarkdown(doc); break;
    case ReportFormat::Json: content = renderJson(doc); break;
    case ReportFormat::Pdf: content = renderPdf(doc); break;
    }
    writeFileAtomically(out, content);
    spdlog::info("Report ({}) of {} written to {}", formatName(format), doc.file.string(), out.string());
}

}  // namespace awq::report
