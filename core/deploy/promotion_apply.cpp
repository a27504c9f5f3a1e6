// applyPromotion / undoLastPromotion / history: backups, atomic writes, all-or-nothing.
#include "core/deploy/promotion.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/read_file.h"
#include "core/util/sha256.h"
#include "core/util/utc_time.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <unistd.h>

namespace awq::deploy {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t kMaxHistoryEntries = 1000;

fs::path historyFile(const fs::path& stateDir) { return stateDir / "history.json"; }

std::string readAll(const fs::path& file) { return readFile(file, "file", "check the file's permissions"); }

bool pathExists(const fs::path& p) {
    std::error_code ec;
    return fs::exists(p, ec);
}

// Read-only by intent: no write bit for anyone (root ignores permissions, so ask the bits too).
bool noWriteBits(const fs::path& p) {
    std::error_code ec;
    const auto perms = fs::status(p, ec).permissions();
    if (ec) return false;
    return (perms & (fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write)) == fs::perms::none;
}

// A linked file (an .env kept in a dotfiles repository, say) is written where the link points; the
// new content goes beside that target, so its folder must be writable, the link's need not be.
void requireWritable(const fs::path& link) {
    const fs::path file = linkTargetForWrite(link);
    const fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
    if (pathExists(file) && (::access(file.c_str(), W_OK) != 0 || noWriteBits(file)))
        throw Error("the file is read-only: nothing was changed", file, "make it writable (chmod u+w) and promote again");
    if (::access(dir.c_str(), W_OK) != 0 || noWriteBits(dir))
        throw Error("the folder is read-only (the new file is written beside it, then renamed): nothing was changed", dir,
                    "make the folder writable (chmod u+w) and promote again");
}

// Atomic write that keeps the file's permission bits (an .env may hold secrets: 0600 stays 0600),
// through a symbolic link to its target, so the link stays a link (promotion and undo alike).
void writeKeepingMode(const fs::path& path, const std::string& text) {
    const fs::path file = linkTargetForWrite(path);
    std::error_code ec;
    const auto perms = fs::status(file, ec).permissions();
    const bool had = !ec && pathExists(file);
    AtomicFileWriter w(file);
    w.write(text);
    if (had) fs::permissions(w.tempPath(), perms, ec);
    // A new script (the command file starts "#!/bin/sh"): runnable as it says, where it may be read.
    else if (text.rfind("#!", 0) == 0) {
        const auto readable = fs::status(w.tempPath(), ec).permissions();
        fs::perms exec = fs::perms::owner_exec;
        if ((readable & fs::perms::group_read) != fs::perms::none) exec |= fs::perms::group_exec;
        if ((readable & fs::perms::others_read) != fs::perms::none) exec |= fs::perms::others_exec;
        fs::permissions(w.tempPath(), exec, fs::perm_options::add, ec);
    }
    w.commit();
}

json entryToJson(const HistoryEntry& e) {
    json files = json::array();
    for (const auto& f : e.files)
        files.push_back({{"file", f.file.string()}, {"backup", f.backup.string()}, {"existed", f.existed}, {"sha256_after", f.sha256After}});
    return {{"id", e.id},         {"time", e.time},       {"action", e.action},   {"target", e.target},
            {"model", e.model},   {"served_model_name", e.servedModelName},      {"command", e.command},
            {"kept_settings", e.keptSettings},             {"settings", e.settings}, {"files", files},     {"undone", e.undone},   {"undoes", e.undoes}};
}

HistoryEntry entryFromJson(const json& j) {
    HistoryEntry e;
    e.id = j.value("id", std::string());
    e.time = j.value("time", std::string());
    e.action = j.value("action", std::string());
    e.target = j.value("target", std::string());
    e.model = j.value("model", std::string());
    e.servedModelName = j.value("served_model_name", std::string());
    e.command = j.value("command", std::string());
    // Entries written before settings were kept have none: the promotion wrote every value itself.
    if (const auto kept = j.find("kept_settings"); kept != j.end() && kept->is_array())
        for (const auto& k : *kept)
            if (k.is_string()) e.keptSettings.push_back(k.get<std::string>());
    if (const auto settings = j.find("settings"); settings != j.end() && settings->is_object())
        for (const auto& [key, value] : settings->items())
            if (value.is_string()) e.settings[key] = value.get<std::string>();
    e.undone = j.value("undone", false);
    e.undoes = j.value("undoes", std::string());
    if (j.contains("files"))
        for (const auto& f : j["files"])
            e.files.push_back({f.value("file", std::string()), f.value("backup", std::string()), f.value("existed", false),
                               f.value("sha256_after", std::string())});
    return e;
}

void saveHistory(const fs::path& stateDir, std::vector<HistoryEntry> entries) {
    if (entries.size() > kMaxHistoryEntries) entries.erase(entries.begin(), entries.end() - long(kMaxHistoryEntries));
    json arr = json::array();
    for (const auto& e : entries) arr.push_back(entryToJson(e));
    writeFileAtomically(historyFile(stateDir), jsonText(arr, 2) + "\n");
}

// A history id: the UTC second, unique among the history's ids and the backup folders (two
// promotions or two undos in one second get -2, -3...; an undo's id ends in "-undo").
std::string newId(const fs::path& stateDir, const std::vector<HistoryEntry>& history, const std::string& suffix) {
    const std::string base = utcNow("%Y%m%dT%H%M%SZ");
    auto taken = [&](const std::string& id) {
        return pathExists(stateDir / "backups" / id) ||
               std::any_of(history.begin(), history.end(), [&](const HistoryEntry& h) { return h.id == id; });
    };
    std::string id = base + suffix;
    for (int n = 2; taken(id); ++n) id = base + "-" + std::to_string(n) + suffix;
    return id;
}

// The same file: the same path, or two paths to one file (a link and its target).
bool sameFile(const fs::path& a, const fs::path& b) {
    if (fs::absolute(a).lexically_normal() == fs::absolute(b).lexically_normal()) return true;
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
}

// Undo restores files by the target's name; a target replaced since the promotion (removed and
// added again, `target add --replace`, edited in the GUI) may manage other files now, and restoring
// the old setup's file would silently change a file the target no longer owns. A target that was
// removed and not added again is still undoable (its history stays listable and undoable).
void requireFilesStillManaged(const HistoryEntry& promo, const DeployTarget* current) {
    if (!current) return;
    const auto managed = managedFiles(*current);
    for (const auto& f : promo.files) {
        if (std::any_of(managed.begin(), managed.end(), [&](const fs::path& m) { return sameFile(m, f.file); })) continue;
        std::string now;
        for (const auto& m : managed) now += (now.empty() ? "" : ", ") + m.string();
        throw Error("promotion " + promo.id + " of target '" + promo.target + "' wrote this file, which the target no longer uses (it was "
                        "replaced since; its files now: " + now + "): undo would restore another setup's file; nothing was restored",
                    f.file,
                    f.existed ? "restore it by hand from its backup " + f.backup.string() + " if you want its text from before that promotion"
                              : "it did not exist before that promotion: remove it by hand if it is no longer wanted");
    }
}

void ensureDir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create the folder: " + ec.message(), dir, "check the permissions of the settings folder");
}

}  // namespace

