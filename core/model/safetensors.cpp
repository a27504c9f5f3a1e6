#include "core/model/safetensors.h"

#include "core/util/atomic_file.h"
#include "core/util/error.h"
#include "core/util/format.h"
#include "core/util/json_read.h"
#include "core/util/json_write.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <limits>

namespace awq {
namespace fs = std::filesystem;
using nlohmann::json;

std::uint64_t TensorInfo::elementCount() const noexcept {
    std::uint64_t n = 1;
    for (auto d : shape) n *= static_cast<std::uint64_t>(d);
    return n;
}

namespace {

constexpr const char* kFixRedownload = "the file is damaged or incomplete: download or copy it again";

std::uint64_t readLe64(const std::byte* p) {
    std::uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | std::to_integer<std::uint64_t>(p[i]);
    return v;
}

// Multiplies with an overflow check; shapes come from untrusted headers.
bool mulChecked(std::uint64_t a, std::uint64_t b, std::uint64_t& out) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) return false;
    out = a * b;
    return true;
}

TensorInfo parseEntry(const std::string& name, const json& e, std::uint64_t dataSize, const fs::path& file) {
    auto bad = [&](const std::string& why) { return Error("tensor '" + name + "': " + why, file, kFixRedownload); };
    if (!e.is_object()) throw bad("header entry is not an object");
    const auto dt = e.find("dtype");
    const auto sh = e.find("shape");
    const auto off = e.find("data_offsets");
    if (dt == e.end() || !dt->is_string()) throw bad("missing dtype");
    if (sh == e.end() || !sh->is_array()) throw bad("missing shape");
    if (off == e.end() || !off->is_array() || off->size() != 2) throw bad("data_offsets must be [begin, end]");

    TensorInfo t;
    t.name = name;
    const auto dtype = parseDType(dt->get<std::string>());
    if (!dtype) throw bad("unknown dtype '" + dt->get<std::string>() + "'");
    t.dtype = *dtype;

    if (sh->size() > 8) throw bad("more than 8 dimensions");
    std::uint64_t elements = 1;
    for (const auto& d : *sh) {
        if (!d.is_number_unsigned()) throw bad("shape holds a negative or non-integer dimension");
        const auto v = d.get<std::uint64_t>();
        if (v > std::uint64_t(std::numeric_limits<std::int64_t>::max()) || !mulChecked(elements, v, elements))
            throw bad("shape is too large");
        t.shape.push_back(static_cast<std::int64_t>(v));
    }
    std::uint64_t expected = 0;
    if (!mulChecked(elements, dtypeSize(t.dtype), expected)) throw bad("shape is too large");

    for (const auto& o : *off)
        if (!o.is_number_unsigned()) throw bad("data_offsets must be non-negative integers");
    const auto begin = (*off)[0].get<std::uint64_t>();
    const auto end = (*off)[1].get<std::uint64_t>();
    if (begin > end) throw bad("data_offsets begin after they end");
    if (end > dataSize)
        throw bad("data ends at byte " + std::to_string(end) + " but the file holds only " + std::to_string(dataSize) +
                  " data bytes (truncated file?)");
    if (end - begin != expected)
        throw bad("holds " + std::to_string(end - begin) + " bytes but shape x dtype needs " + std::to_string(expected));
    t.dataBegin = begin;
    t.byteSize = end - begin;
    return t;
}

}  // namespace

