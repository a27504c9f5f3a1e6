#include "app/cli/deploy_commands.h"

#include "app/cli/cli_support.h"
#include "app/cli/deploy_hints.h"
#include "core/deploy/container_paths.h"
#include "core/deploy/deploy_settings.h"
#include "core/deploy/promotion.h"
#include "core/system/gpu_probe.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/shell_quote.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <unistd.h>

namespace awq::cli {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path settingsFile(const std::string& given) { return given.empty() ? deploy::defaultSettingsFile() : fs::path(given); }

fs::path absolutePath(const std::string& p) { return p.empty() ? fs::path() : fs::absolute(p).lexically_normal(); }

std::string targetFiles(const deploy::DeployTarget& t) {
    std::string mounts;
    for (const auto& m : t.containerPaths) mounts += " " + deploy::pathMappingText(m);
    if (!mounts.empty()) mounts = ", container paths" + mounts;
    if (t.kind == deploy::TargetKind::Vllm)
        return t.vllmConfig.string() + (t.commandFile.empty() ? "" : " + " + t.commandFile.string()) + mounts;
    return (t.envFile.empty() ? t.composeFile.string() + " (defaults)" : t.envFile.string()) + " " + t.pathVariable + "/" + t.nameVariable + mounts;
}

// A target named in the settings, or one removed since that the promotion history still names (its
// history can be listed and undone). A typo said "nothing to undo" or listed nothing with exit 0.
void requireKnownTarget(const std::string& name, const fs::path& settings) {
    if (deploy::loadSettings(settings).find(name)) return;
    for (const auto& e : deploy::loadHistory(deploy::stateDirFor(settings)))
        if (e.target == name) return;
    throw Error("no target named '" + name + "' (and no promotion history for one)", settings, "see `awqbench-cli target list`");
}

json historyJson(const deploy::HistoryEntry& e) {
    json files = json::array();
    for (const auto& f : e.files) files.push_back({{"file", f.file.string()}, {"backup", f.backup.string()}, {"existed", f.existed}});
    return {{"id", e.id},          {"time", e.time},           {"action", e.action}, {"target", e.target},
            {"model", e.model},    {"command", e.command},     {"kept_settings", e.keptSettings},
            {"undone", e.undone},  {"undoes", e.undoes},       {"files", files}};
}

// One issue of a promotion plan (or of a target's files) on stderr: severity, code, message, fix.
void printIssue(const deploy::Issue& i, const std::string& settings, const std::string& pool = {}) {
    std::cerr << (i.severity == deploy::Issue::Severity::Error ? "error" : "warning") << " [" << i.code << "]: " << withSettings(i.message, settings, pool);
    if (!i.fix.empty()) std::cerr << " (" << withSettings(i.fix, settings, pool) << ")";
    std::cerr << "\n";
}

std::uint64_t detectedGpuMemory() {
    const auto probe = probeGpus();
    return probe.gpus.empty() ? 0 : probe.gpus.front().totalBytes;
}

}  // namespace

