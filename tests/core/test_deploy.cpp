#include "core/deploy/compose_interpolation.h"
#include "core/deploy/container_paths.h"
#include "core/deploy/deploy_settings.h"
#include "core/deploy/promotion.h"
#include "core/deploy/text_edit.h"
#include "core/model/model_info.h"
#include "core/pool/warm_pool.h"
#include "core/util/format.h"
#include "tests/support/error_capture.h"
#include "tests/support/hub_cache.h"
#include "tests/support/test_paths.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace awq;
using namespace awq::deploy;
namespace fs = std::filesystem;

namespace {

std::string readText(const fs::path& f) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void writeText(const fs::path& f, const std::string& s) { std::ofstream(f, std::ios::binary) << s; }

fs::path fixture(const char* name) { return test::sourceDir() / "tests/core/deploy_fixtures" / name; }

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (auto pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) s.replace(pos, from.size(), to);
    return s;
}

void copyModel(const char* name, const fs::path& to) {
    fs::create_directories(to);
    fs::copy(test::modelDir(name), to, fs::copy_options::recursive);
    for (const auto& e : fs::recursive_directory_iterator(to)) fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

void editConfig(const fs::path& model, const std::function<void(nlohmann::json&)>& edit) {
    auto j = nlohmann::json::parse(readText(model / "config.json"));
    edit(j);
    writeText(model / "config.json", j.dump(2));
}

using S = std::string;

fs::path realworld(const char* name) { return test::sharedDir() / "realworld" / name; }

void makeWritable(const fs::path& dir) {
    fs::permissions(dir, fs::perms::owner_write, fs::perm_options::add);
    for (const auto& e : fs::recursive_directory_iterator(dir)) fs::permissions(e.path(), fs::perms::owner_write, fs::perm_options::add);
}

ComposeLookup variables(std::map<std::string, std::string> vars) {
    return [vars](const std::string& name) -> std::optional<std::string> {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    };
}

// A command string split into arguments as go-shellwords (Compose) splits it: blanks separate,
// '...' is literal, "..." and a backslash escape (enough for what the promotion writes).
std::vector<std::string> shellWords(const std::string& line) {
    std::vector<std::string> words;
    std::string word;
    bool any = false;
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '\\' && quote != '\'' && i + 1 < line.size()) {
            word += line[++i];
            any = true;
        } else if (quote != 0 && c == quote) {
            quote = 0;
        } else if (quote == 0 && (c == '\'' || c == '"')) {
            quote = c;
            any = true;
        } else if (quote == 0 && (c == ' ' || c == '\t' || c == '\n')) {
            if (any) words.push_back(word);
            word.clear();
            any = false;
        } else {
            word += c;
            any = true;
        }
    }
    if (any) words.push_back(word);
    return words;
}

const Issue* findIssue(const PromotionPlan& p, const std::string& code) {
    for (const auto& i : p.issues)
        if (i.code == code) return &i;
    return nullptr;
}

std::string issueList(const PromotionPlan& p) {
    std::string s;
    for (const auto& i : p.issues) s += i.code + ": " + i.message + "\n";
    return s;
}

// The settings undo checks a target's files against: this target, as saved.
DeploySettings settingsOf(const DeployTarget& t) {
    DeploySettings s;
    s.targets.push_back(t);
    return s;
}

// A temp world: a warm pool holding the AWQ and FP16 demo models, a state folder, target files.
struct World {
    QTemporaryDir tmp;
    fs::path root, pool, state;
    World() {
        root = fs::canonical(tmp.path().toStdString());
        pool = root / "pool";
        state = root / "state";
        fs::create_directories(pool);
        copyModel("tinystories-qwen3-7m-awq", pool / "tinystories-qwen3-7m-awq");
        copyModel("tinystories-qwen3-7m", pool / "tinystories-qwen3-7m");
    }
    fs::path awq() const { return pool / "tinystories-qwen3-7m-awq"; }
    fs::path fp16() const { return pool / "tinystories-qwen3-7m"; }
    PlanOptions options() const { return {pool, 0, state}; }

    DeployTarget composeTarget(bool withEnv) {
        fs::create_directories(root / "stack");
        fs::copy_file(fixture("compose.before.yml"), root / "stack/docker-compose.yml", fs::copy_options::overwrite_existing);
        DeployTarget t;
        t.name = "prime";
        t.kind = TargetKind::Compose;
        t.composeFile = root / "stack/docker-compose.yml";
        if (withEnv) {
            fs::copy_file(fixture("env.before"), root / "stack/.env", fs::copy_options::overwrite_existing);
            t.envFile = root / "stack/.env";
        }
        t.gpuMemoryBytes = 24ull << 30;
        return t;
    }
    DeployTarget vllmTarget() {
        fs::copy_file(fixture("vllm.before.yaml"), root / "serve.yaml", fs::copy_options::overwrite_existing);
        DeployTarget t;
        t.name = "serve";
        t.kind = TargetKind::Vllm;
        t.vllmConfig = root / "serve.yaml";
        t.gpuMemoryBytes = 24ull << 30;
        return t;
    }
    std::string expected(const char* name) const { return replaceAll(readText(fixture(name)), "@POOL@", pool.string()); }
};

}  // namespace

