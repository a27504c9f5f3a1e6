#include "core/pool/warm_pool.h"

#include "core/model/hf_config.h"
#include "core/model/model_files.h"
#include "core/model/model_info.h"
#include "core/model/safetensors.h"
#include "core/text/unicode.h"
#include "core/util/atomic_file.h"
#include "core/util/dead_writer.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"
#include "core/util/remove_tree.h"
#include "core/util/shell_quote.h"
#include "core/util/sha256.h"
#include "core/util/utc_time.h"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <unistd.h>

namespace awq::pool {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

constexpr std::size_t kChunk = 1 << 20;                 // copy / hash granularity (stop checks between chunks)
constexpr std::uintmax_t kMaxManifestBytes = 16 << 20;

struct SourceFile {
    std::string relative;    // as stored in the manifest (generic format)
    fs::path readFrom;       // the real file (a link inside the folder resolved)
    std::uint64_t bytes = 0;
};


bool hiddenName(const fs::path& p) {
    const auto n = p.filename().string();
    return n.empty() || n[0] == '.';
}

// Every file to copy, links resolved inside the folder (a link leading out is refused), hidden
// folders (.cache, .git) skipped, counts and depth bounded.
std::vector<SourceFile> enumerateModelFiles(const fs::path& folder) {
    std::vector<SourceFile> files;
    std::error_code ec;
    fs::recursive_directory_iterator it(folder, fs::directory_options::none, ec), end;
    if (ec) throw Error("cannot read the model folder: " + ec.message(), folder, "check the path and its permissions");
    for (; it != end; it.increment(ec)) {
        if (ec) throw Error("cannot read the model folder: " + ec.message(), folder, "check the folder's permissions");
        const fs::path& p = it->path();
        const std::string rel = p.lexically_relative(folder).generic_string();
        if (it->is_symlink(ec)) {
            const fs::path real = resolveInsideFolder(folder, rel);  // throws for links leading out
            if (!fs::is_regular_file(real, ec))
                throw Error("refusing '" + rel + "': it links to something that is not a file", folder,
                            "replace the link with a copy of the file");
            files.push_back({rel, real, fs::file_size(real)});
        } else if (it->is_directory(ec)) {
            if (hiddenName(p)) {
                it.disable_recursion_pending();
                continue;
            }
            if (it.depth() + 1 >= kMaxFolderDepth)
                throw Error("the model folder nests deeper than " + std::to_string(kMaxFolderDepth) + " levels", p,
                            "a Hugging Face model folder is flat: copy only the model files");
        } else if (it->is_regular_file(ec)) {
            if (rel == kManifestName) continue;  // rewritten for the copy
            files.push_back({rel, p, it->file_size(ec)});
        } else {
            spdlog::warn("Warm pool: skipping '{}' (not a regular file)", p.string());
        }
        if (files.size() > kMaxFilesPerModel)
            throw Error("the model folder holds more than " + std::to_string(kMaxFilesPerModel) + " files", folder,
                        "copy only the model files into a folder of their own");
    }
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.relative < b.relative; });
    return files;
}

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd() { if (fd_ >= 0) ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    int release() { int f = fd_; fd_ = -1; return f; }

private:
    int fd_;
};

// Reads `file` in chunks, feeding each to `sink`; returns false when stopped.
template <typename Sink>
bool readChunks(const fs::path& file, std::vector<std::byte>& buf, std::stop_token stop, Sink&& sink) {
    Fd in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) throw Error(std::string("cannot open: ") + std::strerror(errno), file, "check the file's permissions");
    for (;;) {
        if (stop.stop_requested()) return false;
        const ssize_t n = ::read(in.get(), buf.data(), buf.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            throw Error(std::string("read failed: ") + std::strerror(errno), file, "check the disk");
        }
        if (n == 0) return true;
        sink(std::span<const std::byte>(buf.data(), std::size_t(n)));
    }
}

void writeAll(int fd, std::span<const std::byte> data, const fs::path& file) {
    while (!data.empty()) {
        const ssize_t n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            const int err = errno;
            throw Error(std::string("write failed: ") + std::strerror(err), file,
                        err == ENOSPC ? "the disk is full: free space; the pool was left unchanged" : "the pool was left unchanged");
        }
        data = data.subspan(std::size_t(n));
    }
}

