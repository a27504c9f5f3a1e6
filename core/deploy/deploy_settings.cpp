#include "core/deploy/deploy_settings.h"

#include "core/util/atomic_file.h"
#include "core/util/byte_size.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>

namespace awq::deploy {
namespace fs = std::filesystem;
using json = nlohmann::json;

std::string targetKindName(TargetKind k) { return k == TargetKind::Compose ? "compose" : "vllm"; }

TargetKind parseTargetKind(const std::string& s) {
    if (s == "compose") return TargetKind::Compose;
    if (s == "vllm") return TargetKind::Vllm;
    throw Error("unknown target kind '" + s + "'", {}, "use compose or vllm");
}

const DeployTarget* DeploySettings::find(const std::string& name) const {
    for (const auto& t : targets)
        if (t.name == name) return &t;
    return nullptr;
}

fs::path defaultSettingsFile() {
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg) return fs::path(xdg) / "awqbench" / "deploy.json";
    const char* home = std::getenv("HOME");
    return fs::path(home && *home ? home : ".") / ".config" / "awqbench" / "deploy.json";
}

fs::path stateDirFor(const fs::path& settingsFile) { return settingsFile.parent_path() / "deploy-state"; }

namespace {

json targetToJson(const DeployTarget& t) {
    json j = {{"name", t.name}, {"kind", targetKindName(t.kind)}};
    if (t.kind == TargetKind::Compose) {
        j["compose_file"] = t.composeFile.string();
        j["env_file"] = t.envFile.string();
        j["path_variable"] = t.pathVariable;
        j["name_variable"] = t.nameVariable;
    } else {
        j["vllm_config"] = t.vllmConfig.string();
        j["command_file"] = t.commandFile.string();
    }
    json mappings = json::array();
    for (const auto& m : t.containerPaths) mappings.push_back({{"host", m.host.string()}, {"container", m.container.string()}});
    j["container_paths"] = mappings;
    j["gpu_count"] = t.gpuCount;
    j["gpu_memory_bytes"] = t.gpuMemoryBytes;
    j["gpu_memory_utilization"] = t.gpuMemoryUtilization;
    j["tensor_parallel_size"] = t.tensorParallelSize;
    j["max_model_len"] = t.maxModelLen;
    j["paired_model"] = t.pairedModel.string();
    return j;
}

DeployTarget targetFromJson(const json& j, int format) {
    DeployTarget t;
    t.name = j.at("name").get<std::string>();
    t.kind = parseTargetKind(j.value("kind", std::string("compose")));
    t.composeFile = j.value("compose_file", std::string());
    t.envFile = j.value("env_file", std::string());
    t.pathVariable = j.value("path_variable", t.pathVariable);
    t.nameVariable = j.value("name_variable", t.nameVariable);
    t.vllmConfig = j.value("vllm_config", std::string());
    t.commandFile = j.value("command_file", std::string());
    if (const auto m = j.find("container_paths"); m != j.end() && m->is_array())
        for (const auto& e : *m) t.containerPaths.push_back({e.at("host").get<std::string>(), e.at("container").get<std::string>()});
    t.gpuCount = j.value("gpu_count", 0);
    t.gpuMemoryBytes = j.value("gpu_memory_bytes", std::uint64_t(0));
    t.gpuMemoryUtilization = j.value("gpu_memory_utilization", 0.0);
    if (format < 2 && t.gpuMemoryUtilization == kOldDefaultGpuMemoryUtilization) {  // the first format's default, not a choice
        t.gpuMemoryUtilization = 0;
        t.gpuMemoryUtilizationWasOldDefault = true;
    }
    t.tensorParallelSize = j.value("tensor_parallel_size", 0);
    t.maxModelLen = j.value("max_model_len", 0);
    t.pairedModel = j.value("paired_model", std::string());
    return t;
}

bool validVariableName(const std::string& v) {
    static const std::regex re("[A-Za-z_][A-Za-z0-9_]*");
    return std::regex_match(v, re);
}

}  // namespace

