#pragma once
// Shared plumbing for CLI subcommands: uniform error reporting and plain-text tables.
#include <functional>
#include <string>
#include <vector>

namespace awq::cli {

// Exit codes: 0 ok, 1 usage (CLI11), 2 the input was bad (file named on stderr), 3 internal error.
inline constexpr int kExitBadInput = 2;
inline constexpr int kExitInternal = 3;

// Runs a subcommand body, turning awq::Error into "error: <file>: <what> (<fix>)" on stderr.
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
// For subcommand callbacks: runs `body` guarded and turns a non-zero result into CLI11's exit.
void runOrExit(const std::function<int()>& body);
}  // namespace awq::cli
