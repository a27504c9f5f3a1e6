#pragma once
// The follow-up commands that deploy and pool commands suggest, made to work as pasted: they carry
// the --settings FILE (and --pool DIR) the user gave, which a bare `awqbench-cli pool list` would not
// (it read the default deploy.json or the saved pool: another target list, another pool, or none).
#include <functional>
#include <string>

namespace awq::cli {

// `text` with every `awqbench-cli COMMAND` of the deploy and pool commands given ` --settings FILE`
// after the command's words (where each takes it), and for the commands that read a pool (promote,
// pool add|list|verify|remove) ` --pool DIR` too. FILE and DIR are made absolute and shell-quoted; an
// empty `settings` / `pool` adds nothing; a command already followed by the same options is left as
// it is. Other text (prose naming `pool list` without the program) is unchanged.
std::string withSettings(std::string text, const std::string& settings, const std::string& pool = {});

// runOrExit(body), with the awq::Errors it throws (their kind kept: UsageError exit 1, else 2)
// given the user's --settings / --pool in their message and fix, as withSettings.
void runWithSettings(const std::string& settings, const std::function<int()>& body, const std::string& pool = {});

}  // namespace awq::cli
