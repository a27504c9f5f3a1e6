// A saved comparison run (RUN.json, docs/run-format.md), read by `report` and the Reports page,
// and rendered to HTML, Markdown and JSON (charts included) as the report command does.
#include "core/report/report_export.h"
#include "core/run/run_document.h"
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        const auto doc = awq::runDocumentFromJson(std::string(awq::fuzz::asText(data, size)), "RUN.json");
        (void)awq::report::renderHtml(doc);
        (void)awq::report::renderMarkdown(doc);
        (void)awq::report::renderJson(doc);
    } catch (const awq::Error&) {
    }
    return 0;
}