// Removes a temp folder unless released: any failure or cancel leaves the pool as it was.
class TempFolderGuard {
public:
    explicit TempFolderGuard(fs::path dir) : dir_(std::move(dir)) {}
    ~TempFolderGuard() { if (!dir_.empty()) removeTree(dir_); }
    void release() { dir_.clear(); }

private:
    fs::path dir_;
};

std::uint64_t folderBytes(const fs::path& folder) {
    std::uint64_t total = 0;
    std::size_t count = 0;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(folder, fs::directory_options::skip_permission_denied, ec), end; it != end && !ec;
         it.increment(ec)) {
        if (++count > kMaxFilesPerModel * 2) break;
        if (it->is_regular_file(ec) && !it->is_symlink(ec)) total += it->file_size(ec);
    }
    return total;
}

fs::path resolved(const fs::path& p) {
    std::error_code ec;
    fs::path r = fs::weakly_canonical(fs::absolute(p, ec), ec);
    return ec ? p.lexically_normal() : r;
}

json readManifest(const fs::path& folder) {
    const fs::path file = folder / kManifestName;
    std::error_code ec;
    if (fs::is_symlink(file, ec)) throw Error("the manifest is a link", file, "remove the model and add it again");
    const auto size = fs::file_size(file, ec);
    if (ec) throw Error("no manifest: this model was not added by awqbench, so there is nothing to verify against", file,
                        "remove it and add it again with `awqbench-cli pool add`");
    if (size > kMaxManifestBytes) throw Error("the manifest is too large", file, "remove the model and add it again");
    json doc = readJsonFile({file, "the manifest is damaged: remove the model and add it again"}, kMaxManifestBytes);
    if (!doc.is_object() || !doc.contains("files") || !doc["files"].is_array())
        throw Error("unreadable manifest: no files list", file, "remove the model and add it again");
    return doc;
}

// The file's SHA-256 (hex); nullopt when `stop` ended the read.
std::optional<std::string> hashFile(const fs::path& file, std::vector<std::byte>& buf, std::stop_token stop,
                                    const std::function<void(std::size_t)>& onChunk) {
    Sha256 h;
    const bool whole = readChunks(file, buf, stop, [&](std::span<const std::byte> chunk) {
        h.update(chunk);
        if (onChunk) onChunk(chunk.size());
    });
    if (!whole) return std::nullopt;
    return h.finishHex();
}

// What re-hashing manifest entries found (verifyPoolModel and checkPoolCopyBeforeServing share it).
struct HashCheck {
    std::size_t filesChecked = 0;
    std::vector<std::string> problems;     // "refused: x (...)", "missing: x", "changed: x (SHA-256 differs from the manifest)"
    bool cancelled = false;                // stopped before every selected entry was hashed
};

// The manifest entry `rel`'s file in the pool copy `folder`, or nullopt with the problem added
// ("refused: ..." for a path leading out of the folder, "missing: ..." for no regular file there).
std::optional<fs::path> manifestEntryFile(const fs::path& folder, const std::string& rel, std::vector<std::string>& problems) {
    try {
        fs::path file = resolveInsideFolder(folder, rel);
        std::error_code ec;
        if (fs::is_regular_file(file, ec)) return file;
        problems.push_back("missing: " + rel);
    } catch (const Error& e) {
        problems.push_back("refused: " + rel + " (" + e.problem() + ")");
    }
    return std::nullopt;
}

// Re-hashes the entries of `manifest`'s files list that `selected` accepts and compares each with
// its recorded SHA-256. `progress` (optional) counts the bytes and files hashed; its totals are the
// caller's.
HashCheck hashManifestEntries(const fs::path& folder, const json& manifest, const std::function<bool(const std::string&)>& selected,
                              std::stop_token stop, CopyProgress* progress = nullptr, const CopyProgressFn& report = {}) {
    HashCheck r;
    std::vector<std::byte> buf(kChunk);
    for (const auto& f : manifest["files"]) {
        const std::string rel = f.value("path", std::string());
        if (!selected(rel)) continue;
        if (progress) progress->currentFile = rel;
        const auto file = manifestEntryFile(folder, rel, r.problems);
        if (!file) continue;
        const auto got = hashFile(*file, buf, stop, [&](std::size_t n) {
            if (!progress) return;
            progress->bytesDone += n;
            if (report) report(*progress);
        });
        if (!got) {
            r.cancelled = true;
            return r;
        }
        if (*got != f.value("sha256", std::string())) r.problems.push_back("changed: " + rel + " (SHA-256 differs from the manifest)");
        ++r.filesChecked;
        if (progress) {
            ++progress->filesDone;
            if (report) report(*progress);
        }
    }
    return r;
}

