#include "core/library/catalog.h"

#include "core/model/model_files.h"
#include "core/model/quantize_work_folder.h"
#include "core/pool/warm_pool.h"
#include "core/tokenizer/tokenizer.h"
#include "core/util/error.h"
#include "core/util/folder_lock.h"
#include "core/util/format.h"
#include "core/util/resources.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

namespace awq {
namespace fs = std::filesystem;

namespace {

bool isGgufFile(const fs::path& p) {
    std::error_code ec;
    return isGgufPath(p) && fs::is_regular_file(p, ec);
}

// A folder is a model candidate when it holds a config or safetensors weights; such a folder is
// listed (perhaps as broken) and not searched further.
bool isModelFolder(const fs::path& dir) {
    std::error_code ec;
    if (fs::exists(dir / "config.json", ec) || fs::exists(dir / "model.safetensors.index.json", ec)) return true;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".safetensors") return true;
    return false;
}

struct Candidate {
    fs::path path;
    ModelOrigin origin;
};

// Folders the depth bound kept the scan out of (see ScanProgress).
struct NotSearched {
    std::size_t count = 0;
    fs::path first;
};

bool hasVisibleSubfolder(const fs::path& dir) {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec)) {
        const auto name = e.path().filename().string();
        if (!name.empty() && name[0] != '.' && e.is_directory(ec)) return true;
    }
    return false;
}

// Model folders under `dir`, `depthLeft` folders deep. Linked folders are followed (a library of
// links to models on other disks is common); `entered` holds the real folders already searched, so a
// link back up the tree is searched once.
void collect(const fs::path& dir, ModelOrigin origin, int depthLeft, std::vector<Candidate>& out, std::stop_token stop,
             std::set<fs::path>& entered, NotSearched& notSearched) {
    if (stop.stop_requested()) return;
    std::error_code ec;
    if (const auto real = fs::canonical(dir, ec); !ec && !entered.insert(real).second) return;
    // A quantize job's work folder (<output>.partial with its journal): not a broken model to copy a
    // config.json into, but a job to resume.
    if (dir.extension() == ".partial" && fs::is_regular_file(dir / kQuantizeJournalFile, ec)) {
        auto output = dir;
        output.replace_extension();
        if (FolderLock::heldByAnother(dir)) {  // a running job: nothing to resume or delete
            spdlog::info("library: skipped {}: a quantize job is writing {} now", dir.string(), output.string());
            return;
        }
        spdlog::warn("library: skipped {}: an interrupted quantize job; resume it (Quantize page, or awqbench-cli quantize --resume "
                     "--out {} with the same settings) or delete the folder",
                     dir.string(), output.string());
        return;
    }
    if (isModelFolder(dir)) {
        out.push_back({dir, origin});
        return;
    }
    if (depthLeft <= 0) {
        if (hasVisibleSubfolder(dir) && notSearched.count++ == 0) notSearched.first = dir;
        return;
    }
    std::vector<fs::path> children;
    for (const auto& e : fs::directory_iterator(dir, fs::directory_options::skip_permission_denied, ec)) {
        const auto name = e.path().filename().string();
        if (name.empty() || name[0] == '.') continue;  // .git, .cache, .Trash, ...
        children.push_back(e.path());
    }
    std::sort(children.begin(), children.end());
    for (const auto& child : children) {
        if (isGgufFile(child)) {
            out.push_back({child, origin});
        } else if (fs::is_directory(child, ec)) {
            collect(child, origin, depthLeft - 1, out, stop, entered, notSearched);
        } else if (fs::is_symlink(child, ec) && !fs::exists(child, ec)) {
            spdlog::warn("library: skipped {}: a link to {}, which does not exist", child.string(), fs::read_symlink(child, ec).string());
        }
    }
}

// A hub cache snapshot is named ORG/NAME (never its commit hash), and so is a pool copy of one.
std::string entryName(const fs::path& p, ModelOrigin origin) {
    return origin == ModelOrigin::WarmPool ? pool::servedModelName(p) : modelDisplayName(p);
}

// A present tokenizer.json is only worth listing as such if it loads: load it as `tokenize` does
// (the model stays usable for what needs no tokenizer, so a warning rather than "broken").
void checkTokenizer(ModelInfo& m) {
    if (!m.hasTokenizer) return;
    try {
        Tokenizer::load(m.folder);
    } catch (const Error& err) {
        m.tokenizerError = err.what();
        m.warnings.push_back("the tokenizer cannot be loaded (tokenize, generate, compare and quantize refuse it): " + m.tokenizerError);
    }
}

}  // namespace

