#pragma once
// The warm pool: a folder of model copies that serving reads from. Adding copies a model from the
// library into a hidden temp folder, verifies every file's SHA-256 against the source, writes a
// manifest, and only then renames the folder into place, so an interrupted or failed copy leaves
// the pool as it was. Model folders are untrusted: links leading out of them are refused.
// Add and verify follow the job contract (core/util/job.h): a stop returns with `cancelled` set.
#include "core/model/quantization_record.h"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

namespace awq::pool {

// Written into every model folder the pool adds: relative path, size and SHA-256 of each file.
inline constexpr const char* kManifestName = "awqbench_pool_manifest.json";

// A model that a deployment target points at (filled in by core/deploy).
struct DeployedRef {
    std::filesystem::path model;
    std::string target;
};

struct PoolEntry {
    std::filesystem::path folder;
    std::string name;                      // the folder name (what pool commands take)
    std::string repoId;                    // "ORG/NAME" when added from a Hugging Face hub cache snapshot, else ""
    std::uint64_t bytes = 0;               // regular files in the folder (links not followed)
    // How the model is quantized, as `models list` says it (quantizationLabel): "awq w4 g128",
    // "rtn w4 g128 (awq layout)" where our record says RTN, "none", ... ("?" when unreadable).
    std::string quantization;
    QuantizationConfig quantizationConfig;                 // config.json's (None when unquantized or unreadable)
    std::optional<QuantizationRecord> quantizationRecord;  // awqbench_quantization.json; none when absent or damaged
    std::vector<std::string> deployedBy;   // targets that point at this model
    bool hasManifest = false;
    std::string error;                     // non-empty: not a usable model folder, and why
    // The cheap check against the manifest (checkPoolModelCheaply: sizes and times, no hashes).
    enum class Integrity { SizesMatch, Changed, Modified, NoManifest };
    Integrity integrity = Integrity::NoManifest;
    std::vector<std::string> integrityProblems;  // what Changed / Modified found ("changed: x (...)")
    // From the manifest: when `pool add` wrote it (UTC, ISO 8601; add hashes every copied file), and
    // the last full `pool verify` (nullopt: none since the add).
    std::string added;
    struct LastVerify {
        std::string time;                  // UTC, ISO 8601
        bool ok = false;
        std::size_t filesChecked = 0;
        std::vector<std::string> problems; // the first 20 of what it found (VerifyResult::problems)
        std::size_t problemCount = 0;      // how many it found in all
    };
    std::optional<LastVerify> lastVerify;