// A manifest's string field, "" when absent or not a string (a hand-edited manifest).
std::string stringField(const json& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// "2026-12-01T12:00:00Z" -> "2026-12-01 12:00 UTC" (any other text as it is).
std::string shortUtc(const std::string& iso) {
    if (iso.size() >= 16 && iso[10] == 'T') return iso.substr(0, 10) + " " + iso.substr(11, 5) + " UTC";
    return iso;
}

constexpr std::size_t kMaxRecordedProblems = 20;

// Records `r` in the manifest as its last full verify. A passed verify leaves the manifest's time
// at now (the cheap check counts files written before it as verified); a failed one keeps the
// manifest's time, so files written since stay reported. A manifest that cannot be written (a
// read-only pool) is warned about: the verify's result stands.
void recordVerify(const fs::path& folder, json manifest, const VerifyResult& r) {
    const fs::path file = folder / kManifestName;
    std::error_code ec;
    const auto stamped = fs::last_write_time(file, ec);
    json problems = json::array();
    for (std::size_t i = 0; i < r.problems.size() && i < kMaxRecordedProblems; ++i) problems.push_back(r.problems[i]);
    manifest["last_verify"] = {{"time", utcNow()}, {"ok", r.ok}, {"files_checked", r.filesChecked}, {"problems", problems},
                               {"problem_count", r.problems.size()}};
    try {
        writeFileAtomically(file, jsonText(manifest, 2) + "\n");
        if (r.ok) fs::last_write_time(file, fs::file_time_type::clock::now(), ec);
        else if (!ec) fs::last_write_time(file, stamped, ec);
        if (ec) spdlog::warn("Warm pool: cannot set the time of {}: {}", file.string(), ec.message());
    } catch (const Error& e) {
        spdlog::warn("Warm pool: cannot record the verify of {} in its manifest: {}", r.name, e.what());
    }
}

std::optional<PoolEntry::LastVerify> lastVerifyOf(const json& manifest) {
    const auto it = manifest.find("last_verify");
    if (it == manifest.end() || !it->is_object()) return std::nullopt;
    PoolEntry::LastVerify v;
    v.time = stringField(*it, "time");
    const auto ok = it->find("ok");
    v.ok = ok != it->end() && ok->is_boolean() && ok->get<bool>();
    const auto count = [&](const char* key) {
        const auto n = it->find(key);
        return n == it->end() ? std::size_t(0) : jsonInteger<json, std::size_t>(*n).value_or(0);
    };
    v.filesChecked = count("files_checked");
    if (const auto p = it->find("problems"); p != it->end() && p->is_array())
        for (const auto& e : *p)
            if (e.is_string()) v.problems.push_back(e.get<std::string>());
    v.problemCount = std::max(v.problems.size(), count("problem_count"));
    return v;
}

}  // namespace

std::string defaultPoolName(const fs::path& model) {
    if (auto repo = hubRepoId(model)) {
        if (const auto slash = repo->find('/'); slash != std::string::npos) repo->replace(slash, 1, "--");
        return *repo;
    }
    // The name the user gave, a link's own name included (as `models list` shows it): following the
    // link named the copy after a folder the user never typed (`pool add lib/linked` added
    // "qwen2-random"). Absolute first, so that `.` and `..` name the folder they stand for.
    const fs::path normal = fs::absolute(model).lexically_normal();
    return normal.has_filename() ? normal.filename().string() : normal.parent_path().filename().string();
}

bool namesPoolModel(const std::string& arg) { return !arg.empty() && arg.find('/') == std::string::npos && arg != "." && arg != ".."; }

fs::path poolModelArgument(const fs::path& pool, const std::string& arg) {
    if (!namesPoolModel(arg) || pool.empty()) return arg;  // a path; or no pool, which the caller reports
    const fs::path folder = poolModelFolder(pool, arg);
    std::error_code ec;
    if (!fs::is_directory(folder, ec))
        throw Error("no model named '" + arg + "' in the warm pool", pool,
                    "`awqbench-cli pool list` shows its models; for a folder of that name outside the pool, give its path (./" + arg + ")");
    return folder;
}