DeploySettings loadSettings(const fs::path& file) {
    DeploySettings s;
    std::error_code ec;
    if (!fs::exists(file, ec)) return s;
    if (fs::file_size(file, ec) > (4u << 20)) throw Error("the deployment settings file is too large", file, "check the file");
    try {
        const json doc = readJsonFile({file, "fix the JSON or delete the file to start over"}, 4u << 20);
        s.pool = doc.value("pool", std::string());
        s.poolBudgetBytes = doc.value("pool_budget_bytes", std::uint64_t(0));
        const int format = doc.value("format", 1);  // no "format": the first one
        if (doc.contains("targets"))
            for (const auto& t : doc.at("targets")) s.targets.push_back(targetFromJson(t, format));
    } catch (const Error& e) {
        throw Error(e.problem(), file, e.fix());
    } catch (const std::exception& e) {
        throw Error(std::string("unreadable deployment settings: ") + e.what(), file, "fix the JSON or delete the file to start over");
    }
    return s;
}

void saveSettings(const fs::path& file, const DeploySettings& s) {
    json targets = json::array();
    for (const auto& t : s.targets) targets.push_back(targetToJson(t));
    const json doc = {{"format", kSettingsFormat}, {"pool", s.pool.string()}, {"pool_budget_bytes", s.poolBudgetBytes}, {"targets", targets}};
    std::error_code ec;
    fs::create_directories(file.parent_path(), ec);
    writeFileAtomically(file, jsonText(doc, 2) + "\n");
}

void checkTarget(const DeployTarget& t) {
    static const std::regex nameRe("[A-Za-z0-9][A-Za-z0-9._-]*");
    if (!std::regex_match(t.name, nameRe))
        throw Error("'" + t.name + "' is not a usable target name", {}, "use letters, digits, '.', '_' and '-'");
    if (t.kind == TargetKind::Compose) {
        if (t.composeFile.empty()) throw Error("a compose target needs its compose file", {}, "pass --compose docker-compose.yml");
        if (!validVariableName(t.pathVariable) || !validVariableName(t.nameVariable))
            throw Error("variable names must be letters, digits and '_'", {}, "e.g. PRIME_MODEL_PATH");
    } else if (t.vllmConfig.empty()) {
        throw Error("a vLLM target needs its config file", {}, "pass --vllm-config serve.yaml");
    }
    for (const auto& m : t.containerPaths)
        if (!m.host.is_absolute() || !m.container.is_absolute())
            throw Error("container path mapping " + m.host.string() + ":" + m.container.string() + " is not two absolute paths", {},
                        "write it as HOST:CONTAINER, e.g. --container-path /srv/models:/models");
    if (t.gpuCount < 0 || t.gpuCount > 1024) throw Error("the GPU count must be between 1 and 1024, or 0 for not set", {}, "pass --gpus N");
    if (t.gpuMemoryUtilization != 0 && (t.gpuMemoryUtilization <= 0.05 || t.gpuMemoryUtilization > 1.0))
        throw Error("GPU memory utilization must be in (0.05, 1], or 0 for the config's own", {}, "vLLM's default is 0.9");
    if (t.tensorParallelSize < 0 || t.maxModelLen < 0) throw Error("sizes must not be negative", {}, "use 0 for automatic");
    // The same range `target add --gpu-memory` accepts, for the dialog and a hand-edited deploy.json.
    if (const auto rule = gpuMemoryRule("GPU memory"); t.gpuMemoryBytes && (t.gpuMemoryBytes < rule.least || t.gpuMemoryBytes > rule.most))
        throw Error("GPU memory of " + format::bytes(t.gpuMemoryBytes) + " per GPU is not plausible (" + format::bytes(rule.least) +
                        " to " + format::bytes(rule.most) + ")",
                    {}, "give the memory of one GPU, e.g. --gpu-memory 24GiB, or 0 to detect it");
}

std::vector<fs::path> managedFiles(const DeployTarget& t) {
    std::vector<fs::path> files;
    for (const auto& f : t.kind == TargetKind::Compose ? std::vector{t.composeFile, t.envFile} : std::vector{t.vllmConfig, t.commandFile})
        if (!f.empty()) files.push_back(f);
    return files;
}

void upsertTarget(DeploySettings& s, DeployTarget target) {
    checkTarget(target);
    for (auto& t : s.targets)
        if (t.name == target.name) {
            t = std::move(target);
            return;
        }
    s.targets.push_back(std::move(target));
}

bool removeTarget(DeploySettings& s, const std::string& name) {
    const auto before = s.targets.size();
    std::erase_if(s.targets, [&](const DeployTarget& t) { return t.name == name; });
    return s.targets.size() != before;
}

std::string targetJsonText(const DeployTarget& target) { return jsonText(targetToJson(target)); }

}  // namespace awq::deploy
