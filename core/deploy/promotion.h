#pragma once
// Promotion: point a deployment target at a warm-pool model. planPromotion() validates and computes
// every file's new text (nothing written: the diff is the preview; a vLLM config keeps the settings
// its owner chose unless the target sets them or the model cannot run with them); applyPromotion()
// backs each file up, writes atomically, and logs the promotion; undoLastPromotion() restores the backups.
#include "core/deploy/deploy_settings.h"
#include "core/pool/warm_pool.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace awq::deploy {

// What vLLM is told (config keys and flags have the same long names).
struct ServeSettings {
    std::string model;                  // the pool copy's path as vLLM opens it (inside the container for
                                        // compose targets and targets with container paths)
    std::string servedModelName;        // the folder name, or ORG/NAME for a model added from a hub cache
    std::string dtype;                  // "float16", "bfloat16", "float32", "auto"
    int maxModelLen = 0;
    double gpuMemoryUtilization = 0.90;
    int tensorParallelSize = 1;
};
// `vllm serve MODEL --served-model-name ... --tensor-parallel-size N` (no --quantization: vLLM
// detects AWQ from the model's config and picks awq_marlin where it can): a compose target's
// equivalent command line (its own other flags stay in the compose file).
std::string vllmCommandLine(const ServeSettings& s);
// The four settings a promotion computes, as it writes them: "dtype", "max-model-len",
// "gpu-memory-utilization", "tensor-parallel-size" -> value.
std::map<std::string, std::string> vllmSettingValues(const ServeSettings& s);

struct Issue {
    enum class Severity { Error, Warning };
    Severity severity = Severity::Error;
    // Stable codes (tests and --json): outside_pool, pool_copy_changed, pool_copy_unverified, model_unreadable, awq_flag_without_quantization_config,
    // forced_awq_kernel, marlin_unsupported, awq_layout_unsupported, tied_embeddings_missing,
    // model_path_not_in_container, default_overridden, source_fingerprint_mismatch, pairing_unchecked,
    // tensor_parallel_heads, tensor_parallel_awq_groups, tensor_parallel_fit, fit_unknown, max_model_len_cut, max_model_len_too_long, target_file_missing,
    // no_default, variable_unused, value_not_writable, quantization_removed, setting_replaced, served_names_dropped, config_not_in_container.
    std::string code;
    std::string message;
    std::string fix;
};

struct FileChange {
    std::filesystem::path file;
    bool existed = false;
    std::string before;
    std::string after;
    std::string diff;                   // unified diff before -> after
};

// A vLLM config setting the promotion left as the file has it: its owner chose it (see
// core/deploy/hand_set_settings.h), the target does not set it and the model runs with it.
struct KeptSetting {
    std::string key;                    // "dtype", "max-model-len", "gpu-memory-utilization", "tensor-parallel-size"
    std::string value;
};

struct PromotionPlan {
    std::string target;
    TargetKind kind = TargetKind::Compose;
    std::filesystem::path model;
    ServeSettings serve;
    // The equivalent `vllm serve` line; empty when blocked. A vLLM target's is `vllm serve --config
    // FILE`: vLLM reads every key of its YAML itself (port, prefix caching, ...), which no list of
    // flags rebuilt here could match across vLLM versions (false booleans, nested configs).
    std::string command;
    std::vector<FileChange> changes;    // only files whose text changes; empty when blocked (nothing is written)
    std::vector<Issue> issues;
    std::vector<KeptSetting> kept;      // vLLM targets: the file's own settings kept (shown with the plan)
    // What the plan assumed that the user may not expect, shown with it (nothing to fix): e.g. a
    // target's gpu_memory_utilization 0.9 from a first-format deploy.json taken as not set, where
    // that keeps another value of the vLLM config.
    std::vector<std::string> notes;

    bool blocked() const;               // any Error issue
    std::string diff() const;           // all files' diffs
};

struct PlanOptions {
    std::filesystem::path pool;                 // the warm pool (required: models come from there)
    std::uint64_t detectedGpuMemoryBytes = 0;   // used when the target does not say (0 = unknown)
    // The promotion history (stateDirFor(settings file)): tells a vLLM config's values that the last
    // promotion computed (they follow the new model) from those its owner chose (kept). Empty: every
    // value in the file counts as chosen.
    std::filesystem::path stateDir;
};

PromotionPlan planPromotion(const DeployTarget& target, const std::filesystem::path& model, const PlanOptions& options);

// What a target's own files say about its promotions before any is planned (checked when it is
// added, so that a setup no promotion can work with is told then, not at the first promote; a
// compose plan carries the same issues). A compose target without an .env file whose compose file
// never uses the path variable (variable_unused) or has no ${VAR:-...} default of it (no_default):
// Error, promoting would not change the model it serves; the name variable likewise, as Warnings
// (the served name stays). With an .env file, a variable the compose file never uses is the same
// Error (Warning for the name) unless a service lists that .env under `env_file:`, where a program in
// the container may read it (a Warning): otherwise nothing reads the value. A vLLM target: none. Throws awq::Error when the compose
// file cannot be read (bounded like every target file).
std::vector<Issue> checkTargetFiles(const DeployTarget& target);

struct HistoryFile {
    std::filesystem::path file;
    std::filesystem::path backup;       // the text before (empty when the file did not exist)
    bool existed = false;
    std::string sha256After;            // what the promotion wrote (undo refuses if it changed since)
};

struct HistoryEntry {
    std::string id;
    std::string time;                   // UTC, ISO 8601
    std::string action;                 // "promote" or "undo"
    std::string target;
    std::string model;
    std::string servedModelName;
    std::string command;
    std::vector<std::string> keptSettings;  // promote entries: keys of PromotionPlan::kept (not the promotion's own values)
    // Promote entries: the settings the promotion computed (vllmSettingValues). Entries written
    // before it have none: their command line carried them as flags.
    std::map<std::string, std::string> settings;
    std::vector<HistoryFile> files;
    bool undone = false;                // promote entries: restored since
    std::string undoes;                 // undo entries: the promotion id restored
};

// Writes the plan (refused when blocked, when a file is read-only, or when a file changed since the
// plan was made). All files or none: a failure part-way restores the ones already written.
HistoryEntry applyPromotion(const PromotionPlan& plan, const std::filesystem::path& stateDir);
// Restores the files of the target's latest promotion that was not undone yet. Refused (awq::Error
// naming the file and its backup, nothing restored) when a file changed since, a backup is missing,
// or the target in `settings` (the current ones) no longer uses one of the promotion's files: it
// was replaced since. A target no longer in `settings` (removed) may still be undone.
HistoryEntry undoLastPromotion(const std::string& target, const DeploySettings& settings, const std::filesystem::path& stateDir);
// The promotion undoLastPromotion() would restore for `target`: the index in `history` (oldest
// first, as loadHistory gives it) of the target's latest promotion not undone yet; nullopt when
// there is nothing to undo for it (never promoted, or every promotion undone).
std::optional<std::size_t> undoablePromotion(const std::vector<HistoryEntry>& history, const std::string& target);
std::vector<HistoryEntry> loadHistory(const std::filesystem::path& stateDir);  // oldest first

// The model each target currently points at, read from its files and mapped back to the host path
// through the target's container paths (targets whose files cannot be read are skipped).
std::vector<pool::DeployedRef> deployedModels(const DeploySettings& settings);

}  // namespace awq::deploy