std::optional<std::string> recordedRepoId(const fs::path& poolModelFolder) {
    try {
        const json manifest = readManifest(poolModelFolder);
        if (const auto it = manifest.find("repo_id"); it != manifest.end() && it->is_string() && !it->get<std::string>().empty())
            return it->get<std::string>();
    } catch (const std::exception&) {
        // No manifest (a folder not added by awqbench) or an unreadable one: no recorded id.
    }
    return std::nullopt;
}

std::string servedModelName(const fs::path& modelFolder) { return recordedRepoId(modelFolder).value_or(modelDisplayName(modelFolder)); }

bool isInsidePool(const fs::path& pool, const fs::path& path) {
    if (pool.empty()) return false;
    const auto rel = resolved(path).lexically_relative(resolved(pool));
    return !rel.empty() && *rel.begin() != ".." && rel != ".";
}

void checkNewPoolName(const std::string& name) {
    const auto invalid = [&](const std::string& why) {
        return Error("invalid name '" + name + "': " + why, {}, "give a plain folder name, e.g. --name Qwen3-8B-AWQ");
    };
    if (name.empty()) throw invalid("it is empty");
    if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos || name == "..")
        throw invalid("must not contain path separators or '..'");
    if (name.front() == '.') throw invalid("must not start with '.' (hidden folders in the pool are unfinished copies)");
    if (name.find('\0') != std::string::npos || name.size() > 255) throw invalid("not a usable folder name");
    if (!text::isValidUtf8(name)) throw invalid("not valid UTF-8 (the pool's manifest and deploy settings hold names as UTF-8)");
}

fs::path poolModelFolder(const fs::path& pool, const std::string& name) {
    const fs::path n(name);
    if (name.empty() || hiddenName(n) || n.has_parent_path() || name.find('/') != std::string::npos || name == "..")
        throw Error("'" + name + "' is not a model name in the pool", pool, "use a folder name as `pool list` prints it");
    return pool / n;
}

std::string statusText(const PoolEntry& e) {
    if (!e.error.empty()) return "broken: " + e.error;
    // "run pool verify" only while no verify has failed: after one, the failure says what is wrong.
    const bool verifyFailed = e.lastVerify && !e.lastVerify->ok;
    const auto first = [&] {
        return e.integrityProblems.front() +
               (e.integrityProblems.size() > 1 ? " (+" + std::to_string(e.integrityProblems.size() - 1) + " more)" : "") +
               (verifyFailed ? "" : "; run pool verify");
    };
    std::string cheap = "unverified: no manifest";
    switch (e.integrity) {
        case PoolEntry::Integrity::SizesMatch: cheap = "sizes match"; break;
        case PoolEntry::Integrity::Changed: cheap = "CHANGED: " + first(); break;
        case PoolEntry::Integrity::Modified: cheap = "unverified: " + first(); break;
        case PoolEntry::Integrity::NoManifest: break;
    }
    const std::string verified = verifyText(e);
    return verified.empty() ? cheap : cheap + "; " + verified;
}

std::string verifyText(const PoolEntry& e) {
    if (!e.hasManifest) return {};
    if (!e.lastVerify) return e.added.empty() ? "never verified" : "not verified since added " + shortUtc(e.added);
    const auto& v = *e.lastVerify;
    if (v.ok) return "verified " + shortUtc(v.time);
    std::string s = "verify FAILED " + shortUtc(v.time);
    if (!v.problems.empty()) s += ": " + v.problems.front();
    if (v.problemCount > 1) s += " (+" + std::to_string(v.problemCount - 1) + " more)";
    return s;
}

