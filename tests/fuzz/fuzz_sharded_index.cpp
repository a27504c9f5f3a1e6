// model.safetensors.index.json of a sharded model. The input is the index; the shards it names
// are written beside it (each holding the tensors the index assigns to it, as 1-element F32),
// except tensors whose name starts with '!' (a name the fuzzer can produce to make the index
// promise a tensor its shard lacks). Shard names that are not plain file names are not written:
// the store must refuse them (paths leaving the folder, absolute paths, missing files).
#include "core/model/safetensors.h"
#include "core/util/json_read.h"
#include "tests/fuzz/fuzz_support.h"

#include <map>
#include <set>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fs = std::filesystem;
    const auto folder = awq::fuzz::scratchDir() / "sharded";
    fs::remove_all(folder);
    fs::create_directories(folder);
    const auto text = awq::fuzz::asText(data, size);
    awq::fuzz::writeFile(folder / "model.safetensors.index.json", text);

    // Shards from the index as the harness reads it (bounded: at most 4 shards, 64 tensors).
    std::map<std::string, std::vector<std::string>> shards;
    try {
        const auto index = awq::parseJson(text, {"index", ""});
        if (index.is_object() && index.contains("weight_map") && index["weight_map"].is_object()) {
            for (const auto& [name, shard] : index["weight_map"].items()) {
                if (!shard.is_string()) continue;
                const auto s = shard.get<std::string>();
                if (s.empty() || s.size() > 64 || s.find('/') != std::string::npos || s == "." || s == ".." ||
                    s.find('\0') != std::string::npos || s == "model.safetensors.index.json")
                    continue;
                if (shards.size() >= 4 && !shards.contains(s)) continue;
                auto& names = shards[s];
                if (names.size() < 64 && !name.starts_with('!')) names.push_back(name);
            }
        }
    } catch (const awq::Error&) {
    }
    const float one = 1.0f;
    for (const auto& [shard, names] : shards) {
        std::vector<awq::TensorToWrite> tensors;
        for (const auto& n : names)
            tensors.push_back({n, awq::DType::F32, {1}, std::as_bytes(std::span(&one, 1))});
        try {
            awq::writeSafetensors(folder / shard, tensors);
        } catch (const awq::Error&) {
        }
    }

    try {
        const auto store = awq::TensorStore::openFolder(folder);
        for (const auto& t : store.tensors()) {
            if (store.data(t).size() != t.byteSize) __builtin_trap();
            if (store.find(t.name) == nullptr) __builtin_trap();
        }
        (void)store.bytesOnDisk();
    } catch (const awq::Error&) {
    }
    return 0;
}
