#include "app/cli/cli_support.h"

#include "core/model/gguf.h"
#include "core/text/unicode.h"
#include "core/util/error.h"
#include "core/util/fs_error.h"
#include "core/util/int_list.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <functional>
#include <iostream>

namespace awq::cli {

int runGuarded(const std::function<int()>& body) {
    try {
        return body();
    } catch (const UsageError& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitUsage;
    } catch (const awq::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::filesystem::filesystem_error& e) {
        // Read-only, permission, full disk...: the user's to fix, so a named error, not an internal one.
        if (const auto user = userFilesystemError(e)) {
            std::cerr << "error: " << user->what() << "\n";
            return kExitBadInput;
        }
        std::cerr << "internal error: " << e.what() << "\n";
        return kExitInternal;
    } catch (const std::exception& e) {
        std::cerr << "internal error: " << exceptionMessage(e) << "\n";
        return kExitInternal;
    }
}

TextTable::TextTable(std::vector<std::string> header, std::vector<bool> rightAligned)
    : header_(std::move(header)), right_(std::move(rightAligned)) {
    right_.resize(header_.size(), false);
}

void TextTable::addRow(std::vector<std::string> row) {
    row.resize(header_.size());
    rows_.push_back(std::move(row));
}

// Columns are measured in terminal cells, not bytes (a model named "модель" or with an emoji
// otherwise pushed its row's columns out of line).
std::string TextTable::render() const {
    std::vector<std::size_t> width(header_.size());
    for (std::size_t c = 0; c < header_.size(); ++c) {
        width[c] = text::displayWidth(header_[c]);
        for (const auto& r : rows_) width[c] = std::max(width[c], text::displayWidth(r[c]));
    }
    auto line = [&](const std::vector<std::string>& cells) {
        std::string s;
        for (std::size_t c = 0; c < cells.size(); ++c) {
            const std::string pad(width[c] - text::displayWidth(cells[c]), ' ');
            s += right_[c] ? pad + cells[c] : cells[c] + (c + 1 < cells.size() ? pad : "");
            if (c + 1 < cells.size()) s += "  ";
        }
        return s + "\n";
    };
    std::string out = line(header_);
    std::string rule;
    for (std::size_t c = 0; c < width.size(); ++c) rule += std::string(width[c], '-') + (c + 1 < width.size() ? "  " : "");
    out += rule + "\n";
    for (const auto& r : rows_) out += line(r);
    return out;
}

namespace {
double secondsNow() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
constexpr double kLogProgressEveryS = 10;
}  // namespace

ProgressLine::ProgressLine() : terminal_(::isatty(STDERR_FILENO) != 0) {}

ProgressLine::~ProgressLine() { end(); }

void ProgressLine::update(const std::string& text, bool milestone) {
    if (terminal_) {
        redraw(text);
        shown_ = std::max<std::size_t>(text::displayWidth(text), 1);
        return;
    }
    if (const double now = secondsNow(); milestone || now - lastWrittenS_ >= kLogProgressEveryS) {
        std::cerr << text << "\n" << std::flush;
        lastWrittenS_ = now;
    }
}

void ProgressLine::line(const std::string& text) {
    if (shown_ > 0) {  // in place of the redrawn text
        redraw(text);
        std::cerr << "\n" << std::flush;
        shown_ = 0;
    } else {
        std::cerr << text << "\n" << std::flush;
    }
    lastWrittenS_ = secondsNow();
}

void ProgressLine::redraw(const std::string& text) {
    const std::size_t width = text::displayWidth(text);
    std::cerr << "\r" << text << std::string(shown_ > width ? shown_ - width : 0, ' ') << std::flush;
}

void ProgressLine::end() {
    if (shown_ == 0) return;
    std::cerr << "\n" << std::flush;
    shown_ = 0;
}

}  // namespace awq::cli

#include <CLI/CLI.hpp>

#include <csignal>