std::vector<PoolEntry> listPool(const fs::path& pool, const std::vector<DeployedRef>& deployed) {
    std::error_code ec;
    if (!fs::is_directory(pool, ec)) throw Error("the warm pool folder does not exist", pool, "create it or choose another pool folder");
    std::vector<PoolEntry> entries;
    for (const auto& e : fs::directory_iterator(pool, ec)) {
        if (hiddenName(e.path())) continue;  // unfinished copies, .trash, ...
        if (!e.is_directory(ec)) continue;
        PoolEntry entry;
        entry.folder = e.path();
        entry.name = e.path().filename().string();
        if (e.is_symlink(ec)) {
            entry.error = "a link, not a copy: the pool holds copies";
        } else {
            entry.bytes = folderBytes(e.path());
            entry.hasManifest = fs::exists(e.path() / kManifestName, ec);
            if (entry.hasManifest) {
                try {
                    const json manifest = readManifest(e.path());
                    entry.repoId = stringField(manifest, "repo_id");
                    entry.added = stringField(manifest, "added");
                    entry.lastVerify = lastVerifyOf(manifest);
                } catch (const std::exception&) {
                    // An unreadable manifest: the cheap check below reports it.
                }
            }
            const CheapCheck check = checkPoolModelCheaply(e.path());
            entry.integrity = !check.hasManifest       ? PoolEntry::Integrity::NoManifest
                              : !check.problems.empty() ? PoolEntry::Integrity::Changed
                              : !check.modified.empty() ? PoolEntry::Integrity::Modified
                                                        : PoolEntry::Integrity::SizesMatch;
            entry.integrityProblems = check.problems;
            for (const auto& m : check.modified) entry.integrityProblems.push_back("written since it was added or verified: " + m);
            try {
                entry.quantizationConfig = loadModelConfig(e.path()).quantization;
                try {
                    entry.quantizationRecord = readQuantizationRecord(e.path());
                } catch (const Error&) {
                    // A damaged record only informs (models show warns of it): the checkpoint's label stands.
                }
                entry.quantization = quantizationLabel(entry.quantizationConfig, entry.quantizationRecord ? &*entry.quantizationRecord : nullptr);
            } catch (const Error& err) {
                entry.quantization = "?";
                entry.error = err.what();
            }
        }
        const fs::path real = resolved(e.path());
        for (const auto& ref : deployed) {
            const fs::path model = resolved(ref.model);
            if (model == real || isInsidePool(real, model)) entry.deployedBy.push_back(ref.target);
        }
        entries.push_back(std::move(entry));
    }
    if (ec) throw Error("cannot read the warm pool: " + ec.message(), pool, "check the folder's permissions");
    std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return entries;
}

std::vector<PoolLeftover> listLeftovers(const fs::path& pool) {
    std::vector<PoolLeftover> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(pool, ec)) {
        const std::string name = e.path().filename().string();
        if (!hiddenName(e.path()) || e.is_symlink(ec) || !e.is_directory(ec)) continue;
        for (const char* marker : {".partial-", ".removing-"})
            if (writerPidOf(name, marker)) {
                out.push_back({e.path(), folderBytes(e.path()), leftByDeadWriter(name, marker)});
                break;
            }
    }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.folder < b.folder; });
    return out;
}

std::vector<PoolLeftover> sweepDeadLeftovers(const fs::path& pool) {
    std::vector<PoolLeftover> swept;
    for (auto& l : listLeftovers(pool)) {
        if (!l.dead) continue;
        try {
            removeTree(l.folder);
            spdlog::info("Warm pool: removed {} ({}) left by a killed run", l.folder.string(), format::bytes(l.bytes));
            swept.push_back(std::move(l));
        } catch (const Error& e) {  // stays counted; tried again next time
            spdlog::warn("Warm pool: cannot remove the leftover {}: {}", l.folder.string(), e.what());
        }
    }
    return swept;
}

PoolUsage poolUsage(const fs::path& pool, std::uint64_t budgetBytes) {
    PoolUsage u;
    u.budgetBytes = budgetBytes;
    for (const auto& e : listPool(pool)) u.usedBytes += e.bytes;
    for (const auto& l : listLeftovers(pool)) {  // on disk until swept: counted against the budget too
        u.leftoverBytes += l.bytes;
        ++u.leftoverFolders;
    }
    u.usedBytes += u.leftoverBytes;
    std::error_code ec;
    const auto space = fs::space(pool, ec);
    if (!ec) {
        u.availableBytes = space.available;
        u.capacityBytes = space.capacity;
    }
    return u;
}