class TestDeploy : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void composeDefaultsGoldenBackupAndUndo() {
        World w;
        const auto t = w.composeTarget(false);
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.changes.size(), std::size_t(1));
        QCOMPARE(plan.changes[0].after, w.expected("compose.expected.yml"));
        // The preview writes nothing.
        QCOMPARE(readText(t.composeFile), readText(fixture("compose.before.yml")));
        QVERIFY(plan.diff().find("-      --model ${PRIME_MODEL_PATH:-/mnt/gaia_warm_pool/Qwen3-4B-Instruct-2507-heretic}\n") != std::string::npos);
        QVERIFY(plan.diff().find("+      --model ${PRIME_MODEL_PATH:-" + w.awq().string() + "}\n") != std::string::npos);
        QVERIFY(plan.diff().find("@@ -13,") != std::string::npos);

        const auto entry = applyPromotion(plan, w.state);
        QCOMPARE(readText(t.composeFile), w.expected("compose.expected.yml"));
        QCOMPARE(entry.files.size(), std::size_t(1));
        QCOMPARE(readText(entry.files[0].backup), readText(fixture("compose.before.yml")));
        for (const auto& e : fs::directory_iterator(w.root / "stack")) QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());

        // Deployed: the pool marks it, and refuses to remove it.
        DeploySettings s;
        s.targets.push_back(t);
        const auto refs = deployedModels(s);
        QCOMPARE(refs.size(), std::size_t(1));
        QCOMPARE(refs[0].model, w.awq());
        QVERIFY(test::errorMessageOf([&] { pool::removeFromPool(w.pool, "tinystories-qwen3-7m-awq", refs); }).contains("deployed"));

        // What undo would restore, as the GUI asks before enabling its button.
        QCOMPARE(undoablePromotion(loadHistory(w.state), "prime"), std::optional<std::size_t>(0));
        QVERIFY(!undoablePromotion(loadHistory(w.state), "other"));
        const auto undo = undoLastPromotion("prime", settingsOf(t), w.state);
        QCOMPARE(undo.undoes, entry.id);
        QCOMPARE(readText(t.composeFile), readText(fixture("compose.before.yml")));
        const auto history = loadHistory(w.state);
        QCOMPARE(history.size(), std::size_t(2));
        QCOMPARE(history[0].action, std::string("promote"));
        QVERIFY(history[0].undone);
        QCOMPARE(history[1].action, std::string("undo"));
        QVERIFY(!undoablePromotion(history, "prime"));
        QVERIFY(test::errorMessageOf([&] { undoLastPromotion("prime", settingsOf(t), w.state); }).contains("nothing to undo"));
    }

    void envFileGoldenKeepsModeAndCompose() {
        World w;
        const auto t = w.composeTarget(true);
        fs::permissions(t.envFile, fs::perms::owner_read | fs::perms::owner_write);  // 0600: it holds a token
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());  // the commented-out awq flag in .env does not count
        applyPromotion(plan, w.state);
        QCOMPARE(readText(t.envFile), w.expected("env.expected"));
        QCOMPARE(readText(t.composeFile), readText(fixture("compose.before.yml")));
        QCOMPARE(fs::status(t.envFile).permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);

        // Promote again (the FP16 model), then undo twice: back to the original, one step at a time.
        applyPromotion(planPromotion(t, w.fp16(), w.options()), w.state);
        QVERIFY(readText(t.envFile).find("PRIME_MODEL=tinystories-qwen3-7m\r\n") != std::string::npos);
        undoLastPromotion("prime", settingsOf(t), w.state);
        QCOMPARE(readText(t.envFile), w.expected("env.expected"));
        undoLastPromotion("prime", settingsOf(t), w.state);
        QCOMPARE(readText(t.envFile), readText(fixture("env.before")));
    }

    // Issue 17, item 4: .env and compose file kept elsewhere (a dotfiles folder) and linked into the
    // stack, one by an absolute link, one by a relative link to a link. Promotion writes through to
    // the targets (no temp file left beside them), the links stay links, undo restores the targets.
    void linkedEnvAndComposeAreWrittenThrough() {
        World w;
        auto t = w.composeTarget(true);
        const fs::path dotfiles = w.root / "dotfiles";
        fs::create_directories(dotfiles);
        fs::rename(t.envFile, dotfiles / "prime.env");
        fs::create_symlink(dotfiles / "prime.env", t.envFile);
        fs::rename(t.composeFile, dotfiles / "compose.yml");
        fs::create_symlink("compose.yml", dotfiles / "compose-link.yml");
        fs::create_symlink("../dotfiles/compose-link.yml", t.composeFile);
        fs::permissions(dotfiles / "prime.env", fs::perms::owner_read | fs::perms::owner_write);

        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        const auto entry = applyPromotion(plan, w.state);
        QVERIFY(fs::is_symlink(t.envFile) && fs::is_symlink(t.composeFile) && fs::is_symlink(dotfiles / "compose-link.yml"));
        QCOMPARE(fs::read_symlink(t.envFile), dotfiles / "prime.env");
        QCOMPARE(readText(dotfiles / "prime.env"), w.expected("env.expected"));
        QCOMPARE(fs::status(dotfiles / "prime.env").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
        for (const auto& dir : {dotfiles, w.root / "stack"})
            for (const auto& e : fs::directory_iterator(dir))
                QVERIFY2(e.path().filename().string().find(".tmp-") == std::string::npos, e.path().c_str());
        bool backedUp = false;
        for (const auto& f : entry.files) backedUp = backedUp || readText(f.backup) == readText(fixture("env.before"));
        QVERIFY(backedUp);

        undoLastPromotion("prime", settingsOf(t), w.state);
        QVERIFY(fs::is_symlink(t.envFile) && fs::is_symlink(t.composeFile));
        QCOMPARE(fs::read_symlink(t.composeFile), fs::path("../dotfiles/compose-link.yml"));
        QCOMPARE(readText(dotfiles / "prime.env"), readText(fixture("env.before")));
        QCOMPARE(readText(dotfiles / "compose.yml"), readText(fixture("compose.before.yml")));
    }

    void vllmConfigGoldenAndCommandLine() {
        World w;
        const auto t = w.vllmTarget();
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        const Issue* forced = findIssue(plan, "forced_awq_kernel");
        QVERIFY(forced && forced->severity == Issue::Severity::Warning);
        QCOMPARE(plan.changes[0].after, w.expected("vllm.expected.yaml"));
        QCOMPARE(plan.serve.tensorParallelSize, 1);
        QCOMPARE(plan.serve.maxModelLen, 1024);
        QCOMPARE(plan.command, "vllm serve --config " + t.vllmConfig.string());
        QVERIFY(forcedAwqKernelLines(plan.changes[0].after).empty());

        applyPromotion(plan, w.state);
        QCOMPARE(readText(t.vllmConfig), w.expected("vllm.expected.yaml"));

        // A command file is written beside it, and re-promotion only swaps its serve line.
        auto t2 = t;
        t2.commandFile = w.root / "serve.sh";
        writeText(t2.commandFile, "#!/bin/sh\nset -e\n# start\nexec vllm serve old --dtype auto\n");
        const auto plan2 = planPromotion(t2, w.fp16(), w.options());
        QVERIFY2(!plan2.blocked(), issueList(plan2).c_str());
        applyPromotion(plan2, w.state);
        QCOMPARE(readText(t2.commandFile), std::string("#!/bin/sh\nset -e\n# start\nexec vllm serve --config \"$(dirname \"$0\")\"/serve.yaml\n"));
        QVERIFY(readText(t2.vllmConfig).find("dtype: auto") != std::string::npos);  // the file's own dtype: auto, kept
        QVERIFY(plan2.command.find("--quantization") == std::string::npos);

        // A command file the promotion creates is a script that runs (a trial found it 0644).
        auto t3 = t;
        t3.commandFile = w.root / "new-serve.sh";
        applyPromotion(planPromotion(t3, w.fp16(), w.options()), w.state);
        QVERIFY(readText(t3.commandFile).rfind("#!/bin/sh\n", 0) == 0);
        QVERIFY((fs::status(t3.commandFile).permissions() & fs::perms::owner_exec) != fs::perms::none);
    }

    // The command file serves what the YAML says, every key of it (a trial's script lost `port: 9000`
    // and `enable-prefix-caching: true`): vLLM reads the YAML itself (`--config`), named beside the
    // script relative to it, else through the container paths where vLLM runs, else as the host has it.
    void commandFileServesTheWholeConfig() {
        World w;
        auto t = w.vllmTarget();
        writeText(t.vllmConfig, "model: /models/old\nserved-model-name: old\nport: 9000\nenable-prefix-caching: true\n");
        t.commandFile = w.root / "run-vllm.sh";
        t.containerPaths = {{w.pool, "/models"}, {w.root, "/srv/deploy"}};
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.command, std::string("vllm serve --config /srv/deploy/serve.yaml"));
        QCOMPARE(plan.changes.at(1).after, "#!/bin/sh\n# vLLM serve command, written by awqbench (see `awqbench-cli promote`): vLLM reads its "
                                           "settings from serve.yaml.\nexec vllm serve --config \"$(dirname \"$0\")\"/serve.yaml\n");
        const std::string yaml = plan.changes.at(0).after;
        QVERIFY2(yaml.find("port: 9000\n") != std::string::npos && yaml.find("enable-prefix-caching: true\n") != std::string::npos &&
                     yaml.find("model: /models/tinystories-qwen3-7m-awq\n") != std::string::npos,
                 yaml.c_str());

        // Elsewhere: the config's path where vLLM runs; one outside the container paths is told.
        t.commandFile = w.root / "bin" / "run-vllm.sh";
        fs::create_directories(t.commandFile.parent_path());
        QCOMPARE(planPromotion(t, w.awq(), w.options()).changes.at(1).after.find("exec vllm serve --config /srv/deploy/serve.yaml\n") !=
                     std::string::npos,
                 true);
        t.containerPaths = {{w.pool, "/models"}};
        const auto outside = planPromotion(t, w.awq(), w.options());
        const Issue* i = findIssue(outside, "config_not_in_container");
        QVERIFY2(i && i->severity == Issue::Severity::Warning && !outside.blocked(), issueList(outside).c_str());
        QCOMPARE(outside.command, "vllm serve --config " + t.vllmConfig.string());
        // The script elsewhere has the host path, as the command line: the message says both do.
        QCOMPARE(outside.changes.at(1).after.find("exec vllm serve --config " + t.vllmConfig.string() + "\n") != std::string::npos, true);
        const std::string notInside = t.vllmConfig.string() + " is not inside the target's container paths (" + w.pool.string() + ":/models): ";
        QCOMPARE(i->message, notInside + "the equivalent command line and " + t.commandFile.string() +
                                 " name it by its host path, where `vllm serve --config` in the container would not find it");
        QCOMPARE(i->fix, "keep the vLLM config in a mounted folder (or mount its folder) and add that mapping: awqbench-cli target add serve "
                         "--vllm-config " + t.vllmConfig.string() + " --command-file " + t.commandFile.string() + " --container-path " +
                             w.pool.string() + ":/models --container-path /HOST:/CONTAINER --gpu-memory 24GiB --replace");
        // A script beside the config names it relative to itself, not by the host path (the message
        // said "the host path is written"): it finds it wherever their folder is mounted, so the fix
        // is to mount that folder and record it.
        t.commandFile = w.root / "run-vllm.sh";
        const auto beside = planPromotion(t, w.awq(), w.options());
        QCOMPARE(beside.changes.at(1).after.find("exec vllm serve --config \"$(dirname \"$0\")\"/serve.yaml\n") != std::string::npos, true);
        const Issue* b = findIssue(beside, "config_not_in_container");
        QVERIFY2(b && b->severity == Issue::Severity::Warning && !beside.blocked(), issueList(beside).c_str());
        QCOMPARE(b->message, notInside + t.commandFile.string() + " names it relative to itself (`vllm serve --config \"$(dirname \"$0\")\"/serve.yaml`), "
                             "so the script finds it in the container only if " + w.root.string() + " (which holds both) is mounted there; "
                             "the equivalent command line names the host path, which the container does not have");
        QCOMPARE(b->fix, "mount " + w.root.string() + " in vLLM's container and add that mapping (the command line then names the config there): "
                         "awqbench-cli target add serve --vllm-config " + t.vllmConfig.string() + " --command-file " + t.commandFile.string() +
                             " --container-path " + w.pool.string() + ":/models --container-path " + w.root.string() +
                             ":/CONTAINER --gpu-memory 24GiB --replace");
        // No script: only the command line names it.
        t.commandFile.clear();
        const auto noScript = planPromotion(t, w.awq(), w.options());
        const Issue* c = findIssue(noScript, "config_not_in_container");
        QVERIFY(c);
        QCOMPARE(c->message, notInside + "the equivalent command line names it by its host path, where `vllm serve --config` in the container would not find it");
        t.containerPaths.clear();
        QVERIFY2(!findIssue(planPromotion(t, w.awq(), w.options()), "config_not_in_container"), "no container: the host path is right");
    }

    // A served-model-name list (vLLM serves the model under each name) becomes one name: the names
    // dropped are said, in flow and block style (they went without a word, and clients asking for
    // an alias got 404); one name is no warning.
    void servedNameAliasesDroppedAreWarned() {
        World w;
        auto t = w.vllmTarget();
        const std::string file = t.vllmConfig.string();
        for (const std::string names : {"served-model-name: [qwen14b, \"default\", 'chat']  # aliases\n",
                                        "served_model_name:\n  - qwen14b\n  - default   # what the UI asks for\n  - 'chat'\n"}) {
            writeText(t.vllmConfig, "model: /models/old\n" + names + "dtype: float16\n");
            const auto plan = planPromotion(t, w.awq(), w.options());
            const Issue* i = findIssue(plan, "served_names_dropped");
            QVERIFY2(i && !plan.blocked(), issueList(plan).c_str());
            QCOMPARE(i->message, file + " serves the model under 3 names (qwen14b, default, chat); the promotion writes one, tinystories-qwen3-7m-awq: "
                                        "clients that ask for default, chat get 404 model not found");
            QCOMPARE(i->fix, std::string("to keep serving those names for the new model, list them again after promoting: served-model-name: "
                                         "[tinystories-qwen3-7m-awq, default, chat]"));
            QVERIFY2(plan.changes.at(0).after.find("- default") == std::string::npos, plan.changes.at(0).after.c_str());
        }
        writeText(t.vllmConfig, "served-model-name: [qwen14b]\n");
        QVERIFY2(!findIssue(planPromotion(t, w.awq(), w.options()), "served_names_dropped"), "one name");
    }

    // The settings a vLLM config's owner chose are kept (the fresh-user trial: a hand-set
    // gpu-memory-utilization 0.85 and dtype auto became the target's 0.9 and float16, with only a
    // warning); the plan says what it kept.
    void handSetSettingsAreKept() {
        World w;
        auto t = w.vllmTarget();
        writeText(t.vllmConfig, "model: /models/old\ngpu-memory-utilization: 0.85\ndtype: auto\nmax-model-len: 512\ntensor-parallel-size: '1'\n");
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked() && !findIssue(plan, "setting_replaced"), issueList(plan).c_str());
        std::vector<std::string> kept;
        for (const auto& k : plan.kept) kept.push_back(k.key + ": " + k.value);
        QCOMPARE(kept, (std::vector<std::string>{"dtype: auto", "gpu-memory-utilization: 0.85", "tensor-parallel-size: 1", "max-model-len: 512"}));
        // Kept lines stay byte for byte (the quotes of '1' too).
        QCOMPARE(plan.changes.at(0).after,
                 "model: " + w.awq().string() + "\ngpu-memory-utilization: 0.85\ndtype: auto\nmax-model-len: 512\ntensor-parallel-size: '1'\n"
                 "served-model-name: tinystories-qwen3-7m-awq\n");
        QCOMPARE(vllmSettingValues(plan.serve), (std::map<std::string, std::string>{
                                                    {"dtype", "auto"}, {"gpu-memory-utilization", "0.85"}, {"max-model-len", "512"}, {"tensor-parallel-size", "1"}}));

        // Kept across promotions: the history records them as kept, not as the promotion's own values.
        applyPromotion(plan, w.state);
        const auto next = planPromotion(t, w.fp16(), w.options());
        QCOMPARE(next.kept.size(), std::size_t(4));
        QCOMPARE(next.serve.gpuMemoryUtilization, 0.85);
    }

    // What the owner chose is replaced only where the target sets the value or the model cannot run
    // with it, and the warning says which (no "to keep it, set it on the target" for what cannot be kept).
    void replacedSettingsSayWhy() {
        World w;
        auto t = w.vllmTarget();
        const std::string file = t.vllmConfig.string();
        t.gpuMemoryUtilization = 0.9;  // --gpu-util 0.9: asked for
        writeText(t.vllmConfig, "gpu_memory_utilization: 0.85\nmax_model_len: 8192\ndtype: \"bfloat16\"\n");
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        std::vector<std::string> replaced;
        for (const auto& i : plan.issues)
            if (i.code == "setting_replaced") replaced.push_back(i.message + " | " + i.fix);
        const std::vector<std::string> want = {
            file + " sets max_model_len: 8192; the promotion writes 1024 (longer than tinystories-qwen3-7m-awq's context of 1024 tokens (config.json "
                   "max_position_embeddings 1024), which vLLM refuses to exceed) | ",
            file + " sets gpu_memory_utilization: 0.85; the promotion writes 0.9 (the target sets --gpu-util 0.9) | to keep the file's value, set the "
                   "target's --gpu-util to it, or 0 to leave the file's own",
        };
        QCOMPARE(replaced, want);
        QCOMPARE(plan.kept.size(), std::size_t(1));  // dtype bfloat16: awq_marlin runs it (vLLMOwnChoicesAreKept)

        // A dtype vLLM does not take: the message names config.json's key as the file spells it
        // (tinystories-qwen3-7m has the newer `dtype`, not `torch_dtype`).
        t.gpuMemoryUtilization = 0;
        writeText(t.vllmConfig, "dtype: float64\n");
        const auto fp = planPromotion(t, w.fp16(), w.options());
        const Issue* dtype = findIssue(fp, "setting_replaced");
        QVERIFY2(dtype, issueList(fp).c_str());
        QCOMPARE(dtype->message, file + " sets dtype: float64; the promotion writes bfloat16 (float64 is not a dtype vLLM takes; config.json dtype: bfloat16)");
        QVERIFY(dtype->message.find("torch_dtype") == std::string::npos);
    }

    // A vLLM config's own choices the trial saw rewritten: tensor-parallel-size 2 became 1 with --gpus
    // not given, and dtype bfloat16 float16 for an AWQ model, although awq_marlin computes in bfloat16
    // (vLLM's AWQMarlinConfig.get_supported_act_dtypes: half and bfloat16, compute capability 8.0+).
    void vllmOwnChoicesAreKept() {
        World w;
        auto t = w.vllmTarget();
        QCOMPARE(t.gpuCount, 0);  // not set
        writeText(t.vllmConfig, "model: /models/old\ntensor-parallel-size: 2\ndtype: bfloat16\n");
        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked() && !findIssue(plan, "setting_replaced"), issueList(plan).c_str());
        QCOMPARE(plan.serve.tensorParallelSize, 2);
        QCOMPARE(plan.serve.dtype, std::string("bfloat16"));
        QVERIFY2(plan.changes.at(0).after.find("tensor-parallel-size: 2\ndtype: bfloat16\n") != std::string::npos, plan.changes.at(0).after.c_str());
        // What an older GPU does is said, not assumed.
        QCOMPARE(plan.notes.size(), std::size_t(1));
        QVERIFY2(plan.notes[0].find("on an older GPU (a T4) vLLM has only the `awq` kernel, which computes in float16, and refuses to start with "
                                    "bfloat16: set dtype: float16 for such a GPU") != std::string::npos,
                 plan.notes[0].c_str());

        // --gpus 1 given: two GPUs are not there, so the size is replaced, with the reason.
        t.gpuCount = 1;
        plan = planPromotion(t, w.awq(), w.options());
        QCOMPARE(plan.serve.tensorParallelSize, 1);
        const Issue* tp = findIssue(plan, "setting_replaced");
        QVERIFY2(tp && tp->message.find("sets tensor-parallel-size: 2; the promotion writes 1 (not a size the target's 1 GPU can run)") !=
                           std::string::npos,
                 issueList(plan).c_str());

        // No zero points: vLLM falls back to the `awq` kernel, float16 only: bfloat16 is replaced, saying why.
        editConfig(w.awq(), [](nlohmann::json& j) { j["quantization_config"]["zero_point"] = false; });
        t.gpuCount = 0;
        plan = planPromotion(t, w.awq(), w.options());
        const Issue* dtype = findIssue(plan, "setting_replaced");
        QVERIFY2(dtype && dtype->message.find("sets dtype: bfloat16; the promotion writes float16 (awq_marlin cannot run tinystories-qwen3-7m-awq "
                                              "(see marlin_unsupported) and the `awq` kernel vLLM falls back to computes in float16 only") !=
                              std::string::npos,
                 issueList(plan).c_str());
    }

    // Values the target's last promotion computed for its model are not the owner's: they follow the
    // next model without a warning (float16 written for an AWQ model is not kept for a bfloat16 one).
    void valuesThePromotionWroteFollowTheModel() {
        World w;
        auto t = w.vllmTarget();
        writeText(t.vllmConfig, "model: /models/old\n");
        applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
        QVERIFY(readText(t.vllmConfig).find("dtype: float16") != std::string::npos);
        const auto plan = planPromotion(t, w.fp16(), w.options());
        QVERIFY2(!findIssue(plan, "setting_replaced") && plan.kept.empty(), issueList(plan).c_str());
        QCOMPARE(plan.serve.dtype, std::string("bfloat16"));
        // Edited by hand since: the owner's again.
        writeText(t.vllmConfig, replaceAll(readText(t.vllmConfig), "gpu-memory-utilization: 0.9", "gpu-memory-utilization: 0.8"));
        const auto edited = planPromotion(t, w.fp16(), w.options());
        QCOMPARE(edited.kept.size(), std::size_t(1));
        QCOMPARE(edited.kept.at(0).value, std::string("0.8"));
        // Without the history, every value in the file counts as the owner's.
        PlanOptions noHistory = w.options();
        noHistory.stateDir.clear();
        QCOMPARE(planPromotion(t, w.fp16(), noHistory).serve.dtype, std::string("float16"));
    }

    // A vLLM config's `quantization: awq` with a model that is not AWQ: the promotion comments the
    // key out (vLLM then detects the model's own quantization), so it is a warning, not a refusal
    // (the plan refused over a key its own diff removed). A compose command's flag, which the
    // promotion leaves, is still refused (composeCommandAsAListIsChecked).
    void awqFlagWithoutQuantizationConfigIsCommentedOut() {
        World w;
        auto t = w.vllmTarget();  // has `quantization: awq`
        const auto plan = planPromotion(t, w.fp16(), w.options());
        QVERIFY2(!findIssue(plan, "awq_flag_without_quantization_config"), issueList(plan).c_str());
        const Issue* i = findIssue(plan, "quantization_removed");
        QVERIFY2(i && i->severity == Issue::Severity::Warning && i->message.find("asks vLLM for AWQ, but tinystories-qwen3-7m has no quantization_config") !=
                                                                      std::string::npos,
                 issueList(plan).c_str());
        QVERIFY(!plan.blocked());
        applyPromotion(plan, w.state);
        const std::string after = readText(t.vllmConfig);
        QVERIFY2(after.find("\nquantization: awq") == std::string::npos && after.find("# quantization: awq") != std::string::npos, after.c_str());
    }

    // `--quantization awq` in a compose command: a warning, not a refusal (a T4 has no awq_marlin:
    // the trial could not promote to a target for one at all), saying where each kernel is right and
    // what the one measured figure compares; the compose file is not edited.
    void validationForcedAwqKernelInCompose() {
        World w;
        auto t = w.composeTarget(false);
        writeText(t.composeFile, replaceAll(readText(t.composeFile), "--max-model-len 1024", "--max-model-len 1024 --quantization awq"));
        const auto plan = planPromotion(t, w.awq(), w.options());
        const Issue* i = findIssue(plan, "forced_awq_kernel");
        QVERIFY2(i && i->severity == Issue::Severity::Warning && !plan.blocked(), issueList(plan).c_str());
        QVERIFY(i->message.find("line 18") != std::string::npos);
        for (const char* said : {"compute capability 8.0 or newer", "T4", "keeping `--quantization awq` is right", "vLLM 0.10.2",
                                 "H100 80GB", "11.5 tokens/s against 71.5 for the unquantized FP16 model", "awq_marlin was not measured"})
            QVERIFY2(i->message.find(said) != std::string::npos, i->message.c_str());
        QVERIFY2(i->message.find("seeds") == std::string::npos, i->message.c_str());
        QVERIFY2(i->fix.find("on a T4") != std::string::npos, i->fix.c_str());
        QCOMPARE(plan.changes.size(), std::size_t(1));
        QVERIFY(plan.changes[0].after.find("--quantization awq") != std::string::npos);
        // awq_marlin named explicitly is fine.
        writeText(t.composeFile, replaceAll(readText(t.composeFile), "--quantization awq", "--quantization awq_marlin"));
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "forced_awq_kernel"));
        // Through a variable the .env sets: the .env line that sets it is named (not the compose line),
        // and a model without AWQ is refused there too.
        writeText(t.composeFile, replaceAll(readText(t.composeFile), "--quantization awq_marlin", "--quantization ${QUANT:-awq_marlin}"));
        const fs::path env = t.composeFile.parent_path() / ".env";
        writeText(env, "QUANT=awq\n");
        auto viaEnv = planPromotion(t, w.awq(), w.options());
        i = findIssue(viaEnv, "forced_awq_kernel");
        QVERIFY2(i && i->message.rfind(env.string() + " line 1 (QUANT, which " + t.composeFile.string() + " line 18 takes) forces", 0) == 0,
                 issueList(viaEnv).c_str());
        viaEnv = planPromotion(t, w.fp16(), w.options());
        i = findIssue(viaEnv, "awq_flag_without_quantization_config");
        QVERIFY2(i && viaEnv.blocked() && i->message.rfind(env.string() + " line 1 (QUANT", 0) == 0, issueList(viaEnv).c_str());
        writeText(env, "");
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "forced_awq_kernel"));
    }

    // The compose command's own --max-model-len (the promotion does not write it) longer than the
    // model's context (1024): vLLM would refuse to start, so the promotion is refused naming the
    // line, literal or through a ${VAR:-default} the .env file sets.
    void composeMaxModelLenPastTheContextIsRefused() {
        World w;
        auto t = w.composeTarget(false);
        const std::string original = readText(t.composeFile);
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max-model-len 4096"));
        auto plan = planPromotion(t, w.awq(), w.options());
        const Issue* i = findIssue(plan, "max_model_len_too_long");
        QVERIFY2(i && i->severity == Issue::Severity::Error && plan.blocked(), issueList(plan).c_str());
        QCOMPARE(i->message, t.composeFile.string() + " line 18 starts vLLM with --max-model-len 4096, longer than tinystories-qwen3-7m-awq's context of 1024 tokens (" +
                                 (w.awq() / "config.json").string() + "): vLLM refuses to start");
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max_model_len=${MAX_LEN:-512}"));
        QVERIFY2(!findIssue(planPromotion(t, w.awq(), w.options()), "max_model_len_too_long"), issueList(plan).c_str());
        // The value set in the .env (a trial: the message said "compose.yaml line 4 ... lower it there"
        // about MAXLEN=4096 in .env): the .env file and line that set it, and the command line taking it.
        const fs::path env = t.composeFile.parent_path() / ".env";
        writeText(env, "# lengths\nMAX_LEN=2048\n");
        plan = planPromotion(t, w.awq(), w.options());
        i = findIssue(plan, "max_model_len_too_long");
        QVERIFY2(i, issueList(plan).c_str());
        QCOMPARE(i->message, env.string() + " line 2 (MAX_LEN, which " + t.composeFile.string() + " line 18 takes) starts vLLM with --max-model-len " +
                                 "2048, longer than tinystories-qwen3-7m-awq's context of 1024 tokens (" + (w.awq() / "config.json").string() +
                                 "): vLLM refuses to start");
        QCOMPARE(i->fix, std::string("lower it there to 1024 or less, or remove it (vLLM then uses the model's)"));
        // The same for the tensor-parallel size, and through a target's own .env file.
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "-tp ${TP:-1}"));
        writeText(env, "TP=3\n");
        i = findIssue(plan = planPromotion(t, w.awq(), w.options()), "tensor_parallel_heads");
        QVERIFY2(i && i->message.rfind(env.string() + " line 1 (TP, which " + t.composeFile.string() + " line 18 takes) starts vLLM with tensor-parallel size 3", 0) == 0,
                 issueList(plan).c_str());
        writeText(env, "");
        QVERIFY2(!findIssue(planPromotion(t, w.awq(), w.options()), "tensor_parallel_heads"), "the default 1");
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max_model_len=${MAX_LEN:-512}"));
        // vLLM reads the flag with human_readable_int: 2K = 2048, 1.5k = 1500, 1k = 1000.
        for (const auto& [written, shown] : {std::pair{"--max-model-len 2K", "2K (2048 tokens)"}, std::pair{"--max-model-len=1.5k", "1.5k (1500 tokens)"}}) {
            writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", written));
            i = findIssue(plan = planPromotion(t, w.awq(), w.options()), "max_model_len_too_long");
            QVERIFY2(i && i->message.find(std::string("--max-model-len ") + shown + ", longer than") != std::string::npos, issueList(plan).c_str());
        }
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max-model-len 1k"));
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "max_model_len_too_long"));
        // Within the context, or commented out: nothing to say.
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max-model-len 1000"));
        std::filesystem::remove(t.composeFile.parent_path() / ".env");
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "max_model_len_too_long"));
    }

    // A tensor-parallel size the compose command sets itself is checked as the target's (a trial
    // found -tp 3 on a 4-head model promoted without a word; vLLM refuses to start).
    void composeTensorParallelFlagIsChecked() {
        World w;
        auto t = w.composeTarget(false);
        const std::string original = readText(t.composeFile);
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max-model-len 1024 -tp 3"));
        auto plan = planPromotion(t, w.awq(), w.options());
        const Issue* i = findIssue(plan, "tensor_parallel_heads");
        QVERIFY2(i && plan.blocked() && i->message.find("line 18 starts vLLM with tensor-parallel size 3, which does not divide") != std::string::npos,
                 issueList(plan).c_str());
        writeText(t.composeFile, replaceAll(original, "--max-model-len 1024", "--max-model-len 1024 --tensor-parallel-size=${TP:-1}"));
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!findIssue(plan, "tensor_parallel_heads") && !findIssue(plan, "tensor_parallel_awq_groups"), issueList(plan).c_str());
    }

    // The equivalent command line of a compose promotion shows what the compose command itself
    // starts vLLM with (the promotion writes only the model path and served name there): its
    // --max-model-len, -tp, --gpu-memory-utilization and --dtype, ${...} resolved, the last of each;
    // not the target's settings. It showed --gpu-memory-utilization 0.9 for a compose file's 0.7.
    void composeEquivalentCommandShowsTheComposeFlags() {
        World w;
        auto t = w.composeTarget(false);
        const std::string original = readText(t.composeFile);
        writeText(t.composeFile, replaceAll(replaceAll(original, "--max-model-len 1024", "--max-model-len ${LEN:-512} -tp 2 --dtype=bfloat16"),
                                            "--gpu-memory-utilization 0.90", "--gpu-memory-utilization 0.5 --gpu-memory-utilization 0.7"));
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(plan.command.find(" --dtype bfloat16 --max-model-len 512 --gpu-memory-utilization 0.7 --tensor-parallel-size 2") != std::string::npos,
                 plan.command.c_str());
        // With an .env file: the flags of its values count too (read after the compose file's).
        auto withEnv = w.composeTarget(true);
        writeText(withEnv.composeFile, original);
        writeText(withEnv.envFile, readText(withEnv.envFile) + "VLLM_EXTRA_ARGS=--gpu-memory-utilization=0.6\n");
        const auto envPlan = planPromotion(withEnv, w.awq(), w.options());
        QVERIFY2(envPlan.command.find(" --max-model-len 1024 --gpu-memory-utilization 0.6 ") != std::string::npos, envPlan.command.c_str());
    }

    // The command in Compose's exec form: a YAML list whose items hold a flag and its value apart
    // (block list, flow list), as many vLLM compose files write it. The flags are read there too.
    void composeCommandAsAListIsChecked() {
        World w;
        auto t = w.composeTarget(false);
        const std::string original = readText(t.composeFile);
        const std::string stringCommand = "    command: >\n"
                                          "      --model ${PRIME_MODEL_PATH:-/mnt/gaia_warm_pool/Qwen3-4B-Instruct-2507-heretic}\n"
                                          "      --served-model-name ${PRIME_MODEL:-Qwen3-4B-Instruct-2507-heretic}\n"
                                          "      --max-model-len 1024\n"
                                          "      --gpu-memory-utilization 0.90\n";
        QVERIFY(original.find(stringCommand) != std::string::npos);
        const std::string blockList = "    command:\n"
                                      "      - \"--model\"\n"
                                      "      - \"${PRIME_MODEL_PATH:-/mnt/gaia_warm_pool/Qwen3-4B-Instruct-2507-heretic}\"\n"
                                      "      - --served-model-name\n"
                                      "      - ${PRIME_MODEL:-Qwen3-4B-Instruct-2507-heretic}\n"
                                      "      - \"--max-model-len\"\n"
                                      "      - \"4096\"\n"
                                      "      - '--quantization'   # the slow kernel\n"
                                      "      - 'awq'\n";
        writeText(t.composeFile, replaceAll(original, stringCommand, blockList));
        auto plan = planPromotion(t, w.awq(), w.options());
        const Issue* tooLong = findIssue(plan, "max_model_len_too_long");
        QVERIFY2(tooLong && tooLong->message.find(" line 20 starts vLLM with --max-model-len 4096,") != std::string::npos, issueList(plan).c_str());
        const Issue* forced = findIssue(plan, "forced_awq_kernel");
        QVERIFY2(forced && forced->message.find(" line 22 forces") != std::string::npos, issueList(plan).c_str());
        plan = planPromotion(t, w.fp16(), w.options());
        QVERIFY2(findIssue(plan, "awq_flag_without_quantization_config"), issueList(plan).c_str());

        const std::string flowList = "    command: [\"--model\", \"${PRIME_MODEL_PATH:-/mnt/x}\", \"--max-model-len\", \"2048\", \"-q\", \"awq\"]\n";
        writeText(t.composeFile, replaceAll(original, stringCommand, flowList));
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "max_model_len_too_long") && findIssue(plan, "forced_awq_kernel"), issueList(plan).c_str());
        // Values that are fine in list form too: nothing to say.
        writeText(t.composeFile, replaceAll(original, stringCommand,
                                            "    command: [\"--max-model-len\", \"1000\", \"--quantization\", \"awq_marlin\"]\n"));
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!findIssue(plan, "max_model_len_too_long") && !findIssue(plan, "forced_awq_kernel"), issueList(plan).c_str());
    }

    void validationMarlinUnsupported() {
        World w;
        auto t = w.vllmTarget();
        editConfig(w.awq(), [](nlohmann::json& j) { j["quantization_config"]["group_size"] = 256; });
        auto plan = planPromotion(t, w.awq(), w.options());
        const Issue* group = findIssue(plan, "marlin_unsupported");
        QVERIFY2(group && group->severity == Issue::Severity::Warning, issueList(plan).c_str());
        QVERIFY(group->message.find("group size 256") != std::string::npos);

        editConfig(w.awq(), [](nlohmann::json& j) { j["quantization_config"]["bits"] = 8; j["quantization_config"]["group_size"] = 128; });
        plan = planPromotion(t, w.awq(), w.options());
        const Issue* bits = findIssue(plan, "marlin_unsupported");
        QVERIFY2(bits && bits->severity == Issue::Severity::Error, issueList(plan).c_str());
        QVERIFY(bits->message.find("8-bit") != std::string::npos);
    }

    void validationSourceFingerprint() {
        World w;
        auto t = w.vllmTarget();
        t.pairedModel = w.fp16();
        const std::string fp16Fingerprint = describeModel(w.fp16()).fingerprint;
        const std::string otherFingerprint = describeModel(test::modelDir("tinystories-656k")).fingerprint;

        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "pairing_unchecked"), issueList(plan).c_str());
        QVERIFY(!plan.blocked());

        writeText(w.awq() / "awqbench_quantization.json",
                  nlohmann::json{{"settings", {{"source_fingerprint", otherFingerprint}}}, {"source", {{"fingerprint", otherFingerprint}}}}.dump());
        plan = planPromotion(t, w.awq(), w.options());
        const Issue* i = findIssue(plan, "source_fingerprint_mismatch");
        QVERIFY2(i && i->severity == Issue::Severity::Error, issueList(plan).c_str());

        writeText(w.awq() / "awqbench_quantization.json", nlohmann::json{{"settings", {{"source_fingerprint", fp16Fingerprint}}}}.dump());
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!findIssue(plan, "source_fingerprint_mismatch") && !findIssue(plan, "pairing_unchecked"), issueList(plan).c_str());
    }

    void validationTensorParallel() {
        World w;
        auto t = w.vllmTarget();
        t.gpuCount = 4;
        t.tensorParallelSize = 3;  // 4 attention heads, 2 KV heads
        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "tensor_parallel_heads"), issueList(plan).c_str());

        // 4 splits the heads, but o_proj's 256 inputs into 64 per GPU: not whole groups of 128.
        t.tensorParallelSize = 4;
        plan = planPromotion(t, w.awq(), w.options());
        const Issue* groups = findIssue(plan, "tensor_parallel_awq_groups");
        QVERIFY2(groups && groups->severity == Issue::Severity::Error && groups->message.find("o_proj's 256 inputs split 4 ways") != std::string::npos,
                 issueList(plan).c_str());
        QVERIFY(!findIssue(planPromotion(t, w.fp16(), w.options()), "tensor_parallel_awq_groups"));  // FP16 splits anywhere
        t.tensorParallelSize = 2;  // 128 + 384 inputs per GPU: whole groups
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "tensor_parallel_awq_groups"));

        t.tensorParallelSize = 0;  // automatic: the smallest that fits
        t.gpuCount = 8;
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.serve.tensorParallelSize, 1);

        t.tensorParallelSize = 2;
        t.gpuCount = 1;
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "tensor_parallel_fit"), issueList(plan).c_str());
        // Refused: no diff and no command line, which showed `tensor-parallel-size: 2` as if it were
        // what to write; the error names the value.
        QVERIFY(plan.blocked() && plan.changes.empty() && plan.diff().empty() && plan.command.empty());
        QVERIFY(findIssue(plan, "tensor_parallel_fit")->message.find("tensor-parallel size 2 needs more GPUs") != std::string::npos);

        // The runtime overhead alone exceeds the card (a trial: "(0.00 GiB per GPU at tensor-parallel
        // 2) ... (use more GPUs ...)" for --gpus 4 --gpu-memory 0.5GiB): sizes in MiB, and no "more GPUs".
        t.tensorParallelSize = 0;
        t.gpuCount = 4;
        t.gpuMemoryBytes = 512ull << 20;
        plan = planPromotion(t, w.awq(), w.options());
        const Issue* fit = findIssue(plan, "tensor_parallel_fit");
        QVERIFY2(fit && fit->severity == Issue::Severity::Error, issueList(plan).c_str());
        QCOMPARE(fit->message, std::string("the 1 GiB runtime overhead each GPU needs (CUDA context, activations) alone does not fit in 90% of a "
                                           "512.0 MiB GPU (budget 460.8 MiB), whatever the model"));
        QVERIFY2(fit->fix.find("more GPUs") == std::string::npos, fit->fix.c_str());
        // Room for the overhead but not the weights: the weights in MiB, and more GPUs do help.
        t.gpuCount = 1;
        t.gpuMemoryBytes = 2ull << 30;
        t.gpuMemoryUtilization = 0.501;  // 2 MiB beside the overhead
        t.maxModelLen = 16;
        fit = findIssue(plan = planPromotion(t, w.awq(), w.options()), "tensor_parallel_fit");
        QVERIFY2(fit && fit->message.find(" MiB per GPU at tensor-parallel 1) and 1 GiB runtime overhead do not fit in 50.1% of a 2.00 GiB GPU") !=
                         std::string::npos && fit->fix.rfind("use more GPUs", 0) == 0,
                 issueList(plan).c_str());
        t.gpuMemoryUtilization = 0;
        t.maxModelLen = 0;
        t.gpuMemoryBytes = 512ull << 20;

        t.gpuMemoryBytes = 0;  // unknown: said so, not guessed
        plan = planPromotion(t, w.awq(), w.options());
        QVERIFY(findIssue(plan, "fit_unknown"));
    }

    void validationOutsidePool() {
        World w;
        const auto t = w.composeTarget(false);
        auto plan = planPromotion(t, test::modelDir("tinystories-qwen3-7m-awq"), w.options());
        QVERIFY2(findIssue(plan, "outside_pool") && plan.blocked(), issueList(plan).c_str());
        fs::create_directory_symlink(test::modelDir("tinystories-qwen3-7m-awq"), w.pool / "linked-out");
        plan = planPromotion(t, w.pool / "linked-out", w.options());
        QVERIFY2(findIssue(plan, "outside_pool"), issueList(plan).c_str());
        plan = planPromotion(t, w.awq(), PlanOptions{});
        QVERIFY(findIssue(plan, "outside_pool"));
    }

    void composeWithoutDefaultNeedsEnvFile() {
        World w;
        auto t = w.composeTarget(false);
        writeText(t.composeFile, "services:\n  prime:\n    command: --model ${PRIME_MODEL_PATH}\n");
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "no_default") && plan.blocked(), issueList(plan).c_str());
    }

    // A compose file that never uses the target's variables (found by a trial: `target add` took it
    // and only the first promote said no): told when the target is added, the plan blocked likewise.
    void targetFilesCheckedWhenAdded() {
        World w;
        auto t = w.composeTarget(false);
        QVERIFY2(checkTargetFiles(t).empty(), "the fixture compose file uses both variables with defaults");
        QVERIFY(checkTargetFiles(w.vllmTarget()).empty());

        writeText(t.composeFile, "services:\n  prime:\n    image: vllm/vllm-openai\n    command: --model /models/fixed\n");
        auto issues = checkTargetFiles(t);
        QCOMPARE(issues.size(), std::size_t(2));
        QCOMPARE(issues[0].code, std::string("variable_unused"));
        QVERIFY(issues[0].severity == Issue::Severity::Error);
        QVERIFY2(issues[0].message.find("never uses $PRIME_MODEL_PATH") != std::string::npos, issues[0].message.c_str());
        QVERIFY(issues[1].severity == Issue::Severity::Warning);   // the served name only
        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(findIssue(plan, "variable_unused") && plan.blocked() && plan.changes.empty(), issueList(plan).c_str());

        // An .env file that nothing reads (a trial: `--env nope.env` was promoted, "promoted", and
        // `target list` showed the new model while compose still ran /models/fixed): the same refusal,
        // naming the file; the current model is the compose file's own --model.
        for (const fs::path& env : {t.composeFile.parent_path() / "nope.env", t.composeFile.parent_path() / ".env"}) {
            t.envFile = env;
            issues = checkTargetFiles(t);
            QCOMPARE(issues.size(), std::size_t(2));
            QVERIFY2(issues[0].severity == Issue::Severity::Error && issues[0].code == "variable_unused", issues[0].message.c_str());
            QVERIFY2(issues[0].message.find("never uses $PRIME_MODEL_PATH, and no service reads " + env.string() + " (no env_file: lists it") !=
                         std::string::npos,
                     issues[0].message.c_str());
            QVERIFY2(issues[0].fix.find("or list " + env.string() + " under the service's env_file:") != std::string::npos, issues[0].fix.c_str());
            plan = planPromotion(t, w.awq(), w.options());
            QVERIFY2(plan.blocked() && plan.changes.empty(), issueList(plan).c_str());
            writeText(env, "PRIME_MODEL_PATH=" + w.awq().string() + "\n");
            const auto current = deployedModels(settingsOf(t));
            QVERIFY(current.size() == 1 && current[0].model == fs::path("/models/fixed"));
        }

        // Listed under a service's env_file: (every form) a program in the container may read it: a
        // warning, the .env is written.
        t.envFile = t.composeFile.parent_path() / "prime.env";
        for (const std::string envFile : {"    env_file: prime.env\n", "    env_file: [other.env, ./prime.env]\n", "    env_file:\n      - ./prime.env\n",
                                          "    env_file:\n      - path: ${STACK:-.}/prime.env\n        required: false\n"}) {
            writeText(t.composeFile, "services:\n  prime:\n    image: vllm/vllm-openai\n" + envFile + "    entrypoint: /start.sh\n");
            issues = checkTargetFiles(t);
            QVERIFY2(issues.size() == 2 && issues[0].severity == Issue::Severity::Warning && issues[0].code == "variable_unused", envFile.c_str());
            plan = planPromotion(t, w.awq(), w.options());
            QVERIFY2(!plan.blocked() && plan.changes.size() == 1, issueList(plan).c_str());
        }

        // Used without a default and no .env: nothing to set.
        t.envFile.clear();
        writeText(t.composeFile, "services:\n  prime:\n    command: --model $PRIME_MODEL_PATH --served-model-name ${PRIME_MODEL:-x}\n");
        issues = checkTargetFiles(t);
        QCOMPARE(issues.size(), std::size_t(1));
        QCOMPARE(issues[0].code, std::string("no_default"));
        QVERIFY(issues[0].severity == Issue::Severity::Error);

        fs::remove(t.composeFile);
        QVERIFY_THROWS_EXCEPTION(Error, checkTargetFiles(t));
    }

    // A model name with " #" promoted into an unquoted compose default (found by a trial): refused
    // with its own code, nothing written; the fixture's folded command (">") takes it as it is.
    void composeDefaultThatYamlWouldMisreadIsRefused() {
        World w;
        const fs::path model = w.pool / "tiny #1";
        fs::rename(w.awq(), model);
        auto t = w.composeTarget(false);
        const std::string unquoted = "services:\n  prime:\n    volumes:\n      - " + w.pool.string() +
                                     ":/models\n    command: --model ${PRIME_MODEL_PATH:-/models/old} --served-model-name ${PRIME_MODEL:-old}\n";
        writeText(t.composeFile, unquoted);
        const auto refused = planPromotion(t, model, w.options());
        QVERIFY2(findIssue(refused, "value_not_writable") && refused.blocked() && refused.changes.empty(), issueList(refused).c_str());
        QVERIFY(!findIssue(refused, "target_file_missing"));

        t = w.composeTarget(false);
        const auto folded = planPromotion(t, model, w.options());
        QVERIFY2(!folded.blocked(), issueList(folded).c_str());
        QVERIFY(folded.changes.size() == 1 && folded.changes.front().after.find("${PRIME_MODEL:-tiny #1}") != std::string::npos);
    }

    void readOnlyTargetChangesNothing() {
        World w;
        const auto t = w.composeTarget(true);
        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY(!plan.blocked());
        fs::permissions(t.envFile, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
        QString msg = test::errorMessageOf([&] { applyPromotion(plan, w.state); });
        QVERIFY2(msg.contains("read-only") && msg.contains(".env"), qPrintable(msg));
        QCOMPARE(readText(t.envFile), readText(fixture("env.before")));
        QVERIFY(loadHistory(w.state).empty());

        fs::permissions(t.envFile, fs::perms::owner_write, fs::perm_options::add);
        fs::permissions(w.root / "stack", fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write, fs::perm_options::remove);
        msg = test::errorMessageOf([&] { applyPromotion(plan, w.state); });
        fs::permissions(w.root / "stack", fs::perms::owner_write, fs::perm_options::add);
        QVERIFY2(msg.contains("folder is read-only"), qPrintable(msg));
        QCOMPARE(readText(t.envFile), readText(fixture("env.before")));
        QVERIFY(loadHistory(w.state).empty());
    }

    void refusesStalePreviewAndEditedUndo() {
        World w;
        const auto t = w.composeTarget(true);
        const auto plan = planPromotion(t, w.awq(), w.options());
        writeText(t.envFile, readText(t.envFile) + "EXTRA=1\n");
        QVERIFY(test::errorMessageOf([&] { applyPromotion(plan, w.state); }).contains("changed since the preview"));

        applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
        const std::string edited = readText(t.envFile) + "# a later hand edit\n";
        writeText(t.envFile, edited);
        QVERIFY(test::errorMessageOf([&] { undoLastPromotion("prime", settingsOf(t), w.state); }).contains("changed since promotion"));
        QCOMPARE(readText(t.envFile), edited);
    }

    // User trial: `target remove vl` + `target add vl --vllm-config other.yaml`, then `undo --target
    // vl` restored the old target's serve.yaml (a file vl no longer uses), exit 0, no warning.
    void undoRefusesFilesAReplacedTargetNoLongerUses() {
        World w;
        const auto t = w.vllmTarget();
        const auto promo = applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
        const std::string promoted = readText(t.vllmConfig);
        auto replaced = t;
        replaced.vllmConfig = w.root / "other.yaml";
        const QString msg = test::errorMessageOf([&] { undoLastPromotion("serve", settingsOf(replaced), w.state); });
        QVERIFY2(msg.contains(QString::fromStdString(t.vllmConfig.string() + ": promotion " + promo.id)) && msg.contains("no longer uses") &&
                     msg.contains(QString::fromStdString("from its backup " + promo.files.at(0).backup.string())),
                 qPrintable(msg));
        QCOMPARE(readText(t.vllmConfig), promoted);
        QVERIFY(!loadHistory(w.state).back().undone);
        // Re-added with a command file as well: the promotion's file is still one of its files.
        // Named through a link: the same file. Either way undo is allowed; here, the link.
        fs::create_symlink(t.vllmConfig, w.root / "serve-link.yaml");
        replaced.vllmConfig = w.root / "serve-link.yaml";
        replaced.commandFile = w.root / "serve.sh";
        undoLastPromotion("serve", settingsOf(replaced), w.state);
        QCOMPARE(readText(t.vllmConfig), readText(fixture("vllm.before.yaml")));

        // Removed and not re-added: its history stays undoable (README).
        applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
        undoLastPromotion("serve", DeploySettings{}, w.state);
        QCOMPARE(readText(t.vllmConfig), readText(fixture("vllm.before.yaml")));
    }

    // Two undos in one second got the same id ("...Z-undo"); promotions got -2, -3 suffixes.
    void historyIdsAreUnique() {
        World w;
        const auto t = w.composeTarget(true);
        for (int round = 0; round < 2; ++round) {
            applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
            applyPromotion(planPromotion(t, w.fp16(), w.options()), w.state);
            undoLastPromotion("prime", settingsOf(t), w.state);
            undoLastPromotion("prime", settingsOf(t), w.state);
        }
        const auto history = loadHistory(w.state);
        QCOMPARE(history.size(), std::size_t(8));
        std::set<std::string> ids;
        for (const auto& e : history) QVERIFY2(ids.insert(e.id).second, e.id.c_str());
        QVERIFY(history.back().id.ends_with("-undo"));
    }

    // A deleted backup said "cannot read the file ... (check the file's permissions)".
    void undoWithAMissingBackupSaysSo() {
        World w;
        const auto t = w.composeTarget(true);
        const auto promo = applyPromotion(planPromotion(t, w.awq(), w.options()), w.state);
        const std::string promoted = readText(t.envFile);
        fs::remove(promo.files.at(0).backup);
        const QString msg = test::errorMessageOf([&] { undoLastPromotion("prime", settingsOf(t), w.state); });
        QVERIFY2(msg.contains(QString::fromStdString(promo.files[0].backup.string() + ": the backup of " + t.envFile.string())) &&
                     msg.contains("is missing: nothing was restored") && msg.contains("by hand") && !msg.contains("permissions"),
                 qPrintable(msg));
        QCOMPARE(readText(t.envFile), promoted);
    }

    // A command given as one string is split into arguments by Compose after interpolation, shell
    // style (compose-go: go-shellwords). A trial's promotion wrote `--model ${PRIME_MODEL_PATH:-/models/my
    // model 🙂-awq ü}` into a folded command: vLLM got three arguments. A reference there that is not
    // quoted yet is wrapped in '...' when the value would split; list forms and environment values
    // (taken whole) are left as they were. Checked on ../shared/realworld/compose-nested-default.
    void composeStringCommandsQuoteWhatWouldSplit() {
        const std::string compose = readText(realworld("compose-nested-default") / "compose.yaml");
        const std::string path = "/models/my model 🙂-awq ü", name = "my model 🙂-awq ü";
        const auto withPath = setComposeDefault(compose, "PRIME_MODEL_PATH", path);
        QVERIFY(withPath);
        const auto written = setComposeDefault(*withPath, "PRIME_MODEL", name);
        QVERIFY(written);
        QVERIFY2(written->find("      --model '${PRIME_MODEL_PATH:-/models/my model 🙂-awq ü}'\n") != std::string::npos, written->c_str());
        QVERIFY2(written->find("      --served-model-name '${PRIME_MODEL:-my model 🙂-awq ü}'\n") != std::string::npos, written->c_str());
        QVERIFY2(written->find("      - SERVED=\"${PRIME_MODEL:-my model 🙂-awq ü}\"\n") != std::string::npos, written->c_str());  // not split
        // What vLLM receives: the folded command interpolated, then split as go-shellwords does.
        const auto folded = [](const std::string& text) {
            const auto begin = text.find("command: >\n") + 11, end = text.find("    environment:");
            std::string joined;
            std::istringstream lines(text.substr(begin, end - begin));
            for (std::string line; std::getline(lines, line);) joined += line.substr(line.find_first_not_of(' ')) + " ";
            return joined;
        };
        const std::string interpolated = interpolateCompose(folded(*written), variables({}));
        QCOMPARE(shellWords(interpolated), (std::vector<std::string>{"--model", path, "--served-model-name", name}));
        // The current model reads back without the quotes; promoting again does not quote twice.
        QCOMPARE(*composeDefault(*written, "PRIME_MODEL_PATH"), path);
        const auto again = setComposeDefault(*written, "PRIME_MODEL_PATH", "/models/other one");
        QVERIFY2(again->find("      --model '${PRIME_MODEL_PATH:-/models/other one}'\n") != std::string::npos, again->c_str());
        // A value that does not split is written as before (no quotes added to the file).
        QCOMPARE(*setComposeDefault(compose, "PRIME_MODEL_PATH", "/models/plain"),
                 replaceAll(compose, "${PRIME_MODEL_PATH:-${MODELS_ROOT:-/models}/old-model}", "${PRIME_MODEL_PATH:-/models/plain}"));
        // Every YAML form of a string command: plain (one line, or continued), single-quoted ('' is
        // one quote there), double-quoted, block; already in shell quotes: kept. List forms and
        // other keys: as they are.
        QCOMPARE(*setComposeDefault("  command: serve --model ${M:-x} --port 1\n", "M", "/a b"), S("  command: serve --model '${M:-/a b}' --port 1\n"));
        QCOMPARE(*setComposeDefault("  command: serve\n    --model ${M:-x}\n", "M", "/a b"), S("  command: serve\n    --model '${M:-/a b}'\n"));
        QCOMPARE(*setComposeDefault("  command: '--model ${M:-x}'\n", "M", "/a b"), S("  command: '--model ''${M:-/a b}'''\n"));
        QCOMPARE(*setComposeDefault("  entrypoint: |\n    vllm serve --model ${M:-x}\n", "M", "/a(b)"),
                 S("  entrypoint: |\n    vllm serve --model '${M:-/a(b)}'\n"));
        QCOMPARE(*setComposeDefault("  command: --model \"${M:-x}\" --x '${M:-y}'\n", "M", "/a b"), S("  command: --model \"${M:-/a b}\" --x '${M:-/a b}'\n"));
        QCOMPARE(*setComposeDefault("  command: [\"--model\", \"${M:-x}\"]\n", "M", "/a b"), S("  command: [\"--model\", \"${M:-/a b}\"]\n"));
        QCOMPARE(*setComposeDefault("  command:\n    - --model\n    - ${M:-x}\n", "M", "/a b"), S("  command:\n    - --model\n    - ${M:-/a b}\n"));
        QCOMPARE(*setComposeDefault("  command:\n  - --model\n  - ${M:-x}\n", "M", "/a b"), S("  command:\n  - --model\n  - ${M:-/a b}\n"));
        QCOMPARE(*setComposeDefault("  environment:\n    M_PATH: ${M:-x}\n", "M", "/a b"), S("  environment:\n    M_PATH: ${M:-/a b}\n"));
        // Where it cannot stay one argument: refused, naming the fix.
        QVERIFY(test::errorMessageOf([] { setComposeDefault("  command: ${M:-x} --port 1\n", "M", "/a b"); }).contains("write that command as a list"));
        QVERIFY(test::errorMessageOf([] { setComposeDefault("  command: --model \"${M:-x}\"\n", "M", "/a\\b c"); }).contains("escapes"));
        // An .env target: only the compose file's quoting (the value is the .env's).
        QCOMPARE(quoteWhereComposeSplits("  command: --model ${M}\n", "M", "/a b"), S("  command: --model '${M}'\n"));
        QCOMPARE(quoteWhereComposeSplits("  command: --model ${M}\n", "M", "/a"), S("  command: --model ${M}\n"));
    }

    void textEdits() {
        // .env: append when missing (keeping CRLF), keep export / quotes / comments.
        QCOMPARE(setEnvValue("A=1\r\n", "B", "x y"), std::string("A=1\r\nB=\"x y\"\r\n"));
        QCOMPARE(setEnvValue("A=1", "A", "2"), std::string("A=2"));
        QCOMPARE(setEnvValue("", "A", "/p"), std::string("A=/p\n"));
        QCOMPARE(setEnvValue("X=1 # note\n", "X", "/m"), std::string("X=/m # note\n"));
        QCOMPARE(*envValue("export X='a b' # c\n", "X"), std::string("a b"));
        QVERIFY(!envValue("XY=1\n", "X"));
        // compose defaults: both forms; names that merely start alike are left alone.
        QCOMPARE(*setComposeDefault("a ${M:-x} b ${M-y} ${MM:-z} ${M}", "M", "/n"), std::string("a ${M:-/n} b ${M-/n} ${MM:-z} ${M}"));
        QVERIFY(!setComposeDefault("${M}", "M", "/n"));
        QVERIFY(test::errorMessageOf([] { setComposeDefault("${M:-x}", "M", "a}b"); }).contains("cannot be written"));
        // " #" / ": " in an unquoted YAML value would start a comment / a mapping: refused there;
        // quoted, or in a | / > block, written.
        for (const char* value : {"/m/tiny #1", "a: b", "ends:"})
            QVERIFY2(test::errorMessageOf([&] { setComposeDefault("command: --model ${M:-x} --port 1\n", "M", value); })
                         .contains("unquoted YAML value"),
                     value);
        // (In a command given as one string, a value with a blank is also shell-quoted: see
        // composeStringCommandsQuoteWhatWouldSplit.)
        QCOMPARE(*setComposeDefault("command: \"--model ${M:-x}\"\n", "M", "/m/tiny #1"), std::string("command: \"--model '${M:-/m/tiny #1}'\"\n"));
        QCOMPARE(*setComposeDefault("command: ['--served', '${M:-x}']\n", "M", "a: b"), std::string("command: ['--served', '${M:-a: b}']\n"));
        QCOMPARE(*setComposeDefault("s:\n  command: >-\n    --model\n      ${M:-x}\n", "M", "a: b #1"),
                 std::string("s:\n  command: >-\n    --model\n      '${M:-a: b #1}'\n"));
        QCOMPARE(*setComposeDefault("command: --model ${M:-x}\n", "M", "/m/a#1:b"), std::string("command: --model ${M:-/m/a#1:b}\n"));
        // YAML: block lists become the scalar; appended keys use the first spelling.
        QCOMPARE(setYamlValue("served_model_name:\n  - a\n  - b\nport: 1\n", {"served-model-name", "served_model_name"}, "m", true),
                 std::string("served_model_name: m\nport: 1\n"));
        QCOMPARE(setYamlValue("port: 1\n", {"max-model-len"}, "64", false), std::string("port: 1\nmax-model-len: 64\n"));
        QCOMPARE(setYamlValue("model: 'old'\n", {"model"}, "/a b", true), std::string("model: '/a b'\n"));
        // Forced awq kernel detection.
        QCOMPARE(forcedAwqKernelLines("a\n  --quantization awq\n# --quantization awq\n--quantization=awq_marlin\n-q awq\nquantization: \"awq\"\n"),
                 (std::vector<int>{2, 5, 6}));
        // Every form the matcher knows (matched by hand since std::regex overflowed on long lines).
        QCOMPARE(forcedAwqKernelLines("--quantization = 'awq'\n--quantizationawq\nVLLM_QUANTIZATION: awq\nQUANTIZATION=awq2\n"
                                      "  - quantization: awq # slow\nquantization: awq extra\nx -q\tawq\nx-q awq\n"),
                 (std::vector<int>{1, 3, 5, 7}));
        // A flag and its value apart: list items on two lines, a shell line continuation, an .env
        // value; the flag's line is named. Comments and a value that is another word are not.
        QCOMPARE(forcedAwqKernelLines("command:\n  - \"--quantization\"\n  - \"awq\"\nvllm serve m \\\n  -q \\\n  awq\n"
                                      "ARGS=--quantization=awq\nARGS2=\"--quantization awq\"\n--quantization # awq\nawq_marlin\n"),
                 (std::vector<int>{2, 5, 7, 8}));
        const auto flags = maxModelLenFlags("command:\n  - --max-model-len\n  - \"${LEN:-4096}\"\ncommand: [\"--max_model_len\", \"8\"]\n"
                                            "X=--max-model-len=9\n# --max-model-len 10\n");
        QCOMPARE(int(flags.size()), 3);
        QCOMPARE(flags[0].line, 2);
        QCOMPARE(flags[0].value, std::string("${LEN:-4096}"));
        QCOMPARE(flags[1].line, 4);
        QCOMPARE(flags[1].value, std::string("8"));
        QCOMPARE(flags[2].line, 5);
        QCOMPARE(flags[2].value, std::string("9"));
        const std::string longLine(300000, 'x');
        QCOMPARE(envValue("export MODEL_PATH=" + longLine + "\n", "MODEL_PATH"), std::optional<std::string>(longLine));
        QCOMPARE(yamlValue("max-model-len:   " + longLine + "\n", {"max-model-len"}), std::optional<std::string>(longLine));
        QVERIFY(forcedAwqKernelLines("quantization: awq " + std::string(300000, ' ') + "# c\n") == std::vector<int>{1});
        // Diff: a hunk with context.
        const std::string d = unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n", "1\n2\n3\n4\nfive\n6\n7\n8\n", "a/f", "b/f");
        QCOMPARE(d, std::string("--- a/f\n+++ b/f\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n"));
        QVERIFY(unifiedDiff("same", "same", "a", "b").empty());
    }

    // README's "Issue codes:" list is the list --json users read: every code the promotion plan emits
    // is in it (variable_unused was missing).
    void readmeListsEveryIssueCode() {
        const std::string source = readText(test::sourceDir() / "core/deploy/promotion_plan.cpp");
        const std::string readme = readText(test::sourceDir() / "README.md");
        const auto listStart = readme.find("Issue codes:");
        QVERIFY(listStart != std::string::npos);
        const std::string list = readme.substr(listStart, readme.find("`target list --json`", listStart) - listStart);
        const std::regex code(R"re((?:addIssue\(p,\s*Issue::Severity::\w+,\s*|\{(?:severity|Issue::Severity::\w+),\s*)"([a-z_]+)")re");
        std::set<std::string> codes;
        for (auto it = std::sregex_iterator(source.begin(), source.end(), code); it != std::sregex_iterator(); ++it) codes.insert((*it)[1]);
        QVERIFY2(codes.size() > 20 && codes.count("variable_unused"), std::to_string(codes.size()).c_str());
        for (const auto& c : codes) QVERIFY2(list.find("`" + c + "`") != std::string::npos, ("README.md's Issue codes lack " + c).c_str());
    }

    // The promotion's diff is what `diff -u` prints, and `git apply` / `patch` take it, also where a
    // file does not end with a newline (a trial: ` OTHER=1` as context, then a mark of our own that
    // `git apply --check` rejected).
    void diffIsWhatDiffUPrints() {
        QTemporaryDir tmp;
        const fs::path dir = tmp.path().toStdString();
        const auto run = [&](const QString& program, const QStringList& args) {
            QProcess p;
            p.setWorkingDirectory(QString::fromStdString(dir.string()));
            p.start(program, args);
            if (!p.waitForFinished(30000)) return std::pair{-1, std::string()};
            return std::pair{p.exitCode(), p.readAllStandardOutput().toStdString() + p.readAllStandardError().toStdString()};
        };
        const std::pair<std::string, std::string> cases[] = {
            {"OTHER=1", "OTHER=1\nPRIME_MODEL_PATH=/m\n"},  // setEnvValue's append
            {"a\nb\nc", "a\nb\nC"},
            {"a\nb\nc\n", "a\nb\nc"},
            {"1\n2\n3\n4\n5\n6\n7\n8\n9", "1\nTWO\n3\n4\n5\n6\n7\n8\n9"},  // the last line outside the hunk
            {"x", "y"},
            {"", "new\n"},
        };
        for (const auto& [before, after] : cases) {
            writeText(dir / "f", before);
            writeText(dir / "g", after);
            const std::string ours = unifiedDiff(before, after, "a/f", "b/f");
            const auto [rc, theirs] = run("diff", {"-u", "--label", "a/f", "--label", "b/f", "f", "g"});
            QCOMPARE(rc, 1);
            QCOMPARE(ours, theirs);
            writeText(dir / "p.diff", ours);
            const auto [applyRc, applyOut] = run("git", {"apply", "--check", "p.diff"});
            QVERIFY2(applyRc == 0, (ours + applyOut).c_str());
            const auto [patchRc, patchOut] = run("patch", {"-p1", "--dry-run", "-i", "p.diff"});
            QVERIFY2(patchRc == 0, (ours + patchOut).c_str());
        }
    }

    // Compose's interpolation grammar, each form with the variable set, empty and unset.
    void composeInterpolationEveryForm() {
        const auto none = variables({});
        const auto vars = variables({{"V", "val"}, {"E", ""}, {"B", "b"}});
        QCOMPARE(interpolateCompose("a $V b ${V}c $V_2", vars), S("a val b valc "));
        QCOMPARE(interpolateCompose("a $V b ${V}c", none), S("a  b c"));
        QCOMPARE(interpolateCompose("${V:-d} ${E:-d} ${U:-d}", vars), S("val d d"));
        QCOMPARE(interpolateCompose("${V-d} ${E-d} ${U-d}", vars), S("val  d"));
        QCOMPARE(interpolateCompose("${V:?need V} [${E?need E}]", vars), S("val []"));
        QString msg = test::errorMessageOf([&] { interpolateCompose("${E:?set E first}", vars); });
        QVERIFY2(msg.contains("required variable E is empty: set E first"), qPrintable(msg));
        msg = test::errorMessageOf([&] { interpolateCompose("${U?no U}", vars); });
        QVERIFY2(msg.contains("required variable U is not set: no U"), qPrintable(msg));
        QCOMPARE(interpolateCompose("${V:+r}|${E:+r}|${U:+r}", vars), S("r||"));
        QCOMPARE(interpolateCompose("${V+r}|${E+r}|${U+r}", vars), S("r|r|"));
        QCOMPARE(interpolateCompose("$$V $${V} costs 5$$ and $", vars), S("$V ${V} costs 5$ and $"));
        // Nesting, as in ../shared/realworld/compose-nested-default.
        QCOMPARE(interpolateCompose("${A:-${B:-x}/y}", none), S("x/y"));
        QCOMPARE(interpolateCompose("${A:-${B:-x}/y}", vars), S("b/y"));
        QCOMPARE(interpolateCompose("${A:-${B:-x}/y}", variables({{"A", "a"}})), S("a"));
        QCOMPARE(interpolateCompose("${V:+${B}-${V:-z}}", vars), S("b-val"));
        QCOMPARE(interpolateCompose("${A:-$${B}}", none), S("${B}"));
        // Offsets of the whole reference, its argument and the references nested in it.
        const std::string text = "--model ${P:-${R:-/models}/old}/x $Q";
        const auto refs = parseComposeReferences(text);
        QCOMPARE(refs.size(), std::size_t(2));
        QCOMPARE(text.substr(refs[0].begin, refs[0].end - refs[0].begin), S("${P:-${R:-/models}/old}"));
        QCOMPARE(text.substr(refs[0].argBegin, refs[0].argEnd - refs[0].argBegin), S("${R:-/models}/old"));
        QCOMPARE(refs[0].form, ComposeReference::Form::DefaultIfUnsetOrEmpty);
        QCOMPARE(refs[0].nested.size(), std::size_t(1));
        QCOMPARE(refs[0].nested[0].name, S("R"));
        QCOMPARE(refs[1].name, S("Q"));
        QVERIFY(!refs[1].braced);
        QCOMPARE(findComposeReferences(text, "R").size(), std::size_t(1));
        // What Compose rejects is not a reference and stays as it is.
        QVERIFY(parseComposeReferences("${V/x} ${1} ${V:-x\n}").empty());
        QCOMPARE(interpolateCompose("${V/x}", vars), S("${V/x}"));
        QCOMPARE(escapeComposeLiteral("/a$b"), S("/a$$b"));
        // Edits replace the whole nested default and write $ as $$.
        QCOMPARE(*setComposeDefault("${M:-${R:-/m}/x} ${M} ${X:-${M:-in}}", "M", "/a$b"), S("${M:-/a$$b} ${M} ${X:-${M:-/a$$b}}"));
        QCOMPARE(*composeDefault("${M:-${R:-/m}/x}", "M"), S("/m/x"));
    }

    // ../shared/realworld/compose-nested-default: the whole nested default is the current model and
    // is what the promotion replaces.
    void nestedComposeDefaultRealworld() {
        World w;
        const fs::path compose = w.root / "nested" / "compose.yaml";
        fs::create_directories(compose.parent_path());
        fs::copy_file(realworld("compose-nested-default") / "compose.yaml", compose);
        makeWritable(compose.parent_path());
        const std::string before = readText(compose);
        QCOMPARE(*composeDefault(before, "PRIME_MODEL_PATH"), S("/models/old-model"));
        QCOMPARE(*composeDefault(before, "PRIME_MODEL"), S("old-model"));
        DeployTarget t;
        t.name = "ct";
        t.composeFile = compose;
        t.gpuMemoryBytes = 24ull << 30;
        DeploySettings s;
        s.targets.push_back(t);
        QCOMPARE(deployedModels(s).at(0).model, fs::path("/models/old-model"));

        const auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        const std::string expected = replaceAll(replaceAll(before, "${PRIME_MODEL_PATH:-${MODELS_ROOT:-/models}/old-model}",
                                                           "${PRIME_MODEL_PATH:-" + w.awq().string() + "}"),
                                                "${PRIME_MODEL:-old-model}", "${PRIME_MODEL:-tinystories-qwen3-7m-awq}");
        QCOMPARE(plan.changes.at(0).after, expected);
        QVERIFY(plan.diff().find("+      --model ${PRIME_MODEL_PATH:-" + w.awq().string() + "}\n") != std::string::npos);
        // The service mounts ${MODELS_ROOT:-/models}, which does not hold the pool: the container cannot see the model.
        const Issue* hidden = findIssue(plan, "model_path_not_in_container");
        QVERIFY2(hidden && hidden->severity == Issue::Severity::Warning && hidden->message.find("/models:/models") != std::string::npos,
                 issueList(plan).c_str());
        applyPromotion(plan, w.state);
        QCOMPARE(deployedModels(s).at(0).model, w.awq());

        // With the project's .env mounting the pool as /models, the container path is written.
        writeText(compose.parent_path() / ".env", "MODELS_ROOT=" + w.pool.string() + "\n");
        const auto mounted = planPromotion(t, w.fp16(), w.options());
        QVERIFY2(!findIssue(mounted, "model_path_not_in_container"), issueList(mounted).c_str());
        QCOMPARE(mounted.serve.model, S("/models/tinystories-qwen3-7m"));
        QVERIFY(mounted.changes.at(0).after.find("--model ${PRIME_MODEL_PATH:-/models/tinystories-qwen3-7m}\n") != std::string::npos);
        applyPromotion(mounted, w.state);
        QCOMPARE(deployedModels(s).at(0).model, w.fp16());
        // A project .env that sets the path variable itself would make the edited default void.
        writeText(compose.parent_path() / ".env", "PRIME_MODEL_PATH=/models/pinned\n");
        const auto overridden = planPromotion(t, w.awq(), w.options());
        const Issue* pinned = findIssue(overridden, "default_overridden");
        QVERIFY2(pinned && pinned->severity == Issue::Severity::Error &&
                     pinned->message.rfind((compose.parent_path() / ".env").string() + " line 1 sets PRIME_MODEL_PATH=/models/pinned, ", 0) == 0,
                 issueList(overridden).c_str());
        // The fix is a command that works as printed: the name is taken, so --replace, and every
        // setting of the target given again (replacing keeps none).
        QCOMPARE(pinned->fix, "give the target that .env file (awqbench-cli target add " + t.name + " --compose " + compose.string() + " --env " +
                                  (compose.parent_path() / ".env").string() + " --gpu-memory 24GiB --replace)");
        QCOMPARE(deployedModels(s).at(0).model, fs::path("/models/pinned"));  // what Compose really serves
        // The current model resolves nested variables with the project's .env, as Compose does.
        QCOMPARE(*composeDefault(before, "PRIME_MODEL_PATH", variables({{"MODELS_ROOT", "/srv/models"}})), S("/srv/models/old-model"));
    }

    void containerPathsFromVolumesAndTarget() {
        QVERIFY((parsePathMapping("/srv/models:/models:ro") == PathMapping{"/srv/models", "/models"}));
        QVERIFY(test::errorMessageOf([] { parsePathMapping("models:/models"); }).contains("HOST:CONTAINER"));
        QVERIFY(test::errorMessageOf([] { parsePathMapping("/srv/models"); }).contains("HOST:CONTAINER"));
        const std::string compose =
            "services:\n"
            "  web:\n"
            "    image: nginx\n"
            "    volumes:\n"
            "      - /srv/www:/usr/share/nginx/html\n"
            "  vllm:\n"
            "    command: --model ${PRIME_MODEL_PATH:-/models/x}\n"
            "    volumes:\n"
            "    - ./cache:/root/.cache/huggingface   # the hub cache\n"
            "    - \"${POOL:-/srv/pool}:/models:ro\"\n"
            "    - named:/data\n"
            "    - type: bind\n"
            "      source: /srv/extra\n"
            "      target: /extra\n"
            "      read_only: true\n"
            "    - type: volume\n"
            "      source: vol\n"
            "      target: /vol\n"
            "volumes:\n"
            "  named: {}\n"
            "  vol: {}\n";
        const std::vector<PathMapping> expected{{"/stack/cache", "/root/.cache/huggingface"}, {"/srv/pool", "/models"}, {"/srv/extra", "/extra"}};
        const auto mounts = composeBindMounts(compose, "/stack", "PRIME_MODEL_PATH");
        QVERIFY(mounts == expected);
        QCOMPARE(composeBindMounts(compose, "/stack", "PRIME_MODEL_PATH", variables({{"POOL", "/data/pool"}})).at(1).host, fs::path("/data/pool"));
        QCOMPARE(composeBindMounts(compose, "/stack", "UNUSED").size(), std::size_t(4));  // no service uses it: all services
        // A mount that needs a variable not known here is skipped, not an error.
        QVERIFY(composeBindMounts(replaceAll(compose, "${POOL:-/srv/pool}", "${POOL:?set POOL}"), "/stack", "PRIME_MODEL_PATH").size() == 2);
        QCOMPARE(*containerPathFor(mounts, "/srv/pool/m"), fs::path("/models/m"));
        QCOMPARE(*containerPathFor(mounts, "/srv/pool"), fs::path("/models"));
        QVERIFY(!containerPathFor(mounts, "/srv/poolx/m"));
        QCOMPARE(*containerPathFor({{"/srv", "/s"}, {"/srv/pool", "/models"}}, "/srv/pool/m"), fs::path("/models/m"));  // the longest wins
        QCOMPARE(*hostPathFor(mounts, "/models/m"), fs::path("/srv/pool/m"));

        // The same mounts in flow style, through an alias and through a merge key (a trial found each
        // read as "no bind mounts" and the host path written into the .env).
        const std::vector<PathMapping> pool{{"/srv/pool", "/models"}};
        const std::string head = "services:\n  vllm:\n    command: --model ${PRIME_MODEL_PATH:-/models/x}\n";
        QVERIFY(composeBindMounts(head + "    volumes: [\"/srv/pool:/models:ro\", named:/data]\n", "/stack", "PRIME_MODEL_PATH") == pool);
        QVERIFY(composeBindMounts(head + "    volumes: [\n      /srv/pool:/models,\n    ]\n", "/stack", "PRIME_MODEL_PATH") == pool);
        QVERIFY(composeBindMounts(head + "    volumes:\n      - {type: bind, source: /srv/pool, target: /models, read_only: true}\n", "/stack",
                                  "PRIME_MODEL_PATH") == pool);
        QVERIFY(composeBindMounts("x-vols: &vols\n  - /srv/pool:/models:ro\n" + head + "    volumes: *vols\n", "/stack", "PRIME_MODEL_PATH") == pool);
        QVERIFY(composeBindMounts("x-base: &base\n  image: vllm\n  volumes:\n    - /srv/pool:/models:ro\n" + head + "    <<: *base\n", "/stack",
                                  "PRIME_MODEL_PATH") == pool);
        QVERIFY(composeBindMounts("x-base: &base\n  volumes: [/srv/pool:/models]\nx-gpu: &gpu\n  runtime: nvidia\n" + head + "    <<: [*gpu, *base]\n",
                                  "/stack", "PRIME_MODEL_PATH") == pool);
        // The service's own volumes win over the merged ones, as YAML's merge key says.
        QVERIFY((composeBindMounts("x-base: &base\n  volumes: [/srv/pool:/models]\n" + head + "    <<: *base\n    volumes: [/srv/own:/own]\n", "/stack",
                                   "PRIME_MODEL_PATH") == std::vector<PathMapping>{{"/srv/own", "/own"}}));

        // A compose service that mounts the pool gets the container path and no warning.
        World w;
        auto t = w.composeTarget(false);
        writeText(t.composeFile, replaceAll(readText(t.composeFile), "/mnt/gaia_warm_pool:/mnt/gaia_warm_pool:ro", w.pool.string() + ":/models:ro"));
        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked() && !findIssue(plan, "model_path_not_in_container"), issueList(plan).c_str());
        QCOMPARE(plan.serve.model, S("/models/tinystories-qwen3-7m-awq"));
        QVERIFY(plan.diff().find("+      --model ${PRIME_MODEL_PATH:-/models/tinystories-qwen3-7m-awq}\n") != std::string::npos);
        QVERIFY(plan.command.rfind("vllm serve /models/tinystories-qwen3-7m-awq ", 0) == 0);
        applyPromotion(plan, w.state);
        DeploySettings s;
        s.targets.push_back(t);
        QCOMPARE(deployedModels(s).at(0).model, w.awq());  // mapped back: the pool knows it is deployed
        QVERIFY(test::errorMessageOf([&] { pool::removeFromPool(w.pool, "tinystories-qwen3-7m-awq", deployedModels(s)); }).contains("deployed"));

        // The fixture's own mount (/mnt/gaia_warm_pool) does not hold the test pool: warned, host path kept.
        plan = planPromotion(w.composeTarget(false), w.awq(), w.options());
        const Issue* hidden = findIssue(plan, "model_path_not_in_container");
        QVERIFY2(hidden && hidden->severity == Issue::Severity::Warning, issueList(plan).c_str());
        QVERIFY(hidden->message.find("/mnt/gaia_warm_pool:/mnt/gaia_warm_pool") != std::string::npos);
        QCOMPARE(plan.serve.model, w.awq().string());

        // The target's own mapping; on a vLLM target too (vLLM in a container).
        auto v = w.vllmTarget();
        QVERIFY(!findIssue(planPromotion(v, w.awq(), w.options()), "model_path_not_in_container"));  // on the host: no mapping
        v.containerPaths = {{w.pool, "/pool"}};
        plan = planPromotion(v, w.awq(), w.options());
        QCOMPARE(plan.serve.model, S("/pool/tinystories-qwen3-7m-awq"));
        QVERIFY(plan.changes.at(0).after.find("\nmodel: /pool/tinystories-qwen3-7m-awq\n") != std::string::npos);
        v.containerPaths = {{"/elsewhere", "/pool"}};
        QVERIFY(findIssue(planPromotion(v, w.awq(), w.options()), "model_path_not_in_container"));
    }

    // ../shared/realworld/awq-gemv-promote: AutoAWQ's GEMV packing, which vLLM cannot load.
    void validationAwqLayout() {
        World w;
        const fs::path gemv = w.pool / "tiny-gemv";
        fs::create_directories(gemv);
        fs::copy(realworld("awq-gemv-promote") / "model", gemv, fs::copy_options::recursive);
        makeWritable(gemv);
        const auto t = w.vllmTarget();
        auto plan = planPromotion(t, gemv, w.options());
        const Issue* layout = findIssue(plan, "awq_layout_unsupported");
        QVERIFY2(layout && layout->severity == Issue::Severity::Error && layout->message.find("\"gemv\"") != std::string::npos,
                 issueList(plan).c_str());
        QVERIFY(plan.blocked());
        // Declared "gemm" but stored in the GEMV packing: the tensor shapes give it away.
        editConfig(gemv, [](nlohmann::json& j) { j["quantization_config"]["version"] = "gemm"; });
        plan = planPromotion(t, gemv, w.options());
        layout = findIssue(plan, "awq_layout_unsupported");
        QVERIFY2(layout && layout->severity == Issue::Severity::Error && layout->message.find("not the GEMM layout") != std::string::npos,
                 issueList(plan).c_str());
        // GEMM tensors under a version vLLM ignores: a warning only.
        editConfig(w.awq(), [](nlohmann::json& j) { j["quantization_config"]["version"] = "exllama"; });
        plan = planPromotion(t, w.awq(), w.options());
        layout = findIssue(plan, "awq_layout_unsupported");
        QVERIFY2(layout && layout->severity == Issue::Severity::Warning && !plan.blocked(), issueList(plan).c_str());
        editConfig(w.awq(), [](nlohmann::json& j) { j["quantization_config"]["version"] = "gemm"; });
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "awq_layout_unsupported"));
    }

    // ../shared/realworld/tied-lm-head-only: tied embeddings stored only as lm_head.weight, which
    // vLLM skips for tied models.
    void validationTiedEmbeddingsWhereVllmLooks() {
        World w;
        copyModel("tinystories-656k", w.pool / "ts-656k");
        auto t = w.vllmTarget();
        writeText(t.vllmConfig, "model: /models/old\n");
        const auto plan = planPromotion(t, w.pool / "ts-656k", w.options());
        const Issue* tied = findIssue(plan, "tied_embeddings_missing");
        QVERIFY2(tied && tied->severity == Issue::Severity::Error, issueList(plan).c_str());
        QVERIFY(tied->message.find("only as lm_head.weight") != std::string::npos && tied->fix.find("model.embed_tokens.weight") != std::string::npos);
        QVERIFY(plan.blocked());
        QVERIFY(!findIssue(planPromotion(t, w.awq(), w.options()), "tied_embeddings_missing"));  // stored as the embedding
    }

    // ../shared/realworld/rope-yarn: vLLM's _get_and_verify_max_len makes the context of a yarn model
    // factor x original_max_position_embeddings (4 x 256), not max_position_embeddings (256); linear
    // and dynamic scale max_position_embeddings; llama3 and longrope keep it.
    void maxModelLenFollowsVllmRopeScaling() {
        World w;
        copyModel("qwen2-random", w.pool / "yarn");
        fs::copy_file(realworld("rope-yarn") / "config.json", w.pool / "yarn" / "config.json", fs::copy_options::overwrite_existing);
        auto t = w.vllmTarget();
        writeText(t.vllmConfig, "model: /models/old\nserved-model-name: old\n");  // no AWQ flag: the model is bf16
        auto plan = planPromotion(t, w.pool / "yarn", w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.serve.maxModelLen, 1024);
        QVERIFY(plan.changes.at(0).after.find("max-model-len: 1024\n") != std::string::npos);

        editConfig(w.pool / "yarn", [](nlohmann::json& j) { j["rope_scaling"] = {{"type", "dynamic"}, {"factor", 2.0}}; });
        QCOMPARE(planPromotion(t, w.pool / "yarn", w.options()).serve.maxModelLen, 512);
        editConfig(w.pool / "yarn", [](nlohmann::json& j) {
            j["rope_scaling"] = {{"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0},
                                 {"original_max_position_embeddings", 64}};
        });
        QCOMPARE(planPromotion(t, w.pool / "yarn", w.options()).serve.maxModelLen, 256);
    }

    // A target's max-model-len past the model's context (max_position_embeddings 1024) is cut to it
    // with a warning naming both numbers and the model's config.json: vLLM refuses to start with it.
    void maxModelLenPastTheModelsContextIsCut() {
        World w;
        auto t = w.vllmTarget();
        t.maxModelLen = 65536;
        auto plan = planPromotion(t, w.awq(), w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.serve.maxModelLen, 1024);
        QVERIFY(plan.changes[0].after.find("max-model-len: 1024\n") != std::string::npos);
        const Issue* cut = findIssue(plan, "max_model_len_cut");
        QVERIFY2(cut && cut->severity == Issue::Severity::Warning, issueList(plan).c_str());
        QCOMPARE(cut->message, "max-model-len cut to 1024 tokens: the target asks for 65536, longer than tinystories-qwen3-7m-awq's context of 1024 tokens (" +
                                   (w.awq() / "config.json").string() + ": max_position_embeddings 1024), which vLLM refuses to exceed");
        QVERIFY(cut->fix.find("--max-model-len 1024") != std::string::npos);
        // Within the context: written as asked, no warning.
        t.maxModelLen = 512;
        plan = planPromotion(t, w.awq(), w.options());
        QCOMPARE(plan.serve.maxModelLen, 512);
        QVERIFY2(!findIssue(plan, "max_model_len_cut"), issueList(plan).c_str());
    }

    // A pool copy changed since `pool add` is refused, naming the file and the fix (a trial promoted
    // a copy `pool verify` called FAILED); a refused plan has no command line to show (it printed
    // the refused values). A folder put into the pool by hand has nothing to check against: a warning.
    void changedPoolCopyIsRefused() {
        World w;
        pool::AddOptions named;
        named.name = "added";
        pool::addToPool(w.pool, test::modelDir("tinystories-qwen3-7m-awq"), named);
        const auto t = w.vllmTarget();
        const auto clean = planPromotion(t, w.pool / "added", w.options());
        QVERIFY2(!clean.blocked() && !findIssue(clean, "pool_copy_unverified"), issueList(clean).c_str());

        const fs::path weights = w.pool / "added" / "model.safetensors";
        {
            std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
            f.seekp(4096);
            f.put('\x55');
        }
        fs::last_write_time(weights, fs::last_write_time(w.pool / "added" / pool::kManifestName) + std::chrono::seconds(5));
        const auto plan = planPromotion(t, w.pool / "added", w.options());
        const Issue* changed = findIssue(plan, "pool_copy_changed");
        QVERIFY2(changed && plan.blocked(), issueList(plan).c_str());
        QCOMPARE(changed->message, (w.pool / "added").string() +
                                       ": the pool copy is not what was added: changed: model.safetensors (SHA-256 differs from the manifest)");
        // The fix works while the copy is deployed (pool remove refuses that): a fresh copy under
        // another name, promoted, then this one removed.
        QVERIFY2(changed->fix.find("there is no repair") != std::string::npos && changed->fix.find("--name added-2`), promote that copy") != std::string::npos &&
                     changed->fix.find("then remove this one (`awqbench-cli pool remove added --yes`)") != std::string::npos,
                 changed->fix.c_str());
        QVERIFY(plan.command.empty());

        const auto byHand = planPromotion(t, w.awq(), w.options());
        const Issue* unverified = findIssue(byHand, "pool_copy_unverified");
        QVERIFY2(unverified && !byHand.blocked(), issueList(byHand).c_str());
    }

    // A byte flipped in place with the file's time put back passes the cheap check (same size, same
    // time): only `pool verify`'s hashes see it. A trial promoted such a copy although the verify
    // said FAILED; its recorded failure now refuses the promotion until a verify passes again.
    void copyWhoseLastVerifyFailedIsRefused() {
        World w;
        pool::AddOptions named;
        named.name = "flipped";
        pool::addToPool(w.pool, test::modelDir("tinystories-qwen3-7m-awq"), named);
        const fs::path weights = w.pool / "flipped" / "model.safetensors";
        const auto time = fs::last_write_time(weights);
        const auto flip = [&] {
            std::fstream f(weights, std::ios::in | std::ios::out | std::ios::binary);
            f.seekg(4096);
            const char c = char(f.get());
            f.seekp(4096);
            f.put(char(c ^ 0x55));
        };
        flip();
        fs::last_write_time(weights, time);
        QVERIFY(!pool::verifyPoolModel(w.pool, "flipped").ok);
        const auto t = w.vllmTarget();
        const auto plan = planPromotion(t, w.pool / "flipped", w.options());
        const Issue* changed = findIssue(plan, "pool_copy_changed");
        QVERIFY2(changed && plan.blocked(), issueList(plan).c_str());
        QVERIFY2(changed->message.starts_with((w.pool / "flipped").string() + ": the last `pool verify` (") &&
                     changed->message.ends_with(") FAILED: changed: model.safetensors (SHA-256 differs from the manifest)"),
                 changed->message.c_str());
        QVERIFY2(changed->fix.starts_with("if the file was put back, run `awqbench-cli pool verify flipped` again (a pass clears this); otherwise "
                                          "there is no repair: add the model again under another name"),
                 changed->fix.c_str());
        // The byte put back and verified again: promotable.
        flip();
        fs::last_write_time(weights, time);
        QVERIFY(pool::verifyPoolModel(w.pool, "flipped").ok);
        const auto again = planPromotion(t, w.pool / "flipped", w.options());
        QVERIFY2(!again.blocked(), issueList(again).c_str());
    }

    // An unreadable model: the issue's message names the file and the problem, its fix comes once
    // (the CLI prints "message (fix)"), and there is no serve command to show.
    void unreadableModelIssueStatesTheFixOnce() {
        World w;
        fs::create_directories(w.pool / "no-config");
        const auto plan = planPromotion(w.vllmTarget(), w.pool / "no-config", w.options());
        const Issue* unreadable = findIssue(plan, "model_unreadable");
        QVERIFY2(unreadable, issueList(plan).c_str());
        QCOMPARE(unreadable->message, (w.pool / "no-config").string() + ": missing config.json");
        QCOMPARE(unreadable->fix, std::string("copy the model's config.json from its source (Hugging Face repo) into the folder"));
        QVERIFY(plan.blocked());
        QVERIFY(plan.command.empty());
    }

    // A model added from a Hugging Face hub cache is served as ORG/NAME, as vLLM names a hub model.
    void hubModelIsServedUnderItsRepositoryId() {
        World w;
        const fs::path snapshot = test::makeHubCacheSnapshot("tinystories-qwen3-7m-awq", w.root / "hub", "TinyOrg", "Qwen3-7M-AWQ");
        const auto added = pool::addToPool(w.pool, snapshot);
        QCOMPARE(added.entry.name, S("TinyOrg--Qwen3-7M-AWQ"));
        auto plan = planPromotion(w.vllmTarget(), added.entry.folder, w.options());
        QVERIFY2(!plan.blocked(), issueList(plan).c_str());
        QCOMPARE(plan.serve.servedModelName, S("TinyOrg/Qwen3-7M-AWQ"));
        QVERIFY(plan.changes.at(0).after.find("\nserved-model-name: TinyOrg/Qwen3-7M-AWQ   # what clients ask for\n") != std::string::npos);
        plan = planPromotion(w.composeTarget(false), added.entry.folder, w.options());
        QVERIFY(plan.changes.at(0).after.find("--served-model-name ${PRIME_MODEL:-TinyOrg/Qwen3-7M-AWQ}\n") != std::string::npos);
    }

    // deploy.format1.json is a deploy.json as awqbench wrote it before "format": 2 (the realworld_deploy
    // test's, written by `target add vt --vllm-config serve.yaml --gpus 1 --gpu-memory 24GiB` at
    // 496c582, paths as they were): it stored 0.9 for the --gpu-util nobody passed. That 0.9 reads as
    // not set, so a vLLM config's own 0.85 is kept (it was replaced by 0.9 with a setting_replaced
    // warning the user could not explain), and the plan says why.
    void firstFormatDefaultGpuUtilIsNotSet() {
        World w;
        const std::string oldRoot = "/work/ci4/build/tests/cli/realworld-deploy";
        const fs::path file = w.root / "deploy.json";
        writeText(file, replaceAll(readText(fixture("deploy.format1.json")), oldRoot, w.root.string()));
        const auto settings = loadSettings(file);
        const DeployTarget* vt = settings.find("vt");
        QVERIFY(vt && settings.find("ct"));
        QCOMPARE(vt->gpuMemoryUtilization, 0.0);
        QVERIFY(vt->gpuMemoryUtilizationWasOldDefault);
        QCOMPARE(vt->vllmConfig, w.root / "serve.yaml");

        writeText(vt->vllmConfig, "model: /models/old\ngpu-memory-utilization: 0.85\n");
        const auto plan = planPromotion(*vt, w.awq(), w.options());
        QVERIFY2(!plan.blocked() && !findIssue(plan, "setting_replaced"), issueList(plan).c_str());
        QCOMPARE(plan.serve.gpuMemoryUtilization, 0.85);
        QCOMPARE(plan.notes.size(), std::size_t(1));
        QVERIFY2(plan.notes.at(0).find("store gpu_memory_utilization 0.9 for target vt") != std::string::npos &&
                     plan.notes.at(0).find("'s own 0.85 is kept (to write 0.9, set it: awqbench-cli target add vt --vllm-config " +
                                           vt->vllmConfig.string() + " --gpus 1 --gpu-memory 24GiB --gpu-util 0.9 --replace)") != std::string::npos,
                 plan.notes.at(0).c_str());
        // Where it changes nothing (the config has no value of its own, or 0.9 itself), no note.
        writeText(vt->vllmConfig, "model: /models/old\n");
        QVERIFY(planPromotion(*vt, w.awq(), w.options()).notes.empty());
        writeText(vt->vllmConfig, "gpu-memory-utilization: 0.90\n");
        QVERIFY(planPromotion(*vt, w.awq(), w.options()).notes.empty());

        // Saved again: format 2, the target not set. A 0.9 the user sets now is a choice: it stays
        // set through a save and replaces the config's own value.
        auto upgraded = settings;
        saveSettings(file, upgraded);
        QVERIFY(readText(file).find("\"format\": 2") != std::string::npos);
        const auto again = loadSettings(file);
        QCOMPARE(again.find("vt")->gpuMemoryUtilization, 0.0);
        QVERIFY(!again.find("vt")->gpuMemoryUtilizationWasOldDefault);
        DeployTarget chosen = *again.find("vt");
        chosen.gpuMemoryUtilization = 0.9;
        upsertTarget(upgraded, chosen);
        saveSettings(file, upgraded);
        const auto reloaded = loadSettings(file);
        const DeployTarget* set = reloaded.find("vt");
        QCOMPARE(set->gpuMemoryUtilization, 0.9);
        QVERIFY(!set->gpuMemoryUtilizationWasOldDefault);
        writeText(set->vllmConfig, "gpu-memory-utilization: 0.85\n");
        const auto replaced = planPromotion(*set, w.awq(), w.options());
        QCOMPARE(replaced.serve.gpuMemoryUtilization, 0.9);
        QVERIFY(replaced.notes.empty() && findIssue(replaced, "setting_replaced"));

        // A first-format value other than the old default was passed with --gpu-util: still set.
        writeText(file, replaceAll(replaceAll(readText(fixture("deploy.format1.json")), oldRoot, w.root.string()),
                                   "\"gpu_memory_utilization\": 0.9,", "\"gpu_memory_utilization\": 0.8,"));
        QCOMPARE(loadSettings(file).find("vt")->gpuMemoryUtilization, 0.8);
        QVERIFY(!loadSettings(file).find("vt")->gpuMemoryUtilizationWasOldDefault);
    }

    void settingsRoundTrip() {
        QTemporaryDir tmp;
        const fs::path file = fs::path(tmp.path().toStdString()) / "cfg" / "deploy.json";
        QVERIFY(loadSettings(file).targets.empty());
        DeploySettings s;
        s.pool = "/pool";
        s.poolBudgetBytes = 50ull << 30;
        DeployTarget t;
        t.name = "prime";
        t.composeFile = "/stack/docker-compose.yml";
        t.envFile = "/stack/.env";
        t.pathVariable = "MODEL_DIR";
        t.gpuCount = 2;
        t.gpuMemoryBytes = 16ull << 30;
        t.containerPaths = {{"/srv/models", "/models"}};
        upsertTarget(s, t);
        t.gpuCount = 4;
        upsertTarget(s, t);  // same name: replaced
        saveSettings(file, s);
        const auto back = loadSettings(file);
        QCOMPARE(back.pool, fs::path("/pool"));
        QCOMPARE(back.poolBudgetBytes, 50ull << 30);
        QCOMPARE(back.targets.size(), std::size_t(1));
        QCOMPARE(back.find("prime")->gpuCount, 4);
        QCOMPARE(back.find("prime")->pathVariable, std::string("MODEL_DIR"));
        QCOMPARE(back.find("prime")->envFile, fs::path("/stack/.env"));
        QVERIFY((back.find("prime")->containerPaths == std::vector<PathMapping>{{"/srv/models", "/models"}}));
        QVERIFY(targetJsonText(*back.find("prime")).find(R"("container_paths":[{"container":"/models","host":"/srv/models"}])") != std::string::npos);
        auto relative = t;
        relative.containerPaths = {{"models", "/models"}};
        QVERIFY(test::errorMessageOf([&] { upsertTarget(s, relative); }).contains("absolute"));

        t.name = "bad name";
        QVERIFY(test::errorMessageOf([&] { upsertTarget(s, t); }).contains("not a usable target name"));
        t.name = "v";
        t.kind = TargetKind::Vllm;
        QVERIFY(test::errorMessageOf([&] { upsertTarget(s, t); }).contains("config file"));
        t.vllmConfig = "/stack/serve.yaml";
        // A GPU memory no GPU has (24 bytes: `--gpu-memory 24` before units were required) is refused
        // for every way a target is saved (the dialog, a hand-edited deploy.json), not only the CLI flag.
        t.gpuMemoryBytes = 24;
        QVERIFY(test::errorMessageOf([&] { upsertTarget(s, t); }).contains("GPU memory of 24 B per GPU is not plausible"));
        t.gpuMemoryBytes = 24ull << 30;
        writeText(file, "{ nope");
        QVERIFY(test::errorMessageOf([&] { loadSettings(file); }).contains("deploy.json"));
    }
};

QTEST_GUILESS_MAIN(TestDeploy)
#include "test_deploy.moc"