    bool deployed() const noexcept { return !deployedBy.empty(); }
};

// The status `pool list` and the Deploy page show: the cheap check (what was checked, never "ok":
// the hashes are `pool verify`'s) and, for a copy with a manifest, verifyText(): "broken: ...",
// "sizes match; verified 2026-12-01 12:00 UTC", "CHANGED: missing: x; run pool verify; not verified
// since added 2026-11-30 09:15 UTC", "unverified: written since it was added or verified: x; run pool
// verify; verify FAILED 2026-12-01 12:00 UTC: changed: x (...)", "unverified: no manifest".
std::string statusText(const PoolEntry& e);

// The last full verify as the manifest records it: "verified 2026-12-01 12:00 UTC", "verify FAILED
// 2026-12-01 12:00 UTC: changed: x (SHA-256 differs from the manifest) (+2 more)", "not verified since
// added 2026-11-30 09:15 UTC" (add hashed every file then), "never verified" (a manifest without its
// add time); "" for a copy without a manifest (nothing to verify against).
std::string verifyText(const PoolEntry& e);

struct PoolUsage {
    std::uint64_t usedBytes = 0;           // models in the pool, leftovers included
    std::uint64_t leftoverBytes = 0;       // of that: unfinished copies and removals (see listLeftovers)
    std::size_t leftoverFolders = 0;
    std::uint64_t budgetBytes = 0;         // 0 = no budget
    std::uint64_t availableBytes = 0;      // free on the pool's file system
    std::uint64_t capacityBytes = 0;       // size of that file system
};

struct CopyProgress {
    enum class Stage { Copy, Verify };
    Stage stage = Stage::Copy;
    std::uint64_t bytesDone = 0;
    std::uint64_t bytesTotal = 0;
    std::size_t filesDone = 0;
    std::size_t filesTotal = 0;
    std::string currentFile;               // relative to the model folder
};
using CopyProgressFn = std::function<void(const CopyProgress&)>;

struct AddOptions {
    std::string name;                      // folder name in the pool; empty = defaultPoolName(model)
    std::uint64_t budgetBytes = 0;         // refuse when the pool would exceed it (0 = no budget)
    std::uint64_t reserveBytes = 256ull << 20;  // keep this much free on the disk after the copy
};

struct AddResult {
    bool cancelled = false;                // stop requested: the pool is unchanged
    PoolEntry entry;                       // the added model (when not cancelled)
};

struct VerifyResult {
    std::string name;
    bool ok = false;
    std::size_t filesChecked = 0;
    std::vector<std::string> problems;     // "missing: x", "changed: x", "unexpected file: x", ...
    bool cancelled = false;                // stop requested: not every file was checked (ok is false)
};

// Limits that keep a hostile model folder from exhausting the machine.
inline constexpr std::size_t kMaxFilesPerModel = 20000;
inline constexpr int kMaxFolderDepth = 8;

// Lists the model folders directly inside `pool` (hidden folders, such as unfinished copies, are
// skipped). `deployed` marks which entries a deployment target points at. Throws awq::Error when
// the pool folder cannot be read.
std::vector<PoolEntry> listPool(const std::filesystem::path& pool, const std::vector<DeployedRef>& deployed = {});

PoolUsage poolUsage(const std::filesystem::path& pool, std::uint64_t budgetBytes);

// The hidden work folders of pool operations: ".NAME.partial-PID" (a copy under way) and
// ".NAME.removing-PID" (a removal under way). A SIGKILLed `pool add` or `pool remove` leaves one
// behind; once its PID is gone it is dead and only takes disk space.
struct PoolLeftover {
    std::filesystem::path folder;
    std::uint64_t bytes = 0;
    bool dead = false;                     // the writing process no longer exists
};
std::vector<PoolLeftover> listLeftovers(const std::filesystem::path& pool);

// Removes the dead leftovers (every pool operation but listing does this first); returns them.
std::vector<PoolLeftover> sweepDeadLeftovers(const std::filesystem::path& pool);

// Copies `model` into `pool` (see the file comment). Throws awq::Error for a bad source, a name
// already taken, too little disk space or budget, a link out of the folder, or a hash mismatch.
AddResult addToPool(const std::filesystem::path& pool, const std::filesystem::path& model, const AddOptions& options = {},
                    std::stop_token stop = {}, const CopyProgressFn& progress = {});

// Throws what removeFromPool would refuse with: no such model, or a model a target points at (so a
// caller asks for confirmation only for a removal that can happen).
void requireRemovable(const std::filesystem::path& pool, const std::string& name, const std::vector<DeployedRef>& deployed = {});
// Removes the model folder `name` from the pool; refuses what requireRemovable refuses.
void removeFromPool(const std::filesystem::path& pool, const std::string& name, const std::vector<DeployedRef>& deployed = {});

// Re-hashes every file of the pool model `name` against its manifest and records the result in the
// manifest (`last_verify`: time, ok, files checked, problems; PoolEntry::lastVerify reads it back).
// A model that passes gets its manifest's time set to now: the cheap check then counts its files as
// verified up to then; a failed verify keeps the manifest's time. A cancelled verify records nothing.
VerifyResult verifyPoolModel(const std::filesystem::path& pool, const std::string& name, std::stop_token stop = {},
                             const CopyProgressFn& progress = {});

// Refuses a name for a new pool model that is not a plain folder name: "invalid name '../x': must
// not contain path separators or '..'" (also empty, hidden or over 255 bytes). Throws awq::Error.
void checkNewPoolName(const std::string& name);

// What can be checked of a pool copy without reading its weights (`pool list` shows it): every file
// of the manifest present with its recorded size, no file the manifest does not list, and none
// written after the manifest (a file edited in place keeps its size; its modification time tells).
// Hashes are not read: `pool verify` re-hashes every file (a whole model's bytes).
struct CheapCheck {
    bool hasManifest = false;
    std::vector<std::string> problems;     // "missing: x", "changed: x (N bytes, the manifest says M)", "unexpected file: x"
    std::vector<std::string> modified;     // files (relative) written after the manifest, sizes unchanged
};
CheapCheck checkPoolModelCheaply(const std::filesystem::path& modelFolder);

// The check promotion makes before it serves a pool copy: the cheap check, the last `pool verify`
// the manifest records (a failed one refuses the copy: a byte changed in place with its time put
// back passes the cheap check, and only that failure tells), and the SHA-256 of the files written
// since the manifest (only those: re-hashing a whole model costs seconds per GB).
// Throws awq::Error naming the first changed file and the fix (remove the copy and add the model
// again: there is no repair); a folder without a manifest passes (hasManifest tells the caller).
CheapCheck checkPoolCopyBeforeServing(const std::filesystem::path& modelFolder, std::stop_token stop = {});

// The folder of `name` inside `pool`, refusing names that are empty, hidden, or leave the pool.
std::filesystem::path poolModelFolder(const std::filesystem::path& pool, const std::string& name);

// Whether `path` (resolved, links followed) lies inside `pool` (resolved).
bool isInsidePool(const std::filesystem::path& pool, const std::filesystem::path& path);

// The pool folder name for `model` when none is given: the source folder's name as given (a link's
// own name, not its target's: as `models list` names it), or for a Hugging
// Face hub cache snapshot (models--ORG--NAME/snapshots/<rev>) "ORG--NAME" (a folder name holds no
// "/"; the manifest keeps the repository id "ORG/NAME").
std::string defaultPoolName(const std::filesystem::path& model);

// A command's model argument (`promote --model`): a bare name (no '/', not "." or "..") is the pool
// model of that name, as `pool list` prints it, even where the current folder holds a folder of that
// name; anything else is a folder path, returned as given. Throws awq::Error naming the pool and
// `pool list` when the pool has no model of that name. With no pool configured the argument is
// returned as given (the caller says a pool is needed).
bool namesPoolModel(const std::string& arg);
std::filesystem::path poolModelArgument(const std::filesystem::path& pool, const std::string& arg);

// The hub repository id ("ORG/NAME") recorded in a pool model's manifest; nullopt when it has none.
// Promotion serves the model under this name, as vLLM names a model it loads from the hub.
std::optional<std::string> recordedRepoId(const std::filesystem::path& poolModelFolder);

// The name a model folder is served under: the repository id its pool manifest records, else
// modelDisplayName() (ORG/NAME for a hub cache snapshot, else the folder's name). Promotion writes it
// as vLLM's --served-model-name and `serve` lists it in /v1/models: one function, so that a client
// configured from a promoted deployment reaches the same model on either server.
std::string servedModelName(const std::filesystem::path& modelFolder);

}  // namespace awq::pool
