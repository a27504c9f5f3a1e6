#pragma once
// "did you mean ...?" for a mistyped subcommand or option: CLI11 2.1 only says "The following
// argument was not expected: --outt", which leaves the user to find --out in --help.
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace awq::cli {

// The one name of `names` closest to `word` by edit distance (Levenshtein: insert, delete,
// substitute, swap neighbours), when it is at most 2 and less than half of `word`'s length without
// its leading dashes (so "--x" gets no "--a"); nullopt when none, `word` itself, or two tie.
std::optional<std::string> closestName(const std::string& word, const std::vector<std::string>& names);

// For a command line CLI11 refused: the first `--word` (or `--word=value`) that no option of the
// subcommands it names has, with the closest option name: "--outt: did you mean --out?"; empty
// when there is no such word or nothing close.
std::string optionSuggestion(const CLI::App& app, int argc, char** argv);

// The subcommand of `app` closest to `word` ("compre": "compare"), or nullopt.
std::optional<std::string> subcommandSuggestion(const CLI::App& app, const std::string& word);

}  // namespace awq::cli