AddResult addToPool(const fs::path& pool, const fs::path& model, const AddOptions& options, std::stop_token stop,
                    const CopyProgressFn& progress) {
    std::error_code ec;
    if (!fs::is_directory(pool, ec)) throw Error("the warm pool folder does not exist", pool, "create it or choose another pool folder");
    if (!fs::is_directory(model, ec)) throw Error("not a model folder", model, "pass a Hugging Face model folder");
    if (!fs::exists(model / "config.json", ec)) throw Error("no config.json: not a Hugging Face model folder", model, "pass a model folder");
    if (isInsidePool(pool, model)) throw Error("the model is already in the warm pool", model, "pick a model from the library");
    // The checks the library's listing makes (a truncated shard, a config the weights contradict):
    // a copy of a broken model would be "verified" byte for byte and fail where vLLM loads it.
    try {
        describeModel(model);
    } catch (const Error& e) {
        throw Error("cannot add a broken model to the warm pool: " + e.problem(), e.file().empty() ? model : e.file(),
                    e.fix().empty() ? "repair or re-download the model first" : e.fix());
    }
    sweepDeadLeftovers(pool);
    const std::string name = options.name.empty() ? defaultPoolName(model) : options.name;
    checkNewPoolName(name);
    const fs::path dest = poolModelFolder(pool, name);
    if (fs::exists(dest, ec) || fs::is_symlink(dest, ec))
        throw Error("the pool already holds a model named '" + name + "'", dest, "remove it first or add under another name");

    const auto files = enumerateModelFiles(model);
    std::uint64_t total = 0;
    for (const auto& f : files) total += f.bytes;

    const auto space = fs::space(pool, ec);
    if (!ec && space.available < total + options.reserveBytes)
        throw Error("not enough disk space: the copy needs " + format::bytes(total) + " and " + format::bytes(options.reserveBytes) +
                        " must stay free after it (" + format::bytes(total + options.reserveBytes) + " in all), but " +
                        format::bytes(space.available) + " are free",
                    pool, "free disk space or remove a model from the pool");
    if (options.budgetBytes > 0) {
        const auto used = poolUsage(pool, options.budgetBytes).usedBytes;
        if (used + total > options.budgetBytes)
            throw Error("the pool budget would be exceeded: " + format::bytes(used) + " used + " + format::bytes(total) + " > " +
                            format::bytes(options.budgetBytes),
                        pool, "remove a model from the pool (`awqbench-cli pool remove NAME`) or raise the budget (`--budget SIZE`, or for the "
                              "saved one `awqbench-cli pool config --budget SIZE`)");
    }

    const fs::path temp = pool / ("." + name + ".partial-" + std::to_string(::getpid()));
    if (fs::exists(temp, ec)) removeTree(temp);
    if (!fs::create_directory(temp, ec) || ec)
        throw Error("cannot create a folder in the pool: " + ec.message(), temp, "check that the pool folder is writable");
    TempFolderGuard guard(temp);
    spdlog::info("Warm pool: copying {} ({} in {} files) to {}", model.string(), format::bytes(total), files.size(), dest.string());

    CopyProgress p;
    p.bytesTotal = total;
    p.filesTotal = files.size();
    std::vector<std::byte> buf(kChunk);
    std::map<std::string, std::string> sourceHashes;
    for (const auto& f : files) {
        p.currentFile = f.relative;
        const fs::path out = temp / fs::path(f.relative);
        fs::create_directories(out.parent_path(), ec);
        Fd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
        if (fd.get() < 0) throw Error(std::string("cannot create: ") + std::strerror(errno), out, "check that the pool folder is writable");
        Sha256 h;
        const bool done = readChunks(f.readFrom, buf, stop, [&](std::span<const std::byte> chunk) {
            h.update(chunk);
            writeAll(fd.get(), chunk, out);
            p.bytesDone += chunk.size();
            if (progress) progress(p);
        });
        if (!done) {
            spdlog::info("Warm pool: copy of {} cancelled; the pool is unchanged", name);
            return {true, {}};
        }
        if (::fsync(fd.get()) != 0) throw Error(std::string("fsync failed: ") + std::strerror(errno), out, "check the disk");
        sourceHashes[f.relative] = h.finishHex();
        ++p.filesDone;
        if (progress) progress(p);
    }

    // Verify: read every copied file back and compare with the hash of what was read from the source.
    p.stage = CopyProgress::Stage::Verify;
    p.bytesDone = 0;
    p.filesDone = 0;
    json manifestFiles = json::array();
    for (const auto& f : files) {
        p.currentFile = f.relative;
        const auto copied = hashFile(temp / fs::path(f.relative), buf, stop, [&](std::size_t n) {
            p.bytesDone += n;
            if (progress) progress(p);
        });
        if (!copied) return {true, {}};
        if (*copied != sourceHashes[f.relative])
            throw Error("the copy of '" + f.relative + "' does not match the source (SHA-256 differs)", temp / f.relative,
                        "check the disk and the source, then add the model again; the pool was left unchanged");
        manifestFiles.push_back({{"path", f.relative}, {"bytes", f.bytes}, {"sha256", *copied}});
        ++p.filesDone;
        if (progress) progress(p);
    }
    json manifest = {{"format", 1}, {"name", name}, {"source", resolved(model).string()}, {"added", utcNow()},
                     {"bytes", total}, {"files", manifestFiles}};
    if (const auto repo = hubRepoId(model)) manifest["repo_id"] = *repo;
    writeFileAtomically(temp / kManifestName, jsonText(manifest, 2) + "\n");

    if (stop.stop_requested()) return {true, {}};
    fs::rename(temp, dest, ec);
    if (ec) throw Error("cannot move the copy into place: " + ec.message(), dest, "the pool was left unchanged");
    guard.release();
    spdlog::info("Warm pool: added {} ({} files verified)", name, files.size());

    AddResult result;
    for (auto& e : listPool(pool))
        if (e.name == name) result.entry = std::move(e);
    return result;
}

