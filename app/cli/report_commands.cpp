#include "app/cli/report_commands.h"

#include "app/cli/cli_support.h"
#include "core/report/report_export.h"
#include "core/run/run_document.h"
#include "core/util/error.h"
#include "core/util/format.h"

#include <iostream>
#include <memory>

namespace awq::cli {
namespace fs = std::filesystem;

void addReportCommands(CLI::App& app) {
    struct Options {
        std::string run, out, format;
    };
    auto opt = std::make_shared<Options>();
    auto* cmd = app.add_subcommand("report", "export a saved comparison / sweep run (RUN.json) as HTML, Markdown, PDF or JSON");
    cmd->add_option("run", opt->run, "the saved run document (RUN.json)")->required();
    cmd->add_option("--out", opt->out, "the report file to write")->required();
    cmd->add_option("--format", opt->format, "html, md, pdf or json (default: from --out's extension)")
        ->check(CLI::IsMember({"html", "htm", "md", "markdown", "pdf", "json"}, CLI::ignore_case));
    cmd->callback([opt] {
        runOrExit([&] {
            std::optional<report::ReportFormat> format =
                opt->format.empty() ? report::formatFromPath(opt->out) : report::parseFormatName(opt->format);
            if (!format)
                throw UsageError("cannot tell the report format from the file name", opt->out,   // the flags' fault: exit 1
                            "pass --format html|md|pdf|json or use a .html, .md, .pdf or .json name");
            if (*format == report::ReportFormat::Pdf && !report::pdfExportAvailable())
                throw Error("PDF export is not available: this build was configured without cairo", opt->out,
                            "export --format html or md instead, or install libcairo2-dev and rebuild");
            try {  // core refuses it too (the GUI's export); checked here first as the flag's fault, before loading
                report::checkReportOutput(opt->run, opt->out, *format);
            } catch (const Error& e) {
                throw UsageError("--out is the run document itself: the report would replace it", e.file(), e.fix());
            }
            // --format pdf --out x.md wrote a PDF named .md without a word.
            if (const auto named = report::formatFromPath(opt->out); named && *named != *format)
                throw UsageError("--format " + opt->format + " but the file name says " + std::string(report::formatName(*named)), opt->out,
                                 "name the file for its format (." + std::string(report::formatName(*format)) + ") or drop --format");
            const auto doc = loadRunDocument(opt->run);
            // A report is made again from its run document at will, so an existing file is replaced
            // (as pandoc does), but said: the summary line was the same as for a new file.
            std::error_code ec;
            const bool replaced = fs::exists(opt->out, ec);
            report::exportReport(doc, *format, opt->out);
            const auto size = fs::file_size(opt->out, ec);
            std::cout << (replaced ? "replaced " : "wrote ") << opt->out << " (" << report::formatName(*format) << ", " << format::bytes(ec ? 0 : size)
                      << ")\n";
            return 0;
        });
    });
}

}  // namespace awq::cli