std::vector<HistoryEntry> loadHistory(const fs::path& stateDir) {
    std::vector<HistoryEntry> out;
    const fs::path file = historyFile(stateDir);
    if (!pathExists(file)) return out;
    try {
        const json arr = parseJson(readAll(file), {file, "fix or move the file aside"});
        for (const auto& j : arr) out.push_back(entryFromJson(j));
    } catch (const json::exception& e) {
        throw Error(std::string("unreadable promotion history: ") + e.what(), file, "fix or move the file aside");
    }
    return out;
}

HistoryEntry applyPromotion(const PromotionPlan& plan, const fs::path& stateDir) {
    if (plan.blocked()) {
        std::string why;
        for (const auto& i : plan.issues)
            if (i.severity == Issue::Severity::Error) why += (why.empty() ? "" : "; ") + i.message;
        throw Error("promotion refused: " + why, plan.model, "fix the problems listed (see the dry run) and promote again");
    }
    // Check everything before writing anything.
    for (const auto& c : plan.changes) {
        requireWritable(c.file);
        const bool now = pathExists(c.file);
        if (now != c.existed || (now && readAll(c.file) != c.before))
            throw Error("the file changed since the preview: nothing was written", c.file, "preview (dry run) again, then promote");
    }
    ensureDir(stateDir);
    HistoryEntry e;
    e.id = newId(stateDir, loadHistory(stateDir), "");
    e.time = utcNow();
    e.action = "promote";
    e.target = plan.target;
    e.model = plan.model.string();
    e.servedModelName = plan.serve.servedModelName;
    e.command = plan.command;
    for (const auto& k : plan.kept) e.keptSettings.push_back(k.key);
    e.settings = vllmSettingValues(plan.serve);
    const fs::path backupDir = stateDir / "backups" / e.id;
    ensureDir(backupDir);
    for (std::size_t i = 0; i < plan.changes.size(); ++i) {
        const auto& c = plan.changes[i];
        HistoryFile f;
        f.file = fs::absolute(c.file);
        f.existed = c.existed;
        f.sha256After = Sha256::hex(c.after);
        if (c.existed) {
            f.backup = backupDir / (std::to_string(i + 1) + "-" + c.file.filename().string());
            writeFileAtomically(f.backup, c.before);
        }
        e.files.push_back(f);
    }

    std::size_t written = 0;
    try {
        for (; written < plan.changes.size(); ++written) writeKeepingMode(plan.changes[written].file, plan.changes[written].after);
    } catch (...) {
        for (std::size_t i = 0; i < written; ++i) {  // all or nothing
            const auto& c = plan.changes[i];
            std::error_code ec;
            try {
                if (c.existed) writeKeepingMode(c.file, c.before);
                else fs::remove(linkTargetForWrite(c.file), ec);  // a dangling link stays a link
            } catch (const std::exception& err) {
                spdlog::error("Promotion rollback failed for {}: {} (backup in {})", c.file.string(), err.what(), backupDir.string());
            }
        }
        throw;
    }
    auto history = loadHistory(stateDir);
    history.push_back(e);
    saveHistory(stateDir, history);
    spdlog::info("Promoted {} to target {} ({} changed, backups in {})", e.model, e.target, format::counted(e.files.size(), "file"), backupDir.string());
    return e;
}