void requireRemovable(const fs::path& pool, const std::string& name, const std::vector<DeployedRef>& deployed) {
    const fs::path folder = poolModelFolder(pool, name);
    std::error_code ec;
    if (!fs::exists(folder, ec) && !fs::is_symlink(folder, ec)) throw Error("no model named '" + name + "' in the pool", folder, "see `awqbench-cli pool list`");
    for (const auto& e : listPool(pool, deployed))
        if (e.name == name && e.deployed()) {
            std::string targets;
            for (const auto& t : e.deployedBy) targets += (targets.empty() ? "" : ", ") + t;
            // The command to paste, as the other fixes give one (the CLI adds the user's --settings / --pool).
            throw Error("'" + name + "' is deployed (target " + targets + "): removing it would break serving", folder,
                        e.deployedBy.size() == 1 ? "promote another model to that target first: `awqbench-cli promote --model OTHER --target " +
                                                       shellQuoted(e.deployedBy.front()) + "`"
                                                 : "promote another model to each of those targets first: `awqbench-cli promote --model OTHER "
                                                   "--target TARGET`");
        }
}

void removeFromPool(const fs::path& pool, const std::string& name, const std::vector<DeployedRef>& deployed) {
    const fs::path folder = poolModelFolder(pool, name);
    std::error_code ec;
    sweepDeadLeftovers(pool);
    requireRemovable(pool, name, deployed);
    if (fs::is_symlink(folder, ec)) {
        fs::remove(folder, ec);  // a link: remove the link, never what it points at
    } else {
        // Rename first so a crash mid-delete never leaves a half model that looks complete.
        const fs::path trash = pool / ("." + name + ".removing-" + std::to_string(::getpid()));
        fs::rename(folder, trash, ec);
        if (ec) throw Error("cannot remove: " + ec.message(), folder, "check that the pool folder is writable");
        removeTree(trash);
    }
    spdlog::info("Warm pool: removed {}", name);
}

VerifyResult verifyPoolModel(const fs::path& pool, const std::string& name, std::stop_token stop, const CopyProgressFn& progress) {
    const fs::path folder = poolModelFolder(pool, name);
    sweepDeadLeftovers(pool);
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) throw Error("no model named '" + name + "' in the pool", folder, "see `awqbench-cli pool list`");
    const json manifest = readManifest(folder);

    VerifyResult r;
    r.name = name;
    CopyProgress p;
    p.stage = CopyProgress::Stage::Verify;
    std::map<std::string, bool> listed;
    for (const auto& f : manifest["files"]) {
        p.bytesTotal += f.value("bytes", std::uint64_t(0));
        ++p.filesTotal;
        listed[f.value("path", std::string())] = true;
    }
    HashCheck hashed = hashManifestEntries(folder, manifest, [](const std::string&) { return true; }, stop, &p, progress);
    r.filesChecked = hashed.filesChecked;
    r.problems = std::move(hashed.problems);
    if (hashed.cancelled) {
        r.problems.push_back("cancelled before every file was checked");
        r.cancelled = true;
        return r;  // not a full verify: nothing recorded
    }
    for (const auto& f : enumerateModelFiles(folder))
        if (!listed.count(f.relative)) r.problems.push_back("unexpected file: " + f.relative);
    r.ok = r.problems.empty();
    // Every byte checked: recorded in the manifest (`pool list` shows it), whose time then marks
    // the files written before now (a `touch`, a copy that kept the bytes) as verified.
    recordVerify(folder, manifest, r);
    return r;
}