CatalogEntry describeCandidate(const fs::path& path, ModelOrigin origin) {
    CatalogEntry e;
    e.path = path;
    e.origin = origin;
    e.format = isGgufPath(path) ? ModelFormat::Gguf : ModelFormat::HuggingFace;
    e.name = entryName(path, origin);
    try {
        if (e.format == ModelFormat::Gguf) {
            e.gguf = readGguf(path);
            if (!e.gguf->name.empty()) e.name = e.gguf->name;
        } else {
            e.info = describeModel(path);
            e.info->name = e.name;
            checkTokenizer(*e.info);
        }
    } catch (const Error& err) {
        e.error = err.what();
    } catch (const std::exception& err) {
        e.error = std::string("unexpected error: ") + err.what();
    }
    return e;
}

JobResult<std::vector<CatalogEntry>> scanLibrary(const LibraryRoots& roots, std::stop_token stop, const ScanProgressFn& progress,
                                                 int maxDepth) {
    std::vector<Candidate> candidates;
    NotSearched notSearched;
    auto addRoot = [&](const fs::path& root, ModelOrigin origin) {
        if (root.empty()) return;
        std::error_code ec;
        if (!fs::exists(root, ec)) {
            spdlog::warn("library folder {} does not exist; skipped (fix it in Settings)", root.string());
            return;
        }
        std::set<fs::path> entered;
        if (isGgufFile(root))
            candidates.push_back({root, origin});
        else
            collect(root, origin, maxDepth, candidates, stop, entered, notSearched);
    };
    // The warm pool first, so that a model reachable from both is marked as pooled.
    addRoot(roots.warmPool, ModelOrigin::WarmPool);
    for (const auto& r : roots.folders) addRoot(r, ModelOrigin::Library);

    std::set<fs::path> seen;
    std::vector<Candidate> unique;
    for (auto& c : candidates) {
        std::error_code ec;
        auto key = fs::weakly_canonical(c.path, ec);
        if (ec) key = c.path;
        if (seen.insert(key).second) unique.push_back(std::move(c));
    }

    // Info, not a warning: the CLI says it in its own note (a warning reached its stderr twice);
    // the GUI's log panel shows it.
    if (notSearched.count)
        spdlog::info("library: {} {} levels below a library folder were not searched for models, the first {} (add the deeper "
                     "folder as a library folder of its own)",
                     format::counted(notSearched.count, "folder"), maxDepth, notSearched.first.string());
    ScanProgress p;
    p.found = unique.size();
    p.foldersNotSearched = notSearched.count;
    p.firstNotSearched = notSearched.first;
    std::vector<CatalogEntry> entries;
    for (const auto& c : unique) {
        if (stop.stop_requested()) break;
        p.current = c.path;
        if (progress) progress(p);
        entries.push_back(describeCandidate(c.path, c.origin));
        if (!entries.back().ok()) spdlog::warn("broken model {}: {}", c.path.string(), entries.back().error);
        ++p.described;
    }
    // By name as a user looks one up (and as the Models page sorts), not by path: m-l1/l2 came
    // before m-l1. Stable: the pool's entry of a name stays ahead of the library's.
    std::stable_sort(entries.begin(), entries.end(), [](const CatalogEntry& a, const CatalogEntry& b) {
        return std::lexicographical_compare(a.name.begin(), a.name.end(), b.name.begin(), b.name.end(), [](unsigned char x, unsigned char y) {
            return std::tolower(x) < std::tolower(y);
        });
    });
    if (progress) progress(p);
    return {std::move(entries), stop.stop_requested()};
}

fs::path findDemoLibrary(const fs::path& executableDir) {
    std::vector<fs::path> places;
    if (const char* env = std::getenv("AWQBENCH_DEMO_LIBRARY"); env && *env) places.emplace_back(env);
    auto shipped = resourcePlaces("demo-models", executableDir);
    // An unpacked build may carry the library beside the executable: after the installed one, before the source tree's.
    if (!executableDir.empty()) shipped.insert(shipped.begin() + 1, executableDir / "demo-models");
    places.insert(places.end(), shipped.begin(), shipped.end());
    for (const auto& p : places) {
        std::error_code ec;
        if (fs::is_directory(p, ec)) return fs::weakly_canonical(p, ec);
    }
    return {};
}

}  // namespace awq
