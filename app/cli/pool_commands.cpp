#include "app/cli/pool_commands.h"

#include "app/cli/cli_support.h"
#include "app/cli/deploy_hints.h"
#include "core/deploy/deploy_settings.h"
#include "core/deploy/promotion.h"
#include "core/pool/warm_pool.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/fs_error.h"
#include "core/util/json_write.h"

#include <nlohmann/json.hpp>

#include <iostream>
#include <memory>
#include <unistd.h>

namespace awq::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

struct PoolOptions {
    std::string pool;
    std::string budget;
    std::string settings;
    bool json = false;
};

void addCommon(CLI::App* cmd, PoolOptions& o, bool withJson) {
    cmd->add_option("--pool", o.pool, "the warm-pool folder (default: the one saved with `pool config`)")->check(nonEmptyText());
    cmd->add_option("--settings", o.settings, "deployment settings file (default: ~/.config/awqbench/deploy.json)")->check(nonEmptyText());
    if (withJson) cmd->add_flag("--json", o.json, "print JSON (keys in README.md)");
}

fs::path settingsFile(const PoolOptions& o) { return o.settings.empty() ? deploy::defaultSettingsFile() : fs::path(o.settings); }

struct Context {
    deploy::DeploySettings settings;
    fs::path pool;
    std::uint64_t budget = 0;
};

Context context(const PoolOptions& o) {
    Context c;
    c.settings = deploy::loadSettings(settingsFile(o));
    c.pool = o.pool.empty() ? c.settings.pool : fs::path(o.pool);
    if (c.pool.empty())
        throw Error("no warm pool given", settingsFile(o), "pass --pool DIR, or save one with `awqbench-cli pool config --pool DIR`");
    c.budget = o.budget.empty() ? c.settings.poolBudgetBytes : parseByteSize(o.budget, poolBudgetRule("--budget"));
    return c;
}

const char* integrityName(pool::PoolEntry::Integrity i) {
    switch (i) {
        case pool::PoolEntry::Integrity::SizesMatch: return "sizes_match";
        case pool::PoolEntry::Integrity::Changed: return "changed";
        case pool::PoolEntry::Integrity::Modified: return "modified";
        case pool::PoolEntry::Integrity::NoManifest: break;
    }
    return "no_manifest";
}

// The last full `pool verify` the manifest records; null when none since the add (or no manifest).
json lastVerifyJson(const pool::PoolEntry& e) {
    if (!e.lastVerify) return nullptr;
    const auto& v = *e.lastVerify;
    return {{"time", v.time}, {"ok", v.ok}, {"files_checked", v.filesChecked}, {"problems", v.problems}, {"problem_count", v.problemCount}};
}

json entryJson(const pool::PoolEntry& e) {
    return {{"name", e.name},
            {"repo_id", e.repoId.empty() ? json(nullptr) : json(e.repoId)},
            {"path", e.folder.string()},
            {"bytes", e.bytes},
            {"quantization", e.quantization},
            // As `models list --json`: the method our record names ("rtn"), null without a record.
            {"made_with", e.quantizationRecord && !e.quantizationRecord->method.empty() ? json(e.quantizationRecord->method) : json(nullptr)},
            {"deployed_by", e.deployedBy},
            {"manifest", e.hasManifest},
            {"integrity", integrityName(e.integrity)},
            {"integrity_problems", e.integrityProblems},
            {"added", e.added.empty() ? json(nullptr) : json(e.added)},
            {"last_verify", lastVerifyJson(e)},
            {"error", e.error.empty() ? json(nullptr) : json(e.error)}};
}

std::string usageLine(const pool::PoolUsage& u) {
    // Binary units, as the budget is given (50G = 50 GiB): used and budget in the same unit.
    std::string s = format::bytes(u.usedBytes) + " used";
    if (u.budgetBytes) s += " of a " + format::bytes(u.budgetBytes) + " budget";
    return s + ", " + format::bytes(u.availableBytes) + " free on disk";
}

}  // namespace