namespace awq::cli {
namespace {
std::stop_source* gSigintStop = nullptr;
void onSigint(int) {
    if (gSigintStop) gSigintStop->request_stop();
}
}  // namespace

StopOnSigint::StopOnSigint() {
    gSigintStop = &source;
    std::signal(SIGINT, onSigint);
}

StopOnSigint::~StopOnSigint() {
    std::signal(SIGINT, SIG_DFL);
    gSigintStop = nullptr;
}

void runOrExit(const std::function<int()>& body) {
    if (const int rc = runGuarded(body); rc != 0) throw CLI::RuntimeError(rc);
}

void requireOutputFile(const std::filesystem::path& file, bool replace) {
    std::error_code ec;
    if (std::filesystem::is_directory(file, ec))
        throw UsageError("is a folder, not a file", file, "name the file to write, e.g. " + (file / "run.json").string());
    if (!replace && std::filesystem::exists(file, ec))
        throw UsageError("already exists: this run would replace it", file, "pass --force to replace it, or choose another --out");
    const std::filesystem::path folder = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
    if (!std::filesystem::is_directory(folder, ec))
        throw Error("no such folder: the result would be lost at the end of the run", folder, "create the folder first, or choose another --out");
    requireWritableFolder(folder);
}

namespace {

// A number (all of `text`) that `accept` takes; else `requirement` + ", not " + text.
CLI::Validator numberValidator(std::function<bool(double)> accept, std::string requirement, std::string name) {
    return CLI::Validator(
        [accept = std::move(accept), requirement = std::move(requirement)](std::string& text) -> std::string {
            try {
                std::size_t used = 0;
                const double value = std::stod(text, &used);
                if (used == text.size() && std::isfinite(value) && accept(value)) return {};
            } catch (const std::exception&) {
            }
            return requirement + ", not " + text;
        },
        std::move(name));
}

}  // namespace

const CLI::Validator& positiveNumber() {
    static const CLI::Validator v = numberValidator([](double x) { return x > 0; }, "must be a positive number", "POSITIVE");
    return v;
}

const CLI::Validator& positiveCount() {
    static const CLI::Validator v = wholeNumberIn(1, INT_MAX);
    return v;
}

CLI::Validator wholeNumberIn(long long least, long long most) {
    // An `int` option's INT_MAX is a real bound, not "no bound": 99999999999 was refused with
    // "must be a whole number of 1 or more", which it is. Past the bound the message names it.
    const std::string range = "must be a whole number from " + std::to_string(least) + " to " + std::to_string(most);
    const std::string requirement = most == INT_MAX ? "must be a whole number of " + std::to_string(least) + " or more" : range;
    return CLI::Validator(
        [least, most, requirement, range](std::string& text) -> std::string {
            try {
                std::size_t used = 0;
                const double value = std::stod(text, &used);
                if (used == text.size() && std::isfinite(value) && value == std::floor(value) && value >= double(least)) {
                    if (value <= double(most)) return {};
                    return range + ", not " + text;
                }
            } catch (const std::exception&) {
            }
            return requirement + ", not " + text;
        },
        most != INT_MAX ? std::to_string(least) + ".." + std::to_string(most)
        : least == 0    ? "NONNEGATIVE"
        : least == 1    ? "COUNT"
                        : "INT");
}

CLI::Validator numberIn(double least, double most) {
    return numberValidator([least, most](double x) { return x >= least && x <= most; }, fmt::format("must be a number from {:g} to {:g}", least, most),
                           fmt::format("{:g}..{:g}", least, most));
}

const CLI::Validator& nonEmptyText() {
    // No description: the help keeps showing the option's type alone.
    static const CLI::Validator v(
        [](std::string& text) -> std::string { return text.empty() ? "must not be empty (leave the option out for its default)" : std::string(); },
        std::string());
    return v;
}

const CLI::Validator& nonNegativeNumber() {
    static const CLI::Validator v = numberValidator([](double x) { return x >= 0; }, "must be 0 or more", "NONNEGATIVE");
    return v;
}

CLI::Validator integerList(int least) {
    return CLI::Validator(
        [least](std::string& text) -> std::string {
            std::vector<int> values;
            try {
                values = parseIntList(text, "the list");
            } catch (const Error&) {
                return "must be comma-separated integers, not " + text;
            }
            for (int v : values)
                if (v < least) return "must be integers of " + std::to_string(least) + " or more, not " + text;
            return {};
        },
        "INT,...");
}

const CLI::Validator& computeDtypeName() {
    static const CLI::Validator v(
        [](std::string& text) -> std::string {
            for (const char* known : {"auto", "float32", "f32", "fp32", "float16", "f16", "fp16", "half", "bfloat16", "bf16"})
                if (text == known) return {};
            return "must be auto, float32, float16 or bfloat16, not " + text;
        },
        "DTYPE");
    return v;
}

CLI::Validator byteSize(const ByteSizeRule& rule) {
    ByteSizeRule unnamed = rule;
    unnamed.name.clear();  // CLI11 names the flag itself
    return CLI::Validator(
        [unnamed](std::string& text) -> std::string {
            try {
                parseByteSize(text, unnamed);
            } catch (const Error& e) {
                return e.what();
            }
            return {};
        },
        "SIZE");
}

void requireModelFolder(const std::filesystem::path& dir, const std::string& fix) {
    std::error_code ec;
    if (isGgufPath(dir) && std::filesystem::is_regular_file(dir, ec)) throw Error(kGgufNotRunnable, dir, kGgufNotRunnableFix);
    if (std::filesystem::is_regular_file(dir, ec)) throw Error("a file, not a model folder", dir, fix);
    if (!std::filesystem::is_directory(dir, ec)) throw Error("no such model folder", dir, fix);
}
int perplexityStride(int ctx, int stride) {
    if (stride == 0) return ctx;
    if (stride > ctx)
        throw UsageError("--stride " + std::to_string(stride) + " is longer than --ctx " + std::to_string(ctx) + ": tokens between windows would go unscored",
                         {}, "use a --stride of at most --ctx, or leave it out for non-overlapping windows");
    return stride;
}

}  // namespace awq::cli