SafetensorsFile::SafetensorsFile(const fs::path& path) : file_(path) {
    const auto bytes = file_.bytes();
    if (bytes.size() < 8) throw Error("too short to be a safetensors file (" + std::to_string(bytes.size()) + " bytes)", path, kFixRedownload);
    const std::uint64_t headerLen = readLe64(bytes.data());
    if (headerLen > kMaxSafetensorsHeaderBytes)
        throw Error("header length " + std::to_string(headerLen) + " exceeds the " + format::bytes(kMaxSafetensorsHeaderBytes) + " limit", path, kFixRedownload);
    if (headerLen > bytes.size() - 8)
        throw Error("header length " + std::to_string(headerLen) + " runs past the end of the file (" +
                        std::to_string(bytes.size()) + " bytes)",
                    path, kFixRedownload);
    dataStart_ = 8 + headerLen;
    const std::uint64_t dataSize = bytes.size() - dataStart_;

    const json header = parseJson(std::string_view(reinterpret_cast<const char*>(bytes.data() + 8), headerLen),
                                  {path, kFixRedownload, "header"});
    if (!header.is_object()) throw Error("header is not a JSON object", path, kFixRedownload);

    for (const auto& [key, value] : header.items()) {
        if (key == "__metadata__") {
            if (!value.is_object()) throw Error("__metadata__ is not an object", path, kFixRedownload);
            // The format maps strings to strings only; the reference reader (safetensors' Rust crate)
            // refuses anything else, so a file other tools cannot load is not accepted here either.
            for (const auto& [mk, mv] : value.items()) {
                if (!mv.is_string())
                    throw Error("__metadata__ \"" + mk + "\" is a " + mv.type_name() + ", but the format allows only strings",
                                path, kFixRedownload);
                metadata_[mk] = mv.get<std::string>();
            }
            continue;
        }
        tensors_.push_back(parseEntry(key, value, dataSize, path));
    }

    // Tensors must not overlap (the format also forbids holes, but some writers pad; we tolerate that).
    std::vector<const TensorInfo*> byOffset;
    for (const auto& t : tensors_) byOffset.push_back(&t);
    std::sort(byOffset.begin(), byOffset.end(), [](auto a, auto b) { return a->dataBegin < b->dataBegin; });
    for (std::size_t i = 1; i < byOffset.size(); ++i)
        if (byOffset[i]->dataBegin < byOffset[i - 1]->dataBegin + byOffset[i - 1]->byteSize && byOffset[i]->byteSize > 0)
            throw Error("tensors '" + byOffset[i - 1]->name + "' and '" + byOffset[i]->name + "' overlap", path, kFixRedownload);

    std::sort(tensors_.begin(), tensors_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    for (std::size_t i = 0; i < tensors_.size(); ++i) byName_.emplace(tensors_[i].name, i);
}

const TensorInfo* SafetensorsFile::find(std::string_view name) const noexcept {
    const auto it = byName_.find(std::string(name));
    return it == byName_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> SafetensorsFile::data(const TensorInfo& t) const noexcept {
    return file_.bytes().subspan(dataStart_ + t.dataBegin, t.byteSize);
}

TensorStore TensorStore::openFolder(const fs::path& folder) {
    TensorStore store;
    store.folder_ = folder;
    const fs::path index = folder / "model.safetensors.index.json";
    std::vector<std::pair<std::string, std::string>> weightMap;  // tensor -> shard file name

    if (const auto indexText = readModelFile(folder, "model.safetensors.index.json")) {
        const json j = parseJson(*indexText, {index, "download or copy the index again"});
        const auto wm = j.find("weight_map");
        if (!j.is_object() || wm == j.end() || !wm->is_object())
            throw Error("has no weight_map object", index, "download or copy the index again");
        std::vector<std::string> shardNames;
        for (const auto& [tensor, file] : wm->items()) {
            if (!file.is_string()) throw Error("weight_map entry for '" + tensor + "' is not a file name", index);
            weightMap.emplace_back(tensor, file.get<std::string>());
            if (std::find(shardNames.begin(), shardNames.end(), file.get<std::string>()) == shardNames.end())
                shardNames.push_back(file.get<std::string>());
        }
        std::sort(shardNames.begin(), shardNames.end());
        for (const auto& name : shardNames) {
            resolveInsideFolder(folder, name);  // "../x" is refused even where it does not exist
            // Through findModelFile as every other file: a folder under the shard's name is said to be one.
            const auto shardPath = findModelFile(folder, name);
            if (!shardPath)
                throw Error("the index lists shard '" + name + "' but it is missing", index,
                            "download the missing shard into the model folder");
            store.shards_.push_back(std::make_unique<SafetensorsFile>(*shardPath));
        }
    } else {
        if (const auto single = findModelFile(folder, "model.safetensors")) {
            store.shards_.push_back(std::make_unique<SafetensorsFile>(*single));
        } else {
            throw Error("no model.safetensors or model.safetensors.index.json", folder,
                        "point at a Hugging Face model folder with safetensors weights (pickled .bin files are not loaded)");
        }
    }

    for (std::size_t s = 0; s < store.shards_.size(); ++s) {
        for (auto t : store.shards_[s]->tensors()) {
            t.shard = static_cast<int>(s);
            if (store.byName_.count(t.name))
                throw Error("tensor '" + t.name + "' appears in two shards", store.shards_[s]->path(), kFixRedownload);
            store.byName_.emplace(t.name, store.tensors_.size());
            store.tensors_.push_back(std::move(t));
        }
        for (const auto& [k, v] : store.shards_[s]->metadata()) store.metadata_[k] = v;
    }
    for (const auto& [tensor, file] : weightMap)
        if (!store.byName_.count(tensor))
            throw Error("the index maps '" + tensor + "' to " + file + " but that shard does not hold it", index, kFixRedownload);

    std::sort(store.tensors_.begin(), store.tensors_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    store.byName_.clear();
    for (std::size_t i = 0; i < store.tensors_.size(); ++i) store.byName_.emplace(store.tensors_[i].name, i);
    return store;
}

const TensorInfo* TensorStore::find(std::string_view name) const noexcept {
    const auto it = byName_.find(std::string(name));
    return it == byName_.end() ? nullptr : &tensors_[it->second];
}

std::span<const std::byte> TensorStore::data(const TensorInfo& t) const noexcept { return shards_[t.shard]->data(t); }

std::uint64_t TensorStore::bytesOnDisk() const noexcept {
    std::uint64_t n = 0;
    for (const auto& s : shards_) n += s->fileSize();
    return n;
}

void writeSafetensors(const fs::path& file, const std::vector<TensorToWrite>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    json header = json::object();
    if (!metadata.empty()) header["__metadata__"] = metadata;
    std::uint64_t offset = 0;
    for (const auto& t : tensors) {
        std::uint64_t elements = 1;
        for (auto d : t.shape) elements *= static_cast<std::uint64_t>(d);
        if (elements * dtypeSize(t.dtype) != t.data.size())
            throw Error("tensor '" + t.name + "' has " + std::to_string(t.data.size()) + " bytes but its shape needs " +
                            std::to_string(elements * dtypeSize(t.dtype)),
                        file, "this is a bug in the caller");
        header[t.name] = {{"dtype", std::string(dtypeName(t.dtype))},
                          {"shape", t.shape},
                          {"data_offsets", {offset, offset + t.data.size()}}};
        offset += t.data.size();
    }
    std::string text = jsonText(header);
    text.append((8 - text.size() % 8) % 8, ' ');  // keep the data section 8-byte aligned
    std::byte len[8];
    for (int i = 0; i < 8; ++i) len[i] = std::byte((text.size() >> (8 * i)) & 0xff);

    AtomicFileWriter w(file);
    w.write(std::span<const std::byte>(len, 8));
    w.write(text);
    for (const auto& t : tensors) w.write(t.data);
    w.commit();
}

std::vector<fs::path> writeShardedSafetensors(const fs::path& folder, const std::vector<TensorToWrite>& tensors,
                                              std::uint64_t maxShardBytes,
                                              const std::map<std::string, std::string>& metadata) {
    std::vector<std::vector<const TensorToWrite*>> groups(1);
    std::uint64_t inGroup = 0, total = 0;
    for (const auto& t : tensors) {
        if (inGroup > 0 && inGroup + t.data.size() > maxShardBytes) {
            groups.emplace_back();
            inGroup = 0;
        }
        groups.back().push_back(&t);
        inGroup += t.data.size();
        total += t.data.size();
    }
    if (groups.size() == 1) {
        writeSafetensors(folder / "model.safetensors", tensors, metadata);
        return {folder / "model.safetensors"};
    }

    std::vector<fs::path> written;
    json weightMap = json::object();
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const std::string name = fmt::format("model-{:05d}-of-{:05d}.safetensors", g + 1, groups.size());
        std::vector<TensorToWrite> part;
        for (auto* t : groups[g]) {
            part.push_back(*t);
            weightMap[t->name] = name;
        }
        writeSafetensors(folder / name, part, metadata);
        written.push_back(folder / name);
    }
    const json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}};
    writeFileAtomically(folder / "model.safetensors.index.json", jsonText(index, 2) + "\n");
    written.push_back(folder / "model.safetensors.index.json");
    return written;
}

}  // namespace awq
