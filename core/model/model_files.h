#pragma once
// The one door into a model folder: every file read from one (config.json, tokenizer.json,
// tokenizer_config.json, generation_config.json, chat templates, the safetensors index and shards,
// ...) is found through here. Model folders are untrusted, so a name may not be absolute or contain
// "..", and a symbolic link may not lead out of the folder; the one exception is a Hugging Face hub
// cache snapshot (<cache>/models--ORG--NAME/snapshots/<rev>/FILE), whose files are links into the
// repository's own blobs/ folder.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace awq {

// Resolves `relative` inside `folder` (links followed). Throws awq::Error naming the file and the
// fix for an absolute path, "..", or a link that leads out of the folder. The file need not exist.
std::filesystem::path resolveInsideFolder(const std::filesystem::path& folder, const std::string& relative);

// The real path of the model file `relative`, or nullopt when there is no such file (a dangling
// link inside the folder included). Throws like resolveInsideFolder() when it exists but is reached
// through a link leaving the folder (a dangling link leaving the folder is refused too: it never
// reads as "absent"), and "is a folder, not a file" when a folder (or another non-file) has its name.
std::optional<std::filesystem::path> findModelFile(const std::filesystem::path& folder, const std::string& relative);

// The bytes of the model file `relative`, or nullopt when it does not exist. Refuses links out of
// the folder (see findModelFile) and files larger than `maxBytes` (side files are small; the bound
// keeps a hostile folder from exhausting memory). Errors name the file and the fix.
inline constexpr std::uint64_t kMaxModelSideFileBytes = 256ull << 20;
std::optional<std::string> readModelFile(const std::filesystem::path& folder, const std::string& relative,
                                         std::uint64_t maxBytes = kMaxModelSideFileBytes);

// The side files a model folder carries besides config.json and the weights (tokenizer, chat
// template, generation settings): what a quantized copy takes along and what describeModel() checks.
inline constexpr const char* kModelSideFiles[] = {"tokenizer.json",         "tokenizer_config.json", "special_tokens_map.json",
                                                  "generation_config.json", "chat_template.jinja",   "chat_template.json",
                                                  "tokenizer.model",        "vocab.json",            "merges.txt"};

// "ORG/NAME" for a Hugging Face hub cache snapshot folder (.../models--ORG--NAME/snapshots/<rev>,
// reached directly or through a link), as the hub names the repository; nullopt for other folders.
std::optional<std::string> hubRepoId(const std::filesystem::path& folder);

// The name a model folder is shown and served under: its hub repository id for a hub cache
// snapshot (never the commit hash), else the folder's own name.
std::string modelDisplayName(const std::filesystem::path& folder);

}  // namespace awq
