#include "app/cli/did_you_mean.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstddef>

namespace awq::cli {
namespace {

// Optimal string alignment distance (Levenshtein plus swapped neighbours: "--ouput", "--otu").
std::size_t editDistance(const std::string& a, const std::string& b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

std::vector<const CLI::App*> allSubcommands(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App*) { return true; });
}

const CLI::App* subcommandNamed(const CLI::App& app, const std::string& word) {
    for (const CLI::App* sub : allSubcommands(app))
        if (sub->check_name(word)) return sub;
    return nullptr;
}

}  // namespace

std::optional<std::string> closestName(const std::string& word, const std::vector<std::string>& names) {
    std::optional<std::string> best;
    std::size_t bestDistance = 3;
    bool tie = false;
    for (const auto& name : names) {
        const std::size_t d = editDistance(word, name);
        if (d == 0) return std::nullopt;   // not a typo
        if (d < bestDistance) {
            best = name;
            bestDistance = d;
            tie = false;
        } else if (d == bestDistance && best && *best != name) {
            tie = true;
        }
    }
    const std::size_t letters = word.size() - std::min(word.find_first_not_of('-'), word.size());   // "--x": 1
    if (!best || tie || 2 * bestDistance >= letters) return std::nullopt;
    return best;
}

std::string optionSuggestion(const CLI::App& app, int argc, char** argv) {
    // The subcommands the line names (`target add`), each word being the next one's parent.
    std::vector<const CLI::App*> chain{&app};
    std::vector<std::string> words(argv + 1, argv + argc);
    for (const auto& w : words) {
        if (w == "--") break;
        if (w.empty() || w[0] == '-') continue;
        if (const CLI::App* sub = subcommandNamed(*chain.back(), w)) chain.push_back(sub);
    }
    std::vector<std::string> known;
    for (const CLI::App* a : chain)
        for (const CLI::Option* o : a->get_options())
            for (const auto& n : o->get_lnames()) known.push_back("--" + n);
    for (const auto& w : words) {
        if (w == "--") break;
        if (w.size() < 3 || w.compare(0, 2, "--") != 0) continue;
        const std::string name = w.substr(0, w.find('='));
        if (std::find(known.begin(), known.end(), name) != known.end()) continue;
        const auto close = closestName(name, known);
        std::string help = "awqbench-cli";
        for (std::size_t i = 1; i < chain.size(); ++i) help += " " + chain[i]->get_name();
        return name + ": " + (close ? "did you mean " + *close + "? (" : "no such option (") + help + " --help lists the options)";
    }
    return {};
}

std::optional<std::string> subcommandSuggestion(const CLI::App& app, const std::string& word) {
    std::vector<std::string> names;
    for (const CLI::App* sub : allSubcommands(app)) names.push_back(sub->get_name());
    return closestName(word, names);
}

}  // namespace awq::cli
