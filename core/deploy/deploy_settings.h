#pragma once
// Deployment targets the user configures, and the warm pool they promote from. Stored as JSON in
// $XDG_CONFIG_HOME/awqbench/deploy.json (default ~/.config/awqbench/deploy.json); promotion
// backups and the history live in the folder "deploy-state" beside that file.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace awq::deploy {

enum class TargetKind { Compose, Vllm };

// A host folder as a container sees it (a bind mount: `- /srv/models:/models` in compose).
struct PathMapping {
    std::filesystem::path host;
    std::filesystem::path container;
    bool operator==(const PathMapping&) const = default;
};
std::string targetKindName(TargetKind k);          // "compose", "vllm"
TargetKind parseTargetKind(const std::string& s);  // throws awq::Error

struct DeployTarget {
    std::string name;
    TargetKind kind = TargetKind::Compose;

    // Compose: the variables live in `envFile` when one is set, else as ${VAR:-default} defaults in
    // `composeFile`. The compose file is always read to check for a forced `awq` kernel.
    std::filesystem::path composeFile;
    std::filesystem::path envFile;
    std::string pathVariable = "PRIME_MODEL_PATH";
    std::string nameVariable = "PRIME_MODEL";

    // vLLM: a `vllm serve --config` YAML file; the equivalent command line is shown with each
    // promotion and, when `commandFile` is set, written there as a shell script.
    std::filesystem::path vllmConfig;
    std::filesystem::path commandFile;

    // Where vLLM runs in a container: how host folders appear inside it. Empty = for a compose
    // target, the bind mounts of its compose file (core/deploy/container_paths.h); for a vLLM
    // target, no container (host paths are written as they are).
    std::vector<PathMapping> containerPaths;

    // What the serving machine has (0 = detect here / the model's own limit). A value set here is
    // written into the target's files at each promotion; one left at 0 leaves a vLLM config's own.
    // 0 = not set (`--gpus` not given): a vLLM config's own tensor-parallel size is kept, else 1 GPU.
    int gpuCount = 0;
    std::uint64_t gpuMemoryBytes = 0;              // per GPU; 0 = detect here
    // vLLM's --gpu-memory-utilization; 0 = not set: a vLLM config keeps its own, else 0.9 (vLLM's default).
    double gpuMemoryUtilization = 0;
    // Read from a deploy.json of the first format (no "format" key), which stored 0.9 for every
    // target that did not pass --gpu-util: such a 0.9 is that old default, not the user's choice, so
    // it loads as not set (gpuMemoryUtilization 0) with this flag on (promotion plans say so). Not
    // saved: the next save writes the target as not set.
    bool gpuMemoryUtilizationWasOldDefault = false;
    int tensorParallelSize = 0;                    // 0 = smallest that divides the heads and fits
    int maxModelLen = 0;                           // 0 = the model's context, cut to what fits

    // The FP16 model this deployment's AWQ model must come from (LoRA adapters / probes trained on
    // it); empty = no pairing check.
    std::filesystem::path pairedModel;
};

struct DeploySettings {
    std::filesystem::path pool;                    // the warm pool
    std::uint64_t poolBudgetBytes = 0;             // 0 = no budget
    std::vector<DeployTarget> targets;

    const DeployTarget* find(const std::string& name) const;
};

std::filesystem::path defaultSettingsFile();
// The backups / history folder for a settings file.
std::filesystem::path stateDirFor(const std::filesystem::path& settingsFile);

// The deploy.json format saveSettings writes ("format": 2). Format 2 stores a target's
// gpu_memory_utilization only as the user set it (0 = not set); the first format (no "format" key)
// stored 0.9 when the user set none (see DeployTarget::gpuMemoryUtilizationWasOldDefault).
inline constexpr int kSettingsFormat = 2;
inline constexpr double kOldDefaultGpuMemoryUtilization = 0.9;

// A missing file gives empty settings; malformed JSON throws awq::Error naming the file.
DeploySettings loadSettings(const std::filesystem::path& file);
void saveSettings(const std::filesystem::path& file, const DeploySettings& settings);  // atomic, format kSettingsFormat
// One target as the JSON object the settings file stores (for `target list --json`).
std::string targetJsonText(const DeployTarget& target);

// Checks a target before it is saved (name, files set for its kind, variable names, GPU settings in
// plausible ranges: a GPU memory outside awq::gpuMemoryRule's). Throws awq::Error.
void checkTarget(const DeployTarget& target);
// The files a target's promotions may write: compose file and .env, or vLLM config and command
// file (those set).
std::vector<std::filesystem::path> managedFiles(const DeployTarget& target);
// Adds or replaces (same name) a target.
void upsertTarget(DeploySettings& settings, DeployTarget target);
bool removeTarget(DeploySettings& settings, const std::string& name);

}  // namespace awq::deploy