std::optional<std::size_t> undoablePromotion(const std::vector<HistoryEntry>& history, const std::string& target) {
    for (std::size_t i = history.size(); i-- > 0;)
        if (history[i].action == "promote" && history[i].target == target && !history[i].undone) return i;
    return std::nullopt;
}

HistoryEntry undoLastPromotion(const std::string& target, const DeploySettings& settings, const fs::path& stateDir) {
    auto history = loadHistory(stateDir);
    const auto index = undoablePromotion(history, target);
    if (!index) throw Error("nothing to undo for target '" + target + "'", historyFile(stateDir), "see the promotion history");
    HistoryEntry& promo = history[*index];
    requireFilesStillManaged(promo, settings.find(target));
    std::vector<std::string> restored;
    for (const auto& f : promo.files) {
        requireWritable(f.file);
        const bool now = pathExists(f.file);
        if (!now || Sha256::hex(readAll(f.file)) != f.sha256After)
            throw Error("the file changed since promotion " + promo.id + ": undo would overwrite those edits; nothing was restored", f.file,
                        f.existed ? "restore it by hand from " + f.backup.string() : "remove it by hand if it is no longer wanted");
        // A deleted backup read as "cannot read the file ... check the file's permissions": the text
        // from before the promotion is gone, which no permission fixes.
        if (f.existed && !pathExists(f.backup))
            throw Error("the backup of " + f.file.string() + " from promotion " + promo.id + " is missing: nothing was restored", f.backup,
                        "the file's text from before that promotion is lost with it; restore " + f.file.string() +
                            " by hand (from version control or your own copy), or keep it as it is");
        if (f.existed) restored.push_back(readAll(f.backup));
        else restored.emplace_back();
    }
    for (std::size_t i = 0; i < promo.files.size(); ++i) {
        const auto& f = promo.files[i];
        if (f.existed) writeKeepingMode(f.file, restored[i]);
        else {
            std::error_code ec;
            fs::remove(linkTargetForWrite(f.file), ec);
        }
    }
    promo.undone = true;
    HistoryEntry undo;
    undo.id = newId(stateDir, history, "-undo");
    undo.time = utcNow();
    undo.action = "undo";
    undo.target = target;
    undo.model = promo.model;
    undo.servedModelName = promo.servedModelName;
    undo.undoes = promo.id;
    undo.files = promo.files;
    history.push_back(undo);  // invalidates `promo`
    saveHistory(stateDir, history);
    spdlog::info("Undid promotion {} of target {}", undo.undoes, target);
    return undo;
}

}  // namespace awq::deploy
