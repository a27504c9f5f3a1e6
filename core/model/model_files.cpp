#include "core/model/model_files.h"

#include "core/util/error.h"
#include "core/util/read_file.h"


namespace awq {
namespace fs = std::filesystem;

namespace {

constexpr const char* kFixIndexPath = "edit the index so it names files in this folder";

bool isInside(const fs::path& p, const fs::path& dir) {
    const auto rel = p.lexically_relative(dir);
    return !rel.empty() && *rel.begin() != "..";
}

// A hub cache snapshot's files are links into <repo>/blobs: that is where the hub keeps the bytes.
bool isHubBlobOfSnapshot(const fs::path& real, const fs::path& snapshot) {
    return snapshot.parent_path().filename() == "snapshots" && isInside(real, snapshot.parent_path().parent_path() / "blobs");
}

// Links followed to the end. weakly_canonical() stops at a dangling link (its target does not
// exist), which would make a link to a missing file outside look like a file inside.
fs::path realPath(const fs::path& p, std::error_code& ec) {
    fs::path cur = fs::weakly_canonical(p, ec);
    std::error_code missing;  // a path that does not exist is no link: not an error here
    for (int hops = 0; !ec && hops < 40 && fs::is_symlink(cur, missing); ++hops) {
        const fs::path target = fs::read_symlink(cur, ec);
        if (ec) break;
        cur = fs::weakly_canonical(target.is_absolute() ? target : cur.parent_path() / target, ec);
    }
    return cur;
}

}  // namespace

fs::path resolveInsideFolder(const fs::path& folder, const std::string& relative) {
    const fs::path rel(relative);
    if (relative.empty() || rel.is_absolute())
        throw Error("refusing path '" + relative + "': it must be a file name inside the model folder", folder, kFixIndexPath);
    for (const auto& part : rel)
        if (part == "..") throw Error("refusing path '" + relative + "': it leaves the model folder", folder, kFixIndexPath);

    std::error_code ec;
    const fs::path root = fs::canonical(folder, ec);
    if (ec) throw Error("cannot resolve folder: " + ec.message(), folder);
    const fs::path real = realPath(root / rel, ec);
    if (ec) throw Error("cannot resolve '" + relative + "': " + ec.message(), folder);
    if (isInside(real, root) || isHubBlobOfSnapshot(real, root)) return real;
    const fs::path named = folder / rel;
    throw Error("refusing '" + relative + "': it is a link to " + real.string() + ", outside the model folder", named,
                "model folders are read only inside themselves; copy the file in instead of linking it: cp --remove-destination \"" +
                    real.string() + "\" \"" + named.string() + "\"");
}

std::optional<fs::path> findModelFile(const fs::path& folder, const std::string& relative) {
    std::error_code ec;
    const fs::path named = folder / relative;
    if (!fs::exists(named, ec) && !fs::is_symlink(named, ec)) return std::nullopt;
    const fs::path real = resolveInsideFolder(folder, relative);  // throws for links leaving the folder, dangling ones too
    if (fs::is_regular_file(real, ec)) return real;
    // A dangling link inside the folder reads as absent; a folder (or fifo, socket) under the
    // file's name does not: "missing config.json" beside the config.json `ls` shows misled.
    if (fs::is_directory(real, ec))
        throw Error("is a folder, not a file", named,
                    "replace the folder with the file: rm -r \"" + named.string() + "\", then copy " + relative + " from the model's source");
    if (fs::exists(real, ec))
        throw Error("is not a regular file (a device, pipe or socket)", named,
                    "replace it with the file: copy " + relative + " from the model's source");
    return std::nullopt;
}

std::optional<std::string> readModelFile(const fs::path& folder, const std::string& relative, std::uint64_t maxBytes) {
    const auto real = findModelFile(folder, relative);
    if (!real) return std::nullopt;
    const fs::path named = folder / relative;
    std::error_code ec;
    if (const auto size = fs::file_size(*real, ec); !ec && size > maxBytes)
        throw Error("is " + std::to_string(size) + " bytes, more than the " + std::to_string(maxBytes) + " allowed for this file", named,
                    "the file is not what its name says: download it again from the model's repository");
    try {
        return readFile(*real, "file", "check the file's permissions");
    } catch (const Error& e) {
        throw Error(e.problem(), named, e.fix());  // named as the folder has it (`real` may be a link's target)
    }
}

std::optional<std::string> hubRepoId(const fs::path& folder) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::absolute(folder, ec), ec);
    if (ec) p = fs::absolute(folder).lexically_normal();
    if (!p.has_filename()) p = p.parent_path();
    if (p.parent_path().filename() != "snapshots") return std::nullopt;
    const std::string repo = p.parent_path().parent_path().filename().string();
    const std::string prefix = "models--";
    if (repo.size() <= prefix.size() || repo.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
    // The hub escapes "ORG/NAME" as "ORG--NAME" (repository ids may not contain "--" themselves).
    std::string id = repo.substr(prefix.size());
    if (const auto sep = id.find("--"); sep != std::string::npos) id.replace(sep, 2, "/");
    return id;
}

std::string modelDisplayName(const fs::path& folder) {
    if (auto id = hubRepoId(folder)) return *id;
    const fs::path normal = fs::path(folder).lexically_normal();
    return normal.has_filename() ? normal.filename().string() : normal.parent_path().filename().string();
}

}  // namespace awq