CheapCheck checkPoolModelCheaply(const fs::path& folder) {
    CheapCheck c;
    std::error_code ec;
    const fs::path manifestFile = folder / kManifestName;
    if (!fs::exists(manifestFile, ec)) return c;
    json manifest;
    try {
        manifest = readManifest(folder);
    } catch (const Error& e) {
        c.hasManifest = true;
        c.problems.push_back("unreadable manifest: " + e.problem());
        return c;
    }
    c.hasManifest = true;
    const auto stamped = fs::last_write_time(manifestFile, ec);
    std::map<std::string, bool> listed;
    for (const auto& f : manifest["files"]) {
        const std::string rel = f.value("path", std::string());
        listed[rel] = true;
        const auto file = manifestEntryFile(folder, rel, c.problems);
        if (!file) continue;
        const std::uint64_t want = f.value("bytes", std::uint64_t(0)), got = fs::file_size(*file, ec);
        if (got != want)
            c.problems.push_back("changed: " + rel + " (" + std::to_string(got) + " bytes, the manifest says " + std::to_string(want) + ")");
        else if (fs::last_write_time(*file, ec) > stamped)
            c.modified.push_back(rel);
    }
    try {
        for (const auto& f : enumerateModelFiles(folder))
            if (!listed.count(f.relative)) c.problems.push_back("unexpected file: " + f.relative);
    } catch (const Error& e) {
        c.problems.push_back(e.problem());
    }
    return c;
}

namespace {

// A byte flipped in place with its modification time put back passes the cheap check (same size,
// same time): only the hashes of `pool verify` find it. So a copy whose last recorded verify failed
// stays refused until a verify passes again (or the copy is added again): its failure is the only
// record that the bytes differ.
void refuseFailedVerify(const fs::path& folder, const std::string& readd) {
    json manifest;
    try {
        manifest = readManifest(folder);
    } catch (const Error&) {
        return;  // the cheap check already reported an unreadable manifest
    }
    const auto last = lastVerifyOf(manifest);
    if (!last || last->ok) return;
    const std::string found = last->problems.empty() ? std::string("problems") : last->problems.front();
    const std::size_t more = last->problemCount > 1 ? last->problemCount - 1 : 0;
    throw Error("the last `pool verify` (" + shortUtc(last->time) + ") FAILED: " + found + (more ? " (and " + std::to_string(more) + " more)" : ""),
                folder, "if the file was put back, run `awqbench-cli pool verify " + folder.filename().string() + "` again (a pass clears this); otherwise " + readd);
}

}  // namespace

CheapCheck checkPoolCopyBeforeServing(const fs::path& folder, std::stop_token stop) {
    CheapCheck c = checkPoolModelCheaply(folder);
    if (!c.hasManifest) return c;
    std::string source;
    try {
        source = readManifest(folder).value("source", std::string());
    } catch (const Error&) {
    }
    const std::string name = folder.filename().string();
    // Advice that works while a target serves the copy too (pool remove refuses a deployed copy):
    // a fresh copy under another name, promoted, then the old one removed.
    const std::string readd = "there is no repair: add the model again under another name (`awqbench-cli pool add " +
                              (source.empty() ? std::string("SOURCE") : source) + " --name " + name +
                              "-2`), promote that copy, then remove this one (`awqbench-cli pool remove " + name + " --yes`)";
    const std::string fix = "`awqbench-cli pool verify " + name + "` lists every difference; " + readd;
    if (!c.problems.empty())
        throw Error("the pool copy is not what was added: " + c.problems.front() +
                        (c.problems.size() > 1 ? " (and " + std::to_string(c.problems.size() - 1) + " more)" : ""),
                    folder, fix);
    refuseFailedVerify(folder, readd);
    // Written since the manifest, same size: the hash tells whether the bytes changed.
    const HashCheck hashed = hashManifestEntries(folder, readManifest(folder), [&](const std::string& rel) {
        return std::find(c.modified.begin(), c.modified.end(), rel) != c.modified.end();
    }, stop);
    if (hashed.cancelled) throw Error("stopped while checking the pool copy", folder, "promote again");
    if (!hashed.problems.empty())
        throw Error("the pool copy is not what was added: " + hashed.problems.front() +
                        (hashed.problems.size() > 1 ? " (and " + std::to_string(hashed.problems.size() - 1) + " more)" : ""),
                    folder, fix);
    c.modified.clear();  // re-hashed: unchanged
    return c;
}

}  // namespace awq::pool
