#include "app/cli/deploy_hints.h"

#include "app/cli/cli_support.h"
#include "core/util/error.h"
#include "core/util/shell_quote.h"

#include <cctype>
#include <filesystem>
#include <utility>

namespace awq::cli {
namespace fs = std::filesystem;

std::string withSettings(std::string text, const std::string& settings, const std::string& pool) {
    if (settings.empty() && pool.empty()) return text;
    const auto option = [](const char* name, const std::string& path) {
        return path.empty() ? std::string() : std::string(" ") + name + " " + shellQuoted(fs::absolute(path).lexically_normal().string());
    };
    const std::string settingsOption = option("--settings", settings), poolOption = option("--pool", pool);
    static const std::pair<const char*, bool> commands[] = {  // the command's words, whether it takes --pool DIR as the pool to use
        {"target add", false}, {"target list", false}, {"target remove", false}, {"promote", true}, {"undo", false}, {"history", false},
        {"pool config", false}, {"pool add", true},    {"pool list", true},      {"pool verify", true}, {"pool remove", true}};
    const std::string program = "awqbench-cli ";
    for (std::size_t at = text.find(program); at != std::string::npos; at = text.find(program, at + 1)) {
        const std::size_t words = at + program.size();
        for (const auto& [command, takesPool] : commands) {
            const std::string c = command;
            if (text.compare(words, c.size(), c) != 0 || (words + c.size() < text.size() && std::isalnum(static_cast<unsigned char>(text[words + c.size()]))))
                continue;
            const std::string options = settingsOption + (takesPool ? poolOption : "");
            if (text.compare(words + c.size(), options.size(), options) != 0) text.insert(words + c.size(), options);
            break;
        }
    }
    return text;
}

void runWithSettings(const std::string& settings, const std::function<int()>& body, const std::string& pool) {
    runOrExit([&] {
        try {
            return body();
        } catch (const UsageError& e) {
            throw UsageError(withSettings(e.problem(), settings, pool), e.file(), withSettings(e.fix(), settings, pool));
        } catch (const Error& e) {
            throw Error(withSettings(e.problem(), settings, pool), e.file(), withSettings(e.fix(), settings, pool));
        }
    });
}

}  // namespace awq::cli
