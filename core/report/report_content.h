#pragma once
// The report's content, written once as a list of plain blocks (headings, paragraphs, tables,
// charts); the HTML, Markdown and PDF renderers only decide how each block looks.
#include "core/run/run_document.h"

#include <string>
#include <vector>

namespace awq::report {

enum class ChartKind { SweepThroughput, SweepLatency, BatteryTimes, MemoryFit, DecodeTimeline };

struct ReportTable {
    std::vector<std::string> header;
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> rightAligned;  // per column; missing entries: left
    bool monospace = false;          // outputs and fingerprints
};

struct ReportBlock {
    enum class Type { Heading, Paragraph, Warning, Table, Chart, Preformatted };
    Type type = Type::Paragraph;
    int level = 2;          // headings: 1..3
    std::string anchor;     // headings: an id other blocks link to ("models")
    std::string text;       // heading / paragraph / preformatted text (plain, unescaped)
    std::string link;       // paragraphs: an anchor inside the report this one points at
    ReportTable table;
    ChartKind chart = ChartKind::SweepThroughput;
};

struct ReportContent {
    std::string title;
    std::vector<ReportBlock> blocks;
};

ReportContent buildReportContent(const RunDocument& doc);

// Number formats shared by every format, so a test can look for the same text in each.
namespace fmt {
std::string fixed(double v, int decimals);          // "10.332"
std::string ms(double v);                           // "12.3" (milliseconds, one decimal)
std::string percent(double fraction, int decimals); // 0.945 -> "94.5%"
std::string usd(double v);                          // "$11.60"
std::string signedPercent(double change);           // -0.163 -> "-16.3%"
}  // namespace fmt

}  // namespace awq::report
