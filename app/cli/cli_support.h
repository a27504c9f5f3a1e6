#pragma once
// Shared plumbing for CLI subcommands: uniform error reporting and plain-text tables.
#include "core/util/byte_size.h"
#include "core/util/error.h"

#include <filesystem>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

namespace CLI {
class Validator;
}

namespace awq::cli {

// Exit codes: 0 ok, 1 usage (anything CLI11 rejects; main maps its own codes to 1), 2 the input was
// bad (file named on stderr), 3 internal error, 130 stopped by Ctrl+C (the work done is kept).
inline constexpr int kExitUsage = 1;
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;
inline constexpr int kExitInterrupted = 130;  // stopped by Ctrl+C (SIGINT), as shells report 128 + 2

// A flag value the command cannot use, found after CLI11's parse (flags that contradict each other,
// a value only the command can judge): a usage error, exit 1, its message naming the flag and the fix.
class UsageError : public Error {
public:
    using Error::Error;
};

// Runs a subcommand body, turning awq::Error into "error: <file>: <what> (<fix>)" on stderr: exit 2,
// or 1 for a UsageError.
int runGuarded(const std::function<int()>& body);

class TextTable {
public:
    explicit TextTable(std::vector<std::string> header, std::vector<bool> rightAligned = {});
    void addRow(std::vector<std::string> row);
    std::string render() const;

private:
    std::vector<std::string> header_;
    std::vector<bool> right_;
    std::vector<std::vector<std::string>> rows_;
};

}  // namespace awq::cli

namespace awq::cli {
// Ctrl+C (SIGINT) requests a stop through `source` while this lives (one at a time): a long run
// stops between steps, keeps what finished and exits kExitInterrupted; the default handling returns
// when it goes.
class StopOnSigint {
public:
    StopOnSigint();
    ~StopOnSigint();
    StopOnSigint(const StopOnSigint&) = delete;
    StopOnSigint& operator=(const StopOnSigint&) = delete;
    std::stop_source source;
};

// A long command's progress line on stderr, one behaviour for every command. On a terminal,
// update() redraws it in place (\r, blanks over the end of a longer text before it). Elsewhere (a
// log file, a pipe, CI) a line is written only for a milestone (a layer done, the last window) or
// when 10 s have passed since the last one, so a log gets readable lines, not \r-joined ones.
// line() writes a line that stays (on a terminal in place of the redrawn one); end() (and the
// destructor) ends a redrawn line.
class ProgressLine {
public:
    ProgressLine();
    ~ProgressLine();
    ProgressLine(const ProgressLine&) = delete;
    ProgressLine& operator=(const ProgressLine&) = delete;
    void update(const std::string& text, bool milestone = false);
    void line(const std::string& text);
    void end();

private:
    void redraw(const std::string& text);  // \r, text, blanks over the rest of the shown text
    bool terminal_;
    std::size_t shown_ = 0;  // the redrawn text's length on a terminal, 0 for none
    double lastWrittenS_ = -1e9;
};

// For subcommand callbacks: runs `body` guarded and turns a non-zero result into CLI11's exit.
void runOrExit(const std::function<int()>& body);

// Before a long run whose result goes to `file` (compare / sweep --out): throws the user error
// (exit 2) when the file could not be written there: its folder missing or taking no new files, or
// `file` a folder. The run used to fail at the end, after minutes of work, and save nothing. An
// existing file is refused unless `replace` (--force): a rerun replaced a finished run's document.
void requireOutputFile(const std::filesystem::path& file, bool replace);

// A number above 0; CLI11 reports "--flag: must be a positive number, not -5" (exit 1: usage).
// CLI::PositiveNumber's message is "Value -5 not in range 2.22507e-308 to 1.79769e+308".
const CLI::Validator& positiveNumber();
// A count that must be at least 1 (new tokens, requests, a stride): "--max-new: must be a whole
// number of 1 or more, not 0" (exit 1: usage). A count of 0 ran and did nothing, with exit 0.
const CLI::Validator& positiveCount();
// A whole number from `least` to `most`: "--steps: must be a whole number from 1 to 4096, not 0",
// "--top-k: must be a whole number of 0 or more, not 2.5" (exit 1: usage). INT_MAX (an `int`
// option's own limit) is named only for a value past it: "from 1 to 2147483647, not 99999999999".
// CLI11's CLI::Range said "Value 0 not in range 1 to 4096", and 2.5 failed its conversion of an int
// option with "Could not convert".
CLI::Validator wholeNumberIn(long long least, long long most);
// A number from `least` to `most`: "--top-p: must be a number from 0 to 1, not 1.5" (CLI::Range
// said "Value 1.5 not in range 0.000000 to 1.000000").
CLI::Validator numberIn(double least, double most);
// A number of 0 or more: "--flag: must be 0 or more, not -1" (CLI11's NonNegativeNumber printed
// its range up to 1.797e308 in 300 digits).
const CLI::Validator& nonNegativeNumber();
// A compute dtype the engine knows (auto, float32, float16, bfloat16 and their short spellings);
// "--dtype: must be auto, float32, float16 or bfloat16, not float64" (exit 1: usage).
const CLI::Validator& computeDtypeName();
// Comma-separated integers (awq::parseIntList), each at least `least`: "--concurrency: must be
// comma-separated integers, not 1,x" / "must be integers of 1 or more, not 0,2" (exit 1: usage; it
// was 2, a bad input file's code).
CLI::Validator integerList(int least);

// Text that is not empty: "--name: must not be empty (leave the option out for its default)" (exit
// 1: usage). Options whose empty value is their default (`pool add --name ""`, `--settings ""`)
// silently took that default.
const CLI::Validator& nonEmptyText();

// A byte size that `rule` accepts (awq::parseByteSize: a unit is required, the size plausible for the
// flag): "--gpu-memory: 24 has no unit (write a unit: 24GiB, 24GB or 24G ...)" at parse (exit 1:
// usage). The command then reads the value with awq::parseByteSize and the same rule.
CLI::Validator byteSize(const ByteSizeRule& rule);

// Throws awq::Error (exit 2: bad input) "no such model folder" naming `dir`, with `fix`, where it is
// not a folder: before work that would fail later and less clearly (a server that already listens).
void requireModelFolder(const std::filesystem::path& dir, const std::string& fix);

// The perplexity stride of `eval ppl` / `compare` from --ctx and --stride: 0 (--stride not given)
// is --ctx, non-overlapping windows (the protocol README gives, and Hugging Face's perplexity guide's
// stride = window case); a fixed default of 256 refused every --ctx below it until --stride was
// given too. Throws UsageError (exit 1) for a stride longer than the window: the tokens between
// windows would go unscored. Before any model loads.
int perplexityStride(int ctx, int stride);
}  // namespace awq::cli