void addDeployCommands(CLI::App& app) {
    // ---- target add|list|remove ----
    auto* target = app.add_subcommand("target", "deployment targets: a docker compose project or a vLLM serve config");
    target->require_subcommand(1);

    struct TargetOptions {
        std::string settings, name, compose, env, pathVar = "PRIME_MODEL_PATH", nameVar = "PRIME_MODEL", vllmConfig, commandFile;
        std::string gpuMemory, paired;
        std::vector<std::string> containerPaths;
        int gpus = 0, tp = 0, maxModelLen = 0;  // 0: not set
        double util = 0;  // not set: a vLLM config keeps its own
        bool replace = false, force = false;
    };
    auto add = std::make_shared<TargetOptions>();
    auto* addCmd = target->add_subcommand("add", "add a target (--replace: replace one of the same name)");
    addCmd->add_option("name", add->name, "the target's name")->required();
    addCmd->add_option("--compose", add->compose, "compose target: its docker-compose.yml")->check(nonEmptyText());
    addCmd->add_option("--env", add->env, "compose target: set the variables in this .env file (default: the ${VAR:-default}s of the compose file)")
        ->check(nonEmptyText());
    addCmd->add_option("--path-var", add->pathVar, "compose target: the model path variable")->capture_default_str();
    addCmd->add_option("--name-var", add->nameVar, "compose target: the served model name variable")->capture_default_str();
    addCmd->add_option("--vllm-config", add->vllmConfig, "vLLM target: the `vllm serve --config` YAML file")->check(nonEmptyText());
    addCmd->add_option("--command-file", add->commandFile, "vLLM target: also write the `vllm serve` command line to this script")
        ->check(nonEmptyText());
    addCmd->add_option("--container-path", add->containerPaths,
                       "HOST:CONTAINER: where a host folder is mounted in vLLM's container, e.g. /srv/models:/models (repeatable; "
                       "default for compose: the service's volumes)");
    addCmd->add_option("--gpus", add->gpus, "GPUs on the serving machine (default: not set: a vLLM config's own tensor-parallel size is kept, else 1)")
        ->check(positiveCount());
    addCmd->add_option("--gpu-memory", add->gpuMemory, "memory of each GPU with its unit, e.g. 24GiB (24GB, 24G: binary units; default: detected here)")
        ->check(byteSize(gpuMemoryRule("--gpu-memory")));
    addCmd->add_option("--gpu-util", add->util, "vLLM's --gpu-memory-utilization (default: a vLLM config's own value, else 0.9)")
        ->check(numberIn(0.01, 1.0));
    addCmd->add_option("--tp", add->tp, "tensor-parallel size (default: the smallest that divides the heads and fits)")->check(positiveCount());
    addCmd->add_option("--max-model-len", add->maxModelLen, "context length, at most the model's (default: the model's, cut to what fits)")
        ->check(positiveCount());
    addCmd->add_option("--paired", add->paired, "FP16 model the AWQ models must be quantized from (adapters / probes)")->check(nonEmptyText());
    addCmd->add_flag("--replace", add->replace, "replace the target of this name (its settings not given again are not kept)");
    addCmd->add_flag("--force", add->force, "save a compose target that no promotion could change yet (e.g. its compose file is edited next)");
    addCmd->add_option("--settings", add->settings, "deployment settings file (default: ~/.config/awqbench/deploy.json)")->check(nonEmptyText());
    addCmd->callback([add] {
        runWithSettings(add->settings, [&] {
            if (add->compose.empty() == add->vllmConfig.empty())
                throw UsageError("give either --compose FILE or --vllm-config FILE", {}, "one target is one deployment");
            deploy::DeployTarget t;
            t.name = add->name;
            t.kind = add->compose.empty() ? deploy::TargetKind::Vllm : deploy::TargetKind::Compose;
            t.composeFile = absolutePath(add->compose);
            // The compose file is edited in place, so it must exist now (a vLLM config, .env or command
            // file may be created by the first promotion).
            if (t.kind == deploy::TargetKind::Compose && !fs::is_regular_file(t.composeFile))
                throw Error(fs::is_directory(t.composeFile) ? "is a folder, not a compose file" : "no such file", t.composeFile,
                            "give the compose file your stack starts with (docker compose -f FILE up)");
            t.envFile = absolutePath(add->env);
            t.pathVariable = add->pathVar;
            t.nameVariable = add->nameVar;
            t.vllmConfig = absolutePath(add->vllmConfig);
            t.commandFile = absolutePath(add->commandFile);
            for (const auto& spec : add->containerPaths) t.containerPaths.push_back(deploy::parsePathMapping(spec));
            t.gpuCount = add->gpus;
            t.gpuMemoryBytes = add->gpuMemory.empty() ? 0 : parseByteSize(add->gpuMemory, gpuMemoryRule("--gpu-memory"));
            t.gpuMemoryUtilization = add->util;
            t.tensorParallelSize = add->tp;
            t.maxModelLen = add->maxModelLen;
            t.pairedModel = absolutePath(add->paired);
            const fs::path file = settingsFile(add->settings);
            auto s = deploy::loadSettings(file);
            // Adding over a taken name silently dropped that target's GPU settings (the GUI refuses it):
            // replacing is asked for, and then says what the replaced target was.
            if (const auto* old = s.find(t.name)) {
                if (!add->replace)
                    throw UsageError("a target named '" + t.name + "' already exists (" + deploy::targetKindName(old->kind) + ": " +
                                         targetFiles(*old) + "); replacing it keeps none of its settings not given again",
                                     file, "pass --replace to replace it, or choose another name");
                std::cerr << "replacing target " << old->name << " (" << deploy::targetKindName(old->kind) << ": " << targetFiles(*old)
                          << "); settings not given again are not kept\n";
            }
            // A target whose files no promotion could change (the compose file never uses the path
            // variable) was saved with exit 0 and failed at every promote: refused here (exit 2)
            // unless --force says the compose file is edited next. Warnings never refuse it.
            const auto issues = deploy::checkTargetFiles(t);
            const bool blocking = std::any_of(issues.begin(), issues.end(), [](const deploy::Issue& i) { return i.severity == deploy::Issue::Severity::Error; });
            if (blocking && !add->force) {
                for (const auto& i : issues) printIssue(i, add->settings);
                throw Error("target " + t.name + " not saved: no promotion to it could change the model it serves", t.composeFile,
                            "edit the compose file as said above and add the target again, or pass --force to save it as it is");
            }
            deploy::upsertTarget(s, t);
            deploy::saveSettings(file, s);
            std::cout << "target " << t.name << " (" << deploy::targetKindName(t.kind) << "): " << targetFiles(t) << "\nsaved in " << file.string()
                      << "\n";
            // Saved, but told now rather than at the first promote.
            if (!issues.empty()) {
                std::cerr << (blocking ? "saved as given (--force); until the compose file changes, a promotion to it reports:\n"
                                       : "saved; a promotion to it would report:\n");
                for (const auto& i : issues) printIssue(i, add->settings);
            }
            return 0;
        });
    });

    struct ListOptions {
        std::string settings;
        bool json = false;
    };
    auto list = std::make_shared<ListOptions>();
    auto* listCmd = target->add_subcommand("list", "list the targets and the model each points at");
    listCmd->add_flag("--json", list->json, "print JSON");
    listCmd->add_option("--settings", list->settings, "deployment settings file")->check(nonEmptyText());
    listCmd->callback([list] {
        runWithSettings(list->settings, [&] {
            const auto s = deploy::loadSettings(settingsFile(list->settings));
            const auto deployed = deploy::deployedModels(s);
            auto current = [&](const std::string& name) {
                for (const auto& d : deployed)
                    if (d.target == name) return d.model.string();
                return std::string();
            };
            if (list->json) {
                json arr = json::array();
                for (const auto& t : s.targets) {
                    json j = parseJson(deploy::targetJsonText(t), {settingsFile(list->settings), "fix the deployment settings"});
                    // deploy.json stores an unset setting as 0 or "" ("gpu_memory_utilization": 0.0 read as
                    // a value); here it is null, as in the other JSON outputs.
                    for (const char* key : {"env_file", "command_file", "gpu_count", "gpu_memory_bytes", "gpu_memory_utilization", "tensor_parallel_size",
                                            "max_model_len", "paired_model"})
                        if (const auto v = j.find(key);
                            v != j.end() && ((v->is_string() && v->get<std::string>().empty()) || (v->is_number() && v->get<double>() == 0)))
                            *v = nullptr;
                    const std::string model = current(t.name);
                    j["current_model"] = model.empty() ? json(nullptr) : json(model);
                    arr.push_back(j);
                }
                std::cout << jsonText(arr, 2) << "\n";
                return 0;
            }
            // Count and memory in columns of their own: an unset count read "- x 24.00 GiB". Unset, vLLM
            // runs with the tensor-parallel size of the target's own file; memory is detected at promote.
            TextTable table({"name", "kind", "files", "GPUs", "memory per GPU", "current model"});
            for (const auto& t : s.targets)
                table.addRow({t.name, deploy::targetKindName(t.kind), targetFiles(t),
                              t.gpuCount > 0 ? std::to_string(t.gpuCount)
                                             : std::string(t.kind == deploy::TargetKind::Vllm ? "not set (the config's tensor-parallel-size)"
                                                                                             : "not set (the compose command's tensor-parallel size)"),
                              t.gpuMemoryBytes ? format::gib(t.gpuMemoryBytes) : std::string("not set (detected at promote)"),
                              current(t.name).empty() ? "-" : current(t.name)});
            std::cout << table.render() << s.targets.size() << " target(s)\n";
            return 0;
        });
    });

    struct RemoveOptions {
        std::string name, settings;
        bool yes = false;
    };
    auto remove = std::make_shared<RemoveOptions>();
    auto* removeCmd = target->add_subcommand("remove", "forget a target (its files are not touched)");
    removeCmd->add_option("name", remove->name, "the target's name")->required();
    removeCmd->add_flag("-y,--yes", remove->yes, "do not ask for confirmation when the target serves a model");
    removeCmd->add_option("--settings", remove->settings, "deployment settings file")->check(nonEmptyText());
    removeCmd->callback([remove] {
        runWithSettings(remove->settings, [&] {
            const fs::path file = settingsFile(remove->settings);
            auto s = deploy::loadSettings(file);
            if (!s.find(remove->name)) throw Error("no target named '" + remove->name + "'", file, "see `target list`");
            // A target in use protects its model: `pool remove` refuses a deployed model. Forgetting
            // the target lifts that, so it asks first, as `pool remove` does (--yes skips the question).
            for (const auto& d : deploy::deployedModels(s)) {
                if (d.target != remove->name || remove->yes) continue;
                const std::string what = "target " + remove->name + " serves " + d.model.string() +
                                         ": once it is forgotten, `pool remove` no longer protects that model";
                if (!::isatty(STDIN_FILENO)) throw Error("refusing to remove a target in use without confirmation: " + what, file, "pass --yes");
                std::cerr << what << ". Remove the target? [y/N] " << std::flush;
                std::string answer;
                std::getline(std::cin, answer);
                if (answer != "y" && answer != "Y" && answer != "yes") {
                    std::cerr << "kept\n";
                    return 0;
                }
                break;
            }
            deploy::removeTarget(s, remove->name);
            deploy::saveSettings(file, s);
            std::cout << "removed target " << remove->name << " (its files are unchanged)\n";
            return 0;
        });
    });

    // ---- promote ----
    struct PromoteOptions {
        std::string model, target, pool, settings;
        bool dryRun = false, json = false;
    };
    auto promote = std::make_shared<PromoteOptions>();
    auto* promoteCmd = app.add_subcommand("promote", "point a deployment target at a warm-pool model (diff, backup, atomic write)");
    promoteCmd->add_option("--model", promote->model, "the model's name in the warm pool (as `pool list` prints it), or a path to its folder there (one with a /)")->required();
    promoteCmd->add_option("--target", promote->target, "the target's name (see `target list`)")->required();
    promoteCmd->add_flag("--dry-run", promote->dryRun, "validate and print the diff; write nothing");
    promoteCmd->add_option("--pool", promote->pool, "the warm pool (default: the saved one)")->check(nonEmptyText());
    promoteCmd->add_option("--settings", promote->settings, "deployment settings file")->check(nonEmptyText());
    promoteCmd->add_flag("--json", promote->json, "print JSON (keys in README.md)");
    promoteCmd->callback([promote] {
        runWithSettings(promote->settings, [&] {
            const fs::path file = settingsFile(promote->settings);
            const auto s = deploy::loadSettings(file);
            const auto* t = s.find(promote->target);
            if (!t) throw Error("no target named '" + promote->target + "'", file, "add one with `awqbench-cli target add`");
            deploy::PlanOptions options;
            options.pool = promote->pool.empty() ? s.pool : fs::path(promote->pool);
            options.detectedGpuMemoryBytes = t->gpuMemoryBytes ? 0 : detectedGpuMemory();
            options.stateDir = deploy::stateDirFor(file);
            // A bare name is the pool's model of that name, never a folder of the current directory.
            const fs::path model = pool::poolModelArgument(options.pool, promote->model);
            const auto plan = deploy::planPromotion(*t, model, options);

            std::optional<deploy::HistoryEntry> applied;
            if (!promote->dryRun && !plan.blocked()) applied = deploy::applyPromotion(plan, deploy::stateDirFor(file));

            if (promote->json) {
                json issues = json::array();
                for (const auto& i : plan.issues)
                    issues.push_back({{"severity", i.severity == deploy::Issue::Severity::Error ? "error" : "warning"},
                                      {"code", i.code},
                                      {"message", withSettings(i.message, promote->settings, promote->pool)},
                                      {"fix", withSettings(i.fix, promote->settings, promote->pool)}});
                json notes = json::array();
                for (const auto& n : plan.notes) notes.push_back(withSettings(n, promote->settings, promote->pool));
                json kept = json::array();
                for (const auto& k : plan.kept) kept.push_back({{"key", k.key}, {"value", k.value}});
                json changes = json::array();
                for (const auto& c : plan.changes) changes.push_back({{"file", c.file.string()}, {"existed", c.existed}, {"diff", c.diff}});
                const auto& v = plan.serve;
                std::cout << jsonText(json{{"target", plan.target},
                                  {"model", plan.model.string()},
                                  {"blocked", plan.blocked()},
                                  {"applied", applied.has_value()},
                                  {"history_id", applied ? json(applied->id) : json(nullptr)},
                                  {"issues", issues},
                                  {"kept", kept},
                                  {"notes", notes},
                                  {"serve",
                                   {{"model", v.model},
                                    {"served_model_name", v.servedModelName},
                                    {"dtype", v.dtype},
                                    {"max_model_len", v.maxModelLen},
                                    {"gpu_memory_utilization", v.gpuMemoryUtilization},
                                    {"tensor_parallel_size", v.tensorParallelSize}}},
                                  {"command", plan.command.empty() ? json(nullptr) : json(plan.command)},
                                  {"changes", changes}},
                                      2)
                          << "\n";
            } else {
                for (const auto& i : plan.issues) printIssue(i, promote->settings, promote->pool);
                for (const auto& n : plan.notes) std::cout << "note: " << withSettings(n, promote->settings, promote->pool) << "\n";
                if (!plan.kept.empty() && !plan.blocked()) {
                    std::string kept;
                    for (const auto& k : plan.kept) kept += (kept.empty() ? "" : ", ") + k.key + ": " + k.value;
                    std::cout << "kept from " << t->vllmConfig.string() << " (chosen there, not set on the target): " << kept << "\n";
                }
                std::cout << plan.diff();
                // No command when the model could not be read (the plan stops there): nothing to show.
                if (!plan.command.empty()) std::cout << "\nequivalent command line:\n  " << plan.command << "\n";
                if (applied)
                    std::cout << "\npromoted " << plan.model.filename().string() << " to " << plan.target << " (" << format::counted(applied->files.size(), "file")
                              << " written, backups in " << (deploy::stateDirFor(file) / "backups" / applied->id).string()
                              << "; `" << withSettings("awqbench-cli undo --target " + shellQuoted(plan.target), promote->settings)
                              << "` restores them)\n";
                else if (promote->dryRun && !plan.blocked())
                    std::cout << "\ndry run: nothing written\n";
                if (plan.changes.empty() && !plan.blocked()) std::cout << "(the target already points at this model: nothing to change)\n";
            }
            if (plan.blocked()) {
                if (!promote->json) std::cerr << "promotion refused: nothing was written, and no diff is shown (the errors above name what to fix)\n";
                return kExitBadInput;
            }
            return 0;
        }, promote->pool);
    });

    // ---- undo, history ----
    auto undo = std::make_shared<std::pair<std::string, std::string>>();
    auto* undoCmd = app.add_subcommand("undo", "restore the files of a target's latest promotion from their backups");
    undoCmd->add_option("--target", undo->first, "the target's name")->required();
    undoCmd->add_option("--settings", undo->second, "deployment settings file")->check(nonEmptyText());
    undoCmd->callback([undo] {
        runWithSettings(undo->second, [&] {
            const fs::path file = settingsFile(undo->second);
            requireKnownTarget(undo->first, file);
            const auto e = deploy::undoLastPromotion(undo->first, deploy::loadSettings(file), deploy::stateDirFor(file));
            std::cout << "restored " << e.files.size() << " file(s) of promotion " << e.undoes << " (" << fs::path(e.model).filename().string()
                      << ")\n";
            for (const auto& f : e.files) std::cout << "  " << f.file.string() << (f.existed ? "" : " (removed: it did not exist before)") << "\n";
            return 0;
        });
    });

    struct HistoryOptions {
        std::string target, settings;
        bool json = false;
    };
    auto history = std::make_shared<HistoryOptions>();
    auto* historyCmd = app.add_subcommand("history", "the promotion history (promotions and undos)");
    historyCmd->add_option("--target", history->target, "only this target")->check(nonEmptyText());
    historyCmd->add_option("--settings", history->settings, "deployment settings file")->check(nonEmptyText());
    historyCmd->add_flag("--json", history->json, "print JSON");
    historyCmd->callback([history] {
        runWithSettings(history->settings, [&] {
            if (!history->target.empty()) requireKnownTarget(history->target, settingsFile(history->settings));
            json arr = json::array();
            TextTable table({"id", "time", "action", "target", "model", "state"});
            for (const auto& e : deploy::loadHistory(deploy::stateDirFor(settingsFile(history->settings)))) {
                if (!history->target.empty() && e.target != history->target) continue;
                arr.push_back(historyJson(e));
                table.addRow({e.id, e.time, e.action, e.target, fs::path(e.model).filename().string(),
                              e.action == "undo" ? "restores " + e.undoes : (e.undone ? "undone" : "active")});
            }
            if (history->json) std::cout << jsonText(arr, 2) << "\n";
            else std::cout << table.render();
            return 0;
        });
    });
}

}  // namespace awq::cli