void addPoolCommands(CLI::App& app) {
    auto* poolCmd = app.add_subcommand("pool", "the warm pool: the model copies that serving reads");
    poolCmd->require_subcommand(1);

    auto list = std::make_shared<PoolOptions>();
    auto* listCmd = poolCmd->add_subcommand("list", "list the pool's models: size, quantization, which one is deployed");
    addCommon(listCmd, *list, true);
    listCmd->add_option("--budget", list->budget, "disk budget to compare against, with its unit (e.g. 50GiB; 50G = 50 GiB)")
        ->check(byteSize(poolBudgetRule("--budget")));
    listCmd->callback([list] {
        // Errors name follow-up commands with the user's --settings and --pool (deploy_hints.h).
        runWithSettings(list->settings, [&] {
            const auto c = context(*list);
            const auto entries = pool::listPool(c.pool, deploy::deployedModels(c.settings));
            const auto usage = pool::poolUsage(c.pool, c.budget);
            if (list->json) {
                json models = json::array();
                for (const auto& e : entries) models.push_back(entryJson(e));
                std::cout << jsonText(json{{"pool", c.pool.string()},
                                  {"used_bytes", usage.usedBytes},
                                  {"budget_bytes", usage.budgetBytes},
                                  {"available_bytes", usage.availableBytes},
                                  {"over_budget", usage.budgetBytes && usage.usedBytes > usage.budgetBytes},
                                  {"leftover_bytes", usage.leftoverBytes},
                                  {"leftover_folders", usage.leftoverFolders},
                                  {"models", models}},
                                      2)
                          << "\n";
                return 0;
            }
            TextTable table({"name", "quant", "size", "deployed", "manifest", "status"}, {false, false, true, false, false, false});
            for (const auto& e : entries) {
                std::string deployed;
                for (const auto& t : e.deployedBy) deployed += (deployed.empty() ? "" : ", ") + t;
                table.addRow({e.repoId.empty() ? e.name : e.name + " (" + e.repoId + ")", e.quantization, format::bytes(e.bytes),
                              deployed.empty() ? "-" : deployed, e.hasManifest ? "yes" : "no", pool::statusText(e)});
            }
            std::cout << table.render() << format::counted(entries.size(), "model") << " in " << c.pool.string() << ": " << usageLine(usage) << "\n";
            if (!entries.empty())
                std::cout << "status: file sizes and times against the manifest (not the hashes), then the last `pool verify` "
                             "(which re-hashes every file)\n";
            if (usage.leftoverFolders)
                std::cout << "note: " << format::bytes(usage.leftoverBytes) << " (included above) in "
                          << format::counted(usage.leftoverFolders, "unfinished copy or removal folder") << "; those of killed runs are removed by the next pool add, remove or verify\n";
            if (usage.budgetBytes && usage.usedBytes > usage.budgetBytes) std::cout << "warning: the pool is over its budget\n";
            return 0;
        }, list->pool);
    });

    struct AddOptions : PoolOptions {
        std::string model;
        std::string name;
    };
    auto add = std::make_shared<AddOptions>();
    auto* addCmd = poolCmd->add_subcommand("add", "copy a model into the pool (SHA-256 verified; Ctrl+C leaves the pool unchanged)");
    addCmd->add_option("model", add->model, "the model folder to copy")->required();
    addCmd->add_option("--name", add->name, "folder name in the pool (default: the model folder's name; ORG--NAME for a Hugging Face cache snapshot)")
        ->check(nonEmptyText());  // `--name ""` took the folder's name without a word
    addCmd->add_option("--budget", add->budget, "refuse when the pool would exceed this size, e.g. 50GiB (50G = 50 GiB; default: the saved budget)")
        ->check(byteSize(poolBudgetRule("--budget")));
    addCommon(addCmd, *add, true);
    addCmd->callback([add] {
        runWithSettings(add->settings, [&] {
            // A bad --name is the flag's fault (exit 1), named before the pool is even looked at.
            if (!add->name.empty()) {
                try {
                    pool::checkNewPoolName(add->name);
                } catch (const Error& e) {
                    throw UsageError("--name: " + e.problem(), {}, e.fix());
                }
            }
            const auto c = context(*add);
            pool::AddOptions options;
            options.name = add->name;
            options.budgetBytes = c.budget;
            StopOnSigint sigint;   // Ctrl+C: the copy stops and the pool is left as it was
            int lastPercent = -1;
            ProgressLine progress;
            const auto result = pool::addToPool(c.pool, add->model, options, sigint.source.get_token(), [&](const pool::CopyProgress& p) {
                const int percent = p.bytesTotal ? int(p.bytesDone * 100 / p.bytesTotal) : 100;
                if (percent == lastPercent) return;
                const bool milestone = percent / 10 != lastPercent / 10;  // a log gets a line each 10%
                lastPercent = percent;
                progress.update(std::string(p.stage == pool::CopyProgress::Stage::Copy ? "copying " : "verifying ") + std::to_string(percent) + "% (" +
                                    format::bytes(p.bytesDone) + " of " + format::bytes(p.bytesTotal) + ")",
                                milestone);
            });
            progress.end();
            if (result.cancelled) {
                std::cerr << "cancelled: the pool is unchanged\n";
                return kExitInterrupted;
            }
            if (add->json)
                std::cout << jsonText(entryJson(result.entry), 2) << "\n";
            else
                std::cout << "added " << result.entry.name << " (" << format::bytes(result.entry.bytes) << ", every file SHA-256 verified) to "
                          << c.pool.string() << "\n";
            return 0;
        }, add->pool);
    });

    struct RemoveOptions : PoolOptions {
        std::string name;
        bool yes = false;
    };
    auto remove = std::make_shared<RemoveOptions>();
    auto* removeCmd = poolCmd->add_subcommand("remove", "delete a model from the pool (never the deployed one)");
    removeCmd->add_option("name", remove->name, "the model's name in the pool")->required();
    removeCmd->add_flag("-y,--yes", remove->yes, "do not ask for confirmation");
    addCommon(removeCmd, *remove, false);
    removeCmd->callback([remove] {
        runWithSettings(remove->settings, [&] {
            const auto c = context(*remove);
            const auto deployed = deploy::deployedModels(c.settings);
            pool::requireRemovable(c.pool, remove->name, deployed);  // before asking: a deployed copy was refused only after --yes
            if (!remove->yes) {
                if (!::isatty(STDIN_FILENO)) throw Error("refusing to delete without confirmation", c.pool / remove->name, "pass --yes");
                std::cerr << "Delete " << (c.pool / remove->name).string() << " from the warm pool? [y/N] " << std::flush;
                std::string answer;
                std::getline(std::cin, answer);
                if (answer != "y" && answer != "Y" && answer != "yes") {
                    std::cerr << "kept\n";
                    return 0;
                }
            }
            pool::removeFromPool(c.pool, remove->name, deployed);
            std::cout << "removed " << remove->name << "\n";
            return 0;
        }, remove->pool);
    });

    struct VerifyOptions : PoolOptions {
        std::vector<std::string> names;
    };
    auto verify = std::make_shared<VerifyOptions>();
    auto* verifyCmd = poolCmd->add_subcommand("verify", "re-hash pool models against the manifest written when they were added");
    verifyCmd->add_option("names", verify->names, "models to verify (default: all)");
    addCommon(verifyCmd, *verify, true);
    verifyCmd->callback([verify] {
        runWithSettings(verify->settings, [&] {
            const auto c = context(*verify);
            pool::sweepDeadLeftovers(c.pool);  // also when the pool holds no model to verify
            auto names = verify->names;
            if (names.empty())
                for (const auto& e : pool::listPool(c.pool)) names.push_back(e.name);
            json out = json::array();
            bool allOk = true;
            for (const auto& n : names) {
                pool::VerifyResult r;
                try {
                    r = pool::verifyPoolModel(c.pool, n);
                } catch (const Error& e) {
                    r.name = n;
                    r.problems.push_back(withSettings(e.what(), verify->settings, verify->pool));
                }
                allOk = allOk && r.ok;
                if (verify->json) {
                    out.push_back({{"name", r.name}, {"ok", r.ok}, {"files_checked", r.filesChecked}, {"problems", r.problems}});
                } else {
                    std::cout << r.name << ": " << (r.ok ? "ok (" + std::to_string(r.filesChecked) + " files)" : "FAILED") << "\n";
                    for (const auto& p : r.problems) std::cout << "  " << p << "\n";
                }
            }
            if (verify->json) std::cout << jsonText(out, 2) << "\n";
            return allOk ? 0 : kExitBadInput;
        }, verify->pool);
    });

    auto config = std::make_shared<PoolOptions>();
    auto* configCmd = poolCmd->add_subcommand("config", "save the warm-pool folder and its disk budget in the settings file");
    configCmd->add_option("--budget", config->budget, "disk budget with its unit (e.g. 50GiB; K, M, G, T are binary: 50G = 50 GiB; 0 = none)")
        ->check(byteSize(poolBudgetRule("--budget")));
    addCommon(configCmd, *config, false);
    configCmd->callback([config] {
        runWithSettings(config->settings, [&] {
            const fs::path file = settingsFile(*config);
            auto s = deploy::loadSettings(file);
            if (!config->pool.empty()) {
                s.pool = fs::absolute(config->pool).lexically_normal();
                // Created here: saved missing, every later pool command failed on it.
                std::error_code ec;
                if (fs::exists(s.pool, ec) && !fs::is_directory(s.pool, ec))
                    throw UsageError("is a file, not a folder", s.pool, "give the folder the pool's model copies go in");
                if (!fs::exists(s.pool, ec)) {
                    requireWritableFolder(s.pool);
                    fs::create_directories(s.pool, ec);
                    if (ec) {
                        if (auto e = userFilesystemError(ec, s.pool, "cannot create the folder", true)) throw *e;
                        throw Error("cannot create the folder: " + ec.message(), s.pool);
                    }
                    std::cout << "created " << s.pool.string() << "\n";
                }
            }
            if (!config->budget.empty()) s.poolBudgetBytes = parseByteSize(config->budget, poolBudgetRule("--budget"));
            deploy::saveSettings(file, s);
            std::cout << "warm pool: " << (s.pool.empty() ? "(none)" : s.pool.string())
                      << "\nbudget:    " << (s.poolBudgetBytes ? format::bytes(s.poolBudgetBytes) : std::string("none")) << "\nsaved in "
                      << file.string() << "\n";
            // A budget below what the pool holds was taken without a word; the next `pool add` was the
            // first to say so.
            std::error_code ec;
            if (s.poolBudgetBytes && !s.pool.empty() && fs::is_directory(s.pool, ec))
                if (const auto u = pool::poolUsage(s.pool, s.poolBudgetBytes); u.usedBytes > u.budgetBytes)
                    std::cerr << "warning: " << s.pool.string() << ": the pool is over its budget by " << format::bytes(u.usedBytes - u.budgetBytes)
                              << " (" << usageLine(u) << "); `pool add` refuses models until models are removed ("
                              << withSettings("`awqbench-cli pool remove NAME`", config->settings) << ") or the budget is raised ("
                              << withSettings("`awqbench-cli pool config --budget SIZE`", config->settings) << ", 0 = none)\n";
            return 0;
        });
    });
}

}  // namespace awq::cli
